//! The glob patterns that choose the documents `kb index` reads: `**` as a whole segment for
//! any number of directories, `*` for any run of characters within a name, `?` for one
//! character, everything else (brackets included) literal. Patterns come from the command
//! line and from the branch's `[kb] include`, which any collaborator can push, so they are
//! bounded in number and length, and matching takes time proportional to the pattern's
//! length times the path's, never exponential in the number of stars.

use std::fmt;

/// The most patterns one index is built from.
pub const MAX_PATTERNS: usize = 64;

/// The longest pattern, in bytes: longer than any sensible path glob, short enough that
/// matching every file of a large repository against every pattern stays quick.
pub const MAX_PATTERN_LEN: usize = 256;

/// A pattern checked and cut into segments, ready to match many paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `**`: any number of directories, none included.
    AnyDirs,
    /// One path segment, `*` and `?` within it.
    Name(Vec<Token>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`
    One,
    /// `*` (a run of stars is one)
    Any,
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobError {
    Empty,
    TooLong { len: usize },
    ControlCharacter,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobError::Empty => write!(f, "it is empty"),
            GlobError::TooLong { len } => write!(
                f,
                "it is {len} bytes long; a pattern holds at most {MAX_PATTERN_LEN}"
            ),
            GlobError::ControlCharacter => write!(f, "it holds a control character"),
        }
    }
}

impl Glob {
    /// Checks `pattern` and prepares it for matching.
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        if pattern.is_empty() {
            return Err(GlobError::Empty);
        }
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(GlobError::TooLong { len: pattern.len() });
        }
        if pattern.chars().any(char::is_control) {
            return Err(GlobError::ControlCharacter);
        }
        let mut segments: Vec<Segment> = Vec::new();
        for part in pattern.split('/') {
            if part == "**" {
                // `**/**` means what `**` means; one keeps the segment list short.
                if segments.last() != Some(&Segment::AnyDirs) {
                    segments.push(Segment::AnyDirs);
                }
                continue;
            }
            let mut tokens: Vec<Token> = Vec::with_capacity(part.len());
            for c in part.chars() {
                let token = match c {
                    '*' => Token::Any,
                    '?' => Token::One,
                    c => Token::Char(c),
                };
                if !(token == Token::Any && tokens.last() == Some(&Token::Any)) {
                    tokens.push(token);
                }
            }
            segments.push(Segment::Name(tokens));
        }
        Ok(Glob {
            text: pattern.to_string(),
            segments,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `path` (relative, `/`-separated) matches the whole pattern.
    pub fn matches(&self, path: &str) -> bool {
        let names: Vec<Vec<char>> = path.split('/').map(|n| n.chars().collect()).collect();
        wildcard(
            &self.segments,
            &names,
            |s| *s == Segment::AnyDirs,
            |segment, name| match segment {
                Segment::AnyDirs => true,
                Segment::Name(tokens) => wildcard(
                    tokens,
                    name,
                    |t| *t == Token::Any,
                    |token, c| match token {
                        Token::Char(want) => want == c,
                        Token::One | Token::Any => true,
                    },
                ),
            },
        )
    }
}

/// Whether `items` matches `pattern`, where a star element stands for any run of items and
/// every other element for one item it `fits`.
///
/// On a mismatch it goes back only to the latest star and lets it take one more item:
/// earlier stars never need to take more, since whatever they would take the latest star can
/// take as well. So each (pattern element, item) pair is tried at most once per star, and the
/// work is bounded by the product of the lengths instead of growing exponentially with the
/// number of stars, as plain recursion does.
fn wildcard<P, T>(
    pattern: &[P],
    items: &[T],
    is_star: impl Fn(&P) -> bool,
    fits: impl Fn(&P, &T) -> bool,
) -> bool {
    let (mut p, mut i) = (0, 0);
    // After the latest star: the next pattern element and the first item the star left.
    let mut resume: Option<(usize, usize)> = None;
    while i < items.len() {
        if p < pattern.len() && is_star(&pattern[p]) {
            p += 1;
            resume = Some((p, i));
        } else if p < pattern.len() && fits(&pattern[p], &items[i]) {
            p += 1;
            i += 1;
        } else if let Some((after_star, left)) = resume {
            p = after_star;
            i = left + 1;
            resume = Some((after_star, i));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(is_star)
}

/// Whether `path` matches `pattern`; a pattern `Glob::new` refuses matches nothing.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    Glob::new(pattern).is_ok_and(|g| g.matches(path))
}

/// A pattern as a message shows it: quoted with control characters escaped, and cut short,
/// since it may be hostile or huge.
pub fn shown(pattern: &str) -> String {
    const SHOWN: usize = 60;
    if pattern.chars().count() <= SHOWN {
        return format!("{pattern:?}");
    }
    let head: String = pattern.chars().take(SHOWN).collect();
    format!("{head:?}… ({} bytes)", pattern.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_stars_and_question_marks() {
        assert!(glob_matches("docs/**/*.md", "docs/a.md"));
        assert!(glob_matches("docs/**/*.md", "docs/x/y/a.md"));
        assert!(!glob_matches("docs/**/*.md", "src/docs/a.md"));
        assert!(glob_matches("README.md", "README.md"));
        assert!(!glob_matches("README.md", "sub/README.md"));
        assert!(glob_matches("**/*.md", "sub/README.md"));
        assert!(glob_matches("**/*.md", "README.md"));
        assert!(glob_matches("notes-?.txt", "notes-1.txt"));
        assert!(glob_matches("notes-?.txt", "notes-é.txt"), "one character");
        assert!(!glob_matches("notes-?.txt", "notes-12.txt"));
        assert!(
            !glob_matches("*.md", "docs/a.md"),
            "a star stays in its name"
        );
        assert!(glob_matches("docs/**", "docs/a/b.md"));
        assert!(
            glob_matches("a**b/c", "axyb/c"),
            "** inside a name is a star"
        );
        assert!(glob_matches("[x].md", "[x].md"), "brackets are literal");
        assert!(!glob_matches("[x].md", "x.md"));
        assert!(glob_matches("**/**/a", "a"));
        assert!(glob_matches("*a*b", "xaxxbyb"));
        assert!(!glob_matches("*a*b", "xaxxbyc"));
    }

    #[test]
    fn a_refused_pattern_says_why() {
        assert_eq!(Glob::new(""), Err(GlobError::Empty));
        let long = "a".repeat(MAX_PATTERN_LEN + 1);
        assert_eq!(
            Glob::new(&long),
            Err(GlobError::TooLong {
                len: MAX_PATTERN_LEN + 1
            })
        );
        assert_eq!(Glob::new("a\u{1b}b"), Err(GlobError::ControlCharacter));
        assert!(shown(&long).ends_with(&format!("… ({} bytes)", MAX_PATTERN_LEN + 1)));
    }

    #[test]
    fn many_stars_against_a_long_name_match_at_once() {
        let name = format!("{}.md", "a".repeat(200));
        let pattern = format!("{}b", "*a".repeat(120));
        let started = std::time::Instant::now();
        assert!(!glob_matches(&pattern, &name));
        assert!(glob_matches(&format!("{}*", "*a".repeat(120)), &name));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
