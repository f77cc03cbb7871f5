//! The rules of sessions: one open session per worktree, captures and completion only while
//! a session is open, a summary to close one, and which captures become lasting records.

use crate::error::{Error, Result};
use crate::model::{CaptureCategory, ItemKind, Session, SessionStatus};
use crate::next::{Action, Input, Op};

/// Refuses to start a session while this worktree's `open` one is still open, unless
/// `force` closes that one as abandoned.
pub fn check_session_start(open: Option<&str>, force: bool) -> Result<()> {
    match open {
        Some(id) if !force => Err(Error::Refused(format!(
            "session {id} is still open in this worktree; complete it with a summary, or close it as abandoned by starting anyway"
        ))
        .needs(&[Input::Force])
        .then(Action::new(Op::SessionComplete).needs(Input::Summary))),
        _ => Ok(()),
    }
}

/// Refuses a capture into a session that is no longer open.
pub fn check_capture(session: &Session) -> Result<()> {
    if session.status == SessionStatus::Active {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "session {} is {}; captures go to an open session",
        session.id, session.status
    )))
}

/// Refuses to close a session without a summary (unless `force`): what happened in it is
/// what the next agent reads first.
pub fn check_summary(has_summary: bool, force: bool) -> Result<()> {
    if has_summary || force {
        return Ok(());
    }
    Err(Error::InvalidInput(
        "a session closes with a summary of what happened (or, forced, without one)".into(),
    )
    .needs(&[Input::Summary, Input::Force]))
}

/// Refuses to complete a session that is closed already.
pub fn check_session_complete(session: &Session) -> Result<()> {
    if session.status == SessionStatus::Active {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "session {} is already {}",
        session.id, session.status
    )))
}

/// The kind of record a capture also creates, kept beyond the session where context and
/// lists find it: decisions, learnings, constraints and next steps; context notes and
/// blockers stay in the session.
pub fn capture_record_kind(category: CaptureCategory) -> Option<ItemKind> {
    match category {
        CaptureCategory::Decision => Some(ItemKind::Decision),
        CaptureCategory::Learning => Some(ItemKind::Learning),
        CaptureCategory::Constraint => Some(ItemKind::Constraint),
        CaptureCategory::NextStep => Some(ItemKind::NextStep),
        CaptureCategory::Context | CaptureCategory::Blocker => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SessionType, Timestamp};

    fn session(status: SessionStatus) -> Session {
        Session {
            id: "ps-1".into(),
            uid: "u".into(),
            kind: SessionType::Build,
            title: "t".into(),
            status,
            agent: "a".into(),
            sprint: None,
            mission: None,
            started_at: Timestamp::now(),
            completed_at: None,
            summary: None,
            next_steps: Vec::new(),
            captures: Vec::new(),
            validation_state: None,
            validation_score: None,
            evidence: Vec::new(),
            extra: Default::default(),
        }
    }

    #[test]
    fn one_open_session_per_worktree_unless_forced() {
        check_session_start(None, false).unwrap();
        let err = check_session_start(Some("ps-1"), false).unwrap_err();
        assert_eq!(err.code(), "refused");
        assert!(err.to_string().contains("ps-1 is still open"), "{err}");
        check_session_start(Some("ps-1"), true).unwrap();
    }

    #[test]
    fn captures_and_completion_need_an_open_session() {
        check_capture(&session(SessionStatus::Active)).unwrap();
        check_session_complete(&session(SessionStatus::Active)).unwrap();
        let closed = session(SessionStatus::Completed);
        assert_eq!(
            check_capture(&closed).unwrap_err().to_string(),
            "session ps-1 is Completed; captures go to an open session"
        );
        assert_eq!(
            check_session_complete(&closed).unwrap_err().to_string(),
            "session ps-1 is already Completed"
        );
    }

    #[test]
    fn a_session_closes_with_a_summary_unless_forced() {
        check_summary(true, false).unwrap();
        check_summary(false, true).unwrap();
        assert_eq!(
            check_summary(false, false).unwrap_err().code(),
            "invalid_input"
        );
    }

    #[test]
    fn only_lasting_captures_become_records() {
        assert_eq!(
            capture_record_kind(CaptureCategory::NextStep),
            Some(ItemKind::NextStep)
        );
        assert_eq!(capture_record_kind(CaptureCategory::Blocker), None);
        assert_eq!(capture_record_kind(CaptureCategory::Context), None);
    }
}
