//! `cmos kb index|search`: the project's documents and the branch's records in one BM25
//! index. The sections of documents are cached under the git directory, keyed by each file's
//! size and modification time, so a re-index reads only the files that changed.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::kb::{Document, Index, Source, docs, records};

/// One file's sections as cached.
#[derive(Debug, Serialize, Deserialize)]
struct CachedFile {
    path: String,
    len: u64,
    modified_ns: u128,
    sections: Vec<CachedSection>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CachedSection {
    title: String,
    text: String,
    first_line: u32,
    last_line: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Cache {
    globs: Vec<String>,
    files: Vec<CachedFile>,
}

/// What `kb index` did.
#[derive(Debug, Serialize)]
pub struct Indexed {
    pub globs: Vec<String>,
    pub files: usize,
    pub sections: usize,
    /// Files read again because they were new or changed.
    pub read: usize,
    pub milliseconds: u64,
}

/// One search result.
#[derive(Debug, Serialize)]
pub struct KbHit {
    pub score: f32,
    pub source: Source,
    pub title: String,
    pub snippet: String,
}

fn cache_path(ws: &Workspace) -> PathBuf {
    ws.store().common_dir().join("cmos").join("kb-cache")
}

fn load_cache(path: &Path) -> Cache {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| postcard::from_bytes(&bytes).ok())
        .unwrap_or_default()
}

/// The globs to index: `paths` given (a directory means its markdown), else the project's
/// `[kb] include` setting, else README and docs markdown.
fn globs(ws: &Workspace, paths: &[String]) -> Result<Vec<String>> {
    if !paths.is_empty() {
        return Ok(paths
            .iter()
            .map(|p| {
                let p = p.trim_end_matches('/').trim_start_matches("./");
                if p.contains('*') || p.ends_with(".md") || p.contains('.') {
                    p.to_string()
                } else {
                    format!("{p}/**/*.md")
                }
            })
            .collect());
    }
    let snapshot = ws.snapshot()?;
    let configured = snapshot
        .meta
        .project()?
        .extra
        .get("kb")
        .and_then(|kb| kb.get("include"))
        .and_then(|v| v.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|g| g.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        });
    Ok(configured.unwrap_or_else(|| docs::DEFAULT_GLOBS.iter().map(|g| g.to_string()).collect()))
}

/// Indexes the project's documents into the cache, reading only new or changed files.
pub fn index(ws: &Workspace, paths: &[String]) -> Result<Outcome<Indexed>> {
    let started = Instant::now();
    let globs = globs(ws, paths)?;
    let (cache, read) = refresh(ws, &globs)?;
    let indexed = Indexed {
        files: cache.files.len(),
        sections: cache.files.iter().map(|f| f.sections.len()).sum(),
        globs,
        read,
        milliseconds: started.elapsed().as_millis() as u64,
    };
    Ok(Outcome::about(indexed, ws))
}

/// The cache brought up to date with the files `globs` match; how many files were read.
fn refresh(ws: &Workspace, globs: &[String]) -> Result<(Cache, usize)> {
    let root = ws.store().work_tree().ok_or_else(|| {
        Error::Refused(
            "a bare repository has no documents to index; records are searched all the same".into(),
        )
    })?;
    let path = cache_path(ws);
    let mut old = load_cache(&path);
    if old.globs != globs {
        old.files.clear();
    }
    let mut known: std::collections::HashMap<String, CachedFile> =
        old.files.into_iter().map(|f| (f.path.clone(), f)).collect();
    let files = docs::find_files(&root, globs, |paths| crate::remote::ignored(&root, paths));
    let mut cache = Cache {
        globs: globs.to_vec(),
        files: Vec::with_capacity(files.len()),
    };
    let mut read = 0;
    for relative in files {
        let full = root.join(&relative);
        let Ok(meta) = std::fs::metadata(&full) else {
            continue;
        };
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        match known.remove(&relative) {
            Some(file) if file.len == meta.len() && file.modified_ns == modified_ns => {
                cache.files.push(file);
            }
            _ => {
                let Ok(bytes) = std::fs::read(&full) else {
                    continue;
                };
                read += 1;
                let text = String::from_utf8_lossy(&bytes);
                let sections = docs::sections(&relative, &text)
                    .into_iter()
                    .filter_map(|d| match d.source {
                        Source::File {
                            first_line,
                            last_line,
                            ..
                        } => Some(CachedSection {
                            title: d.title,
                            text: d.text,
                            first_line: first_line as u32,
                            last_line: last_line as u32,
                        }),
                        Source::Record { .. } => None,
                    })
                    .collect();
                cache.files.push(CachedFile {
                    path: relative,
                    len: meta.len(),
                    modified_ns,
                    sections,
                });
            }
        }
    }
    if read > 0 || !known.is_empty() || !path.exists() {
        let bytes = postcard::to_allocvec(&cache)
            .map_err(|e| Error::Git(format!("cannot encode the knowledge-base cache: {e}")))?;
        crate::store::replace_file(&path, &bytes)?;
    }
    Ok((cache, read))
}

/// Searches documents and records; `kind` keeps one kind (`doc`, `mission`, `session`,
/// `decision`, `fact`, `learning`, `constraint`, `next-step`).
pub fn search(
    ws: &Workspace,
    query: &str,
    limit: usize,
    kind: Option<&str>,
) -> Result<Outcome<Vec<KbHit>>> {
    if crate::kb::engine::words(query).next().is_none() {
        return Err(Error::InvalidInput(
            "the query has no words to search for".into(),
        ));
    }
    let mut documents: Vec<Document> = Vec::new();
    let wants = |k: &str| kind.is_none_or(|want| want == k);
    if wants("doc") && ws.store().work_tree().is_some() {
        let globs = globs(ws, &[])?;
        let (cache, _) = refresh(ws, &globs)?;
        for file in cache.files {
            for section in file.sections {
                documents.push(Document {
                    source: Source::File {
                        path: file.path.clone(),
                        first_line: section.first_line as usize,
                        last_line: section.last_line as usize,
                    },
                    title: section.title,
                    text: section.text,
                });
            }
        }
    }
    if kind != Some("doc") {
        documents.extend(records::all(ws)?);
    }
    let index = Index::new(documents);
    let hits = index
        .search(query, limit, |d| match (&d.source, kind) {
            (_, None) => true,
            (Source::File { .. }, Some(k)) => k == "doc",
            (Source::Record { kind: own, .. }, Some(k)) => own == k,
        })
        .into_iter()
        .map(|h| KbHit {
            score: h.score,
            source: h.document.source.clone(),
            title: h.document.title.clone(),
            snippet: h.snippet,
        })
        .collect();
    Ok(Outcome::about(hits, ws))
}
