//! Any text as the user's AWS config, any text as Lanyard's block body: reading never panics,
//! botocore's rule check never panics, and inserting, replacing and removing Lanyard's block
//! always gives back the user's bytes exactly — also when the config holds the block twice (a
//! stale copy pasted back, two machines' configs merged). Any text as a value Lanyard writes:
//! the section writer either refuses it or the value reads back as exactly one `key = value`
//! line, by botocore's line rules.
#![no_main]

use libfuzzer_sys::fuzz_target;

const ID: &str = "profiles for sso-session fuzz";
const BEGIN: &str = "# >>> lanyard: profiles for sso-session fuzz (managed by Lanyard; changes here are replaced) >>>";
const END: &str = "# <<< lanyard: profiles for sso-session fuzz <<<";

/// A line the block finder reads as one of this block's markers (it ignores trailing CRs). Only
/// these are left out: other text, "lanyard" included, is the user's and must survive.
fn has_marker_line(text: &str) -> bool {
    text.split_inclusive('\n')
        .map(|l| l.trim_end_matches(['\n', '\r']))
        .any(|l| l == BEGIN || l == END)
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = input.splitn(3, '\u{0}');
    let user = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or("[profile x]\nregion = us-east-1\n");
    let middle = parts
        .next()
        .unwrap_or("[profile mine]\nregion = eu-west-1\n");
    let _ = lanyard_ini::sections(user);
    let _ = lanyard_ini::botocore_problem(user);
    let _ = lanyard_ini::line_ending(user);

    // The body as a value (and as a profile name): refused, or one line that reads back as it.
    if let Ok(w) =
        lanyard_ini::SectionWriter::new("profile", "x").and_then(|w| w.key("output", body))
    {
        let text = w.finish();
        assert_eq!(lanyard_ini::botocore_problem(&text), None, "{text:?}");
        let read = lanyard_ini::sections(&text);
        assert_eq!(read.len(), 1, "no value adds a section: {text:?}");
        assert_eq!(read[0].keys.len(), 1, "no value adds a key: {text:?}");
        assert_eq!(read[0].get("output"), Some(body.trim()), "{text:?}");
    }
    if let Ok(w) = lanyard_ini::SectionWriter::new("profile", body) {
        let read = lanyard_ini::sections(&w.finish());
        assert_eq!(read.len(), 1);
        assert_eq!(
            read[0].kind,
            lanyard_ini::SectionKind::Profile(body.to_owned())
        );
    }
    if [user, body, middle].into_iter().any(has_marker_line) {
        return;
    }
    let once = lanyard_ini::upsert_block(user, ID, body);
    assert!(once.starts_with(user), "the user's text is a prefix");
    assert!(
        lanyard_ini::find_block(&once, ID).is_some(),
        "the block is found again"
    );
    let twice = lanyard_ini::upsert_block(&once, ID, "[profile y]\nregion = eu-west-1\n");
    assert!(twice.starts_with(user));
    assert_eq!(
        lanyard_ini::remove_block(&twice, ID),
        user,
        "removal restores every byte"
    );
    let _ = lanyard_ini::sections(&twice);
    let _ = lanyard_ini::botocore_problem(&twice);

    // The block twice, with the user's text between: an edit replaces the first only, and two
    // removals give back exactly the user's bytes.
    let mine = format!("{user}{middle}");
    if has_marker_line(&mine) {
        return; // the user's last line and the middle's first joined into a marker
    }
    let dup = format!("{once}{middle}{}", lanyard_ini::upsert_block("", ID, body));
    let edited = lanyard_ini::upsert_block(&dup, ID, "[profile y]\nregion = eu-west-1\n");
    assert!(
        edited.starts_with(user),
        "the user's text before the blocks"
    );
    assert!(
        edited.ends_with(&dup[once.len()..]),
        "the middle and the second block are untouched"
    );
    for text in [&dup, &edited] {
        let first = lanyard_ini::remove_block(text, ID);
        assert_eq!(
            lanyard_ini::remove_block(&first, ID),
            mine,
            "two removals restore every byte"
        );
    }
    let _ = lanyard_ini::sections(&dup);
    let _ = lanyard_ini::botocore_problem(&dup);
});
