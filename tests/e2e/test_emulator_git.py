"""git over HTTPS with CodeCommit's SigV4 passwords: real git + the Python git-remote-codecommit."""

import base64
import datetime as dt
import hashlib
import hmac

import pytest
from conftest import (
    DEV_ACCOUNT,
    client_env,
    device_login,
    http,
    role_credentials,
    run,
    write_sso_profile,
    write_static_profile,
    write_token_cache,
)


@pytest.fixture(scope="module")
def world(module_emulator):
    emu = module_emulator()
    login = device_login(emu)
    creds = {}

    def get(role):
        if role not in creds:
            creds[role] = role_credentials(emu, login["accessToken"], DEV_ACCOUNT, role)
        return creds[role]

    return emu, login, get


@pytest.fixture
def home_with(world, tmp_path):
    emu, _, creds = world

    def make(role="Developer"):
        home = tmp_path / f"home-{role}"
        write_static_profile(home, "p", creds(role))
        return client_env(emu, home)

    return make


def git(env, *args, cwd=None, timeout=90):
    return run(["git", *args], env, cwd=cwd, timeout=timeout)


def ok(p):
    assert p.returncode == 0, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p.stdout.strip()


def test_clone_with_git_remote_codecommit(home_with, tmp_path):
    env = home_with("Developer")
    dest = tmp_path / "payments"
    ok(git(env, "clone", "codecommit::us-east-1://p@payments-api", str(dest)))
    assert ok(git(env, "rev-list", "--count", "origin/main", cwd=dest)) == "5"
    assert ok(git(env, "rev-parse", "--abbrev-ref", "HEAD", cwd=dest)) == "main"
    remotes = ok(git(env, "branch", "-r", cwd=dest)).split()
    assert "origin/develop" in remotes
    head1 = ok(git(env, "rev-parse", "origin/main", cwd=dest))
    again = tmp_path / "payments2"
    ok(git(env, "clone", "codecommit://p@payments-api", str(again)))  # region from the profile
    assert ok(git(env, "rev-parse", "origin/main", cwd=again)) == head1
    ok(git(env, "fsck", "--strict", cwd=dest))


def test_push_lands(home_with, tmp_path):
    env = home_with("Developer")
    work = tmp_path / "work"
    ok(git(env, "clone", "codecommit::us-east-1://p@push-target", str(work)))
    (work / "NEW.md").write_text("pushed by a test\n")
    ok(git(env, "add", "NEW.md", cwd=work))
    ok(git(env, "commit", "-m", "test push", cwd=work))
    ok(git(env, "push", "origin", "main", cwd=work))
    ok(git(env, "push", "origin", "main:feature/x", cwd=work))
    fresh = tmp_path / "fresh"
    ok(git(env, "clone", "codecommit::us-east-1://p@push-target", str(fresh)))
    assert ok(git(env, "rev-list", "--count", "origin/main", cwd=fresh)) == "3"
    assert (fresh / "NEW.md").read_text() == "pushed by a test\n"
    assert "origin/feature/x" in ok(git(env, "branch", "-r", cwd=fresh)).split()


def test_sso_session_profile_clone_and_push(world, tmp_path):
    emu, login, _ = world
    home = tmp_path / "home"
    write_sso_profile(home, "p", "s", DEV_ACCOUNT, "Developer")
    write_token_cache(home, login)
    env = client_env(emu, home)
    work = tmp_path / "work"
    ok(git(env, "clone", "codecommit::us-east-1://p@push-target-sso", str(work)))
    assert ok(git(env, "rev-list", "--count", "HEAD", cwd=work)) == "2"
    (work / "f.txt").write_text("x\n")
    ok(git(env, "add", "f.txt", cwd=work))
    ok(git(env, "commit", "-m", "via sso", cwd=work))
    ok(git(env, "push", cwd=work))
    ok(git(env, "fetch", cwd=work))
    assert ok(git(env, "rev-list", "--count", "origin/main", cwd=work)) == "3"


def test_push_without_git_push_permission_is_403(home_with, world, tmp_path):
    env = home_with("ReadOnly")
    work = tmp_path / "ro"
    ok(git(env, "clone", "codecommit::us-east-1://p@web-frontend", str(work)))
    (work / "g.txt").write_text("nope\n")
    ok(git(env, "add", "g.txt", cwd=work))
    ok(git(env, "commit", "-m", "should not land", cwd=work))
    p = git(env, "push", "origin", "main", cwd=work)
    assert p.returncode != 0
    assert "403" in p.stderr, p.stderr
    fresh = tmp_path / "check"
    ok(git(env, "clone", "codecommit::us-east-1://p@web-frontend", str(fresh)))
    assert ok(git(env, "rev-list", "--count", "origin/main", cwd=fresh)) == "3"


def test_clone_without_git_pull_permission_is_403(home_with, tmp_path):
    env = home_with("Lister")
    p = git(env, "clone", "codecommit::us-east-1://p@payments-api", str(tmp_path / "x"))
    assert p.returncode != 0
    assert "403" in p.stderr, p.stderr


def test_clone_unknown_repository_fails(home_with, tmp_path):
    env = home_with("Developer")
    p = git(env, "clone", "codecommit::us-east-1://p@no-such-repo", str(tmp_path / "x"))
    assert p.returncode != 0
    assert not (tmp_path / "x").exists()
    assert "not found" in p.stderr or "404" in p.stderr or "403" in p.stderr, p.stderr


def test_repository_region_follows_the_url(home_with, tmp_path):
    env = home_with("Developer")
    p = git(env, "clone", "codecommit::eu-west-1://p@payments-api", str(tmp_path / "wrong-region"))
    assert p.returncode != 0, p.stdout
    ok(git(env, "clone", "codecommit::eu-west-1://p@infra-eu", str(tmp_path / "eu")))
    assert ok(git(env, "rev-list", "--count", "HEAD", cwd=tmp_path / "eu")) == "1"


def test_wrong_password_plain_git(world, tmp_path):
    emu, _, _ = world
    env = client_env(emu, tmp_path / "home")
    p = git(
        env,
        "clone",
        f"https://user:badpw@{emu.git_host}/v1/repos/payments-api",
        str(tmp_path / "x"),
    )
    assert p.returncode != 0
    assert "403" in p.stderr or "401" in p.stderr or "Authentication failed" in p.stderr, p.stderr


# -- the wire, with a Python reimplementation of git-remote-codecommit's signer (PROTOCOL §6.2) --
def sign(host, path, region, secret, now=None):
    ts = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
    canonical = f"GIT\n{path}\n\nhost:{host}\n\nhost\n"
    sts = (
        f"AWS4-HMAC-SHA256\n{ts}\n{ts[:8]}/{region}/codecommit/aws4_request\n"
        + hashlib.sha256(canonical.encode()).hexdigest()
    )
    k = hmac.new(("AWS4" + secret).encode(), ts[:8].encode(), hashlib.sha256).digest()
    for part in (region, "codecommit", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return ts + "Z" + hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()


def test_signer_matches_golden_vector():
    when = dt.datetime(2017, 12, 24, 11, 53, 20, tzinfo=dt.UTC)
    assert (
        sign(
            "git-codecommit.us-west-2.amazonaws.com",
            "/v1/repos/test_repo",
            "us-west-2",
            "secret",
            when,
        )
        == "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a"
    )


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def info_refs(emu, repo, auth=None):
    headers = {"Git-Protocol": "version=2"}
    if auth:
        headers["Authorization"] = auth
    return http(
        "GET",
        f"https://{emu.git_host}/v1/repos/{repo}/info/refs?service=git-upload-pack",
        headers=headers,
        cafile=emu.ca,
    )


def test_unauthenticated_request_gets_basic_challenge(world):
    emu, _, _ = world
    r = info_refs(emu, "payments-api")
    assert r.status == 401
    assert r.header("www-authenticate", "").lower().startswith("basic"), r.headers


def test_signed_info_refs(world):
    emu, _, creds = world
    c = creds("Developer")
    user = f"{c['accessKeyId']}%{c['sessionToken']}"
    pw = sign(emu.git_host, "/v1/repos/payments-api", "us-east-1", c["secretAccessKey"])
    r = info_refs(emu, "payments-api", basic(user, pw))
    assert r.status == 200, r.text
    assert r.header("content-type") == "application/x-git-upload-pack-advertisement"
    bad = sign(emu.git_host, "/v1/repos/payments-api", "us-east-1", c["secretAccessKey"][::-1])
    assert info_refs(emu, "payments-api", basic(user, bad)).status == 403
    other_host = sign(
        "git-codecommit.us-east-1.amazonaws.com",
        "/v1/repos/payments-api",
        "us-east-1",
        c["secretAccessKey"],
    )
    assert info_refs(emu, "payments-api", basic(user, other_host)).status == 403
    # the signature covers the path: one signed for another repository does not open this one
    other_repo = sign(emu.git_host, "/v1/repos/web-frontend", "us-east-1", c["secretAccessKey"])
    assert info_refs(emu, "payments-api", basic(user, other_repo)).status == 403


@pytest.mark.parametrize("version", ["0", "1", "2"])
def test_clone_with_each_wire_protocol_version(home_with, tmp_path, version):
    """libgit2 (the app's git2) speaks only protocol v0/v1; git 2.47 defaults to v2."""
    env = home_with("Developer")
    dest = tmp_path / f"v{version}"
    ok(
        git(
            env,
            "-c",
            f"protocol.version={version}",
            "clone",
            "codecommit::us-east-1://p@payments-api",
            str(dest),
        )
    )
    assert ok(git(env, "rev-list", "--count", "origin/main", cwd=dest)) == "5"
    assert "origin/develop" in ok(git(env, "branch", "-r", cwd=dest)).split()


def test_shallow_clone_and_ls_remote(home_with, tmp_path):
    env = home_with("ReadOnly")
    dest = tmp_path / "shallow"
    ok(git(env, "clone", "--depth", "1", "codecommit::us-east-1://p@payments-api", str(dest)))
    assert ok(git(env, "rev-list", "--count", "HEAD", cwd=dest)) == "1"
    refs = ok(git(env, "ls-remote", "codecommit::us-east-1://p@payments-api"))
    names = {line.split()[1] for line in refs.splitlines()}
    assert {"HEAD", "refs/heads/main", "refs/heads/develop"} <= names


def test_expired_role_credentials_are_refused_by_git(emulator, tmp_path):
    emu = emulator()
    login = device_login(emu)
    home = tmp_path / "home"
    write_static_profile(
        home, "p", role_credentials(emu, login["accessToken"], DEV_ACCOUNT, "Developer")
    )
    env = client_env(emu, home)
    ok(git(env, "ls-remote", "codecommit::us-east-1://p@payments-api"))
    emu.expire("role-credentials")
    p = git(env, "ls-remote", "codecommit::us-east-1://p@payments-api")
    assert p.returncode != 0
    assert "403" in p.stderr, p.stderr


@pytest.mark.parametrize(
    "age_minutes,accepted", [(-14, True), (14, True), (16, False), (-16, False)]
)
def test_signed_password_tolerance_is_fifteen_minutes(world, age_minutes, accepted):
    emu, _, creds = world
    c = creds("Developer")
    user = f"{c['accessKeyId']}%{c['sessionToken']}"
    when = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=age_minutes)
    r = info_refs(
        emu,
        "payments-api",
        basic(
            user,
            sign(emu.git_host, "/v1/repos/payments-api", "us-east-1", c["secretAccessKey"], when),
        ),
    )
    assert (r.status == 200) == accepted, f"{age_minutes} min: {r.status} {r.text[:200]}"
    if not accepted:
        assert r.status == 403 and "expired" in r.text.lower(), r.text
