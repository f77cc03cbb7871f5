//! Reading and parsing many records on every core: each thread reads a run of records from
//! git with a repository handle of its own (gix handles are not shared between threads) and
//! parses what it read, so building the index of 100,000 missions, or verifying them, is not
//! held to the pace of one thread inflating packed objects.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use gix::ObjectId;

use crate::error::Result;

/// Below this many records the threads would cost more than they save.
const MIN_PARALLEL: usize = 512;
/// At most this many threads besides the caller's.
const MAX_HELPERS: usize = 3;
/// Records are taken in runs, in the order given, about an eighth of each thread's share,
/// but at least 64 (one hand-over per record made the threads spend a sixth of their time
/// waking each other) and at most 1,024 (so the threads finish together). Packed blobs do not
/// come this way (`pack_read` reads them); these are the loose ones and what it left.
const RUNS_PER_THREAD: usize = 8;
const RUN: std::ops::RangeInclusive<usize> = 64..=1_024;

/// An item that is read from one blob of the branch: which, and at what path (for errors).
pub(super) trait BlobItem: Send {
    fn blob(&self) -> ObjectId;
    fn path(&self) -> &str;
}

/// A file of a tree: its path and blob.
impl BlobItem for (String, ObjectId) {
    fn blob(&self) -> ObjectId {
        self.1
    }
    fn path(&self) -> &str {
        &self.0
    }
}

/// Reads the blob of every item and hands it to `parse`, on every core; every result goes to
/// `take` on this thread, in no particular order. Blobs in this repository's packs are read
/// straight from them, each pack entry inflated once (`pack_read`); the others, and any that
/// reader leaves, through gix, the helper threads on handles of their own (`Reopen`). A read
/// of thousands of records is backed by huge pages from here on (`paging`).
pub(super) fn read_blobs_and_parse<In, Out>(
    repo: &gix::Repository,
    items: Vec<In>,
    parse: impl Fn(In, &[u8]) -> Out + Sync,
    mut take: impl FnMut(Out),
) -> Result<()>
where
    In: BlobItem,
    Out: Send,
{
    crate::paging::on_for_bulk_reads(items.len());
    let (packed, mut rest) = super::pack_read::plan(repo, items, In::blob);
    for pack in packed {
        rest.extend(super::pack_read::read(pack, threads(), &parse, &mut take));
    }
    let reopen = super::Reopen::of(repo);
    let open = || reopen.as_ref().and_then(super::Reopen::open);
    let work = |repo: &gix::Repository, item: In| {
        let (blob, path) = (item.blob(), item.path().to_owned());
        super::load::with_blob(repo, blob, &path, |bytes| parse(item, bytes))
    };
    read_and_parse(repo, rest, open, work, take)
}

/// How many threads work: this one and up to `MAX_HELPERS` more, one per core.
pub(super) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_HELPERS + 1))
}

/// Runs `work` on every item, each with a repository handle, and hands every result to `take`
/// on this thread, in no particular order. `open` makes the handle of a helper thread (None:
/// that thread does not help). Stops at the first error of `work` and returns it; results of
/// items already done are taken first, and none after the error is looked at.
pub(super) fn read_and_parse<In, Out, E>(
    repo: &gix::Repository,
    items: Vec<In>,
    open: impl Fn() -> Option<gix::Repository> + Sync,
    work: impl Fn(&gix::Repository, In) -> Result<Out, E> + Sync,
    take: impl FnMut(Out),
) -> Result<(), E>
where
    In: Send,
    Out: Send,
    E: Send,
{
    let helpers = threads() - 1;
    if helpers == 0 || items.len() < MIN_PARALLEL {
        return on_threads(repo, items, 1, 0, open, work, take);
    }
    let run_length =
        (items.len() / ((helpers + 1) * RUNS_PER_THREAD)).clamp(*RUN.start(), *RUN.end());
    on_threads(repo, items, run_length, helpers, open, work, take)
}

/// Runs `work` on every item, on this thread (with the handle `mine`) and on up to `helpers`
/// more (each with a handle `open` makes there; None: that thread does not help), each taking
/// `run_length` items at a time in the order given. Hands every result to `take` on this
/// thread, in no particular order; this thread takes what the helpers finished between its
/// own runs, so results never pile up. Stops at the first error of `work` and returns it;
/// results of items already done are taken first, and none after the error is looked at.
pub(super) fn on_threads<H, In, Out, E>(
    mine: &H,
    items: Vec<In>,
    run_length: usize,
    helpers: usize,
    open: impl Fn() -> Option<H> + Sync,
    work: impl Fn(&H, In) -> Result<Out, E> + Sync,
    mut take: impl FnMut(Out),
) -> Result<(), E>
where
    In: Send,
    Out: Send,
    E: Send,
{
    if helpers == 0 {
        for item in items {
            take(work(mine, item)?);
        }
        return Ok(());
    }
    let queue = Mutex::new(items.into_iter());
    let next_batch = || -> Vec<In> {
        match queue.lock() {
            Ok(mut queue) => queue.by_ref().take(run_length.max(1)).collect(),
            Err(_) => Vec::new(),
        }
    };
    let failed = AtomicBool::new(false);
    // One batch of work on one handle: its results, or the error that stopped it with the
    // results before it.
    let run = |handle: &H, batch: Vec<In>| -> (Vec<Out>, Option<E>) {
        let mut outs = Vec::with_capacity(batch.len());
        for item in batch {
            if failed.load(Ordering::Relaxed) {
                break;
            }
            match work(handle, item) {
                Ok(out) => outs.push(out),
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    return (outs, Some(e));
                }
            }
        }
        (outs, None)
    };
    std::thread::scope(|scope| {
        let (done, results) = mpsc::channel::<(Vec<Out>, Option<E>)>();
        for _ in 0..helpers {
            let done = done.clone();
            let (open, run, next_batch, failed) = (&open, &run, &next_batch, &failed);
            scope.spawn(move || {
                let Some(handle) = open() else { return };
                while !failed.load(Ordering::Relaxed) {
                    let batch = next_batch();
                    if batch.is_empty() || done.send(run(&handle, batch)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done);
        let mut error = None;
        let mut keep = |(outs, failure): (Vec<Out>, Option<E>)| {
            outs.into_iter().for_each(&mut take);
            if error.is_none() {
                error = failure;
            }
        };
        while !failed.load(Ordering::Relaxed) {
            let batch = next_batch();
            if batch.is_empty() {
                break;
            }
            keep(run(mine, batch));
            while let Ok(finished) = results.try_recv() {
                keep(finished);
            }
        }
        // Ends once every helper has finished and dropped its sender.
        for finished in results {
            keep(finished);
        }
        error.map_or(Ok(()), Err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> (tempfile::TempDir, gix::Repository) {
        let dir = tempfile::tempdir().unwrap();
        let repo = gix::init(dir.path()).unwrap();
        (dir, repo)
    }

    /// Squares of 0..n, failing at `fail_at`, with helpers or without (their handles fail
    /// to open).
    fn squares(
        n: usize,
        fail_at: Option<usize>,
        helpers_open: bool,
    ) -> (Result<(), String>, Vec<usize>) {
        let (dir, repo) = repo();
        let open = || match helpers_open {
            true => gix::open(dir.path()).ok(),
            false => None,
        };
        let work = |_: &gix::Repository, i: usize| match fail_at {
            Some(at) if i == at => Err(format!("cannot read {i}")),
            _ => Ok(i * i),
        };
        let mut got = Vec::new();
        let outcome = read_and_parse(&repo, (0..n).collect(), open, work, |sq| got.push(sq));
        got.sort_unstable();
        (outcome, got)
    }

    #[test]
    fn every_item_is_done_once_whatever_the_count_and_the_helpers() {
        for helpers_open in [true, false] {
            for n in [0, 1, MIN_PARALLEL - 1, MIN_PARALLEL, 10_000] {
                let (outcome, got) = squares(n, None, helpers_open);
                assert_eq!(outcome, Ok(()));
                let all: Vec<usize> = (0..n).map(|i| i * i).collect();
                assert_eq!(got, all, "{n} items, helpers {helpers_open}");
            }
        }
    }

    #[test]
    fn an_error_stops_the_work_and_is_returned() {
        for n in [100, 5_000] {
            let (outcome, got) = squares(n, Some(70), true);
            assert_eq!(outcome, Err("cannot read 70".to_string()));
            // Whatever was done was done right, and the failed item gave nothing.
            assert!(!got.contains(&(70 * 70)), "{n} items");
            assert!(got.iter().all(|sq| (sq.isqrt()).pow(2) == *sq));
            // The error stops the work long before the end.
            assert!(got.len() < n.max(1_000), "{n} items: {} done", got.len());
        }
    }

    #[test]
    fn no_second_handle_while_objects_wait_in_memory() {
        let (dir, mut repo) = repo();
        let reopen = crate::store::Reopen::of(&repo).expect("nothing waits in memory");
        let other = reopen.open().expect("the repository opens again");
        assert_eq!(other.common_dir(), repo.common_dir());
        // A write keeps its objects in its own handle until it stores them: another handle
        // would not find them.
        repo.objects.enable_object_memory();
        let id = repo.write_blob("only in memory").unwrap().detach();
        assert!(crate::store::Reopen::of(&repo).is_none());
        assert!(
            gix::open(dir.path())
                .unwrap()
                .try_find_object(id)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn helpers_read_with_handles_of_their_own() {
        // Each item reads a blob through the handle it is given, so a helper whose handle
        // cannot see the repository's objects would fail the run.
        let (dir, repo) = repo();
        let ids: Vec<gix::ObjectId> = (0..2_000)
            .map(|i| repo.write_blob(format!("blob {i}")).unwrap().detach())
            .collect();
        let opened = std::sync::atomic::AtomicUsize::new(0);
        let mut texts = Vec::new();
        let outcome = read_and_parse(
            &repo,
            ids,
            || {
                opened.fetch_add(1, Ordering::Relaxed);
                gix::open(dir.path()).ok()
            },
            |repo, id| {
                let blob = repo.find_object(id).map_err(|e| e.to_string())?;
                Ok::<_, String>(String::from_utf8(blob.data.clone()).unwrap())
            },
            |text| texts.push(text),
        );
        assert_eq!(outcome, Ok(()));
        texts.sort_by_key(|t| t[5..].parse::<usize>().unwrap());
        let wanted: Vec<String> = (0..2_000).map(|i| format!("blob {i}")).collect();
        assert_eq!(texts, wanted);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let helpers = (cores - 1).min(MAX_HELPERS);
        assert_eq!(
            opened.load(Ordering::Relaxed),
            helpers,
            "one handle per helper"
        );
    }
}
