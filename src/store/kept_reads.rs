//! The last few files read by tree and path, kept for the reads one command repeats: a
//! completion reads its mission before its checks, again before the gate, and twice in its
//! write; a write reads the policies and the process graph more than once. A tree id and a
//! path fix a file's content (git names a tree by everything in it), so a kept copy is
//! exactly what reading again would give, in any repository that has the tree. Each thread
//! keeps its own: a command's reads repeat on the thread that made them, and threads (a
//! server's, the tests') neither wait on one another nor push out each other's reads.

use std::cell::RefCell;
use std::collections::VecDeque;

use gix::ObjectId;

/// How many reads are kept: more than one command repeats, few enough to search in a blink.
const KEPT: usize = 8;
/// Files larger than this are not kept (a long session's captures), so the memo stays small.
const MAX_KEPT_LEN: usize = 256 * 1024;

/// A read: the tree, the path in it, and what was there (None: nothing at that path).
type Read = (ObjectId, String, Option<Vec<u8>>);

thread_local! {
    static KEPT_READS: RefCell<VecDeque<Read>> = const { RefCell::new(VecDeque::new()) };
}

/// The file at `path` in `tree`, from this thread's kept reads, or read by `read` and kept.
pub(super) fn read_kept<E>(
    tree: ObjectId,
    path: &str,
    read: impl FnOnce() -> Result<Option<Vec<u8>>, E>,
) -> Result<Option<Vec<u8>>, E> {
    let kept = KEPT_READS.with_borrow(|kept| {
        let found = kept.iter().find(|(t, p, _)| *t == tree && p == path);
        found.map(|(_, _, bytes)| bytes.clone())
    });
    if let Some(bytes) = kept {
        return Ok(bytes);
    }
    let bytes = read()?;
    if bytes.as_ref().is_none_or(|b| b.len() <= MAX_KEPT_LEN) {
        KEPT_READS.with_borrow_mut(|kept| {
            if kept.len() == KEPT {
                kept.pop_front();
            }
            kept.push_back((tree, path.to_string(), bytes.clone()));
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    /// Reads `path` in `tree` through the memo, counting the reads that reached `read`.
    fn read(
        tree: ObjectId,
        path: &str,
        bytes: Option<&[u8]>,
        reads: &mut usize,
    ) -> Option<Vec<u8>> {
        read_kept::<()>(tree, path, || {
            *reads += 1;
            Ok(bytes.map(<[u8]>::to_vec))
        })
        .unwrap()
    }

    /// A repeated read is answered from the memo, a file that is absent too; another tree or
    /// another path is read; a failed read is not kept; the oldest read is let go first.
    #[test]
    fn repeated_reads_are_kept_and_other_trees_or_paths_are_read() {
        let (a, b) = (tree(201), tree(202));
        let mut reads = 0;
        assert_eq!(
            read(a, "m/x.toml", Some(b"one"), &mut reads).unwrap(),
            b"one"
        );
        assert_eq!(
            read(a, "m/x.toml", Some(b"changed?"), &mut reads).unwrap(),
            b"one"
        );
        assert_eq!(reads, 1);
        assert_eq!(
            read(b, "m/x.toml", Some(b"two"), &mut reads).unwrap(),
            b"two"
        );
        assert_eq!(
            read(a, "m/y.toml", Some(b"three"), &mut reads).unwrap(),
            b"three"
        );
        assert_eq!(read(a, "absent", None, &mut reads), None);
        assert_eq!(read(a, "absent", Some(b"appeared?"), &mut reads), None);
        assert_eq!(reads, 4);
        assert_eq!(read_kept(a, "failing", || Err("broken")), Err("broken"));
        assert_eq!(
            read(a, "failing", Some(b"now"), &mut reads).unwrap(),
            b"now"
        );
        assert_eq!(reads, 5);
        for n in 0..KEPT {
            read(tree(210), &format!("filler{n}"), Some(b"-"), &mut reads);
        }
        assert_eq!(
            read(a, "m/x.toml", Some(b"read again"), &mut reads).unwrap(),
            b"read again"
        );
    }

    /// A file over the size kept is read each time.
    #[test]
    fn large_files_are_not_kept() {
        let big = vec![7u8; MAX_KEPT_LEN + 1];
        let mut reads = 0;
        for _ in 0..2 {
            assert_eq!(
                read(tree(203), "big", Some(&big), &mut reads)
                    .unwrap()
                    .len(),
                big.len()
            );
        }
        assert_eq!(reads, 2);
    }
}
