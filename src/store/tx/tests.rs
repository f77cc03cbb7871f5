//! The remembered session record: never stale, never in place of an error.

use super::*;

fn text(title: &str) -> Vec<u8> {
    format!(
        "id = \"S1\"\nuid = \"01m8sf645kbzbsy8wyx2f2k9tp\"\ntype = \"build\"\ntitle = \"{title}\"\n\
         status = \"active\"\nagent = \"a\"\nstarted_at = \"2026-11-24T09:30:00Z\"\n\n\
         [[captures]]\nat = \"2026-11-24T09:31:00Z\"\ncategory = \"learning\"\ntext = \"t\"\nby = \"a\"\n"
    )
    .into_bytes()
}

#[test]
fn a_session_parsed_again_is_the_same_and_a_changed_file_is_parsed_anew() {
    let path = "sessions/S1.toml";
    let first = parsed_session(path, text("One")).unwrap();
    assert_eq!(first.title, "One");
    assert_eq!(first.captures.len(), 1);
    assert_eq!(parsed_session(path, text("One")).unwrap(), first);
    assert_eq!(parsed_session(path, text("Two")).unwrap().title, "Two");
    assert_eq!(parsed_session(path, text("One")).unwrap(), first);
    let damaged = text("One")[..40].to_vec();
    let err = parsed_session("sessions/S2.toml", damaged).unwrap_err();
    assert!(err.to_string().contains("sessions/S2.toml"), "{err}");
    // A file that fails to parse is not remembered in place of the last good one.
    assert_eq!(parsed_session(path, text("One")).unwrap(), first);
}
