//! Any text as the user's AWS config, any text as Lanyard's block body: reading never panics,
//! botocore's rule check never panics, and inserting, replacing and removing Lanyard's block
//! always gives back the user's bytes exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;

const ID: &str = "profiles for sso-session fuzz";

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (user, body) = input
        .split_once('\u{0}')
        .unwrap_or((input, "[profile x]\nregion = us-east-1\n"));
    let _ = lanyard_ini::sections(user);
    let _ = lanyard_ini::botocore_problem(user);
    let _ = lanyard_ini::line_ending(user);
    // Text that already holds marker lines is the unit tests' business (unterminated blocks).
    if user.contains("lanyard") || body.contains("lanyard") {
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
});
