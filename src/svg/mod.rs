//! Standalone SVG documents of the board's views: a sprint's burndown and a dependency
//! graph. Each is one string with its size, view box and an inline `<style>`, so a file
//! written from it opens on its own (a CI artifact, a pull request) and the live board can
//! inline it. Every text from the branch is escaped; nothing here reads or writes files.

mod burndown;
mod graph;

pub use burndown::burndown;
pub use graph::graph;

use crate::model::Status;

/// `text` safe inside an SVG element or a quoted attribute: markup characters become
/// entities and characters XML 1.0 forbids (controls a hostile branch may hold) become
/// U+FFFD, so the document always parses.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{fffe}' | '\u{ffff}') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The class a status gives a node: `status-in-progress`.
pub fn status_class(status: Status) -> String {
    format!(
        "status-{}",
        status.as_str().to_lowercase().replace(' ', "-")
    )
}

/// An SVG document of `width` × `height` pixels holding `style` and `body`.
fn document(width: u32, height: u32, title: &str, style: &str, body: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\">\n<title>{}</title>\n<style>\n{style}</style>\n{body}</svg>\n",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup_and_no_forbidden_character() {
        assert_eq!(
            escape("<script>&\"'\u{1b}[2J"),
            "&lt;script&gt;&amp;&quot;&#39;\u{fffd}[2J"
        );
        assert_eq!(status_class(Status::InProgress), "status-in-progress");
    }
}
