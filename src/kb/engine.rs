//! Full-text search in memory with BM25 ranking: documents are tokenized into lowercase
//! words, kept as postings per term, and scored against a query; a snippet shows the best
//! line with the matched words marked.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// BM25's term-frequency saturation and length normalisation, at their usual values.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Where a document comes from: a file's line range, or a record on the branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Source {
    File {
        path: String,
        first_line: usize,
        last_line: usize,
    },
    Record {
        kind: String,
        id: String,
    },
}

/// A searchable text and where it comes from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Document {
    pub source: Source,
    /// What the hit is called in results: a heading, a record's title.
    pub title: String,
    pub text: String,
}

/// The lowercase words of `text`: runs of letters and digits.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// An index of documents, ready to query.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Index {
    pub documents: Vec<Document>,
    /// term → (document, occurrences), documents in order.
    postings: HashMap<String, Vec<(u32, u32)>>,
    lengths: Vec<u32>,
    total_length: u64,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit<'a> {
    pub score: f32,
    pub document: &'a Document,
    /// The best line, with matched words marked `**like this**`.
    pub snippet: String,
}

impl Index {
    pub fn new(documents: Vec<Document>) -> Index {
        let mut index = Index::default();
        for document in documents {
            index.add(document);
        }
        index
    }

    pub fn add(&mut self, document: Document) {
        let number = self.documents.len() as u32;
        let mut counts: HashMap<String, u32> = HashMap::new();
        let mut length = 0u32;
        for word in words(&document.title).chain(words(&document.text)) {
            *counts.entry(word).or_default() += 1;
            length += 1;
        }
        for (term, count) in counts {
            self.postings.entry(term).or_default().push((number, count));
        }
        self.lengths.push(length);
        self.total_length += u64::from(length);
        self.documents.push(document);
    }

    pub fn len(&self) -> usize {
        self.documents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// The best `limit` documents for `query` (that `keep` accepts), best first, matching
    /// any of its words. A query word also matches longer words it begins, at a lower weight.
    pub fn search(
        &self,
        query: &str,
        limit: usize,
        keep: impl Fn(&Document) -> bool,
    ) -> Vec<Hit<'_>> {
        self.ranked(query, limit, false, keep)
    }

    /// `search`, keeping only documents that match every word of the query.
    pub fn search_all(
        &self,
        query: &str,
        limit: usize,
        keep: impl Fn(&Document) -> bool,
    ) -> Vec<Hit<'_>> {
        self.ranked(query, limit, true, keep)
    }

    fn ranked(
        &self,
        query: &str,
        limit: usize,
        every_word: bool,
        keep: impl Fn(&Document) -> bool,
    ) -> Vec<Hit<'_>> {
        let mut terms: Vec<String> = words(query).collect();
        terms.dedup();
        if terms.is_empty() || self.documents.is_empty() {
            return Vec::new();
        }
        let count = self.documents.len() as f32;
        let average = (self.total_length as f32 / count).max(1.0);
        // Per document: its score, and which query words it matched (one bit each).
        let mut scores: HashMap<u32, (f32, u64)> = HashMap::new();
        for (bit, term) in terms.iter().enumerate().take(64) {
            for (candidate, weight) in self.expansions(term) {
                let Some(postings) = self.postings.get(candidate) else {
                    continue;
                };
                let df = postings.len() as f32;
                let idf = ((count - df + 0.5) / (df + 0.5) + 1.0).ln();
                for &(doc, tf) in postings {
                    let tf = tf as f32;
                    let length = self.lengths[doc as usize] as f32;
                    let score =
                        idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * length / average));
                    let entry = scores.entry(doc).or_default();
                    entry.0 += score * weight;
                    entry.1 |= 1 << bit;
                }
            }
        }
        let all_bits = if terms.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << terms.len()) - 1
        };
        let mut ranked: Vec<(u32, f32)> = scores
            .into_iter()
            .filter(|(_, (_, matched))| !every_word || *matched == all_bits)
            .filter(|(doc, _)| keep(&self.documents[*doc as usize]))
            .map(|(doc, (score, _))| (doc, score))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .map(|(doc, score)| {
                let document = &self.documents[doc as usize];
                Hit {
                    score,
                    document,
                    snippet: snippet(document, &terms),
                }
            })
            .collect()
    }

    /// The term itself at full weight; words it is a prefix of at half weight (at most 20,
    /// so a short prefix cannot make a query slow).
    fn expansions<'t>(&'t self, term: &'t str) -> Vec<(&'t str, f32)> {
        let mut out = vec![(term, 1.0)];
        if term.chars().count() >= 3 {
            out.extend(
                self.postings
                    .keys()
                    .filter(|k| k.len() > term.len() && k.starts_with(term))
                    .take(20)
                    .map(|k| (k.as_str(), 0.5)),
            );
        }
        out
    }
}

/// The line of `document` with the most query words, the words marked, cut to 240 characters.
pub fn snippet(document: &Document, terms: &[String]) -> String {
    let matches = |line: &str| {
        words(line)
            .filter(|w| terms.iter().any(|t| w.starts_with(t.as_str())))
            .count()
    };
    let best = document
        .text
        .lines()
        .chain(std::iter::once(document.title.as_str()))
        .max_by_key(|line| (matches(line), usize::MAX - line.len()))
        .unwrap_or_default();
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let lower = word.to_lowercase();
        if terms.iter().any(|t| lower.starts_with(t.as_str())) {
            out.push_str(&format!("**{word}**"));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in best.trim().chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    if out.chars().count() > 240 {
        let cut: String = out.chars().take(239).collect();
        return format!("{cut}…");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str) -> Document {
        Document {
            source: Source::Record {
                kind: "decision".into(),
                id: id.into(),
            },
            title: id.into(),
            text: text.into(),
        }
    }

    #[test]
    fn rarer_and_more_frequent_words_rank_higher() {
        let index = Index::new(vec![
            doc("a", "the cache is rebuilt from the tree"),
            doc("b", "cache cache cache: the cache holds buckets"),
            doc("c", "nothing to see here"),
        ]);
        let hits = index.search("cache", 10, |_| true);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].document.title, "b");
        assert!(hits[0].snippet.contains("**cache**"), "{}", hits[0].snippet);
        assert!(index.search("   ", 10, |_| true).is_empty());
        assert_eq!(
            index.search("rebuil", 10, |_| true)[0].document.title,
            "a",
            "prefixes match"
        );
        assert_eq!(index.search("cache tree", 10, |_| true).len(), 2);
        let both = index.search_all("cache tree", 10, |_| true);
        assert_eq!(both.len(), 1, "every word");
        assert_eq!(both[0].document.title, "a");
    }
}
