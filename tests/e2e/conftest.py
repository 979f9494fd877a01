"""Fixtures for the emulator fidelity suite.

Every test starts a real `lanyard-emulator serve` process and talks to it with real, unmodified
AWS clients (boto3/botocore, awscli v1, git + git-remote-codecommit, aws-sso-util) configured only
through their documented settings (environment variables, ~/.aws files under a temporary HOME).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import queue
import re
import secrets
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_BIN = REPO / ".venv" / "bin"
if not (VENV_BIN / "python").exists():
    VENV_BIN = Path(sys.executable).parent
PYTHON = str(VENV_BIN / "python")

sys.path.insert(0, str(HERE))
from webdriver import ChromeDriver

START_URL = "https://acme.awsapps.com/start"
DEV_ACCOUNT = "111122223333"
PROD_ACCOUNT = "444455556666"

# A small world used by most tests. alice: everything in acme-dev, ReadOnly in acme-prod;
# bob: ReadOnly in acme-prod only.
SMALL_WORLD = """
[[instance]]
name = "acme"
start_url = "https://acme.awsapps.com/start"
region = "us-east-1"
vanity = "acme"

[[instance.permission_set]]
name = "Developer"
codecommit = ["*"]

[[instance.permission_set]]
name = "ReadOnly"
codecommit = ["ListRepositories", "BatchGetRepositories", "GetRepository", "GitPull"]

[[instance.permission_set]]
name = "Billing"
codecommit = []

[[instance.permission_set]]
name = "Lister"
codecommit = ["ListRepositories"]

[[instance.account]]
id = "111122223333"
name = "acme-dev"
email = "aws-dev@acme.example"

[[instance.account]]
id = "444455556666"
name = "acme-prod"
email = "aws-prod@acme.example"

[[instance.user]]
name = "alice"
assignments = [
  { account = "111122223333", permission_sets = ["Developer", "ReadOnly", "Billing", "Lister"] },
  { account = "444455556666", permission_sets = ["ReadOnly"] },
]

[[instance.user]]
name = "bob"
assignments = [{ account = "444455556666", permission_sets = ["ReadOnly"] }]

[[instance.repository]]
account = "111122223333"
region = "us-east-1"
name = "payments-api"
description = "Payments <API>"
default_branch = "main"
branches = ["main", "develop"]
commits = 5

[[instance.repository]]
account = "111122223333"
region = "us-east-1"
name = "web-frontend"
description = "Web front end"
commits = 3

[[instance.repository]]
account = "111122223333"
region = "us-east-1"
name = "push-target"
commits = 2

[[instance.repository]]
account = "111122223333"
region = "us-east-1"
name = "push-target-sso"
commits = 2

[[instance.repository]]
account = "111122223333"
region = "eu-west-1"
name = "infra-eu"
commits = 1

[[instance.repository]]
account = "444455556666"
region = "us-east-1"
name = "prod-config"
commits = 2
"""

# Variables a test must never inherit from the machine it runs on.
_STRIP_PREFIXES = ("AWS_", "LANYARD_", "GIT_")
_STRIP_KEYS = {
    "CODE_COMMIT_ENDPOINT",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "BOTO_CONFIG",
    "XDG_CONFIG_HOME",
}


# --------------------------------------------------------------------------------------------
# Locating and running the emulator
# --------------------------------------------------------------------------------------------
def emulator_binary() -> Path:
    if os.environ.get("LANYARD_BIN_DIR"):
        return Path(os.environ["LANYARD_BIN_DIR"]) / "lanyard-emulator"
    if os.environ.get("CARGO_TARGET_DIR"):
        return Path(os.environ["CARGO_TARGET_DIR"]) / "debug" / "lanyard-emulator"
    return REPO / "target" / "debug" / "lanyard-emulator"


@dataclass
class HttpResponse:
    status: int
    headers: dict  # lower-cased names
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str, default=None):
        return self.headers.get(name.lower(), default)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def http(
    method: str, url: str, body=None, headers: dict | None = None, timeout: float = 15, cafile=None
) -> HttpResponse:
    """One HTTP(S) request that never raises on a status code and never follows redirects."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **(headers or {})}
    elif isinstance(body, str):
        body = body.encode()
    req = urllib.request.Request(url, data=body, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    handlers = [_NoRedirect(), urllib.request.ProxyHandler({})]
    if url.startswith("https:"):
        ctx = ssl.create_default_context(cafile=cafile)
        handlers.append(urllib.request.HTTPSHandler(context=ctx))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(req, timeout=timeout) as resp:
            return HttpResponse(
                resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
            )
    except urllib.error.HTTPError as e:
        return HttpResponse(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


class Emulator:
    def __init__(
        self, proc: subprocess.Popen, env: dict, state_dir: Path, log_path: Path, stdout_lines: list
    ):
        self.proc = proc
        self.env = env
        self.state_dir = state_dir
        self.log_path = log_path
        self.stdout_lines = stdout_lines
        self.url = env["LANYARD_EMULATOR_URL"].rstrip("/")
        self.https_url = env.get("LANYARD_EMULATOR_HTTPS_URL", "").rstrip("/")
        self.oidc_url = env["AWS_ENDPOINT_URL_SSO_OIDC"].rstrip("/")
        self.portal_url = env["AWS_ENDPOINT_URL_SSO"].rstrip("/")
        self.codecommit_url = env["AWS_ENDPOINT_URL_CODECOMMIT"].rstrip("/")
        self.git_host = env.get("CODE_COMMIT_ENDPOINT", "")
        self.ca = env.get("GIT_SSL_CAINFO") or env.get("AWS_CA_BUNDLE")

    # control API ------------------------------------------------------------------------------
    def control(self, method: str, path: str, json_body=None, timeout: float = 15) -> HttpResponse:
        body = json_body if json_body is not None else ({} if method == "POST" else None)
        return http(method, self.url + path, body, timeout=timeout)

    def approve(self, user_code: str, user: str | None = None) -> HttpResponse:
        body = {"userCode": user_code}
        if user:
            body["user"] = user
        r = self.control("POST", "/_emulator/approve", body)
        assert r.status in (200, 204), f"approve failed: {r.status} {r.text}"
        return r

    def deny(self, user_code: str) -> HttpResponse:
        r = self.control("POST", "/_emulator/deny", {"userCode": user_code})
        assert r.status in (200, 204), f"deny failed: {r.status} {r.text}"
        return r

    def expire(self, what: str) -> None:
        r = self.control("POST", f"/_emulator/expire-{what}", {})
        assert r.status in (200, 204), f"expire-{what} failed: {r.status} {r.text}"

    def stats(self) -> dict:
        r = self.control("GET", "/_emulator/stats")
        assert r.status == 200, r.text
        return r.json()

    def healthy(self) -> bool:
        try:
            r = http("GET", self.url + "/_emulator/health", timeout=5)
        except OSError:
            return False
        return r.status == 200 and r.text.strip() == "ok"

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
        return self.proc.returncode


class ArgvSampler:
    """While active, records the command line of every other process on the machine (the test's
    descendants among them) by polling /proc, as another local user could: a secret passed on a
    command line shows up here. `seen` holds each distinct command line."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = str(os.getpid())
        while not self._stop.is_set():
            for d in os.listdir("/proc"):
                if not d.isdigit() or d == me:
                    continue
                try:
                    raw = Path(f"/proc/{d}/cmdline").read_bytes()
                except OSError:
                    continue
                if raw:
                    self.seen.add(raw.replace(b"\0", b" ").decode(errors="replace"))

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def start_emulator(
    base: Path, world: str | None = None, args=(), ready_timeout: float = 90
) -> Emulator:
    binary = emulator_binary()
    if not binary.exists():
        pytest.fail(
            f"emulator binary not found at {binary} (build it with cargo build -p lanyard-emulator)"
        )
    base.mkdir(parents=True, exist_ok=True)
    state_dir = base / "state"
    state_dir.mkdir(exist_ok=True)
    cmd = [str(binary), "serve"]
    if world is not None:
        world_path = base / "world.toml"
        world_path.write_text(world)
        cmd += ["--world", str(world_path)]
    cmd += [
        "--state-dir",
        str(state_dir),
        "--env-file",
        str(state_dir / "env"),
        "--exit-on-stdin-close",
    ]
    args = list(args)
    if "--portal-tps" not in args:
        args += ["--portal-tps", "0"]  # throttling is tested on purpose, not by accident
    cmd += args
    log_path = base / "emulator.log"
    # The child process writes to it for its whole life, past this block.
    log = open(log_path, "wb")  # noqa: SIM115
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_STRIP_PREFIXES) and k not in _STRIP_KEYS
    }
    env.setdefault("RUST_BACKTRACE", "1")
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env, cwd=base
    )
    log.close()

    lines: queue.Queue[str | None] = queue.Queue()
    all_lines: list[str] = []

    def pump():
        for raw in proc.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            all_lines.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    env_out: dict[str, str] = {}
    deadline = time.monotonic() + ready_timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            line = lines.get(timeout=max(remaining, 0.01))
        except queue.Empty:
            line = "<timeout>"
        if line == "READY":
            break
        if line is None or line == "<timeout>":
            proc.kill()
            proc.wait(5)
            pytest.fail(
                f"emulator did not print READY ({'exited ' + str(proc.returncode) if line is None else 'timeout'})\n"
                f"cmd: {' '.join(cmd)}\nstdout:\n"
                + "\n".join(all_lines)
                + "\nstderr:\n"
                + log_path.read_text(errors="replace")[-4000:]
            )
        m = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m:
            env_out[m.group(1)] = m.group(2)
    missing = {
        "LANYARD_EMULATOR_URL",
        "AWS_ENDPOINT_URL_SSO",
        "AWS_ENDPOINT_URL_SSO_OIDC",
        "AWS_ENDPOINT_URL_CODECOMMIT",
    } - set(env_out)
    if missing:
        proc.kill()
        pytest.fail(f"emulator READY output lacks {sorted(missing)}: {all_lines}")
    return Emulator(proc, env_out, state_dir, log_path, all_lines)


def _make_factory(tmp_factory, name: str):
    started: list[Emulator] = []
    counter = [0]

    def factory(world: str | None = SMALL_WORLD, args=(), **kw) -> Emulator:
        counter[0] += 1
        base = tmp_factory.mktemp(f"{name}{counter[0]}")
        emu = start_emulator(base, world, args, **kw)
        started.append(emu)
        return emu

    def finish():
        problems = []
        for emu in started:
            emu.stop()
            if emu.proc.returncode is None:
                problems.append(f"emulator pid {emu.proc.pid} did not exit")
        assert not problems, problems

    return factory, finish


@pytest.fixture
def emulator(tmp_path_factory):
    """Factory: emulator(world=TOML or None, args=[...]) -> Emulator; stopped after the test."""
    factory, finish = _make_factory(tmp_path_factory, "emu")
    yield factory
    finish()


@pytest.fixture(scope="module")
def module_emulator(tmp_path_factory):
    """Same as `emulator`, shared by the tests of one module."""
    factory, finish = _make_factory(tmp_path_factory, "memu")
    yield factory
    finish()


# --------------------------------------------------------------------------------------------
# Client environments
# --------------------------------------------------------------------------------------------
def client_env(emu: Emulator, home: Path) -> dict:
    """Environment for a real AWS client: temp HOME, emulator endpoints + CA, no real credentials."""
    home = Path(home)
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_STRIP_PREFIXES) and k not in _STRIP_KEYS
    }
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_SSO_DISABLE_BROWSER="1",
        BROWSER="true",
        XDG_CONFIG_HOME=str(home / ".config"),
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        PYTHONDONTWRITEBYTECODE="1",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Author",
        GIT_COMMITTER_EMAIL="author@example.com",
    )
    env.update(emu.env)
    return env


def run(
    cmd, env: dict, timeout: float = 60, cwd=None, input: str | None = None, check: bool = False
) -> subprocess.CompletedProcess:
    p = subprocess.run(
        cmd, env=env, cwd=cwd, input=input, capture_output=True, text=True, timeout=timeout
    )
    if check and p.returncode != 0:
        raise AssertionError(
            f"{cmd} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        )
    return p


PY_PRELUDE = r"""
import json, sys, os, datetime
import boto3, botocore, botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
def out(obj):
    print(json.dumps(obj, default=str))
def err(e):
    r = e.response
    return {"code": r["Error"].get("Code"), "message": r["Error"].get("Message"),
            "status": r["ResponseMetadata"].get("HTTPStatusCode")}
"""


def run_py(code: str, env: dict, timeout: float = 60):
    """Run `code` in the venv's python with `env`; return the JSON printed on the last stdout line."""
    p = run([PYTHON, "-c", PY_PRELUDE + code], env=env, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(
            f"python exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        )
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    assert lines, f"no output; stderr:\n{p.stderr}"
    return json.loads(lines[-1])


class Aws:
    """In-process boto3 clients configured only through the environment (set with monkeypatch)."""

    def __init__(self, monkeypatch, home: Path):
        self.monkeypatch = monkeypatch
        self.home = home
        self.emu: Emulator | None = None

    def use(self, emu: Emulator) -> Aws:
        env = client_env(emu, self.home)
        for k in list(os.environ):
            if k not in env:
                self.monkeypatch.delenv(k, raising=False)
        for k, v in env.items():
            self.monkeypatch.setenv(k, v)
        self.emu = emu
        return self

    def client(
        self,
        service: str,
        region: str = "us-east-1",
        creds: dict | None = None,
        max_attempts: int = 1,
        validate: bool = True,
        **config,
    ):
        import boto3
        import botocore.session
        from botocore import UNSIGNED
        from botocore.config import Config

        assert self.emu is not None, "call aws.use(emu) first"
        cfg = {
            "region_name": region,
            "retries": {"total_max_attempts": max_attempts, "mode": "standard"},
            "connect_timeout": 5,
            "read_timeout": 30,
            "parameter_validation": validate,
        }
        if service in ("sso", "sso-oidc"):
            cfg["signature_version"] = UNSIGNED
        cfg.update(config)
        session = boto3.Session(botocore_session=botocore.session.Session())
        kwargs = {}
        if creds is not None:
            kwargs = {
                "aws_access_key_id": creds["accessKeyId"],
                "aws_secret_access_key": creds["secretAccessKey"],
                "aws_session_token": creds.get("sessionToken"),
            }
        return session.client(service, config=Config(**cfg), **kwargs)


@pytest.fixture
def aws(monkeypatch, tmp_path):
    return Aws(monkeypatch, tmp_path / "home")


def client_error(excinfo_or_exc) -> dict:
    e = getattr(excinfo_or_exc, "value", excinfo_or_exc)
    r = e.response
    return {
        "code": r["Error"].get("Code"),
        "message": r["Error"].get("Message"),
        "status": r["ResponseMetadata"].get("HTTPStatusCode"),
        "headers": r["ResponseMetadata"].get("HTTPHeaders", {}),
    }


# --------------------------------------------------------------------------------------------
# Raw protocol helpers (setup only; tests assert through the real clients)
# --------------------------------------------------------------------------------------------
def oidc(emu: Emulator, path: str, body: dict) -> HttpResponse:
    return http("POST", emu.oidc_url + path, body)


def register_client(emu: Emulator, name: str = "lanyard-tests", **extra) -> dict:
    r = oidc(emu, "/client/register", {"clientName": name, "clientType": "public", **extra})
    assert r.status == 200, f"RegisterClient: {r.status} {r.text}"
    return r.json()


def device_login(
    emu: Emulator,
    user: str | None = None,
    start_url: str = START_URL,
    registration: dict | None = None,
    approve: bool = True,
) -> dict:
    """Device flow with approval through the control API. Returns registration + token fields."""
    reg = registration or register_client(emu, scopes=["sso:account:access"])
    r = oidc(
        emu,
        "/device_authorization",
        {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"], "startUrl": start_url},
    )
    assert r.status == 200, f"StartDeviceAuthorization: {r.status} {r.text}"
    auth = r.json()
    if approve:
        emu.approve(auth["userCode"], user)
    body = {
        "grantType": "urn:ietf:params:oauth:grant-type:device_code",
        "clientId": reg["clientId"],
        "clientSecret": reg["clientSecret"],
        "deviceCode": auth["deviceCode"],
    }
    for _ in range(20):
        r = oidc(emu, "/token", body)
        if r.status == 200:
            break
        if "SlowDown" in (r.header("x-amzn-ErrorType") or "") or "AuthorizationPending" in (
            r.header("x-amzn-ErrorType") or ""
        ):
            time.sleep(auth.get("interval", 1) + 0.2)
            continue
        break
    assert r.status == 200, f"CreateToken: {r.status} {r.headers} {r.text}"
    return {**reg, **r.json(), "userCode": auth["userCode"]}


def role_credentials(emu: Emulator, access_token: str, account_id: str, role_name: str) -> dict:
    q = urllib.parse.urlencode({"role_name": role_name, "account_id": account_id})
    r = http(
        "GET",
        f"{emu.portal_url}/federation/credentials?{q}",
        headers={"x-amz-sso_bearer_token": access_token},
    )
    assert r.status == 200, f"GetRoleCredentials: {r.status} {r.text}"
    return r.json()["roleCredentials"]


def pkce_pair() -> tuple[str, str]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    verifier = "".join(secrets.choice(alphabet) for _ in range(64))
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    return verifier, challenge


def authorize_url(
    emu: Emulator,
    client_id: str,
    redirect_uri: str,
    state: str,
    challenge: str,
    scopes=("sso:account:access",),
) -> str:
    """Built exactly like botocore's SSOTokenFetcherAuth (PROTOCOL §2.2)."""
    from botocore.utils import percent_encode_sequence

    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge_method": "S256",
        "scopes": " ".join(scopes),
    }
    query = percent_encode_sequence(params) + "&code_challenge=" + challenge
    return f"{emu.oidc_url}/authorize?{query}"


class CallbackServer:
    """Loopback OAuth redirect target, like the AWS CLI's (HTTPServer on 127.0.0.1:0)."""

    def __init__(self, path: str = "/oauth/callback"):
        import http.server

        self.path = path
        self.requests: queue.Queue[tuple[str, dict]] = queue.Queue()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                parsed = urllib.parse.urlsplit(self.path)
                outer.requests.put((parsed.path, dict(urllib.parse.parse_qsl(parsed.query))))
                body = b"<html><body>done</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.redirect_uri = f"http://127.0.0.1:{self.port}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, timeout: float = 15) -> tuple[str, dict]:
        return self.requests.get(timeout=timeout)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def callback_server():
    srv = CallbackServer()
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium driven over W3C WebDriver (chromedriver)."""
    cd = ChromeDriver()
    driver = cd.start()
    yield driver
    cd.stop()


# --------------------------------------------------------------------------------------------
# ~/.aws files
# --------------------------------------------------------------------------------------------
def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sha1(s: str) -> str:
    return hashlib.sha1(s.encode("utf-8")).hexdigest()


def write_sso_profile(
    home: Path,
    profile: str = "p",
    session: str = "s",
    account: str = DEV_ACCOUNT,
    role: str = "Developer",
    region: str = "us-east-1",
    start_url: str = START_URL,
    sso_region: str = "us-east-1",
) -> Path:
    cfg = Path(home) / ".aws" / "config"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    text = cfg.read_text() if cfg.exists() else ""
    if f"[sso-session {session}]" not in text:
        text += (
            f"[sso-session {session}]\n"
            f"sso_start_url = {start_url}\n"
            f"sso_region = {sso_region}\n"
            f"sso_registration_scopes = sso:account:access\n\n"
        )
    text += (
        f"[profile {profile}]\n"
        f"sso_session = {session}\n"
        f"sso_account_id = {account}\n"
        f"sso_role_name = {role}\n"
        f"region = {region}\n"
        f"output = json\n\n"
    )
    cfg.write_text(text)
    return cfg


def write_token_cache(
    home: Path,
    login: dict,
    session: str = "s",
    start_url: str = START_URL,
    region: str = "us-east-1",
    expires_at: dt.datetime | None = None,
) -> Path:
    """The cache file `aws sso login` writes (PROTOCOL §4.1)."""
    path = Path(home) / ".aws" / "sso" / "cache" / f"{sha1(session)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    if expires_at is None:
        expires_at = utcnow() + dt.timedelta(seconds=login["expiresIn"])
    data = {
        "startUrl": start_url,
        "region": region,
        "accessToken": login["accessToken"],
        "expiresAt": iso(expires_at),
        "clientId": login["clientId"],
        "clientSecret": login["clientSecret"],
        "registrationExpiresAt": iso(
            dt.datetime.fromtimestamp(login["clientSecretExpiresAt"], dt.UTC)
        ),
    }
    if login.get("refreshToken"):
        data["refreshToken"] = login["refreshToken"]
    path.write_text(json.dumps(data))
    os.chmod(path, 0o600)
    return path


def write_static_profile(home: Path, profile: str, creds: dict, region: str = "us-east-1") -> None:
    c = Path(home) / ".aws" / "credentials"
    c.parent.mkdir(parents=True, exist_ok=True)
    text = c.read_text() if c.exists() else ""
    text += (
        f"[{profile}]\n"
        f"aws_access_key_id = {creds['accessKeyId']}\n"
        f"aws_secret_access_key = {creds['secretAccessKey']}\n"
        f"aws_session_token = {creds['sessionToken']}\n\n"
    )
    c.write_text(text)
    cfg = Path(home) / ".aws" / "config"
    t = cfg.read_text() if cfg.exists() else ""
    t += f"[profile {profile}]\nregion = {region}\n\n"
    cfg.write_text(t)


def aws_error_shape(r: HttpResponse) -> str | None:
    """The error code a botocore client would derive (PROTOCOL §1.5), or None if not AWS-shaped."""
    h = r.header("x-amzn-ErrorType")
    if h:
        return h.split(":")[0].split("#")[-1]
    try:
        body = r.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for k in ("code", "Code", "__type"):
        if body.get(k):
            return str(body[k]).split("#")[-1]
    if body.get("error"):
        return str(body["error"])
    return None
