//! Rules for free text: what a stored name or text may hold (the CLI, the importers and
//! `verify` apply the same checks), and how any text is shown on a terminal safely.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// Longest name or title, in characters.
pub const MAX_NAME_LEN: usize = 200;
/// Longest free text (objective, context, notes, reasons), in bytes.
pub const MAX_TEXT_LEN: usize = 64 * 1024;

/// A character a terminal may obey rather than show: the C0 controls (ESC among them), DEL,
/// the C1 controls (U+0080 to U+009F; some terminals read U+009B as ESC `[`), and the
/// bidirectional overrides and isolates (U+202A to U+202E, U+2066 to U+2069), which reorder
/// what a line displays.
pub fn is_terminal_control(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// What is wrong with `text` as a name or title, if anything: empty, more than one line,
/// control or bidirectional-override characters, or too long. `text` is taken as stored (not
/// trimmed), so `verify` reads a branch's names by the rule the CLI writes them with.
pub fn name_problem(text: &str) -> Option<String> {
    // Most names are printable ASCII of a sane length: no rule can object to them.
    let plain = text.len() <= MAX_NAME_LEN && text.bytes().all(|b| matches!(b, 0x20..=0x7e));
    if plain && text.bytes().any(|b| b != b' ') {
        return None;
    }
    name_problem_char_by_char(text)
}

/// `name_problem`, each rule applied to each character.
fn name_problem_char_by_char(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some("it is empty".into());
    }
    if let Some(c) = text.chars().find(|&c| is_terminal_control(c)) {
        return Some(format!(
            "it contains the character {}; a name is one line without control characters",
            escape_line(c.encode_utf8(&mut [0; 4]))
        ));
    }
    let length = text.chars().count();
    if length > MAX_NAME_LEN {
        return Some(format!(
            "it is {length} characters long; the limit is {MAX_NAME_LEN}"
        ));
    }
    None
}

/// What is wrong with `text` as free text (objective, notes, a reason), if anything: control
/// characters other than newlines and tabs, or more than `MAX_TEXT_LEN` bytes.
pub fn text_problem(text: &str) -> Option<String> {
    // Most text is printable ASCII, newlines and tabs: judged a byte at a time, it passes
    // (decoded and judged a character at a time, a record's texts took 1,400 instructions
    // each time `verify` read one).
    let plain = text.len() <= MAX_TEXT_LEN
        && (text.bytes()).all(|b| matches!(b, 0x20..=0x7e | b'\n' | b'\t'));
    if plain {
        return None;
    }
    text_problem_char_by_char(text)
}

/// `text_problem`, each rule applied to each character.
fn text_problem_char_by_char(text: &str) -> Option<String> {
    if text.len() > MAX_TEXT_LEN {
        return Some(format!(
            "it is {} bytes; the limit is {MAX_TEXT_LEN} bytes",
            text.len()
        ));
    }
    // A carriage return before a newline is what a Windows editor writes; `clean_text` turns
    // it into a newline, and alone it would move a terminal's cursor back over the line.
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = c == '\n' || c == '\t' || (c == '\r' && chars.peek() == Some(&'\n'));
        if c.is_control() && !allowed {
            return Some(format!(
                "it contains the control character {}; only newlines and tabs are kept",
                escape_line(c.encode_utf8(&mut [0; 4]))
            ));
        }
    }
    None
}

/// A required one-line name: trimmed, not empty, no control characters, bounded.
pub fn clean_name(field: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::InvalidInput(format!(
            "the {field} must not be empty"
        )));
    }
    if text.chars().any(is_terminal_control) {
        return Err(Error::InvalidInput(format!(
            "the {field} must be one line without control characters"
        )));
    }
    if text.chars().count() > MAX_NAME_LEN {
        return Err(Error::InvalidInput(format!(
            "the {field} is longer than {MAX_NAME_LEN} characters; put the detail in the objective or notes"
        )));
    }
    Ok(text.to_string())
}

/// Optional free text: trimmed at the ends, empty means absent, bounded, and free of control
/// characters other than newlines and tabs (Windows and old Mac line ends become newlines).
pub fn clean_text(field: &str, text: Option<&str>) -> Result<Option<String>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.len() > MAX_TEXT_LEN {
        return Err(Error::InvalidInput(format!(
            "the {field} is {} bytes; the limit is {MAX_TEXT_LEN} bytes",
            text.len()
        )));
    }
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text_problem(&text).is_some() {
        return Err(Error::InvalidInput(format!(
            "the {field} contains control characters; remove them"
        )));
    }
    Ok(Some(text))
}

/// `text` made safe for a terminal on one line: every character `is_terminal_control` names
/// is written as a visible escape instead: `\e` for ESC, `\n`, `\r` and `\t`, and
/// `\u{..}` (hex) for the rest, so ESC `[2J` (clear the screen) prints as `\e[2J`. Backslashes are not
/// doubled: the result is for reading, not for parsing back.
pub fn escape_line(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// `text` made safe for a terminal, keeping its newlines and tabs (notes, descriptions); every
/// other terminal control is escaped as `escape_line` does.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, multiline: bool) -> Cow<'_, str> {
    let keep = |c: char| multiline && (c == '\n' || c == '\t');
    if !holds_control(text.as_bytes(), multiline) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            c if !is_terminal_control(c) || keep(c) => out.push(c),
            '\u{1b}' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// Whether `bytes` (UTF-8) hold a terminal control, `\n` and `\t` allowed when `multiline`.
/// Every byte of human output passes here, so it looks at bytes, not chars: C0 and DEL are
/// single bytes, C1 controls are 0xC2 0x80..=0x9F, the bidi controls 0xE2 0x80 0xAA..=0xAE
/// and 0xE2 0x81 0xA6..=0xA9.
fn holds_control(bytes: &[u8], multiline: bool) -> bool {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\n' | b'\t' => !multiline,
        0x00..=0x1f | 0x7f => true,
        0xc2 => (0x80..=0x9f).contains(&at(i + 1)),
        0xe2 => matches!(
            (at(i + 1), at(i + 2)),
            (0x80, 0xaa..=0xae) | (0x81, 0xa6..=0xa9)
        ),
        _ => false,
    })
}

/// `text` on one line: every run of whitespace, newlines among them, becomes one space (commit
/// trailers, reflog messages, context lines).
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `one_line(text)` cut to at most `max` characters, the last of them `…` when it was cut.
pub fn one_line_cut(text: &str, max: usize) -> String {
    cut(one_line(text), max, false)
}

/// The first line of `text` (all of it when it has one line).
pub fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The first line of `text` cut to at most `max` characters, ending in `…` when anything was
/// left out: the rest of the line or the lines after it (a table cell, a title).
pub fn first_line_cut(text: &str, max: usize) -> String {
    cut(first_line(text).to_string(), max, text.contains('\n'))
}

fn cut(line: String, max: usize, more: bool) -> String {
    if !more && line.chars().count() <= max {
        return line;
    }
    let kept: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// How many hex digits of a commit hash people are shown: as many as `git log --oneline`
/// shows in a large repository, unambiguous in practice.
pub const SHORT_HASH_LEN: usize = 12;

/// The short form of a commit hash (its first `SHORT_HASH_LEN` characters; all of a shorter one).
pub fn short_hash(hash: &str) -> &str {
    first_chars(hash, SHORT_HASH_LEN)
}

/// The first `n` characters of `text` (all of it when shorter), cut on a character boundary:
/// text read from a branch may hold anything, and slicing it by bytes can panic.
pub fn first_chars(text: &str, n: usize) -> &str {
    match text.char_indices().nth(n) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The last `n` characters of `text` (all of it when shorter), cut on a character boundary.
pub fn last_chars(text: &str, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    match text.char_indices().rev().nth(n - 1) {
        Some((at, _)) => &text[at..],
        None => text,
    }
}

/// A list of one-line items (success criteria, deliverables, needs); empty items are dropped.
pub fn clean_items(field: &str, items: &[String]) -> Result<Vec<String>> {
    items
        .iter()
        .filter(|i| !i.trim().is_empty())
        .map(|i| clean_text(field, Some(i)).map(|t| t.unwrap_or_default()))
        .collect()
}

/// Every string of up to `longest` pieces of `alphabet`, the empty one first: what tests of a
/// rule's fast path compare against the rule itself.
#[cfg(test)]
pub(crate) fn every_string(alphabet: &[&str], longest: usize) -> Vec<String> {
    let mut strings = vec![String::new()];
    let mut last = strings.clone();
    for _ in 0..longest {
        last = (last.iter())
            .flat_map(|s| alphabet.iter().map(move |piece| format!("{s}{piece}")))
            .collect();
        strings.extend(last.iter().cloned());
    }
    strings
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time pass agrees with the rules applied character by character, on
    /// every string of up to three characters from an alphabet that reaches each rule, and
    /// around each length limit.
    #[test]
    fn plain_text_passes_exactly_where_the_rules_one_by_one_pass() {
        let alphabet = [
            " ", "a", "~", "\n", "\t", "\r", "\u{7f}", "\u{1b}", "é", "\u{85}", "\u{202e}",
        ];
        let mut texts = every_string(&alphabet, 3);
        for n in [MAX_NAME_LEN - 1, MAX_NAME_LEN, MAX_NAME_LEN + 1] {
            texts.push("a".repeat(n));
            texts.push(" ".repeat(n));
            texts.push(format!("{}é", "a".repeat(n - 1)));
        }
        for n in [MAX_TEXT_LEN, MAX_TEXT_LEN + 1] {
            texts.push("b".repeat(n));
        }
        for text in &texts {
            assert_eq!(
                name_problem(text),
                name_problem_char_by_char(text),
                "{text:?}"
            );
            assert_eq!(
                text_problem(text),
                text_problem_char_by_char(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn the_byte_scan_agrees_with_the_char_rule() {
        let samples = [
            "plain",
            "tab\there",
            "line\nbreak",
            "esc\u{1b}[2J",
            "del\u{7f}",
            "c1\u{9b}x",
            "dot·ok",
            "dash—ok",
            "ellipsis…",
            "rlo\u{202e}x",
            "lri\u{2066}x",
            "pdi\u{2069}",
            "lrm\u{200e}",
            "nel\u{85}",
            "é",
            "\u{a0}nbsp",
            "\u{2028}ls",
        ];
        for text in samples {
            for multiline in [false, true] {
                let by_chars = text
                    .chars()
                    .any(|c| is_terminal_control(c) && !(multiline && (c == '\n' || c == '\t')));
                assert_eq!(
                    holds_control(text.as_bytes(), multiline),
                    by_chars,
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn lines_and_hashes_are_cut_on_characters() {
        assert_eq!(one_line(" a\n b\t c "), "a b c");
        assert_eq!(one_line_cut("abcdef", 4), "abc…");
        assert_eq!(one_line_cut("abc", 3), "abc");
        assert_eq!(first_line("one\ntwo"), "one");
        assert_eq!(first_line_cut("one\ntwo", 10), "one…");
        assert_eq!(first_line_cut("éééé", 3), "éé…");
        assert_eq!(short_hash("d34e021929cf0123"), "d34e021929cf");
        assert_eq!(short_hash("abc"), "abc");
        assert_eq!(first_chars("ééé", 2), "éé");
        assert_eq!(last_chars("abcdé", 2), "dé");
        assert_eq!(last_chars("é", 8), "é");
        assert_eq!(last_chars("abc", 0), "");
    }

    #[test]
    fn names_are_one_bounded_line() {
        assert_eq!(clean_name("name", "  Ship it ").unwrap(), "Ship it");
        assert!(clean_name("name", " ").is_err());
        assert!(clean_name("name", "a\nb").is_err());
        assert!(clean_name("name", &"x".repeat(201)).is_err());
        assert!(clean_name("name", "rtl\u{202e}txt").is_err());
    }

    #[test]
    fn texts_keep_newlines_and_refuse_the_huge() {
        assert_eq!(
            clean_text("notes", Some("a\r\nb")).unwrap().unwrap(),
            "a\nb"
        );
        assert_eq!(clean_text("notes", Some("  ")).unwrap(), None);
        assert!(clean_text("notes", Some(&"x".repeat(MAX_TEXT_LEN + 1))).is_err());
        assert!(clean_text("notes", Some("bell\u{7}")).is_err());
    }

    #[test]
    fn terminal_controls_are_escaped_visibly() {
        let hostile = "fix\u{1b}]0;owned\u{7}\u{1b}[2J\rB9\u{9b}2J\u{202e}cba\u{7f}";
        let line = escape_line(hostile);
        assert_eq!(
            line,
            "fix\\e]0;owned\\u{7}\\e[2J\\rB9\\u{9b}2J\\u{202e}cba\\u{7f}"
        );
        assert!(!line.chars().any(is_terminal_control));
        assert_eq!(escape_line("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(escape_text("a\nb\tc\u{1b}"), "a\nb\tc\\e");
        assert!(matches!(escape_text("plain, ünïcode\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn stored_names_and_texts_are_judged_by_the_input_rules() {
        assert_eq!(name_problem("Ship it"), None);
        assert!(name_problem("fix\u{1b}[2J").unwrap().contains("\\e"));
        assert!(name_problem("a\u{2066}b").is_some());
        assert!(name_problem("two\nlines").is_some());
        assert!(name_problem(&"x".repeat(MAX_NAME_LEN + 1)).is_some());
        assert!(name_problem(" ").is_some());
        assert_eq!(text_problem("line\r\nnext\ttab"), None);
        assert!(text_problem("back\rover").is_some());
        assert!(text_problem("\u{9b}").is_some());
        assert_eq!(
            clean_text("notes", Some("old\rmac")).unwrap().unwrap(),
            "old\nmac"
        );
    }
}
