//! Identifiers: validation of human ids, and ids made locally that never collide across clones.

use crate::error::{Error, Result};
use std::cmp::Ordering;

/// Longest id accepted: long enough for descriptive ids, short enough for paths and tables.
pub const MAX_ID_LEN: usize = 64;

/// Crockford's base32 alphabet, lower case: no i, l, o or u to misread.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Checks a human id (`B1.1`, `s01-m01`, `sprint-3`) before it gets anywhere near a path.
///
/// `kind` names the thing for the error message ("mission", "sprint").
pub fn validate_id(kind: &str, id: &str) -> Result<()> {
    if is_plain_id(id) {
        return Ok(());
    }
    let problem = if id.is_empty() {
        Some("it is empty".to_string())
    } else if id.chars().count() > MAX_ID_LEN {
        Some(format!("it is longer than {MAX_ID_LEN} characters"))
    } else if let Some(c) = id.chars().find(|c| c.is_control()) {
        Some(format!("it contains the control character {:?}", c))
    } else if id.contains("..") {
        Some("it contains '..'".to_string())
    } else if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some("it must start with a letter or a digit".to_string())
    } else if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        Some(format!("it contains {:?}", c))
    } else if id.ends_with('.') || ends_with_lock(id) {
        Some("it must not end with '.' or '.lock'".to_string())
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(why) => Err(Error::InvalidInput(format!(
            "invalid {kind} id {}: {why}; ids use letters, digits, '.', '_' and '-', start with a letter or digit, and have at most {MAX_ID_LEN} characters",
            quote(id)
        ))),
    }
}

/// An id every rule of [`validate_id`] accepts, judged in one pass over its bytes: every record
/// read checks its id (100,000 in a first verify), and the rules one by one (a substring
/// search among them) cost 700 instructions an id. Anything else goes through the rules, which
/// also say what is wrong.
fn is_plain_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    (1..=MAX_ID_LEN).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes.iter().all(allowed)
        && !bytes.windows(2).any(|pair| pair == b"..")
        && !id.ends_with('.')
        && !ends_with_lock(id)
}

/// Whether `id` ends with `.lock` in any case (git refuses such ref names), without copying
/// it: every record read checks its id, 100,000 of them in a first verify.
fn ends_with_lock(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() >= 5 && bytes[bytes.len() - 5..].eq_ignore_ascii_case(b".lock")
}

/// Quotes user text for an error message, escaping what a terminal would not show.
pub fn quote(text: &str) -> String {
    let shown: String = text.chars().take(80).collect();
    let ellipsis = if text.chars().count() > 80 { "…" } else { "" };
    format!("{:?}{ellipsis}", shown)
}

/// FNV-1a, 64 bits: stable across versions and platforms (the std hasher promises neither),
/// and a few instructions per byte. Used where short ids are spread over buckets.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_extend(FNV1A_START, bytes)
}

/// The state of an FNV-1a hash before any byte.
pub const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a's multiplier.
const FNV1A_PRIME: u64 = 0x0100_0000_01b3;

/// Carries an FNV-1a hash over more bytes, for a hasher fed in pieces.
pub fn fnv1a_extend(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |hash, byte| fnv1a_step(hash, u64::from(*byte)))
}

fn fnv1a_step(hash: u64, unit: u64) -> u64 {
    (hash ^ unit).wrapping_mul(FNV1A_PRIME)
}

/// A checksum of large stored bytes (local cache files): FNV-1a's step over eight bytes at a
/// time, then the bytes left, then the length. Byte by byte, each step waiting on the
/// multiply before it, 4.5 MB took 18 million instructions. Each step is one-to-one, so a
/// change to any one word always changes the sum. Not `fnv1a`: the two differ.
pub fn fnv1a_words(bytes: &[u8]) -> u64 {
    let (words, rest) = bytes.as_chunks::<8>();
    let hash = (words.iter()).fold(FNV1A_START, |hash, w| {
        fnv1a_step(hash, u64::from_le_bytes(*w))
    });
    fnv1a_step(fnv1a_extend(hash, rest), bytes.len() as u64)
}

/// Test only: the environment variable that seeds the ids. When it holds a number, the random
/// bits of this process's uids, short ids and writer ids come from a sequence that number
/// determines, so a test's output is the same on every run. Processes given the same seed
/// make the same ids: a test gives each command it runs its own seed (a counter). Never set it
/// otherwise: clones would make colliding ids.
pub const TEST_SEED_ENV: &str = "CMOS_TEST_SEED";

/// Fills `buf` from the operating system's random source (or the test seed's sequence).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if let Some(seed) = test_seed() {
        seeded_fill(seed, &mut buf);
        return buf;
    }
    // The OS random source failing is not something cmos can recover from or work around.
    getrandom::fill(&mut buf).expect("the operating system's random source is unavailable");
    buf
}

fn test_seed() -> Option<u64> {
    static SEED: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| std::env::var(TEST_SEED_ENV).ok()?.trim().parse().ok())
}

/// The next bytes of the sequence `seed` determines: splitmix64 over a process-wide counter,
/// so every call gets new bytes and no two calls of one process repeat.
fn seeded_fill(seed: u64, buf: &mut [u8]) {
    static DRAWN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    for chunk in buf.chunks_mut(8) {
        let n = DRAWN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut z = seed
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .wrapping_add(n.wrapping_add(1).wrapping_mul(0xbf58_476d_1ce4_e5b9));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_be_bytes()[..chunk.len()]);
    }
}

/// Encodes the low `chars * 5` bits of `value` in `chars` base32 characters, most significant first.
fn encode(value: u128, chars: usize, out: &mut String) {
    for i in (0..chars).rev() {
        out.push(ALPHABET[((value >> (i * 5)) & 31) as usize] as char);
    }
}

/// A unique, time-sortable record id: 48 bits of milliseconds and 80 random bits, 26 characters.
pub fn new_uid() -> String {
    new_uid_at(super::time::now_millis())
}

/// A uid for the moment `now_millis` after the Unix epoch.
pub fn new_uid_at(now_millis: i64) -> String {
    let mut random = [0u8; 16];
    random[6..].copy_from_slice(&random_bytes::<10>());
    uid_of(now_millis, u128::from_be_bytes(random))
}

/// A uid that depends only on `now_millis` and `content`: what two clones computing the same
/// record (a merge's conflict events) must agree on.
pub fn derived_uid(now_millis: i64, content: &[u8]) -> String {
    let high = fnv1a(content);
    let low = fnv1a(&[content, b"\x01"].concat()) & 0xffff;
    uid_of(now_millis, (u128::from(high) << 16) | u128::from(low))
}

/// 48 bits of milliseconds, then the low 80 bits of `random`.
fn uid_of(now_millis: i64, random: u128) -> String {
    let value =
        ((now_millis.max(0) as u128 & 0xffff_ffff_ffff) << 80) | (random & ((1u128 << 80) - 1));
    let mut out = String::with_capacity(26);
    encode(value, 26, &mut out);
    out
}

/// The creation order a uid encodes, as a number (its first 24 digits), so sorting by it is
/// a few integer comparisons instead of a string comparison. Orders uids as their text does;
/// characters outside the alphabet (a hand-edited uid) count as the largest digit.
pub fn uid_order_key(uid: &str) -> u128 {
    uid.bytes().take(24).fold(0u128, |key, b| {
        (key << 5) | u128::from(DIGITS[usize::from(b)])
    })
}

/// The value of each byte as a base32 digit; 31 for bytes outside the alphabet.
const DIGITS: [u8; 256] = {
    let mut digits = [31u8; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        digits[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    digits
};

/// A generated human id such as `m-4k7wq2xz9d`: a prefix and 50 random bits.
///
/// Two clones that never talked would need about 30 million ids each before a collision
/// became a one-in-a-million event; callers also check the id is free locally.
pub fn new_short_id(prefix: &str) -> String {
    let bytes = random_bytes::<8>();
    let value = u64::from_be_bytes(bytes) as u128;
    let mut out = String::with_capacity(prefix.len() + 11);
    out.push_str(prefix);
    out.push('-');
    encode(value, 10, &mut out);
    out
}

/// The random id of one writer (a clone or a worktree), used to name its log shards.
pub fn new_writer_id() -> String {
    let value = u64::from_be_bytes(random_bytes::<8>()) as u128;
    let mut out = String::with_capacity(10);
    encode(value, 10, &mut out);
    out
}

/// Compares ids as people read them: runs of digits by their value, so `task-2` comes before
/// `task-10`; ids that read the same (`a01`, `a1`) fall back to their bytes, so the order
/// is total.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    // Called for every tie of a sort over all missions (every import's missions share their
    // time), so it compares in place and allocates nothing.
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    while let (Some(&p), Some(&q)) = (x.first(), y.first()) {
        let order = if p.is_ascii_digit() && q.is_ascii_digit() {
            let (m, n) = (digit_run(x), digit_run(y));
            let (u, v) = (
                without_leading_zeros(&x[..m]),
                without_leading_zeros(&y[..n]),
            );
            x = &x[m..];
            y = &y[n..];
            u.len().cmp(&v.len()).then_with(|| u.cmp(v))
        } else {
            x = &x[1..];
            y = &y[1..];
            p.cmp(&q)
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    x.len().cmp(&y.len()).then_with(|| a.cmp(b))
}

/// How many ASCII digits `s` starts with.
fn digit_run(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

fn without_leading_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|c| **c == b'0').count();
    &digits[zeros..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_usual_human_ids() {
        for id in [
            "B1.1",
            "s01-m01",
            "sprint_3",
            "m-4k7wq2xz9d",
            "A",
            "lock",
            "a-lock",
            "x.locked",
            &"x".repeat(64),
        ] {
            validate_id("mission", id).unwrap();
        }
    }

    #[test]
    fn refuses_ids_that_could_escape_or_confuse() {
        let long = "a".repeat(200);
        for id in [
            "", "../x", "a/b", "a\\b", "..", ".hidden", "-flag", "a\u{7}b", "a\nb", "x..y", "a b",
            "a.", "a.lock", "M1.LOCK", "x.Lock", &long,
        ] {
            let err = validate_id("mission", id).unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{id:?}");
        }
    }

    /// The one-pass judgement accepts exactly what the rules one by one accept, for every id
    /// of up to three characters from a set that reaches each rule, and around the length limit.
    #[test]
    fn plain_ids_are_judged_as_the_rules_one_by_one_judge_them() {
        let one_by_one = |id: &str| {
            !(id.is_empty()
                || id.chars().count() > MAX_ID_LEN
                || id.chars().any(char::is_control)
                || id.contains("..")
                || !id.starts_with(|c: char| c.is_ascii_alphanumeric())
                || id
                    .chars()
                    .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
                || id.ends_with('.')
                || id.to_ascii_lowercase().ends_with(".lock"))
        };
        let alphabet = ["a", "Z", "0", ".", "_", "-", " ", "/", "\u{7}", "é", "\n"];
        let mut ids = crate::model::text::every_string(&alphabet, 3);
        ids.sort();
        ids.dedup();
        for stem in [
            "a.lock", "a.LoCk", "alock", "a.loc", "x..lock", "a..b", "a.b.c",
        ] {
            ids.push(stem.into());
        }
        for len in [MAX_ID_LEN - 1, MAX_ID_LEN, MAX_ID_LEN + 1] {
            ids.push("b".repeat(len));
            ids.push(format!("{}é", "b".repeat(len - 1)));
        }
        for id in ids {
            assert_eq!(
                validate_id("mission", &id).is_ok(),
                one_by_one(&id),
                "{id:?}"
            );
        }
    }

    #[test]
    fn uids_sort_by_time_and_differ() {
        let a = new_uid_at(1_000);
        let b = new_uid_at(2_000);
        assert_eq!(a.len(), 26);
        assert!(a < b);
        assert_ne!(new_uid_at(5), new_uid_at(5));
    }

    #[test]
    fn uid_order_keys_order_as_the_text_does() {
        let mut uids: Vec<String> = (0..50).map(|i| new_uid_at(i * 7)).collect();
        uids.extend((0..50).map(|_| new_uid_at(99)));
        let mut by_key = uids.clone();
        by_key.sort_by_key(|u| uid_order_key(u));
        uids.sort();
        let prefix = |v: &[String]| v.iter().map(|u| u[..24].to_string()).collect::<Vec<_>>();
        assert_eq!(prefix(&by_key), prefix(&uids));
    }

    #[test]
    fn a_seeded_sequence_never_repeats_and_differs_by_seed() {
        let draw = |seed| {
            let mut buf = [0u8; 10];
            seeded_fill(seed, &mut buf);
            buf
        };
        let (a, b, c) = (draw(7), draw(7), draw(8));
        assert_ne!(a, b, "each call draws new bytes");
        assert_ne!(a, c);
        assert_ne!(b, c);
    }

    #[test]
    fn short_ids_are_valid_ids() {
        let id = new_short_id("m");
        assert_eq!(id.len(), 12);
        validate_id("mission", &id).unwrap();
    }
}
