//! The documents' BM25 index as one file laid out for lookups without decoding: a query
//! reads the term table by binary search and only the postings of its own words.
//!
//! Layout (little-endian u32s): header `[docs, terms, total_length]`; per document
//! `[length, section]`; per term `[text offset, text length, postings offset, postings
//! count]`, sorted by text; the terms' text; the postings as `[document, occurrences]` pairs.

use std::collections::{BTreeMap, HashMap};

use super::engine::words;

/// BM25's usual constants, as the in-memory engine uses them.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Builds the file from documents' texts, in document order.
pub fn build<'a>(texts: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    let mut lengths: Vec<u32> = Vec::new();
    let mut postings: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    let mut total: u64 = 0;
    for (doc, (title, text)) in texts.enumerate() {
        let mut counts: HashMap<String, u32> = HashMap::new();
        let mut length = 0u32;
        for word in words(title).chain(words(text)) {
            *counts.entry(word).or_default() += 1;
            length += 1;
        }
        for (term, count) in counts {
            postings.entry(term).or_default().push((doc as u32, count));
        }
        lengths.push(length);
        total += u64::from(length);
    }
    let mut out = Vec::new();
    let put = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    put(&mut out, lengths.len() as u32);
    put(&mut out, postings.len() as u32);
    put(&mut out, total.min(u64::from(u32::MAX)) as u32);
    for length in &lengths {
        put(&mut out, *length);
    }
    let (mut text_offset, mut post_offset) = (0u32, 0u32);
    for (term, list) in &postings {
        put(&mut out, text_offset);
        put(&mut out, term.len() as u32);
        put(&mut out, post_offset);
        put(&mut out, list.len() as u32);
        text_offset += term.len() as u32;
        post_offset += list.len() as u32;
    }
    for term in postings.keys() {
        out.extend_from_slice(term.as_bytes());
    }
    for list in postings.values() {
        for (doc, count) in list {
            put(&mut out, *doc);
            put(&mut out, *count);
        }
    }
    out
}

/// A built index, read in place.
pub struct DiskIndex<'b> {
    bytes: &'b [u8],
    docs: usize,
    terms: usize,
    total: u32,
    lengths_at: usize,
    table_at: usize,
    text_at: usize,
    postings_at: usize,
}

impl<'b> DiskIndex<'b> {
    /// None when the bytes are not a whole index (a damaged cache is rebuilt).
    pub fn open(bytes: &'b [u8]) -> Option<DiskIndex<'b>> {
        let word = |i: usize| -> Option<u32> {
            Some(u32::from_le_bytes(
                bytes.get(i * 4..i * 4 + 4)?.try_into().ok()?,
            ))
        };
        let (docs, terms, total) = (word(0)? as usize, word(1)? as usize, word(2)?);
        let lengths_at = 12;
        let table_at = lengths_at + docs * 4;
        let text_at = table_at + terms * 16;
        let index = DiskIndex {
            bytes,
            docs,
            terms,
            total,
            lengths_at,
            table_at,
            text_at,
            postings_at: 0,
        };
        let text_len: usize = if terms == 0 {
            0
        } else {
            let (offset, len, _, _) = index.entry(terms - 1)?;
            offset as usize + len as usize
        };
        let postings_at = text_at + text_len;
        let index = DiskIndex {
            postings_at,
            ..index
        };
        let postings_len: usize = if terms == 0 {
            0
        } else {
            let (_, _, offset, count) = index.entry(terms - 1)?;
            (offset as usize + count as usize) * 8
        };
        (bytes.len() == postings_at + postings_len).then_some(index)
    }

    pub fn documents(&self) -> usize {
        self.docs
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(
            self.bytes.get(at..at + 4)?.try_into().ok()?,
        ))
    }

    fn entry(&self, i: usize) -> Option<(u32, u32, u32, u32)> {
        let at = self.table_at + i * 16;
        Some((
            self.u32_at(at)?,
            self.u32_at(at + 4)?,
            self.u32_at(at + 8)?,
            self.u32_at(at + 12)?,
        ))
    }

    fn term(&self, i: usize) -> &[u8] {
        match self.entry(i) {
            Some((offset, len, _, _)) => {
                let start = self.text_at + offset as usize;
                self.bytes
                    .get(start..start + len as usize)
                    .unwrap_or_default()
            }
            None => &[],
        }
    }

    /// The first term not smaller than `key`.
    fn lower_bound(&self, key: &[u8]) -> usize {
        let (mut lo, mut hi) = (0, self.terms);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.term(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Term `term` itself at full weight, and up to 20 longer words it begins at half.
    fn expansions(&self, term: &str) -> Vec<(usize, f32)> {
        let key = term.as_bytes();
        let start = self.lower_bound(key);
        let mut out = Vec::new();
        if start < self.terms && self.term(start) == key {
            out.push((start, 1.0));
        }
        if term.chars().count() >= 3 {
            let mut i = start;
            while i < self.terms && out.len() < 21 && self.term(i).starts_with(key) {
                if self.term(i) != key {
                    out.push((i, 0.5));
                }
                i += 1;
            }
        }
        out
    }

    /// Documents for `query`, best first: (document, score). With `every_word`, only those
    /// matching each word of the query.
    pub fn search(&self, query: &str, limit: usize, every_word: bool) -> Vec<(usize, f32)> {
        let mut terms: Vec<String> = words(query).collect();
        terms.dedup();
        if terms.is_empty() || self.docs == 0 {
            return Vec::new();
        }
        let count = self.docs as f32;
        let average = (self.total as f32 / count).max(1.0);
        // Dense per-document scores and matched-word bits: most queries touch many documents.
        let mut scores: Vec<(f32, u64)> = vec![(0.0, 0); self.docs];
        for (bit, term) in terms.iter().enumerate().take(64) {
            for (i, weight) in self.expansions(term) {
                let Some((_, _, offset, n)) = self.entry(i) else {
                    continue;
                };
                let df = n as f32;
                let idf = ((count - df + 0.5) / (df + 0.5) + 1.0).ln();
                for k in 0..n as usize {
                    let at = self.postings_at + (offset as usize + k) * 8;
                    let (Some(doc), Some(tf)) = (self.u32_at(at), self.u32_at(at + 4)) else {
                        break;
                    };
                    let length =
                        self.u32_at(self.lengths_at + doc as usize * 4).unwrap_or(1) as f32;
                    let tf = tf as f32;
                    let score =
                        idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * length / average));
                    if let Some(entry) = scores.get_mut(doc as usize) {
                        entry.0 += score * weight;
                        entry.1 |= 1 << bit;
                    }
                }
            }
        }
        let all = if terms.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << terms.len()) - 1
        };
        let mut ranked: Vec<(usize, f32)> = scores
            .into_iter()
            .enumerate()
            .filter(|(_, (_, bits))| *bits != 0 && (!every_word || *bits == all))
            .map(|(doc, (score, _))| (doc, score))
            .collect();
        let order = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        // Only the best `limit` need sorting.
        if ranked.len() > limit && limit > 0 {
            ranked.select_nth_unstable_by(limit - 1, order);
            ranked.truncate(limit);
        }
        ranked.sort_by(order);
        ranked.truncate(limit);
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_answers_like_the_engine() {
        let docs = [
            ("a", "the cache is rebuilt from the tree"),
            ("b", "cache cache cache: the cache holds buckets"),
            ("c", "nothing to see here"),
        ];
        let bytes = build(docs.iter().map(|(t, x)| (*t, *x)));
        let index = DiskIndex::open(&bytes).expect("a whole index");
        assert_eq!(index.documents(), 3);
        let hits = index.search("cache", 10, false);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), [1, 0]);
        assert_eq!(index.search("rebuil", 10, false)[0].0, 0, "prefixes");
        assert_eq!(index.search("cache tree", 10, true).len(), 1);
        assert!(DiskIndex::open(&bytes[..bytes.len() - 1]).is_none());
        let memory = super::super::Index::new(
            docs.iter()
                .map(|(t, x)| super::super::Document {
                    source: super::super::Source::Record {
                        kind: "k".into(),
                        id: t.to_string(),
                    },
                    title: t.to_string(),
                    text: x.to_string(),
                })
                .collect(),
        );
        let expected = memory.search("cache tree", 10, |_| true);
        let got = index.search("cache tree", 10, false);
        for (e, g) in expected.iter().zip(&got) {
            assert!((e.score - g.1).abs() < 1e-4, "same scores");
        }
    }
}
