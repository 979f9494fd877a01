//! Reads AWS config texts from stdin, separated by NUL bytes, and prints one line per text:
//! `ok`, or `refused <line>: <reason>` as `botocore_problem` judges it. The end-to-end suite
//! compares these verdicts with botocore's own parser (tests/e2e/test_config_differential.py).
use std::io::{Read, Write};

fn main() {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("botocore_problem: stdin is not UTF-8 text: {e}");
        std::process::exit(2);
    }
    let mut out = std::io::stdout().lock();
    for text in input.split('\0') {
        let verdict = match lanyard_ini::botocore_problem(text) {
            None => "ok".to_owned(),
            Some((line, reason)) => {
                format!("refused {line}: {}", reason.replace(['\n', '\r'], " "))
            }
        };
        if writeln!(out, "{verdict}").is_err() {
            std::process::exit(1);
        }
    }
}
