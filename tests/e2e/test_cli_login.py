"""`lanyard login/status/logout` as a person runs them, against the emulator, with headless
Chromium clicking the consent pages, and the AWS CLI's readers (boto3, the Rust SDK) using what
Lanyard wrote with no further action."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
from app import bin_dir, wait_until
from conftest import ArgvSampler, client_env, start_emulator
from webdriver import ChromeDriver

SESSION = "acme"
START = "https://acme.awsapps.com/start"


class Cli:
    """A running `lanyard` command whose stderr is collected line by line."""

    def __init__(self, args: list[str], env: dict):
        self.proc = subprocess.Popen(
            [str(bin_dir() / "lanyard"), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.out = ""
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def url(self, timeout=20) -> str:
        def find():
            for l in self.lines:
                m = re.search(r"(https?://\S+)", l)
                if m and ("/authorize?" in m.group(1) or "user_code=" in m.group(1)):
                    return m.group(1)
            return None

        return wait_until(find, timeout, what=f"a sign-in URL on stderr: {self.lines}")

    def finish(self, timeout=60) -> int:
        self.out = self.proc.stdout.read() if self.proc.stdout else ""
        self.proc.wait(timeout)
        self.pump.join(5)
        return self.proc.returncode

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def emu(tmp_path):
    e = start_emulator(tmp_path / "emu")
    yield e
    e.stop()


def cli_env(emu, home: Path) -> dict:
    env = client_env(emu, home)
    env["LANYARD_KEYRING"] = "none"
    env["PATH"] = os.environ["PATH"]
    return env


def run_cli(args, env, timeout=60):
    return subprocess.run(
        [str(bin_dir() / "lanyard"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def token_file(home: Path) -> Path:
    import hashlib

    return home / ".aws/sso/cache" / (hashlib.sha1(SESSION.encode()).hexdigest() + ".json")


def login_args(*extra):
    return [
        "login",
        "--session",
        SESSION,
        "--start-url",
        START,
        "--region",
        "us-east-1",
        "--no-browser",
        *extra,
    ]


@pytest.fixture
def chromium():
    c = ChromeDriver()
    wd = c.start()
    yield wd
    c.stop()


def test_pkce_login_with_a_real_browser(emu, tmp_path, chromium):
    home = tmp_path / "home"
    env = cli_env(emu, home)
    env["LANYARD_LOG"] = env["RUST_LOG"] = "trace"  # and no secret may reach that log
    cli = Cli(login_args(), env)
    url = cli.url()
    assert url.startswith(emu.oidc_url + "/authorize?response_type=code&client_id=")
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url
    chromium.get(url)
    chromium.click(chromium.wait_for("#approve"))
    assert cli.finish() == 0, cli.stderr
    assert "Signed in to acme" in cli.stderr
    assert "signed in" in chromium.source().lower() and "close this tab" in chromium.source()
    f = token_file(home)
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    data = json.loads(f.read_text())
    assert list(data)[:4] == ["startUrl", "region", "accessToken", "expiresAt"]
    assert data["expiresAt"].endswith("Z") and data["refreshToken"]
    status = json.loads(run_cli(["status", "--json"], env).stdout)
    assert status[0]["state"] == "signedIn" and status[0]["refreshable"] is True
    assert '"accessToken"' not in json.dumps(status) and data["accessToken"] not in json.dumps(
        status
    )
    logged = "\n".join(cli.lines) + cli.out
    for secret in (data["accessToken"], data["refreshToken"], data["clientSecret"]):
        assert secret not in logged, "a secret in the PKCE sign-in's trace log"


def test_device_code_login_with_a_real_browser(emu, tmp_path, chromium):
    env = cli_env(emu, tmp_path / "home")
    cli = Cli(login_args("--device-code"), env)
    url = cli.url()
    code = re.search(r"user_code=([A-Z]{4}-[A-Z]{4})", url).group(1)
    assert any(l.strip() == code for l in cli.lines), "the code is shown on a line of its own"
    chromium.get(url)
    assert code in chromium.text(chromium.find("#user-code"))
    chromium.click(chromium.find("#approve"))
    assert cli.finish() == 0, cli.stderr


def test_deny_in_the_browser(emu, tmp_path, chromium):
    home = tmp_path / "home"
    cli = Cli(login_args(), cli_env(emu, home))
    chromium.get(cli.url())
    chromium.click(chromium.wait_for("#deny"))
    assert cli.finish() == 3
    assert "denied" in cli.stderr and "lanyard login --session acme" in cli.stderr
    assert not token_file(home).exists()


def test_device_code_expiry(emu, tmp_path):
    home = tmp_path / "home"
    r = run_cli(login_args("--device-code", "--timeout", "2"), cli_env(emu, home))
    assert r.returncode == 3, r.stderr
    assert "not completed within 2 s" in r.stderr
    assert not token_file(home).exists()


def test_killed_browser_ends_with_a_clear_message(emu, tmp_path):
    home = tmp_path / "home"
    cli = Cli(login_args("--timeout", "4"), cli_env(emu, home))
    c = ChromeDriver()
    wd = c.start()
    wd.get(cli.url())
    wd.wait_for("#approve")
    c.stop()  # the browser goes away before anyone clicks
    assert cli.finish() == 3
    assert "not completed within 4 s" in cli.stderr
    assert not token_file(home).exists()


def test_ctrl_c_cancels_and_leaves_nothing(emu, tmp_path):
    home = tmp_path / "home"
    cli = Cli(login_args("--device-code"), cli_env(emu, home))
    cli.url()
    cli.proc.send_signal(signal.SIGINT)
    assert cli.finish() == 130
    assert "cancelled" in cli.stderr
    assert not token_file(home).exists()
    assert not [p for p in (home / ".aws/sso/cache").iterdir() if p.name.startswith(".lanyard-")], (
        "no temp files"
    )


def test_slow_down_is_honoured(tmp_path):
    emu = start_emulator(tmp_path / "emu", args=["--device-enforced-interval", "3"])
    try:
        env = cli_env(emu, tmp_path / "home")
        env["LANYARD_LOG"] = "info"
        cli = Cli(login_args("--device-code"), env)
        code = re.search(r"user_code=([A-Z]{4}-[A-Z]{4})", cli.url()).group(1)
        wait_until(lambda: "poll every 6 s" in cli.stderr, 15, what="slow_down to be honoured")
        emu.approve(code)
        assert cli.finish(timeout=30) == 0, cli.stderr
        assert "poll every 6 s" in cli.stderr
    finally:
        emu.stop()


def test_bad_input_is_explained(emu, tmp_path):
    env = cli_env(emu, tmp_path / "home")
    for args, words in [
        (
            [
                "login",
                "--session",
                "x",
                "--start-url",
                "http://acme.awsapps.com/start",
                "--region",
                "us-east-1",
            ],
            "must use https://",
        ),
        (
            ["login", "--session", "x", "--start-url", "not a url", "--region", "us-east-1"],
            "not a valid URL",
        ),
        (
            ["login", "--session", "x", "--start-url", START, "--region", "moon-1"],
            "not an AWS region",
        ),
        (
            ["login", "--session", "has space", "--start-url", START, "--region", "us-east-1"],
            "not a valid sso-session name",
        ),
        (["login", "--session", "ghost"], 'no identity named "ghost"'),
    ]:
        r = run_cli(args, env)
        assert r.returncode == 1 and words in r.stderr, (args, r.stderr)
    env["AWS_ENDPOINT_URL_SSO_OIDC"] = "http://127.0.0.1:9"
    r = run_cli(login_args("--device-code"), env)
    assert r.returncode == 1 and "cannot reach http://127.0.0.1:9 for acme" in r.stderr, r.stderr


def hand_written_profile(home: Path):
    with open(home / ".aws/config", "a") as f:
        f.write(
            "\n[profile dev]\nsso_session = acme\nsso_account_id = 222222222222\nsso_role_name = Developer\nregion = us-east-1\n"
        )


def sign_in(emu, home) -> dict:
    env = cli_env(emu, home)
    cli = Cli(login_args("--device-code"), env)
    code = re.search(r"user_code=([A-Z]{4}-[A-Z]{4})", cli.url()).group(1)
    emu.approve(code)
    assert cli.finish() == 0, cli.stderr
    hand_written_profile(home)
    return env


BOTO = """
import boto3, json, sys
c = boto3.Session(profile_name="dev").get_credentials().get_frozen_credentials()
print(json.dumps({"akid": c.access_key})[:0] + json.dumps({"prefix": c.access_key[:4]}))
"""


def test_boto3_and_the_rust_sdk_use_what_lanyard_wrote(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(emu, home)
    py = str(
        Path(os.environ.get("VIRTUAL_ENV", Path(__file__).parents[2] / ".venv")) / "bin/python"
    )
    r = subprocess.run([py, "-c", BOTO], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout) == {"prefix": "ASIA"}, r.stderr
    rust = bin_dir() / "examples" / "sdk_credentials"
    r = subprocess.run([str(rust), "dev"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout) == {
        "accessKeyIdPrefix": "ASIA",
        "length": 20,
    }, r.stderr

    # The portal forgets the access token: botocore refreshes with the refresh token Lanyard wrote.
    before = json.loads(token_file(home).read_text())
    emu.expire("access-tokens")
    r = subprocess.run([py, "-c", BOTO], env=env, capture_output=True, text=True, timeout=60)
    # botocore only refreshes inside its 15-minute window, judged by the file's expiresAt; an
    # access token revoked early is refreshed once the file says it is expiring.
    if r.returncode != 0:
        data = json.loads(token_file(home).read_text())
        data["expiresAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 300))
        token_file(home).write_text(json.dumps(data))
        r = subprocess.run([py, "-c", BOTO], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    after = json.loads(token_file(home).read_text())
    assert after["accessToken"] != before["accessToken"]


def test_refresh_and_logout_from_the_cli(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(emu, home)
    emu.expire("access-tokens")
    r = run_cli(["refresh", "--session", SESSION], env)
    assert r.returncode == 0 and "access token valid until" in r.stdout, r.stderr
    token = json.loads(token_file(home).read_text())["accessToken"]
    r = run_cli(["logout", "--session", SESSION], env)
    assert r.returncode == 0 and "Portal session ended" in r.stdout, r.stderr
    assert not token_file(home).exists()
    from conftest import http

    assert (
        http(
            "GET",
            emu.portal_url + "/assignment/accounts",
            headers={"x-amz-sso_bearer_token": token},
        ).status
        == 401
    )
    status = json.loads(run_cli(["status", "--json"], env).stdout)
    assert status[0]["state"] == "signedOut"
    r = run_cli(["refresh", "--session", SESSION], env)
    assert r.returncode == 4 and "not signed in to acme" in r.stderr


def test_identities_in_the_config_are_picked_up_not_duplicated(emu, tmp_path):
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    own = "# my own\n[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n"
    (home / ".aws/config").write_text(own)
    env = cli_env(emu, home)
    cli = Cli(login_args("--device-code"), env)
    emu.approve(re.search(r"user_code=([A-Z]{4}-[A-Z]{4})", cli.url()).group(1))
    assert cli.finish() == 0, cli.stderr
    assert (home / ".aws/config").read_text() == own, "the user's own section is used as is"


def test_no_secret_in_logs_or_argv(emu, tmp_path):
    """At trace level, through a sign-in, a refresh, discovery, a sync, a repository scan, a clone
    and a sign-out: no token, client secret, role key or git password in what any of it printed,
    nor on the command line of any process started meanwhile (git and its helpers included)."""
    home = tmp_path / "home"
    env = cli_env(emu, home)
    env["LANYARD_LOG"] = env["RUST_LOG"] = "trace"
    env["LANYARD_CLONE_ROOT"] = str(home / "src")
    with ArgvSampler() as argv:
        cli = Cli(login_args("--device-code"), env)
        code = re.search(r"user_code=([A-Z]{4}-[A-Z]{4})", cli.url()).group(1)
        emu.approve(code)
        assert cli.finish() == 0
        data = json.loads(token_file(home).read_text())
        secrets = [data["accessToken"], data["refreshToken"], data["clientSecret"]]
        r = run_cli(["refresh", "--session", SESSION], env)
        new = json.loads(token_file(home).read_text())
        secrets += [new["accessToken"], new["refreshToken"]]
        # Discovery, sync, the repository scan and a clone send the bearer token and role
        # credentials on every call: their trace logs must not show them either.
        busy = [
            run_cli(args, env)
            for args in (
                ["sync", "--session", SESSION],
                ["repos", "--session", SESSION],
                ["clone", "payments-api"],
            )
        ]
        assert all(b.returncode == 0 for b in busy), [b.stderr[-500:] for b in busy]
        r2 = run_cli(["logout", "--session", SESSION], env)
    for cmd in ("login --session", "clone payments-api"):
        assert any(cmd in c for c in argv.seen), f"the sampler saw `lanyard {cmd}`"
    commands = "\n".join(argv.seen)
    printed = "\n".join(cli.lines) + cli.out + r.stdout + r.stderr + r2.stdout + r2.stderr
    printed += "".join(b.stdout + b.stderr for b in busy)
    # Which ones leaked, by position: a failure must not print the secrets themselves.
    assert not [i for i, s in enumerate(secrets) if s in printed], "a secret in the output"
    assert not [i for i, s in enumerate(secrets) if s in commands], "a secret on a command line"
    for where, text in (("printed", printed), ("argv", commands)):
        assert not re.search(r"\d{8}T\d{6}Z[0-9a-f]{64}", text), f"no signed git password ({where})"
        assert not re.search(r"ASIA[A-Z0-9]{12,}", text), f"no role access key id ({where})"


# botocore as the AWS CLI v2 sets it up: its SSO provider caches role credentials in
# ~/.aws/cli/cache (awscli/customizations/assumerole.py in v2).
CLI_V2_CREDENTIALS = """
import os, sys, botocore.session
from botocore.credentials import JSONFileCache
s = botocore.session.Session(profile="dev")
s.get_component("credential_provider").get_provider("sso").cache = JSONFileCache(
    os.path.expanduser("~/.aws/cli/cache"))
try:
    print(s.get_credentials().get_frozen_credentials().access_key)
except Exception as e:
    print(type(e).__name__, e, file=sys.stderr)
    sys.exit(3)
"""


def cli_cache_key(**args) -> str:
    import hashlib

    return hashlib.sha1(
        json.dumps(args, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def test_logout_removes_the_clis_sso_role_credentials_so_nothing_keeps_working(emu, tmp_path):
    home = tmp_path / "home"
    env = sign_in(emu, home)
    cache = home / ".aws/cli/cache"
    cache.mkdir(parents=True, exist_ok=True)
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 11 * 3600))
    planted = cache / (
        cli_cache_key(accountId="222222222222", roleName="Developer", sessionName=SESSION) + ".json"
    )
    planted.write_text(
        json.dumps(
            {
                "ProviderType": "sso",
                "Credentials": {
                    "AccessKeyId": "ASIAPLANTEDBYAWSCLI1",
                    "SecretAccessKey": "s",
                    "SessionToken": "t",
                    "Expiration": expires,
                },
            }
        )
    )
    assume_role = cache / (cli_cache_key(RoleArn="arn:aws:iam::1:role/x") + ".json")
    assume_role.write_text(json.dumps({"Credentials": {"AccessKeyId": "AKIAASSUMEROLE"}}))
    py = str(
        Path(os.environ.get("VIRTUAL_ENV", Path(__file__).parents[2] / ".venv")) / "bin/python"
    )
    run = lambda: subprocess.run(
        [py, "-c", CLI_V2_CREDENTIALS], env=env, capture_output=True, text=True, timeout=60
    )
    r = run()
    assert r.stdout.strip() == "ASIAPLANTEDBYAWSCLI1", "the AWS CLI v2 would use the cached file"

    r = run_cli(["logout", "--session", SESSION], env)
    assert r.returncode == 0, r.stderr
    assert "1 cached role credential" in r.stdout and str(planted) in r.stdout, r.stdout
    assert not planted.exists() and assume_role.exists(), "only ProviderType sso entries go"
    r = run()
    assert r.returncode == 3 and not r.stdout.strip(), "no credentials left for the profile"


def test_a_vanity_start_url_without_a_region_signs_in(emu, tmp_path):
    home = tmp_path / "home"
    env = cli_env(emu, home)
    vanity = emu.env["LANYARD_DEMO_VANITY_URL"]
    world = emu.control("GET", "/_emulator/world").json()
    portal = world["instance"][0]["portal_url"]
    args = ["login", "--session", "corp", "--start-url", vanity, "--no-browser", "--device-code"]
    cli = Cli(args, env)
    emu.approve(re.search(r"user_code=([A-Z]{4}-[A-Z]{4})", cli.url()).group(1))
    assert cli.finish() == 0, cli.stderr
    host = portal.removeprefix("https://")
    assert f"leads to {host} (region us-east-1)" in cli.stderr
    config = (home / ".aws/config").read_text()
    assert f"sso_start_url = {vanity}\nsso_region = us-east-1" in config
    import hashlib

    token = json.loads(
        (home / ".aws/sso/cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")).read_text()
    )
    assert token["startUrl"] == vanity and token["region"] == "us-east-1"
    # The emulator only knows the portal URL: StartDeviceAuthorization was given that one.
    r = run_cli(["accounts", "--session", "corp", "--json"], env)
    assert r.returncode == 0, r.stderr


def test_a_registration_without_scopes_signs_in_but_says_it_cannot_renew(emu, tmp_path):
    """The AWS CLI's device flow without sso_registration_scopes registers without scopes; its
    cached registration is shared, and AWS then issues no refresh token."""
    from conftest import register_client

    home = tmp_path / "home"
    env = cli_env(emu, home)
    reg = register_client(emu)  # no scopes, no grant types: a legacy device-flow client
    cache = home / ".aws/sso/cache"
    cache.mkdir(parents=True)
    # The AWS CLI's key (PROTOCOL.md §4.2): default separators, `"scopes": null` unconfigured.
    key = json.dumps(
        {
            "tool": "botocore",
            "startUrl": START,
            "region": "us-east-1",
            "scopes": None,
            "session_name": SESSION,
        },
        sort_keys=True,
    )
    import hashlib

    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(reg["clientSecretExpiresAt"]))
    (cache / (hashlib.sha1(key.encode()).hexdigest() + ".json")).write_text(
        json.dumps(
            {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"], "expiresAt": expires}
        )
    )
    cli = Cli(login_args("--device-code"), env)
    emu.approve(re.search(r"user_code=([A-Z]{4}-[A-Z]{4})", cli.url()).group(1))
    assert cli.finish() == 0, cli.stderr
    assert "no refresh token was issued" in cli.stderr
    token = json.loads(token_file(home).read_text())
    assert "refreshToken" not in token and token["clientId"] == reg["clientId"]
    r = run_cli(["status"], env)
    assert "cannot renew" in r.stdout, r.stdout
    tokens = lambda: emu.stats()["requests"].get("CreateToken", 0)
    before = tokens()
    r = run_cli(["refresh", "--session", SESSION], env)
    assert "cannot renew" in r.stdout, r.stdout + r.stderr
    assert tokens() == before, "no refresh is attempted with nothing to refresh with"


def test_an_unknown_scope_is_refused_naming_the_setting(emu, tmp_path):
    env = cli_env(emu, tmp_path / "home")
    r = run_cli(login_args("--device-code", "--scopes", "sso:account:access,bogus:scope"), env)
    assert r.returncode != 0
    assert "bogus:scope" in r.stderr and "sso_registration_scopes" in r.stderr, r.stderr


def test_another_users_answer_to_the_sign_in_callback_is_ignored(tmp_path):
    """The authorize URL, state included, is on the browser's world-readable command line:
    another user's process answering the callback with it (here `error=access_denied`) is not
    heard, and the sign-in completes when this user's browser answers."""
    emu = start_emulator(tmp_path / "emu", args=["--auto-approve"])
    try:
        home = tmp_path / "home"
        env = cli_env(emu, home)
        browser = tmp_path / "browser.sh"
        browser.write_text(
            f"""#!/bin/sh
loc=$(curl -s -o /dev/null -w '%{{redirect_url}}' "$1")
cb=${{loc%%\\?*}}
state=$(echo "$loc" | sed -E 's/.*[?&]state=([^&]*).*/\\1/')
setpriv --reuid=65534 --regid=65534 --clear-groups \\
  curl -s -o /dev/null -w '%{{http_code}}' "$cb?error=access_denied&state=$state" > "{tmp_path}/other.status"
sleep 0.5
curl -s -o /dev/null "$loc"
"""
        )
        browser.chmod(0o755)
        env["BROWSER"] = str(browser)
        args = ["login", "--session", SESSION, "--start-url", START, "--region", "us-east-1"]
        r = run_cli(args, env)
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "other.status").read_text() == "200"
        assert token_file(home).exists()
    finally:
        emu.stop()


def test_cleartext_or_catch_all_endpoints_never_receive_tokens(emu, tmp_path):
    """Plain http to another host is refused (and said); a catch-all AWS_ENDPOINT_URL meant for
    another tool leaves a sign-in configured per service alone (that the catch-all alone never
    takes the sign-in is checked in lanyard-core's endpoint tests: no AWS here to fall back to)."""
    home = tmp_path / "home"
    env = cli_env(emu, home)
    env["AWS_ENDPOINT_URL_SSO"] = "http://sso.corp.example:8080"
    r = run_cli(["status"], env)
    assert "SSO portal endpoint http://sso.corp.example:8080 not used" in r.stderr, r.stderr
    env = cli_env(emu, home)
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # nothing listens there
    cli = Cli(login_args("--device-code"), env)
    emu.approve(re.search(r"user_code=([A-Z]{4}-[A-Z]{4})", cli.url()).group(1))
    assert cli.finish() == 0, cli.stderr
