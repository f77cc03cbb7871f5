//! Just enough HTTP/1.1 for a local board: one request per connection, read with bounds and
//! time limits, parsed by `httparse`, answered with `Connection: close`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The request line and headers together, at most.
pub const MAX_HEAD: usize = 16 * 1024;
/// A request body, at most (a move is a few dozen bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// How many headers a request may have.
const MAX_HEADERS: usize = 64;
/// How long a client may wait between two reads of its request, and to take each write of
/// the answer; and how long the whole request may take to arrive (a client trickling bytes
/// in under the first limit still meets the second).
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The path, percent-decoded, without the query.
    pub path: String,
    pub query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The value of header `name` (case-insensitive), when sent once or more (the first).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query parameter `name`, when given and not empty.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request could not be read; each becomes a status code.
#[derive(Debug)]
pub enum ReadError {
    /// The connection closed or timed out before a whole request came: nothing to answer.
    Gone,
    Malformed(&'static str),
    HeadTooLarge,
    BodyTooLarge,
    /// A body sent in chunks: a board request has a length.
    LengthRequired,
}

impl ReadError {
    pub fn status(&self) -> u16 {
        match self {
            ReadError::Gone | ReadError::Malformed(_) => 400,
            ReadError::HeadTooLarge => 431,
            ReadError::BodyTooLarge => 413,
            ReadError::LengthRequired => 411,
        }
    }

    pub fn message(&self) -> String {
        match self {
            ReadError::Gone => "the request did not arrive whole".into(),
            ReadError::Malformed(what) => format!("malformed request: {what}"),
            ReadError::HeadTooLarge => format!("request headers over {MAX_HEAD} bytes"),
            ReadError::BodyTooLarge => format!("request body over {MAX_BODY} bytes"),
            ReadError::LengthRequired => "a request body needs a Content-Length".into(),
        }
    }
}

/// Reads one request from `stream`, never more than the bounds above, and within
/// [`REQUEST_DEADLINE`]. Any reader will do (the server gives its socket, the fuzz target
/// bytes in pieces): the request read does not depend on how its bytes were split.
pub fn read_request(stream: &mut impl Read) -> Result<Request, ReadError> {
    let started = Instant::now();
    let mut buf = vec![0u8; MAX_HEAD];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            return Err(ReadError::HeadTooLarge);
        }
        if started.elapsed() > REQUEST_DEADLINE {
            return Err(ReadError::Gone);
        }
        let n = stream
            .read(&mut buf[filled..])
            .map_err(|_| ReadError::Gone)?;
        if n == 0 {
            return Err(ReadError::Gone);
        }
        filled += n;
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf[..filled]) {
            Ok(httparse::Status::Partial) => continue,
            Ok(httparse::Status::Complete(head_len)) => {
                let request = head(&parsed)?;
                let rest = buf[head_len..filled].to_vec();
                return with_body(stream, request, rest, started);
            }
            Err(httparse::Error::TooManyHeaders) => return Err(ReadError::HeadTooLarge),
            Err(_) => return Err(ReadError::Malformed("not an HTTP/1.x request")),
        }
    }
}

fn head(parsed: &httparse::Request<'_, '_>) -> Result<Request, ReadError> {
    let method = parsed.method.ok_or(ReadError::Malformed("no method"))?;
    let target = parsed.path.ok_or(ReadError::Malformed("no path"))?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = percent_decode(path).ok_or(ReadError::Malformed("bad path encoding"))?;
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(name)?, percent_decode(value)?))
        })
        .collect::<Option<Vec<_>>>()
        .ok_or(ReadError::Malformed("bad query encoding"))?;
    let headers = parsed
        .headers
        .iter()
        .map(|h| {
            let value = std::str::from_utf8(h.value)
                .map_err(|_| ReadError::Malformed("a header is not UTF-8"))?;
            Ok((h.name.to_string(), value.trim().to_string()))
        })
        .collect::<Result<Vec<_>, ReadError>>()?;
    Ok(Request {
        method: method.to_string(),
        path,
        query,
        headers,
        body: Vec::new(),
    })
}

fn with_body(
    stream: &mut impl Read,
    mut request: Request,
    mut body: Vec<u8>,
    started: Instant,
) -> Result<Request, ReadError> {
    if request.header("transfer-encoding").is_some() {
        return Err(ReadError::LengthRequired);
    }
    let length = match request.header("content-length") {
        None => 0,
        Some(value) => value
            .parse::<usize>()
            .map_err(|_| ReadError::Malformed("bad Content-Length"))?,
    };
    if length > MAX_BODY {
        return Err(ReadError::BodyTooLarge);
    }
    if body.len() > length {
        body.truncate(length);
    }
    let mut chunk = [0u8; 8192];
    while body.len() < length {
        if started.elapsed() > REQUEST_DEADLINE {
            return Err(ReadError::Gone);
        }
        let want = (length - body.len()).min(chunk.len());
        let n = stream
            .read(&mut chunk[..want])
            .map_err(|_| ReadError::Gone)?;
        if n == 0 {
            return Err(ReadError::Gone);
        }
        body.extend_from_slice(&chunk[..n]);
    }
    request.body = body;
    Ok(request)
}

/// `%XX` decoded (and `+` kept as is); None when an escape is broken or the result is not
/// UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// An answer: status, type and body.
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            content_type,
            body: body.into(),
        }
    }

    pub fn json(status: u16, value: &impl serde::Serialize) -> Self {
        // Serializing our own types to a Vec does not fail (no maps with non-string keys).
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Response::new(status, "application/json; charset=utf-8", body)
    }

    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Response::json(
            status,
            &serde_json::json!({"error": {"code": code, "message": message}}),
        )
    }

    /// Writes the answer and flushes; a client that went away is not an error of ours.
    pub fn write_to(&self, stream: &mut TcpStream) {
        let head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len(),
            COMMON_HEADERS,
        );
        let _ = stream
            .write_all(head.as_bytes())
            .and_then(|_| stream.write_all(&self.body))
            .and_then(|_| stream.flush());
    }
}

/// Sent with every answer: one request per connection, nothing cached, nothing sniffed, no
/// framing by other sites, and the page may load only its own scripts and styles.
pub const COMMON_HEADERS: &str = "Connection: close\r\nCache-Control: no-store\r\n\
X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\nX-Frame-Options: DENY\r\n\
Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'\r\n";

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn percent_decoding_refuses_broken_escapes() {
        assert_eq!(percent_decode("B1%2E2").as_deref(), Some("B1.2"));
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("a%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }
}
