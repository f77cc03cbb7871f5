//! `cmos sprint complete ID --retro`: the close-out's report, every archived record listed.

use crate::cli::output::Style;
use crate::model::text::one_line_cut;
use crate::ops::close_out::{CloseOut, Closed};

/// How wide a record's text is in a list line.
const TEXT_WIDTH: usize = 100;

fn list(out: &mut String, title: &str, records: &[Closed]) {
    out.push_str(&format!("{title} ({}):\n", records.len()));
    if records.is_empty() {
        out.push_str("  none\n");
    }
    for r in records {
        out.push_str(&format!(
            "  {} {}: {}\n",
            r.kind,
            r.id,
            one_line_cut(&r.text, TEXT_WIDTH)
        ));
    }
}

pub fn render(c: &CloseOut, style: &Style) -> String {
    let mut out = format!(
        "Completed sprint {} and recorded its retrospective in {}\n",
        style.bold(&c.sprint.id),
        c.retro_file
    );
    let before = c.snapshot.commit.as_deref().unwrap_or("-");
    out.push_str(&format!(
        "Snapshot {} names the branch before the close (commit {}); undo takes the close back.\n\n",
        c.snapshot.id,
        crate::model::text::short_hash(before)
    ));
    list(&mut out, "Archived", &c.archived);
    list(&mut out, "Kept as evergreen", &c.kept_evergreen);
    out.push('\n');
    out.push_str(&c.summary);
    // The summary is text to paste, without a final newline; the terminal needs one.
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
