//! `cmos import cmos-sqlite`: the original CMOS's database, whichever of its tables and
//! schema versions the file has. Tables cmos has records for become records; the rest are kept
//! row by row under `.cmos/legacy/cmos-sqlite/`; derived tables (full-text and vector indexes)
//! are left out and said so.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Value};

use super::legacy::{Mapper, Row, Step, group_steps};
use super::{Batch, contexts, values};
use crate::error::{Error, Result};
use crate::model::{ItemKind, Timestamp};

/// Every table of the database, by name, as rows of column → value.
type Tables = BTreeMap<String, Vec<Row>>;

pub fn read(path: &Path) -> Result<Batch> {
    let tables = load(path)?;
    let mut batch = Batch::new("cmos-sqlite", path);
    let mut notes = std::mem::take(&mut batch.notes);
    let fallback = earliest(&tables).unwrap_or_else(Timestamp::now);
    let mut mapper = Mapper {
        notes: &mut notes,
        fallback,
        format: "cmos-sqlite",
    };
    let table = |name: &str| tables.get(name).map(Vec::as_slice).unwrap_or_default();

    let metadata: Map<String, Value> = table("metadata")
        .iter()
        .filter_map(|r| Some((values::text(r.get("key"))?, r.get("value")?.clone())))
        .collect();
    batch.project_name = values::text(metadata.get("project_name"));
    batch.project_description = values::text(metadata.get("project_description"));

    // Events first: they give the missions their transitions.
    let mut steps = Vec::new();
    let mut previous = None;
    for row in table("session_events") {
        let raw = values::text(row.get("raw_event"))
            .unwrap_or_else(|| Value::Object(row.clone()).to_string());
        if let Some((event, step)) = mapper.event(row, &raw, previous) {
            previous = Some(event.at);
            if let Some(step) = step
                && !event.target.is_empty()
            {
                steps.push((event.target.clone(), step));
            }
            batch.events.push(event);
        }
    }
    let steps = group_steps(steps);

    for row in table("sprints") {
        if let Some(sprint) = mapper.sprint(row) {
            batch.sprints.push(sprint);
        }
    }
    let sprint_ids: Vec<String> = batch.sprints.iter().map(|s| s.id.clone()).collect();
    for row in table("missions") {
        let sprint = sprint_of(&mut mapper, row, &sprint_ids);
        let id = values::text(row.get("id")).unwrap_or_default();
        let none: Vec<Step> = Vec::new();
        let mission_steps = steps.get(&id).unwrap_or(&none);
        if let Some(mission) = mapper.mission(row, sprint, mission_steps) {
            batch.missions.push(mission);
        }
    }
    for row in table("mission_dependencies") {
        let (Some(from), Some(to)) = (
            values::text(row.get("from_id")),
            values::text(row.get("to_id")),
        ) else {
            mapper.notes.skipped(
                "dependency row without both missions",
                "mission_dependencies",
            );
            continue;
        };
        if let Some(link) = mapper.link(&from, &to, values::text(row.get("type"))) {
            batch.links.push(link);
        }
    }
    super::legacy::orient_links(&batch.missions, &mut batch.links, mapper.notes);
    let mut links_of_sessions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in table("session_missions") {
        if let (Some(s), Some(m)) = (
            values::text(row.get("session_id")),
            values::text(row.get("mission_id")),
        ) {
            links_of_sessions.entry(s).or_default().push(m);
        }
    }
    for row in table("sessions") {
        if let Some(mut session) = mapper.session(row) {
            if let Some(missions) = links_of_sessions.get(&session.id) {
                session.mission = missions.first().cloned();
                session.extra.insert(
                    "missions".into(),
                    toml::Value::Array(missions.iter().map(|m| m.clone().into()).collect()),
                );
            }
            batch.sessions.push(session);
        }
    }
    items(
        &mut mapper,
        &mut batch,
        table("strategic_decisions"),
        ItemKind::Decision,
        &["decision_text", "id", "superseded_by"],
    );
    items(
        &mut mapper,
        &mut batch,
        table("learnings"),
        ItemKind::Learning,
        &["content", "id"],
    );
    items(
        &mut mapper,
        &mut batch,
        table("next_steps"),
        ItemKind::NextStep,
        &["content", "id"],
    );
    items(
        &mut mapper,
        &mut batch,
        table("constraints"),
        ItemKind::Constraint,
        &["content", "id"],
    );

    for row in table("contexts") {
        let Some(id) = values::text(row.get("id")) else {
            continue;
        };
        let content = values::text(row.get("content")).unwrap_or_default();
        contexts::map_document(
            &mut mapper,
            &mut batch,
            &format!("contexts/{id}.json"),
            &id,
            content.as_bytes(),
        );
    }

    for (name, rows) in &tables {
        let handled = [
            "session_events",
            "sprints",
            "missions",
            "mission_dependencies",
            "session_missions",
            "sessions",
            "strategic_decisions",
            "learnings",
            "next_steps",
            "constraints",
            "contexts",
        ];
        if handled.contains(&name.as_str()) || rows.is_empty() {
            continue;
        }
        if name == "sqlite_sequence" || name.starts_with("sqlite_") {
            mapper
                .notes
                .skipped(format!("table {name}: SQLite's own bookkeeping"), name);
            continue;
        }
        if is_derived(name, &tables) {
            mapper.notes.skipped(format!("table {name}: a search index built from other tables; cmos's own search indexes the records itself"), name);
            continue;
        }
        let mut lines = Vec::new();
        for row in rows {
            lines.extend(serde_json::to_vec(&Value::Object(row.clone())).unwrap_or_default());
            lines.push(b'\n');
        }
        mapper.notes.kept_raw(
            format!(
                "table {name} ({} rows), kept row by row in .cmos/legacy/cmos-sqlite/{name}.jsonl",
                rows.len()
            ),
            name,
        );
        batch.keep_file(&format!("{name}.jsonl"), lines);
    }
    batch.notes = notes;
    Ok(batch)
}

/// The sprint a mission row names, if it is one the import knows.
fn sprint_of(mapper: &mut Mapper<'_>, row: &Row, sprints: &[String]) -> Option<String> {
    let raw = values::text(row.get("sprint_id"))?;
    let id = mapper.id("sprint", &raw)?;
    if sprints.contains(&id) {
        Some(id)
    } else {
        let mission = values::text(row.get("id")).unwrap_or_default();
        mapper.notes.kept_raw(
            "mission of a sprint the database does not have: sprint kept in legacy.sprint_id",
            &mission,
        );
        None
    }
}

/// Rows of an item table, whose text column is the first of `known`.
fn items(mapper: &mut Mapper<'_>, batch: &mut Batch, rows: &[Row], kind: ItemKind, known: &[&str]) {
    for row in rows {
        let text_column = known[0];
        let Some(text) = values::text(row.get(text_column)) else {
            mapper.notes.skipped(
                format!("{} row without text", kind.as_str()),
                &values::text(row.get("id")).unwrap_or_default(),
            );
            continue;
        };
        batch.items.push(mapper.item(kind, text, row, known));
    }
}

/// Full-text (FTS5) and vector tables and their shadow tables: derived data.
fn is_derived(name: &str, tables: &Tables) -> bool {
    let fts = ["_fts", "_vec"];
    fts.iter().any(|f| name.contains(f))
        || tables.keys().any(|base| {
            name.len() > base.len() && name.starts_with(base.as_str()) && base.ends_with("_fts")
        })
}

/// The earliest time the database records, standing in for times it does not.
fn earliest(tables: &Tables) -> Option<Timestamp> {
    let columns = ["ts", "created_at", "started_at", "start_date", "value"];
    tables
        .values()
        .flatten()
        .flat_map(|row| columns.iter().filter_map(|c| values::text(row.get(*c))))
        .filter_map(|t| values::timestamp(&t).map(|(t, _)| t))
        .filter(|t| t.unix_seconds() > 946_684_800)
        .min()
}

/// Reads every table of the database at `path`, refusing files that are not SQLite
/// databases or are damaged.
fn load(path: &Path) -> Result<Tables> {
    let bytes = super::read_file(path)?;
    if !bytes.starts_with(b"SQLite format 3\0") {
        return Err(Error::InvalidInput(format!(
            "{} is not a SQLite database (it does not start with the SQLite header); the cmos-sqlite import reads the original CMOS's cmos/db/cmos.sqlite",
            path.display()
        )));
    }
    let damaged = |e: rusqlite::Error| {
        Error::InvalidInput(format!(
            "{} is a damaged or incomplete SQLite database ({e}); nothing was imported. Copy the file again, or run `sqlite3 {} .recover` and import the result",
            path.display(),
            path.display()
        ))
    };
    if bytes.len() < 100 {
        return Err(Error::InvalidInput(format!(
            "{} is truncated: {} bytes, less than a SQLite header; nothing was imported. Copy the whole file again",
            path.display(),
            bytes.len()
        )));
    }
    let page_size = u32::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    let page_size = if page_size == 1 { 65536 } else { page_size };
    let pages = u32::from_be_bytes([bytes[28], bytes[29], bytes[30], bytes[31]]);
    if page_size > 0 && pages > 0 && (bytes.len() as u64) < u64::from(page_size) * u64::from(pages)
    {
        let wal = path.with_extension("sqlite-wal");
        if !wal.exists() {
            return Err(Error::InvalidInput(format!(
                "{} is truncated: its header says {pages} pages of {page_size} bytes, but the file has {} bytes; nothing was imported. Copy the whole file again",
                path.display(),
                bytes.len()
            )));
        }
    }
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(damaged)?;
    let check: String = db
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(damaged)?;
    if check != "ok" {
        return Err(Error::InvalidInput(format!(
            "{} is damaged: SQLite's check says {check:?}; nothing was imported",
            path.display()
        )));
    }
    let names: Vec<String> = {
        let mut stmt = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .map_err(damaged)?;
        stmt.query_map([], |r| r.get(0))
            .map_err(damaged)?
            .collect::<std::result::Result<_, _>>()
            .map_err(damaged)?
    };
    if !names.iter().any(|n| {
        [
            "missions",
            "sprints",
            "contexts",
            "sessions",
            "session_events",
        ]
        .contains(&n.as_str())
    }) {
        return Err(Error::InvalidInput(format!(
            "{} is a SQLite database but not a CMOS one: it has none of the tables missions, sprints, sessions, session_events, contexts",
            path.display()
        )));
    }
    let mut tables = Tables::new();
    for name in names {
        if is_virtual_shadow(&db, &name) {
            tables.insert(name, Vec::new());
            continue;
        }
        let sql = format!("SELECT * FROM \"{}\"", name.replace('"', "\"\""));
        let mut stmt = match db.prepare(&sql) {
            Ok(stmt) => stmt,
            // A virtual table whose module this SQLite lacks (sqlite-vec): derived data.
            Err(_) => {
                tables.insert(name, Vec::new());
                continue;
            }
        };
        let columns: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
        let rows = stmt
            .query_map([], |r| {
                let mut row = Map::new();
                for (i, column) in columns.iter().enumerate() {
                    row.insert(column.clone(), value(r.get_ref(i)?));
                }
                Ok(row)
            })
            .map_err(damaged)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(damaged)?;
        tables.insert(name, rows);
    }
    Ok(tables)
}

/// Virtual tables (FTS, vectors) are read through modules; their content is derived.
fn is_virtual_shadow(db: &Connection, name: &str) -> bool {
    db.query_row(
        "SELECT sql FROM sqlite_master WHERE name = ?1",
        [name],
        |r| r.get::<_, Option<String>>(0),
    )
    .ok()
    .flatten()
    .is_some_and(|sql| sql.to_uppercase().starts_with("CREATE VIRTUAL TABLE"))
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}
