//! Three-way merge of one TOML record, field by field against the merge base: a field
//! changed on one side takes that side's value; histories (transitions, captures) are a
//! union in time order; lists of links and criteria merge as sets; a field changed on both
//! sides to different values goes to the side changed last, and the other value is reported.

use toml::{Table, Value};

/// A field both sides changed to different values, and what the merge kept.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    /// Dotted path of the field, e.g. `status` or `blocked.reason`.
    pub field: String,
    pub kept: String,
    pub lost: String,
}

/// The merged record and the conflicts it resolved.
#[derive(Debug, Default)]
pub struct RecordMerge {
    pub table: Table,
    pub conflicts: Vec<FieldConflict>,
}

/// Lists whose entries are a history: both sides' entries are kept, in time order.
const HISTORIES: [&str; 3] = ["transitions", "captures", "escalations"];
/// Lists of plain values that merge as sets.
const SETS: [&str; 5] = [
    "success_criteria",
    "deliverables",
    "needs",
    "files",
    "next_steps",
];
/// Lists of tables that merge as sets keyed by one field.
const KEYED_SETS: [(&str, &str); 1] = [("depends", "on")];
/// Fields that say when a record last changed: the later time is simply right.
const LATEST: [&str; 1] = ["updated_at"];
/// A mission's lifecycle fields change together, the confidence gate's record with them (an
/// approval completes the mission, a rejection sends it back): when the status or the
/// approval state conflicts, all of them come from the side that wins, so a record never
/// mixes two lifecycles (say, Completed by one person's approval yet marked rejected by
/// another's rejection).
const LIFECYCLE: [&str; 14] = [
    "status",
    "blocked",
    "started_at",
    "completed_at",
    "approval_state",
    "validation_score",
    "evidence",
    "validated_by",
    "validated_at",
    "approved_by",
    "approved_at",
    "rejected_by",
    "rejected_at",
    "review_note",
];
/// The fields whose conflict makes the whole lifecycle go to one side.
const LIFECYCLE_KEYS: [&str; 2] = ["status", "approval_state"];

/// Merges `ours` and `theirs` against `base` (None: the record is new on both sides).
/// Symmetric: swapping `ours` and `theirs` gives the same table.
pub fn merge_record(base: Option<&Table>, ours: &Table, theirs: &Table) -> RecordMerge {
    let empty = Table::new();
    let base = base.unwrap_or(&empty);
    let (rank_a, rank_b) = (rank(ours), rank(theirs));
    let mut merge = RecordMerge::default();
    let conflicting_key = LIFECYCLE_KEYS
        .into_iter()
        .find(|key| changed_on_both(base.get(*key), ours.get(*key), theirs.get(*key)));
    let lifecycle_conflict = conflicting_key.is_some();
    if let Some(key) = conflicting_key {
        let (winner, loser) = winner(
            ours,
            theirs,
            &rank_a,
            &rank_b,
            ours.get(key),
            theirs.get(key),
        );
        for field in LIFECYCLE {
            if let Some(value) = winner.get(field) {
                merge.table.insert(field.to_string(), value.clone());
            }
        }
        merge.conflicts.push(FieldConflict {
            field: key.into(),
            kept: show(winner.get(key)),
            lost: show(loser.get(key)),
        });
    }
    let mut keys: Vec<&String> = ours
        .keys()
        .chain(theirs.keys())
        .chain(base.keys())
        .collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        if lifecycle_conflict && LIFECYCLE.contains(&key.as_str()) {
            continue;
        }
        let (o, a, b) = (base.get(key), ours.get(key), theirs.get(key));
        let merged = merge_value(
            key,
            key,
            o,
            a,
            b,
            (rank_a.as_str(), rank_b.as_str()),
            &mut merge.conflicts,
        );
        if let Some(value) = merged {
            merge.table.insert(key.clone(), value);
        }
    }
    merge
}

fn changed_on_both(o: Option<&Value>, a: Option<&Value>, b: Option<&Value>) -> bool {
    a != b && a != o && b != o
}

/// How recently a side changed the record: its `updated_at`, else its `completed_at`.
fn rank(table: &Table) -> String {
    ["updated_at", "completed_at", "started_at"]
        .iter()
        .find_map(|k| table.get(*k).map(|v| v.to_string()))
        .unwrap_or_default()
}

/// The side whose change wins: the one changed last; on a tie, the larger value, so that
/// every clone picks the same one.
fn winner<'t>(
    a: &'t Table,
    b: &'t Table,
    rank_a: &str,
    rank_b: &str,
    value_a: Option<&Value>,
    value_b: Option<&Value>,
) -> (&'t Table, &'t Table) {
    let key_a = (rank_a, show(value_a));
    let key_b = (rank_b, show(value_b));
    if key_a >= key_b { (a, b) } else { (b, a) }
}

fn merge_value(
    key: &str,
    path: &str,
    o: Option<&Value>,
    a: Option<&Value>,
    b: Option<&Value>,
    ranks: (&str, &str),
    conflicts: &mut Vec<FieldConflict>,
) -> Option<Value> {
    if a == b {
        return a.cloned();
    }
    if a == o {
        return b.cloned();
    }
    if b == o {
        return a.cloned();
    }
    match (a, b) {
        (Some(x), Some(y)) if LATEST.contains(&key) => Some(if show(a) >= show(b) {
            x.clone()
        } else {
            y.clone()
        }),
        (Some(Value::Table(ta)), Some(Value::Table(tb))) => {
            let empty = Table::new();
            let to = match o {
                Some(Value::Table(t)) => t,
                _ => &empty,
            };
            let mut keys: Vec<&String> = ta.keys().chain(tb.keys()).chain(to.keys()).collect();
            keys.sort();
            keys.dedup();
            let mut out = Table::new();
            for k in keys {
                let sub = format!("{path}.{k}");
                if let Some(v) =
                    merge_value(k, &sub, to.get(k), ta.get(k), tb.get(k), ranks, conflicts)
                {
                    out.insert(k.clone(), v);
                }
            }
            Some(Value::Table(out))
        }
        (Some(Value::Array(xa)), Some(Value::Array(xb))) if HISTORIES.contains(&key) => {
            Some(Value::Array(union_in_time_order(xa, xb)))
        }
        (Some(Value::Array(xa)), Some(Value::Array(xb))) if SETS.contains(&key) => {
            let xo = match o {
                Some(Value::Array(x)) => x.as_slice(),
                _ => &[],
            };
            Some(Value::Array(merge_set(xo, xa, xb, |v| v.to_string())))
        }
        (Some(Value::Array(xa)), Some(Value::Array(xb)))
            if KEYED_SETS.iter().any(|(k, _)| *k == key) =>
        {
            let field = KEYED_SETS
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, f)| *f)
                .unwrap_or("id");
            let xo = match o {
                Some(Value::Array(x)) => x.as_slice(),
                _ => &[],
            };
            Some(Value::Array(merge_keyed(
                xo, xa, xb, field, path, ranks, conflicts,
            )))
        }
        // One side removed the field, the other changed it: keep the change, lose nothing.
        (Some(kept), None) | (None, Some(kept)) => {
            conflicts.push(FieldConflict {
                field: path.to_string(),
                kept: show(Some(kept)),
                lost: "(removed)".into(),
            });
            Some(kept.clone())
        }
        _ => {
            let key_a = (ranks.0, show(a));
            let key_b = (ranks.1, show(b));
            let (kept, lost) = if key_a >= key_b { (a, b) } else { (b, a) };
            conflicts.push(FieldConflict {
                field: path.to_string(),
                kept: show(kept),
                lost: show(lost),
            });
            kept.cloned()
        }
    }
}

/// Every entry of both histories once, ordered by `at` then by content.
fn union_in_time_order(a: &[Value], b: &[Value]) -> Vec<Value> {
    let mut all: Vec<(String, String, Value)> = a
        .iter()
        .chain(b)
        .map(|v| {
            let at = v.get("at").map(|t| t.to_string()).unwrap_or_default();
            (at, v.to_string(), v.clone())
        })
        .collect();
    all.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
    all.dedup_by(|x, y| x.1 == y.1);
    all.into_iter().map(|(_, _, v)| v).collect()
}

/// A set merge: what the base had and neither side removed, in the base's order, then what
/// either side added, in a fixed order.
fn merge_set(o: &[Value], a: &[Value], b: &[Value], key: impl Fn(&Value) -> String) -> Vec<Value> {
    let has = |list: &[Value], k: &str| list.iter().any(|v| key(v) == k);
    let mut out: Vec<Value> = o
        .iter()
        .filter(|v| has(a, &key(v)) && has(b, &key(v)))
        .cloned()
        .collect();
    let mut added: Vec<&Value> = a.iter().chain(b).filter(|v| !has(o, &key(v))).collect();
    added.sort_by_key(|v| key(v));
    added.dedup_by_key(|v| key(v));
    out.extend(added.into_iter().cloned());
    out
}

/// A set of tables identified by `field` (links by their target): membership merges as a
/// set, and an entry both sides changed merges field by field.
fn merge_keyed(
    o: &[Value],
    a: &[Value],
    b: &[Value],
    field: &str,
    path: &str,
    ranks: (&str, &str),
    conflicts: &mut Vec<FieldConflict>,
) -> Vec<Value> {
    let id = |v: &Value| {
        v.get(field)
            .map(|f| f.to_string())
            .unwrap_or_else(|| v.to_string())
    };
    let find = |list: &[Value], k: &str| list.iter().find(|v| id(v) == k).cloned();
    let members = merge_set(o, a, b, id);
    members
        .iter()
        .map(|member| {
            let k = id(member);
            let (vo, va, vb) = (find(o, &k), find(a, &k), find(b, &k));
            match (&va, &vb) {
                (Some(_), Some(_)) => {
                    let sub = format!("{path}[{k}]");
                    merge_value(
                        "",
                        &sub,
                        vo.as_ref(),
                        va.as_ref(),
                        vb.as_ref(),
                        ranks,
                        conflicts,
                    )
                    .unwrap_or_else(|| member.clone())
                }
                _ => member.clone(),
            }
        })
        .collect()
}

/// A value as the conflict report shows it.
fn show(value: Option<&Value>) -> String {
    match value {
        None => "(absent)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn one_sided_changes_merge_and_both_sided_ones_go_to_the_later() {
        let base = table(
            "name = 'A'\nstatus = 'Queued'\nupdated_at = '2026-01-01T00:00:00Z'\nnotes = 'x'",
        );
        let ours = table(
            "name = 'A2'\nstatus = 'Queued'\nupdated_at = '2026-01-02T00:00:00Z'\nnotes = 'ours'",
        );
        let theirs = table(
            "name = 'A'\nstatus = 'In Progress'\nupdated_at = '2026-01-03T00:00:00Z'\nnotes = 'theirs'",
        );
        let one = merge_record(Some(&base), &ours, &theirs);
        let two = merge_record(Some(&base), &theirs, &ours);
        assert_eq!(one.table, two.table, "symmetric");
        assert_eq!(one.table["name"].as_str(), Some("A2"));
        assert_eq!(one.table["status"].as_str(), Some("In Progress"));
        assert_eq!(
            one.table["notes"].as_str(),
            Some("theirs"),
            "changed last wins"
        );
        assert_eq!(one.conflicts.len(), 1);
        assert_eq!(one.conflicts[0].lost, "ours");
    }

    /// One clone approved a mission waiting for review while another rejected it: the status
    /// changed on one side only and the approval state on both, so the fields merged one by
    /// one into a mission Completed by the approval yet marked rejected, with both people's
    /// names on it.
    #[test]
    fn test_concurrent_approve_and_reject_keep_one_side_whole() {
        let base = table(
            "status = 'In Progress'\napproval_state = 'needs_review'\nvalidation_score = 0.72\nvalidated_by = 'agent'\nupdated_at = '2026-01-01T00:00:00Z'",
        );
        let approved = table(
            "status = 'Completed'\ncompleted_at = '2026-01-02T00:00:00Z'\napproval_state = 'approved'\nvalidation_score = 0.72\nvalidated_by = 'agent'\napproved_by = 'dana'\napproved_at = '2026-01-02T00:00:00Z'\nupdated_at = '2026-01-02T00:00:00Z'",
        );
        let rejected = table(
            "status = 'In Progress'\napproval_state = 'rejected'\nvalidation_score = 0.72\nvalidated_by = 'agent'\nrejected_by = 'lee'\nrejected_at = '2026-01-03T00:00:00Z'\nreview_note = 'no tests'\nupdated_at = '2026-01-03T00:00:00Z'",
        );
        let one = merge_record(Some(&base), &approved, &rejected);
        let two = merge_record(Some(&base), &rejected, &approved);
        assert_eq!(one.table, two.table, "symmetric");
        let t = &one.table;
        assert_eq!(t["status"].as_str(), Some("In Progress"), "{t:?}");
        assert_eq!(t["approval_state"].as_str(), Some("rejected"));
        assert_eq!(t["rejected_by"].as_str(), Some("lee"));
        for gone in ["approved_by", "approved_at", "completed_at"] {
            assert!(
                !t.contains_key(gone),
                "{gone} from the losing approval: {t:?}"
            );
        }
        assert_eq!(one.conflicts.len(), 1);
        assert_eq!(one.conflicts[0].field, "approval_state");
        assert_eq!(one.conflicts[0].lost, "approved");
    }

    #[test]
    fn histories_union_and_links_merge_as_sets() {
        let base = table(
            "depends = [{on = 'X', type = 'requires'}]\ntransitions = [{at = '1', to = 'a'}]",
        );
        let ours = table(
            "depends = [{on = 'X', type = 'requires'}, {on = 'Y', type = 'requires'}]\ntransitions = [{at = '1', to = 'a'}, {at = '2', to = 'b'}]",
        );
        let theirs =
            table("depends = []\ntransitions = [{at = '1', to = 'a'}, {at = '3', to = 'c'}]");
        let one = merge_record(Some(&base), &ours, &theirs);
        let two = merge_record(Some(&base), &theirs, &ours);
        assert_eq!(one.table, two.table);
        let deps = one.table["depends"].as_array().unwrap();
        assert_eq!(
            deps.len(),
            1,
            "X removed by theirs, Y added by ours: {deps:?}"
        );
        assert_eq!(deps[0]["on"].as_str(), Some("Y"));
        assert_eq!(one.table["transitions"].as_array().unwrap().len(), 3);
        assert!(one.conflicts.is_empty());
    }
}
