//! Three-way merge of a text file (the project notes) by lines: changes to different parts
//! of the base combine; overlapping changes go to one side, the same on every clone, and the
//! other side's text is reported so nothing is lost.

use similar::{DiffOp, TextDiff};

/// A change of the base: lines `start..end` of the base become `lines`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Hunk {
    start: usize,
    end: usize,
    lines: Vec<String>,
}

/// The merged text, or None when both sides changed the same lines.
pub fn merge_text(base: &str, a: &str, b: &str) -> Option<String> {
    let base_lines: Vec<&str> = base.split_inclusive('\n').collect();
    let mut hunks = hunks_of(base, a);
    hunks.extend(hunks_of(base, b));
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

fn hunks_of(base: &str, side: &str) -> Vec<Hunk> {
    let diff = TextDiff::from_lines(base, side);
    let new_lines: Vec<&str> = side.split_inclusive('\n').collect();
    diff.ops()
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
        .collect()
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
}
