//! The server's input: lines of bytes from a client nobody vouches for. Each line is bounded
//! (a longer one is skipped to its end without being kept), and one that is not UTF-8 is
//! handed on as bytes to be answered with an error, so neither ends the server.

use std::io::{BufRead, ErrorKind, Result};

/// The longest line the server reads, in bytes: far above any request an agent sends (a tool
/// call carries at most a few 64 KiB texts), far below what would strain memory.
pub const MAX_LINE: usize = 4 * 1024 * 1024;

/// One line of input, without its line end.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    /// The line's bytes, which are not UTF-8.
    NotUtf8(Vec<u8>),
    /// A line past the limit, of this many bytes; its content was dropped as it was read.
    TooLong {
        bytes: usize,
    },
}

/// Reads `input` line by line, keeping at most `limit` bytes of any line in memory.
pub struct Lines<R> {
    input: R,
    limit: usize,
}

impl<R: BufRead> Lines<R> {
    pub fn new(input: R) -> Self {
        Lines::with_limit(input, MAX_LINE)
    }

    pub fn with_limit(input: R, limit: usize) -> Self {
        Lines { input, limit }
    }

    /// The next line, None at the end of the input. A last line without a newline counts.
    pub fn next_line(&mut self) -> Result<Option<Line>> {
        let mut kept = Vec::new();
        let mut length = 0usize;
        let mut read_any = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                if !read_any {
                    return Ok(None);
                }
                break;
            }
            read_any = true;
            let newline = available.iter().position(|&b| b == b'\n');
            let part = &available[..newline.unwrap_or(available.len())];
            length = length.saturating_add(part.len());
            if length <= self.limit {
                kept.extend_from_slice(part);
            }
            let used = newline.map_or(available.len(), |at| at + 1);
            self.input.consume(used);
            if newline.is_some() {
                break;
            }
        }
        if length > self.limit {
            return Ok(Some(Line::TooLong { bytes: length }));
        }
        if kept.last() == Some(&b'\r') {
            kept.pop();
        }
        Ok(Some(match String::from_utf8(kept) {
            Ok(text) => Line::Text(text),
            Err(e) => Line::NotUtf8(e.into_bytes()),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_bounded_and_bytes_survive() {
        let input: &[u8] = b"one\r\n\xff\xfe\n0123456789abcdef\nlast";
        let mut lines = Lines::with_limit(std::io::BufReader::with_capacity(4, input), 10);
        assert_eq!(lines.next_line().unwrap(), Some(Line::Text("one".into())));
        assert_eq!(
            lines.next_line().unwrap(),
            Some(Line::NotUtf8(vec![0xff, 0xfe]))
        );
        assert_eq!(
            lines.next_line().unwrap(),
            Some(Line::TooLong { bytes: 16 })
        );
        assert_eq!(lines.next_line().unwrap(), Some(Line::Text("last".into())));
        assert_eq!(lines.next_line().unwrap(), None);
    }
}
