//! Checks on free text before it is stored: names stay one line, long texts stay bounded.

use crate::error::{Error, Result};

/// Longest name or title, in characters.
pub const MAX_NAME_LEN: usize = 200;
/// Longest free text (objective, context, notes, reasons), in bytes.
pub const MAX_TEXT_LEN: usize = 64 * 1024;

/// A required one-line name: trimmed, not empty, no control characters, bounded.
pub fn clean_name(field: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::InvalidInput(format!(
            "the {field} must not be empty"
        )));
    }
    if text.chars().any(char::is_control) {
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
/// characters other than newlines and tabs.
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
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::InvalidInput(format!(
            "the {field} contains control characters; remove them"
        )));
    }
    Ok(Some(text.replace("\r\n", "\n")))
}

/// A list of one-line items (success criteria, deliverables, needs); empty items are dropped.
pub fn clean_items(field: &str, items: &[String]) -> Result<Vec<String>> {
    items
        .iter()
        .filter(|i| !i.trim().is_empty())
        .map(|i| clean_text(field, Some(i)).map(|t| t.unwrap_or_default()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_bounded_line() {
        assert_eq!(clean_name("name", "  Ship it ").unwrap(), "Ship it");
        assert!(clean_name("name", " ").is_err());
        assert!(clean_name("name", "a\nb").is_err());
        assert!(clean_name("name", &"x".repeat(201)).is_err());
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
}
