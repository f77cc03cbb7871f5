//! The original CMOS's context documents (PROJECT_CONTEXT.json, MASTER_CONTEXT.json and the
//! `contexts` table): kept whole under `.cmos/legacy/contexts/`, with the decisions,
//! learnings, constraints, notes and next steps they list imported as items.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::legacy::{Mapper, Row};
use super::{Batch, values};
use crate::error::{Error, Result};
use crate::model::{ItemKind, Timestamp};

/// Where a context document is kept on the branch.
pub fn legacy_path(name: &str) -> String {
    format!(".cmos/legacy/contexts/{name}.json")
}

/// The two documents the original kept, by the name their files and rows use.
pub fn document_name(file: &str) -> String {
    let lower = file.to_lowercase();
    if lower.contains("master") {
        "master_context".into()
    } else if lower.contains("project") {
        "project_context".into()
    } else {
        lower
            .trim_end_matches(".json")
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    }
}

pub fn read(paths: &[PathBuf]) -> Result<Batch> {
    let paths: Vec<PathBuf> = paths
        .iter()
        .flat_map(|p| {
            if p.is_dir() {
                documents_in(p)
            } else {
                vec![p.clone()]
            }
        })
        .collect();
    if paths.is_empty() {
        return Err(Error::InvalidInput(
            "no context documents found: name PROJECT_CONTEXT.json or MASTER_CONTEXT.json, or a directory holding *_context.json files".into(),
        ));
    }
    let mut batch = Batch::new("contexts", &paths[0]);
    let mut notes = std::mem::take(&mut batch.notes);
    let mut documents = Vec::new();
    for path in &paths {
        let bytes = super::read_file(path)?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            Error::InvalidInput(format!(
                "{} is not JSON ({e}); nothing was imported. The contexts import reads PROJECT_CONTEXT.json and MASTER_CONTEXT.json",
                path.display()
            ))
        })?;
        if !value.is_object() {
            return Err(Error::InvalidInput(format!(
                "{} holds JSON but not an object; a context document is a JSON object",
                path.display()
            )));
        }
        documents.push((path, bytes, value));
    }
    let fallback = documents
        .iter()
        .filter_map(|(_, _, v)| document_time(v))
        .min()
        .unwrap_or_else(Timestamp::now);
    let mut mapper = Mapper {
        notes: &mut notes,
        fallback,
        format: "contexts",
    };
    for (path, bytes, _) in &documents {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        map_document(&mut mapper, &mut batch, &file, &document_name(&file), bytes);
    }
    if paths.len() > 1 {
        batch.source_name = paths
            .iter()
            .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(" ");
    }
    batch.notes = notes;
    Ok(batch)
}

/// A context document's own idea of when it was last written.
fn document_time(doc: &Value) -> Option<Timestamp> {
    let candidates = [
        doc.pointer("/context_health/last_update"),
        doc.pointer("/context_health/last_updated"),
        doc.pointer("/working_memory/last_session"),
        doc.pointer("/project_identity/last_sync_at"),
        doc.pointer("/metadata/migrated_at"),
    ];
    candidates
        .into_iter()
        .flatten()
        .filter_map(|v| values::timestamp(v.as_str()?).map(|(t, _)| t))
        .min()
}

/// Keeps one document and imports the items it lists. `label` names it in notes.
pub fn map_document(
    mapper: &mut Mapper<'_>,
    batch: &mut Batch,
    label: &str,
    name: &str,
    bytes: &[u8],
) {
    batch.files.push((legacy_path(name), bytes.to_vec()));
    let doc: Value = match serde_json::from_slice(bytes) {
        Ok(doc @ Value::Object(_)) => doc,
        _ => {
            mapper.notes.kept_raw(
                "context document that is not a JSON object, kept verbatim",
                label,
            );
            return;
        }
    };
    let when = document_time(&doc).unwrap_or(mapper.fallback);
    let saved = mapper.fallback;
    mapper.fallback = when;
    // The master document names the project; a project context's `project` is often the
    // starter kit's own name.
    let identity = doc
        .get("project_identity")
        .or(doc.get("project").filter(|_| name == "master_context"));
    if let Some(identity) = identity {
        if batch.project_name.is_none() {
            batch.project_name = values::text(identity.get("name"));
        }
        if batch.project_description.is_none() {
            batch.project_description = values::text(identity.get("description"));
        }
    }
    let lists: [(&str, ItemKind, &[&str]); 10] = [
        (
            "/decisions_made",
            ItemKind::Decision,
            &["text", "decision", "title"],
        ),
        (
            "/decisions",
            ItemKind::Decision,
            &["text", "decision", "title"],
        ),
        (
            "/learnings",
            ItemKind::Learning,
            &["text", "content", "learning"],
        ),
        (
            "/constraints",
            ItemKind::Constraint,
            &["text", "constraint", "content"],
        ),
        (
            "/context_notes",
            ItemKind::Fact,
            &["text", "note", "content"],
        ),
        (
            "/next_session_context/when_we_resume",
            ItemKind::NextStep,
            &["text", "step", "content"],
        ),
        (
            "/working_memory/next_steps",
            ItemKind::NextStep,
            &["text", "step", "content"],
        ),
        (
            "/nextSteps",
            ItemKind::NextStep,
            &["text", "step", "content"],
        ),
        (
            "/next_steps",
            ItemKind::NextStep,
            &["text", "step", "content"],
        ),
        (
            "/keyLearnings",
            ItemKind::Learning,
            &["text", "content", "learning"],
        ),
    ];
    let mut mapped_keys = Vec::new();
    for (pointer, kind, text_keys) in lists {
        let Some(Value::Array(entries)) = doc.pointer(pointer) else {
            continue;
        };
        mapped_keys.push(
            pointer
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string(),
        );
        for entry in entries {
            let (text, row) = match entry {
                Value::String(s) => (Some(s.clone()), Row::new()),
                Value::Object(map) => {
                    let mut row = map.clone();
                    let key = text_keys
                        .iter()
                        .find(|k| map.get(**k).is_some_and(|v| !v.is_null()));
                    let text = key
                        .and_then(|k| row.remove(*k))
                        .and_then(|v| values::text(Some(&v)));
                    (text, row)
                }
                other => (Some(other.to_string()), Row::new()),
            };
            let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
                mapper
                    .notes
                    .skipped(format!("empty entry of {pointer}"), label);
                continue;
            };
            let mut item = mapper.item(kind, text, &row, &[]);
            if kind == ItemKind::Fact && item.category.is_none() {
                item.category = Some("context-note".into());
            }
            mapper.notes.mapped(
                format!("context list {pointer} → {} items", kind.as_str()),
                label,
            );
            batch.items.push(item);
        }
    }
    if let Value::Object(top) = &doc {
        for key in top.keys() {
            if !mapped_keys.contains(key) {
                mapper.notes.kept_raw(
                    format!(
                        "context section `{key}`, kept verbatim in {}",
                        legacy_path(name)
                    ),
                    label,
                );
            }
        }
    }
    mapper.fallback = saved;
}

/// The context documents a path names: a file, or a directory holding them.
pub fn documents_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .max_depth(3)
        .into_iter()
        .filter_map(|e| e.ok())
        // Only regular files: a FIFO or device named like a context would block or flood.
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            name.ends_with("_context.json")
        })
        .collect();
    found.sort();
    found
}
