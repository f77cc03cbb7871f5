//! `cmos kb index|search|validate`: the project's documents and the branch's records in one BM25
//! index. The sections of documents are cached under the git directory, keyed by each file's
//! size and modification time, so a re-index reads only the files that changed.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::kb::glob::{self, Glob, MAX_PATTERNS};
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

/// The BM25 index of the documents' sections, laid out for lookups (`kb::disk`).
fn index_path(ws: &Workspace) -> PathBuf {
    ws.store().common_dir().join("cmos").join("kb-index")
}

/// What the index was built from (files with size and mtime) and where each of its
/// documents lies, without the texts: what a query reads besides the index.
fn manifest_path(ws: &Workspace) -> PathBuf {
    ws.store().common_dir().join("cmos").join("kb-manifest")
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct Manifest {
    globs: Vec<String>,
    /// Every file the globs matched, ignored ones included, and the ignore files, with size
    /// and mtime: when these are unchanged, so is the index.
    fingerprint: Vec<(String, u64, u128)>,
    /// (path, size, modified ns) of every file indexed.
    files: Vec<(String, u64, u128)>,
    /// Per document of the index: (file number, first line, last line, title).
    sections: Vec<(u32, u32, u32, String)>,
}

fn manifest_of(cache: &Cache, fingerprint: Vec<(String, u64, u128)>) -> Manifest {
    let mut sections = Vec::new();
    for (n, file) in cache.files.iter().enumerate() {
        for s in &file.sections {
            sections.push((n as u32, s.first_line, s.last_line, s.title.clone()));
        }
    }
    Manifest {
        globs: cache.globs.clone(),
        fingerprint,
        files: cache
            .files
            .iter()
            .map(|f| (f.path.clone(), f.len, f.modified_ns))
            .collect(),
        sections,
    }
}

/// Writes the index and the manifest of `cache`, built from `globs`.
fn write_index(ws: &Workspace, cache: &Cache, globs: &[Glob]) -> Result<()> {
    let fingerprint = match ws.store().work_tree() {
        Some(root) => fingerprint(&root, globs),
        None => Vec::new(),
    };
    let texts = cache.files.iter().flat_map(|f| {
        f.sections
            .iter()
            .map(|s| (s.title.as_str(), s.text.as_str()))
    });
    crate::store::replace_file(&index_path(ws), &crate::kb::disk::build(texts))?;
    let manifest = postcard::to_allocvec(&manifest_of(cache, fingerprint)).map_err(|e| {
        Error::io(
            "cannot encode the knowledge-base manifest",
            std::io::Error::other(e),
        )
    })?;
    crate::store::replace_file(&manifest_path(ws), &manifest)
}

fn load_cache(path: &Path) -> Cache {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| postcard::from_bytes(&bytes).ok())
        .unwrap_or_default()
}

/// The globs to index: `paths` given (a directory means its markdown), else the project's
/// `[kb] include` setting, else README and docs markdown; with warnings about patterns of
/// the setting that were skipped. A bad pattern given here is refused; a bad one on the
/// branch, where any collaborator can put one, is skipped with a warning naming it, so that
/// it cannot make the knowledge base unusable.
fn globs(ws: &Workspace, paths: &[String]) -> Result<(Vec<Glob>, Vec<String>)> {
    if !paths.is_empty() {
        if paths.len() > MAX_PATTERNS {
            return Err(Error::InvalidInput(format!(
                "{} patterns were given; an index is built from at most {MAX_PATTERNS}",
                paths.len()
            )));
        }
        let globs = paths
            .iter()
            .map(|p| {
                let p = p.trim_end_matches('/').trim_start_matches("./");
                let pattern = if p.contains('*') || p.ends_with(".md") || p.contains('.') {
                    p.to_string()
                } else {
                    format!("{p}/**/*.md")
                };
                Glob::new(&pattern).map_err(|why| {
                    Error::InvalidInput(format!(
                        "the pattern {} cannot be used: {why}",
                        glob::shown(&pattern)
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        return Ok((globs, Vec::new()));
    }
    let snapshot = ws.snapshot()?;
    let project = snapshot.meta.project()?;
    let defaults = || {
        let defaults = docs::DEFAULT_GLOBS.iter().filter_map(|g| Glob::new(g).ok());
        defaults.collect()
    };
    let Some(include) = project.extra.get("kb").and_then(|kb| kb.get("include")) else {
        return Ok((defaults(), Vec::new()));
    };
    let mut warnings = Vec::new();
    let Some(list) = include.as_array() else {
        warnings.push(
            "the project's [kb] include setting is not a list of patterns; the default patterns are used"
                .to_string(),
        );
        return Ok((defaults(), warnings));
    };
    let mut globs = Vec::new();
    for entry in list {
        let Some(pattern) = entry.as_str() else {
            warnings.push(format!(
                "the project's [kb] include setting holds {}, which is not a pattern; it is skipped",
                entry.type_str()
            ));
            continue;
        };
        if globs.len() == MAX_PATTERNS {
            warnings.push(format!(
                "the project's [kb] include setting holds {} patterns; only the first {MAX_PATTERNS} are used",
                list.len()
            ));
            break;
        }
        match Glob::new(pattern) {
            Ok(glob) => globs.push(glob),
            Err(why) => warnings.push(format!(
                "the project's [kb] include pattern {} is skipped: {why}",
                glob::shown(pattern)
            )),
        }
    }
    Ok((globs, warnings))
}

/// The patterns as written, as the cache and the manifest keep them.
fn texts(globs: &[Glob]) -> Vec<String> {
    globs.iter().map(|g| g.as_str().to_string()).collect()
}

/// Indexes the project's documents into the cache, reading only new or changed files.
pub fn index(ws: &Workspace, paths: &[String]) -> Result<Outcome<Indexed>> {
    let started = Instant::now();
    let (globs, warnings) = globs(ws, paths)?;
    let (cache, read) = refresh(ws, &globs)?;
    let indexed = Indexed {
        files: cache.files.len(),
        sections: cache.files.iter().map(|f| f.sections.len()).sum(),
        globs: texts(&globs),
        read,
        milliseconds: started.elapsed().as_millis() as u64,
    };
    let mut outcome = Outcome::about(indexed, ws);
    outcome
        .warnings
        .extend(warnings.into_iter().map(super::Warning::from));
    Ok(outcome)
}

/// What `kb validate` found: whether the index is current, and what is stale if not.
#[derive(Debug, Serialize)]
pub struct Validated {
    /// True when a search reads the documents as they are now.
    pub current: bool,
    /// The patterns the index was built from (empty when there is no index yet).
    pub globs: Vec<String>,
    pub files: usize,
    /// Why the index is not current, if it is not: no index yet, or other patterns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Files the patterns match that the index does not have.
    pub new: Vec<String>,
    /// Files indexed that changed since (size or modification time).
    pub changed: Vec<String>,
    /// Files indexed that are gone or no longer match.
    pub removed: Vec<String>,
}

/// Checks the index against the documents without touching it: which files are new, changed
/// or gone since `kb index` last ran, and whether the project's patterns changed since.
pub fn validate(ws: &Workspace) -> Result<Outcome<Validated>> {
    let root = ws.store().work_tree().ok_or_else(|| {
        Error::InvalidInput(
            "a bare repository has no documents to index; records are searched all the same".into(),
        )
    })?;
    let (globs, warnings) = globs(ws, &[])?;
    let path = cache_path(ws);
    let cache = load_cache(&path);
    let mut report = Validated {
        current: false,
        globs: cache.globs.clone(),
        files: cache.files.len(),
        reason: None,
        new: Vec::new(),
        changed: Vec::new(),
        removed: Vec::new(),
    };
    if !path.exists() || !index_path(ws).exists() {
        report.reason = Some("the documents were never indexed here".into());
    } else {
        // Built from paths named on the command line: check those; else from the project's.
        let built_from = match cache.globs == texts(&globs) {
            true => globs,
            false => cache
                .globs
                .iter()
                .filter_map(|g| Glob::new(g).ok())
                .collect(),
        };
        let mut known: std::collections::HashMap<&str, &CachedFile> =
            cache.files.iter().map(|f| (f.path.as_str(), f)).collect();
        for relative in docs::find_files(&root, &built_from, |paths| ws.store().ignored(paths)) {
            let Ok(meta) = std::fs::metadata(root.join(&relative)) else {
                continue;
            };
            let modified_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            match known.remove(relative.as_str()) {
                Some(f) if f.len == meta.len() && f.modified_ns == modified_ns => {}
                Some(_) => report.changed.push(relative),
                None => report.new.push(relative),
            }
        }
        report.removed = known.into_keys().map(str::to_string).collect();
        report.removed.sort();
        report.current =
            report.new.is_empty() && report.changed.is_empty() && report.removed.is_empty();
    }
    let current = report.current;
    let mut outcome = Outcome::about(report, ws);
    outcome
        .warnings
        .extend(warnings.into_iter().map(super::Warning::from));
    if !current {
        outcome = outcome
            .warn("the index is stale: searches miss what changed until it is indexed again");
    }
    Ok(outcome)
}

/// The cache brought up to date with the files `globs` match; how many files were read.
fn refresh(ws: &Workspace, globs: &[Glob]) -> Result<(Cache, usize)> {
    let root = ws.store().work_tree().ok_or_else(|| {
        Error::Refused(
            "a bare repository has no documents to index; records are searched all the same".into(),
        )
    })?;
    let path = cache_path(ws);
    let mut old = load_cache(&path);
    if old.globs != texts(globs) {
        old.files.clear();
    }
    let mut known: std::collections::HashMap<String, CachedFile> =
        old.files.into_iter().map(|f| (f.path.clone(), f)).collect();
    let files = docs::find_files(&root, globs, |paths| ws.store().ignored(paths));
    let mut cache = Cache {
        globs: texts(globs),
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
    if read > 0 || !known.is_empty() || !path.exists() || !index_path(ws).exists() {
        let bytes = postcard::to_allocvec(&cache).map_err(|e| {
            Error::io(
                "cannot encode the knowledge-base cache",
                std::io::Error::other(e),
            )
        })?;
        crate::store::replace_file(&path, &bytes)?;
        write_index(ws, &cache, globs)?;
    }
    Ok((cache, read))
}

/// The files `globs` match now (ignored ones too) and the files that say what is ignored,
/// with size and mtime: compared with a manifest's, it tells whether anything changed
/// without asking git.
fn fingerprint(root: &Path, globs: &[Glob]) -> Vec<(String, u64, u128)> {
    docs::candidates(root, globs)
        .into_iter()
        .chain([".gitignore".to_string(), ".git/info/exclude".to_string()])
        .filter_map(|relative| {
            let meta = std::fs::metadata(root.join(&relative)).ok()?;
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            Some((relative, meta.len(), modified))
        })
        .collect()
}

/// Document hits from the on-disk index, refreshed first if any file changed since; with
/// warnings about patterns of the project's setting that were skipped.
fn search_documents(
    ws: &Workspace,
    query: &str,
    limit: usize,
    every_word: bool,
) -> Result<(Vec<KbHit>, Vec<String>)> {
    let Some(root) = ws.store().work_tree() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let (globs, warnings) = globs(ws, &[])?;
    let fresh =
        |m: &Manifest| m.globs == texts(&globs) && m.fingerprint == fingerprint(&root, &globs);
    let load = || -> Option<Manifest> {
        postcard::from_bytes(&std::fs::read(manifest_path(ws)).ok()?).ok()
    };
    let manifest = match load() {
        Some(m) if fresh(&m) => m,
        _ => {
            let (cache, _) = refresh(ws, &globs)?;
            write_index(ws, &cache, &globs)?;
            manifest_of(&cache, fingerprint(&root, &globs))
        }
    };
    let bytes = std::fs::read(index_path(ws))
        .map_err(|e| Error::io("cannot read the knowledge-base index", e))?;
    let Some(index) = crate::kb::disk::DiskIndex::open(&bytes) else {
        // Damaged: rebuild it and ask again.
        let _ = std::fs::remove_file(index_path(ws));
        let _ = std::fs::remove_file(manifest_path(ws));
        let (cache, _) = refresh(ws, &globs)?;
        write_index(ws, &cache, &globs)?;
        return search_documents(ws, query, limit, every_word);
    };
    let terms: Vec<String> = crate::kb::engine::words(query).collect();
    let mut hits = Vec::new();
    for (doc, score) in index.search(query, limit, every_word) {
        let Some((file, first, last, title)) = manifest.sections.get(doc) else {
            continue;
        };
        let Some((path, _, _)) = manifest.files.get(*file as usize) else {
            continue;
        };
        // The snippet comes from the file itself: the index keeps no text.
        let text = std::fs::read_to_string(root.join(path)).unwrap_or_default();
        let section: Vec<&str> = text
            .lines()
            .skip(*first as usize - 1)
            .take((*last - *first + 1) as usize)
            .collect();
        let document = Document {
            source: Source::File {
                path: path.clone(),
                first_line: *first as usize,
                last_line: *last as usize,
            },
            title: title.clone(),
            text: section.join("\n"),
        };
        hits.push(KbHit {
            score,
            snippet: crate::kb::engine::snippet(&document, &terms),
            source: document.source,
            title: document.title,
        });
    }
    Ok((hits, warnings))
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
    let wants = |k: &str| kind.is_none_or(|want| want == k);
    let (mut hits, warnings) = if wants("doc") {
        search_documents(ws, query, limit, false)?
    } else {
        (Vec::new(), Vec::new())
    };
    if kind != Some("doc") {
        let index = Index::new(record_documents(ws)?);
        hits.extend(
            index
                .search(query, limit, |d| match (&d.source, kind) {
                    (_, None) => true,
                    (Source::Record { kind: own, .. }, Some(k)) => own == k,
                    (Source::File { .. }, Some(_)) => false,
                })
                .into_iter()
                .map(|h| KbHit {
                    score: h.score,
                    source: h.document.source.clone(),
                    title: h.document.title.clone(),
                    snippet: h.snippet,
                }),
        );
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits.truncate(limit);
    let mut outcome = Outcome::about(hits, ws);
    outcome
        .warnings
        .extend(warnings.into_iter().map(super::Warning::from));
    Ok(outcome)
}

/// Every record of the branch as search documents; unreadable ones are left out (`verify`
/// reports them).
fn record_documents(ws: &Workspace) -> Result<Vec<Document>> {
    let store = ws.store();
    let snapshot = store.snapshot()?;
    let ids: Vec<String> = snapshot.index()?.missions.keys().cloned().collect();
    let missions = store.missions_listed(&snapshot, &ids)?;
    let (sessions, _) = store.sessions(&snapshot)?;
    let mut items = Vec::new();
    for kind in records::SEARCHED_ITEMS {
        items.extend(store.items(&snapshot, kind)?.0);
    }
    Ok(records::all(&missions, &sessions, &items))
}
