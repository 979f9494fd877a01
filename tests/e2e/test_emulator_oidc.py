"""SSO OIDC (RegisterClient, StartDeviceAuthorization, CreateToken, /authorize) through botocore."""

import time
import urllib.parse
import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import (
    START_URL,
    authorize_url,
    client_error,
    device_login,
    http,
    oidc,
    pkce_pair,
    register_client,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REGISTERED_REDIRECT = "http://127.0.0.1/oauth/callback"


@pytest.fixture
def emu(emulator):
    return emulator()


@pytest.fixture
def sso_oidc(aws, emu):
    return aws.use(emu).client("sso-oidc")


def register(client, **extra):
    return client.register_client(
        clientName="botocore-client-s", clientType="public", scopes=["sso:account:access"], **extra
    )


def start(client, reg, start_url=START_URL):
    return client.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=start_url
    )


def poll(client, reg, auth):
    return client.create_token(
        grantType=DEVICE_GRANT,
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        deviceCode=auth["deviceCode"],
    )


def expect_error(code, fn, *args, status=400, **kwargs):
    with pytest.raises(ClientError) as ei:
        fn(*args, **kwargs)
    err = client_error(ei)
    assert err["code"] == code, err
    assert err["status"] == status, err
    return err


# -- device flow --------------------------------------------------------------------------------
def test_register_client_returns_epoch_seconds(sso_oidc, emu):
    assert sso_oidc.meta.endpoint_url.rstrip("/") == emu.oidc_url
    now = time.time()
    reg = register(sso_oidc)
    assert reg["clientId"] and reg["clientSecret"]
    assert abs(reg["clientIdIssuedAt"] - now) < 120
    assert abs(reg["clientSecretExpiresAt"] - (now + 7776000)) < 120


def test_register_client_rejects_non_public_client_type(sso_oidc):
    with pytest.raises(ClientError) as ei:
        sso_oidc.register_client(clientName="x", clientType="confidential")
    err = client_error(ei)
    assert err["status"] == 400
    assert err["code"] in ("InvalidClientMetadataException", "InvalidRequestException"), err


def test_start_device_authorization_fields(sso_oidc, emu):
    reg = register(sso_oidc)
    auth = start(sso_oidc, reg)
    assert auth["deviceCode"] and auth["userCode"]
    assert auth["expiresIn"] == 600
    assert auth["interval"] == 1
    assert auth["verificationUri"].startswith("http")
    complete = urllib.parse.urlsplit(auth["verificationUriComplete"])
    assert urllib.parse.parse_qs(complete.query)["user_code"] == [auth["userCode"]]


def test_pending_then_approved_returns_bearer_token(sso_oidc, emu):
    reg = register(sso_oidc)
    auth = start(sso_oidc, reg)
    expect_error("AuthorizationPendingException", poll, sso_oidc, reg, auth)
    emu.approve(auth["userCode"])
    time.sleep(auth["interval"] + 0.2)
    tok = poll(sso_oidc, reg, auth)
    assert tok["tokenType"] == "Bearer"
    assert tok["accessToken"]
    assert tok["refreshToken"]
    assert tok["expiresIn"] == 3600


def test_polling_faster_than_interval_slows_down(sso_oidc):
    reg = register(sso_oidc)
    auth = start(sso_oidc, reg)
    expect_error("AuthorizationPendingException", poll, sso_oidc, reg, auth)
    expect_error("SlowDownException", poll, sso_oidc, reg, auth)


def test_denied_authorization_is_access_denied(sso_oidc, emu):
    reg = register(sso_oidc)
    auth = start(sso_oidc, reg)
    emu.deny(auth["userCode"])
    expect_error("AccessDeniedException", poll, sso_oidc, reg, auth)


def test_expired_device_code(emulator, aws):
    emu = emulator(args=["--device-code-ttl", "1"])
    client = aws.use(emu).client("sso-oidc")
    reg = register(client)
    auth = start(client, reg)
    assert auth["expiresIn"] == 1
    time.sleep(2.2)
    expect_error("ExpiredTokenException", poll, client, reg, auth)


def test_unknown_device_code_is_invalid_grant(sso_oidc):
    reg = register(sso_oidc)
    expect_error("InvalidGrantException", poll, sso_oidc, reg, {"deviceCode": "not-a-device-code"})


def test_refresh_token_grant_issues_new_working_token(sso_oidc, emu):
    login = device_login(emu)
    tok = sso_oidc.create_token(
        grantType="refresh_token",
        clientId=login["clientId"],
        clientSecret=login["clientSecret"],
        refreshToken=login["refreshToken"],
    )
    assert tok["tokenType"] == "Bearer"
    assert tok["accessToken"] and tok["accessToken"] != login["accessToken"]
    assert tok["expiresIn"] == 3600
    r = http(
        "GET",
        emu.portal_url + "/assignment/accounts?max_result=10",
        headers={"x-amz-sso_bearer_token": tok["accessToken"]},
    )
    assert r.status == 200, r.text


def test_bad_client_secret_is_invalid_client_401(sso_oidc, emu):
    reg = register(sso_oidc)
    bad = {**reg, "clientSecret": reg["clientSecret"] + "x"}
    expect_error("InvalidClientException", start, sso_oidc, bad, status=401)
    login = device_login(emu)
    expect_error(
        "InvalidClientException",
        sso_oidc.create_token,
        grantType="refresh_token",
        clientId=login["clientId"],
        clientSecret="wrong",
        refreshToken=login["refreshToken"],
        status=401,
    )


def test_expired_registration_is_invalid_client(sso_oidc, emu):
    login = device_login(emu)
    emu.expire("clients")
    expect_error("InvalidClientException", start, sso_oidc, login, status=401)
    expect_error(
        "InvalidClientException",
        sso_oidc.create_token,
        grantType="refresh_token",
        clientId=login["clientId"],
        clientSecret=login["clientSecret"],
        refreshToken=login["refreshToken"],
        status=401,
    )


def test_unknown_refresh_token_is_invalid_grant(sso_oidc):
    reg = register(sso_oidc)
    expect_error(
        "InvalidGrantException",
        sso_oidc.create_token,
        grantType="refresh_token",
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        refreshToken="rt-unknown",
    )


def test_unsupported_grant_type(sso_oidc):
    reg = register(sso_oidc)
    expect_error(
        "UnsupportedGrantTypeException",
        sso_oidc.create_token,
        grantType="password",
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
    )


def test_authorization_pending_wire_shape(emu):
    """PROTOCOL §1.5: x-amzn-ErrorType header + {"error","error_description"} body, HTTP 400."""
    reg = register_client(emu)
    auth = oidc(
        emu,
        "/device_authorization",
        {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"], "startUrl": START_URL},
    ).json()
    r = oidc(
        emu,
        "/token",
        {
            "grantType": DEVICE_GRANT,
            "clientId": reg["clientId"],
            "clientSecret": reg["clientSecret"],
            "deviceCode": auth["deviceCode"],
        },
    )
    assert r.status == 400
    assert r.header("x-amzn-ErrorType", "").split(":")[0] == "AuthorizationPendingException", (
        r.headers
    )
    assert r.header("content-type", "").startswith("application/json")
    body = r.json()
    assert body["error"] == "authorization_pending"
    assert isinstance(body["error_description"], str) and body["error_description"]


# -- authorization code + PKCE ------------------------------------------------------------------
def register_pkce(client):
    return client.register_client(
        clientName="botocore-client-s",
        clientType="public",
        scopes=["sso:account:access"],
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=[REGISTERED_REDIRECT],
        issuerUrl=START_URL,
    )


def authorize(emu, reg, redirect_uri, state, challenge):
    return http("GET", authorize_url(emu, reg["clientId"], redirect_uri, state, challenge))


def auto_approved_code(emu, reg, redirect_uri):
    verifier, challenge = pkce_pair()
    state = str(uuid.uuid4())
    r = authorize(emu, reg, redirect_uri, state, challenge)
    assert r.status in (302, 303), f"{r.status} {r.text[:500]}"
    loc = r.header("location")
    assert loc.split("?")[0] == redirect_uri, loc
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
    assert q["state"] == state
    assert q["code"]
    return q["code"], verifier


@pytest.fixture
def auto(emulator, aws):
    emu = emulator(args=["--auto-approve"])
    return emu, aws.use(emu).client("sso-oidc")


def exchange(client, reg, code, redirect_uri, verifier):
    return client.create_token(
        grantType="authorization_code",
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        code=code,
        redirectUri=redirect_uri,
        codeVerifier=verifier,
    )


def test_authorize_page_shows_consent_when_not_auto_approved(sso_oidc, emu, callback_server):
    reg = register_pkce(sso_oidc)
    _, challenge = pkce_pair()
    r = authorize(emu, reg, callback_server.redirect_uri, str(uuid.uuid4()), challenge)
    assert r.status == 200, r.text[:500]
    assert r.header("content-type", "").startswith("text/html")
    assert 'id="approve"' in r.text or "id='approve'" in r.text or "id=approve" in r.text


def test_auth_code_pkce_exchange(auto, callback_server):
    emu, client = auto
    reg = register_pkce(client)
    code, verifier = auto_approved_code(emu, reg, callback_server.redirect_uri)
    tok = exchange(client, reg, code, callback_server.redirect_uri, verifier)
    assert tok["tokenType"] == "Bearer"
    assert tok["accessToken"] and tok["refreshToken"]
    r = http(
        "GET",
        emu.portal_url + "/assignment/accounts",
        headers={"x-amz-sso_bearer_token": tok["accessToken"]},
    )
    assert r.status == 200, r.text


def test_auth_code_wrong_verifier_is_invalid_grant(auto, callback_server):
    emu, client = auto
    reg = register_pkce(client)
    code, _verifier = auto_approved_code(emu, reg, callback_server.redirect_uri)
    other, _ = pkce_pair()
    expect_error(
        "InvalidGrantException", exchange, client, reg, code, callback_server.redirect_uri, other
    )


def test_auth_code_reuse_is_invalid_grant(auto, callback_server):
    emu, client = auto
    reg = register_pkce(client)
    code, verifier = auto_approved_code(emu, reg, callback_server.redirect_uri)
    exchange(client, reg, code, callback_server.redirect_uri, verifier)
    expect_error(
        "InvalidGrantException", exchange, client, reg, code, callback_server.redirect_uri, verifier
    )


def test_auth_code_redirect_uri_must_match_at_token_time(auto, callback_server):
    emu, client = auto
    reg = register_pkce(client)
    code, verifier = auto_approved_code(emu, reg, callback_server.redirect_uri)
    other = f"http://127.0.0.1:{callback_server.port}/other/callback"
    expect_error("InvalidGrantException", exchange, client, reg, code, other, verifier)


@pytest.mark.parametrize(
    "bad",
    [
        "http://127.0.0.1:{port}/evil/callback",
        "http://evil.example:{port}/oauth/callback",
        "https://127.0.0.1:{port}/oauth/callback",
    ],
)
def test_authorize_refuses_unregistered_redirect_uri(auto, callback_server, bad):
    emu, client = auto
    reg = register_pkce(client)
    _, challenge = pkce_pair()
    uri = bad.format(port=callback_server.port)
    r = authorize(emu, reg, uri, str(uuid.uuid4()), challenge)
    assert 400 <= r.status < 500, f"{r.status} location={r.header('location')}"
    assert not (r.header("location") or "").startswith(uri)


def test_authorize_unknown_client_is_refused(auto, callback_server):
    emu, _ = auto
    _, challenge = pkce_pair()
    r = authorize(
        emu, {"clientId": "no-such-client"}, callback_server.redirect_uri, "st", challenge
    )
    assert 400 <= r.status < 500, f"{r.status} location={r.header('location')}"
    assert not (r.header("location") or "").startswith(callback_server.redirect_uri)


def test_authorize_refuses_client_without_authorization_code_grant(auto, callback_server):
    emu, client = auto
    reg = register(client)  # a device-flow registration: no grantTypes, no redirectUris
    _, challenge = pkce_pair()
    r = authorize(emu, reg, callback_server.redirect_uri, "st", challenge)
    assert 400 <= r.status < 500, f"{r.status} location={r.header('location')}"
    assert not (r.header("location") or "").startswith(callback_server.redirect_uri)


# -- strict like AWS: each rule answers what the model lists for the wrong request ---------------
def test_register_client_refuses_an_unknown_scope(sso_oidc):
    err = expect_error(
        "InvalidScopeException",
        sso_oidc.register_client,
        clientName="c",
        clientType="public",
        scopes=["sso:account:access", "bogus:scope"],
    )
    assert "bogus:scope" in err["message"]


def test_an_authorization_code_registration_needs_redirect_uris_issuer_and_scopes(sso_oidc):
    pkce = {"clientName": "c", "clientType": "public", "grantTypes": ["authorization_code"]}
    full = dict(
        pkce, redirectUris=[REGISTERED_REDIRECT], issuerUrl=START_URL, scopes=["sso:account:access"]
    )
    for missing, code in [
        ("redirectUris", "InvalidRequestException"),
        ("issuerUrl", "InvalidRequestException"),
        ("scopes", "InvalidScopeException"),
    ]:
        args = {k: v for k, v in full.items() if k != missing}
        expect_error(code, sso_oidc.register_client, **args)
    expect_error(
        "InvalidRequestException",
        sso_oidc.register_client,
        **dict(full, issuerUrl="https://nobody.awsapps.com/start"),
    )
    expect_error(
        "InvalidRedirectUriException",
        sso_oidc.register_client,
        **dict(full, redirectUris=["http://evil.example/oauth/callback"]),
    )
    expect_error(
        "UnsupportedGrantTypeException",
        sso_oidc.register_client,
        **dict(full, grantTypes=["password"]),
    )
    assert sso_oidc.register_client(**full)["clientId"]


def test_a_pkce_client_cannot_start_a_device_authorization(sso_oidc):
    reg = register_pkce(sso_oidc)
    expect_error("UnauthorizedClientException", start, sso_oidc, reg)


def test_a_device_client_registered_without_scopes_gets_no_refresh_token(sso_oidc, emu):
    reg = sso_oidc.register_client(clientName="botocore-client-1700000000", clientType="public")
    auth = start(sso_oidc, reg)
    emu.approve(auth["userCode"])
    tok = poll(sso_oidc, reg, auth)
    assert tok["accessToken"] and "refreshToken" not in tok
    expect_error(
        "UnauthorizedClientException",
        sso_oidc.create_token,
        grantType="refresh_token",
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        refreshToken="anything",
    )


def test_a_device_client_cannot_exchange_an_authorization_code(sso_oidc):
    reg = register(sso_oidc)
    expect_error(
        "UnauthorizedClientException",
        lambda: sso_oidc.create_token(
            grantType="authorization_code",
            clientId=reg["clientId"],
            clientSecret=reg["clientSecret"],
            code="c",
            redirectUri="http://127.0.0.1:1/oauth/callback",
            codeVerifier="v" * 64,
        ),
    )


def test_create_token_refuses_an_unknown_scope(sso_oidc):
    reg = register(sso_oidc)
    expect_error(
        "InvalidScopeException",
        sso_oidc.create_token,
        grantType="refresh_token",
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        refreshToken="rt",
        scope=["bogus:scope"],
    )


def test_authorize_refuses_scopes_not_registered_back_to_the_verified_redirect(
    auto, callback_server
):
    emu, client = auto
    reg = register_pkce(client)
    _, challenge = pkce_pair()
    state = str(uuid.uuid4())
    url = authorize_url(
        emu, reg["clientId"], callback_server.redirect_uri, state, challenge, scopes=("openid",)
    )
    r = http("GET", url)
    assert r.status in (302, 303), r.text[:300]
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.header("location")).query))
    assert q["error"] == "invalid_scope" and q["state"] == state and "code" not in q
    # A redirect URI that is not registered never receives anything: the error is shown here.
    bad = authorize_url(emu, reg["clientId"], "http://127.0.0.1:1/elsewhere", state, challenge)
    r = http("GET", bad)
    assert r.status == 400 and "does not match" in r.text


def test_oidc_throttling_is_slow_down_as_the_model_lists(emu, sso_oidc):
    emu.control("POST", "/_emulator/knobs", {"oidcTps": 1})
    codes = set()
    for _ in range(6):
        try:
            register(sso_oidc)
        except ClientError as e:
            codes.add(
                (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
            )
    assert codes == {("SlowDownException", 400)}, codes


def test_a_vanity_host_redirects_to_the_portal_which_is_a_start_url(emu, sso_oidc):
    world = emu.control("GET", "/_emulator/world").json()
    portal = world["instance"][0]["portal_url"]
    vanity = emu.env["LANYARD_DEMO_VANITY_URL"]
    r = http("HEAD", vanity, cafile=emu.ca)
    assert r.status == 302 and r.header("location") == portal + "/"
    reg = register(sso_oidc)
    assert start(sso_oidc, reg, portal)["userCode"]
    expect_error("InvalidRequestException", start, sso_oidc, reg, vanity)
