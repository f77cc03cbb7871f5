//! Text a command reads beyond its arguments: standard input for `-`, and the user's editor
//! for edit commands (`context notes edit`, and later any record's long text).

use std::io::Read;

use crate::error::{Error, Result};
use crate::ops::Workspace;
use crate::ops::session::MAX_CAPTURE_LEN;

/// The text argument, or standard input when it is `-` (no shell quoting needed).
pub fn text_or_stdin(text: String) -> Result<String> {
    if text != "-" {
        return Ok(text);
    }
    let mut bytes = Vec::new();
    // One byte past the limit is enough to say it is too long, without reading it all.
    std::io::stdin()
        .take(MAX_CAPTURE_LEN as u64 * 4 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read standard input", e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::InvalidInput(format!(
            "standard input is not valid UTF-8 (byte {}); send text",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Something to edit: its text, and how to talk about it.
pub struct Editable<'a> {
    /// The file the editor opens, e.g. `NOTES_EDITMSG.md` (its extension picks the syntax).
    pub file_name: &'a str,
    /// What it is, for messages, as a plural noun: "notes".
    pub what: &'a str,
    /// The command that does the same without an editor, for when there is none.
    pub instead: &'a str,
    pub text: &'a str,
}

/// Opens `item` in the user's editor ($VISUAL, else $EDITOR) and returns what they saved.
/// The file lives in this worktree's cmos directory, never in the working tree, and is
/// removed afterwards; when the editor fails nothing is returned, so nothing changes.
pub fn edit(ws: &Workspace, item: &Editable<'_>) -> Result<String> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "no editor: set $VISUAL or $EDITOR, or use `{}`",
                item.instead
            ))
        })?;
    let name = item.file_name;
    let root = crate::safe_fs::Root::create(ws.store().local_dir())?;
    let path = root.write(name, item.text.as_bytes())?;
    // As git does: the editor setting is a shell command, the file its last argument.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(&path)
        .status()
        .map_err(|e| Error::io(format!("cannot run the editor {editor:?}"), e))?;
    if !status.success() {
        let _ = root.remove_file(name);
        return Err(Error::Refused(format!(
            "the editor {editor:?} failed ({status}); the {} are unchanged",
            item.what
        )));
    }
    let bytes = std::fs::read(&path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let _ = root.remove_file(name);
    String::from_utf8(bytes)
        .map_err(|_| Error::InvalidInput(format!("the edited {} are not valid UTF-8", item.what)))
}
