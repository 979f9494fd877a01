//! The `lanyard` binary as a user runs it.

use std::process::Command;

fn lanyard(home: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lanyard"));
    c.env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    c
}

#[test]
fn paths_json_uses_home_and_aws_config_file() {
    let home = tempfile::tempdir().unwrap();
    let out = lanyard(home.path())
        .args(["paths", "--json"])
        .env("AWS_CONFIG_FILE", "/x/config")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["awsConfigFile"], "/x/config");
    assert_eq!(
        v["ssoCacheDir"],
        home.path().join(".aws/sso/cache").display().to_string()
    );
    assert_eq!(v["demo"], false);
}

#[test]
fn missing_home_is_explained() {
    let out = Command::new(env!("CARGO_BIN_EXE_lanyard"))
        .env_clear()
        .arg("paths")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("set HOME"));
}

#[test]
fn version_flag() {
    let out = lanyard(std::path::Path::new("/nonexistent"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("lanyard "));
}

#[test]
fn repos_and_clone_explain_what_is_missing() {
    let home = tempfile::tempdir().unwrap();
    let out = lanyard(home.path()).arg("repos").output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("lanyard login --session NAME --start-url URL"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = lanyard(home.path())
        .args(["clone", "bad name!"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a CodeCommit repository name"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = lanyard(home.path())
        .args(["clone", "../../etc"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no profile ../.."),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile mine]\nregion = eu-west-1\n",
    )
    .unwrap();
    let out = lanyard(home.path())
        .args(["clone", "mine/api"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("not an IAM Identity Center profile")
            && err.contains("git clone codecommit::REGION://mine@api"),
        "{err}"
    );
}
