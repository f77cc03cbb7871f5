//! `cmos board`: a local web board over the ops layer. It binds 127.0.0.1 only, serves the
//! embedded page and JSON views of the branch, pushes a `changed` event when the branch
//! moves, and performs a dragged card's move as the CLI would, one commit by the board's
//! agent. `export` writes the same views as static files.
//!
//! Every request is untrusted: its head and body are bounded and timed (`http`), its Host
//! must name this server (a page on another site that resolves its name to 127.0.0.1 gets
//! nothing), and a write needs the token this run put in its page.

mod assets;
mod events;
pub mod export;
mod html;
pub mod http;
mod routes;
mod state;

use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::ops::Workspace;
use http::{READ_TIMEOUT, Response, WRITE_TIMEOUT};
use state::{Settings, Shared};

/// How many connections are served at once (event streams included); more get a 503.
const MAX_CONNECTIONS: usize = 64;

/// How a board is started.
#[derive(Debug, Clone)]
pub struct Options {
    /// A directory inside the project's repository.
    pub dir: PathBuf,
    /// Who moves cards.
    pub agent: String,
    /// None: a free port.
    pub port: Option<u16>,
    pub read_only: bool,
    /// The sprint shown when a view names none (else the current sprint).
    pub sprint: Option<String>,
}

/// A board bound to its port, not serving yet.
pub struct Board {
    listener: TcpListener,
    shared: Arc<Shared>,
    url: String,
}

impl Board {
    /// Opens the project, loads the tip and binds 127.0.0.1 (only). A port in use is a clear
    /// error that names a free one.
    pub fn bind(options: Options) -> Result<Board> {
        let ws = Workspace::open(&options.dir, Some(options.agent.clone()))?;
        if let Some(sprint) = &options.sprint {
            ws.store().snapshot()?.meta.resolve_sprint(sprint)?;
        }
        let listener = bind(options.port)?;
        let port = listener
            .local_addr()
            .map_err(|e| io_error("cannot read the board's address", e))?
            .port();
        let settings = Settings {
            dir: options.dir,
            agent: options.agent,
            read_only: options.read_only,
            sprint: options.sprint,
            token: token()?,
            port,
        };
        let shared = Arc::new(Shared::new(settings, &ws)?);
        Ok(Board {
            listener,
            shared,
            url: format!("http://127.0.0.1:{port}/"),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until the process ends: a watcher thread follows the branch, and each
    /// connection gets a thread of its own, up to [`MAX_CONNECTIONS`].
    pub fn run(self) -> Result<()> {
        // A workspace is not Send (gix keeps Rc handles): each thread opens its own.
        self.shared.workspace()?;
        let shared = Arc::clone(&self.shared);
        std::thread::Builder::new()
            .name("board-watch".into())
            .spawn(move || state::watch(shared))
            .map_err(|e| io_error("cannot start the board's watcher", e))?;
        let active = Arc::new(AtomicUsize::new(0));
        for stream in self.listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                active.fetch_sub(1, Ordering::SeqCst);
                let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
                Response::error(503, "busy", "too many connections; try again")
                    .write_to(&mut stream);
                continue;
            }
            let shared = Arc::clone(&self.shared);
            let slot = Arc::clone(&active);
            let spawned = std::thread::Builder::new()
                .name("board-request".into())
                .spawn(move || {
                    serve(&shared, stream);
                    slot.fetch_sub(1, Ordering::SeqCst);
                });
            if spawned.is_err() {
                // The closure (and the stream with it) was dropped: the client sees a close.
                active.fetch_sub(1, Ordering::SeqCst);
            }
        }
        Ok(())
    }
}

/// Binds 127.0.0.1 at `port`, or at a free port.
fn bind(port: Option<u16>) -> Result<TcpListener> {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, port.unwrap_or(0))) {
        Ok(listener) => Ok(listener),
        Err(e) if e.kind() == ErrorKind::AddrInUse => {
            let port = port.unwrap_or(0);
            let free = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|l| l.local_addr())
                .map(|a| format!("; port {} is free now", a.port()))
                .unwrap_or_default();
            Err(Error::InvalidInput(format!(
                "port {port} on 127.0.0.1 is in use: choose another port, or leave the port \
                 out and the board takes a free one{free}"
            )))
        }
        Err(e) => Err(io_error("cannot listen on 127.0.0.1", e)),
    }
}

fn io_error(context: &str, source: std::io::Error) -> Error {
    Error::Io {
        context: context.to_string(),
        source,
    }
}

/// A fresh secret per run, as hex: what a move must carry.
fn token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        io_error(
            "cannot draw the board's token",
            std::io::Error::other(e.to_string()),
        )
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `host` names this server: a name that merely resolves to 127.0.0.1 (DNS
/// rebinding) does not.
fn host_allowed(host: Option<&str>, port: u16) -> bool {
    host.is_some_and(|h| h == format!("127.0.0.1:{port}") || h == format!("localhost:{port}"))
}

/// Whether a request's Origin, when it sends one, is this server.
fn origin_allowed(origin: Option<&str>, port: u16) -> bool {
    origin.is_none_or(|o| {
        o == format!("http://127.0.0.1:{port}") || o == format!("http://localhost:{port}")
    })
}

fn serve(shared: &Shared, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let request = match http::read_request(&mut stream) {
        Ok(request) => request,
        Err(http::ReadError::Gone) => return,
        Err(err) => {
            Response::error(err.status(), "bad_request", &err.message()).write_to(&mut stream);
            return;
        }
    };
    let port = shared.settings.port;
    if !host_allowed(request.header("host"), port) {
        Response::error(
            403,
            "forbidden",
            &format!("the Host header must be 127.0.0.1:{port} or localhost:{port}"),
        )
        .write_to(&mut stream);
        return;
    }
    if request.method != "GET" && !origin_allowed(request.header("origin"), port) {
        Response::error(
            403,
            "forbidden",
            "a write must come from the board's own page",
        )
        .write_to(&mut stream);
        return;
    }
    if request.method == "GET" && request.path == "/api/events" {
        events::stream(shared, stream);
        return;
    }
    routes::answer(shared, &request).write_to(&mut stream);
}

#[cfg(test)]
mod tests {
    use super::{host_allowed, origin_allowed};

    #[test]
    fn only_this_servers_names_pass_the_host_check() {
        assert!(host_allowed(Some("127.0.0.1:8080"), 8080));
        assert!(host_allowed(Some("localhost:8080"), 8080));
        assert!(!host_allowed(Some("evil.example:8080"), 8080));
        assert!(!host_allowed(Some("127.0.0.1:8081"), 8080));
        assert!(!host_allowed(None, 8080));
        assert!(origin_allowed(None, 8080));
        assert!(origin_allowed(Some("http://localhost:8080"), 8080));
        assert!(!origin_allowed(Some("http://evil.example"), 8080));
    }
}
