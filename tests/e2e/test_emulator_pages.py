"""The consent pages (/device, /authorize), read raw and clicked through by headless Chromium."""

import html.parser
import time
import urllib.parse
import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import (
    DEV_ACCOUNT,
    PROD_ACCOUNT,
    START_URL,
    authorize_url,
    client_error,
    http,
    oidc,
    pkce_pair,
    register_client,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class Elements(html.parser.HTMLParser):
    """Collects tags (with attributes) and the text of <option> elements."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.options = []
        self._in_option = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "option":
            self._in_option = [dict(attrs), ""]
            self.options.append(self._in_option)

    def handle_endtag(self, tag):
        if tag == "option":
            self._in_option = None

    def handle_data(self, data):
        if self._in_option is not None:
            self._in_option[1] += data

    def by_id(self, id_):
        return [(t, a) for t, a in self.tags if a.get("id") == id_]


def parse(text):
    p = Elements()
    p.feed(text)
    return p


@pytest.fixture(scope="module")
def emu(module_emulator):
    return module_emulator()


def start_device(emu, registration=None):
    reg = registration or register_client(emu)
    auth = oidc(
        emu,
        "/device_authorization",
        {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"], "startUrl": START_URL},
    ).json()
    return reg, auth


def poll_token(client, reg, auth, timeout=10):
    """Poll like the AWS CLI: wait `interval`, add 5 s on SlowDown."""
    interval = auth.get("interval", 5)
    deadline = time.monotonic() + timeout
    while True:
        time.sleep(interval)
        try:
            return client.create_token(
                grantType=DEVICE_GRANT,
                clientId=reg["clientId"],
                clientSecret=reg["clientSecret"],
                deviceCode=auth["deviceCode"],
            )
        except ClientError as e:
            code = client_error(e)["code"]
            if code == "SlowDownException":
                interval += 5
            elif code != "AuthorizationPendingException" or time.monotonic() > deadline:
                raise


def test_device_page_contents(emu):
    _, auth = start_device(emu)
    r = http("GET", auth["verificationUriComplete"])
    assert r.status == 200
    assert r.header("content-type", "").startswith("text/html")
    assert auth["userCode"] in r.text
    page = parse(r.text)
    assert page.by_id("approve") and page.by_id("deny")
    assert [t for t, _ in page.by_id("user")] == ["select"]
    assert {text.strip() for _, text in page.options} >= {"alice", "bob"} or {
        a.get("value") for a, _ in page.options
    } >= {"alice", "bob"}, page.options


def test_device_page_without_code(emu):
    _, auth = start_device(emu)
    r = http("GET", auth["verificationUri"])
    assert r.status == 200
    assert r.header("content-type", "").startswith("text/html")


def test_device_page_escapes_its_input(emu):
    evil = '<script>alert("x")</script>'
    r = http("GET", f"{emu.url}/device?user_code={urllib.parse.quote(evil)}")
    assert r.status < 500
    assert evil not in r.text


def test_authorize_page_escapes_its_input(emu):
    reg = register_client(
        emu,
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["http://127.0.0.1/oauth/callback"],
        issuerUrl=START_URL,
        scopes=["sso:account:access"],  # as the AWS CLI registers (AWS refuses none)
    )
    evil = '"><script>alert(1)</script>'
    _, challenge = pkce_pair()
    url = authorize_url(emu, reg["clientId"], "http://127.0.0.1:9/oauth/callback", evil, challenge)
    r = http("GET", url)
    assert r.status < 500
    assert "<script>alert(1)</script>" not in r.text


# -- headless Chromium ------------------------------------------------------------------------
@pytest.fixture
def oidc_client(aws, emu):
    return aws.use(emu).client("sso-oidc")


def test_browser_approves_device_code(browser, emu, oidc_client, tmp_path):
    reg, auth = start_device(emu)
    browser.get(auth["verificationUriComplete"])
    button = browser.wait_for("#approve")
    assert auth["userCode"] in browser.source()
    png = browser.screenshot(tmp_path / "device.png")
    assert png.startswith(b"\x89PNG")
    browser.click(button)
    tok = poll_token(oidc_client, reg, auth)
    assert tok["tokenType"] == "Bearer" and tok["accessToken"]
    r = http(
        "GET",
        emu.portal_url + "/assignment/accounts",
        headers={"x-amz-sso_bearer_token": tok["accessToken"]},
    )
    assert {a["accountId"] for a in r.json()["accountList"]} == {DEV_ACCOUNT, PROD_ACCOUNT}


def test_browser_denies_device_code(browser, emu, oidc_client):
    reg, auth = start_device(emu)
    browser.get(auth["verificationUriComplete"])
    browser.click(browser.wait_for("#deny"))
    with pytest.raises(ClientError) as ei:
        poll_token(oidc_client, reg, auth)
    assert client_error(ei)["code"] == "AccessDeniedException"


def test_browser_picks_another_user(browser, emu, oidc_client):
    reg, auth = start_device(emu)
    browser.get(auth["verificationUriComplete"])
    browser.wait_for("select#user")
    options = browser.find_all("select#user option")
    bob = [
        o
        for o in options
        if browser.text(o).strip() == "bob" or browser.attribute(o, "value") == "bob"
    ]
    assert bob, "no option for bob in select#user"
    browser.click(bob[0])
    browser.click(browser.find("#approve"))
    tok = poll_token(oidc_client, reg, auth)
    r = http(
        "GET",
        emu.portal_url + "/assignment/accounts",
        headers={"x-amz-sso_bearer_token": tok["accessToken"]},
    )
    assert [a["accountId"] for a in r.json()["accountList"]] == [PROD_ACCOUNT]


def register_pkce(client):
    return client.register_client(
        clientName="botocore-client-s",
        clientType="public",
        scopes=["sso:account:access"],
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["http://127.0.0.1/oauth/callback"],
        issuerUrl=START_URL,
    )


def test_browser_authorize_redirects_with_code(browser, emu, oidc_client, callback_server):
    reg = register_pkce(oidc_client)
    verifier, challenge = pkce_pair()
    state = str(uuid.uuid4())
    browser.get(authorize_url(emu, reg["clientId"], callback_server.redirect_uri, state, challenge))
    browser.click(browser.wait_for("#approve"))
    path, query = callback_server.wait()
    assert path == "/oauth/callback"
    assert query["state"] == state
    tok = oidc_client.create_token(
        grantType="authorization_code",
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        code=query["code"],
        redirectUri=callback_server.redirect_uri,
        codeVerifier=verifier,
    )
    assert tok["tokenType"] == "Bearer" and tok["accessToken"] and tok["refreshToken"]


def test_browser_authorize_deny_redirects_with_error(browser, emu, oidc_client, callback_server):
    reg = register_pkce(oidc_client)
    _, challenge = pkce_pair()
    state = str(uuid.uuid4())
    browser.get(authorize_url(emu, reg["clientId"], callback_server.redirect_uri, state, challenge))
    browser.click(browser.wait_for("#deny"))
    path, query = callback_server.wait()
    assert path == "/oauth/callback"
    assert query["error"] == "access_denied"
    assert query["state"] == state
    assert "code" not in query
