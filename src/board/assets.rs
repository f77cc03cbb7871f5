//! The page, its script and its style, embedded in the binary: the board needs no install
//! step and no network.

/// Where the page takes the per-run token from.
const TOKEN_SLOT: &str = r#"<meta name="cmos-token" content="">"#;

pub const INDEX_HTML: &str = include_str!("../../assets/board/index.html");
pub const APP_CSS: &str = include_str!("../../assets/board/app.css");
pub const APP_JS: &str = include_str!("../../assets/board/app.js");

/// The page with this run's token in its slot (the token is hex, nothing to escape).
pub fn index_html(token: &str) -> String {
    INDEX_HTML.replacen(
        TOKEN_SLOT,
        &format!(r#"<meta name="cmos-token" content="{token}">"#),
        1,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_has_a_slot_for_the_token() {
        assert!(super::index_html("abc123").contains(r#"content="abc123""#));
    }
}
