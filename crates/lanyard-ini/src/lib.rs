//! Reading `~/.aws/config` and editing only Lanyard's own blocks in it, byte for byte, and
//! checking a whole file against the rules of the parser botocore uses.
//!
//! Hand-written on purpose: INI crates parse into a model and write it back, which re-aligns keys,
//! drops comments or mangles nested values — exactly how Granted and Leapp lost users' config
//! (LANDSCAPE.md §4b). Here the file stays a string. Lanyard owns only the text between its marker
//! lines, one block per sso-session; every byte outside them is left alone.
//!
//! A block is always inserted as `<line ending><begin marker>…<end marker><line ending>`, so
//! removing that exact span restores the original file, whether or not it ended with a newline.

#![warn(missing_docs)]

use std::collections::HashMap;
use std::ops::Range;

/// What a section header declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionKind {
    /// `[default]` or `[profile NAME]`.
    Profile(String),
    /// `[sso-session NAME]`.
    SsoSession(String),
    /// `[services NAME]`.
    Services(String),
    /// Anything else botocore would ignore.
    Other(String),
}

/// One section, as read (keys in file order; nested sub-keys are not expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The parsed header.
    pub kind: SectionKind,
    /// 1-based line of the header.
    pub line: usize,
    /// `key = value` pairs, values trimmed.
    pub keys: Vec<(String, String)>,
}

impl Section {
    /// The value of a key (last one wins, like configparser).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.keys
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn kind_of(header: &str) -> SectionKind {
    let h = header.trim();
    let mut words = h.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("default"), None, _) => SectionKind::Profile("default".into()),
        (Some("profile"), Some(n), None) => SectionKind::Profile(n.into()),
        (Some("sso-session"), Some(n), None) => SectionKind::SsoSession(n.into()),
        (Some("services"), Some(n), None) => SectionKind::Services(n.into()),
        _ => SectionKind::Other(h.into()),
    }
}

/// Reads sections leniently (what botocore would see for well-formed files).
pub fn sections(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            out.push(Section {
                kind: kind_of(&trimmed[1..trimmed.len() - 1]),
                line: i + 1,
                keys: vec![],
            });
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue; // continuation of a nested value
        }
        if let (Some(section), Some(pos)) = (out.last_mut(), trimmed.find(['=', ':'])) {
            section.keys.push((
                trimmed[..pos].trim().to_owned(),
                trimmed[pos + 1..].trim().to_owned(),
            ));
        }
    }
    out
}

/// The line ending a file uses (CRLF when it has any).
pub fn line_ending(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

fn begin_marker(id: &str) -> String {
    format!("# >>> lanyard: {id} (managed by Lanyard; changes here are replaced) >>>")
}

fn end_marker(id: &str) -> String {
    format!("# <<< lanyard: {id} <<<")
}

/// The ids of every complete managed block in `text`, in file order (orphans included: a
/// profiles block whose identity is gone is still Lanyard's).
pub fn block_ids(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = text
        .lines()
        .filter_map(|l| {
            l.trim_end_matches('\r')
                .strip_prefix("# >>> lanyard: ")?
                .strip_suffix(" (managed by Lanyard; changes here are replaced) >>>")
                .map(str::to_owned)
        })
        .filter(|id| find_block(text, id).is_some())
        .collect();
    ids.dedup();
    ids
}

/// The byte range of a managed block, including the line ending before its begin marker and
/// the one after its end marker. `None` when absent (or unterminated, which is never touched).
pub fn find_block(text: &str, id: &str) -> Option<Range<usize>> {
    let begin = begin_marker(id);
    let end = end_marker(id);
    let mut offset = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if start.is_none() && content == begin {
            // The marker line ends with the line ending the block was written with; the one
            // before it is the same (a lone `\r` of the user's just before it stays theirs).
            let le = if line.ends_with("\r\n") { "\r\n" } else { "\n" };
            start = Some((offset, le));
        } else if let Some((s, le)) = start
            && content == end
        {
            let before = &text[..s];
            let s = if before.ends_with(le) {
                s - le.len()
            } else if before.ends_with('\n') {
                s - 1
            } else {
                s
            };
            return Some(s..offset + line.len());
        }
        offset += line.len();
    }
    None
}

/// Replaces (or appends) the managed block `id` with `body` (lines without markers).
pub fn upsert_block(text: &str, id: &str, body: &str) -> String {
    let le = line_ending(text);
    let mut block = String::new();
    block.push_str(le);
    block.push_str(&begin_marker(id));
    block.push_str(le);
    for line in body.lines() {
        block.push_str(line);
        block.push_str(le);
    }
    block.push_str(&end_marker(id));
    block.push_str(le);
    match find_block(text, id) {
        Some(range) => format!("{}{}{}", &text[..range.start], block, &text[range.end..]),
        None => format!("{text}{block}"),
    }
}

/// Removes the managed block `id`, restoring the bytes around it.
pub fn remove_block(text: &str, id: &str) -> String {
    match find_block(text, id) {
        Some(range) => format!("{}{}", &text[..range.start], &text[range.end..]),
        None => text.to_owned(),
    }
}

/// A value (or section name) that cannot be written into an INI file as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeValue {
    /// The key (or `section` for a section's name).
    pub key: &'static str,
    /// Why, for people.
    pub reason: String,
}

/// A character that would end or break a line for some reader of the file: Python's universal
/// newlines (`\r`, `\n`), any other control character, and the Unicode line separators
/// `str.splitlines()` honours.
fn breaks_lines(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

fn check(key: &'static str, value: &str, what: &str) -> Result<(), UnsafeValue> {
    match value.chars().find(|c| breaks_lines(*c)) {
        Some(c) => Err(UnsafeValue {
            key,
            reason: format!(
                "{what} {:?} holds a line break or control character ({:?}); it would start a new line in the config",
                value.chars().take(60).collect::<String>(),
                c
            ),
        }),
        None => Ok(()),
    }
}

/// The one place Lanyard's INI text is produced: a section header and `key = value` lines,
/// each value checked so that no value can add a line, a key or a section to the file (a value
/// with a line break would otherwise become, say, a `credential_process` every AWS tool runs).
#[derive(Debug, Clone)]
pub struct SectionWriter {
    text: String,
}

impl SectionWriter {
    /// `[prefix name]` (or `[name]` with an empty prefix). The name must be one word without
    /// brackets or control characters.
    pub fn new(prefix: &str, name: &str) -> Result<Self, UnsafeValue> {
        check("section", name, "the name")?;
        if name.is_empty()
            || name
                .chars()
                .any(|c| c.is_whitespace() || c == '[' || c == ']')
        {
            return Err(UnsafeValue {
                key: "section",
                reason: format!("the name {name:?} must be one word without brackets"),
            });
        }
        let header = if prefix.is_empty() {
            format!("[{name}]\n")
        } else {
            format!("[{prefix} {name}]\n")
        };
        Ok(SectionWriter { text: header })
    }

    /// Adds `key = value`; the value is written as it is, trimmed by readers.
    pub fn key(mut self, key: &'static str, value: &str) -> Result<Self, UnsafeValue> {
        check(key, value, "the value")?;
        self.text.push_str(key);
        self.text.push_str(" = ");
        self.text.push_str(value);
        self.text.push('\n');
        Ok(self)
    }

    /// The section's text, each line ending in `\n`.
    pub fn finish(self) -> String {
        self.text
    }
}

/// The lines of `text` as Python reads a file in text mode (universal newlines, how botocore
/// opens the config): `\r\n`, `\n` and a lone `\r` each end a line. Rust's `lines()` keeps a
/// lone `\r` inside a line, so a check built on it would not see the lines botocore sees.
fn python_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match rest.find(['\r', '\n']) {
            Some(i) if rest[i..].starts_with("\r\n") => (&rest[..i], i + 2),
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        rest = &rest[next..];
        Some(line)
    })
}

/// Why botocore could not read `text`, as (1-based line, reason), or `None` when it can.
///
/// Python's strict `RawConfigParser` (what botocore uses): one header per section, `key = value`
/// or `key: value` lines inside a section, each key once per section (case-insensitively),
/// indented lines continue the previous key's value. Lanyard also insists on one name after the
/// `profile`, `sso-session` and `services` prefixes, as botocore's section handling needs.
pub fn botocore_problem(text: &str) -> Option<(usize, String)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut section: Option<String> = None;
    let mut keys: HashMap<String, usize> = HashMap::new();
    // Indentation of the line that started the current key: deeper lines continue its value.
    let mut key_indent: Option<usize> = None;
    // A key with nothing after `=` starts nested settings (`s3 =` then indented `name = value`
    // lines), which botocore parses further: each must hold an `=`.
    let mut nested: Option<String> = None;
    for (i, line) in python_lines(text).enumerate() {
        let n = i + 1;
        let value = line.trim();
        if value.is_empty() || value.starts_with('#') || value.starts_with(';') {
            continue;
        }
        // In characters, as Python counts them.
        let indent = line.chars().take_while(|c| c.is_whitespace()).count();
        if section.is_some() && key_indent.is_some_and(|k| indent > k) {
            if let Some(key) = nested.as_ref().filter(|_| !value.contains('=')) {
                return Some((
                    n,
                    format!(
                        "{value:?} under `{key}` is not `name = value`; botocore cannot read these nested settings"
                    ),
                ));
            }
            continue;
        }
        if value.starts_with('[') {
            let Some(close) = value.rfind(']').filter(|&c| c > 1) else {
                return Some((n, format!("section header {value:?} has no closing ']'")));
            };
            let name = value[1..close].trim().to_owned();
            if let Some(prev) = seen.insert(name.clone(), n) {
                return Some((
                    n,
                    format!(
                        "section [{name}] is already defined on line {prev}; botocore refuses duplicate sections"
                    ),
                ));
            }
            let words = name.split_whitespace().count();
            let prefixed = ["profile ", "sso-session ", "services "]
                .iter()
                .any(|p| name.starts_with(p));
            if prefixed && words != 2 {
                return Some((
                    n,
                    format!("[{name}] must be a prefix and one name without spaces"),
                ));
            }
            section = Some(name);
            keys.clear();
            key_indent = None;
            nested = None;
            continue;
        }
        let Some(section) = &section else {
            return Some((
                n,
                format!(
                    "{value:?} comes before any [section] header; botocore cannot read the file"
                ),
            ));
        };
        let Some(pos) = value.find(['=', ':']) else {
            return Some((
                n,
                format!(
                    "{value:?} in [{section}] is not `key = value`; botocore cannot read the file"
                ),
            ));
        };
        let key = value[..pos].trim_end().to_lowercase();
        if key.is_empty() {
            return Some((n, format!("a value without a key in [{section}]")));
        }
        if let Some(prev) = keys.insert(key.clone(), n) {
            return Some((
                n,
                format!(
                    "`{key}` is already set in [{section}] on line {prev}; botocore refuses duplicate keys"
                ),
            ));
        }
        key_indent = Some(indent);
        nested = value[pos + 1..].trim().is_empty().then_some(key);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_refuses_every_way_a_value_could_start_a_line() {
        let ok = SectionWriter::new("profile", "dev")
            .and_then(|w| w.key("region", "eu-west-1"))
            .unwrap()
            .finish();
        assert_eq!(ok, "[profile dev]\nregion = eu-west-1\n");
        for bad in [
            "json\n[default]\ncredential_process = sh -c evil",
            "json\r[default]",
            "json\r\ncredential_process = x",
            "a\u{2028}b",
            "tab\there",
            "nul\0",
        ] {
            let e = SectionWriter::new("profile", "dev")
                .unwrap()
                .key("output", bad)
                .unwrap_err();
            assert_eq!(e.key, "output", "{bad:?}");
        }
        for name in ["", "two words", "a]b", "x\ny", "x\r"] {
            assert!(SectionWriter::new("profile", name).is_err(), "{name:?}");
        }
    }

    const ORIGINALS: &[&str] = &[
        "",
        "[default]\nregion = us-east-1\n",
        "[default]\nregion = us-east-1",
        "# only a comment",
        "[profile a]\r\nregion = eu-west-1\r\n; note\r\n",
        "\n\n[profile weird]   \n  key=value\nnested =\n  endpoint_url = http://x\n",
    ];

    #[test]
    fn a_lone_carriage_return_before_the_block_stays_the_users() {
        // Found by fuzz/config_edit: "\r" + "\n# >>> …" looked like a CRLF before the marker.
        for text in ["\r", "x\r", "[default]\r", "a\r\nb\r"] {
            let once = upsert_block(text, "id", "[profile p]\nregion = r\n");
            assert_eq!(remove_block(&once, "id"), text, "{text:?}");
            let twice = upsert_block(&once, "id", "[profile q]\n");
            assert_eq!(remove_block(&twice, "id"), text, "{text:?} after a re-sync");
        }
    }

    #[test]
    fn insert_then_remove_restores_every_byte() {
        for original in ORIGINALS {
            let with = upsert_block(
                original,
                "sso-session acme",
                "[sso-session acme]\nsso_region = us-east-1",
            );
            assert!(
                with.starts_with(original),
                "{original:?} must stay a prefix"
            );
            assert_eq!(remove_block(&with, "sso-session acme"), *original);
            let replaced = upsert_block(
                &with,
                "sso-session acme",
                "[sso-session acme]\nsso_region = eu-west-1",
            );
            assert!(
                replaced.contains("sso_region = eu-west-1")
                    && !replaced.contains("sso_region = us-east-1")
            );
            assert_eq!(remove_block(&replaced, "sso-session acme"), *original);
        }
    }

    #[test]
    fn blocks_in_crlf_files_use_crlf() {
        let with = upsert_block("[default]\r\n", "x", "[sso-session x]\nsso_region = r");
        assert!(!with.replace("\r\n", "").contains('\n'), "{with:?}");
    }

    #[test]
    fn user_text_after_a_block_survives_removal() {
        let with = upsert_block("[default]\n", "x", "[sso-session x]");
        let edited = format!("{with}[profile mine]\nregion = us-west-2\n");
        assert_eq!(
            remove_block(&edited, "x"),
            "[default]\n[profile mine]\nregion = us-west-2\n"
        );
        let two = upsert_block(
            &upsert_block("", "a", "[sso-session a]"),
            "b",
            "[sso-session b]",
        );
        assert_eq!(remove_block(&remove_block(&two, "a"), "b"), "");
    }

    #[test]
    fn unterminated_blocks_are_left_alone() {
        let text = "# >>> lanyard: x (managed by Lanyard; changes here are replaced) >>>\n[sso-session x]\n";
        assert_eq!(find_block(text, "x"), None);
    }

    /// Found by tests/e2e/test_config_differential.py against botocore's parser.
    #[test]
    fn the_strict_check_sees_the_lines_and_nested_settings_botocore_sees() {
        // Python reads a lone CR as a line break: the second `region` is a duplicate there.
        assert_eq!(
            botocore_problem("[default]\rregion = a\rregion = b\r").map(|p| p.0),
            Some(3)
        );
        // After `s3 =`, botocore splits each indented line at `=`.
        let (line, why) = botocore_problem("[default]\ns3 =\n  addressing_style = path\n  path\n")
            .expect("refused");
        assert_eq!(line, 4);
        assert!(why.contains("under `s3`"), "{why}");
        assert_eq!(
            botocore_problem("[default]\ns3 =\n  addressing_style = path\n\n  # c\n"),
            None
        );
        assert_eq!(botocore_problem("[default]\nnote = a\n  continued\n"), None);
    }

    #[test]
    fn reads_sections_and_keys() {
        let s = sections(
            "[default]\nregion = us-east-1\n# c\n[sso-session my-sso]\nsso_start_url = https://x/start\nsso_region: eu-west-1\n[profile p]\nservices = local\n[services local]\nsso =\n  endpoint_url = http://127.0.0.1\n[bogus header here]\n",
        );
        assert_eq!(s[0].kind, SectionKind::Profile("default".into()));
        assert_eq!(s[1].kind, SectionKind::SsoSession("my-sso".into()));
        assert_eq!(s[1].get("sso_region"), Some("eu-west-1"));
        assert_eq!(s[1].line, 4);
        assert_eq!(s[3].kind, SectionKind::Services("local".into()));
        assert_eq!(s[3].keys, vec![("sso".to_owned(), String::new())]);
        assert_eq!(s[4].kind, SectionKind::Other("bogus header here".into()));
    }
}
