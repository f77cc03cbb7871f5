//! Plain word search over records: every word of the query must occur, and records where the
//! words occur more often rank first. Case and punctuation do not matter.

/// A parsed query: its words, lowercased.
#[derive(Debug, Clone)]
pub struct Query {
    words: Vec<String>,
}

impl Query {
    /// The words of `text`; None when it has none.
    pub fn parse(text: &str) -> Option<Query> {
        let words: Vec<String> = words(text).collect();
        (!words.is_empty()).then_some(Query { words })
    }

    /// How well `fields` match: None unless every word occurs in at least one field, else the
    /// number of occurrences of the query's words.
    pub fn score<'a>(&self, fields: impl IntoIterator<Item = &'a str>) -> Option<u32> {
        let mut counts = vec![0u32; self.words.len()];
        for field in fields {
            for word in words(field) {
                for (i, wanted) in self.words.iter().enumerate() {
                    if word.starts_with(wanted.as_str()) {
                        counts[i] += 1;
                    }
                }
            }
        }
        counts.iter().all(|c| *c > 0).then(|| counts.iter().sum())
    }
}

/// The lowercased words of `text`: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_must_match_and_prefixes_count() {
        let query = Query::parse("Cache invalidat").unwrap();
        assert_eq!(
            query.score(["The cache is invalidated on write", "cache"]),
            Some(3)
        );
        assert_eq!(query.score(["the cache only"]), None);
        assert!(Query::parse(" -- ").is_none());
    }
}
