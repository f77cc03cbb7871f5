//! `cmos kb index|search|validate`: full-text search over the project's documents and records.

use clap::Subcommand;

use super::command_context::CommandContext;
use super::output::Style;
use crate::error::Result;
use crate::kb::Source;
use crate::ops::kb::{self as ops, KbHit, Validated};

// `cmos kb`: its help is on `cli::Command::Kb`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum KbCommand {
    /// Index the documents (README and docs markdown by default; or these paths or globs).
    Index { paths: Vec<String> },
    /// Whether the index is current: the files that are new, changed or gone since it was
    /// built (nothing is re-indexed; `kb index` does that).
    Validate,
    /// Find documents and records by words, best first (BM25).
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Only this kind: doc, mission, session, decision, fact, learning, constraint, next-step.
        #[arg(long)]
        kind: Option<String>,
    },
}

pub fn run(ctx: &CommandContext, cmd: KbCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    match cmd {
        KbCommand::Index { paths } => {
            let outcome = ops::index(ws, &paths)?;
            printer.outcome(&outcome, |i, _| {
                format!(
                    "Indexed {} file(s), {} section(s) ({} read again) in {} ms: {}\n",
                    i.files,
                    i.sections,
                    i.read,
                    i.milliseconds,
                    i.globs.join(", ")
                )
            });
        }
        KbCommand::Validate => {
            let outcome = ops::validate(ws)?;
            printer.outcome(&outcome, |v, _| render_validated(v));
        }
        KbCommand::Search { query, limit, kind } => {
            let outcome = ops::search(ws, &query.join(" "), limit, kind.as_deref())?;
            printer.outcome(&outcome, |hits, st| render(hits, st));
        }
    }
    Ok(())
}

fn render_validated(v: &Validated) -> String {
    if v.current {
        return format!(
            "The index is current: {} file(s) from {}\n",
            v.files,
            v.globs.join(", ")
        );
    }
    let mut out = match &v.reason {
        Some(reason) => format!("The index is stale: {reason}\n"),
        None => "The index is stale:\n".to_string(),
    };
    for (what, files) in [
        ("new", &v.new),
        ("changed", &v.changed),
        ("gone", &v.removed),
    ] {
        for file in files {
            out.push_str(&format!("  {what:<8} {file}\n"));
        }
    }
    out.push_str("Run `cmos kb index` to bring it up to date.\n");
    out
}

fn render(hits: &[KbHit], style: &Style) -> String {
    if hits.is_empty() {
        return "Nothing found.\n".into();
    }
    let mut out = String::new();
    for hit in hits {
        let place = match &hit.source {
            Source::File {
                path,
                first_line,
                last_line,
            } => format!("{path}:{first_line}-{last_line}"),
            Source::Record { kind, id } => format!("{kind} {id}"),
        };
        // Matched words come marked `**word**`; on a terminal they are shown bold instead.
        let snippet = if style.color {
            hit.snippet
                .split("**")
                .enumerate()
                .map(|(i, part)| {
                    if i % 2 == 1 {
                        style.bold(part)
                    } else {
                        part.to_string()
                    }
                })
                .collect()
        } else {
            hit.snippet.clone()
        };
        out.push_str(&format!(
            "{}  {}\n    {}\n",
            style.bold(&place),
            hit.title,
            snippet
        ));
    }
    out
}
