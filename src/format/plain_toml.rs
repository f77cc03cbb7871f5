//! A quick reader for the plain TOML that cmos writes; whatever it does not read exactly is
//! left to the toml crate.
//!
//! Through the toml crate a 300-byte mission file costs about 50,000 instructions (a token
//! vector, a table with spans, then serde), and a first verify of 100,000 missions spent 42%
//! of its time there. cmos writes a small, regular part of TOML: bare keys, `[name]` and
//! `[[name]]` headers with one bare name, strings, integers, decimals, booleans, arrays and
//! inline tables, one per line, `\n` line ends. This reader accepts that part and nothing
//! else, and hands it to serde as the toml crate would: a table read as a map with its keys in
//! sorted order (the crate keeps tables in a `BTreeMap`), a struct's fields in the order of
//! the text (their order cannot change what it reads), strings without escapes borrowed from
//! the text.
//!
//! It refuses (returns `None`) rather than guess: at anything outside that part (dotted or
//! quoted keys, dates, `+`, `_`, exponents, `\r`, escapes added in TOML 1.1, a closing `"""`
//! run longer than three, control characters), at a duplicate key, at a table of more than
//! `MAX_KEYS` keys or values nested deeper than `MAX_DEPTH`, and when the value does not
//! deserialize. The caller then parses with the toml crate, whose results and error messages
//! stay the reference: `tests/fuzz_records.rs` checks that everything this reader accepts, the
//! crate reads to the same value.

mod de;

use std::borrow::Cow;

use serde::de::DeserializeOwned;

/// Parses `text` if it is plain TOML and deserializes it; `None` sends the caller to the toml
/// crate.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    let root = Parser::new(text).document().ok()?;
    T::deserialize(Value::Table(root)).ok()
}

/// A table longer than this is left to the toml crate, whose map finds duplicates in log time
/// (this reader compares each key with the ones before it).
const MAX_KEYS: usize = 256;
/// Arrays and inline tables nested deeper than this are left to the toml crate.
const MAX_DEPTH: usize = 16;

/// The text strays from plain TOML (or its value does not deserialize): read it with the toml
/// crate instead.
#[derive(Debug)]
pub struct Stray;

type Parsed<T> = Result<T, Stray>;

/// One parsed value, borrowing from the text where it can.
#[derive(Debug)]
enum Value<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<Value<'a>>),
    Table(Table<'a>),
    /// An array of tables made by `[[name]]` headers: the only array a header may extend.
    Tables(Vec<Table<'a>>),
}

/// A table's entries, in the order of the text until `sort` puts them in key order.
#[derive(Debug)]
struct Table<'a>(Vec<(&'a str, Value<'a>)>);

impl Default for Table<'_> {
    /// Room for a record's usual keys, so that reading one seldom grows its table.
    fn default() -> Self {
        Table(Vec::with_capacity(16))
    }
}

impl<'a> Table<'a> {
    fn insert(&mut self, key: &'a str, value: Value<'a>) -> Parsed<()> {
        if self.0.len() >= MAX_KEYS || self.position(key).is_some() {
            return Err(Stray);
        }
        self.0.push((key, value));
        Ok(())
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.0.iter().position(|(k, _)| *k == key)
    }

    /// Key order, as the toml crate's `BTreeMap` hands the entries to serde. Done where a
    /// table is handed over as a map, not for a struct, whose fields may come in any order
    /// (sorting every record's keys was a tenth of parsing it).
    fn sort(&mut self) {
        self.0.sort_unstable_by(|a, b| a.0.cmp(b.0));
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        Parser {
            text,
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    fn document(mut self) -> Parsed<Table<'a>> {
        let mut root = Table::default();
        // Where key/value lines go: the root until a header opens a table (by its place in
        // the root; for `[[name]]`, the array's last table).
        let mut open: Option<usize> = None;
        loop {
            self.skip_spaces();
            match self.peek() {
                None => break,
                Some(b'\n') => {
                    self.at += 1;
                    continue;
                }
                Some(b'#') => {}
                Some(b'[') => open = Some(self.header(&mut root)?),
                Some(_) => {
                    let (key, value) = self.key_value(0)?;
                    let table = match open {
                        None => &mut root,
                        Some(i) => match &mut root.0[i].1 {
                            Value::Table(table) => table,
                            Value::Tables(tables) => tables.last_mut().ok_or(Stray)?,
                            _ => return Err(Stray),
                        },
                    };
                    table.insert(key, value)?;
                }
            }
            self.line_end()?;
        }
        Ok(root)
    }

    /// `[name]` or `[[name]]`; returns where the table (or array of tables) sits in the root.
    fn header(&mut self, root: &mut Table<'a>) -> Parsed<usize> {
        self.at += 1;
        let array = self.eat(b'[');
        let name = self.bare_key()?;
        self.expect(b']')?;
        if array {
            self.expect(b']')?;
        }
        match (root.position(name), array) {
            (None, false) => root.insert(name, Value::Table(Table::default()))?,
            (None, true) => root.insert(name, Value::Tables(vec![Table::default()]))?,
            (Some(i), true) => match &mut root.0[i].1 {
                Value::Tables(tables) => {
                    tables.push(Table::default());
                    return Ok(i);
                }
                _ => return Err(Stray),
            },
            // A table defined twice, or over a key: the toml crate reports it.
            (Some(_), false) => return Err(Stray),
        }
        Ok(root.0.len() - 1)
    }

    fn key_value(&mut self, depth: usize) -> Parsed<(&'a str, Value<'a>)> {
        let key = self.bare_key()?;
        self.skip_spaces();
        self.expect(b'=')?;
        self.skip_spaces();
        let value = self.value(depth)?;
        Ok((key, value))
    }

    fn bare_key(&mut self) -> Parsed<&'a str> {
        let start = self.at;
        let len = (self.bytes[start..].iter())
            .take_while(|&&b| BARE_KEY[usize::from(b)])
            .count();
        self.at += len;
        match len > 0 {
            true => Ok(&self.text[start..self.at]),
            false => Err(Stray),
        }
    }

    fn value(&mut self, depth: usize) -> Parsed<Value<'a>> {
        match self.peek().ok_or(Stray)? {
            b'"' if self.bytes[self.at..].starts_with(b"\"\"\"") => self.multi_line_basic(),
            b'"' => self.basic(),
            b'\'' if self.bytes[self.at..].starts_with(b"'''") => self.multi_line_literal(),
            b'\'' => self.literal(),
            b'[' => self.array(depth + 1),
            b'{' => self.inline_table(depth + 1),
            b't' => self.word("true", Value::Bool(true)),
            b'f' => self.word("false", Value::Bool(false)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Stray),
        }
    }

    fn word(&mut self, word: &str, value: Value<'a>) -> Parsed<Value<'a>> {
        match self.bytes[self.at..].starts_with(word.as_bytes()) {
            true => {
                self.at += word.len();
                self.ends_value(value)
            }
            false => Err(Stray),
        }
    }

    /// `-`? digits, with no leading zero, then `.` digits for a decimal: the forms cmos
    /// writes. Exponents, `+`, `_`, hex and dates are left to the toml crate.
    fn number(&mut self) -> Parsed<Value<'a>> {
        let start = self.at;
        self.eat(b'-');
        let digits = self.digits();
        if digits == 0 || (digits > 1 && self.bytes[self.at - digits] == b'0') {
            return Err(Stray);
        }
        let value = match self.eat(b'.') {
            false => Value::Int(self.text[start..self.at].parse().map_err(|_| Stray)?),
            true if self.digits() > 0 => {
                let float: f64 = self.text[start..self.at].parse().map_err(|_| Stray)?;
                match float.is_finite() {
                    true => Value::Float(float),
                    false => return Err(Stray),
                }
            }
            true => return Err(Stray),
        };
        self.ends_value(value)
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }

    /// A bare value must end where a value may end, so that `truex` or `12:30` never read
    /// as `true` or `12`.
    fn ends_value(&self, value: Value<'a>) -> Parsed<Value<'a>> {
        match self.peek() {
            None | Some(b' ' | b'\t' | b'\n' | b'#' | b',' | b']' | b'}') => Ok(value),
            Some(_) => Err(Stray),
        }
    }

    fn basic(&mut self) -> Parsed<Value<'a>> {
        self.at += 1;
        self.string_until(false)
    }

    fn multi_line_basic(&mut self) -> Parsed<Value<'a>> {
        self.at += 3;
        self.eat(b'\n');
        self.string_until(true)
    }

    /// The body of a basic string up to its closing quote(s): borrowed until an escape makes
    /// it owned.
    fn string_until(&mut self, multi_line: bool) -> Parsed<Value<'a>> {
        let mut owned: Option<String> = None;
        let mut run = self.at;
        loop {
            // Most of a record is printable ASCII: stepped over here, the rest one by one.
            self.at += plain_ascii_run(&self.bytes[self.at..]);
            let b = self.peek().ok_or(Stray)?;
            match b {
                b'"' if !multi_line || self.closes_multi_line(b'"')? => {
                    let text = &self.text[run..self.at];
                    self.at += if multi_line { 3 } else { 1 };
                    let value = match owned {
                        Some(mut s) => {
                            s.push_str(text);
                            Cow::Owned(s)
                        }
                        None => Cow::Borrowed(text),
                    };
                    return Ok(Value::Str(value));
                }
                b'\\' => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.text[run..self.at]);
                    self.at += 1;
                    s.push(self.escape()?);
                    run = self.at;
                }
                b'\n' if multi_line => self.at += 1,
                _ => self.plain_char()?,
            }
        }
    }

    /// At a quote inside a multi-line string: whether it is the closing `"""` (or `'''`).
    /// A run of four or five quotes, which the toml crate reads as quotes before the closing
    /// three, is left to it.
    fn closes_multi_line(&self, quote: u8) -> Parsed<bool> {
        let rest = &self.bytes[self.at..];
        let run = rest.iter().take_while(|b| **b == quote).count();
        match run {
            1 | 2 => Ok(false),
            3 => Ok(true),
            _ => Err(Stray),
        }
    }

    /// The character after a backslash: the escapes of TOML 1.0 (1.1's `\e` and `\x` are
    /// left to the toml crate, as is a line-ending backslash).
    fn escape(&mut self) -> Parsed<char> {
        let b = self.peek().ok_or(Stray)?;
        self.at += 1;
        let plain = match b {
            b'b' => '\u{8}',
            b't' => '\t',
            b'n' => '\n',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'"' => '"',
            b'\\' => '\\',
            b'u' => return self.unicode(4),
            b'U' => return self.unicode(8),
            _ => return Err(Stray),
        };
        Ok(plain)
    }

    fn unicode(&mut self, len: usize) -> Parsed<char> {
        let hex = self.bytes.get(self.at..self.at + len).ok_or(Stray)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return Err(Stray);
        }
        let hex = &self.text[self.at..self.at + len];
        self.at += len;
        let code = u32::from_str_radix(hex, 16).map_err(|_| Stray)?;
        char::from_u32(code).ok_or(Stray)
    }

    /// Steps over one character a string or comment may hold as it is: a tab, printable
    /// ASCII, or any character from U+00A0 on. Other controls (C1 included) are left to
    /// the toml crate.
    fn plain_char(&mut self) -> Parsed<()> {
        let b = self.peek().ok_or(Stray)?;
        match b {
            b'\t' | 0x20..=0x7e => self.at += 1,
            0xc2 if self.bytes.get(self.at + 1).is_some_and(|n| *n < 0xa0) => return Err(Stray),
            0xc2.. => {
                // The text is a `str`: a lead byte starts a whole character.
                let len = match b {
                    0xf0.. => 4,
                    0xe0.. => 3,
                    _ => 2,
                };
                self.at += len;
            }
            _ => return Err(Stray),
        }
        Ok(())
    }

    fn literal(&mut self) -> Parsed<Value<'a>> {
        self.at += 1;
        self.literal_until(false)
    }

    fn multi_line_literal(&mut self) -> Parsed<Value<'a>> {
        self.at += 3;
        self.eat(b'\n');
        self.literal_until(true)
    }

    fn literal_until(&mut self, multi_line: bool) -> Parsed<Value<'a>> {
        let start = self.at;
        loop {
            match self.peek().ok_or(Stray)? {
                b'\'' if !multi_line || self.closes_multi_line(b'\'')? => {
                    let text = &self.text[start..self.at];
                    self.at += if multi_line { 3 } else { 1 };
                    return Ok(Value::Str(Cow::Borrowed(text)));
                }
                b'\n' if multi_line => self.at += 1,
                _ => self.plain_char()?,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Parsed<Value<'a>> {
        if depth > MAX_DEPTH {
            return Err(Stray);
        }
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_blank_lines()?;
            if self.eat(b']') {
                break;
            }
            items.push(self.value(depth)?);
            self.skip_blank_lines()?;
            if self.eat(b']') {
                break;
            }
            self.expect(b',')?;
        }
        Ok(Value::Array(items))
    }

    /// `{ key = value, ... }` on one line, with no trailing comma (TOML 1.0's form; 1.1's
    /// newlines and trailing commas are left to the toml crate).
    fn inline_table(&mut self, depth: usize) -> Parsed<Value<'a>> {
        if depth > MAX_DEPTH {
            return Err(Stray);
        }
        self.at += 1;
        self.skip_spaces();
        let mut table = Table::default();
        if self.eat(b'}') {
            return Ok(Value::Table(table));
        }
        loop {
            let (key, value) = self.key_value(depth)?;
            table.insert(key, value)?;
            self.skip_spaces();
            if self.eat(b'}') {
                return Ok(Value::Table(table));
            }
            self.expect(b',')?;
            self.skip_spaces();
        }
    }

    /// Spaces, tabs, newlines and comments between the items of an array.
    fn skip_blank_lines(&mut self) -> Parsed<()> {
        loop {
            self.skip_spaces();
            match self.peek() {
                Some(b'\n') => self.at += 1,
                Some(b'#') => self.comment()?,
                _ => return Ok(()),
            }
        }
    }

    /// What may follow a line's content: spaces, a comment, then a newline or the end.
    fn line_end(&mut self) -> Parsed<()> {
        self.skip_spaces();
        if self.peek() == Some(b'#') {
            self.comment()?;
        }
        match self.peek() {
            None => Ok(()),
            Some(b'\n') => {
                self.at += 1;
                Ok(())
            }
            Some(_) => Err(Stray),
        }
    }

    fn comment(&mut self) -> Parsed<()> {
        self.at += 1;
        while self.peek().is_some_and(|b| b != b'\n') {
            self.plain_char()?;
        }
        Ok(())
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let here = self.peek() == Some(b);
        self.at += usize::from(here);
        here
    }

    fn expect(&mut self, b: u8) -> Parsed<()> {
        match self.eat(b) {
            true => Ok(()),
            false => Err(Stray),
        }
    }
}

/// The bytes of a bare key (ASCII letters, digits, `_` and `-`), looked up rather than
/// compared: a record's keys were a twelfth of parsing it.
const BARE_KEY: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        b += 1;
    }
    table
};

/// How many bytes at the start of `bytes` are printable ASCII other than `"` and `\\`: what a
/// basic string holds as it is. Eight bytes are judged at once (a string's text was a fifth
/// of parsing a record when stepped over byte by byte).
fn plain_ascii_run(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut at = 0;
    for chunk in bytes.chunks_exact(8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // A byte's high bit is set in each mask where the byte is below 0x20, 0x7f or above,
        // a quote or a backslash. Each mask may also mark bytes after its first true mark
        // (a borrow runs on), never before it, so the lowest mark is the first stop.
        let control = word.wrapping_sub(ONES * 0x20) & !word;
        let high = (word.wrapping_add(ONES) | word) & HIGHS;
        let quote = (word ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES)
            & !(word ^ (ONES * u64::from(b'"')));
        let backslash = (word ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES)
            & !(word ^ (ONES * u64::from(b'\\')));
        let stops = (control | high | quote | backslash) & HIGHS;
        if stops != 0 {
            return at + (stops.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .take_while(|&&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
        .count()
}

#[cfg(test)]
mod tests;
