//! Merge of an append-only JSON Lines shard: the union of both sides' lines, each once, in
//! (time, uid) order. Lines that are not JSON are kept too, after the others.

/// The union of two versions of a shard. Symmetric, and merging a result again with either
/// side changes nothing.
pub fn merge_lines(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut lines: Vec<(String, String, &[u8])> = a
        .split(|c| *c == b'\n')
        .chain(b.split(|c| *c == b'\n'))
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .map(|line| {
            let (at, uid) = order_key(line);
            (at, uid, line)
        })
        .collect();
    // Lines without a time sort last, as "~" is after every digit.
    lines.sort_by(|x, y| (&x.0, &x.1, x.2).cmp(&(&y.0, &y.1, y.2)));
    lines.dedup_by(|x, y| x.2 == y.2);
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    for (_, _, line) in lines {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out
}

/// The time (`at`, else `updated_at`) and uid of a line.
fn order_key(line: &[u8]) -> (String, String) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(line) else {
        return ("~".into(), String::new());
    };
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let at = text("at")
        .or_else(|| text("updated_at"))
        .unwrap_or_else(|| "~".into());
    (at, text("uid").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_in_time_order_symmetric_and_idempotent() {
        let a = b"{\"at\":\"1\",\"uid\":\"a\"}\n{\"at\":\"3\",\"uid\":\"c\"}\n";
        let b = b"{\"at\":\"1\",\"uid\":\"a\"}\n{\"at\":\"2\",\"uid\":\"b\"}\nnot json\n";
        let merged = merge_lines(a, b);
        assert_eq!(merged, merge_lines(b, a));
        assert_eq!(merge_lines(&merged, a), merged);
        let text = String::from_utf8(merged).unwrap();
        assert_eq!(
            text,
            "{\"at\":\"1\",\"uid\":\"a\"}\n{\"at\":\"2\",\"uid\":\"b\"}\n{\"at\":\"3\",\"uid\":\"c\"}\nnot json\n"
        );
    }
}
