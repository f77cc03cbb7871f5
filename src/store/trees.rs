//! The one gate between the trees of the cmos branch and the code that follows them: every
//! tree is decoded here, and every entry is checked before anything reads, diffs, merges or
//! exports through it.
//!
//! The branch is written by everyone with push access, and `git push` / `git fetch` accept
//! trees that `git mktree` and `git fsck` refuse: entries named `..` or `/etc/x`, symlinks,
//! submodules, entries out of git's order or listed twice. Such an entry is never followed.
//! A reader sees it as a *bad leaf* at its path (with the reason), so the index reports it as
//! a problem instead of a missing record; an incoming commit that holds one is refused; and a
//! write never rewrites a tree that holds one (the tree editor would copy the entry, or, for
//! an unsorted tree, append a duplicate).
//!
//! What happens where:
//! - From a remote (adopting `origin/cmos` in a fresh clone, a sync's fast-forward or merge):
//!   any bad entry anywhere, or a file where a record directory belongs, refuses the commit
//!   (`Error::InvalidTree`, code `invalid_tree`, naming the commit and the path). Nothing
//!   local changes.
//! - On this clone's own tip (adopted by an older cmos, or moved there by hand): reads skip
//!   the bad entries and show everything else, with a warning per bad entry; a tree out of
//!   order or with a duplicate name is unreadable as a whole (refused, not re-sorted: which
//!   of two same-named entries is meant cannot be told). `verify` names each with its path.
//!   A write (or merge, or undo) that would rewrite a tree holding a bad entry, put a file
//!   over a directory or a directory over a file, is refused; writes elsewhere go ahead and
//!   reuse the damaged subtree by id, so cmos never writes a tree `git fsck --strict` rejects.
//!   The way out is to move the branch back to a commit before the damage, or rewrite it.

use std::cmp::Ordering;
use std::rc::Rc;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::error::{Error, FileProblem, Result};

/// cmos writes at most `.cmos/<log>/<month>/<shard>`; a tree nested this deep is not ours, and
/// walking it further would only let a hostile tree make paths (and memory) grow without end.
pub const MAX_DEPTH: usize = 8;

/// Why an entry name can never be part of the branch, or None when it can.
///
/// Names become paths on disk when the branch is exported, so everything a file system (or
/// git itself) would read as more than one plain component is refused: the empty name, `.`
/// and `..`, separators (`/`, which also covers absolute paths, and `\`), NUL and other
/// control characters, names that are not UTF-8, and the names git reserves (`.git` in any
/// case, with the trailing dots and spaces Windows drops, and its short form `git~1`).
pub fn check_name(name: &[u8]) -> Option<&'static str> {
    sound_name(name).err()
}

/// `name` as text when [`check_name`] accepts it, else why it does not.
fn sound_name(name: &[u8]) -> std::result::Result<&str, &'static str> {
    if name.is_empty() {
        return Err("an entry with an empty name");
    }
    if name == b"." || name == b".." {
        return Err("an entry named like a directory link (`.` or `..`)");
    }
    // Nearly every name is printable ASCII without separators, which none of the checks
    // below refuses: one pass over it instead of five (a first verify decodes 100,000 names).
    let plain = plain(name);
    if !plain {
        if name.starts_with(b"/") {
            return Err("an entry named by an absolute path");
        }
        if name.contains(&b'/') {
            return Err("an entry whose name holds `/` (several path components)");
        }
        if name.contains(&b'\\') {
            return Err("an entry whose name holds `\\` (a path separator on Windows)");
        }
    }
    let Ok(text) = std::str::from_utf8(name) else {
        return Err("an entry whose name is not UTF-8");
    };
    // C1 controls too: U+009B is a terminal's escape sequence introducer on its own.
    if !plain && text.chars().any(char::is_control) {
        return Err("an entry whose name holds a control character");
    }
    // Only a name that begins `.g` or `g` can be `.git` (with dots or spaces after it) or its
    // short form `git~1`: the others (nearly all) skip trimming their ends.
    let may_be_git = match name {
        [b'.', g, ..] | [g, ..] => g.eq_ignore_ascii_case(&b'g'),
        [] => false,
    };
    if may_be_git {
        let trimmed = name.trim_end_with(|c| c == '.' || c == ' ');
        if trimmed.eq_ignore_ascii_case(b".git") || name.eq_ignore_ascii_case(b"git~1") {
            return Err("an entry named `.git`, which git reserves");
        }
    }
    Ok(text)
}

/// What an entry of a checked tree is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Blob(ObjectId),
    Tree(ObjectId),
    /// An entry cmos will not follow, and why.
    Bad(String),
}

/// A decoded tree: its entries by name (in byte order, each name once), or why the tree as a
/// whole cannot be read.
pub enum Listing {
    Entries(Vec<(String, Node)>),
    Bad(String),
}

/// The kind of an entry from its mode, or why cmos does not follow it. Only the modes git
/// itself writes for files and directories pass (`040000` and `100664` are modes `git fsck
/// --strict` complains about).
fn classify(mode: gix::objs::tree::EntryMode, id: ObjectId) -> Node {
    let mut buf = [0u8; 6];
    match mode.as_bytes(&mut buf).as_bytes() {
        b"100644" | b"100755" => Node::Blob(id),
        b"40000" => Node::Tree(id),
        b"120000" => Node::Bad("a symbolic link, where cmos expects a file or directory".into()),
        b"160000" => {
            Node::Bad("a submodule (gitlink), where cmos expects a file or directory".into())
        }
        other => Node::Bad(format!(
            "an entry with mode {}, which git does not write",
            other.to_str_lossy()
        )),
    }
}

/// How a name is shown in paths and problems: as text, with anything unprintable escaped.
pub fn display_name(name: &[u8]) -> String {
    let text = String::from_utf8_lossy(name);
    if text.chars().any(char::is_control) {
        text.escape_debug().to_string()
    } else {
        text.into_owned()
    }
}

/// Decodes tree `id` and checks every entry.
pub fn read(repo: &gix::Repository, id: ObjectId) -> Result<Listing> {
    if id.is_empty_tree() {
        return Ok(Listing::Entries(Vec::new()));
    }
    Ok(decode(&encoded(repo, id)?, repo.object_hash()))
}

/// Tree `id` as stored, remembered for the next read of it in this thread: a path looked up
/// in a tree (`entry_of`) and a full decode of the same tree then read it once.
fn encoded(repo: &gix::Repository, id: ObjectId) -> Result<Rc<Vec<u8>>> {
    remembered(&ENCODED, id, || read_bytes(repo, id))
}

/// What `memo` keeps for tree `id`, else made by `make` and kept; the memo is emptied when it
/// fills, which bounds it (a tree's id names its content, so nothing kept is ever stale).
fn remembered<V>(
    memo: &'static std::thread::LocalKey<TreeMemo<V>>,
    id: ObjectId,
    make: impl FnOnce() -> Result<V>,
) -> Result<Rc<V>> {
    if let Some(found) = memo.with(|memo| memo.borrow().get(&id).cloned()) {
        return Ok(found);
    }
    let value = Rc::new(make()?);
    memo.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= SHARED_LISTINGS {
            memo.clear();
        }
        memo.insert(id, value.clone());
    });
    Ok(value)
}

/// Values worked out from trees by this thread, by tree id.
type TreeMemo<V> = std::cell::RefCell<std::collections::HashMap<ObjectId, Rc<V>>>;

/// The encoded tree `id`.
fn read_bytes(repo: &gix::Repository, id: ObjectId) -> Result<Vec<u8>> {
    use super::one_object::find;
    use super::pack_lookup::{Found, Lookup};
    let objects = repo.objects.store_ref().path();
    if let Some(Lookup::Found(Found {
        kind: gix::object::Kind::Tree,
        data,
    })) = find(objects, repo.object_hash(), &id, u64::MAX)
    {
        return Ok(data);
    }
    let git = |e| Error::git("cannot read a tree of the cmos branch", e);
    let data = super::repository::found_again(|| repo.try_find_object(id))
        .map_err(git)?
        .ok_or_else(|| {
            Error::Git(format!(
                "the cmos branch names tree {id}, which this repository does not have"
            ))
        })?
        .try_into_tree()
        .map_err(git)?
        .detach()
        .data;
    Ok(data)
}

/// Trees decoded and checked by this thread, by id: a write looks the same few trees up
/// several times (reading a record, checking the paths it edits, finding the last log shard),
/// and a directory of 400 missions costs as much to decode as the rest of the write. A tree's
/// id names its content, so a remembered listing is never stale; the memo is cleared when it
/// fills, which bounds it.
const SHARED_LISTINGS: usize = 64;

thread_local! {
    static LISTINGS: TreeMemo<Listing> = TreeMemo::default();
    static ENCODED: TreeMemo<Vec<u8>> = TreeMemo::default();
    /// Trees a name was looked up in without decoding them (`entry_of`): a second lookup in
    /// one decodes it, so many lookups in one tree cost one decode.
    static LOOKED_IN: std::cell::RefCell<std::collections::HashSet<ObjectId>> =
        std::cell::RefCell::default();
    /// Set while a write runs (`decoding_whole_trees`).
    static WHOLE_TREES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// [`read`], remembered for the next lookup of the same tree in this thread.
pub fn read_shared(repo: &gix::Repository, id: ObjectId) -> Result<Rc<Listing>> {
    remembered(&LISTINGS, id, || read(repo, id))
}

/// git's order: a tree sorts as if its name ended in `/`. A tree out of that order is refused
/// as a whole: git's own lookups and cmos's writer assume it, so entries of it would be found
/// or missed depending on who looks.
fn in_git_order(tree: &gix::objs::TreeRef<'_>) -> bool {
    tree.entries.windows(2).all(|pair| {
        let (a, b) = (&pair[0], &pair[1]);
        a.filename == b.filename
            || gix::objs::tree::name_order(
                a.filename,
                a.mode.is_tree(),
                b.filename,
                b.mode.is_tree(),
            ) == Ordering::Less
    })
}

/// The entries of one encoded tree, checked; exposed for the fuzz target.
pub fn decode(data: &[u8], hash: gix::hash::Kind) -> Listing {
    let Ok(tree) = gix::objs::TreeRef::from_bytes(data, hash) else {
        return Listing::Bad("a tree git cannot decode".into());
    };
    let sorted = in_git_order(&tree);
    if !sorted {
        return Listing::Bad("a tree whose entries are not in git's order".into());
    }
    // Git's order is byte order but for trees, so the entries of most trees (of files alone)
    // are in byte order already and are listed as they come; only the others are sorted.
    if tree.entries.is_sorted_by(|a, b| a.filename <= b.filename) {
        return listed(tree.entries.iter());
    }
    let mut entries: Vec<&gix::objs::tree::EntryRef<'_>> = tree.entries.iter().collect();
    entries.sort_by(|a, b| a.filename.cmp(b.filename));
    listed(entries.into_iter())
}

/// The listing of a tree's entries, given in byte order of their names: each name as shown
/// and what it is. A sound name is shown as the text `sound_name` already checked (a
/// `missions/xx` tree of a large project has hundreds of entries, and every write decodes a
/// few such trees); a bad one is escaped.
fn listed<'a>(
    entries: impl ExactSizeIterator<Item = &'a gix::objs::tree::EntryRef<'a>>,
) -> Listing {
    let mut checked: Vec<(String, Node)> = Vec::with_capacity(entries.len());
    let mut last: Option<&[u8]> = None;
    let mut escaped = false;
    for entry in entries {
        let name: &[u8] = entry.filename;
        if last == Some(name) {
            // Which of two same-named entries is meant cannot be told: follow neither.
            let listed = checked.last_mut().expect("the previous entry was kept");
            listed.1 = Node::Bad("two entries with this name (git fsck: duplicateEntries)".into());
            continue;
        }
        last = Some(name);
        checked.push(match sound_name(name) {
            Ok(text) => (text.to_string(), classify(entry.mode, entry.oid.to_owned())),
            Err(why) => {
                escaped = true;
                let shown = display_name(name);
                (
                    shown,
                    Node::Bad(format!("{why}: {:?}", name.to_str_lossy())),
                )
            }
        });
    }
    // By the names as shown, which `find` searches: escaping an unprintable name can move it
    // past its neighbours, and a search in the raw order would then miss a sound entry. A
    // sound name is shown as it is stored, so without an escaped one the order holds.
    if escaped && !checked.is_sorted_by(|a, b| a.0 <= b.0) {
        checked.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Listing::Entries(checked)
}

/// The entry `name` of a listing, if it is there.
pub fn find<'l>(listing: &'l Listing, name: &str) -> Option<&'l Node> {
    match listing {
        Listing::Entries(entries) => entries
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| &entries[i].1),
        Listing::Bad(_) => None,
    }
}

/// The directory `name` of tree `id`, when it is a sound entry of a sound tree.
pub fn subtree(repo: &gix::Repository, id: ObjectId, name: &str) -> Result<Option<ObjectId>> {
    Ok(match entry_of(repo, id, name)? {
        Some(Node::Tree(sub)) => Some(sub),
        _ => None,
    })
}

/// What `find` says of `name` in tree `id`. The first time a plain name is looked up in a
/// tree this thread has not decoded, the tree's entries are only parsed and the one entry
/// checked (`lookup`): decoding a `missions/xx` tree of 400 entries to read one record was a
/// third of `mission show` at 100,000 missions.
fn entry_of(repo: &gix::Repository, id: ObjectId, name: &str) -> Result<Option<Node>> {
    if let Some(listing) = LISTINGS.with(|memo| memo.borrow().get(&id).cloned()) {
        return Ok(find(&listing, name).cloned());
    }
    let first_look = LOOKED_IN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.len() >= SHARED_LISTINGS {
            seen.clear();
        }
        seen.insert(id)
    });
    let whole = WHOLE_TREES.with(std::cell::Cell::get);
    if !first_look || whole || id.is_empty_tree() || !plain(name.as_bytes()) {
        return Ok(find(&*read_shared(repo, id)?, name).cloned());
    }
    let data = encoded(repo, id)?;
    // A small tree costs little to decode, and a write decodes the trees on its paths anyway.
    if data.len() < FAST_LOOKUP_BYTES {
        return Ok(find(&*read_shared(repo, id)?, name).cloned());
    }
    Ok(lookup(&data, repo.object_hash(), name))
}

/// Runs `f` with every tree looked up decoded whole: a write checks every tree on the paths
/// it edits (`check_edits`), so parsing one first for a lookup would only add to its work.
pub fn decoding_whole_trees<R>(f: impl FnOnce() -> R) -> R {
    let before = WHOLE_TREES.with(|whole| whole.replace(true));
    // Put back on the way out, even when `f` unwinds (a write nested in a write keeps it on).
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            WHOLE_TREES.with(|whole| whole.set(self.0));
        }
    }
    let _restore = Restore(before);
    f()
}

/// Trees from this size on (about 100 entries) have a name looked up without decoding them.
const FAST_LOOKUP_BYTES: usize = 4096;

/// Printable ASCII without separators: a name no bad entry is shown as, unless it is that
/// entry's own name.
fn plain(name: &[u8]) -> bool {
    name.iter()
        .all(|&b| (0x20..0x7f).contains(&b) && b != b'/' && b != b'\\')
}

/// `find(&decode(data, hash), name)` for a [`plain`] name, but a name listed twice (bad in
/// the listing, None here; neither is followed), checking only the entry of that name: the
/// tree must decode and be in git's order, the name be listed once, and the entry pass
/// `check_name` and `classify`.
pub fn lookup(data: &[u8], hash: gix::hash::Kind, name: &str) -> Option<Node> {
    let tree = gix::objs::TreeRef::from_bytes(data, hash).ok()?;
    if !in_git_order(&tree) {
        return None;
    }
    let mut named = tree
        .entries
        .iter()
        .filter(|e| e.filename.as_bytes() == name.as_bytes());
    let (Some(found), None) = (named.next(), named.next()) else {
        return None;
    };
    Some(match check_name(found.filename) {
        Some(why) => Node::Bad(format!("{why}: {:?}", found.filename.to_str_lossy())),
        None => classify(found.mode, found.oid.to_owned()),
    })
}

/// The blob at `path` (components separated by `/`) in tree `id`, if every tree on the way
/// and the entry itself are sound.
pub fn blob_at(repo: &gix::Repository, id: ObjectId, path: &str) -> Result<Option<ObjectId>> {
    let mut tree = id;
    let mut parts = path.split('/').peekable();
    while let Some(name) = parts.next() {
        match (entry_of(repo, tree, name)?, parts.peek().is_none()) {
            (Some(Node::Blob(blob)), true) => return Ok(Some(blob)),
            (Some(Node::Tree(sub)), false) => tree = sub,
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// What is at a path of the branch for a reader: a file, or an entry it will not follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leaf {
    File(ObjectId),
    Bad(String),
}

/// One path whose leaf differs between two trees; a path is relative to the trees compared,
/// and "" stands for the compared directory itself (when it is unreadable as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub old: Option<Leaf>,
    pub new: Option<Leaf>,
}

/// Every leaf whose state differs between the trees `old` and `new` (None: no tree). Equal
/// subtrees are skipped by id, so the cost follows the size of the change; a bad entry is a
/// leaf and never descended into.
pub fn diff(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
) -> Result<Vec<Change>> {
    let mut out = Vec::new();
    walk(repo, vec![(String::new(), 0, old, new)], &mut out, None)?;
    Ok(out)
}

/// Below this many directories under the top one, a second thread costs more than it saves.
const MIN_PARALLEL_DIRECTORIES: usize = 32;

/// As [`diff`], with the directories under the top one compared on up to `threads` threads
/// (a first read of 100,000 missions decodes 256 `missions/xx` trees, a tenth of its time
/// before the records can be read), and the paths of the changes starting with `root`, the
/// top trees' own path (built once, not joined to each path again afterwards).
pub(super) fn diff_on_threads(
    repo: &gix::Repository,
    root: &str,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    threads: usize,
) -> Result<Vec<Change>> {
    let mut out = Vec::new();
    let mut below = Vec::new();
    walk(
        repo,
        vec![(root.to_string(), 0, old, new)],
        &mut out,
        Some(&mut below),
    )?;
    let reopen = super::Reopen::of(repo);
    let (Some(reopen), true) = (
        reopen,
        threads > 1 && below.len() >= MIN_PARALLEL_DIRECTORIES,
    ) else {
        walk(repo, below, &mut out, None)?;
        return Ok(out);
    };
    // Each helper takes an equal run of the directories; this thread takes the first run and
    // any run whose helper could not open the repository.
    let run = below.len().div_ceil(threads);
    let mut runs: Vec<Vec<Pending>> = Vec::new();
    while below.len() > run {
        runs.push(below.split_off(below.len() - run));
    }
    std::thread::scope(|scope| {
        let helpers: Vec<_> = runs
            .into_iter()
            .map(|pending| {
                let reopen = &reopen;
                scope.spawn(move || match reopen.open() {
                    Some(handle) => {
                        let mut found = Vec::new();
                        walk(&handle, pending, &mut found, None).map(|()| Ok(found))
                    }
                    None => Ok(Err(pending)),
                })
            })
            .collect();
        walk(repo, below, &mut out, None)?;
        for helper in helpers {
            match helper
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e))?
            {
                Ok(found) => out.extend(found),
                Err(pending) => walk(repo, pending, &mut out, None)?,
            }
        }
        Ok(out)
    })
}

/// A pair of directories still to compare: their path, depth and trees.
type Pending = (String, usize, Option<ObjectId>, Option<ObjectId>);

/// Compares each pair of `stack` and the directories under them, adding the changes to `out`.
/// With `below`, the directories under the pairs are put there instead of compared.
fn walk(
    repo: &gix::Repository,
    mut stack: Vec<Pending>,
    out: &mut Vec<Change>,
    mut below: Option<&mut Vec<Pending>>,
) -> Result<()> {
    while let Some((dir, depth, old, new)) = stack.pop() {
        if old == new {
            continue;
        }
        let side = |id: Option<ObjectId>| -> Result<Option<Listing>> {
            match id {
                None => Ok(None),
                Some(_) if depth > MAX_DEPTH => Ok(Some(Listing::Bad(format!(
                    "directories nested more than {MAX_DEPTH} deep, which cmos never writes"
                )))),
                Some(id) => read(repo, id).map(Some),
            }
        };
        let (a, b) = (side(old)?, side(new)?);
        let bad = |l: &Option<Listing>| match l {
            Some(Listing::Bad(why)) => Some(Leaf::Bad(why.clone())),
            _ => None,
        };
        let (a_bad, b_bad) = (bad(&a), bad(&b));
        if a_bad != b_bad {
            out.push(Change {
                path: dir.clone(),
                old: a_bad,
                new: b_bad,
            });
        }
        // A walk that has met thousands of changes is the start of a bulk read: huge pages
        // from here on (with them off, walking 100,000 missions' paths was half of a first
        // verify's page faults).
        crate::paging::on_for_bulk_reads(out.len());
        let (a_entries, b_entries) = (entries_of(&a), entries_of(&b));
        let (mut i, mut j) = (0, 0);
        while i < a_entries.len() || j < b_entries.len() {
            let order = match (a_entries.get(i), b_entries.get(j)) {
                (Some((x, _)), Some((y, _))) => x.cmp(y),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            let (name, x, y) = match order {
                Ordering::Less => {
                    i += 1;
                    (&a_entries[i - 1].0, Some(&a_entries[i - 1].1), None)
                }
                Ordering::Greater => {
                    j += 1;
                    (&b_entries[j - 1].0, None, Some(&b_entries[j - 1].1))
                }
                Ordering::Equal => {
                    i += 1;
                    j += 1;
                    let (x, y) = (&a_entries[i - 1], &b_entries[j - 1]);
                    (&x.0, Some(&x.1), Some(&y.1))
                }
            };
            if x == y {
                continue;
            }
            let mut path = join(&dir, name);
            let tree = |n: Option<&Node>| match n {
                Some(Node::Tree(id)) => Some(*id),
                _ => None,
            };
            let leaf = |n: Option<&Node>| match n {
                Some(Node::Blob(id)) => Some(Leaf::File(*id)),
                Some(Node::Bad(why)) => Some(Leaf::Bad(why.clone())),
                _ => None,
            };
            let (x_leaf, y_leaf) = (leaf(x), leaf(y));
            let is_tree = tree(x).is_some() || tree(y).is_some();
            if x_leaf != y_leaf {
                out.push(Change {
                    // Copied only when a directory needs it too (seldom: a file that became
                    // a directory or went the other way).
                    path: match is_tree {
                        true => path.clone(),
                        false => std::mem::take(&mut path),
                    },
                    old: x_leaf,
                    new: y_leaf,
                });
            }
            if is_tree {
                let pending = (path, depth + 1, tree(x), tree(y));
                match below.as_deref_mut() {
                    Some(below) => below.push(pending),
                    None => stack.push(pending),
                }
            }
        }
    }
    Ok(())
}

fn entries_of(listing: &Option<Listing>) -> &[(String, Node)] {
    match listing {
        Some(Listing::Entries(entries)) => entries,
        _ => &[],
    }
}

/// Every entry of tree `id` that cmos will not follow, as problems with their paths.
pub fn faults(repo: &gix::Repository, id: ObjectId) -> Result<Vec<FileProblem>> {
    Ok(diff(repo, None, Some(id))?
        .into_iter()
        .filter_map(|change| match change.new {
            Some(Leaf::Bad(why)) => Some(problem(&change.path, why)),
            _ => None,
        })
        .collect())
}

/// A bad entry as a problem, the same way wherever it is found.
pub fn problem(path: &str, why: String) -> FileProblem {
    FileProblem {
        path: if path.is_empty() {
            "/".into()
        } else {
            path.into()
        },
        line: None,
        column: None,
        message: format!("{why}; cmos does not follow it"),
    }
}

/// Why a write that rewrites the trees on the way to `paths` must not go ahead: the first
/// tree on those ways that holds a bad entry (the tree editor would copy it into the new
/// tree, or append a duplicate to an unsorted one). Trees the write does not rewrite are
/// reused by id and not looked at.
pub fn check_edits<'p>(
    repo: &gix::Repository,
    root: ObjectId,
    paths: impl IntoIterator<Item = &'p str>,
) -> Result<Option<FileProblem>> {
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let (mut tree, mut at) = (root, String::new());
        for name in path.split('/') {
            let listing = read_shared(repo, tree)?;
            if seen.insert(tree) {
                let bad = match &*listing {
                    Listing::Bad(why) => Some((at.clone(), why)),
                    Listing::Entries(entries) => entries.iter().find_map(|(n, node)| match node {
                        Node::Bad(why) => Some((join(&at, n), why)),
                        _ => None,
                    }),
                };
                if let Some((path, why)) = bad {
                    return Ok(Some(problem(&path, why.clone())));
                }
            }
            let here = join(&at, name);
            let last = here.len() == path.len();
            // The editor would replace what is there: never a directory of records by a file,
            // nor a file (records hidden behind it) by a directory.
            let shape = |what: &str| FileProblem {
                path: here.clone(),
                line: None,
                column: None,
                message: format!("{what}; cmos does not write over it"),
            };
            match (find(&listing, name), last) {
                (Some(Node::Tree(_)), true) => {
                    return Ok(Some(shape("a directory where cmos writes a file")));
                }
                (Some(Node::Blob(_)), false) => {
                    return Ok(Some(shape("a file where a directory is expected")));
                }
                (Some(Node::Tree(sub)), false) => tree = *sub,
                _ => break,
            }
            at = here;
        }
    }
    Ok(None)
}

/// `dir/name`: `name` at the top, `dir` for the directory itself ("").
pub fn join(dir: &str, name: &str) -> String {
    if name.is_empty() {
        dir.to_string()
    } else if dir.is_empty() {
        name.to_string()
    } else {
        // Not `format!`: a first verify joins 200,000 paths, and the formatter's machinery
        // cost five times the copies.
        let mut path = String::with_capacity(dir.len() + 1 + name.len());
        path.push_str(dir);
        path.push('/');
        path.push_str(name);
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree of `entries` (name, kind, id), sorted as git sorts them, written to `repo`.
    pub(super) fn write_tree(
        repo: &gix::Repository,
        entries: Vec<(String, gix::objs::tree::EntryKind, ObjectId)>,
    ) -> ObjectId {
        let mut tree = gix::objs::Tree::empty();
        for (name, kind, oid) in entries {
            tree.entries.push(gix::objs::tree::Entry {
                mode: kind.into(),
                filename: name.into(),
                oid,
            });
        }
        tree.entries.sort();
        repo.write_object(&tree).unwrap().detach()
    }

    /// Directories compared on several threads give the changes one thread gives: files
    /// added, removed, changed and turned into directories, a symbolic link, whole
    /// directories added and removed, with and without an old tree.
    #[test]
    fn directories_compared_on_threads_give_the_changes_of_one_thread() {
        use gix::objs::tree::EntryKind::{Blob, Link, Tree};
        let dir = tempfile::tempdir().unwrap();
        let repo = gix::init(dir.path()).unwrap();
        let blob = |text: String| repo.write_blob(text).unwrap().detach();
        let top = |version: usize| {
            let shards = (0..70).filter(|s| (s % 7 != version % 7) || version == 0);
            let entries = shards
                .map(|s| {
                    let mut files: Vec<_> = (0..5)
                        .map(|m| {
                            let text = format!("M{s}-{m} {}", (m + s) % (version + 2));
                            (format!("M{s}-{m}.toml"), Blob, blob(text))
                        })
                        .collect();
                    if s % 11 == version {
                        files.push(("link.toml".into(), Link, blob("elsewhere".into())));
                    }
                    if s % 13 == version {
                        let inner =
                            write_tree(&repo, vec![("x.toml".into(), Blob, blob(s.to_string()))]);
                        files[0] = ("M0-0.toml".into(), Tree, inner);
                    }
                    (format!("{s:02x}"), Tree, write_tree(&repo, files))
                })
                .chain([("top.toml".to_string(), Blob, blob(format!("top {version}")))])
                .collect();
            write_tree(&repo, entries)
        };
        let sorted = |mut changes: Vec<Change>| {
            changes.sort_by(|a, b| a.path.cmp(&b.path));
            changes
        };
        let (old, new) = (top(0), top(1));
        for (from, to) in [(None, Some(new)), (Some(old), Some(new)), (Some(new), None)] {
            let one = sorted(diff(&repo, from, to).unwrap());
            assert!(
                one.len() > MIN_PARALLEL_DIRECTORIES,
                "{} changes",
                one.len()
            );
            for threads in 1..=4 {
                let many = sorted(diff_on_threads(&repo, "", from, to, threads).unwrap());
                assert_eq!(many, one, "{threads} threads");
                // Under a root, the same changes with the root before each path.
                let rooted = sorted(diff_on_threads(&repo, "r/s", from, to, threads).unwrap());
                let expected: Vec<Change> = (one.iter())
                    .map(|c| Change {
                        path: join("r/s", &c.path),
                        ..c.clone()
                    })
                    .collect();
                assert_eq!(rooted, expected, "{threads} threads, under a root");
            }
        }
    }

    #[test]
    fn names_that_leave_a_directory_are_refused() {
        for bad in [
            &b""[..],
            b".",
            b"..",
            b"/etc/passwd",
            b"a/b",
            b"..\\x",
            b"a\x00b",
            b"a\x1b[2J",
            b"csi\xc2\x9b2J",
            b".git",
            b".GIT",
            b".Git. .",
            b"GIT~1",
            b"\xff\xfe",
        ] {
            assert!(check_name(bad).is_some(), "{bad:?} must be refused");
        }
        for good in [
            &b"A1.toml"[..],
            b".cmos",
            b"5c",
            b"...",
            b".gitignore",
            b"caf\xc3\xa9",
        ] {
            assert_eq!(check_name(good), None, "{good:?} is a plain name");
        }
    }

    /// The one-pass judgement of plain ASCII names gives what the checks one by one give,
    /// for every name of one or two bytes and around the reserved names.
    #[test]
    fn plain_names_are_judged_as_the_checks_one_by_one_judge_them() {
        let one_by_one = |name: &[u8]| -> Option<&'static str> {
            let text = std::str::from_utf8(name).ok();
            let trimmed = name.trim_end_with(|c| c == '.' || c == ' ');
            match () {
                _ if name.is_empty() => Some("empty"),
                _ if name == b"." || name == b".." => Some("link"),
                _ if name.starts_with(b"/") => Some("absolute"),
                _ if name.contains(&b'/') => Some("slash"),
                _ if name.contains(&b'\\') => Some("backslash"),
                _ if text.is_none() => Some("utf-8"),
                _ if text.is_some_and(|t| t.chars().any(char::is_control)) => Some("control"),
                _ if trimmed.eq_ignore_ascii_case(b".git")
                    || name.eq_ignore_ascii_case(b"git~1") =>
                {
                    Some("reserved")
                }
                _ => None,
            }
        };
        let mut names: Vec<Vec<u8>> = (0..=255u8).map(|a| vec![a]).collect();
        names.extend((0..=255u8).flat_map(|a| (0..=255u8).map(move |b| vec![a, b])));
        for stem in [
            &b".git"[..],
            b"git~1",
            b".gi",
            b"git~",
            b".GIT",
            b"GiT~1",
            b".Git..",
            b".gIt  ",
        ] {
            for byte in 0..=255u8 {
                names.push([stem, &[byte]].concat());
                names.push([&[byte], stem].concat());
            }
        }
        for name in names {
            assert_eq!(
                check_name(&name).is_some(),
                one_by_one(&name).is_some(),
                "{name:?}"
            );
        }
    }
}

#[cfg(test)]
mod decode_tests {
    use super::*;

    fn raw(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name) in entries {
            out.extend(mode.as_bytes());
            out.push(b' ');
            out.extend(*name);
            out.push(0);
            out.extend([7u8; 20]);
        }
        out
    }

    fn bad(listing: &Listing) -> Vec<(String, String)> {
        match listing {
            Listing::Bad(why) => vec![(String::new(), why.clone())],
            Listing::Entries(e) => e
                .iter()
                .filter_map(|(n, node)| match node {
                    Node::Bad(why) => Some((n.clone(), why.clone())),
                    _ => None,
                })
                .collect(),
        }
    }

    #[test]
    fn modes_git_does_not_write_are_bad() {
        let listing = decode(
            &raw(&[
                ("100664", b"a"),
                ("040000", b"b"),
                ("100755", b"c"),
                ("40000", b"d"),
            ]),
            gix::hash::Kind::Sha1,
        );
        let names: Vec<String> = bad(&listing).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["a", "b"]);
    }

    /// A name is looked up without decoding the tree the first time, and the tree decoded
    /// (and remembered) the second: the same answers either way.
    #[test]
    fn a_first_lookup_parses_the_tree_and_a_second_decodes_it() {
        use gix::objs::tree::EntryKind::{Blob, Link};
        let dir = tempfile::tempdir().unwrap();
        let repo = gix::init(dir.path()).unwrap();
        let blob = |text: &str| repo.write_blob(text).unwrap().detach();
        let (a, c) = (blob("a"), blob("c"));
        let mut entries = vec![
            ("a.toml".into(), Blob, a),
            ("b.toml".into(), Link, blob("b")),
            ("c.toml".into(), Blob, c),
        ];
        let small = super::tests::write_tree(&repo, entries.clone());
        // Enough entries for a tree over FAST_LOOKUP_BYTES.
        let filler = blob("filler");
        entries.extend((0..150).map(|i| (format!("f{i:03}.toml"), Blob, filler)));
        let tree = super::tests::write_tree(&repo, entries);
        let decoded = |id: &ObjectId| LISTINGS.with(|memo| memo.borrow().contains_key(id));
        assert_eq!(blob_at(&repo, small, "c.toml").unwrap(), Some(c));
        assert!(decoded(&small), "a small tree is decoded at once");
        assert!(!decoded(&tree));
        assert_eq!(blob_at(&repo, tree, "a.toml").unwrap(), Some(a));
        assert!(!decoded(&tree), "one lookup parses, and decodes nothing");
        assert_eq!(blob_at(&repo, tree, "b.toml").unwrap(), None, "a link");
        assert!(decoded(&tree), "the second lookup decodes the tree");
        assert_eq!(blob_at(&repo, tree, "c.toml").unwrap(), Some(c));
        assert_eq!(blob_at(&repo, tree, "a.toml").unwrap(), Some(a));
        assert_eq!(blob_at(&repo, tree, "missing.toml").unwrap(), None);
        // In a write, a first lookup decodes the tree at once.
        let other = super::tests::write_tree(&repo, {
            let mut entries = vec![("a.toml".into(), Blob, a)];
            entries.extend((0..150).map(|i| (format!("g{i:03}.toml"), Blob, filler)));
            entries
        });
        let found = decoding_whole_trees(|| blob_at(&repo, other, "a.toml").unwrap());
        assert_eq!(found, Some(a));
        assert!(decoded(&other));
        assert!(
            !WHOLE_TREES.with(std::cell::Cell::get),
            "off again after the write"
        );
        assert_eq!(
            blob_at(&repo, tree, "a.toml/x").unwrap(),
            None,
            "a file is no directory"
        );
    }

    proptest::proptest! {
        /// `find` in a listing finds what a reader means by the name, for any entries: out
        /// of order, listed twice, badly named (escaped names sort elsewhere than the raw
        /// ones), with modes git does not write.
        #[test]
        fn find_agrees_with_a_lookup_entry_by_entry(
            entries in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["100644", "100755", "40000", "120000", "100664"]),
                    proptest::sample::select(vec![
                        &b"a"[..], b"a.toml", b"b", b"b-c", b"b/c", b"..", b".git", b"a\x1b",
                        b"\xff", b"z",
                    ]),
                ),
                0..8,
            ),
            sort in proptest::bool::ANY,
        ) {
            let mut entries = entries;
            if sort {
                entries.sort_by(|a, b| {
                    gix::objs::tree::name_order(a.1, a.0 == "40000", b.1, b.0 == "40000")
                });
            }
            let data = raw(&entries);
            let listing = decode(&data, gix::hash::Kind::Sha1);
            for name in ["a", "a.toml", "b", "b-c", "z", "missing"] {
                let found = lookup(&data, gix::hash::Kind::Sha1, name);
                let expected = match find(&listing, name) {
                    // `decode` keeps a name listed twice, as bad; a lookup finds nothing.
                    Some(Node::Bad(why)) if why.contains("two entries") => None,
                    other => other.cloned(),
                };
                proptest::prop_assert_eq!(found, expected, "name {}", name);
            }
        }
    }

    #[test]
    fn order_and_duplicates_are_checked() {
        let sha1 = gix::hash::Kind::Sha1;
        // A tree sorts as if its name ended in `/`: `a.b` (blob) before `a` (tree).
        assert!(bad(&decode(&raw(&[("100644", b"a.b"), ("40000", b"a")]), sha1)).is_empty());
        assert_eq!(
            bad(&decode(&raw(&[("40000", b"a"), ("100644", b"a.b")]), sha1)).len(),
            1
        );
        let dup = bad(&decode(&raw(&[("100644", b"a"), ("100644", b"a")]), sha1));
        assert_eq!(dup.len(), 1);
        assert_eq!(dup[0].0, "a");
        let mixed = bad(&decode(
            &raw(&[("100644", b"a"), ("100644", b"a.b"), ("40000", b"a")]),
            sha1,
        ));
        assert_eq!(mixed.len(), 1, "a blob and a tree named alike: {mixed:?}");
    }
}
