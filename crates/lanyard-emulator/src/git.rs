//! CodeCommit's git over HTTPS: Basic auth checked the way CodeCommit checks it (user
//! `AKID%SESSIONTOKEN`, password `<ts>Z<SigV4 over "GIT\n/v1/repos/NAME\n\nhost:HOST\n\nhost\n">`,
//! PROTOCOL.md §6.2), then the smart HTTP protocol served by the real `git http-backend` (CGI).
//! Repositories are generated deterministically with `git fast-import` on first access.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::OnceCell;

use crate::http::App;
use crate::state::{RepoKey, RepoMeta, now};
use crate::world::{CODECOMMIT_REGIONS, valid_repository_name};

/// A repository's folder once created (or why it could not be), made at most once.
type ReadyRepo = Arc<OnceCell<Result<PathBuf, String>>>;

/// Bare repositories under `<state dir>/git/<account>/<region>/<name>.git`, created lazily.
pub struct GitStore {
    root: PathBuf,
    ready: Mutex<HashMap<RepoKey, ReadyRepo>>,
}

/// How long a signed git password stays valid (CodeCommit accepts 15 minutes of skew).
const PASSWORD_TOLERANCE_SECS: f64 = 15.0 * 60.0;

fn text(status: StatusCode, msg: &str) -> Response {
    (status, format!("{msg}\n")).into_response()
}

fn challenge() -> Response {
    let mut r = text(StatusCode::UNAUTHORIZED, "Authentication required");
    r.headers_mut().insert(
        "www-authenticate",
        HeaderValue::from_static("Basic realm=\"CodeCommit\""),
    );
    r
}

impl GitStore {
    /// A store rooted at `root` (created on demand).
    pub fn new(root: PathBuf) -> Self {
        GitStore {
            root,
            ready: Mutex::new(HashMap::new()),
        }
    }

    /// The repository's directory, generating it on first use.
    pub(crate) async fn ensure(&self, key: &RepoKey, meta: &RepoMeta) -> Result<PathBuf, String> {
        let cell = self
            .ready
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        let dir = self
            .root
            .join(&key.1)
            .join(&key.2)
            .join(format!("{}.git", key.3));
        cell.get_or_init(|| async { generate(&dir, meta).await.map(|()| dir.clone()) })
            .await
            .clone()
    }
}

/// `ANY /v1/repos/{name}/...`: authenticate, authorize, then hand over to `git http-backend`.
pub async fn serve(State(app): State<Arc<App>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let rest = path.strip_prefix("/v1/repos/").unwrap_or("");
    let (raw_name, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let name = percent_encoding::percent_decode_str(raw_name)
        .decode_utf8_lossy()
        .into_owned();
    if !valid_repository_name(&name) || raw_name != name {
        return text(StatusCode::NOT_FOUND, "Repository not found");
    }
    let query = req.uri().query().unwrap_or("").to_owned();
    let push = match (req.method().as_str(), tail) {
        ("GET", "info/refs") if query.contains("service=git-receive-pack") => true,
        ("GET", "info/refs") => false,
        ("POST", "git-upload-pack") => false,
        ("POST", "git-receive-pack") => true,
        _ => {
            return text(
                StatusCode::NOT_FOUND,
                "Not found (only the smart HTTP protocol is served)",
            );
        }
    };

    // Header borrows end before the first await: `Body` is not `Sync`.
    let checked = {
        let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok());
        match header("authorization") {
            None => Err(challenge()),
            Some(auth) => authorize(&app, auth, header("host").unwrap_or(""), &name, push),
        }
    };
    let (key, meta, caller) = match checked {
        Ok(ok) => ok,
        Err(resp) => return resp,
    };
    let dir = match app.git.ensure(&key, &meta).await {
        Ok(d) => d,
        Err(e) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("could not prepare repository: {e}"),
            );
        }
    };
    let resp = cgi(&dir, req, tail, &query).await;
    if push && tail == "git-receive-pack" {
        app.state.touch_repository(&key);
        // The body is streamed: wait for git to finish before looking at the new tips.
        let (parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        crate::pulls::after_push(&app, &key, &dir, Some(&caller)).await;
        return Response::from_parts(parts, Body::from(bytes));
    }
    resp
}

/// Checks Basic credentials like CodeCommit; returns the repository and who asks (their session
/// ARN), or the HTTP answer.
#[allow(clippy::result_large_err)] // the Err is the HTTP answer itself, returned at once
fn authorize(
    app: &App,
    header: &str,
    host: &str,
    name: &str,
    push: bool,
) -> Result<(RepoKey, RepoMeta, String), Response> {
    let forbidden = |m: &str| text(StatusCode::FORBIDDEN, m);
    let b64 = header.strip_prefix("Basic ").ok_or_else(challenge)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| forbidden("Malformed Basic credentials"))?;
    let (user, password) = decoded
        .split_once(':')
        .ok_or_else(|| forbidden("Malformed Basic credentials"))?;
    let (akid, token) = user
        .split_once('%')
        .map_or((user, None), |(a, t)| (a, Some(t)));
    let creds = app
        .state
        .credentials(akid)
        .ok_or_else(|| forbidden("The security token included in the request is invalid"))?;
    if token != Some(creds.session_token.as_str()) {
        return Err(forbidden(
            "The security token included in the request is invalid",
        ));
    }
    if creds.expires_at <= now() {
        return Err(forbidden(
            "The security token included in the request is expired",
        ));
    }
    let pw = lanyard_sigv4::parse_git_password(password)
        .ok_or_else(|| forbidden("Malformed password"))?;
    let signed_at = time::PrimitiveDateTime::parse(
        pw.timestamp,
        time::macros::format_description!("[year][month][day]T[hour][minute][second]"),
    )
    .map_err(|_| forbidden("Malformed password"))?
    .assume_utc()
    .unix_timestamp() as f64;
    if (now() - signed_at).abs() > PASSWORD_TOLERANCE_SECS {
        return Err(forbidden("Signature expired"));
    }
    // CodeCommit knows its region from the host name; one emulator endpoint serves all regions,
    // so the region is the one the client signed for.
    let path = format!("/v1/repos/{name}");
    let region = CODECOMMIT_REGIONS
        .iter()
        .find(|r| {
            let expected = lanyard_sigv4::git_password(host, &path, r, &creds.secret, pw.timestamp);
            lanyard_sigv4::signatures_match(&expected, password)
        })
        .ok_or_else(|| {
            forbidden(
                "The request signature we calculated does not match the signature you provided",
            )
        })?;
    let action = if push { "GitPush" } else { "GitPull" };
    let allowed = app
        .state
        .permission_set(&creds)
        .is_some_and(|p| p.allows(action));
    let meta = app
        .state
        .repository(creds.instance, &creds.account, region, name);
    let caller = crate::state::session_arn(
        app.state.instance(creds.instance),
        &creds.account,
        &creds.role,
        &creds.user,
    );
    if !allowed {
        return Err(forbidden(&format!(
            "User: {caller} is not authorized to perform: codecommit:{action} on resource: arn:aws:codecommit:{region}:{}:{name}",
            creds.account
        )));
    }
    let meta = meta.ok_or_else(|| {
        text(
            StatusCode::NOT_FOUND,
            &format!("Repository {name} does not exist in {region}"),
        )
    })?;
    Ok((
        (
            creds.instance,
            creds.account.clone(),
            region.to_string(),
            name.to_owned(),
        ),
        meta,
        caller,
    ))
}

/// Runs `git http-backend` for one request and streams its answer back.
async fn cgi(dir: &Path, req: Request, tail: &str, query: &str) -> Response {
    let (Some(root), Some(repo)) = (dir.parent(), dir.file_name()) else {
        return text(StatusCode::INTERNAL_SERVER_ERROR, "bad repository path");
    };
    let (content_type, content_encoding, protocol) = {
        let h = |n: &str| {
            req.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        (h("content-type"), h("content-encoding"), h("git-protocol"))
    };
    let mut cmd = tokio::process::Command::new("git");
    cmd.arg("http-backend")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("PATH_INFO", format!("/{}/{tail}", repo.to_string_lossy()))
        .env("REQUEST_METHOD", req.method().as_str())
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", content_type)
        .env("HTTP_CONTENT_ENCODING", content_encoding)
        .env("GIT_PROTOCOL", protocol)
        .env("REMOTE_USER", "codecommit")
        .env("REMOTE_ADDR", "127.0.0.1")
        .env_remove("GIT_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("git http-backend: {e}"),
            );
        }
    };
    let mut stdin = child.stdin.take().expect("piped");
    let body = req.into_body();
    tokio::spawn(async move {
        use http_body_util::BodyExt;
        let mut body = body;
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data()
                && stdin.write_all(&data).await.is_err()
            {
                break;
            }
        }
        let _ = stdin.shutdown().await;
    });
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let mut status = StatusCode::OK;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        match out.read_line(&mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("status") {
                status = v
                    .trim()
                    .get(..3)
                    .and_then(|c| c.parse().ok())
                    .and_then(|c| StatusCode::from_u16(c).ok())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            } else {
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
    }
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    let mut resp = Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(out)));
    *resp.status_mut() = status;
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            axum::http::HeaderName::try_from(k),
            HeaderValue::from_str(&v),
        ) {
            resp.headers_mut().append(k, v);
        }
    }
    resp
}

// ---- deterministic content -------------------------------------------------------------------

const AUTHORS: &[(&str, &str)] = &[
    ("Alice Nakamura", "alice@acme.example"),
    ("Bob Okafor", "bob@acme.example"),
    ("Carmen Ruiz", "carmen@acme.example"),
    ("Dmitri Volkov", "dmitri@acme.example"),
];

const MESSAGES: &[&str] = &[
    "Add request validation",
    "Fix flaky retry test",
    "Bump dependencies",
    "Refactor configuration loading",
    "Document the release process",
    "Handle empty responses gracefully",
    "Add metrics for cache hits",
    "Tidy up error messages",
    "Speed up the build",
    "Add integration test for timeouts",
];

/// A fast-import stream for a repository: `commits` commits on the default branch, one extra
/// commit per other branch, and `size_mb` MiB of incompressible data, all from fixed seeds.
pub fn fast_import_stream(meta: &RepoMeta) -> Vec<u8> {
    let r = &meta.decl;
    let mut s = Vec::new();
    let mut push = |bytes: &[u8]| s.extend_from_slice(bytes);
    let base_time = meta.created as i64;
    let data = |content: &[u8]| {
        let mut v = format!("data {}\n", content.len()).into_bytes();
        v.extend_from_slice(content);
        v.push(b'\n');
        v
    };
    let mut changelog = String::from("# Changelog\n");
    for i in 1..=r.commits {
        let (author, email) = AUTHORS[(i as usize) % AUTHORS.len()];
        let when = base_time + i as i64 * 3 * 86_400;
        let message = MESSAGES[(i as usize + r.name.len()) % MESSAGES.len()];
        push(format!("commit refs/heads/{}\nmark :{i}\n", r.default_branch).as_bytes());
        push(format!("author {author} <{email}> {when} +0000\ncommitter {author} <{email}> {when} +0000\n").as_bytes());
        push(&data(format!("{message}\n").as_bytes()));
        if i > 1 {
            push(format!("from :{}\n", i - 1).as_bytes());
        }
        if i == 1 {
            let readme = format!(
                "# {}\n\n{}\n",
                r.name,
                r.description.as_deref().unwrap_or("")
            );
            push(b"M 100644 inline README.md\n");
            push(&data(readme.as_bytes()));
            if r.size_mb > 0 {
                push(b"M 100644 inline assets/data.bin\n");
                push(&data(&noise(&r.name, r.size_mb as usize * 1024 * 1024)));
            }
        }
        changelog.push_str(&format!("- {message} ({author})\n"));
        push(b"M 100644 inline CHANGELOG.md\n");
        push(&data(changelog.as_bytes()));
        let module = format!("src/module_{}.txt", i % 5);
        push(format!("M 100644 inline {module}\n").as_bytes());
        push(&data(
            format!("// {module}, revision {i}\nfn step_{i}() {{}}\n").as_bytes(),
        ));
        push(b"\n");
    }
    let base_mark = r.commits.div_ceil(2).max(1);
    for (k, branch) in r
        .branches
        .iter()
        .filter(|b| **b != r.default_branch)
        .enumerate()
    {
        let (author, email) = AUTHORS[k % AUTHORS.len()];
        let when = base_time + (r.commits as i64 + k as i64 + 1) * 3 * 86_400;
        push(format!("commit refs/heads/{branch}\n").as_bytes());
        push(format!("author {author} <{email}> {when} +0000\ncommitter {author} <{email}> {when} +0000\n").as_bytes());
        push(&data(format!("Start {branch}\n").as_bytes()));
        if r.commits > 0 {
            push(format!("from :{base_mark}\n").as_bytes());
        }
        push(format!("M 100644 inline notes/{}.md\n", branch.replace('/', "-")).as_bytes());
        push(&data(format!("Work on {branch}\n").as_bytes()));
        push(b"\n");
    }
    s
}

/// Deterministic incompressible bytes (xorshift64*), seeded by the repository name.
fn noise(seed: &str, len: usize) -> Vec<u8> {
    let mut x = seed.bytes().fold(0x9E37_79B9_7F4A_7C15u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01B3)
    });
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

async fn generate(dir: &Path, meta: &RepoMeta) -> Result<(), String> {
    if dir.join("HEAD").exists() {
        return Ok(());
    }
    let tmp = dir.with_extension("tmp");
    let _ = tokio::fs::remove_dir_all(&tmp).await;
    tokio::fs::create_dir_all(&tmp)
        .await
        .map_err(|e| e.to_string())?;
    let run = |args: &[&str]| {
        let mut c = tokio::process::Command::new("git");
        c.args(args)
            .env("GIT_DIR", &tmp)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        c
    };
    let branch = format!("--initial-branch={}", meta.decl.default_branch);
    let st = run(&["init", "--bare", "--quiet", &branch])
        .status()
        .await
        .map_err(|e| e.to_string())?;
    if !st.success() {
        return Err("git init failed".into());
    }
    if meta.decl.commits > 0 || !meta.decl.branches.is_empty() {
        let mut child = run(&["fast-import", "--quiet", "--done"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut stream = fast_import_stream(meta);
        stream.extend_from_slice(b"done\n");
        let mut stdin = child.stdin.take().expect("piped");
        stdin.write_all(&stream).await.map_err(|e| e.to_string())?;
        drop(stdin);
        let st = child.wait().await.map_err(|e| e.to_string())?;
        if !st.success() {
            return Err("git fast-import failed".into());
        }
    }
    tokio::fs::rename(&tmp, dir)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::World;

    #[test]
    fn stream_is_deterministic_and_sized() {
        let s = crate::state::State::new(World::demo(), Default::default());
        let m = s
            .repository(0, "222222222222", "us-east-1", "payments-api")
            .unwrap();
        assert_eq!(fast_import_stream(&m), fast_import_stream(&m));
        let mut big = m.clone();
        big.decl.size_mb = 2;
        assert!(fast_import_stream(&big).len() > 2 * 1024 * 1024);
        assert_eq!(noise("x", 1000), noise("x", 1000));
        assert_ne!(noise("x", 64), noise("y", 64));
    }

    #[tokio::test]
    async fn generated_repository_has_commits_and_branches() {
        let tmp = tempfile::tempdir().unwrap();
        let s = crate::state::State::new(World::demo(), Default::default());
        let m = s
            .repository(0, "222222222222", "us-east-1", "payments-api")
            .unwrap();
        let dir = tmp.path().join("payments-api.git");
        generate(&dir, &m).await.unwrap();
        let out = std::process::Command::new("git")
            .args([
                "--git-dir",
                dir.to_str().unwrap(),
                "rev-list",
                "--count",
                "main",
            ])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "24");
        let out = std::process::Command::new("git")
            .args(["--git-dir", dir.to_str().unwrap(), "branch", "--list"])
            .output()
            .unwrap();
        let branches = String::from_utf8_lossy(&out.stdout);
        assert!(
            branches.contains("develop") && branches.contains("feature/3ds2"),
            "{branches}"
        );
    }
}
