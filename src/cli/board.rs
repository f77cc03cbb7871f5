//! `cmos board`: serve the local web board; `cmos board export`: write it as static files.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::CommandContext;
use crate::board::{Board, Options};
use crate::error::Result;
use crate::model::text::escape_line;

// `cmos board`: its help is on `cli::Command::Board`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BoardArgs {
    #[command(subcommand)]
    pub command: Option<BoardCommand>,
    /// The port on 127.0.0.1 [default: a free one].
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Open the board in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Show the board without allowing moves.
    #[arg(long)]
    pub read_only: bool,
    /// The sprint the board shows first [default: the current sprint].
    #[arg(long, value_name = "ID")]
    pub sprint: Option<String>,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum BoardCommand {
    /// Write the board of a sprint as static files: index.html (the kanban, no script needed),
    /// burndown.svg, graph.svg, timeline.html and missions/ID.html, with relative links: for a
    /// CI artifact or a pull request. Writes only inside DIR.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The directory to write (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The sprint [default: the current sprint].
    #[arg(long, value_name = "ID")]
    pub sprint: Option<String>,
}

pub fn run(ctx: &CommandContext, args: BoardArgs) -> Result<()> {
    if let Some(BoardCommand::Export(export)) = args.command {
        let (ws, printer) = ctx.open()?;
        let outcome = crate::board::export::export(ws, &export.out, export.sprint.as_deref())?;
        printer.outcome(&outcome, |e, _| {
            format!(
                "Exported the board of sprint {} to {}: {} files (open index.html)",
                escape_line(&e.sprint),
                escape_line(&e.dir),
                e.files.len()
            )
        });
        return Ok(());
    }
    let agent = ctx
        .agent_flag()
        .map(str::to_string)
        .or_else(|| std::env::var("CMOS_AGENT").ok().filter(|a| !a.is_empty()))
        .unwrap_or_else(|| "board".to_string());
    let board = Board::bind(Options {
        dir: ctx.dir()?,
        agent,
        port: args.port,
        read_only: args.read_only,
        sprint: args.sprint,
    })?;
    // The first line is the URL: scripts and tests read it.
    println!("cmos board: {}", board.url());
    use std::io::Write;
    let _ = std::io::stdout().flush();
    if args.open {
        open_browser(board.url());
    }
    board.run()
}

/// Runs the platform's opener on the board's URL (ours, never text from the branch), as an
/// argument, never through a shell. A missing opener only warns: the URL is printed.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        // Reaped in the background so it leaves no zombie while the board runs.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(err) => eprintln!("cmos board: could not run {opener} ({err}); open {url} yourself"),
    }
}
