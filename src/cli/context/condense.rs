//! `cmos context condense`: the condensation's before/after report as text.

use crate::cli::output::{Style, table};
use crate::model::text::one_line_cut;
use crate::ops::condense::Condensation;

pub fn render(c: &Condensation, style: &Style) -> String {
    let verb = match (c.dry_run, c.changed) {
        (true, _) => "would be",
        (false, true) => "was",
        (false, false) => "needed nothing; it is",
    };
    let mut out = format!(
        "Context {verb} condensed: {} → {} tokens (target {}, {})\n",
        c.before_tokens,
        c.after_tokens,
        c.target_tokens,
        if c.target_met { "met" } else { "not met" }
    );
    if !c.phases.is_empty() {
        out.push('\n');
        let mut rows = vec![
            ["SECTION", "BEFORE", "AFTER", "ACTION"]
                .map(String::from)
                .to_vec(),
        ];
        for p in &c.phases {
            rows.push(vec![
                p.section.to_string(),
                p.tokens_before.to_string(),
                p.tokens_after.to_string(),
                p.action.clone(),
            ]);
        }
        out.push_str(&table(
            &rows,
            |r, _, cell| {
                if r == 0 { style.dim(&cell) } else { cell }
            },
        ));
    }
    if !c.closed.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            style.bold(if c.dry_run {
                "Next steps that would be closed"
            } else {
                "Next steps closed"
            })
        ));
        for step in &c.closed {
            out.push_str(&format!(
                "- {} ({}): {}\n",
                step.id,
                step.mission,
                one_line_cut(&step.text, 100)
            ));
        }
    }
    if c.dry_run && c.changed {
        out.push_str("\nNothing was written (dry run).\n");
    }
    out
}
