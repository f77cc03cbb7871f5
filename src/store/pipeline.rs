//! Reading overlapped with parsing: the calling thread reads records from git (its
//! repository handle is not shared between threads) while helper threads parse what it read,
//! so building the index of 100,000 missions uses a second core instead of waiting on one.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Below this many records the threads would cost more than they save.
const MIN_PARALLEL: usize = 512;
/// At most this many parsers: reading on one thread keeps up with about that many.
const MAX_HELPERS: usize = 3;
/// How many read records may wait for a parser, so memory stays flat however many there are.
const QUEUE: usize = 512;
/// Records go to the parsers this many at a time: one hand-over per record made the threads
/// spend a sixth of their time waking each other.
const BATCH: usize = 64;

/// Feeds each item of `read` (produced in order on this thread) to `parse` on helper threads,
/// and hands every result to `take` on this thread, in no particular order. Stops at the
/// first error of `read` and returns it once the records already read are taken.
pub(super) fn read_then_parse<In, Out, E>(
    count: usize,
    read: impl Iterator<Item = Result<In, E>>,
    parse: impl Fn(In) -> Out + Sync,
    mut take: impl FnMut(Out),
) -> Result<(), E>
where
    In: Send,
    Out: Send,
{
    let helpers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .min(MAX_HELPERS);
    if helpers == 0 || count < MIN_PARALLEL {
        for item in read {
            take(parse(item?));
        }
        return Ok(());
    }
    std::thread::scope(|scope| {
        let (to_parse, queue) = mpsc::sync_channel::<Vec<In>>(QUEUE / BATCH);
        let queue = Arc::new(Mutex::new(queue));
        let (parsed, results) = mpsc::channel::<Vec<Out>>();
        for _ in 0..helpers {
            let queue = Arc::clone(&queue);
            let parsed = parsed.clone();
            let parse = &parse;
            scope.spawn(move || {
                loop {
                    // The lock is held only to take one batch, never while parsing.
                    let next = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => break,
                    };
                    let Ok(batch) = next else { break };
                    let outs = batch.into_iter().map(parse).collect();
                    if parsed.send(outs).is_err() {
                        break;
                    }
                }
            });
        }
        drop(parsed);
        let mut outcome = Ok(());
        let mut batch = Vec::with_capacity(BATCH);
        for item in read {
            match item {
                Ok(item) => batch.push(item),
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if to_parse.send(full).is_err() {
                    break;
                }
                // Results are taken as they come, so they never pile up behind the reading.
                while let Ok(outs) = results.try_recv() {
                    outs.into_iter().for_each(&mut take);
                }
            }
        }
        if !batch.is_empty() {
            // A helper only stops once this sender is dropped, so the send finds one.
            let _ = to_parse.send(batch);
        }
        drop(to_parse);
        // Ends once every helper has finished and dropped its sender.
        for outs in results {
            outs.into_iter().for_each(&mut take);
        }
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn squares(n: usize, fail_at: Option<usize>) -> (Result<(), String>, Vec<usize>) {
        let read = (0..n).map(|i| match fail_at {
            Some(at) if i == at => Err(format!("cannot read {i}")),
            _ => Ok(i),
        });
        let mut got = Vec::new();
        let outcome = read_then_parse(n, read, |i| i * i, |sq| got.push(sq));
        got.sort_unstable();
        (outcome, got)
    }

    #[test]
    fn every_item_is_parsed_once_whatever_the_count() {
        for n in [0, 1, MIN_PARALLEL - 1, MIN_PARALLEL, 10_000] {
            let (outcome, got) = squares(n, None);
            assert_eq!(outcome, Ok(()));
            assert_eq!(got, (0..n).map(|i| i * i).collect::<Vec<_>>(), "{n} items");
        }
    }

    #[test]
    fn a_read_error_stops_the_reading_and_is_returned() {
        for n in [100, 5_000] {
            let (outcome, got) = squares(n, Some(70));
            assert_eq!(outcome, Err("cannot read 70".to_string()));
            // What was read before the error was parsed; nothing after it was read.
            assert_eq!(got, (0..70).map(|i| i * i).collect::<Vec<_>>(), "{n} items");
        }
    }
}
