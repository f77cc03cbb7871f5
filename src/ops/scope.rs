//! Context scoping: which mission or session a verb acts on when it is given no id. Every
//! front-end resolves through here, so `cmos mission start` and the MCP tool without a
//! `missionId` pick the same mission and say the same thing about it.
//!
//! A mission: the mission of the session open in this worktree (`session start` with a
//! mission), else this worktree's active mission (the last one started here and not
//! finished), else, for a start only, the next mission. A session: the session open in this
//! worktree, else (to look at, not to write to) the last one this worktree had, else the
//! project's most recent one.

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::model::{SessionStatus, Status};
use crate::next::{Action, Input, Op};

/// An id a verb was given, or the one context scoping chose for it.
#[derive(Debug, Clone)]
pub struct Scoped {
    pub id: String,
    /// Where the id came from; None when the caller named it.
    pub source: Option<ScopeSource>,
}

/// Where context scoping found an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeSource {
    /// The mission of this session, open in this worktree.
    SessionMission(String),
    /// This worktree's active mission.
    ActiveMission,
    /// The next mission of the project (starts only).
    NextMission,
    /// The session open in this worktree.
    OpenSession,
    /// The last session this worktree had, now closed.
    LastSession,
    /// The project's most recent session.
    RecentSession,
}

impl Scoped {
    fn given(id: &str) -> Scoped {
        Scoped {
            id: id.to_string(),
            source: None,
        }
    }

    fn found(id: String, source: ScopeSource) -> Scoped {
        Scoped {
            id,
            source: Some(source),
        }
    }

    /// Whether the id came from context rather than from the caller.
    pub fn implicit(&self) -> bool {
        self.source.is_some()
    }

    /// The sentence that says which record a verb without an id acted on.
    pub fn explain(&self, kind: &str) -> Option<String> {
        let id = &self.id;
        let why = match self.source.as_ref()? {
            ScopeSource::SessionMission(session) => {
                format!("the mission of session {session}, open in this worktree")
            }
            ScopeSource::ActiveMission => format!("the active {kind} of this worktree"),
            ScopeSource::NextMission => {
                "the next mission (none is active in this worktree)".to_string()
            }
            ScopeSource::OpenSession => "the session open in this worktree".to_string(),
            ScopeSource::LastSession => "the last session of this worktree".to_string(),
            ScopeSource::RecentSession => "the most recent session of the project".to_string(),
        };
        Some(format!("no {kind} given: used {id}, {why}"))
    }
}

impl<T> Outcome<T> {
    /// Says which record a verb without an id acted on.
    pub fn scoped(self, scoped: &Scoped, kind: &str) -> Self {
        match scoped.explain(kind) {
            Some(warning) => self.warn(warning),
            None => self,
        }
    }
}

impl Workspace {
    /// The mission `id` names, or when None the one context scoping gives: the mission of
    /// the session open in this worktree, else this worktree's active mission.
    pub fn mission_or_active(&self, id: Option<&str>) -> Result<Scoped> {
        if let Some(id) = id {
            return Ok(Scoped::given(id));
        }
        self.context_mission()?.ok_or_else(|| {
            Error::InvalidInput(
                "no mission given, and none is in context: no session open in this worktree works on one, and no mission is active here; name the mission, or start one first".into(),
            )
            .needs(&[Input::MissionId])
            .then(Action::new(Op::MissionList).with(Input::Status, Status::InProgress.as_str()))
            .then(Action::new(Op::MissionStart).needs(Input::MissionId))
        })
    }

    /// The mission to start: `id`, else the mission in context (as `mission_or_active`),
    /// else the next mission of the project.
    pub fn mission_to_start(&self, id: Option<&str>) -> Result<Scoped> {
        if let Some(id) = id {
            return Ok(Scoped::given(id));
        }
        if let Some(scoped) = self.context_mission()? {
            return Ok(scoped);
        }
        let snapshot = self.snapshot()?;
        match &snapshot.digest.next {
            Some(next) if next.status != Status::InProgress => {
                Ok(Scoped::found(next.id.clone(), ScopeSource::NextMission))
            }
            // Next is work already under way (in another worktree): starting it again
            // would only be refused, so say what is going on instead.
            Some(next) => Err(Error::Refused(format!(
                "no mission given, none is active in this worktree, and the next mission, {}, is already In Progress; name the mission to start",
                next.id
            ))
            .needs(&[Input::MissionId])),
            None => Err(Error::Refused(format!(
                "no mission given, none is active in this worktree, and none is ready to start: {}",
                snapshot.digest.next_reason
            ))),
        }
    }

    /// The mission of this worktree's open session, else this worktree's active mission.
    fn context_mission(&self) -> Result<Option<Scoped>> {
        let store = self.store();
        if let Some(session) = store.active_session() {
            match store.session_at_tip(&session) {
                Ok(s) if s.status == SessionStatus::Active => {
                    if let Some(mission) = s.mission {
                        let source = ScopeSource::SessionMission(session);
                        return Ok(Some(Scoped::found(mission, source)));
                    }
                }
                // A pointer to a session that is gone or closed is stale, not an error.
                Ok(_) => {}
                Err(e) if matches!(e.kind(), Error::NotFound { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(store
            .active_mission()
            .map(|id| Scoped::found(id, ScopeSource::ActiveMission)))
    }

    /// The session to write to: `id`, else the session open in this worktree.
    pub fn session_or_open(&self, id: Option<&str>) -> Result<Scoped> {
        if let Some(id) = id {
            return Ok(Scoped::given(id));
        }
        match super::session::open_session(self)? {
            Some(id) => Ok(Scoped::found(id, ScopeSource::OpenSession)),
            None => Err(Error::Refused(
                "no session is open in this worktree; start one, or name one".into(),
            )
            .needs(&[Input::SessionId])
            .then(
                Action::new(Op::SessionStart)
                    .needs(Input::SessionType)
                    .needs(Input::Title),
            )),
        }
    }

    /// The session to look at: `id`, else this worktree's session (open, or the last one it
    /// had), else the project's most recent session.
    pub fn session_or_recent(&self, id: Option<&str>) -> Result<Scoped> {
        if let Some(id) = id {
            return Ok(Scoped::given(id));
        }
        let store = self.store();
        if let Some(id) = store.active_session() {
            let source = match store.session_at_tip(&id) {
                Ok(s) if s.status == SessionStatus::Active => Some(ScopeSource::OpenSession),
                Ok(_) => Some(ScopeSource::LastSession),
                Err(e) if matches!(e.kind(), Error::NotFound { .. }) => None,
                Err(other) => return Err(other),
            };
            if let Some(source) = source {
                return Ok(Scoped::found(id, source));
            }
        }
        let snapshot = self.snapshot()?;
        match store.recent_sessions(&snapshot, 1)?.first() {
            Some(s) => Ok(Scoped::found(s.id.clone(), ScopeSource::RecentSession)),
            None => Err(Error::Refused(
                "no session given, and the project has none yet: start one first".into(),
            )
            .then(
                Action::new(Op::SessionStart)
                    .needs(Input::SessionType)
                    .needs(Input::Title),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_says_where_the_id_came_from() {
        let said = |source: ScopeSource, kind: &str| {
            Scoped::found("X1".into(), source)
                .explain(kind)
                .expect("an implicit id is explained")
        };
        assert_eq!(
            said(ScopeSource::SessionMission("ps-1".into()), "mission"),
            "no mission given: used X1, the mission of session ps-1, open in this worktree"
        );
        assert_eq!(
            said(ScopeSource::ActiveMission, "mission"),
            "no mission given: used X1, the active mission of this worktree"
        );
        assert!(said(ScopeSource::NextMission, "mission").contains("the next mission"));
        assert!(said(ScopeSource::OpenSession, "session").contains("open in this worktree"));
        assert!(said(ScopeSource::LastSession, "session").contains("last session"));
        assert!(said(ScopeSource::RecentSession, "session").contains("most recent"));
        // A named id needs no explanation.
        assert_eq!(Scoped::given("X1").explain("mission"), None);
        assert!(!Scoped::given("X1").implicit());
    }
}
