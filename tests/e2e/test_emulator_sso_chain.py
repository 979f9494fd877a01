"""botocore's SSO credential chain, awscli v1 and aws-sso-util against the emulator, each in its own
process configured only through environment variables and files under a temporary HOME."""

import configparser
import datetime as dt
import json
import queue
import subprocess
import threading
import time

import pytest
from conftest import (
    DEV_ACCOUNT,
    PROD_ACCOUNT,
    START_URL,
    VENV_BIN,
    client_env,
    device_login,
    run,
    run_py,
    sha1,
    utcnow,
    write_sso_profile,
    write_token_cache,
)


@pytest.fixture
def chain(emulator, tmp_path):
    emu = emulator()
    home = tmp_path / "home"
    login = device_login(emu)
    write_sso_profile(home, "p", "s", DEV_ACCOUNT, "Developer")
    return emu, home, client_env(emu, home), login


RESOLVE = """
s = boto3.Session(profile_name='p')
c = s.get_credentials().get_frozen_credentials()
cc = s.client('codecommit', config=Config(retries={'total_max_attempts': 1}))
names = [r['repositoryName'] for r in cc.list_repositories()['repositories']]
out({'ak': c.access_key, 'token': bool(c.token), 'names': names})
"""


def test_boto3_sso_session_profile_resolves_through_emulator(chain):
    emu, home, env, login = chain
    write_token_cache(home, login)
    res = run_py(RESOLVE, env)
    assert res["ak"].startswith("ASIA") and res["token"]
    assert "payments-api" in res["names"]
    assert emu.stats()["requests"].get("GetRoleCredentials", 0) >= 1


def test_botocore_refreshes_expiring_token_and_rewrites_cache(chain):
    emu, home, env, login = chain
    path = write_token_cache(home, login, expires_at=utcnow() + dt.timedelta(minutes=5))
    res = run_py(RESOLVE, env)
    assert "payments-api" in res["names"]
    cached = json.loads(path.read_text())
    assert cached["accessToken"] != login["accessToken"], (
        "botocore did not refresh through the emulator"
    )
    expires = dt.datetime.strptime(cached["expiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert expires > utcnow() + dt.timedelta(minutes=50)
    assert cached["clientId"] == login["clientId"]
    assert cached.get("refreshToken"), "CreateToken(refresh_token) returned no refreshToken"
    assert emu.stats()["requests"].get("CreateToken", 0) >= 2


def test_server_side_expired_token_surfaces_as_unauthorized_sso_token(chain):
    emu, home, env, login = chain
    write_token_cache(home, login)
    emu.expire("access-tokens")
    res = run_py(
        """
from botocore.exceptions import UnauthorizedSSOTokenError
try:
    boto3.Session(profile_name='p').get_credentials().get_frozen_credentials()
    out({'error': None})
except UnauthorizedSSOTokenError as e:
    out({'error': type(e).__name__})
""",
        env,
    )
    assert res == {"error": "UnauthorizedSSOTokenError"}


def test_legacy_profile_reads_token_by_start_url(chain):
    _emu, home, env, login = chain
    (home / ".aws" / "config").write_text(
        f"[profile p]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
        f"sso_account_id = {PROD_ACCOUNT}\nsso_role_name = ReadOnly\nregion = us-east-1\n"
    )
    cache = home / ".aws" / "sso" / "cache" / f"{sha1(START_URL)}.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    expires = (utcnow() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cache.write_text(
        json.dumps(
            {
                "startUrl": START_URL,
                "region": "us-east-1",
                "accessToken": login["accessToken"],
                "expiresAt": expires,
            }
        )
    )
    res = run_py(RESOLVE, env)
    assert res["names"] == ["prod-config"]


def test_services_section_without_env_vars(chain):
    emu, home, env, login = chain
    for k in ("AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_CODECOMMIT"):
        env.pop(k)
    cfg = home / ".aws" / "config"
    cfg.write_text(
        cfg.read_text().replace("[profile p]\n", "[profile p]\nservices = local\n")
        + (
            "[services local]\n"
            f"sso =\n  endpoint_url = {emu.portal_url}\n"
            f"sso_oidc =\n  endpoint_url = {emu.oidc_url}\n"
            f"codecommit =\n  endpoint_url = {emu.codecommit_url}\n"
        )
    )
    write_token_cache(home, login, expires_at=utcnow() + dt.timedelta(minutes=5))
    res = run_py(RESOLVE, env)
    assert "payments-api" in res["names"]
    cached = json.loads((home / ".aws" / "sso" / "cache" / f"{sha1('s')}.json").read_text())
    assert cached["accessToken"] != login["accessToken"]


def test_awscli_v1(chain):
    _emu, home, env, login = chain
    write_sso_profile(home, "ro", "s", PROD_ACCOUNT, "ReadOnly")
    write_token_cache(home, login)
    aws = str(VENV_BIN / "aws")
    # awscli v1 has no `configure list-profiles` (that is v2); `configure list` resolves the
    # profile's credentials through the SSO provider and names their source.
    p = run([aws, "configure", "list", "--profile", "p"], env, check=True)
    access = [l.split() for l in p.stdout.splitlines() if l.split()[:1] == ["access_key"]]
    assert access and access[0][2] == "sso", p.stdout
    p = run(
        [aws, "codecommit", "list-repositories", "--profile", "p", "--output", "json"],
        env,
        check=True,
    )
    assert "payments-api" in [r["repositoryName"] for r in json.loads(p.stdout)["repositories"]]
    p = run(
        [
            aws,
            "codecommit",
            "get-repository",
            "--repository-name",
            "payments-api",
            "--profile",
            "p",
        ],
        env,
        check=True,
    )
    assert json.loads(p.stdout)["repositoryMetadata"]["repositoryDescription"] == "Payments <API>"
    p = run(
        [aws, "codecommit", "list-repositories", "--profile", "ro", "--output", "json"],
        env,
        check=True,
    )
    assert [r["repositoryName"] for r in json.loads(p.stdout)["repositories"]] == ["prod-config"]
    p = run(
        [aws, "codecommit", "create-repository", "--repository-name", "x", "--profile", "ro"], env
    )
    assert p.returncode != 0 and "AccessDeniedException" in p.stderr, p.stderr


def test_awscli_v1_reports_expired_session(chain):
    emu, home, env, login = chain
    write_token_cache(home, login)
    emu.expire("access-tokens")
    p = run([str(VENV_BIN / "aws"), "codecommit", "list-repositories", "--profile", "p"], env)
    assert p.returncode != 0
    assert (
        "UnauthorizedException" in p.stderr or "SSO" in p.stderr or "expired" in p.stderr.lower()
    ), p.stderr


# -- aws-sso-util ------------------------------------------------------------------------------
EXPECTED_ALICE = {
    "acme-dev.Developer": (DEV_ACCOUNT, "Developer"),
    "acme-dev.ReadOnly": (DEV_ACCOUNT, "ReadOnly"),
    "acme-dev.Billing": (DEV_ACCOUNT, "Billing"),
    "acme-dev.Lister": (DEV_ACCOUNT, "Lister"),
    "acme-prod.ReadOnly": (PROD_ACCOUNT, "ReadOnly"),
}


def populated_profiles(home):
    cp = configparser.ConfigParser()
    cp.read(home / ".aws" / "config")
    out = {}
    for section in cp.sections():
        if section.startswith("profile "):
            out[section[len("profile ") :]] = dict(cp[section])
    return out


def check_populated(home):
    profiles = populated_profiles(home)
    assert {
        n: (p.get("sso_account_id"), p.get("sso_role_name")) for n, p in profiles.items()
    } == EXPECTED_ALICE
    for p in profiles.values():
        assert p["sso_start_url"] == START_URL
        assert p["sso_region"] == "us-east-1"
        assert p["region"] == "us-east-1"
    assert profiles["acme-dev.Developer"]["sso_account_name"] == "acme-dev"


def populate_cmd():
    return [
        str(VENV_BIN / "aws-sso-util"),
        "configure",
        "populate",
        "--sso-start-url",
        START_URL,
        "--sso-region",
        "us-east-1",
        "--region",
        "us-east-1",
    ]


def test_aws_sso_util_populate_with_auto_approve(emulator, tmp_path):
    emu = emulator(args=["--auto-approve"])
    home = tmp_path / "home"
    env = client_env(emu, home)
    p = run(populate_cmd(), env, timeout=90)
    assert p.returncode == 0, p.stdout + p.stderr
    check_populated(home)
    token_file = home / ".aws" / "sso" / "cache" / f"{sha1(START_URL)}.json"
    assert json.loads(token_file.read_text())["accessToken"]
    # A populated (legacy-style) profile then works for boto3 through the same token cache.
    env["AWS_PROFILE"] = "acme-dev.ReadOnly"
    res = run_py(
        """
cc = boto3.Session().client('codecommit')
out(sorted(r['repositoryName'] for r in cc.list_repositories()['repositories']))
""",
        env,
    )
    assert "payments-api" in res


def test_aws_sso_util_populate_device_flow_approved_via_control_api(emulator, tmp_path):
    emu = emulator()
    home = tmp_path / "home"
    env = client_env(emu, home)
    proc = subprocess.Popen(
        populate_cmd(),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    captured = []

    def pump(stream):
        for line in stream:
            captured.append(line)
            lines.put(line.rstrip("\n"))

    threads = [
        threading.Thread(target=pump, args=(s,), daemon=True) for s in (proc.stdout, proc.stderr)
    ]
    for t in threads:
        t.start()
    code = None
    seen_prompt = False
    deadline = time.monotonic() + 30
    try:
        while code is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if proc.poll() is not None:
                    break
                continue
            if "enter the code" in line.lower():
                seen_prompt = True
            elif seen_prompt and line.strip():
                code = line.strip()
        assert code, "aws-sso-util printed no user code:\n" + "".join(captured)
        emu.approve(code)
        rc = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    for t in threads:
        t.join(5)
    assert rc == 0, "".join(captured)
    check_populated(home)
