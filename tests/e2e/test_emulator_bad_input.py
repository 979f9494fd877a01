"""Hostile or malformed requests get AWS-shaped answers, never a hang, a 5xx or a dropped connection."""

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import signal
import socket
import ssl
import time
import urllib.parse

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from conftest import (
    DEV_ACCOUNT,
    HttpResponse,
    aws_error_shape,
    device_login,
    role_credentials,
    start_emulator,
)

TIMEOUT = 15


@pytest.fixture(scope="module")
def world(module_emulator):
    emu = module_emulator()
    login = device_login(emu)
    creds = role_credentials(emu, login["accessToken"], DEV_ACCOUNT, "Developer")
    return emu, login, creds


@pytest.fixture
def emu(world):
    emu = world[0]
    yield emu
    assert emu.healthy(), "emulator stopped answering /_emulator/health\n" + emu.log_tail()
    assert emu.proc.poll() is None, "emulator exited\n" + emu.log_tail()


def raw(url_base, method, path, body=b"", headers=None, cafile=None, chunk=65536) -> HttpResponse:
    """Send exactly `path` (no normalisation); keep reading the answer even if the server stops
    reading the body early."""
    u = urllib.parse.urlsplit(url_base)
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=cafile)
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=TIMEOUT, context=ctx)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=TIMEOUT)
    try:
        has_host = any(k.lower() == "host" for k in (headers or {}))
        conn.putrequest(method, path, skip_host=has_host, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body or method in ("POST", "PUT"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        try:
            for i in range(0, len(body), chunk):
                conn.send(body[i : i + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer before reading everything; the answer must still arrive
        resp = conn.getresponse()
        return HttpResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def assert_aws_error(r: HttpResponse, status=None):
    assert 400 <= r.status < 500, f"{r.status} {r.headers} {r.text[:300]}"
    if status is not None:
        assert r.status == status, f"{r.status} {r.text[:300]}"
    code = aws_error_shape(r)
    assert code, f"not an AWS-shaped error: {r.status} {r.headers} {r.text[:300]}"
    return code


def signed_codecommit(
    emu, creds, target, body: bytes, region="us-east-1", content_type="application/x-amz-json-1.1"
):
    req = AWSRequest(
        method="POST",
        url=emu.codecommit_url + "/",
        data=body,
        headers={"Content-Type": content_type, "X-Amz-Target": target},
    )
    SigV4Auth(
        Credentials(creds["accessKeyId"], creds["secretAccessKey"], creds["sessionToken"]),
        "codecommit",
        region,
    ).add_auth(req)
    return raw(emu.codecommit_url, "POST", "/", body, dict(req.headers.items()))


# -- OIDC -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/client/register", "/device_authorization", "/token"])
def test_oidc_malformed_json(emu, path):
    r = raw(
        emu.oidc_url, "POST", path, b'{"clientName": "x", ', {"Content-Type": "application/json"}
    )
    assert_aws_error(r, 400)


@pytest.mark.parametrize("path", ["/client/register", "/device_authorization", "/token"])
def test_oidc_missing_required_fields(emu, path):
    r = raw(emu.oidc_url, "POST", path, b"{}", {"Content-Type": "application/json"})
    assert_aws_error(r, 400)


def test_oidc_json_array_body(emu):
    r = raw(
        emu.oidc_url, "POST", "/client/register", b"[1,2,3]", {"Content-Type": "application/json"}
    )
    assert_aws_error(r, 400)


def test_oidc_wrong_content_type(emu):
    r = raw(
        emu.oidc_url,
        "POST",
        "/token",
        b"grant_type=refresh_token&refresh_token=x",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_aws_error(r)


def test_oidc_oversize_body(emu):
    body = b'{"clientName":"' + b"a" * (11 * 1024 * 1024) + b'","clientType":"public"}'
    r = raw(emu.oidc_url, "POST", "/client/register", body, {"Content-Type": "application/json"})
    assert r.status in (400, 413), f"{r.status} {r.text[:200]}"
    assert_aws_error(r, r.status)


def test_unknown_path_is_404(emu):
    assert raw(emu.url, "GET", "/no/such/thing").status == 404


# -- portal ---------------------------------------------------------------------------------------
def test_portal_missing_token_header(emu):
    r = raw(emu.portal_url, "GET", "/assignment/accounts")
    assert_aws_error(r)


def test_portal_missing_required_query(emu, world):
    token = world[1]["accessToken"]
    r = raw(emu.portal_url, "GET", "/assignment/roles", headers={"x-amz-sso_bearer_token": token})
    assert_aws_error(r, 400)
    r = raw(
        emu.portal_url,
        "GET",
        "/federation/credentials?account_id=" + DEV_ACCOUNT,
        headers={"x-amz-sso_bearer_token": token},
    )
    assert_aws_error(r, 400)


def test_portal_non_numeric_max_result(emu, world):
    r = raw(
        emu.portal_url,
        "GET",
        "/assignment/accounts?max_result=lots",
        headers={"x-amz-sso_bearer_token": world[1]["accessToken"]},
    )
    assert_aws_error(r, 400)


# -- CodeCommit API ---------------------------------------------------------------------------
def test_codecommit_unsigned_request(emu):
    r = raw(
        emu.codecommit_url,
        "POST",
        "/",
        b"{}",
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "CodeCommit_20150413.ListRepositories",
        },
    )
    code = assert_aws_error(r)
    assert code in ("MissingAuthenticationTokenException", "IncompleteSignatureException"), code


def test_codecommit_unknown_target(emu, world):
    for target in ("CodeCommit_20150413.NoSuchOperation", "DynamoDB_20120810.ListTables"):
        r = signed_codecommit(emu, world[2], target, b"{}")
        assert assert_aws_error(r) == "UnknownOperationException", r.text


def test_codecommit_missing_target(emu, world):
    req = AWSRequest(
        method="POST",
        url=emu.codecommit_url + "/",
        data=b"{}",
        headers={"Content-Type": "application/x-amz-json-1.1"},
    )
    c = world[2]
    SigV4Auth(
        Credentials(c["accessKeyId"], c["secretAccessKey"], c["sessionToken"]),
        "codecommit",
        "us-east-1",
    ).add_auth(req)
    r = raw(emu.codecommit_url, "POST", "/", b"{}", dict(req.headers.items()))
    assert_aws_error(r)


def test_codecommit_malformed_json(emu, world):
    r = signed_codecommit(
        emu, world[2], "CodeCommit_20150413.GetRepository", b'{"repositoryName": '
    )
    assert assert_aws_error(r, 400) == "SerializationException", r.text


def test_codecommit_wrong_member_type(emu, world):
    r = signed_codecommit(
        emu,
        world[2],
        "CodeCommit_20150413.BatchGetRepositories",
        b'{"repositoryNames": "payments-api"}',
    )
    assert_aws_error(r, 400)


def test_codecommit_wrong_content_type(emu, world):
    r = signed_codecommit(
        emu, world[2], "CodeCommit_20150413.ListRepositories", b"{}", content_type="text/plain"
    )
    assert r.status < 500, r.status
    if r.status >= 400:
        assert_aws_error(r)
    else:
        # Accepted like AWS JSON services do: then it must be the real answer, not an empty 200.
        assert "repositories" in r.json(), r.text[:200]


def test_codecommit_oversize_body(emu, world):
    body = b'{"repositoryName":"' + b"a" * (11 * 1024 * 1024) + b'"}'
    r = signed_codecommit(emu, world[2], "CodeCommit_20150413.GetRepository", body)
    assert r.status in (400, 413), f"{r.status} {r.text[:200]}"
    assert_aws_error(r, r.status)


def test_codecommit_garbage_authorization_header(emu):
    r = raw(
        emu.codecommit_url,
        "POST",
        "/",
        b"{}",
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "CodeCommit_20150413.ListRepositories",
            "X-Amz-Date": "20260101T000000Z",
            "Authorization": "AWS4-HMAC-SHA256 garbage",
        },
    )
    assert_aws_error(r)


# -- git over HTTPS -----------------------------------------------------------------------------
def git_sign(host, path, region, secret):
    ts = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    canonical = f"GIT\n{path}\n\nhost:{host}\n\nhost\n"
    sts = (
        f"AWS4-HMAC-SHA256\n{ts}\n{ts[:8]}/{region}/codecommit/aws4_request\n"
        + hashlib.sha256(canonical.encode()).hexdigest()
    )
    k = hmac.new(("AWS4" + secret).encode(), ts[:8].encode(), hashlib.sha256).digest()
    for part in (region, "codecommit", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return ts + "Z" + hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()


def git_get(emu, path, auth=None):
    headers = {"Host": emu.git_host}
    if auth:
        headers["Authorization"] = auth
    return raw("https://" + emu.git_host, "GET", path, headers=headers, cafile=emu.ca)


def basic(user, pw):
    return "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()


@pytest.mark.parametrize(
    "repo_path",
    [
        "/v1/repos/../x",
        "/v1/repos/%2e%2e/x",
        "/v1/repos/..%2fstate",
        "/v1/repos/payments-api/../../../etc",
        "/v1/repos/.git",
        "/v1/repos/",
    ],
)
def test_git_path_traversal_is_refused(emu, world, repo_path):
    c = world[2]
    user = f"{c['accessKeyId']}%{c['sessionToken']}"
    pw = git_sign(emu.git_host, repo_path, "us-east-1", c["secretAccessKey"])
    r = git_get(emu, repo_path + "/info/refs?service=git-upload-pack", basic(user, pw))
    assert r.status in (400, 403, 404), f"{repo_path}: {r.status} {r.text[:200]}"


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer abc",
        "Basic " + base64.b64encode(b":").decode(),
        basic("AKIAIOSFODNN7EXAMPLE", "not-a-signature"),
    ],
)
def test_git_bad_basic_auth(emu, auth):
    r = git_get(emu, "/v1/repos/payments-api/info/refs?service=git-upload-pack", auth)
    assert r.status in (401, 403), f"{auth}: {r.status}"
    if auth is None:
        assert r.header("www-authenticate", "").lower().startswith("basic")


def test_git_valid_key_without_session_token_is_refused(emu, world):
    c = world[2]
    pw = git_sign(emu.git_host, "/v1/repos/payments-api", "us-east-1", c["secretAccessKey"])
    r = git_get(
        emu, "/v1/repos/payments-api/info/refs?service=git-upload-pack", basic(c["accessKeyId"], pw)
    )
    assert r.status == 403, r.status


def test_git_unknown_service_parameter(emu, world):
    c = world[2]
    user = f"{c['accessKeyId']}%{c['sessionToken']}"
    pw = git_sign(emu.git_host, "/v1/repos/payments-api", "us-east-1", c["secretAccessKey"])
    r = git_get(emu, "/v1/repos/payments-api/info/refs?service=git-evil", basic(user, pw))
    assert 400 <= r.status < 500, r.status


# -- connection-level robustness ------------------------------------------------------------
def test_stalled_client_does_not_block_others(emu):
    u = urllib.parse.urlsplit(emu.oidc_url)
    s = socket.create_connection((u.hostname, u.port), timeout=TIMEOUT)
    try:
        s.sendall(
            b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        t0 = time.monotonic()
        assert emu.healthy()
        assert time.monotonic() - t0 < 3
    finally:
        s.close()


def test_non_http_garbage(emu):
    u = urllib.parse.urlsplit(emu.url)
    with socket.create_connection((u.hostname, u.port), timeout=TIMEOUT) as s:
        s.sendall(b"\x16\x03\x01\x00\xa5garbage\r\n\r\n")
        try:
            s.recv(1024)
        except (TimeoutError, ConnectionResetError):
            pass


def test_control_api_unknown_user_code(emu):
    r = emu.control("POST", "/_emulator/approve", {"userCode": "ZZZZ-ZZZZ"})
    assert 400 <= r.status < 500, r.status


# -- process lifecycle ------------------------------------------------------------------------
def test_exits_when_stdin_closes(tmp_path):
    e = start_emulator(tmp_path)
    try:
        e.proc.stdin.close()
        assert e.proc.wait(5) == 0
    finally:
        e.stop()


def test_sigterm_stops_cleanly(tmp_path):
    e = start_emulator(tmp_path)
    try:
        e.proc.send_signal(signal.SIGTERM)
        assert e.proc.wait(5) == 0
    finally:
        e.stop()


def test_env_file_matches_stdout(tmp_path):
    e = start_emulator(tmp_path)
    try:
        lines = [
            l
            for l in (e.state_dir / "env").read_text().splitlines()
            if l.strip() and not l.startswith("#")
        ]
        assert dict(l.split("=", 1) for l in lines) == e.env
        assert e.env["AWS_CA_BUNDLE"] == e.env["GIT_SSL_CAINFO"] == e.env["SSL_CERT_FILE"]
        with open(e.env["AWS_CA_BUNDLE"]) as ca:
            assert ca.read().startswith("-----BEGIN CERTIFICATE-----")
    finally:
        e.stop()


# -- fault knobs --------------------------------------------------------------------------------
def test_fault_rate_one_answers_every_aws_call_with_5xx(tmp_path):
    e = start_emulator(tmp_path, args=["--fault-rate", "1"])
    try:
        for url, path, body, headers in [
            (
                e.oidc_url,
                "/client/register",
                b'{"clientName":"x","clientType":"public"}',
                {"Content-Type": "application/json"},
            ),
            (e.portal_url, "/assignment/accounts", b"", {"x-amz-sso_bearer_token": "t"}),
            (
                e.codecommit_url,
                "/",
                b"{}",
                {
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": "CodeCommit_20150413.ListRepositories",
                },
            ),
        ]:
            r = raw(url, "POST" if body else "GET", path, body, headers)
            assert r.status in (500, 503), f"{path}: {r.status} {r.text[:200]}"
            assert aws_error_shape(r) in (
                "InternalServerException",
                "ServiceUnavailable",
                "ServiceUnavailableException",
                "InternalFailure",
            ), f"{path}: {r.headers} {r.text[:200]}"
        assert e.healthy()
        assert e.stats()["faults"] >= 3
    finally:
        e.stop()


def test_reset_rate_one_drops_aws_connections(tmp_path):
    e = start_emulator(tmp_path, args=["--reset-rate", "1"])
    try:
        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            raw(
                e.oidc_url,
                "POST",
                "/client/register",
                b'{"clientName":"x","clientType":"public"}',
                {"Content-Type": "application/json"},
            )
        assert e.healthy()
    finally:
        e.stop()


def test_sigint_stops_cleanly(tmp_path):
    e = start_emulator(tmp_path)
    try:
        e.proc.send_signal(signal.SIGINT)
        assert e.proc.wait(5) == 0
    finally:
        e.stop()


# -- realism knobs ------------------------------------------------------------------------------
def timed_register(e) -> float:
    t = time.monotonic()
    r = raw(
        e.oidc_url,
        "POST",
        "/client/register",
        b'{"clientName":"x","clientType":"public"}',
        {"Content-Type": "application/json"},
    )
    assert r.status == 200, r.text[:200]
    return time.monotonic() - t


def test_latency_jitter_and_slow_bodies_are_applied(tmp_path):
    e = start_emulator(tmp_path)
    try:
        base = min(timed_register(e) for _ in range(3))
        assert e.control("POST", "/_emulator/knobs", {"latencyMs": 300, "jitterMs": 0}).status in (
            200,
            204,
        )
        slow = [timed_register(e) for _ in range(3)]
        assert all(s >= 0.3 for s in slow), slow
        assert e.control("POST", "/_emulator/knobs", {"latencyMs": 0, "jitterMs": 400}).status in (
            200,
            204,
        )
        jittered = [timed_register(e) for _ in range(8)]
        assert max(jittered) - min(jittered) > 0.05 and max(jittered) < 0.4 + base + 1, jittered
        assert e.control("POST", "/_emulator/knobs", {"jitterMs": 0, "slowBodyMs": 200}).status in (
            200,
            204,
        )
        assert timed_register(e) >= 0.2, "a body streamed in chunks 200 ms apart"
        assert e.control("POST", "/_emulator/knobs", {"slowBodyMs": 0}).status in (200, 204)
        assert timed_register(e) < 0.3
    finally:
        e.stop()


# -- randomized mutations of valid requests --------------------------------------------------
def test_mutated_requests_never_crash_hang_or_5xx(world):
    """Seeded 'fuzz-ish' table: valid OIDC, portal, CodeCommit and git requests with bytes
    flipped, truncated, duplicated or replaced by non-UTF-8; every answer is a 2xx or an
    AWS-shaped 4xx (git: a plain 4xx), and the emulator stays up."""
    import random

    emu, login, creds = world
    rng = random.Random(1201)
    reg = b'{"clientName":"fuzz","clientType":"public","scopes":["sso:account:access"]}'
    token_body = json.dumps(
        {
            "clientId": login["clientId"],
            "clientSecret": login["clientSecret"],
            "grantType": "refresh_token",
            "refreshToken": login.get("refreshToken", "x"),
        },
        separators=(",", ":"),
    ).encode()
    cc_body = b'{"repositoryNames":["payments-api","web-frontend"]}'
    user = f"{creds['accessKeyId']}%{creds['sessionToken']}"

    def mutate(b: bytes) -> bytes:
        b = bytearray(b)
        for _ in range(rng.randint(1, 4)):
            op = rng.randrange(5)
            i = rng.randrange(len(b) + 1)
            if op == 0 and b:
                b[min(i, len(b) - 1)] ^= 1 << rng.randrange(8)
            elif op == 1:
                del b[i:]
            elif op == 2:
                b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            elif op == 3:
                b[i:i] = b[max(0, i - 8) : i]
            else:
                b[i:i] = b"\xff\xfe\x80"
        return bytes(b)

    def printable(b: bytes) -> str:
        # Header values stay valid HTTP (hyper itself rejects control bytes before any handler).
        return "".join(chr(c) for c in b if 0x21 <= c < 0x7F) or "x"

    def answered(r, aws=True):
        assert r.status < 500, f"{r.status} {r.text[:200]}"
        if r.status >= 400 and aws:
            assert aws_error_shape(r), f"not AWS-shaped: {r.status} {r.headers} {r.text[:200]}"

    for _ in range(60):
        answered(
            raw(
                emu.oidc_url,
                "POST",
                "/client/register",
                mutate(reg),
                {"Content-Type": "application/json"},
            )
        )
        answered(
            raw(
                emu.oidc_url,
                "POST",
                "/token",
                mutate(token_body),
                {"Content-Type": "application/json"},
            )
        )
        q = mutate(b"max_result=5&next_token=abc").decode("latin-1")
        path = "/assignment/accounts?" + urllib.parse.quote(q, safe="=&")
        answered(
            raw(emu.portal_url, "GET", path, b"", {"x-amz-sso_bearer_token": login["accessToken"]})
        )
        answered(
            raw(
                emu.portal_url,
                "GET",
                "/assignment/roles?account_id=" + DEV_ACCOUNT,
                b"",
                {"x-amz-sso_bearer_token": printable(mutate(login["accessToken"].encode()))},
            )
        )
        r = signed_codecommit(
            emu, creds, "CodeCommit_20150413.BatchGetRepositories", mutate(cc_body)
        )
        answered(r)
        pw = mutate(b"20260101T000000Z" + b"0" * 64).decode("latin-1")
        auth = "Basic " + base64.b64encode(mutate(f"{user}:{pw}".encode())).decode()
        repo = urllib.parse.quote(mutate(b"payments-api").decode("latin-1"), safe="")
        answered(
            raw(
                emu.https_url,
                "GET",
                f"/v1/repos/{repo}/info/refs?service=git-upload-pack",
                b"",
                {"Authorization": auth},
                cafile=emu.ca,
            ),
            aws=False,
        )
    assert emu.healthy()
