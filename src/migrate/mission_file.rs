//! Mission Protocol files: one YAML file per mission, as the original's `db export-missions`
//! wrote them (`missionId`, `objective`, `context`, `successCriteria`, `deliverables`,
//! `references`, `domainFields`) and as its projects kept them by hand under
//! `missions/<sprint>/`. This module maps a parsed document to a [`MissionFile`] and a
//! mission back to a document; reading files and writing the branch are the operation's.
//!
//! cmos adds `name` and `sprint` to what it writes, so that registering an exported file gives
//! back the same mission; the original's readers ignore keys they do not know.

use serde_json::{Map, Value, json};

use super::{values, yaml};
use crate::model::{Mission, validate_id};

/// The keys of the flat form that the mapping reads, in the order an export writes them.
/// (The spec form nests the same fields under `metadata:` and `spec:`.)
const KNOWN: [&str; 17] = [
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
    "reference_docs",
    "domainFields",
    "domain_fields",
    // The spec form's envelope.
    "apiVersion",
    "kind",
    "metadata",
    "spec",
];

/// What one mission file says about a mission. `None` means the file does not say, so a
/// registered mission keeps what it has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MissionFile {
    pub id: String,
    pub name: Option<String>,
    pub sprint: Option<String>,
    pub objective: Option<String>,
    pub context: Option<String>,
    pub success_criteria: Option<Vec<String>>,
    pub deliverables: Option<Vec<String>>,
    pub references: Option<Vec<String>>,
    /// A mapping, as JSON.
    pub domain_fields: Option<Map<String, Value>>,
    /// Top-level keys the mapping does not read, for the report.
    pub ignored: Vec<String>,
}

/// The missions a file's YAML text describes: every document with a mission id. Refuses
/// text that is not YAML or breaks a bound, and a document that names a mission but says
/// something unusable about it; the message says where.
pub fn read(text: &str) -> Result<Vec<MissionFile>, String> {
    let documents = yaml::read(text).map_err(|p| p.to_string())?;
    let mut missions = Vec::new();
    for (i, doc) in documents.iter().enumerate() {
        let place = |why: String| match documents.len() {
            1 => why,
            _ => format!("document {}: {why}", i + 1),
        };
        if let Some(mission) = from_document(doc).map_err(place)? {
            missions.push(mission);
        }
    }
    Ok(missions)
}

/// The mission a parsed document describes, None when it names no mission (a header
/// document, a backlog.yaml), or why it cannot be used.
pub fn from_document(doc: &Value) -> Result<Option<MissionFile>, String> {
    let Some(top) = doc.as_object() else {
        return Ok(None);
    };
    let meta = top.get("metadata").and_then(Value::as_object);
    let spec = top.get("spec").and_then(Value::as_object);
    // A field of the flat form, else of the spec form's `spec:` section.
    let field = |keys: &[&str]| -> Option<&Value> {
        keys.iter()
            .find_map(|k| top.get(*k))
            .or_else(|| spec.and_then(|s| keys.iter().find_map(|k| s.get(*k))))
            .filter(|v| !v.is_null())
    };
    let raw_id = top
        .get("missionId")
        .or_else(|| meta.and_then(|m| m.get("id")))
        .filter(|v| !v.is_null());
    let Some(raw_id) = raw_id else {
        return Ok(None);
    };
    let id = match raw_id {
        Value::String(s) => s.trim().to_string(),
        // An unquoted id such as `12` reads as a number; a float would not read back as
        // written (`1.10` is 1.1), so only whole numbers are taken.
        Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
        other => return Err(format!("missionId must be text, not {}", kind_of(other))),
    };
    validate_id("mission", &id).map_err(|e| format!("missionId {id:?}: {e}"))?;
    let named = |key: &str| -> Result<Option<String>, String> {
        let value = top
            .get(key)
            .or_else(|| meta.and_then(|m| m.get(key)))
            .filter(|v| !v.is_null());
        value.map(|v| scalar_text(key, v)).transpose()
    };
    let ignored = top
        .keys()
        .filter(|k| !KNOWN.contains(&k.as_str()))
        .cloned()
        .collect();
    Ok(Some(MissionFile {
        name: named("name")?,
        sprint: named("sprint")?,
        objective: field(&["objective"])
            .map(|v| text("objective", v))
            .transpose()?,
        context: field(&["context"])
            .map(|v| text("context", v))
            .transpose()?,
        success_criteria: field(&["successCriteria", "success_criteria"])
            .map(|v| list("successCriteria", v))
            .transpose()?,
        deliverables: field(&["deliverables"])
            .map(|v| list("deliverables", v))
            .transpose()?,
        references: field(&["references", "referenceDocs", "reference_docs"])
            .map(|v| list("references", v))
            .transpose()?,
        domain_fields: match field(&["domainFields", "domain_fields"]) {
            None => None,
            Some(Value::Object(map)) => Some(map.clone()),
            Some(other) => {
                return Err(format!(
                    "domainFields must be a mapping, not {}",
                    kind_of(other)
                ));
            }
        },
        ignored,
        id,
    }))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A text field; YAML may read a short one as a number or a boolean.
fn text(key: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Array(_) | Value::Object(_) => {
            Err(format!("{key} must be text, not {}", kind_of(value)))
        }
        other => Ok(values::text(Some(other)).unwrap_or_default()),
    }
}

/// A one-line field: the name or the sprint.
fn scalar_text(key: &str, value: &Value) -> Result<String, String> {
    text(key, value)
}

/// A list of text; a single text is a list of one.
fn list(key: &str, value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Array(_) | Value::Object(_) | Value::Null => Err(format!(
                    "{key} must be a list of text; item {} is {}",
                    i + 1,
                    kind_of(item)
                )),
                other => text(key, other),
            })
            .collect(),
        Value::Object(_) => Err(format!("{key} must be a list of text, not a mapping")),
        other => Ok(vec![text(key, other)?]),
    }
}

/// Where a mission keeps its references: registered ones, else what an import of the
/// original kept (`reference_docs`, or `referenceDocs` in its metadata), a list or the JSON
/// text of one.
pub fn references(mission: &Mission) -> Vec<String> {
    if let Some(toml::Value::Array(items)) = mission.extra.get("references") {
        return items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
    }
    let legacy = legacy(mission);
    let metadata = values::embedded_json(legacy.get("metadata")).unwrap_or(Value::Null);
    let found = ["reference_docs", "referenceDocs"]
        .iter()
        .find_map(|k| legacy.get(*k).filter(|v| !v.is_null()))
        .cloned()
        .or_else(|| {
            ["referenceDocs", "reference_docs"]
                .iter()
                .find_map(|k| metadata.get(*k).filter(|v| !v.is_null()))
                .cloned()
        });
    reference_strings(found.as_ref())
}

/// The references of a list: text items as they are, and of `{path}` or `{uri}` objects
/// (as some of the original's files wrote them) the path.
fn reference_strings(found: Option<&Value>) -> Vec<String> {
    let objects = match found {
        Some(Value::Array(items)) => items,
        _ => return values::strings(found),
    };
    objects
        .iter()
        .filter_map(|item| match item {
            Value::Object(o) => o
                .get("path")
                .or(o.get("uri"))
                .and_then(|v| values::text(Some(v))),
            other => values::text(Some(other)),
        })
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A mission's domain fields: registered ones, else what an import of the original kept.
pub fn domain_fields(mission: &Mission) -> Option<Map<String, Value>> {
    if let Some(table @ toml::Value::Table(_)) = mission.extra.get("domain_fields") {
        return values::from_toml(table).as_object().cloned();
    }
    let legacy = legacy(mission);
    let metadata = values::embedded_json(legacy.get("metadata")).unwrap_or(Value::Null);
    let found = values::embedded_json(legacy.get("domain_fields"))
        .or_else(|| metadata.get("domainFields").cloned());
    match found {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn legacy(mission: &Mission) -> Map<String, Value> {
    match mission.extra.get("legacy").map(values::from_toml) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The mission as a Mission Protocol document: the original's fields in its order (an
/// empty objective or context as empty text, as it wrote them; empty lists left out), with
/// cmos's `name` and `sprint` after the id.
pub fn to_document(mission: &Mission) -> Value {
    let mut doc = Map::new();
    doc.insert("missionId".into(), mission.id.clone().into());
    doc.insert("name".into(), mission.name.clone().into());
    if let Some(sprint) = &mission.sprint {
        doc.insert("sprint".into(), sprint.clone().into());
    }
    doc.insert(
        "objective".into(),
        mission.objective.clone().unwrap_or_default().into(),
    );
    doc.insert(
        "context".into(),
        mission.context.clone().unwrap_or_default().into(),
    );
    if !mission.success_criteria.is_empty() {
        doc.insert(
            "successCriteria".into(),
            mission.success_criteria.clone().into(),
        );
    }
    if !mission.deliverables.is_empty() {
        doc.insert("deliverables".into(), mission.deliverables.clone().into());
    }
    let references = references(mission);
    if !references.is_empty() {
        doc.insert("references".into(), references.into());
    }
    if let Some(fields) = domain_fields(mission).filter(|f| !f.is_empty()) {
        doc.insert("domainFields".into(), Value::Object(fields));
    }
    Value::Object(doc)
}

/// The file's text: a comment naming the file, as the original began them, then the
/// document.
pub fn to_text(mission: &Mission, file_name: &str) -> String {
    let mut text = format!("# Mission File: {}\n\n", one_line(file_name));
    text.push_str(&yaml::write_documents(&[to_document(mission)]));
    text
}

fn one_line(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// How long a name may be in a file name, in characters; the id comes on top.
const MAX_SLUG: usize = 80;

/// A file-name-safe form of text from the branch (an id, a name): letters, digits, `-`, `.`
/// and `_` kept, spaces and `:` made `_`, slashes `-` (as the original did), anything else
/// dropped; never empty, never starting with a dot, never a path of its own.
pub fn slug(text: &str) -> String {
    let mut out: String = text
        .trim()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || matches!(c, '-' | '.' | '_') => Some(c),
            ' ' | ':' | '\t' => Some('_'),
            '/' | '\\' => Some('-'),
            _ => None,
        })
        .take(MAX_SLUG)
        .collect();
    // A leading dot would hide the file, and `.`/`..` would not be a file at all.
    while out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// `<id>_<name>.yaml`, as the original named mission files.
pub fn file_name(mission: &Mission) -> String {
    format!("{}_{}.yaml", slug(&mission.id), slug(&mission.name))
}

/// The name a mission file's name gives its mission, `B1.2_Core_Setup.yaml` → `Core Setup`,
/// for files that carry no `name` (the original wrote the name only into the file name).
pub fn name_from_file(id: &str, file: &str) -> Option<String> {
    let stem = file
        .strip_suffix(".yaml")
        .or_else(|| file.strip_suffix(".yml"))?;
    let rest = stem.strip_prefix(id)?.strip_prefix('_')?;
    let name = rest.replace('_', " ");
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// A document the fuzz target and the tests can compare: the mapping of a [`MissionFile`]
/// back to the flat form.
pub fn to_value(file: &MissionFile) -> Value {
    json!({
        "missionId": file.id,
        "name": file.name,
        "sprint": file.sprint,
        "objective": file.objective,
        "context": file.context,
        "successCriteria": file.success_criteria,
        "deliverables": file.deliverables,
        "references": file.references,
        "domainFields": file.domain_fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> MissionFile {
        let mut all = read(text).unwrap();
        assert_eq!(all.len(), 1);
        all.remove(0)
    }

    #[test]
    fn the_flat_form_maps_every_field() {
        let m = one(
            "# Mission File: x\n\nmissionId: \"B6.1\"\nobjective: Build it\ncontext: |\n  Why\nsuccessCriteria:\n  - one\n  - 2\ndeliverables: a file\nreferences: [docs/a.md]\ndomainFields:\n  type: Build.Implementation.v1\ntest_plan: []\n",
        );
        assert_eq!(m.id, "B6.1");
        assert_eq!(m.objective.as_deref(), Some("Build it"));
        assert_eq!(m.context.as_deref(), Some("Why\n"));
        assert_eq!(m.success_criteria, Some(vec!["one".into(), "2".into()]));
        assert_eq!(m.deliverables, Some(vec!["a file".into()]));
        assert_eq!(m.references, Some(vec!["docs/a.md".into()]));
        assert_eq!(m.domain_fields.unwrap()["type"], "Build.Implementation.v1");
        assert_eq!(m.ignored, vec!["test_plan".to_string()]);
    }

    #[test]
    fn the_spec_form_reads_metadata_and_spec() {
        let m = one(
            "---\napiVersion: mission.protocol.v2\nkind: Mission\nmetadata:\n  id: B12.1\n  name: Fix it\n  sprint: Sprint 12\nspec:\n  objective: Fix\n  success_criteria:\n    - works\n",
        );
        assert_eq!(m.id, "B12.1");
        assert_eq!(m.name.as_deref(), Some("Fix it"));
        assert_eq!(m.sprint.as_deref(), Some("Sprint 12"));
        assert_eq!(m.success_criteria, Some(vec!["works".into()]));
    }

    #[test]
    fn a_document_without_a_mission_id_is_not_a_mission() {
        assert!(read("domainFields:\n  sprints: []\n").unwrap().is_empty());
        assert!(read("- a\n- b\n").unwrap().is_empty());
    }

    #[test]
    fn unusable_fields_are_refused_with_the_field() {
        for (text, want) in [
            ("missionId: ../x\n", "contains '..'"),
            ("missionId: [a]\n", "must be text"),
            ("missionId: 1.5\n", "must be text"),
            ("missionId: a\nobjective: [x]\n", "objective must be text"),
            ("missionId: a\ndeliverables: {a: 1}\n", "not a mapping"),
            ("missionId: a\nsuccessCriteria: [[x]]\n", "item 1 is a list"),
            ("missionId: a\ndomainFields: [x]\n", "must be a mapping"),
        ] {
            let err = read(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn slugs_never_make_a_path() {
        for (raw, want) in [
            ("Core Setup: v2", "Core_Setup__v2"),
            ("a/b\\c", "a-b-c"),
            ("..", "_."),
            ("../../etc", "_.-..-etc"),
            ("", "_"),
            ("\u{7}", "_"),
        ] {
            assert_eq!(slug(raw), want, "{raw:?}");
            assert!(crate::safe_fs::check_relative(&slug(raw)).is_ok());
        }
    }

    #[test]
    fn a_name_comes_back_from_the_file_name() {
        assert_eq!(
            name_from_file("B1.2", "B1.2_Core_Setup.yaml").as_deref(),
            Some("Core Setup")
        );
        assert_eq!(name_from_file("B1.2", "other.yaml"), None);
    }
}
