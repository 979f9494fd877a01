"""Lanyard's native git-remote-codecommit and `lanyard repos` / `lanyard clone`, against the
emulator with real git: URLs identical to the Python helper's, clones that keep working from a
shell, interop both ways, no secret in any argv, and errors that say what to do."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import string
import subprocess
from pathlib import Path

import pytest
from app import bin_dir
from conftest import (
    DEV_ACCOUNT,
    PYTHON,
    VENV_BIN,
    ArgvSampler,
    client_env,
    device_login,
    role_credentials,
    run,
    start_emulator,
    write_sso_profile,
    write_static_profile,
    write_token_cache,
)

START = "https://acme.awsapps.com/start"
REGIONS = [
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-east-1",
    "us-gov-west-1",
]
SECRET_PASSWORD = re.compile(r"\d{8}T\d{6}Z[0-9a-f]{64}")


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    from conftest import SMALL_WORLD

    e = start_emulator(tmp_path_factory.mktemp("grc"), SMALL_WORLD, args=["--auto-approve"])
    yield e
    e.stop()


@pytest.fixture(scope="module")
def login(emu):
    return device_login(emu, approve=False)  # the emulator auto-approves


def rust_helper_path(tmp: Path) -> str:
    """A PATH where `git-remote-codecommit` is Lanyard's and the Python one is not found."""
    d = tmp / "rust-bin"
    d.mkdir(exist_ok=True)
    link = d / "git-remote-codecommit"
    if not link.exists():
        link.symlink_to(bin_dir() / "git-remote-codecommit")
    rest = [p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != VENV_BIN]
    return os.pathsep.join([str(d), *rest])


def python_helper_path() -> str:
    return os.pathsep.join([str(VENV_BIN), os.environ["PATH"]])


def env_for(emu, home: Path, path: str) -> dict:
    env = client_env(emu, home)
    env.update(PATH=path, LANYARD_KEYRING="none", LANYARD_CLONE_ROOT=str(home / "src"))
    return env


def git(env, *args, cwd=None, timeout=90):
    return run(["git", *args], env, cwd=cwd, timeout=timeout)


def lanyard(env, *args, timeout=120):
    return run([str(bin_dir() / "lanyard"), *args], env, timeout=timeout)


def ok(p):
    assert p.returncode == 0, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p.stdout.strip()


def commit_file(env, work: Path, name: str, text: str):
    (work / name).write_text(text)
    ok(git(env, "add", name, cwd=work))
    ok(git(env, "commit", "-m", f"add {name}", cwd=work))


# --------------------------------------------------------------------------------------------
# The signed URL, against the Python package's own git_url()
# --------------------------------------------------------------------------------------------
PY_GIT_URLS = r"""
import json, os, sys, datetime
import git_remote_codecommit as grc
from botocore.credentials import Credentials
out = []
for line in sys.stdin:
    c = json.loads(line)
    when = datetime.datetime.strptime(c["ts"], "%Y%m%dT%H%M%S")
    class Fixed(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when
    grc.datetime.datetime = Fixed
    if c["endpoint"] is None:
        os.environ.pop("CODE_COMMIT_ENDPOINT", None)
    else:
        os.environ["CODE_COMMIT_ENDPOINT"] = c["endpoint"]
    creds = Credentials(c["key"], c["secret"], c["token"] or None)
    out.append(grc.git_url(c["repo"], "v1", c["region"], creds))
print("\n".join(out))
"""


def test_signed_urls_are_identical_to_the_python_helpers_over_random_inputs(tmp_path):
    rng = random.Random(20261201)
    name_chars = string.ascii_letters + string.digits + "._-"
    secret_chars = string.ascii_letters + string.digits + "+/="
    cases = []
    for i in range(400):
        cases.append(
            {
                "repo": "".join(rng.choice(name_chars) for _ in range(rng.randint(1, 100))),
                "region": rng.choice(REGIONS),
                "key": "ASIA"
                + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
                "secret": "".join(rng.choice(secret_chars) for _ in range(40)),
                "token": ""
                if i % 3 == 0
                else "".join(rng.choice(secret_chars + "%&") for _ in range(rng.randint(20, 400))),
                "endpoint": rng.choice(
                    [
                        None,
                        None,
                        "127.0.0.1:18443",
                        "land.called.honahlee",
                        f"localhost:{rng.randint(1, 65535)}",
                    ]
                ),
                "ts": (
                    dt.datetime(2017, 1, 1) + dt.timedelta(seconds=rng.randint(0, 10**9))
                ).strftime("%Y%m%dT%H%M%S"),
            }
        )
    lines = "".join(json.dumps(c) + "\n" for c in cases)
    py = subprocess.run(
        [PYTHON, "-c", PY_GIT_URLS], input=lines, capture_output=True, text=True, timeout=120
    )
    assert py.returncode == 0, py.stderr
    rust = subprocess.run(
        [str(bin_dir() / "examples" / "signed_url")],
        input=lines,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rust.returncode == 0, rust.stderr
    py_urls, rust_urls = py.stdout.splitlines(), rust.stdout.splitlines()
    assert len(py_urls) == len(rust_urls) == len(cases)
    for c, p, r in zip(cases, py_urls, rust_urls):
        assert r == p, f"{c}\npython: {p}\nrust:   {r}"
    assert any(".amazonaws.com.cn/" in u for u in rust_urls) and any("%25" in u for u in rust_urls)


# --------------------------------------------------------------------------------------------
# Real git through the Rust helper
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lanyard_home(emu, tmp_path_factory):
    """A home where alice signed in with `lanyard login`, PATH with no git-remote-codecommit yet."""
    home = tmp_path_factory.mktemp("lhome")
    rest = [p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != VENV_BIN]
    env = env_for(emu, home, os.pathsep.join([str(home / ".local" / "bin"), *rest]))
    ok(
        lanyard(
            env,
            "login",
            "--session",
            "acme",
            "--start-url",
            START,
            "--region",
            "us-east-1",
            "--device-code",
            "--no-browser",
        )
    )
    return home, env


def test_lanyard_repos_lists_every_account_and_region(lanyard_home):
    _, env = lanyard_home
    repos = json.loads(ok(lanyard(env, "repos", "--region", "us-east-1,eu-west-1", "--json")))
    found = {
        (r["accountName"], r["region"], r["name"]) for inv in repos for r in inv["repositories"]
    }
    assert {
        ("acme-dev", "us-east-1", "payments-api"),
        ("acme-dev", "eu-west-1", "infra-eu"),
        ("acme-prod", "us-east-1", "prod-config"),
    } <= found, found
    pay = next(r for inv in repos for r in inv["repositories"] if r["name"] == "payments-api")
    assert (
        pay["roleName"] == "Developer"
        and pay["description"] == "Payments <API>"
        and pay["defaultBranch"] == "main"
    )
    ro = json.loads(ok(lanyard(env, "repos", "--prefer-role", "ReadOnly", "--json")))
    assert {r["roleName"] for inv in ro for r in inv["repositories"]} == {"ReadOnly"}, (
        "the preferred role lists"
    )
    table = ok(lanyard(env, "repos", "--refresh"))
    assert "payments-api" in table and "lanyard clone" in table, table
    everywhere = json.loads(ok(lanyard(env, "repos", "--refresh", "--region", "all", "--json")))
    assert len(everywhere[0]["regions"]) == 29


def test_lanyard_clone_then_pull_and_push_from_a_shell(lanyard_home, emu, tmp_path):
    home, env = lanyard_home
    p = lanyard(env, "clone", "push-target")
    ok(p)
    work = home / "src" / "acme-dev" / "push-target"
    assert f"into {work}" in p.stdout, p.stdout
    origin = ok(git(env, "remote", "get-url", "origin", cwd=work))
    assert origin == "codecommit::us-east-1://acme-dev/Developer@push-target"
    link = home / ".local" / "bin" / "git-remote-codecommit"
    assert link.resolve() == (bin_dir() / "git-remote-codecommit").resolve(), (
        "Lanyard linked its helper where git finds it"
    )
    commit_file(env, work, "FROM_SHELL.md", "pushed through the Rust helper\n")
    ok(git(env, "push", "origin", "main", cwd=work))
    ok(git(env, "pull", "--ff-only", cwd=work))
    # Someone else sees the push: a fresh clone by plain git through the helper.
    fresh = tmp_path / "fresh"
    ok(git(env, "clone", origin, str(fresh)))
    assert (fresh / "FROM_SHELL.md").read_text() == "pushed through the Rust helper\n"
    assert ok(git(env, "rev-list", "--count", "HEAD", cwd=fresh)) == "3"
    # The profile the remote names was written, and boto3 can use it too.
    assert "[profile acme-dev/Developer]" in (home / ".aws" / "config").read_text()
    again = lanyard(env, "clone", "push-target")
    assert again.returncode != 0 and "not empty" in again.stderr, again.stderr


def test_python_helper_clones_with_a_profile_lanyard_wrote(lanyard_home, emu, tmp_path):
    _home, env = lanyard_home
    ok(lanyard(env, "sync", "--template", "{account_name}-{role_name}"))
    py_env = dict(env, PATH=python_helper_path())
    dest = tmp_path / "py"
    ok(git(py_env, "clone", "codecommit::us-east-1://acme-dev-ReadOnly@payments-api", str(dest)))
    assert ok(git(py_env, "rev-list", "--count", "origin/main", cwd=dest)) == "5"
    ok(lanyard(env, "sync", "--template", "{account_name}/{role_name}"))


def test_hand_written_static_profile_and_env_credentials(emu, login, tmp_path):
    home = tmp_path / "home"
    creds = role_credentials(emu, login["accessToken"], DEV_ACCOUNT, "Developer")
    write_static_profile(home, "mine", creds, region="us-east-1")
    env = env_for(emu, home, rust_helper_path(tmp_path))
    dest = tmp_path / "static"
    ok(git(env, "clone", "codecommit://mine@payments-api", str(dest)))
    assert ok(git(env, "rev-list", "--count", "origin/main", cwd=dest)) == "5"
    env_only = env_for(emu, tmp_path / "empty-home", rust_helper_path(tmp_path))
    env_only.update(
        AWS_ACCESS_KEY_ID=creds["accessKeyId"],
        AWS_SECRET_ACCESS_KEY=creds["secretAccessKey"],
        AWS_SESSION_TOKEN=creds["sessionToken"],
    )
    refs = ok(git(env_only, "ls-remote", "codecommit::us-east-1://web-frontend"))
    assert "refs/heads/main" in refs


def test_hand_written_sso_session_profile_clone_and_push(emu, login, tmp_path):
    home = tmp_path / "home"
    write_sso_profile(home, "handmade", "s", DEV_ACCOUNT, "Developer", region="us-east-1")
    write_token_cache(home, login)
    env = env_for(emu, home, rust_helper_path(tmp_path))
    work = tmp_path / "sso"
    ok(git(env, "clone", "codecommit://handmade@push-target-sso", str(work)))
    commit_file(env, work, "sso.txt", "via sso-session\n")
    ok(git(env, "push", cwd=work))
    ok(git(env, "fetch", cwd=work))
    assert ok(git(env, "rev-list", "--count", "origin/main", cwd=work)) == "3"


# --------------------------------------------------------------------------------------------
# Secrets: never in argv, never stored by another credential helper
# --------------------------------------------------------------------------------------------
def argv_during(env, args, cwd=None):
    with ArgvSampler() as sampler:
        p = git(env, *args, cwd=cwd)
    return p, sampler.seen


def test_no_secret_in_any_argv_during_a_fetch(emu, login, tmp_path):
    creds = role_credentials(emu, login["accessToken"], DEV_ACCOUNT, "Developer")
    home = tmp_path / "home"
    write_static_profile(home, "p", creds)
    rust_env = env_for(emu, home, rust_helper_path(tmp_path))
    p, seen = argv_during(
        rust_env, ["clone", "codecommit::us-east-1://p@payments-api", str(tmp_path / "r")]
    )
    ok(p)
    helpers = [c for c in seen if "remote-http" in c or "git-remote-codecommit" in c]
    assert helpers, "the sampler saw the helper processes"
    leaks = [c for c in seen if creds["sessionToken"] in c or SECRET_PASSWORD.search(c)]
    assert not leaks, leaks[:3]
    # The sampler does catch a leak: the Python helper puts both in `git remote-http`'s argv.
    py_env = dict(rust_env, PATH=python_helper_path())
    for attempt in range(5):
        p, seen = argv_during(
            py_env,
            ["clone", "codecommit::us-east-1://p@payments-api", str(tmp_path / f"py{attempt}")],
        )
        ok(p)
        if any(SECRET_PASSWORD.search(c) for c in seen):
            break
    else:
        pytest.fail(
            "the sampler never saw the Python helper's argv; it cannot prove the Rust one clean"
        )


def test_other_credential_helpers_never_store_the_password(emu, login, tmp_path):
    creds = role_credentials(emu, login["accessToken"], DEV_ACCOUNT, "Developer")
    home = tmp_path / "home"
    write_static_profile(home, "p", creds)
    (home / ".gitconfig").write_text("[credential]\n\thelper = store\n")
    env = env_for(emu, home, rust_helper_path(tmp_path))
    ok(git(env, "clone", "codecommit::us-east-1://p@payments-api", str(tmp_path / "c")))
    assert not (home / ".git-credentials").exists(), (home / ".git-credentials").read_text()
    # `git -c` (what IDEs pass; git reads it after GIT_CONFIG_COUNT), a URL-specific helper too.
    host = emu.git_host
    for n, extra in enumerate(
        [
            ["-c", "credential.helper=store"],
            ["-c", f"credential.https://{host}.helper=store"],
        ]
    ):
        ok(
            git(
                env,
                *extra,
                "clone",
                "codecommit::us-east-1://p@payments-api",
                str(tmp_path / f"d{n}"),
            )
        )
        stored = home / ".git-credentials"
        assert not stored.exists(), (extra, stored.read_text())


def test_credentials_are_only_fetched_when_git_goes_to_the_network(emu, tmp_path):
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[profile nocreds]\nregion = us-east-1\n")
    env = env_for(emu, home, rust_helper_path(tmp_path))
    # `capabilities` needs no network: the helper answers it without looking for credentials.
    p = run(
        [str(bin_dir() / "git-remote-codecommit"), "origin", "codecommit://nocreds@payments-api"],
        env,
        input="capabilities\n\n",
    )
    assert p.returncode == 0 and "fetch" in p.stdout, (p.stdout, p.stderr)
    assert "credentials" not in p.stderr.lower(), p.stderr
    # ls-remote does: now the missing credentials are reported, naming profile and repository.
    p = git(env, "ls-remote", "codecommit://nocreds@payments-api")
    assert p.returncode != 0
    assert "no credentials for profile nocreds (repository payments-api" in p.stderr, p.stderr


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
def test_errors_are_clear_and_fail(emu, login, tmp_path):
    home = tmp_path / "home"
    write_static_profile(
        home, "lister", role_credentials(emu, login["accessToken"], DEV_ACCOUNT, "Lister")
    )
    write_static_profile(
        home, "dev", role_credentials(emu, login["accessToken"], DEV_ACCOUNT, "Developer")
    )
    with open(home / ".aws" / "config", "a") as f:
        f.write("[profile mars]\nregion = mars-north-1\n\n[profile nowhere]\noutput = json\n\n")
    env = env_for(emu, home, rust_helper_path(tmp_path))
    cases = {
        "codecommit::us-east-1://lister@payments-api": "lacks codecommit:GitPull",
        "codecommit::us-east-1://dev@no-such-repo": "repository no-such-repo does not exist in us-east-1",
        "codecommit://ghost@payments-api": "The following profile was not found: ghost",
        "codecommit://nowhere@payments-api": "does not have an AWS Region: nowhere",
        "codecommit://mars@payments-api": "not available for use with AWS CodeCommit: mars-north-1",
        "codecommit::xx-nowhere-9://dev@payments-api": "not available for use with AWS CodeCommit: xx-nowhere-9",
        "codecommit://": "The following URL is malformed",
    }
    for url, message in cases.items():
        p = git(env, "ls-remote", url)
        assert p.returncode != 0, url
        assert message in p.stderr, f"{url}:\n{p.stderr}"


def test_expired_identity_names_the_session_and_the_fix(emu, tmp_path):
    login = device_login(emu, approve=False)
    home = tmp_path / "home"
    write_sso_profile(home, "dev", "corp", DEV_ACCOUNT, "Developer")
    no_refresh = {k: v for k, v in login.items() if k != "refreshToken"}
    write_token_cache(
        home,
        no_refresh,
        session="corp",
        expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
    )
    env = env_for(emu, home, rust_helper_path(tmp_path))
    p = git(env, "ls-remote", "codecommit://dev@payments-api")
    assert p.returncode != 0
    assert "`lanyard login --session corp`" in p.stderr and "profile dev" in p.stderr, p.stderr


# --------------------------------------------------------------------------------------------
# The credential sources and settings the README lists
# --------------------------------------------------------------------------------------------
def test_credential_process_profile_clones(emu, login, tmp_path):
    home = tmp_path / "home"
    creds = role_credentials(emu, login["accessToken"], DEV_ACCOUNT, "Developer")
    script = tmp_path / "creds.sh"
    body = json.dumps(
        {
            "Version": 1,
            "AccessKeyId": creds["accessKeyId"],
            "SecretAccessKey": creds["secretAccessKey"],
            "SessionToken": creds["sessionToken"],
        }
    )
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{body}\nEOF\n")
    script.chmod(0o700)
    (home / ".aws").mkdir(parents=True)
    (home / ".aws/config").write_text(
        f"[profile proc]\ncredential_process = {script}\nregion = us-east-1\n"
    )
    env = env_for(emu, home, rust_helper_path(tmp_path))
    dest = tmp_path / "proc"
    ok(git(env, "clone", "codecommit://proc@payments-api", str(dest)))
    assert ok(git(env, "rev-list", "--count", "origin/main", cwd=dest)) == "5"


def test_legacy_sso_profile_clones(emu, login, tmp_path):
    """A profile with sso_start_url itself (no sso-session): its token is cached under the start
    URL's hash, as `aws sso login` writes it for such a profile."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws/config").write_text(
        f"[profile legacy]\nsso_start_url = {START}\nsso_region = us-east-1\n"
        f"sso_account_id = {DEV_ACCOUNT}\nsso_role_name = Developer\nregion = us-east-1\n"
    )
    write_token_cache(home, login, session=START)
    env = env_for(emu, home, rust_helper_path(tmp_path))
    refs = ok(git(env, "ls-remote", "codecommit://legacy@payments-api"))
    assert "refs/heads/main" in refs


def helper_hand_off(env: dict, url: str, tmp_path: Path) -> str:
    """The URL the helper hands to `git remote-http` (a stand-in `git` records it), resolved
    without any network: no CODE_COMMIT_ENDPOINT, so the real host names are used."""
    stub = tmp_path / "stub-git"
    stub.mkdir(exist_ok=True)
    seen = tmp_path / "remote-http-argv"
    (stub / "git").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{seen}"\n')
    (stub / "git").chmod(0o755)
    env = dict(env, PATH=f"{stub}{os.pathsep}{env['PATH']}")
    env.pop("CODE_COMMIT_ENDPOINT", None)
    p = subprocess.run(
        [str(bin_dir() / "git-remote-codecommit"), "origin", url],
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert p.returncode == 0, p.stderr
    return seen.read_text()


def test_fips_endpoints_from_the_environment_or_the_profile(emu, tmp_path):
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws/config").write_text(
        "[profile plain]\nregion = us-east-1\n"
        "[profile fips]\nregion = us-east-1\nuse_fips_endpoint = true\n"
    )
    env = env_for(emu, home, rust_helper_path(tmp_path))
    plain = helper_hand_off(env, "codecommit://plain@repo", tmp_path)
    assert "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/repo" in plain, plain
    fips = "https://git-codecommit-fips.us-east-1.amazonaws.com/v1/repos/repo"
    assert fips in helper_hand_off(env, "codecommit://fips@repo", tmp_path)
    env["AWS_USE_FIPS_ENDPOINT"] = "true"
    assert fips in helper_hand_off(env, "codecommit://plain@repo", tmp_path)


def test_the_helper_link_goes_where_lanyard_bin_link_dir_says(emu, tmp_path):
    home = tmp_path / "home"
    links = tmp_path / "my-bin"
    rest = [p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != VENV_BIN]
    env = env_for(emu, home, os.pathsep.join([str(links), *rest]))
    env["LANYARD_BIN_LINK_DIR"] = str(links)
    ok(
        lanyard(
            env,
            *("login", "--session", "acme", "--start-url", START, "--region", "us-east-1"),
            *("--device-code", "--no-browser"),
        )
    )
    ok(lanyard(env, "clone", "payments-api"))
    link = links / "git-remote-codecommit"
    assert link.is_symlink() and link.resolve() == (bin_dir() / "git-remote-codecommit").resolve()
    assert not (home / ".local/bin/git-remote-codecommit").exists(), "not the default place"
    ok(git(env, "fetch", cwd=home / "src/acme-dev/payments-api"))
    ok(lanyard(env, "offboard", "--yes"))
    assert not link.exists(), "offboarding removes the link"
