//! `cmos hook install|uninstall|status`: the shims of `hooks/` written into the repository's
//! hooks directory between marker lines, leaving the rest of each hook file as it was. Only
//! shell hooks are edited: a hook in another language, a compiled one, one that cannot be
//! read as text, or a symbolic link is left byte for byte as it is, and reported with the
//! line that calls cmos from it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::marked::{Cut, Markers};
use super::{Outcome, Workspace};
use crate::error::{Error, Result};

/// The git hooks cmos installs and runs: the one list of their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    PostCommit,
    PostMerge,
    PostCheckout,
    PostRewrite,
    PrePush,
}

impl Hook {
    pub const ALL: [Hook; 5] = [
        Hook::PostCommit,
        Hook::PostMerge,
        Hook::PostCheckout,
        Hook::PostRewrite,
        Hook::PrePush,
    ];

    /// The hook's file name, as git calls it.
    pub fn name(self) -> &'static str {
        match self {
            Hook::PostCommit => "post-commit",
            Hook::PostMerge => "post-merge",
            Hook::PostCheckout => "post-checkout",
            Hook::PostRewrite => "post-rewrite",
            Hook::PrePush => "pre-push",
        }
    }

    /// The shim `install` writes: the file of `hooks/`, built in.
    fn shim(self) -> &'static str {
        match self {
            Hook::PostCommit => include_str!("../../hooks/post-commit"),
            Hook::PostMerge => include_str!("../../hooks/post-merge"),
            Hook::PostCheckout => include_str!("../../hooks/post-checkout"),
            Hook::PostRewrite => include_str!("../../hooks/post-rewrite"),
            Hook::PrePush => include_str!("../../hooks/pre-push"),
        }
    }

    /// Whether git gives the hook data on stdin that cmos reads (post-rewrite's pairs of
    /// commits). Others' stdin is left unread: it may be the terminal of the git command.
    pub fn reads_input(self) -> bool {
        self == Hook::PostRewrite
    }

    /// The hook named `name`; the error lists the ones cmos handles.
    pub fn named(name: &str) -> Result<Hook> {
        Hook::ALL
            .into_iter()
            .find(|h| h.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Hook::ALL.iter().map(|h| h.name()).collect();
                Error::InvalidInput(format!(
                    "unknown hook {name:?}: cmos handles {}",
                    names.join(", ")
                ))
            })
    }
}

/// The marker lines of the cmos block in a hook (the shims of `hooks/` start and end with them).
const MARKERS: Markers = Markers {
    begin: "# >>> cmos >>>",
    end: "# <<< cmos <<<",
};

#[derive(Debug, Serialize)]
pub struct HookState {
    pub name: String,
    pub path: String,
    /// The cmos block is in the file.
    pub installed: bool,
    /// The file holds more than the cmos block (the user's own hook).
    pub has_other_content: bool,
    pub executable: bool,
    /// Why cmos leaves this hook as it is (not a shell script, a symbolic link, not text),
    /// when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// What to add to the user's hook so that it calls cmos, when cmos cannot add it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Hooks {
    /// Where git runs hooks from (`core.hooksPath` when set).
    pub directory: String,
    pub hooks: Vec<HookState>,
}

/// The largest hook file cmos edits; a shell hook is a few kilobytes.
const MAX_HOOK_BYTES: u64 = 1 << 20;

/// Interpreters whose language the shims are written in (POSIX sh): a hook run by one of
/// these can take the cmos block. fish, Python, Perl, Node and the rest cannot.
const SHELLS: [&str; 7] = ["sh", "bash", "dash", "ash", "ksh", "mksh", "zsh"];

/// What a hook file is, as far as cmos may touch it.
enum Found {
    /// No file: cmos writes its own shell hook.
    Missing,
    /// A shell hook (or text with no `#!` line, which git runs with /bin/sh): editable.
    Shell(String),
    /// Anything else, with why cmos leaves it alone and how to call cmos from it.
    Refused { why: String, chain: String },
}

/// The hooks directory git uses for this repository, `core.hooksPath` included.
fn hooks_dir(ws: &Workspace) -> Result<PathBuf> {
    ws.store().hooks_dir()
}

/// Which hooks have the cmos block; a hook cmos leaves alone comes with a warning saying
/// why and how to call cmos from it.
pub fn status(ws: &Workspace) -> Result<Outcome<Hooks>> {
    let dir = hooks_dir(ws)?;
    let hooks: Vec<HookState> = Hook::ALL.iter().map(|h| state(&dir, h.name())).collect();
    let refused: Vec<String> = hooks
        .iter()
        .filter_map(|h| {
            let why = h.refused.as_ref()?;
            let chain = h.chain.as_deref().unwrap_or_default();
            Some(format!(
                "{} left as it is: {why}; to call cmos from it, have it run: {chain}",
                h.path
            ))
        })
        .collect();
    let hooks = Hooks {
        directory: dir.display().to_string(),
        hooks,
    };
    Ok(refused
        .into_iter()
        .fold(Outcome::about(hooks, ws), |outcome, w| outcome.warn(w)))
}

fn state(dir: &Path, name: &str) -> HookState {
    let path = dir.join(name);
    let mut hook = HookState {
        name: name.to_string(),
        path: path.display().to_string(),
        installed: false,
        has_other_content: false,
        executable: is_executable(&path),
        refused: None,
        chain: None,
    };
    match inspect(&path, name) {
        Found::Missing => {}
        Found::Shell(text) => {
            let cut = MARKERS.cut(&text);
            hook.installed = cut.found;
            hook.has_other_content = cut
                .rest()
                .lines()
                .any(|l| !l.trim().is_empty() && !l.starts_with("#!"));
        }
        Found::Refused { why, chain } => {
            hook.has_other_content = true;
            hook.refused = Some(why);
            hook.chain = Some(chain);
        }
    }
    hook
}

/// Looks at a hook file without following a symbolic link or trusting its bytes.
fn inspect(path: &Path, name: &str) -> Found {
    let shell_chain = format!("cmos hook run {name} \"$@\" >/dev/null 2>&1 || true");
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Found::Missing,
        Err(e) => {
            return Found::Refused {
                why: format!("it cannot be read ({e})"),
                chain: shell_chain,
            };
        }
    };
    // A linked hook is someone else's to manage (a hook manager, a directory of hooks the
    // team commits, a file outside the repository): editing its target would change what
    // they share, and replacing the link would cut it off. So cmos leaves it alone.
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        return Found::Refused {
            why: format!(
                "it is a symbolic link (to {target}); cmos edits neither the link nor what it points to"
            ),
            chain: shell_chain,
        };
    }
    if !meta.is_file() {
        return Found::Refused {
            why: "it is not a regular file".into(),
            chain: shell_chain,
        };
    }
    if meta.len() > MAX_HOOK_BYTES {
        return Found::Refused {
            why: format!("it is {} bytes, too large for a shell hook", meta.len()),
            chain: shell_chain,
        };
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return Found::Refused {
                why: format!("it cannot be read ({e})"),
                chain: shell_chain,
            };
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Found::Refused {
            why: "it is not text (a compiled program?)".into(),
            chain: format!("cmos hook run {name} <the hook's arguments>, ignoring its exit status"),
        };
    };
    match interpreter(&text) {
        Some(program) if program.is_empty() => Found::Refused {
            why: "its #! line names no interpreter".into(),
            chain: shell_chain,
        },
        Some(program) if !SHELLS.contains(&program.as_str()) => {
            let chain = if program.starts_with("python") {
                format!(
                    "subprocess.call([\"cmos\", \"hook\", \"run\", \"{name}\", *sys.argv[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)"
                )
            } else {
                format!("cmos hook run {name} <the hook's arguments>, ignoring its exit status")
            };
            Found::Refused {
                why: format!("it is a {program} script, and cmos edits only shell hooks"),
                chain,
            }
        }
        _ => Found::Shell(text),
    }
}

/// The program a `#!` line names (the one `env` runs, if it is env), by its file name; None
/// without a `#!` line.
fn interpreter(text: &str) -> Option<String> {
    let line = text.lines().next()?.strip_prefix("#!")?;
    let mut words = line.split_whitespace();
    let mut program = words.next().unwrap_or_default();
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    if base(program) == "env" {
        program = words.find(|w| !w.starts_with('-')).unwrap_or_default();
    }
    Some(base(program))
}

/// Writes (or refreshes) the cmos block of every shell hook; idempotent. A hook that is not
/// a shell script, not text, unreadable or a symbolic link is left exactly as it is and
/// reported with how to call cmos from it; the others are installed all the same.
pub fn install(ws: &Workspace) -> Result<Outcome<Hooks>> {
    let dir = hooks_dir(ws)?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    for hook in Hook::ALL {
        let path = dir.join(hook.name());
        let text = match inspect(&path, hook.name()) {
            Found::Missing => String::new(),
            Found::Shell(text) => text,
            Found::Refused { .. } => continue,
        };
        let Cut { before, after, .. } = MARKERS.cut(&text);
        let mut new = if before.trim().is_empty() && after.trim().is_empty() {
            "#!/bin/sh\n".to_string()
        } else if before.is_empty() && !after.starts_with("#!") {
            format!("#!/bin/sh\n{after}")
        } else {
            format!("{before}{after}")
        };
        if !new.ends_with('\n') {
            new.push('\n');
        }
        new.push_str(hook.shim());
        write_hook(&path, &new)?;
    }
    status(ws)
}

/// Takes the cmos block out of every shell hook that has it; a file left with nothing else
/// is removed. What install refuses to edit, uninstall leaves alone too.
pub fn uninstall(ws: &Workspace) -> Result<Outcome<Hooks>> {
    let dir = hooks_dir(ws)?;
    for hook in Hook::ALL {
        let path = dir.join(hook.name());
        let Found::Shell(text) = inspect(&path, hook.name()) else {
            continue;
        };
        let cut = MARKERS.cut(&text);
        if !cut.found {
            continue;
        }
        let rest = cut.rest();
        let only_shebang = rest
            .lines()
            .all(|l| l.trim().is_empty() || l.starts_with("#!"));
        if only_shebang {
            std::fs::remove_file(&path)
                .map_err(|e| Error::io(format!("cannot remove {}", path.display()), e))?;
        } else {
            write_hook(&path, &rest)?;
        }
    }
    status(ws)
}

fn write_hook(path: &Path, text: &str) -> Result<()> {
    crate::store::replace_file(path, text.as_bytes())?;
    set_executable(path)
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?
        .permissions();
    permissions.set_mode(permissions.mode() | 0o755);
    std::fs::set_permissions(path, permissions)
        .map_err(|e| Error::io(format!("cannot make {} executable", path.display()), e))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shim_is_one_block_between_the_markers() {
        for hook in Hook::ALL {
            let cut = MARKERS.cut(hook.shim());
            assert!(cut.found, "{}", hook.name());
            assert_eq!(
                cut.rest(),
                "",
                "{}: nothing outside the markers",
                hook.name()
            );
            assert_eq!(Hook::named(hook.name()).unwrap(), hook);
        }
        let err = Hook::named("pre-commit").unwrap_err().to_string();
        assert!(err.contains("post-commit, post-merge"), "{err}");
    }

    #[test]
    fn the_interpreter_comes_from_the_shebang_and_env() {
        let of = |text: &str| interpreter(text);
        assert_eq!(of("#!/bin/sh\n").as_deref(), Some("sh"));
        assert_eq!(of("#! /bin/bash -e\n").as_deref(), Some("bash"));
        assert_eq!(of("#!/usr/bin/env python3\n").as_deref(), Some("python3"));
        assert_eq!(of("#!/usr/bin/env -S zsh -f\n").as_deref(), Some("zsh"));
        assert_eq!(of("#!/usr/bin/env\n").as_deref(), Some(""));
        assert_eq!(of("echo no shebang\n"), None);
    }
}
