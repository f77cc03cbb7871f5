//! The project's documents as search documents: files chosen by glob patterns (`kb::glob`;
//! README and the markdown under docs/ and cmos/docs/ by default), walked with walkdir,
//! leaving out what .gitignore ignores, and cut into sections at headings.

use std::path::Path;

use super::engine::{Document, Source};
use super::glob::Glob;

/// What `cmos kb index` reads when nothing else is configured.
pub const DEFAULT_GLOBS: [&str; 3] = ["README.md", "docs/**/*.md", "cmos/docs/**/*.md"];

/// The longest section, in lines, before it is cut in two: hits then point at a few lines.
const MAX_SECTION_LINES: usize = 40;

/// The files under `root` that match one of `globs`, relative and sorted; `.git` and what
/// `ignored` says are left out.
pub fn find_files(
    root: &Path,
    globs: &[Glob],
    ignored: impl Fn(&[String]) -> Vec<bool>,
) -> Vec<String> {
    let found = candidates(root, globs);
    let flags = ignored(&found);
    found
        .into_iter()
        .zip(flags.into_iter().chain(std::iter::repeat(false)))
        .filter(|(_, ignored)| !ignored)
        .map(|(path, _)| path)
        .collect()
}

/// The files under `root` that match one of `globs`, ignored ones included, relative and
/// sorted: what tells cheaply whether anything changed since the last index.
pub fn candidates(root: &Path, globs: &[Glob]) -> Vec<String> {
    let mut found: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let relative = e.path().strip_prefix(root).ok()?;
            let relative = relative.to_str()?.replace('\\', "/");
            globs
                .iter()
                .any(|g| g.matches(&relative))
                .then_some(relative)
        })
        .collect();
    found.sort();
    found
}

/// A markdown (or any text) file cut into sections at headings, long sections in pieces.
pub fn sections(path: &str, text: &str) -> Vec<Document> {
    let file_title = path.rsplit('/').next().unwrap_or(path).to_string();
    let mut documents = Vec::new();
    let mut title = file_title.clone();
    let mut lines: Vec<&str> = Vec::new();
    let mut first = 1;
    let mut flush = |title: &str, lines: &mut Vec<&str>, first: usize| {
        if lines.iter().any(|l| !l.trim().is_empty()) {
            documents.push(Document {
                source: Source::File {
                    path: path.to_string(),
                    first_line: first,
                    last_line: first + lines.len() - 1,
                },
                title: title.to_string(),
                text: lines.join("\n"),
            });
        }
        lines.clear();
    };
    for (n, line) in text.lines().enumerate() {
        let number = n + 1;
        let heading = line.starts_with('#');
        if heading || lines.len() >= MAX_SECTION_LINES {
            flush(&title, &mut lines, first);
            first = number;
            if heading {
                title = line.trim_start_matches('#').trim().to_string();
            }
        }
        lines.push(line);
    }
    flush(&title, &mut lines, first);
    documents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_follow_headings_with_line_ranges() {
        let text = "# Title\nintro\n\n## Part\nbody one\nbody two\n";
        let docs = sections("docs/a.md", text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].title, "Part");
        assert_eq!(
            docs[1].source,
            Source::File {
                path: "docs/a.md".into(),
                first_line: 4,
                last_line: 6
            }
        );
    }
}
