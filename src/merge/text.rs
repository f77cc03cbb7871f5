//! Line diffs of texts that may come from anyone with push access (the project notes, long
//! record fields), and the three-way merge of a text file by lines: changes to different
//! parts of the base combine; overlapping changes go to one side, the same on every clone,
//! and the other side's text is reported so nothing is lost.
//!
//! Myers' diff takes time proportional to the length times the number of differences, so two
//! large texts that differ everywhere took minutes. Two things keep it bounded: lines found
//! on one side only (looked up in a set) can never be matched and are set aside before the
//! diff runs, which makes a rewrite cheap and exact; and the rest is bounded either by a
//! deadline (for what people read: the diff is then valid but may be longer than the
//! shortest) or, in the merge, by a number of lines, since a merge must come out the same
//! on every clone whatever the machine's speed.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use similar::{Algorithm, DiffOp};

/// How much work a diff may do.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// Stop refining at this instant; what is left is reported as removed and added.
    Deadline(Instant),
    /// Refuse (None) when more than this many lines, of both sides together, are left to
    /// compare once equal ends and one-sided lines are set aside. Deterministic.
    Lines(usize),
}

/// Lines the merge compares at most in one diff: legitimate notes are at most 64 KiB, and
/// Myers over this many lines takes well under a second even when every line moved.
const MERGE_LINES: usize = 20_000;

/// The edit of `old` into `new` as similar's operations over line indices, in order and
/// covering both sides; None when `limit` is a number of lines and there are more.
pub fn line_ops<'a>(old: &[&'a str], new: &[&'a str], limit: Limit) -> Option<Vec<DiffOp>> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_mid, new_mid) = (
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
    );
    // Lines as numbers, so the diff compares integers; a line is kept only if the other
    // side has it too.
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut number = |lines: &[&'a str]| -> Vec<u32> {
        lines
            .iter()
            .map(|line| {
                let next = ids.len() as u32;
                *ids.entry(*line).or_insert(next)
            })
            .collect()
    };
    let old_ids = number(old_mid);
    let new_ids = number(new_mid);
    let in_old: HashSet<u32> = old_ids.iter().copied().collect();
    let in_new: HashSet<u32> = new_ids.iter().copied().collect();
    let kept = |ids: &[u32], other: &HashSet<u32>| -> (Vec<usize>, Vec<u32>) {
        ids.iter()
            .enumerate()
            .filter(|(_, id)| other.contains(id))
            .map(|(at, id)| (at, *id))
            .unzip()
    };
    let (old_at, old_kept) = kept(&old_ids, &in_new);
    let (new_at, new_kept) = kept(&new_ids, &in_old);
    let deadline = match limit {
        Limit::Deadline(at) => Some(at),
        Limit::Lines(most) if old_kept.len() + new_kept.len() > most => return None,
        Limit::Lines(_) => None,
    };
    let matched =
        similar::capture_diff_slices_deadline(Algorithm::Myers, &old_kept, &new_kept, deadline);
    let mut out = Ops::default();
    out.equal(0, 0, prefix);
    let (mut o, mut n) = (0, 0);
    for op in matched {
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            for i in 0..len {
                let (po, pn) = (old_at[old_index + i], new_at[new_index + i]);
                out.change(prefix + o, po - o, prefix + n, pn - n);
                out.equal(prefix + po, prefix + pn, 1);
                (o, n) = (po + 1, pn + 1);
            }
        }
    }
    out.change(prefix + o, old_mid.len() - o, prefix + n, new_mid.len() - n);
    out.equal(old.len() - suffix, new.len() - suffix, suffix);
    Some(out.0)
}

/// Operations built in order, equal runs joined.
#[derive(Default)]
struct Ops(Vec<DiffOp>);

impl Ops {
    fn equal(&mut self, old_index: usize, new_index: usize, len: usize) {
        if len == 0 {
            return;
        }
        if let Some(DiffOp::Equal { len: last, .. }) = self.0.last_mut() {
            *last += len;
            return;
        }
        self.0.push(DiffOp::Equal {
            old_index,
            new_index,
            len,
        });
    }

    fn change(&mut self, old_index: usize, old_len: usize, new_index: usize, new_len: usize) {
        self.0.push(match (old_len, new_len) {
            (0, 0) => return,
            (_, 0) => DiffOp::Delete {
                old_index,
                old_len,
                new_index,
            },
            (0, _) => DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            },
            _ => DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            },
        });
    }
}

/// A change of the base: lines `start..end` of the base become `lines`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Hunk {
    start: usize,
    end: usize,
    lines: Vec<String>,
}

/// The merged text, or None when both sides changed the same lines, or when a side is too
/// different from the base to compare by lines within the merge's bound.
pub fn merge_text(base: &str, a: &str, b: &str) -> Option<String> {
    let base_lines: Vec<&str> = base.split_inclusive('\n').collect();
    let mut hunks = hunks_of(&base_lines, a)?;
    hunks.extend(hunks_of(&base_lines, b)?);
    hunks.sort();
    hunks.dedup();
    for pair in hunks.windows(2) {
        let (x, y) = (&pair[0], &pair[1]);
        // Overlapping ranges, or two insertions at one place, cannot both apply.
        if y.start < x.end || (x.start == y.start && (x.start == x.end || y.start == y.end)) {
            return None;
        }
    }
    let mut out = String::with_capacity(a.len().max(b.len()));
    let mut at = 0;
    for hunk in &hunks {
        out.extend(base_lines[at..hunk.start].iter().copied());
        out.extend(hunk.lines.iter().map(String::as_str));
        at = hunk.end;
    }
    out.extend(base_lines[at..].iter().copied());
    Some(out)
}

fn hunks_of(base_lines: &[&str], side: &str) -> Option<Vec<Hunk>> {
    let new_lines: Vec<&str> = side.split_inclusive('\n').collect();
    let ops = line_ops(base_lines, &new_lines, Limit::Lines(MERGE_LINES))?;
    let hunks = ops
        .iter()
        .filter(|op| !matches!(op, DiffOp::Equal { .. }))
        .map(|op| {
            let (old, new) = (op.old_range(), op.new_range());
            Hunk {
                start: old.start,
                end: old.end,
                lines: new_lines[new].iter().map(|l| l.to_string()).collect(),
            }
        })
        .collect();
    Some(hunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separate_changes_combine_and_overlapping_ones_do_not() {
        let base = "one\ntwo\nthree\nfour\n";
        let a = "ONE\ntwo\nthree\nfour\n";
        let b = "one\ntwo\nthree\nFOUR\n";
        assert_eq!(
            merge_text(base, a, b).as_deref(),
            Some("ONE\ntwo\nthree\nFOUR\n")
        );
        assert_eq!(merge_text(base, a, b), merge_text(base, b, a));
        assert_eq!(merge_text(base, "x\ntwo\nthree\nfour\n", a), None);
        assert_eq!(merge_text(base, a, a).as_deref(), Some(a));
    }

    /// Applies `ops` to `old`: what a valid diff of `old` into `new` gives back.
    fn apply<'a>(old: &[&'a str], new: &[&'a str], ops: &[DiffOp]) -> Vec<&'a str> {
        let mut out = Vec::new();
        let (mut o, mut n) = (0, 0);
        for op in ops {
            assert_eq!(
                (op.old_range().start, op.new_range().start),
                (o, n),
                "{ops:?}"
            );
            match op {
                DiffOp::Equal { .. } => {
                    assert_eq!(&old[op.old_range()], &new[op.new_range()]);
                    out.extend(&old[op.old_range()]);
                }
                _ => out.extend(&new[op.new_range()]),
            }
            (o, n) = (op.old_range().end, op.new_range().end);
        }
        assert_eq!((o, n), (old.len(), new.len()), "the ops cover both sides");
        out
    }

    fn lines(text: &str) -> Vec<&str> {
        text.split_inclusive('\n').collect()
    }

    #[test]
    fn line_ops_are_a_shortest_valid_edit() {
        let cases = [
            ("a\nb\nc\n", "a\nx\nc\n", 2),
            ("a\nb\nc\nd\n", "b\nd\ne\n", 3),
            ("", "x\ny\n", 2),
            ("x\ny\n", "", 2),
            ("a\nb\na\nb\n", "b\na\nb\na\n", 2),
            ("same\n", "same\n", 0),
        ];
        for (old, new, changed) in cases {
            let (o, n) = (lines(old), lines(new));
            let ops = line_ops(&o, &n, Limit::Lines(100)).unwrap();
            assert_eq!(apply(&o, &n, &ops), n, "{old:?} -> {new:?}");
            let edits: usize = ops
                .iter()
                .filter(|op| !matches!(op, DiffOp::Equal { .. }))
                .map(|op| op.old_range().len() + op.new_range().len())
                .sum();
            assert_eq!(edits, changed, "{old:?} -> {new:?}: {ops:?}");
        }
    }

    #[test]
    fn a_diff_cut_by_its_deadline_is_still_valid() {
        let old: Vec<String> = (0..3000).map(|i| format!("{i}\n")).collect();
        let new: Vec<String> = old.iter().rev().cloned().collect();
        let (o, n): (Vec<&str>, Vec<&str>) = (
            old.iter().map(String::as_str).collect(),
            new.iter().map(String::as_str).collect(),
        );
        let ops = line_ops(&o, &n, Limit::Deadline(Instant::now())).unwrap();
        assert_eq!(apply(&o, &n, &ops), n);
        assert_eq!(line_ops(&o, &n, Limit::Lines(5999)), None, "over the bound");
    }

    #[test]
    fn a_merge_too_large_to_compare_is_a_conflict_not_a_guess() {
        let base: String = (0..MERGE_LINES).map(|i| format!("{i}\n")).collect();
        let reversed: String = base.lines().rev().map(|l| format!("{l}\n")).collect();
        let edited = base.replacen("0\n", "zero\n", 1);
        assert_eq!(merge_text(&base, &reversed, &edited), None);
        assert_eq!(
            merge_text(&base, &edited, &base).as_deref(),
            Some(edited.as_str())
        );
    }
}
