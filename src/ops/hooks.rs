//! `cmos hook install|uninstall|status`: the shims of `hooks/` written into the repository's
//! hooks directory between marker lines, leaving the rest of each hook file as it was.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Workspace;
use crate::error::{Error, Result};

/// The hooks cmos installs, with their shims (the files of `hooks/`, built in).
pub const HOOKS: [(&str, &str); 5] = [
    ("post-commit", include_str!("../../hooks/post-commit")),
    ("post-merge", include_str!("../../hooks/post-merge")),
    ("post-checkout", include_str!("../../hooks/post-checkout")),
    ("post-rewrite", include_str!("../../hooks/post-rewrite")),
    ("pre-push", include_str!("../../hooks/pre-push")),
];

const BEGIN: &str = "# >>> cmos >>>";
const END: &str = "# <<< cmos <<<";

#[derive(Debug, Serialize)]
pub struct HookState {
    pub name: String,
    pub path: String,
    /// The cmos block is in the file.
    pub installed: bool,
    /// The file holds more than the cmos block (the user's own hook).
    pub has_other_content: bool,
    pub executable: bool,
}

#[derive(Debug, Serialize)]
pub struct Hooks {
    /// Where git runs hooks from (`core.hooksPath` when set).
    pub directory: String,
    pub hooks: Vec<HookState>,
}

/// The hooks directory git uses for this repository, `core.hooksPath` included.
fn hooks_dir(ws: &Workspace) -> Result<PathBuf> {
    crate::remote::hooks_dir(ws.store().git_dir()).map_err(|why| {
        Error::Git(format!(
            "git could not say where the hooks directory is: {}",
            why.0
        ))
    })
}

pub fn status(ws: &Workspace) -> Result<Hooks> {
    let dir = hooks_dir(ws)?;
    let hooks = HOOKS.iter().map(|(name, _)| state(&dir, name)).collect();
    Ok(Hooks {
        directory: dir.display().to_string(),
        hooks,
    })
}

fn state(dir: &Path, name: &str) -> HookState {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let (before, has_block, after) = split(&text);
    let rest = format!("{before}{after}");
    HookState {
        name: name.to_string(),
        path: path.display().to_string(),
        installed: has_block,
        has_other_content: rest
            .lines()
            .any(|l| !l.trim().is_empty() && !l.starts_with("#!")),
        executable: is_executable(&path),
    }
}

/// Writes (or refreshes) the cmos block of every hook; idempotent.
pub fn install(ws: &Workspace) -> Result<Hooks> {
    let dir = hooks_dir(ws)?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    for (name, shim) in HOOKS {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let (before, _, after) = split(&text);
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
        new.push_str(shim);
        write_hook(&path, &new)?;
    }
    status(ws)
}

/// Takes the cmos block out of every hook; a file left with nothing else is removed.
pub fn uninstall(ws: &Workspace) -> Result<Hooks> {
    let dir = hooks_dir(ws)?;
    for (name, _) in HOOKS {
        let path = dir.join(name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let (before, had, after) = split(&text);
        if !had {
            continue;
        }
        let rest = format!("{before}{after}");
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

/// The text before the cmos block, whether there was one, and the text after it.
fn split(text: &str) -> (String, bool, String) {
    let mut before = String::new();
    let mut after = String::new();
    let mut state = 0; // 0: before, 1: inside, 2: after
    for line in text.split_inclusive('\n') {
        match state {
            0 if line.starts_with(BEGIN) => state = 1,
            0 => before.push_str(line),
            1 if line.starts_with(END) => state = 2,
            1 => {}
            _ => after.push_str(line),
        }
    }
    (before, state > 0, after)
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
    fn the_block_comes_out_and_the_rest_stays() {
        let text =
            "#!/bin/sh\necho mine\n# >>> cmos >>> x\ncmos hook run\n# <<< cmos <<<\necho after\n";
        let (before, had, after) = split(text);
        assert!(had);
        assert_eq!(before, "#!/bin/sh\necho mine\n");
        assert_eq!(after, "echo after\n");
        assert!(!split("#!/bin/sh\n").1);
    }
}
