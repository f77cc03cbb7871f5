//! What the board keeps loaded: the index of the branch tip, reloaded when the branch moves,
//! and a generation counter that wakes the live-update streams.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Duration;

use crate::error::Result;
use crate::index::Index;
use crate::model::ItemKind;
use crate::ops::Workspace;
use crate::ops::board::{BoardMeta, Problem, board_meta};

/// How often the watcher reads the branch's ref: a cheap read, well within the second a
/// live update may take.
pub const WATCH_EVERY: Duration = Duration::from_millis(200);

/// One tip of the branch, loaded.
pub struct Loaded {
    pub head: String,
    pub index: Index,
    pub meta: BoardMeta,
}

/// How the board was started.
pub struct Settings {
    pub dir: PathBuf,
    pub agent: String,
    pub read_only: bool,
    pub sprint: Option<String>,
    pub token: String,
    pub port: u16,
}

/// The state every request thread shares.
pub struct Shared {
    pub settings: Settings,
    loaded: RwLock<Arc<Loaded>>,
    /// The number of reloads so far; event streams wait on its change.
    generation: Mutex<u64>,
    changed: Condvar,
    /// One reload at a time (the watcher's, or a move's right after its write).
    reloading: Mutex<()>,
}

impl Shared {
    pub fn new(settings: Settings, ws: &Workspace) -> Result<Shared> {
        let loaded = load(ws)?;
        Ok(Shared {
            settings,
            loaded: RwLock::new(Arc::new(loaded)),
            generation: Mutex::new(0),
            changed: Condvar::new(),
            reloading: Mutex::new(()),
        })
    }

    /// The tip as last loaded.
    pub fn loaded(&self) -> Arc<Loaded> {
        // A poisoned lock means a reload panicked; what it guards is still a whole Arc.
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A workspace for one request, acting as the board's agent.
    pub fn workspace(&self) -> Result<Workspace> {
        Workspace::open(&self.settings.dir, Some(self.settings.agent.clone()))
    }

    /// Reloads when the branch moved since the last load; says whether it did.
    pub fn refresh(&self, ws: &Workspace) -> Result<bool> {
        let _one = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        let tip = ws.store().tip()?.map(|c| c.to_string()).unwrap_or_default();
        if tip == self.loaded().head {
            return Ok(false);
        }
        let loaded = load(ws)?;
        *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(loaded);
        let mut generation = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        *generation += 1;
        self.changed.notify_all();
        Ok(true)
    }

    pub fn generation(&self) -> u64 {
        *self.generation.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the generation differs from `seen` or `timeout` passes; returns the
    /// generation then.
    pub fn wait_change(&self, seen: u64, timeout: Duration) -> u64 {
        let guard = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |g| *g == seen)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

fn load(ws: &Workspace) -> Result<Loaded> {
    let snapshot = ws.store().snapshot()?;
    let index = snapshot.index()?.clone();
    let mut meta = board_meta(&index.meta);
    // The index holds the records; the logs the timeline and the mission pages read are
    // checked here too, so a malformed line shows on the board rather than only in the
    // reply of a command that happens to read it.
    let mut unreadable = ws.store().sessions(&snapshot)?.1;
    for kind in [ItemKind::Decision, ItemKind::Learning, ItemKind::NextStep] {
        unreadable.extend(ws.store().items(&snapshot, kind)?.1);
    }
    meta.problems.extend(unreadable.iter().map(Problem::from));
    Ok(Loaded {
        head: snapshot.commit.to_string(),
        meta,
        index,
    })
}

/// Watches the branch for as long as the board runs: reads the ref every [`WATCH_EVERY`]
/// and reloads when it moved. A failed read (a branch being rewritten) is tried again on the
/// next tick.
pub fn watch(shared: Arc<Shared>) {
    let mut ws = None;
    loop {
        std::thread::sleep(WATCH_EVERY);
        if ws.is_none() {
            ws = shared.workspace().ok();
        }
        if let Some(ws) = &ws {
            let _ = shared.refresh(ws);
        }
    }
}
