//! `cmos sync`: fetch the remote's cmos branch, merge it semantically with ours, and push the
//! result with a lease, looping while the remote moves. The store does the git part (the
//! network through the `git` program); offline, local state stays as it is and the outcome
//! says so.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::merge::Conflict;
use crate::next::{Action, Input, Op};
use crate::store::{CommitId, Pushed, RemoteBranch, Store};

/// How many fetch-merge-push rounds a sync makes before it gives up because other clones
/// pushed first every time. With the backoff below, 50 clones syncing at the same moment
/// through one remote need under ten, the contention model of `benches/swarm.rs` about 25
/// at worst for 1,000; the rest is headroom.
pub const MAX_ROUNDS: u32 = 40;

#[derive(Debug, Default, Serialize)]
pub struct SyncOutcome {
    pub remote: String,
    /// The remote could not be reached; nothing changed.
    pub offline: bool,
    /// Why, in git's words, when offline.
    pub offline_reason: Option<String>,
    pub dry_run: bool,
    /// Operations the remote had that this clone did not (commit subjects, newest first).
    pub incoming: Vec<String>,
    /// Operations this clone had that the remote did not.
    pub outgoing: Vec<String>,
    /// up-to-date, created, pushed, fast-forwarded, merged, or (dry run) what would happen.
    pub result: String,
    pub conflicts: Vec<Conflict>,
    /// How many fetch-merge-push rounds it took.
    pub rounds: u32,
    /// Rounds after the first: how often the remote moved (another clone pushed first) and
    /// this sync fetched, merged and pushed again.
    pub retries: u32,
    /// Milliseconds spent waiting between those rounds, to let the other clones' pushes
    /// through rather than race them.
    pub waited_ms: u64,
}

/// What `cmos sync` asks for.
#[derive(Debug, Default, Clone)]
pub struct SyncRequest {
    /// The remote to sync with [default: the branch's upstream remote, else origin].
    pub remote: Option<String>,
    /// Report what would come in and go out; change nothing.
    pub dry_run: bool,
    /// Merge a remote branch that shares no history with ours (another project's init).
    pub allow_unrelated: bool,
}

pub fn sync(ws: &Workspace, request: &SyncRequest) -> Result<Outcome<SyncOutcome>> {
    let (remote, dry_run) = (request.remote.as_deref(), request.dry_run);
    let store = ws.store();
    let remote = match remote {
        Some(r) => r.to_string(),
        None => store.default_remote().ok_or_else(|| {
            Error::InvalidInput(
                "this repository has no remote to sync with: add one with `git remote add origin URL`, or name one".into(),
            )
            .needs(&[Input::Remote])
        })?,
    };
    let mut out = SyncOutcome {
        remote: remote.clone(),
        dry_run,
        ..SyncOutcome::default()
    };
    let started = Instant::now();
    let mut backoff = Backoff::default();
    // Where the remote was when our last push lost, if it lost: a remote that has not moved
    // since did not lose us a race, it turned the push away (a hook, a protected branch).
    let mut lost_against: Option<Option<CommitId>> = None;
    let mut drops = 0;
    for round in 1..=MAX_ROUNDS {
        out.rounds = round;
        out.retries = round - 1;
        let round_began = Instant::now();
        let theirs = match store.fetch(&remote)? {
            RemoteBranch::Unreachable(why) if dropped(&why) && drops < MAX_DROPS => {
                // A remote that answered and then dropped the connection is busy (a server
                // shedding load while a swarm syncs), not offline: try again after a wait.
                drops += 1;
                let wait = backoff.next(round_began.elapsed());
                std::thread::sleep(wait);
                out.waited_ms += wait.as_millis() as u64;
                continue;
            }
            RemoteBranch::Unreachable(why) => return Ok(offline(ws, out, why)),
            RemoteBranch::Absent => None,
            RemoteBranch::At(tip) => Some(tip),
        };
        if lost_against == Some(theirs) {
            return Err(turned_away(store, &remote));
        }
        let ours = store.tip()?.ok_or(Error::NotInitialized)?;
        if let Some(t) = theirs {
            store.require_cmos_branch(t, &format!("{remote}'s {}", store.branch()))?;
        }
        let base = theirs.and_then(|t| store.merge_base(ours, t));
        let plan = match (theirs, base) {
            (None, _) => Plan::Create,
            (Some(t), _) if t == ours => Plan::UpToDate,
            (Some(t), Some(b)) if b == t => Plan::Push,
            (Some(t), Some(b)) if b == ours => Plan::FastForward(t),
            (Some(t), base) => Plan::Merge(t, base),
        };
        if let Plan::Merge(t, None) = plan
            && !request.allow_unrelated
        {
            return Err(unrelated(store, &remote, ours, t));
        }
        if matches!(plan, Plan::Create | Plan::Push | Plan::Merge(..)) {
            // Never merge into or publish a branch whose marker was lost (other clones would
            // refuse it); a fast-forward to a good remote tip is how it gets repaired.
            store.require_cmos_branch(ours, &format!("this clone's {}", store.branch()))?;
            // Nor one holding a tree other clones would refuse (bad names, order, modes).
            store.check_commit(ours, false)?;
        }
        if dry_run {
            out.result = plan.describe().to_string();
            list_changes(store, &mut out, ours, theirs);
            return Ok(finish(ws, out));
        }
        let pushed = match plan {
            Plan::UpToDate => {
                out.result = "up-to-date".into();
                return Ok(finish(ws, out));
            }
            Plan::FastForward(t) => {
                if !store.fast_forward(
                    Some(ours),
                    t,
                    &format!("cmos sync: fast-forward to {remote}"),
                )? {
                    // A write in this clone moved the branch meanwhile: merge it in at once.
                    continue;
                }
                out.result = "fast-forwarded".into();
                list_changes(store, &mut out, ours, theirs);
                return Ok(finish(ws, out));
            }
            Plan::Create | Plan::Push => {
                out.result = if plan == Plan::Create {
                    "created"
                } else {
                    "pushed"
                }
                .into();
                store.push(&remote, ours, theirs)
            }
            Plan::Merge(t, base) => {
                let subject = format!("sync: merge {remote}");
                let merged = store.merge_into_branch(t, base, &subject)?;
                out.conflicts = merged.conflicts;
                out.result = "merged".into();
                store.push(&remote, merged.commit, Some(t))
            }
        };
        match pushed {
            Pushed::Done => {
                list_changes(store, &mut out, ours, theirs);
                return Ok(finish(ws, out));
            }
            Pushed::Stale => {
                lost_against = Some(theirs);
                // Another clone pushed between our fetch and our push. Step aside for a
                // while before fetching and merging again, or every loser races the next
                // winner at once and most of their rounds are wasted.
                if round < MAX_ROUNDS {
                    let wait = backoff.next(round_began.elapsed());
                    std::thread::sleep(wait);
                    out.waited_ms += wait.as_millis() as u64;
                }
                continue;
            }
            Pushed::Failed(why) => {
                return Err(Error::Git(format!(
                    "could not push to {remote}: {why}; the merge is kept locally, sync again"
                ))
                .then(Action::new(Op::Sync).with(Input::Remote, &remote)));
            }
        }
    }
    Err(gave_up(&store.branch(), &remote, started.elapsed()))
}

/// How many dropped connections a sync waits out before it reports the remote offline.
const MAX_DROPS: u32 = 5;

/// Whether git's words say the remote was reached and then dropped the connection (reset,
/// hung up, cut short), rather than not reached at all (no route, no such host, refused).
fn dropped(why: &str) -> bool {
    [
        "reset by peer",
        "hung up unexpectedly",
        "early EOF",
        "unexpected disconnect",
    ]
    .iter()
    .any(|words| why.contains(words))
}

/// The error after `MAX_ROUNDS` lost pushes (`spent` in all): nothing is lost, and what to do
/// about it. Public so the catalogue of error envelopes can show it without a swarm.
pub fn gave_up(branch: &str, remote: &str, spent: Duration) -> Error {
    Error::Conflict(format!(
        "{remote}'s {branch} moved before each of this sync's {MAX_ROUNDS} pushes over {:.0} s: other clones kept pushing first. Nothing is lost: this clone's operations, merged with everything fetched, stay on its branch and go out with its next sync. Sync again in a little while; if this happens often, too many clones push to one branch at once: have them sync at staggered times, or give each team its own branch and merge those into the shared one on a schedule",
        spent.as_secs_f64()
    ))
    .then(Action::new(Op::Sync).with(Input::Remote, remote))
}

/// The error when the remote refused a push although its branch had not moved: no race to
/// retry, something on the remote's side says no.
fn turned_away(store: &Store, remote: &str) -> Error {
    Error::Refused(format!(
        "{remote} turned this sync's push to its {} away although no other clone had pushed there: a hook or a branch protection on the remote refuses it. Nothing is lost: this clone's operations stay on its branch. Ask whoever runs the remote to accept pushes to that branch, then sync again",
        store.branch()
    ))
    .then(Action::new(Op::Sync).with(Input::Remote, remote))
}

/// Fills in what came in and what went out: the subjects of the operations the remote had
/// that this clone did not, and the other way round. Only for the round that succeeded; a
/// lost round's lists would be replaced anyway.
fn list_changes(store: &Store, out: &mut SyncOutcome, ours: CommitId, theirs: Option<CommitId>) {
    out.incoming = match theirs {
        Some(t) if t != ours => store.subjects(Some(ours), t),
        _ => Vec::new(),
    };
    out.outgoing = match theirs {
        Some(t) if t == ours => Vec::new(),
        _ => store.subjects(theirs, ours),
    };
}

/// Jittered exponential backoff between rounds whose push lost the race. The unit is the
/// duration of the round that lost (a fetch, a merge and a push on this remote, from this
/// machine), so the wait fits the remote's speed without a tuned constant: after the k-th
/// lost round a sync waits a random time up to 2^k rounds' worth, so the clones that lost
/// spread out over a window that doubles while they keep losing, and one of them gets
/// through at a time instead of all racing at once. A round slowed down by contention (many
/// syncs sharing the machine or the remote) makes the next windows longer in proportion,
/// which is what relieves it.
#[derive(Debug, Default)]
pub struct Backoff {
    lost: u32,
}

impl Backoff {
    /// The window stops doubling here (1,024 rounds' worth) and never exceeds the ceiling.
    /// Both are far above what a small team meets (20 clones at once: 5 lost rounds at
    /// most, windows of a few seconds) but must let a large swarm spread out: with 64
    /// rounds' worth or an 8 s ceiling, 100 clones syncing at once on a 2-core machine kept
    /// more rounds in flight than can succeed, every round got slower, and the contention
    /// model of `benches/swarm.rs` had 12% of them give up (0% at these values, and none
    /// of 1,000, whose last sync then takes about an hour: see the README on large swarms).
    pub const MAX_DOUBLINGS: u32 = 10;
    pub const FLOOR: Duration = Duration::from_millis(10);
    pub const CEILING: Duration = Duration::from_secs(300);

    /// The window a sync waits in, at random, after its `lost`-th lost round, which took
    /// `round`. Public for the swarm benchmark's model, which follows the same policy.
    pub fn window(lost: u32, round: Duration) -> Duration {
        let doublings = lost.clamp(1, Self::MAX_DOUBLINGS);
        (round.max(Self::FLOOR) * (1 << doublings)).min(Self::CEILING)
    }

    /// How long to wait after another lost round that took `round`.
    fn next(&mut self, round: Duration) -> Duration {
        self.lost += 1;
        // Full jitter: anywhere in the window, so two clones that lost together rarely
        // come back together.
        Self::window(self.lost, round).mul_f64(unit_random())
    }
}

/// A random number in [0, 1): from the operating system, else from the clock and process
/// id (the waits only need to differ between clones, not to be unpredictable).
fn unit_random() -> f64 {
    let bits = getrandom::u64().unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        u64::from(nanos).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(std::process::id())
    });
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[derive(Debug, PartialEq, Eq)]
enum Plan {
    UpToDate,
    Create,
    Push,
    FastForward(CommitId),
    Merge(CommitId, Option<CommitId>),
}

impl Plan {
    fn describe(&self) -> &'static str {
        match self {
            Plan::UpToDate => "up-to-date",
            Plan::Create => "would create the remote branch",
            Plan::Push => "would push",
            Plan::FastForward(_) => "would fast-forward",
            Plan::Merge(..) => "would merge, then push",
        }
    }
}

/// The refusal to merge a branch with no history in common with ours: it was started by
/// another `cmos init`, and merging would mix two projects' records.
fn unrelated(store: &Store, remote: &str, ours: CommitId, theirs: CommitId) -> Error {
    let name = |commit| {
        store
            .project_name_at(commit)
            .map_or_else(|| "a project".to_string(), |n| format!("project {n:?}"))
    };
    Error::Refused(format!(
        "{remote}'s {} shares no history with this clone's: it holds {} and this clone holds {}, each started on its own. Nothing was merged or pushed. To combine both projects' records into one branch, sync again with unrelated histories allowed; to join the remote's project instead, move this clone's branch aside (`git branch -m cmos cmos-local`) and run any cmos command to adopt the remote's",
        store.branch(),
        name(theirs),
        name(ours)
    ))
    .then(
        Action::new(Op::Sync)
            .with(Input::Remote, remote)
            .needs(Input::AllowUnrelated),
    )
}

fn offline(ws: &Workspace, mut out: SyncOutcome, why: String) -> Outcome<SyncOutcome> {
    out.offline = true;
    out.result = "offline".into();
    let warning = format!(
        "cannot reach {}: {why}; local state is kept, sync again when online",
        out.remote
    );
    out.offline_reason = Some(why);
    finish(ws, out).warn(warning)
}

fn finish(ws: &Workspace, out: SyncOutcome) -> Outcome<SyncOutcome> {
    let conflicts = out.conflicts.len();
    let outcome = Outcome::about(out, ws);
    if conflicts > 0 {
        outcome.warn_then(
            format!(
                "{conflicts} field(s) were changed on both sides; the later change was kept and the other recorded"
            ),
            Action::new(Op::Conflicts),
        )
    } else {
        outcome
    }
}

/// Conflicts that merges resolved, oldest first; only those of `target` when given.
pub fn conflicts(
    ws: &Workspace,
    target: Option<&str>,
) -> Result<Outcome<Vec<crate::model::Event>>> {
    let snapshot = ws.snapshot()?;
    let mut events = ws
        .store()
        .log_events(&snapshot, crate::format::layout::CONFLICTS)?;
    if let Some(target) = target {
        events.retain(|e| e.target == target);
    }
    Ok(Outcome::read(events, &snapshot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_windows_double_from_the_round_and_stay_under_the_ceiling() {
        let round = Duration::from_millis(100);
        for _ in 0..200 {
            let mut backoff = Backoff::default();
            for lost in 1..=12u32 {
                let wait = backoff.next(round);
                let window =
                    (round * (1 << lost.min(Backoff::MAX_DOUBLINGS))).min(Backoff::CEILING);
                assert_eq!(Backoff::window(lost, round), window);
                assert!(
                    wait < window,
                    "lost {lost}: waited {wait:?}, window {window:?}"
                );
            }
        }
    }

    #[test]
    fn backoff_waits_differ_between_syncs() {
        let waits: std::collections::HashSet<Duration> = (0..50)
            .map(|_| Backoff::default().next(Duration::from_millis(200)))
            .collect();
        assert!(
            waits.len() > 40,
            "the jitter spreads syncs apart: {waits:?}"
        );
    }

    #[test]
    fn a_dropped_connection_is_told_from_an_unreachable_remote() {
        assert!(dropped("fatal: read error: Connection reset by peer"));
        assert!(dropped("fatal: the remote end hung up unexpectedly"));
        assert!(!dropped(
            "fatal: unable to connect to 127.0.0.1: Connection refused"
        ));
        assert!(!dropped(
            "fatal: '/nowhere' does not appear to be a git repository"
        ));
    }

    #[test]
    fn unit_random_stays_in_the_unit_interval() {
        assert!(
            (0..1000)
                .map(|_| unit_random())
                .all(|x| (0.0..1.0).contains(&x))
        );
    }
}
