"""Credentials for every tool: `lanyard export-credentials` as a credential_process and in real
shells, `lanyard exec`, the local credential endpoint (`serve-credentials`, `exec --server`) and
`aws login` (login_session) profiles, each used by clients we did not write: boto3/botocore, the
AWS CLI, the AWS SDK for Rust (`examples/sdk_codecommit`), git with Lanyard's helper."""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from app import bin_dir
from conftest import (
    DEV_ACCOUNT,
    SMALL_WORLD,
    START_URL,
    VENV_BIN,
    ArgvSampler,
    client_env,
    run,
    start_emulator,
)

PY = str(VENV_BIN / "python")
AWS = str(VENV_BIN / "aws")

LIST_REPOS = r"""
import json, sys, time, boto3
profile, rounds, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
session = boto3.Session(profile_name=None if profile == "-" else profile)
cc = session.client("codecommit", region_name="us-east-1")
keys = set()
for _ in range(rounds):
    n = len(cc.list_repositories()["repositories"])
    keys.add(session.get_credentials().get_frozen_credentials().access_key)
    time.sleep(pause)
print(json.dumps({"repositories": n, "distinctKeys": len(keys)}))
"""


def lanyard(env, *args, timeout=120, **kw):
    return run([str(bin_dir() / "lanyard"), *args], env, timeout=timeout, **kw)


def ok(p) -> str:
    assert p.returncode == 0, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p.stdout


def sign_in(emu, home: Path, extra_config: str = "") -> dict:
    """A hand-written sso-session and profile (as a user has them), signed in with Lanyard."""
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws/config").write_text(
        "[sso-session acme]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n\n"
        "[profile dev]\n"
        "sso_session = acme\n"
        f"sso_account_id = {DEV_ACCOUNT}\n"
        "sso_role_name = Developer\n"
        "region = us-east-1\n\n"
        f"[profile proc]\ncredential_process = {bin_dir() / 'lanyard'} export-credentials --profile dev\n"
        "region = us-east-1\n\n" + extra_config
    )
    env = client_env(emu, home)
    env.update(PATH=os.environ["PATH"], LANYARD_KEYRING="none")
    ok(lanyard(env, "login", "--session", "acme", "--device-code", "--no-browser"))
    return env


def sdk_codecommit(env, profile: str, rounds: int = 1, pause_ms: int = 0) -> dict:
    p = run(
        [str(bin_dir() / "examples/sdk_codecommit"), profile, str(rounds), str(pause_ms)],
        env,
        timeout=180,
    )
    return json.loads(ok(p).strip().splitlines()[-1])


def boto3_list(env, profile: str, rounds: int = 1, pause: float = 0) -> dict:
    p = run([PY, "-c", LIST_REPOS, profile, str(rounds), str(pause)], env, timeout=180)
    return json.loads(ok(p).strip().splitlines()[-1])


def cli_cache_files(home: Path) -> list[Path]:
    d = home / ".aws/cli/cache"
    return sorted(d.glob("*.json")) if d.exists() else []


def get_role_credentials_calls(emu) -> int:
    return emu.stats()["requests"].get("GetRoleCredentials", 0)


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    e = start_emulator(tmp_path_factory.mktemp("creds"), SMALL_WORLD, args=["--auto-approve"])
    yield e
    e.stop()


@pytest.fixture(scope="module")
def rotating(tmp_path_factory):
    """Role credentials that live 12 s: every consumer has to come back for new ones."""
    e = start_emulator(
        tmp_path_factory.mktemp("rotating"),
        SMALL_WORLD,
        args=["--auto-approve", "--role-credentials-ttl", "12"],
    )
    yield e
    e.stop()


# --------------------------------------------------------------------------------------------
# export-credentials
# --------------------------------------------------------------------------------------------
def test_every_format_evaluates_in_a_real_shell_to_the_same_credentials(emu, tmp_path):
    env = sign_in(emu, tmp_path / "home")
    process = json.loads(ok(lanyard(env, "export-credentials", "--profile", "dev")))
    assert list(process) == [
        "Version",
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ]
    assert process["Version"] == 1 and process["AccessKeyId"].startswith("ASIA")
    assert process["Expiration"].endswith("+00:00"), "isoformat(), as the AWS CLI prints it"
    want = {
        "AWS_ACCESS_KEY_ID": process["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": process["SecretAccessKey"],
        "AWS_SESSION_TOKEN": process["SessionToken"],
        "AWS_CREDENTIAL_EXPIRATION": process["Expiration"],
    }
    show = 'printf "%s\\n" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION"'
    lan = str(bin_dir() / "lanyard")
    bash = ok(
        run(
            [
                "bash",
                "-c",
                f"eval \"$({lan} export-credentials --profile dev --format env)\"; bash -c '{show}'",
            ],
            env,
        )
    )
    assert bash.splitlines() == list(want.values())
    plain = ok(
        run(
            [
                "bash",
                "-c",
                f'set -a; eval "$({lan} export-credentials --profile dev --format env-no-export)"; {show}',
            ],
            env,
        )
    )
    assert plain.splitlines() == list(want.values())
    if shutil.which("fish"):
        fish = ok(
            run(
                [
                    "fish",
                    "--no-config",
                    "-c",
                    (
                        f"{lan} export-credentials --profile dev --format fish | source; "
                        "printf '%s\\n' $AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY "
                        "$AWS_SESSION_TOKEN $AWS_CREDENTIAL_EXPIRATION"
                    ),
                ],
                env,
            )
        )
        assert fish.splitlines() == list(want.values())
    # No PowerShell or cmd.exe on this machine: their lines are checked against the CLI's shapes.
    ps = ok(lanyard(env, "export-credentials", "--profile", "dev", "--format", "powershell"))
    assert ps.splitlines() == [f'$Env:{k}="{v}"' for k, v in want.items()]
    cmd = ok(lanyard(env, "export-credentials", "--profile", "dev", "--format", "windows-cmd"))
    assert cmd.splitlines() == [f"set {k}={v}" for k, v in want.items()]


def test_credential_process_serves_boto3_the_aws_cli_and_the_rust_sdk(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(emu, home)
    assert boto3_list(env, "proc")["repositories"] >= 1
    aws = ok(run([AWS, "codecommit", "list-repositories", "--profile", "proc"], env))
    assert json.loads(aws)["repositories"]
    assert sdk_codecommit(env, "proc")["repositories"] >= 1


def test_role_credentials_are_cached_in_the_aws_clis_format_and_reused(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(emu, home)
    before = get_role_credentials_calls(emu)
    first = json.loads(ok(lanyard(env, "export-credentials", "--profile", "dev")))
    assert get_role_credentials_calls(emu) == before + 1
    [entry] = cli_cache_files(home)
    key = json.dumps(
        {"accountId": DEV_ACCOUNT, "roleName": "Developer", "sessionName": "acme"},
        sort_keys=True,
        separators=(",", ":"),
    )
    assert entry.name == hashlib.sha1(key.encode()).hexdigest() + ".json"
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    cached = json.loads(entry.read_text())
    assert cached["ProviderType"] == "sso"
    assert cached["Credentials"]["AccessKeyId"] == first["AccessKeyId"]
    assert cached["Credentials"]["Expiration"].endswith("Z")
    # botocore's SSO provider reads that very file: the same key, no GetRoleCredentials.
    code = (
        "import botocore.session, botocore.credentials, botocore.utils, os, json\n"
        "s = botocore.session.Session(profile='dev')\n"
        "p = s.get_component('credential_provider').get_provider('sso')\n"
        "p.cache = botocore.utils.JSONFileCache(os.path.expanduser('~/.aws/cli/cache'))\n"
        "print(s.get_credentials().access_key)"
    )
    assert ok(run([PY, "-c", code], env)).strip() == first["AccessKeyId"]
    for _ in range(5):
        again = json.loads(ok(lanyard(env, "export-credentials", "--profile", "dev")))
        assert again["AccessKeyId"] == first["AccessKeyId"]
    assert get_role_credentials_calls(emu) == before + 1, "cache hits ask nobody"


def test_a_corrupt_cache_entry_is_replaced_not_fatal(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(emu, home)
    ok(lanyard(env, "export-credentials", "--profile", "dev"))
    [entry] = cli_cache_files(home)
    entry.write_text('{"ProviderType": "sso", "Credentials": {')
    out = json.loads(ok(lanyard(env, "export-credentials", "--profile", "dev")))
    assert json.loads(entry.read_text())["Credentials"]["AccessKeyId"] == out["AccessKeyId"]


def test_errors_name_the_profile_and_the_fix(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(
        emu,
        home,
        "[profile loop]\ncredential_process = lanyard export-credentials --profile loop\n",
    )
    r = lanyard(env, "export-credentials", "--profile", "nope")
    assert r.returncode == 253 and not r.stdout
    assert "profile nope" in r.stderr and "dev" in r.stderr, r.stderr
    r = lanyard(env, "export-credentials", "--profile", "loop")
    assert r.returncode == 253 and "loop -> loop" in r.stderr, r.stderr
    r = lanyard(env, "export-credentials", "--profile", "dev", "--format", "yaml")
    assert r.returncode != 0 and "process" in r.stderr
    ok(lanyard(env, "logout", "--session", "acme"))
    r = lanyard(env, "export-credentials", "--profile", "dev")
    assert r.returncode == 253 and not r.stdout
    assert "profile dev" in r.stderr and "lanyard login --session acme" in r.stderr, r.stderr


def test_without_profile_the_cli_order_applies(emu, tmp_path):
    env = sign_in(emu, tmp_path / "home")
    via_env = dict(env, AWS_PROFILE="dev")
    out = json.loads(ok(lanyard(via_env, "export-credentials")))
    assert out["AccessKeyId"].startswith("ASIA")
    # Keys in the environment win unless --profile is given (only the flag turns them off).
    keys = dict(env, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="s3cr3t")
    assert json.loads(ok(lanyard(keys, "export-credentials")))["AccessKeyId"] == "AKIAEXAMPLE"
    flagged = json.loads(ok(lanyard(keys, "export-credentials", "--profile", "dev")))
    assert flagged["AccessKeyId"].startswith("ASIA")


def test_logout_and_offboard_remove_the_cached_role_credentials(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(emu, home)
    ok(lanyard(env, "export-credentials", "--profile", "dev"))
    other = home / ".aws/cli/cache/assume-role-entry.json"
    other.write_text('{"Credentials": {"AccessKeyId": "x"}}')
    assert len(cli_cache_files(home)) == 2
    ok(lanyard(env, "logout", "--session", "acme"))
    assert cli_cache_files(home) == [other], "an assume-role entry is not Lanyard's to remove"
    ok(lanyard(env, "login", "--session", "acme", "--device-code", "--no-browser"))
    ok(lanyard(env, "export-credentials", "--profile", "dev"))
    preview = ok(lanyard(env, "offboard", "--dry-run"))
    [entry] = [f for f in cli_cache_files(home) if f != other]
    assert str(entry) in preview
    ok(lanyard(env, "offboard", "--yes"))
    assert cli_cache_files(home) == [other]


def managed_profile(config: str, account: str, role: str) -> str:
    """The name of the profile Lanyard wrote for (account, role)."""
    for m in re.finditer(r"^\[profile ([^\]]+)\]\n((?:[^\[\n][^\n]*\n)*)", config, re.MULTILINE):
        body = m.group(2)
        mine = f"sso_account_id = {account}\n" in body and f"sso_role_name = {role}\n" in body
        if mine and m.group(1) != "dev":
            return m.group(1)
    raise AssertionError(f"no Lanyard profile for {account}/{role} in:\n{config}")


def test_synced_credential_process_twins_serve_every_sdk_follow_the_binary_and_go(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(emu, home)
    config = home / ".aws/config"
    ok(lanyard(env, "sync", "--session", "acme"))
    assert "-process]" not in config.read_text(), "off by default"

    ok(lanyard(env, "sync", "--session", "acme", "--credential-process", "on"))
    text = config.read_text()
    name = managed_profile(text, DEV_ACCOUNT, "Developer")
    twin = f"{name}-process"
    section = text.split(f"[profile {twin}]\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        f"credential_process = {bin_dir() / 'lanyard'} export-credentials --profile {name} --format process",
        "region = us-east-1",
    ]
    assert boto3_list(env, twin)["repositories"] >= 1
    aws = ok(run([AWS, "codecommit", "list-repositories", "--profile", twin], env))
    assert json.loads(aws)["repositories"]
    assert sdk_codecommit(env, twin)["repositories"] >= 1

    # The binary moves (an upgrade to another path): the next sync re-points every twin.
    moved = tmp_path / "moved dir"
    moved.mkdir()
    shutil.copy2(bin_dir() / "lanyard", moved / "lanyard")
    p = run([str(moved / "lanyard"), "sync", "--session", "acme"], env, timeout=120)
    assert f"~ {twin}" in ok(p)
    text = config.read_text()
    assert (
        f'credential_process = "{moved / "lanyard"}" export-credentials --profile {name} ' in text
    )
    assert boto3_list(env, twin)["repositories"] >= 1, "a quoted path with a space still runs"
    assert sdk_codecommit(env, twin)["repositories"] >= 1

    # A suffix of one's own; then off again: the twins go, the rest stays.
    out = ok(lanyard(env, "sync", "--session", "acme", "--credential-process-suffix", ".cp"))
    assert f"+ {name}.cp" in out and f"- {twin}" in out
    out = ok(lanyard(env, "sync", "--session", "acme", "--credential-process", "off"))
    assert f"- {name}.cp" in out
    assert "export-credentials --profile " + name not in config.read_text()

    # Offboarding removes them with everything else Lanyard wrote; the user's profiles stay.
    ok(lanyard(env, "sync", "--session", "acme", "--credential-process", "on"))
    assert f"[profile {name}.cp]" in config.read_text()
    ok(lanyard(env, "offboard", "--yes"))
    left = config.read_text()
    assert f"[profile {name}" not in left
    assert "[profile dev]" in left and "[profile proc]" in left


# --------------------------------------------------------------------------------------------
# exec
# --------------------------------------------------------------------------------------------
def test_exec_gives_the_command_the_roles_credentials_and_its_exit_status(emu, tmp_path):
    env = sign_in(emu, tmp_path / "home")
    env.update(AWS_PROFILE="someone-else", AWS_SECURITY_TOKEN="stale")
    shown = ok(
        lanyard(
            env,
            "exec",
            "--profile",
            "dev",
            "--",
            "sh",
            "-c",
            'echo "$AWS_ACCESS_KEY_ID|$AWS_REGION|$LANYARD_PROFILE|${AWS_PROFILE-unset}|${AWS_SECURITY_TOKEN-unset}"',
        )
    )
    key, region, profile, aws_profile, old_token = shown.strip().split("|")
    assert key.startswith("ASIA") and region == "us-east-1" and profile == "dev"
    assert aws_profile == "unset" and old_token == "unset", "one source of credentials"
    del env["AWS_PROFILE"]
    assert lanyard(env, "exec", "--profile", "dev", "--", "sh", "-c", "exit 7").returncode == 7
    ran = ok(lanyard(env, "exec", "--profile", "dev", "--", PY, "-c", LIST_REPOS, "-", "1", "0"))
    assert json.loads(ran)["repositories"] >= 1
    rust = ok(
        lanyard(
            env, "exec", "--profile", "dev", "--", str(bin_dir() / "examples/sdk_codecommit"), "-"
        )
    )
    assert json.loads(rust)["repositories"] >= 1


def test_exec_passes_signals_to_the_command(emu, tmp_path):
    env = sign_in(emu, tmp_path / "home")
    for server in (False, True):
        flags = ["--server"] if server else []
        p = subprocess.Popen(
            [str(bin_dir() / "lanyard"), "exec", "--profile", "dev", *flags, "--", "sleep", "30"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.5)
        p.send_signal(signal.SIGTERM)
        p.wait(10)
        # Replaced by the command (Unix exec): killed by the signal; served: 128 + 15.
        assert p.returncode in (-15, 143), (server, p.returncode, p.stderr.read())


# --------------------------------------------------------------------------------------------
# The local credential endpoint
# --------------------------------------------------------------------------------------------
class Served:
    def __init__(self, env, profile: str = "dev"):
        self.proc = subprocess.Popen(
            [str(bin_dir() / "lanyard"), "serve-credentials", "--profile", profile],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.vars = {}
        for _ in range(2):
            line = self.proc.stdout.readline()
            assert line.startswith("export "), (line, self.proc.stderr.read())
            k, v = line[len("export ") :].strip().split("=", 1)
            self.vars[k] = v
        self.url = self.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        self.token = self.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"]

    def get(self, token: str | None, method: str = "GET"):
        req = urllib.request.Request(self.url, method=method)
        if token is not None:
            req.add_header("Authorization", token)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=10)
        assert self.proc.returncode == 0, err
        return err


def test_the_endpoint_serves_only_its_token_on_loopback(emu, tmp_path):
    env = sign_in(emu, tmp_path / "home")
    s = Served(env)
    try:
        assert s.url.startswith("http://127.0.0.1:") and s.url.endswith("/")
        assert len(s.token) >= 40 and "\n" not in s.token
        status, body = s.get(s.token)
        assert status == 200
        c = json.loads(body)
        assert set(c) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId"}
        assert c["Expiration"].endswith("Z"), "the Rust SDK refuses offsets here"
        assert c["AccountId"] == DEV_ACCOUNT
        for bad in (None, "", s.token[:-1], s.token + "x", "Bearer " + s.token):
            status, body = s.get(bad)
            assert status == 401, bad
            assert c["SecretAccessKey"] not in body and c["Token"] not in body
        assert s.get(s.token, method="POST")[0] == 405
        # Nothing listens beyond loopback.
        port = int(s.url.rsplit(":", 1)[1].strip("/"))
        listening = Path("/proc/net/tcp").read_text()
        mine = [
            line.split()[1]
            for line in listening.splitlines()[1:]
            if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"
        ]
        assert mine == [f"0100007F:{port:04X}"], mine
        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(lambda _: s.get(s.token)[0], range(200)))
        assert results == [200] * 200
    finally:
        err = s.stop()
    assert c["SecretAccessKey"] not in err and c["Token"] not in err and s.token not in err


def test_sdks_with_only_the_two_endpoint_variables_keep_working_as_credentials_rotate(
    rotating, tmp_path
):
    """Role credentials live 12 s; each client runs ~30 s with one client object."""
    home = tmp_path / "home"
    env = sign_in(rotating, home)
    s = Served(env)
    try:
        only = {k: v for k, v in env.items() if k not in ("AWS_PROFILE", "AWS_CONFIG_FILE")}
        only.update(
            s.vars,
            AWS_CONFIG_FILE=str(tmp_path / "empty-config"),
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
        )
        with ArgvSampler() as argv:
            py = boto3_list(only, "-", rounds=15, pause=2)
            rust = sdk_codecommit(only, "-", rounds=15, pause_ms=2000)
            cli = ok(run([AWS, "codecommit", "list-repositories"], only))
        assert py["repositories"] >= 1 and py["distinctKeys"] >= 2, py
        assert rust["rounds"] == 15
        assert json.loads(cli)["repositories"]
    finally:
        err = s.stop()
    secrets = rotating.control("GET", "/_emulator/issued-secrets").json()
    for kind in ("secretAccessKeys", "sessionTokens"):
        for v in secrets[kind]:
            assert v not in err
            assert not any(v in line for line in argv.seen), kind
    assert not any(s.token in line for line in argv.seen), "the token is in no argv"


def test_credential_process_and_exec_server_keep_long_runs_working_as_credentials_rotate(
    rotating, tmp_path
):
    env = sign_in(rotating, tmp_path / "home")
    py = boto3_list(env, "proc", rounds=15, pause=2)
    assert py["distinctKeys"] >= 2, py
    assert sdk_codecommit(env, "proc", rounds=15, pause_ms=2000)["rounds"] == 15
    served = ok(
        lanyard(
            env,
            "exec",
            "--server",
            "--profile",
            "dev",
            "--",
            PY,
            "-c",
            LIST_REPOS,
            "-",
            "15",
            "2",
            timeout=180,
        )
    )
    assert json.loads(served)["distinctKeys"] >= 2


# --------------------------------------------------------------------------------------------
# `aws login` sessions
# --------------------------------------------------------------------------------------------
def login_session(emu, home: Path, expires_in: float) -> tuple[str, Path]:
    """The cache file `aws login` writes, for alice's Developer role in acme-dev."""
    s = emu.control(
        "POST",
        "/_emulator/login-session",
        {"user": "alice", "account": DEV_ACCOUNT, "role": "Developer", "expiresIn": expires_in},
    ).json()
    arn = s["loginSession"]
    path = home / ".aws/login/cache" / (hashlib.sha256(arn.encode()).hexdigest() + ".json")
    assert path.name == s["cacheFile"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(s["token"]))
    path.chmod(0o600)
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    with (home / ".aws/config").open("a") as f:
        f.write(f"\n[profile console]\nlogin_session = {arn}\nregion = us-east-1\n")
    return arn, path


def test_login_session_profiles_refresh_through_sign_in_and_clone(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(emu, home)
    _, cache = login_session(emu, home, expires_in=-60)
    old = json.loads(cache.read_text())
    before = emu.control("GET", "/_emulator/login-sessions").json()["refreshes"]
    out = json.loads(ok(lanyard(env, "export-credentials", "--profile", "console")))
    assert emu.control("GET", "/_emulator/login-sessions").json()["refreshes"] == before + 1
    assert out["AccessKeyId"] != old["accessToken"]["accessKeyId"]
    saved = json.loads(cache.read_text())
    assert saved["accessToken"]["accessKeyId"] == out["AccessKeyId"], "written back for aws"
    assert saved["refreshToken"] != old["refreshToken"]
    # The same profile through Lanyard's git-remote-codecommit.
    bin_link = tmp_path / "bin"
    bin_link.mkdir()
    (bin_link / "git-remote-codecommit").symlink_to(bin_dir() / "git-remote-codecommit")
    git_env = dict(env, PATH=f"{bin_link}{os.pathsep}{os.environ['PATH']}")
    dest = tmp_path / "clone"
    ok(run(["git", "clone", "codecommit::us-east-1://console@payments-api", str(dest)], git_env))
    assert (dest / ".git").is_dir()
    # exec and the endpoint take it as well.
    shown = ok(
        lanyard(env, "exec", "--profile", "console", "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID")
    )
    assert shown.strip().startswith("ASIA")


def test_an_ended_login_session_says_to_run_aws_login(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(emu, home)
    login_session(emu, home, expires_in=-60)
    emu.control("POST", "/_emulator/expire-login-sessions")
    r = lanyard(env, "export-credentials", "--profile", "console")
    assert r.returncode == 253 and not r.stdout
    assert "aws login --profile console" in r.stderr, r.stderr
    shutil.rmtree(home / ".aws/login")
    r = lanyard(env, "export-credentials", "--profile", "console")
    assert r.returncode == 253 and "aws login --profile console" in r.stderr, r.stderr


def test_a_dpop_proof_signed_with_another_key_is_refused(emu, tmp_path):
    """The emulator is as strict as Sign-In: a session's refresh token only works with its key."""
    home = tmp_path / "home"
    env = sign_in(emu, home)
    _, cache = login_session(emu, home, expires_in=-60)
    _, other = login_session(emu, tmp_path / "other", expires_in=-60)
    token = json.loads(cache.read_text())
    token["dpopKey"] = json.loads(other.read_text())["dpopKey"]
    cache.write_text(json.dumps(token))
    before = emu.control("GET", "/_emulator/login-sessions").json()["refreshes"]
    r = lanyard(env, "export-credentials", "--profile", "console")
    assert r.returncode == 253, r.stdout
    assert emu.control("GET", "/_emulator/login-sessions").json()["refreshes"] == before
    assert "aws login --profile console" in r.stderr, r.stderr
