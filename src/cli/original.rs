//! Flags of the original CMOS's command lines that cmos cannot honour. They are accepted
//! everywhere (hidden from help: they only answer scripts written for the original) so that
//! such a script gets an error saying what to do instead, not "unexpected argument".

use std::path::{Path, PathBuf};

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub struct RefusedFlags {
    /// The original's SQLite database (`--db-path` in cmosctl).
    #[arg(
        long,
        global = true,
        hide = true,
        value_name = "PATH",
        alias = "db-path"
    )]
    database: Option<PathBuf>,
    /// The original's `cmos/` directory.
    #[arg(long, global = true, hide = true, value_name = "PATH")]
    root: Option<PathBuf>,
    /// The time to record an event at.
    #[arg(long, global = true, hide = true, value_name = "ISO")]
    ts: Option<String>,
}

impl RefusedFlags {
    /// The error for the first of these flags that was given, if any.
    pub fn refusal(&self) -> Option<Error> {
        if let Some(path) = &self.database {
            return Some(no_database(path));
        }
        if self.root.is_some() {
            return Some(Error::InvalidInput(
                "cmos has no `cmos/` directory to point at: the project lives on the `cmos` \
                 branch of the git repository. Drop --root; run in the repository, or name it \
                 with -C DIR"
                    .into(),
            ));
        }
        if self.ts.is_some() {
            return Some(Error::InvalidInput(
                "cmos records the time of each operation itself (it is the commit's time), so \
                 an event cannot be back-dated: drop --ts"
                    .into(),
            ));
        }
        None
    }
}

/// `--database PATH`: there is no database to point at; say where the project lives instead.
fn no_database(path: &Path) -> Error {
    Error::InvalidInput(format!(
        "cmos has no database file: the project lives on the `cmos` branch of the git \
         repository. Drop --database; run in the repository, or name it with -C DIR. To bring \
         in the original's data, run `cmos import cmos-sqlite {}`",
        path.display()
    ))
}
