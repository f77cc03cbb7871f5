//! Text a command reads beyond its arguments: standard input for `-`, and the user's editor
//! for edit commands (`context notes edit`, and later any record's long text).

use std::io::Read;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::ops::Workspace;
use crate::ops::session::MAX_CAPTURE_LEN;
use crate::safe_fs::Root;

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
    // Far above what the notes may hold (their own limit refuses it with its reason), so a
    // runaway file is never read whole.
    let edited = edit_file(ws, item, None, None, 1 << 20)?;
    let text = edited.text.clone();
    edited.discard();
    Ok(text)
}

/// A file the user edited and saved, still on disk: a command that cannot apply it keeps it
/// and says where, so the edit is not lost; one that applied it (or ignored it) discards it.
pub struct EditedFile {
    pub text: String,
    pub path: PathBuf,
    root: Root,
    name: String,
}

impl EditedFile {
    pub fn discard(self) {
        let _ = self.root.remove_file(&self.name);
    }
}

/// Opens `item` in `editor` (else $VISUAL, else $EDITOR, else `fallback`) and returns the
/// saved file, kept on disk. Reads at most `max_bytes`: a longer file is refused (and kept).
/// When the editor fails the file is removed and nothing is returned.
pub fn edit_file(
    ws: &Workspace,
    item: &Editable<'_>,
    editor: Option<&str>,
    fallback: Option<&str>,
    max_bytes: usize,
) -> Result<EditedFile> {
    let editor = editor
        .map(str::to_string)
        .or_else(|| {
            ["VISUAL", "EDITOR"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        })
        .or_else(|| fallback.map(str::to_string))
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "no editor: set $VISUAL or $EDITOR, or use `{}`",
                item.instead
            ))
        })?;
    let name = item.file_name.to_string();
    let root = Root::create(ws.store().local_dir())?;
    let path = root.write(&name, item.text.as_bytes())?;
    // As git does: the editor setting is a shell command, the file its last argument.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(&path)
        .status()
        .map_err(|e| Error::io(format!("cannot run the editor {editor:?}"), e));
    let failed = match status {
        Ok(status) if status.success() => None,
        Ok(status) => Some(status.to_string()),
        Err(e) => Some(e.to_string()),
    };
    if let Some(why) = failed {
        let _ = root.remove_file(&name);
        return Err(Error::Refused(format!(
            "the editor {editor:?} failed ({why}); the {} are unchanged",
            item.what
        )));
    }
    let edited = EditedFile {
        text: String::new(),
        path,
        root,
        name,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(&edited.path)
        .and_then(|f| {
            f.take((max_bytes as u64).saturating_add(1))
                .read_to_end(&mut bytes)
        })
        .map_err(|e| Error::io(format!("cannot read {}", edited.path.display()), e))?;
    if bytes.len() > max_bytes {
        return Err(Error::InvalidInput(format!(
            "the edited {} are larger than {max_bytes} bytes; your file is kept in {}",
            item.what,
            edited.path.display()
        )));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(EditedFile { text, ..edited }),
        Err(_) => Err(Error::InvalidInput(format!(
            "the edited {} are not valid UTF-8; your file is kept in {}",
            item.what,
            edited.path.display()
        ))),
    }
}
