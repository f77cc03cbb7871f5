//! A branch tip as commands read it: the meta records and the digest at once, the missions
//! only when a command asks for them.

use std::cell::OnceCell;
use std::sync::Arc;

use gix::ObjectId;

use super::cache::{Buckets, Cached, EntryWithDependents};
use super::{CommitId, Store};
use crate::digest::Digest;
use crate::error::Result;
use crate::index::{Index, Meta};
use crate::lifecycle::Windows;

pub struct Snapshot<'s> {
    store: &'s Store,
    pub commit: CommitId,
    pub(super) tree: ObjectId,
    pub meta: Arc<Meta>,
    pub digest: Arc<Digest>,
    missions: Option<Buckets>,
    full: OnceCell<Index>,
}

impl<'s> Snapshot<'s> {
    pub(super) fn cached(store: &'s Store, commit: ObjectId, cached: Cached) -> Self {
        Snapshot {
            store,
            commit: CommitId(commit),
            tree: cached.tree,
            meta: cached.meta,
            digest: cached.digest,
            missions: Some(cached.missions),
            full: OnceCell::new(),
        }
    }

    pub(super) fn built(
        store: &'s Store,
        commit: ObjectId,
        tree: ObjectId,
        index: Index,
        digest: Arc<Digest>,
    ) -> Self {
        Snapshot {
            store,
            commit: CommitId(commit),
            tree,
            meta: Arc::new(index.meta.clone()),
            digest,
            missions: None,
            full: OnceCell::from(index),
        }
    }

    /// The file at `path` of this tip, None when there is none.
    pub fn file(&self, path: &str) -> Result<Option<Vec<u8>>> {
        self.store.branch_file(self, path)
    }

    /// Every mission: decoded from the cache, or rebuilt from the tree if that fails.
    pub fn index(&self) -> Result<&Index> {
        if let Some(index) = self.full.get() {
            return Ok(index);
        }
        let index = match self.missions.as_ref().and_then(Buckets::all) {
            Some(missions) => Index::new(Meta::clone(&self.meta), missions),
            None => self.store.rebuild(self.tree)?,
        };
        Ok(self.full.get_or_init(|| index))
    }

    /// The first open missions of each status in the order of work, as the cache keeps them;
    /// None when this tip was built without the cache (then the full index is at hand).
    pub fn windows(&self) -> Option<Windows> {
        if self.full.get().is_some() {
            return None;
        }
        self.missions.as_ref()?.windows()
    }

    /// One mission's summary and the links that point at it, without decoding the others.
    pub fn entry(&self, id: &str) -> Result<Option<EntryWithDependents>> {
        if self.full.get().is_none()
            && let Some(found) = self.missions.as_ref().and_then(|b| b.get(id))
        {
            return Ok(found);
        }
        let index = self.index()?;
        Ok(index.missions.get(id).map(|m| {
            let dependents = index
                .dependents_of(id)
                .into_iter()
                .map(|(from, kind)| (from.to_string(), kind))
                .collect();
            (m.clone(), dependents)
        }))
    }
}
