"""SSO portal (ListAccounts, ListAccountRoles, GetRoleCredentials, Logout) through botocore."""

import threading
import time

import pytest
from botocore.exceptions import ClientError
from conftest import DEV_ACCOUNT, PROD_ACCOUNT, client_error, device_login, http

LARGE_START_URL = "https://large.awsapps.com/start"


def expect_error(code, fn, status, **kwargs):
    with pytest.raises(ClientError) as ei:
        fn(**kwargs)
    err = client_error(ei)
    assert (err["code"], err["status"]) == (code, status), err
    assert err["message"], err
    return err


# -- pagination over a large generated world ---------------------------------------------------
@pytest.fixture(scope="module")
def large(module_emulator):
    emu = module_emulator(world=None, args=["--accounts", "260", "--roles-per-account", "3"])
    login = device_login(emu, start_url=LARGE_START_URL)
    return emu, login["accessToken"]


@pytest.mark.parametrize("page_size", [100, 37])
def test_list_accounts_paginates_all_260(aws, large, page_size):
    emu, token = large
    sso = aws.use(emu).client("sso")
    pages = list(
        sso.get_paginator("list_accounts").paginate(
            accessToken=token, PaginationConfig={"PageSize": page_size}
        )
    )
    sizes = [len(p["accountList"]) for p in pages]
    assert all(s <= page_size for s in sizes), sizes
    assert sum(sizes) == 260
    assert len(pages) == -(-260 // page_size)
    accounts = [a for p in pages for a in p["accountList"]]
    ids = [a["accountId"] for a in accounts]
    assert len(set(ids)) == 260
    assert set(ids) == {f"1000000{n:05d}" for n in range(1, 261)}
    first = next(a for a in accounts if a["accountId"] == "100000000001")
    assert first["accountName"] == "account-0001"
    assert first["emailAddress"] == "account-0001@large.example"
    assert "nextToken" not in pages[-1] or not pages[-1]["nextToken"]


def test_list_accounts_default_page_is_at_most_100(aws, large):
    emu, token = large
    sso = aws.use(emu).client("sso")
    pages = list(sso.get_paginator("list_accounts").paginate(accessToken=token))
    assert all(len(p["accountList"]) <= 100 for p in pages)
    assert sum(len(p["accountList"]) for p in pages) == 260


def test_list_account_roles_paginates(aws, large):
    emu, token = large
    sso = aws.use(emu).client("sso")
    for account in ("100000000001", "100000000260"):
        pages = list(
            sso.get_paginator("list_account_roles").paginate(
                accessToken=token, accountId=account, PaginationConfig={"PageSize": 2}
            )
        )
        assert [len(p["roleList"]) for p in pages] == [2, 1]
        roles = [r for p in pages for r in p["roleList"]]
        assert sorted(r["roleName"] for r in roles) == [
            "AdministratorAccess",
            "Developer",
            "ReadOnly",
        ]
        assert {r["accountId"] for r in roles} == {account}


@pytest.mark.parametrize("bad", [0, 101])
def test_max_result_out_of_range_is_invalid_request(aws, large, bad):
    emu, token = large
    sso = aws.use(emu).client("sso", validate=False)
    expect_error(
        "InvalidRequestException", sso.list_accounts, 400, accessToken=token, maxResults=bad
    )
    expect_error(
        "InvalidRequestException",
        sso.list_account_roles,
        400,
        accessToken=token,
        accountId="100000000001",
        maxResults=bad,
    )


def test_bad_next_token_is_rejected(aws, large):
    emu, token = large
    sso = aws.use(emu).client("sso")
    with pytest.raises(ClientError) as ei:
        sso.list_accounts(accessToken=token, nextToken="garbage!!", maxResults=10)
    assert client_error(ei)["status"] == 400


# -- credentials and token lifecycle on the small world ---------------------------------------
@pytest.fixture
def small(emulator, aws):
    emu = emulator()
    return emu, aws.use(emu).client("sso"), device_login(emu)["accessToken"]


def test_list_accounts_small_world(small):
    _emu, sso, token = small
    accounts = sso.list_accounts(accessToken=token)["accountList"]
    assert sorted((a["accountId"], a["accountName"], a["emailAddress"]) for a in accounts) == [
        (DEV_ACCOUNT, "acme-dev", "aws-dev@acme.example"),
        (PROD_ACCOUNT, "acme-prod", "aws-prod@acme.example"),
    ]
    roles = sso.list_account_roles(accessToken=token, accountId=PROD_ACCOUNT)["roleList"]
    assert roles == [{"roleName": "ReadOnly", "accountId": PROD_ACCOUNT}]


def test_token_belongs_to_the_approving_user(small, aws):
    emu, sso, _ = small
    bob = device_login(emu, user="bob")["accessToken"]
    accounts = sso.list_accounts(accessToken=bob)["accountList"]
    assert [a["accountId"] for a in accounts] == [PROD_ACCOUNT]


def test_get_role_credentials(small):
    _emu, sso, token = small
    now = time.time()
    creds = sso.get_role_credentials(
        accessToken=token, accountId=DEV_ACCOUNT, roleName="Developer"
    )["roleCredentials"]
    assert creds["accessKeyId"].startswith("ASIA") and len(creds["accessKeyId"]) == 20
    assert len(creds["secretAccessKey"]) == 40
    assert creds["sessionToken"]
    assert abs(creds["expiration"] - (now + 3600) * 1000) < 120_000, creds["expiration"]


def test_role_credentials_ttl_flag(emulator, aws):
    emu = emulator(args=["--role-credentials-ttl", "900"])
    sso = aws.use(emu).client("sso")
    token = device_login(emu)["accessToken"]
    now = time.time()
    creds = sso.get_role_credentials(accessToken=token, accountId=DEV_ACCOUNT, roleName="ReadOnly")[
        "roleCredentials"
    ]
    assert abs(creds["expiration"] - (now + 900) * 1000) < 120_000


def test_bad_token_is_unauthorized(small):
    _emu, sso, _ = small
    expect_error("UnauthorizedException", sso.list_accounts, 401, accessToken="not-a-token")
    expect_error(
        "UnauthorizedException",
        sso.get_role_credentials,
        401,
        accessToken="not-a-token",
        accountId=DEV_ACCOUNT,
        roleName="Developer",
    )


def test_logout_invalidates_token(small):
    _emu, sso, token = small
    sso.logout(accessToken=token)
    expect_error("UnauthorizedException", sso.list_accounts, 401, accessToken=token)
    expect_error(
        "UnauthorizedException",
        sso.get_role_credentials,
        401,
        accessToken=token,
        accountId=DEV_ACCOUNT,
        roleName="Developer",
    )


def test_expired_access_token_is_unauthorized(small):
    emu, sso, token = small
    emu.expire("access-tokens")
    expect_error("UnauthorizedException", sso.list_accounts, 401, accessToken=token)
    expect_error(
        "UnauthorizedException",
        sso.list_account_roles,
        401,
        accessToken=token,
        accountId=DEV_ACCOUNT,
    )


def test_access_token_ttl_flag(emulator, aws):
    emu = emulator(args=["--access-token-ttl", "1"])
    sso = aws.use(emu).client("sso")
    login = device_login(emu)
    assert login["expiresIn"] == 1
    time.sleep(2.2)
    expect_error("UnauthorizedException", sso.list_accounts, 401, accessToken=login["accessToken"])


def test_role_not_assigned_is_forbidden(small):
    """The real service answers `ForbiddenException: No access` (HTTP 403) for a role the user
    does not hold (widely reported from GetRoleCredentials); botocore surfaces the header's code."""
    _emu, sso, token = small
    err = expect_error(
        "ForbiddenException",
        sso.get_role_credentials,
        403,
        accessToken=token,
        accountId=PROD_ACCOUNT,
        roleName="Developer",
    )
    assert err["message"] == "No access"


def test_logout_then_role_credentials_keep_working(small, aws):
    """Model doc: Logout ends the portal session; role sessions already issued continue."""
    _emu, sso, token = small
    creds = sso.get_role_credentials(
        accessToken=token, accountId=DEV_ACCOUNT, roleName="Developer"
    )["roleCredentials"]
    sso.logout(accessToken=token)
    cc = aws.client("codecommit", creds=creds)
    assert "repositories" in cc.list_repositories()


# -- throttling ---------------------------------------------------------------------------------
def test_portal_rate_limit(emulator, aws):
    emu = emulator(args=["--portal-tps", "20"])
    token = device_login(emu)["accessToken"]
    aws.use(emu)
    assert emu.control("POST", "/_emulator/stats/reset").status in (200, 204)

    results = []
    lock = threading.Lock()

    def worker(n):
        sso = aws.client("sso")
        for _ in range(n):
            try:
                sso.list_accounts(accessToken=token)
                outcome = ("ok", 200)
            except ClientError as e:
                err = client_error(e)
                outcome = (err["code"], err["status"])
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker, args=(20,)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 100
    throttled = [r for r in results if r[0] != "ok"]
    assert throttled, "no call was throttled at --portal-tps 20"
    assert set(throttled) == {("TooManyRequestsException", 429)}, set(throttled)
    ok = len(results) - len(throttled)
    assert ok >= 15, results

    stats = emu.stats()
    assert stats["throttled"] == len(throttled), stats
    assert stats["requests"].get("ListAccounts", 0) >= ok, stats

    # The raw 429 body (PROTOCOL §3.2): {"message": ..., "__type": "...#TooManyRequestsException"}
    raw = []

    def raw_worker():
        for _ in range(15):
            r = http(
                "GET",
                emu.portal_url + "/assignment/accounts",
                headers={"x-amz-sso_bearer_token": token},
            )
            raw.append(r)

    threads = [threading.Thread(target=raw_worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    r429 = [r for r in raw if r.status == 429]
    assert r429, [r.status for r in raw]
    body = r429[0].json()
    assert body["__type"].split("#")[-1] == "TooManyRequestsException", body
    assert isinstance(body["message"], str)


def test_knobs_change_portal_tps_at_run_time(emulator, aws):
    emu = emulator(args=["--portal-tps", "0"])
    token = device_login(emu)["accessToken"]
    r = emu.control("POST", "/_emulator/knobs", {"portalTps": 2})
    assert r.status in (200, 204), r.text
    statuses = [
        http(
            "GET",
            emu.portal_url + "/assignment/accounts",
            headers={"x-amz-sso_bearer_token": token},
        ).status
        for _ in range(15)
    ]
    assert 429 in statuses, statuses
    r = emu.control("POST", "/_emulator/knobs", {"portalTps": 0})
    assert r.status in (200, 204), r.text
    time.sleep(1.1)
    statuses = [
        http(
            "GET",
            emu.portal_url + "/assignment/accounts",
            headers={"x-amz-sso_bearer_token": token},
        ).status
        for _ in range(15)
    ]
    assert set(statuses) == {200}, statuses
