//! Fuzz target: the mapping from a parsed Mission Protocol document to a mission, behind
//! `cmos mission register`. Whatever the document (the flat form, the spec form, wrong types
//! everywhere, hostile ids and names), the mapping answers with a mission, "not a mission",
//! or a reason, and never panics; a mission it accepts has an id that is safe as a path and
//! file names that stay in their folder; and writing it back as YAML and reading that again
//! gives the same mission, which is the export/register round trip in the small.
//!
//! A long run: `CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_mission_file -- --nocapture`.

mod fuzzing;

use cmos::migrate::mission_file::{self, MissionFile};
use cmos::migrate::yaml;
use cmos::model::validate_id;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Keys the mapping reads (and a few it does not), so documents hit every branch.
const KEYS: &[&str] = &[
    "missionId",
    "name",
    "sprint",
    "objective",
    "context",
    "successCriteria",
    "success_criteria",
    "deliverables",
    "references",
    "referenceDocs",
    "domainFields",
    "metadata",
    "spec",
    "id",
    "apiVersion",
    "test_plan",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("B1.1".to_string()),
        Just("../x".to_string()),
        Just("..".to_string()),
        Just("a/b".to_string()),
        Just(String::new()),
        Just("  padded  ".to_string()),
        Just("line\nbreak".to_string()),
        Just("\u{1b}[31mred".to_string()),
        Just("Sprint 01".to_string()),
        "[a-zA-Z0-9._ -]{1,12}",
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        text().prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// A top-level document: mostly a mapping with a mission id, sometimes anything.
fn document() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (text(), prop::collection::vec((prop::sample::select(KEYS), value()), 0..8)).prop_map(
            |(id, pairs)| {
                let mut map = Map::new();
                map.insert("missionId".into(), Value::from(id));
                for (k, v) in pairs {
                    map.insert(k.to_string(), v);
                }
                Value::Object(map)
            }
        ),
        1 => value(),
    ]
}

fn check(doc: &Value) -> Result<(), String> {
    let file = match mission_file::from_document(doc) {
        Ok(Some(file)) => file,
        Ok(None) => return Ok(()),
        // A refusal is an answer, as long as it says something.
        Err(why) if why.trim().is_empty() => return Err("an empty refusal".into()),
        Err(_) => return Ok(()),
    };
    validate_id("mission", &file.id).map_err(|e| format!("accepted a bad id: {e}"))?;
    for name in [
        mission_file::slug(&file.id),
        mission_file::slug(file.name.as_deref().unwrap_or("")),
        mission_file::slug(file.sprint.as_deref().unwrap_or("")),
    ] {
        cmos::safe_fs::check_relative(&name)
            .map_err(|why| format!("slug {name:?} is not a file name: {why}"))?;
        if name.contains('/') || name.starts_with('.') {
            return Err(format!("slug {name:?} could leave its folder or hide"));
        }
    }
    // What the mapping reads, written back and read again, is the same mission.
    let written = yaml::write_documents(&[mission_file::to_value(&file)]);
    let again = mission_file::read(&written)
        .map_err(|e| format!("its own YAML does not read back: {e}\n{written}"))?;
    let expected = MissionFile {
        ignored: Vec::new(),
        ..file
    };
    match again.as_slice() {
        [one] if *one == expected => Ok(()),
        other => Err(format!(
            "round trip changed it:\n{expected:?}\n{other:?}\n{written}"
        )),
    }
}

#[test]
fn fuzz_mission_file() {
    fuzzing::run("mission_file", document(), check);
}
