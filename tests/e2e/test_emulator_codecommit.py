"""CodeCommit JSON API (awsJson 1.1, SigV4) through botocore, with portal role credentials."""

import datetime as dt

import pytest
from botocore.exceptions import ClientError
from conftest import (
    DEV_ACCOUNT,
    PROD_ACCOUNT,
    SMALL_WORLD,
    client_error,
    device_login,
    role_credentials,
)

BULK_ACCOUNT = "777788889999"


def bulk_world():
    parts = [
        SMALL_WORLD.replace(
            '  { account = "444455556666", permission_sets = ["ReadOnly"] },\n]',
            '  { account = "444455556666", permission_sets = ["ReadOnly"] },\n'
            '  { account = "777788889999", permission_sets = ["Developer"] },\n]',
        )
    ]
    assert parts[0] != SMALL_WORLD
    parts.append(
        '\n[[instance.account]]\nid = "777788889999"\nname = "acme-bulk"\nemail = "bulk@acme.example"\n'
    )
    for i in range(1050):
        parts.append(
            f'\n[[instance.repository]]\naccount = "{BULK_ACCOUNT}"\nregion = "us-east-1"\nname = "bulk-{i:04d}"\ncommits = 1\n'
        )
    return "".join(parts)


@pytest.fixture(scope="module")
def world(module_emulator):
    emu = module_emulator(world=bulk_world())
    token = device_login(emu)["accessToken"]
    creds = {}

    def get(role="Developer", account=DEV_ACCOUNT):
        key = (role, account)
        if key not in creds:
            creds[key] = role_credentials(emu, token, account, role)
        return creds[key]

    return emu, get


@pytest.fixture
def cc(world, aws):
    emu, creds = world
    aws.use(emu)

    def make(role="Developer", account=DEV_ACCOUNT, region="us-east-1", **kw):
        return aws.client("codecommit", region=region, creds=creds(role, account), **kw)

    return make


def expect_error(code, fn, **kwargs):
    with pytest.raises(ClientError) as ei:
        fn(**kwargs)
    err = client_error(ei)
    assert err["code"] == code, err
    assert 400 <= err["status"] < 500, err
    assert err["message"], err
    return err


def names(client, **kw):
    return [
        r["repositoryName"]
        for p in client.get_paginator("list_repositories").paginate(**kw)
        for r in p["repositories"]
    ]


def test_list_repositories_pages_of_1000(cc):
    client = cc(account=BULK_ACCOUNT)
    pages = list(client.get_paginator("list_repositories").paginate())
    assert [len(p["repositories"]) for p in pages] == [1000, 50]
    assert pages[0]["nextToken"]
    all_names = [r["repositoryName"] for p in pages for r in p["repositories"]]
    assert sorted(all_names) == [f"bulk-{i:04d}" for i in range(1050)]
    assert all(r["repositoryId"] for p in pages for r in p["repositories"])


def test_invalid_continuation_token(cc):
    expect_error(
        "InvalidContinuationTokenException", cc().list_repositories, nextToken="not-a-token"
    )


def test_list_repositories_sorted_by_name(cc):
    client = cc()
    asc = names(client, sortBy="repositoryName", order="ascending")
    assert asc == sorted(asc)
    assert {"payments-api", "web-frontend", "push-target", "push-target-sso"} <= set(asc)
    assert "infra-eu" not in asc and "prod-config" not in asc
    desc = names(client, sortBy="repositoryName", order="descending")
    assert desc == list(reversed(asc))


def test_list_repositories_sorted_by_last_modified(cc):
    client = cc()
    order = names(client, sortBy="lastModifiedDate", order="ascending")
    meta = {
        r["repositoryName"]: r["lastModifiedDate"]
        for r in client.batch_get_repositories(repositoryNames=order)["repositories"]
    }
    dates = [meta[n] for n in order]
    assert dates == sorted(dates)


def test_invalid_sort_and_order(cc):
    client = cc()
    expect_error("InvalidSortByException", client.list_repositories, sortBy="size")
    expect_error("InvalidOrderException", client.list_repositories, order="sideways")


def test_batch_get_repositories(cc):
    r = cc().batch_get_repositories(repositoryNames=["payments-api", "web-frontend", "nope"])
    assert sorted(m["repositoryName"] for m in r["repositories"]) == [
        "payments-api",
        "web-frontend",
    ]
    assert r["repositoriesNotFound"] == ["nope"]


def test_batch_get_more_than_100_names(cc):
    expect_error(
        "MaximumRepositoryNamesExceededException",
        cc().batch_get_repositories,
        repositoryNames=[f"r{i}" for i in range(101)],
    )


def test_batch_get_no_names(cc):
    expect_error(
        "RepositoryNamesRequiredException", cc().batch_get_repositories, repositoryNames=[]
    )


def test_get_repository_metadata(cc):
    m = cc().get_repository(repositoryName="payments-api")["repositoryMetadata"]
    assert m["accountId"] == DEV_ACCOUNT
    assert m["repositoryName"] == "payments-api"
    assert m["repositoryId"]
    assert m["repositoryDescription"] == "Payments <API>"
    assert m["defaultBranch"] == "main"
    assert m["Arn"] == f"arn:aws:codecommit:us-east-1:{DEV_ACCOUNT}:payments-api"
    assert m["cloneUrlHttp"].startswith("https://") and m["cloneUrlHttp"].endswith(
        "/v1/repos/payments-api"
    )
    assert m["cloneUrlSsh"].startswith("ssh://") and m["cloneUrlSsh"].endswith(
        "/v1/repos/payments-api"
    )
    now = dt.datetime.now(dt.UTC)
    for key in ("creationDate", "lastModifiedDate"):
        assert isinstance(m[key], dt.datetime), m[key]
        assert dt.datetime(2005, 1, 1, tzinfo=dt.UTC) < m[key] <= now + dt.timedelta(minutes=5)
    assert m["creationDate"] <= m["lastModifiedDate"]


def test_get_repository_errors(cc):
    client = cc()
    expect_error("RepositoryDoesNotExistException", client.get_repository, repositoryName="nope")
    expect_error(
        "InvalidRepositoryNameException", client.get_repository, repositoryName="bad name!"
    )
    no_validation = cc(validate=False)
    expect_error("RepositoryNameRequiredException", no_validation.get_repository)


def test_create_repository_then_listed(cc):
    client = cc()
    m = client.create_repository(
        repositoryName="created-here", repositoryDescription="made by a test"
    )["repositoryMetadata"]
    assert m["repositoryName"] == "created-here"
    assert m["Arn"] == f"arn:aws:codecommit:us-east-1:{DEV_ACCOUNT}:created-here"
    assert "created-here" in names(client)
    got = client.get_repository(repositoryName="created-here")["repositoryMetadata"]
    assert got["repositoryDescription"] == "made by a test"
    assert got["repositoryId"] == m["repositoryId"]
    expect_error(
        "RepositoryNameExistsException", client.create_repository, repositoryName="created-here"
    )
    expect_error(
        "InvalidRepositoryNameException", client.create_repository, repositoryName="bad name!"
    )


def test_region_comes_from_signing_region(cc):
    eu = cc(region="eu-west-1")
    us = cc(region="us-east-1")
    eu.create_repository(repositoryName="only-in-eu")
    eu_names = names(eu)
    assert "only-in-eu" in eu_names and "infra-eu" in eu_names
    assert "payments-api" not in eu_names
    us_names = names(us)
    assert "only-in-eu" not in us_names and "infra-eu" not in us_names
    expect_error("RepositoryDoesNotExistException", us.get_repository, repositoryName="infra-eu")
    assert (
        eu.get_repository(repositoryName="infra-eu")["repositoryMetadata"]["Arn"]
        == f"arn:aws:codecommit:eu-west-1:{DEV_ACCOUNT}:infra-eu"
    )


def test_account_comes_from_credentials(cc):
    assert names(cc(role="ReadOnly", account=PROD_ACCOUNT)) == ["prod-config"]


def test_permission_sets_gate_actions(cc):
    expect_error("AccessDeniedException", cc(role="Billing").list_repositories)
    readonly = cc(role="ReadOnly")
    assert "payments-api" in names(readonly)
    readonly.get_repository(repositoryName="payments-api")
    expect_error("AccessDeniedException", readonly.create_repository, repositoryName="not-allowed")
    lister = cc(role="Lister")
    assert "payments-api" in names(lister)
    expect_error("AccessDeniedException", lister.get_repository, repositoryName="payments-api")
    expect_error(
        "AccessDeniedException", lister.batch_get_repositories, repositoryNames=["payments-api"]
    )


def test_wrong_secret_is_invalid_signature(world, aws):
    emu, creds = world
    good = creds()
    bad = {
        **good,
        "secretAccessKey": good["secretAccessKey"][:-1]
        + ("A" if good["secretAccessKey"][-1] != "A" else "B"),
    }
    client = aws.use(emu).client("codecommit", creds=bad)
    expect_error("InvalidSignatureException", client.list_repositories)


def test_unknown_access_key_is_unrecognized_client(world, aws):
    emu, creds = world
    good = creds()
    bad = {**good, "accessKeyId": "ASIAZZZZZZZZZZZZZZZZ"}
    client = aws.use(emu).client("codecommit", creds=bad)
    expect_error("UnrecognizedClientException", client.list_repositories)


def test_region_outside_codecommit_is_refused(cc):
    with pytest.raises(ClientError) as ei:
        cc(region="xx-fake-1").list_repositories()
    err = client_error(ei)
    assert 400 <= err["status"] < 500 and err["code"], err


def test_expired_role_credentials(emulator, aws):
    emu = emulator()
    token = device_login(emu)["accessToken"]
    creds = role_credentials(emu, token, DEV_ACCOUNT, "Developer")
    client = aws.use(emu).client("codecommit", creds=creds)
    assert "payments-api" in names(client)
    emu.expire("role-credentials")
    expect_error("ExpiredTokenException", client.list_repositories)
