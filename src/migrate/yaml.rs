//! YAML in and out: documents parsed by yaml-rust2 into JSON values, and JSON values written
//! as block-style YAML the way PyYAML's `safe_dump` lays it out (keys in order, sequences at
//! their key's indentation, strings quoted only when they would read as something else).

use std::collections::HashMap;

use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::{ScanError, Yaml};

use crate::error::{Error, Result};

/// How deep collections may nest, counting what aliases copy in. Real files nest a handful of
/// levels; the bound keeps every later walk of the value (and its drop) far from the stack's end.
pub const MAX_DEPTH: usize = 128;

/// How many nodes (scalars and collections) one file may produce, each alias copy counted
/// node by node: well above any backlog a project keeps (100,000 missions of a dozen fields
/// fit), well below what would exhaust memory.
pub const MAX_NODES: u64 = 10_000_000;

/// How many nodes aliases may copy in all. Aliases are how a few hundred bytes ask for a
/// billion nodes ("billion laughs"); honest files use them for a few shared defaults.
pub const MAX_ALIAS_NODES: u64 = 1_000_000;

/// How many bytes of text aliases may copy in all, for the same reason: one long anchored
/// string repeated is the other way to turn a small file into a large value.
pub const MAX_ALIAS_TEXT: u64 = 16 * 1024 * 1024;

/// Every document of `text`, or where the YAML is wrong or over a bound. `what` names the file
/// in the message, which ends "nothing was imported".
pub fn parse(text: &str, what: &str) -> Result<Vec<Value>> {
    read(text).map_err(|p| {
        let place = format!("line {}, column {}", p.line, p.column);
        Error::InvalidInput(match p.message.strip_prefix(NOT_YAML) {
            Some(why) => format!("{what} is not valid YAML: {place}: {why}; nothing was imported"),
            None => format!("{what}: {place}: {}; nothing was imported", p.message),
        })
    })
}

const NOT_YAML: &str = "not valid YAML: ";

/// Why a YAML text was not read, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl Problem {
    fn at(mark: &Marker, message: String) -> Problem {
        Problem {
            line: mark.line(),
            column: mark.col() + 1,
            message,
        }
    }

    fn syntax(e: &ScanError) -> Problem {
        Problem::at(e.marker(), format!("{NOT_YAML}{}", e.info()))
    }
}

/// Every document of `text` as JSON values, built from the parser's events (the parser is a
/// state machine with its own stack, so nothing here recurses) with the bounds above checked
/// before anything is copied.
pub fn read(text: &str) -> std::result::Result<Vec<Value>, Problem> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    loop {
        let (event, mark) = parser.next_token().map_err(|e| Problem::syntax(&e))?;
        match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart => {}
            Event::DocumentEnd => {
                let doc = builder.done.take().unwrap_or(Value::Null);
                builder.documents.push(doc);
            }
            Event::SequenceStart(anchor, _) => builder.open(Frame::seq(anchor), &mark)?,
            Event::MappingStart(anchor, _) => builder.open(Frame::map(anchor), &mark)?,
            Event::SequenceEnd | Event::MappingEnd => builder.close(&mark)?,
            Event::Scalar(text, style, anchor, tag) => {
                builder.scalar(&text, style, anchor, tag.as_ref(), &mark)?
            }
            Event::Alias(anchor) => builder.alias(anchor, &mark)?,
        }
    }
    Ok(builder.documents)
}

/// What a finished node holds, for the bounds when an alias copies it.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    nodes: u64,
    text: u64,
    /// Levels of collections, 0 for a scalar.
    height: usize,
}

impl Size {
    fn add(&mut self, child: Size) {
        self.nodes += child.nodes;
        self.text += child.text;
        self.height = self.height.max(child.height + 1);
    }
}

#[derive(Debug)]
enum Body {
    Seq(Vec<Value>),
    /// The map so far and the key whose value comes next.
    Map(Map<String, Value>, Option<String>),
}

#[derive(Debug)]
struct Frame {
    body: Body,
    anchor: usize,
    size: Size,
}

impl Frame {
    fn seq(anchor: usize) -> Frame {
        Frame {
            body: Body::Seq(Vec::new()),
            anchor,
            size: Size {
                nodes: 1,
                text: 0,
                height: 1,
            },
        }
    }

    fn map(anchor: usize) -> Frame {
        Frame {
            body: Body::Map(Map::new(), None),
            ..Frame::seq(anchor)
        }
    }
}

#[derive(Debug, Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, Size)>,
    nodes: u64,
    alias_nodes: u64,
    alias_text: u64,
    /// The root of the document being read, once complete.
    done: Option<Value>,
    documents: Vec<Value>,
}

impl Builder {
    fn count(&mut self, nodes: u64, mark: &Marker) -> std::result::Result<(), Problem> {
        self.nodes += nodes;
        if self.nodes > MAX_NODES {
            return Err(Problem::at(
                mark,
                format!(
                    "the file holds more than {MAX_NODES} YAML nodes (aliases counted as copies)"
                ),
            ));
        }
        Ok(())
    }

    /// Counts a copy of a node (an alias, or an anchor's kept copy) against the alias bounds.
    fn copied(&mut self, size: Size, mark: &Marker) -> std::result::Result<(), Problem> {
        self.alias_nodes += size.nodes;
        self.alias_text += size.text;
        if self.alias_nodes > MAX_ALIAS_NODES {
            return Err(Problem::at(
                mark,
                format!(
                    "anchors and aliases copy more than {MAX_ALIAS_NODES} YAML nodes (an alias bomb)"
                ),
            ));
        }
        if self.alias_text > MAX_ALIAS_TEXT {
            return Err(Problem::at(
                mark,
                format!(
                    "anchors and aliases copy more than {MAX_ALIAS_TEXT} bytes of text (an alias bomb)"
                ),
            ));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, mark: &Marker) -> std::result::Result<(), Problem> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Problem::at(
                mark,
                format!("the YAML nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.count(1, mark)?;
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self, mark: &Marker) -> std::result::Result<(), Problem> {
        let Some(frame) = self.stack.pop() else {
            return Err(Problem::at(
                mark,
                "not valid YAML: a collection ends that never began".into(),
            ));
        };
        let value = match frame.body {
            Body::Seq(items) => Value::Array(items),
            Body::Map(map, _) => Value::Object(map),
        };
        self.finish(value, frame.anchor, frame.size, None, mark)
    }

    fn scalar(
        &mut self,
        text: &str,
        style: TScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        mark: &Marker,
    ) -> std::result::Result<(), Problem> {
        self.count(1, mark)?;
        let yaml = resolve(text, style, tag);
        let size = Size {
            nodes: 1,
            text: text.len() as u64,
            height: 0,
        };
        self.finish(to_json(&yaml), anchor, size, Some(key_text(&yaml)), mark)
    }

    fn alias(&mut self, anchor: usize, mark: &Marker) -> std::result::Result<(), Problem> {
        // An alias to an anchor not yet complete (a collection holding itself) reads as null,
        // as yaml-rust2's own loader has it.
        let Some(size) = self.anchors.get(&anchor).map(|(_, size)| *size) else {
            self.count(1, mark)?;
            let size = Size {
                nodes: 1,
                ..Size::default()
            };
            return self.finish(Value::Null, 0, size, None, mark);
        };
        if self.stack.len() + size.height > MAX_DEPTH {
            return Err(Problem::at(
                mark,
                format!(
                    "the YAML nests deeper than {MAX_DEPTH} levels once this alias is copied in"
                ),
            ));
        }
        self.copied(size, mark)?;
        self.count(size.nodes, mark)?;
        // Checked above: the copy is within every bound.
        let copy = self
            .anchors
            .get(&anchor)
            .map_or(Value::Null, |(v, _)| v.clone());
        let key = match &copy {
            Value::String(s) => Some(s.clone()),
            _ => None,
        };
        self.finish(copy, 0, size, key, mark)
    }

    /// Puts a complete node into its parent (as a key or a value), or makes it the document.
    fn finish(
        &mut self,
        value: Value,
        anchor: usize,
        size: Size,
        key: Option<String>,
        mark: &Marker,
    ) -> std::result::Result<(), Problem> {
        if anchor > 0 {
            // Keeping the anchored node is a copy too: nested anchors would otherwise copy a
            // large node once per level.
            self.copied(size, mark)?;
            self.anchors.insert(anchor, (value.clone(), size));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.done = Some(value);
            return Ok(());
        };
        parent.size.add(size);
        match &mut parent.body {
            Body::Seq(items) => items.push(value),
            Body::Map(map, pending) => match pending.take() {
                Some(k) => {
                    map.insert(k, value);
                }
                None => *pending = Some(key.unwrap_or_else(|| value_key_text(&value))),
            },
        }
        Ok(())
    }
}

/// A scalar as yaml-rust2's loader reads it: quoted and block scalars are strings, plain ones
/// are typed by their text, core-schema tags (`!!int`) force a type.
fn resolve(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Yaml {
    if style != TScalarStyle::Plain {
        return Yaml::String(text.to_string());
    }
    let Some(tag) = tag else {
        return Yaml::from_str(text);
    };
    if tag.handle != "tag:yaml.org,2002:" {
        return Yaml::String(text.to_string());
    }
    match tag.suffix.as_str() {
        "bool" => match text {
            "true" | "True" | "TRUE" => Yaml::Boolean(true),
            "false" | "False" | "FALSE" => Yaml::Boolean(false),
            _ => Yaml::BadValue,
        },
        "int" => text.parse().map_or(Yaml::BadValue, Yaml::Integer),
        "float" => match Yaml::from_str(text) {
            real @ Yaml::Real(_) => real,
            Yaml::Integer(_) => Yaml::Real(text.to_string()),
            _ => Yaml::BadValue,
        },
        "null" => match text {
            "~" | "null" => Yaml::Null,
            _ => Yaml::BadValue,
        },
        _ => Yaml::String(text.to_string()),
    }
}

fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(text.clone()), Value::Number),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        // Scalars only reach here; collections are built from events.
        _ => Value::Null,
    }
}

fn key_text(key: &Yaml) -> String {
    match key {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        _ => "null".into(),
    }
}

/// A key that is a collection (rare, legal YAML), as its JSON text.
fn value_key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// `documents` as a YAML stream, separated by `---`.
pub fn write_documents(documents: &[Value]) -> String {
    let mut out = String::new();
    for (i, doc) in documents.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_node(&mut out, doc, 0);
    }
    out
}

fn write_node(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => write_map(out, map, indent, false),
        Value::Array(items) if !items.is_empty() => write_seq(out, items, indent, false),
        scalar => {
            out.push_str(&" ".repeat(indent));
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

/// A mapping; with `inline_first` its first key continues a `- ` already written.
fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize, inline_first: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if !(inline_first && i == 0) {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&string_text(key));
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                write_map(out, inner, indent + 2, false);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(out, items, indent, false);
            }
            scalar => {
                out.push(' ');
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if !(inline_first && i == 0) {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_map(out, map, indent + 2, true),
            Value::Array(inner) if !inner.is_empty() => write_seq(out, inner, indent + 2, true),
            scalar => {
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_text(s),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

/// A string plain when it reads back as the same string, single-quoted when it would read as
/// something else, double-quoted when it holds line breaks or control characters.
fn string_text(s: &str) -> String {
    if s.chars().any(|c| c.is_control()) {
        return serde_json::to_string(s).unwrap_or_default();
    }
    if is_plain_safe(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s || "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    let lower = s.to_lowercase();
    let special = [
        "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n",
    ];
    if special.contains(&lower.as_str()) {
        return false;
    }
    // Numbers, dates and times read as something other than a string.
    let number = s.replace('_', "");
    let looks_numeric = number.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o")
        || (s.starts_with(|c: char| c.is_ascii_digit()) && super::values::timestamp(s).is_some())
        || (s.contains(':') && s.chars().all(|c| c.is_ascii_digit() || c == ':'));
    !(looks_numeric || lower == ".inf" || lower == ".nan" || lower == "-.inf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_yaml_reads_back_the_same() {
        let doc = serde_json::json!({
            "name": "Planning.SprintPlan.v1",
            "version": "0.0.0",
            "number_like": "1.5",
            "date_like": "2025-11-07",
            "when": "2025-11-07T22:09:07Z",
            "title": "Sprint 1: Phase 1",
            "quote": "don't",
            "multi": "a\nb",
            "empty": "",
            "flag": "yes",
            "n": 4,
            "none": null,
            "list": [{"id": "B1", "tags": ["x", "y"]}, "plain", []],
            "nested": {"deep": {"deeper": [1, 2]}},
        });
        let text = write_documents(&[doc.clone(), serde_json::json!({"second": true})]);
        assert!(text.contains("when: '2025-11-07T22:09:07Z'"), "{text}");
        assert!(text.contains("title: 'Sprint 1: Phase 1'"), "{text}");
        assert!(text.contains("version: 0.0.0\n"), "{text}");
        assert!(text.contains("number_like: '1.5'"), "{text}");
        assert!(text.contains("date_like: '2025-11-07'"), "{text}");
        assert!(text.contains("list:\n- id: B1\n  tags:\n  - x\n"), "{text}");
        let back = parse(&text, "test").unwrap();
        assert_eq!(back, vec![doc, serde_json::json!({"second": true})]);
    }

    #[test]
    fn syntax_errors_say_where() {
        let err = parse("a: [1, 2\nb: c\n", "backlog.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("backlog.yaml is not valid YAML: line"),
            "{err}"
        );
        assert!(err.ends_with("nothing was imported"), "{err}");
    }

    fn problem(text: &str) -> Problem {
        read(text).expect_err("over a bound")
    }

    #[test]
    fn an_alias_bomb_stops_at_the_alias_bound() {
        let mut text = String::from("a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(",");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let p = problem(&text);
        assert!(p.message.contains("alias bomb"), "{p}");
        assert!(p.line > 1 && p.column > 1, "{p}");
    }

    #[test]
    fn one_long_string_repeated_stops_at_the_text_bound() {
        let long = "x".repeat(1024 * 1024);
        let text = format!("a: &a {long}\nb: [{}]\n", vec!["*a"; 20].join(","));
        assert!(problem(&text).message.contains("bytes of text"));
    }

    #[test]
    fn nested_anchors_count_their_kept_copies() {
        // 128 anchors each around the same 10,000 items: a million-node copy without one alias.
        let items = vec!["1"; 10_000].join(",");
        let text = format!("{}[{items}]\n", "[&a ".repeat(120)) + &"]".repeat(120);
        let p = problem(&text);
        assert!(p.message.contains("alias bomb"), "{p}");
    }

    #[test]
    fn deep_block_and_flow_nesting_stop_at_the_depth_bound() {
        let block = format!("missions:\n  {}a\n", "- ".repeat(30_000));
        assert!(problem(&block).message.contains("deeper than 128"));
        let flow = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let p = problem(&flow);
        assert!(p.message.contains("deeper than 128"), "{p}");
        assert_eq!((p.line, p.column), (1, 129));
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(read(&ok).is_ok());
    }

    #[test]
    fn an_alias_that_would_nest_too_deep_is_refused() {
        let inner = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        let text = format!("a: &a {inner}\nb: {}*a{}\n", "[".repeat(50), "]".repeat(50));
        assert!(
            problem(&text)
                .message
                .contains("once this alias is copied in")
        );
    }

    #[test]
    fn honest_aliases_merge_and_tags_read_as_before() {
        let text = "defaults: &d {status: Queued, n: 1}\nm1: *d\nm2: [*d, *d]\n\
                    i: !!int 7\nf: !!float 2\ns: !!str 3\nb: !!bool True\nq: '1'\n\
                    ? [a, b]\n: complex\nself: &s [*s]\n";
        let doc = &read(text).unwrap()[0];
        assert_eq!(doc["m1"], serde_json::json!({"status": "Queued", "n": 1}));
        assert_eq!(doc["m2"][1]["status"], "Queued");
        assert_eq!(doc["i"], 7);
        assert_eq!(doc["f"], 2.0);
        assert_eq!(doc["s"], "3");
        assert_eq!(doc["b"], true);
        assert_eq!(doc["q"], "1");
        assert_eq!(doc["[\"a\",\"b\"]"], "complex");
        assert_eq!(doc["self"], serde_json::json!([null]));
    }

    #[test]
    fn empty_and_multiple_documents_read_as_before() {
        assert_eq!(read("").unwrap(), Vec::<Value>::new());
        assert_eq!(read("---\n").unwrap(), vec![Value::Null]);
        assert_eq!(
            read("a: 1\n---\n- x\n").unwrap(),
            vec![serde_json::json!({"a": 1}), serde_json::json!(["x"])]
        );
    }
}
