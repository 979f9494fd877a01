"""`lanyard sync` / `offboard` against the emulator: what botocore, the Rust SDK and the AWS CLI
read afterwards, bytes outside Lanyard's blocks, crash safety, concurrency, throttling."""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import time
from pathlib import Path

import pytest
from app import bin_dir
from conftest import client_env, start_emulator

START = "https://acme.awsapps.com/start"
ALICE_PROFILES = {
    "acme-dev/Developer",
    "acme-dev/ReadOnly",
    "acme-management/Billing",
    "acme-management/ReadOnly",
    "acme-prod/ReadOnly",
    "acme-sandbox/AdministratorAccess",
    "acme-security/ReadOnly",
    "acme-shared-services/AdministratorAccess",
    "acme-shared-services/Developer",
    "acme-staging/Developer",
    "acme-staging/ReadOnly",
}
VENV_PY = str(Path(__file__).parents[2] / ".venv/bin/python")

# Nasty but valid configs: comments, odd spacing, CRLF, no trailing newline, nested values,
# unknown sections, tabs, non-ASCII comments, a hand-written sso-session profile.
CORPUS = {
    "empty": "",
    "no-trailing-newline": "[default]\nregion = us-east-1",
    "crlf": "# windows\r\n[profile win]\r\nregion = eu-west-1\r\n",
    "comments-and-spacing": "; semi\n#hash\n\n\n[default]\nregion=us-west-2\n   \n[profile  spaced]\noutput   =   json\n",
    "nested-services": "[profile svc]\nservices = local\n[services local]\nsso =\n  endpoint_url = http://127.0.0.1:1\ns3 =\n  addressing_style = path\n",
    "unknown-sections": "[plugins]\ncli_legacy_plugin_path = /x\n[preview]\ncloudfront = true\n[weird section with spaces]\nkey = value\n",
    "unicode-and-tabs": "# café ☕ — naïve\n[profile\tt]\nregion\t= ap-south-1\n",
    "hand-written-sso": "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n[profile corp-admin]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
    "name-clash": "[profile acme-dev/Developer]\nregion = us-west-1\n# mine, keep it\n",
    # Shapes of botocore's own tests/unit/cfg files (not shipped in the wheel): nested values with
    # keys after them, several credential profiles, assume-role chains, credential_process.
    "botocore-nested": "[default]\naws_access_key_id = foo\naws_secret_access_key = bar\ns3 =\n    signature_version = s3v4\n    addressing_style = path\nregion = us-west-2\n",
    "botocore-profiles": "[default]\naws_access_key_id = default_key\n\n[profile personal]\naws_access_key_id = personal_key\naws_secret_access_key = personal_secret\n\n[profile chained]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = personal\n\n[profile proc]\ncredential_process = /usr/bin/env printf '{}'\n",
}


def lanyard(args, env, timeout=120, **kw):
    return subprocess.run(
        [str(bin_dir() / "lanyard"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    e = start_emulator(tmp_path_factory.mktemp("emu"), args=["--auto-approve"])
    yield e
    e.stop()


def signed_in_home(emu, home: Path, config: str = "") -> dict:
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws/config").write_bytes(config.encode())
    env = client_env(emu, home)
    env.update(PATH=os.environ["PATH"], LANYARD_KEYRING="none")
    r = lanyard(
        [
            "login",
            "--session",
            "acme",
            "--start-url",
            START,
            "--region",
            "us-east-1",
            "--device-code",
            "--no-browser",
        ],
        env,
    )
    assert r.returncode == 0, r.stderr
    return env


def test_foreign_readers_see_exactly_the_expected_profiles(emu, tmp_path):
    home = tmp_path / "home"
    env = signed_in_home(emu, home, "[profile mine]\nregion = eu-west-1\n")
    r = lanyard(["sync"], env)
    assert r.returncode == 0, r.stderr
    code = "import botocore.session, json; print(json.dumps(sorted(botocore.session.Session().available_profiles)))"
    p = subprocess.run([VENV_PY, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert set(json.loads(p.stdout)) == ALICE_PROFILES | {"mine"}
    for profile in random.Random(7).sample(sorted(ALICE_PROFILES), 3):
        code = f"import boto3; print(boto3.Session(profile_name={profile!r}).get_credentials().access_key[:4])"
        p = subprocess.run(
            [VENV_PY, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
        assert p.returncode == 0 and p.stdout.strip() == "ASIA", (profile, p.stderr)
        rust = subprocess.run(
            [str(bin_dir() / "examples/sdk_credentials"), profile],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert rust.returncode == 0 and '"ASIA"' in rust.stdout, (profile, rust.stderr)
    aws = subprocess.run(
        [str(Path(VENV_PY).parent / "aws"), "configure", "list", "--profile", "acme-dev/Developer"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert aws.returncode == 0 and "sso" in aws.stdout, aws.stderr
    listed = json.loads(lanyard(["profiles", "--json"], env).stdout)
    assert {p["name"] for p in listed} == ALICE_PROFILES


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bytes_outside_lanyards_blocks_never_change(emu, tmp_path, name):
    original = CORPUS[name]
    home = tmp_path / "home"
    env = signed_in_home(emu, home, original)
    cfg = home / ".aws/config"
    after_login = cfg.read_bytes().decode()
    assert after_login.startswith(original)
    for template in [
        "{account_name}/{role_name}",
        "{session}-{account_id}-{role_name}",
        "{account_name}/{role_name}",
    ]:
        r = lanyard(["sync", "--session", "acme", "--template", template], env)
        assert r.returncode == 0, r.stderr
        text = cfg.read_bytes().decode()
        assert text.startswith(original), "everything before Lanyard's blocks is untouched"
    if name == "name-clash":
        assert (
            "acme-dev/Developer-2" in text
            and "warning: profile acme-dev/Developer already exists" in r.stderr
        )
    r = lanyard(["offboard", "--yes"], env)
    assert r.returncode == 0, r.stderr
    assert cfg.read_bytes().decode() == original, "offboarding restores the original file exactly"


def test_dry_run_writes_nothing_and_prunes_disappeared_roles(emu, tmp_path):
    home = tmp_path / "home"
    env = signed_in_home(emu, home)
    cfg = home / ".aws/config"
    before = cfg.read_bytes()
    r = lanyard(["sync", "--dry-run"], env)
    assert r.returncode == 0 and "11 to add" in r.stdout and cfg.read_bytes() == before
    assert lanyard(["sync"], env).returncode == 0
    # A profile whose role disappeared (simulated by a renamed account in the cache) is pruned.
    r = lanyard(["sync", "--template", "{account_id}/{role_name}"], env)
    assert "11 to add" in r.stdout and "11 to remove" in r.stdout, r.stdout
    text = cfg.read_text()
    assert "acme-dev/Developer" not in text and "[profile 222222222222/Developer]" in text


def world_with_instances(*names: str, accounts: int = 4) -> str:
    """A world of one IAM Identity Center instance per name, each with its own accounts."""
    parts = []
    for n, name in enumerate(names):
        parts.append(
            f'[[instance]]\nname = "{name}"\nstart_url = "https://{name}.awsapps.com/start"\n'
            f'region = "us-east-1"\n[[instance.permission_set]]\nname = "ReadOnly"\ncodecommit = []\n'
            '[[instance.permission_set]]\nname = "Developer"\ncodecommit = []\n'
        )
        for a in range(accounts):
            parts.append(
                f'[[instance.account]]\nid = "{n + 1}{a:011d}"\nname = "{name}-{a}"\n'
                f'email = "{a}@{name}.example"\n'
            )
        parts.append('[[instance.user]]\nname = "u"\nall_accounts = ["ReadOnly", "Developer"]\n')
    return "".join(parts)


@contextlib.contextmanager
def two_instances(tmp_path):
    """An emulator with the acme and globex instances, and a home whose clients use it."""
    emu = start_emulator(
        tmp_path / "emu", world=world_with_instances("acme", "globex"), args=["--auto-approve"]
    )
    try:
        home = tmp_path / "home"
        (home / ".aws").mkdir(parents=True)
        env = client_env(emu, home)
        env.update(PATH=os.environ["PATH"], LANYARD_KEYRING="none")
        yield home, env
    finally:
        emu.stop()


def all_at_once(commands: list[list[str]], env: dict) -> None:
    """Starts every command at the same moment; each must succeed."""
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for cmd in commands
    ]
    for p in procs:
        assert p.wait(120) == 0, p.stderr.read()


def test_two_identities_syncing_at_once_both_keep_their_profiles(tmp_path):
    """Two different writers at the same moment, several rounds: each sync reads the config, adds
    its own block and replaces the file. Without the config lock, one of them writes a file read
    before the other's block landed, and that block is lost."""
    with two_instances(tmp_path) as (home, env):
        for s in ("acme", "globex"):
            login = ["login", "--session", s, "--start-url", f"https://{s}.awsapps.com/start"]
            r = lanyard([*login, "--region", "us-east-1", "--device-code", "--no-browser"], env)
            assert r.returncode == 0, r.stderr
        cfg = home / ".aws/config"
        signed_in = cfg.read_text()
        for round in range(10):
            cfg.write_text(signed_in)
            all_at_once(
                [[str(bin_dir() / "lanyard"), "sync", "--session", s] for s in ("acme", "globex")],
                env,
            )
            text = cfg.read_text()
            for s in ("acme", "globex"):
                marker = f"# >>> lanyard: profiles for sso-session {s}"
                assert text.count(marker) == 1, f"round {round}: the {s} block was lost"
        code = "import botocore.session; print(len(botocore.session.Session().available_profiles))"
        p = subprocess.run(
            [VENV_PY, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
        assert p.stdout.strip() == str(2 * 4 * 2), p.stderr


def test_sign_ins_that_add_identities_while_a_sync_writes_keep_everything(tmp_path):
    """Different writers at once, several rounds: three `lanyard login`s each saving a new
    identity's [sso-session] while `lanyard sync` replaces another identity's block. Each reads the
    config and replaces the file; without the one config lock they share, writes get lost."""
    with two_instances(tmp_path) as (home, env):
        login = ["login", "--session", "acme", "--start-url", "https://acme.awsapps.com/start"]
        r = lanyard([*login, "--region", "us-east-1", "--device-code", "--no-browser"], env)
        assert r.returncode == 0, r.stderr
        assert lanyard(["sync", "--session", "acme"], env).returncode == 0
        cfg = home / ".aws/config"
        only_acme = cfg.read_text()
        lanyard_bin = str(bin_dir() / "lanyard")
        for round in range(6):
            cfg.write_text(only_acme)
            added = [f"g{round}{n}" for n in range(3)]
            sync = [lanyard_bin, "sync", "--session", "acme", "--template"]
            writers = [[*sync, f"r{round}-{{account_name}}/{{role_name}}"]] + [
                [lanyard_bin, "login", "--session", name, "--start-url"]
                + ["https://globex.awsapps.com/start", "--region", "us-east-1"]
                + ["--device-code", "--no-browser"]
                for name in added
            ]
            all_at_once(writers, env)
            text = cfg.read_text()
            for name in added:
                assert f"[sso-session {name}]" in text, f"round {round}: identity {name} was lost"
            assert f"[profile r{round}-" in text, f"round {round}: the sync's profiles were lost"
            assert text.count("# >>> lanyard: profiles for sso-session acme") == 1


def test_bad_input_is_refused_clearly_and_nothing_is_written(emu, tmp_path):
    home = tmp_path / "home"
    env = signed_in_home(emu, home, "[profile a]\nregion = x\n[profile a]\nregion = y\n")
    cfg = home / ".aws/config"
    before = cfg.read_bytes()
    r = lanyard(["sync"], env)
    assert r.returncode == 1 and "line 3" in r.stderr and "already defined on line 1" in r.stderr, (
        r.stderr
    )
    assert cfg.read_bytes() == before
    cfg.write_text(before.decode().replace("[profile a]\nregion = y\n", "", 1))
    r = lanyard(["sync", "--template", "{bogus}"], env)
    assert r.returncode == 1 and "unknown placeholder {bogus}" in r.stderr
    cfg.chmod(0o444)
    r = lanyard(["sync"], env)
    assert r.returncode == 1 and "read-only" in r.stderr
    cfg.chmod(0o644)


def test_no_value_with_a_line_break_reaches_the_config(emu, tmp_path):
    """Every value the CLI writes, with CR alone, LF alone and CRLF: refused, nothing written,
    nothing remembered; then odd but harmless values read back exactly through Python's
    configparser (botocore's parser) and botocore itself."""
    import configparser

    home = tmp_path / "home"
    env = signed_in_home(emu, home)
    cfg = home / ".aws/config"
    before = cfg.read_bytes()
    for le in ["\r", "\n", "\r\n"]:
        evil = f"json{le}[default]{le}credential_process = sh -c 'touch {tmp_path}/pwned'"
        for flags in (
            ["--output", evil],
            ["--default-region", evil],
            ["--account-region", f"444444444444={evil}"],
        ):
            r = lanyard(["sync", *flags], env)
            assert r.returncode != 0 and "line break" in r.stderr, (flags, r.stderr)
            assert cfg.read_bytes() == before, flags
        r = lanyard(
            [
                "login",
                "--session",
                "evil",
                "--start-url",
                f"https://x.awsapps.com/start{le}[default]",
                "--region",
                "us-east-1",
                "--no-browser",
                "--timeout",
                "1",
            ],
            env,
        )
        assert r.returncode != 0 and cfg.read_bytes() == before, r.stderr
    r = lanyard(["sync"], env)
    assert r.returncode == 0, "no refused value was remembered: " + r.stderr

    odd = "json ; not a comment # = % [x] \u00e9\u4e2d"
    r = lanyard(["sync", "--output", odd], env)
    assert r.returncode == 0, r.stderr
    parser = configparser.RawConfigParser()
    parser.read(cfg)
    outputs = {parser.get(s, "output") for s in parser.sections() if parser.has_option(s, "output")}
    assert outputs == {odd}, outputs
    assert "default" not in parser.sections() and not (tmp_path / "pwned").exists()


def test_odd_account_names_become_shell_safe_profiles(tmp_path):
    world = """
[[instance]]
name = "odd"
start_url = "https://odd.awsapps.com/start"
region = "us-east-1"
[[instance.permission_set]]
name = "Read Only"
codecommit = []
[[instance.account]]
id = "111111111111"
name = "Prod [EU] \\"main\\""
email = "a@odd.example"
[[instance.account]]
id = "222222222222"
name = "Zürich\\nteam"
email = "b@odd.example"
[[instance.user]]
name = "u"
all_accounts = ["Read Only"]
"""
    emu = start_emulator(tmp_path / "emu", world=world, args=["--auto-approve"])
    try:
        home = tmp_path / "home"
        (home / ".aws").mkdir(parents=True)
        env = client_env(emu, home)
        env.update(PATH=os.environ["PATH"], LANYARD_KEYRING="none")
        assert (
            lanyard(
                [
                    "login",
                    "--session",
                    "odd",
                    "--start-url",
                    "https://odd.awsapps.com/start",
                    "--region",
                    "us-east-1",
                    "--device-code",
                    "--no-browser",
                ],
                env,
            ).returncode
            == 0
        )
        r = lanyard(["sync"], env)
        assert r.returncode == 0, r.stderr
        names = {p["name"] for p in json.loads(lanyard(["profiles", "--json"], env).stdout)}
        assert names == {"Prod-EU-main/Read-Only", "Z-rich-team/Read-Only"}
        code = "import botocore.session, json; print(json.dumps(sorted(botocore.session.Session().available_profiles)))"
        p = subprocess.run(
            [VENV_PY, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
        assert set(json.loads(p.stdout)) == names
    finally:
        emu.stop()


def test_a_thousand_accounts_through_throttling_and_faults(tmp_path):
    emu = start_emulator(
        tmp_path / "emu",
        args=[
            "--accounts",
            "1000",
            "--roles-per-account",
            "3",
            "--repos-per-account",
            "0",
            "--portal-tps",
            "20",
            "--fault-rate",
            "0.05",
            "--auto-approve",
        ],
    )
    try:
        home = tmp_path / "home"
        (home / ".aws").mkdir(parents=True)
        env = client_env(emu, home)
        env.update(PATH=os.environ["PATH"], LANYARD_KEYRING="none")
        assert (
            lanyard(
                [
                    "login",
                    "--session",
                    "large",
                    "--start-url",
                    "https://large.awsapps.com/start",
                    "--region",
                    "us-east-1",
                    "--device-code",
                    "--no-browser",
                ],
                env,
            ).returncode
            == 0
        )
        started = time.monotonic()
        r = lanyard(["sync"], env, timeout=600)
        took = time.monotonic() - started
        assert r.returncode == 0, r.stderr
        assert "3000 to add" in r.stdout
        assert "warning" not in r.stderr.lower() and "error" not in r.stderr.lower(), r.stderr
        names = {p["name"] for p in json.loads(lanyard(["profiles", "--json"], env).stdout)}
        assert names == {
            f"account-{i:04d}/{role}"
            for i in range(1, 1001)
            for role in ("AdministratorAccess", "Developer", "ReadOnly")
        }
        stats = emu.stats()
        assert stats["faults"] > 0 and stats["requests"]["ListAccountRoles"] >= 1000
        # The README's promise: at most 20 portal requests a second (one more where a request
        # lands on the boundary of the emulator's wall-clock second).
        peak = stats["peakTps"]["Portal"]
        assert 10 <= peak <= 21, f"{peak} portal requests within one second"
        print(
            f"1000 accounts x 3 roles: {took:.1f} s, floor {1010 / 20:.1f} s, peak {peak}/s, "
            f"throttled {stats['throttled']}, faults {stats['faults']}"
        )
    finally:
        emu.stop()


def test_renames_regions_and_output_survive_resync(emu, tmp_path):
    home = tmp_path / "home"
    env = signed_in_home(emu, home)
    r = lanyard(
        [
            "sync",
            "--rename",
            "222222222222/Developer=dev",
            "--account-region",
            "444444444444=eu-central-1",
            "--output",
            "json",
        ],
        env,
    )
    assert r.returncode == 0, r.stderr
    r = lanyard(["sync"], env)  # remembered
    assert r.returncode == 0 and "11 unchanged" in r.stdout, r.stdout
    listed = {p["name"]: p for p in json.loads(lanyard(["profiles", "--json"], env).stdout)}
    assert "dev" in listed and "acme-dev/Developer" not in listed
    assert listed["acme-prod/ReadOnly"]["region"] == "eu-central-1"
    assert "output = json" in (home / ".aws/config").read_text()
    r = lanyard(["sync", "--rename", "nonsense"], env)
    assert r.returncode == 1 and "--rename wants KEY=VALUE" in r.stderr


def strace_sync(env, inject: str, log: Path):
    return subprocess.run(
        [
            "strace",
            "-f",
            "-qq",
            "-o",
            str(log),
            "-e",
            "trace=rename,renameat,renameat2,write,pwrite64,writev",
            "-e",
            f"inject={inject}",
            str(bin_dir() / "lanyard"),
            "sync",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_killed_at_every_rename_leaves_the_old_or_the_new_file(emu, tmp_path):
    """SIGKILL delivered exactly at the 1st, 2nd, … rename the sync makes (strace fault injection):
    the config is always the old or the new file, byte for byte."""
    home = tmp_path / "home"
    env = signed_in_home(emu, home, "[default]\nregion = us-east-1\n")
    cfg = home / ".aws/config"
    old = cfg.read_text()
    assert lanyard(["sync"], env).returncode == 0
    new = cfg.read_text()
    killed_at_config = False
    for k in range(1, 10):
        cfg.write_text(old)
        log = tmp_path / f"rename{k}.log"
        p = strace_sync(env, f"rename,renameat,renameat2:signal=KILL:when={k}", log)
        text = cfg.read_text()
        assert text in (old, new), f"rename {k}: a mixed file"
        if p.returncode == 0:
            assert text == new
            break
        renames = [l for l in log.read_text().splitlines() if "rename" in l]
        if renames and f'"{cfg}"' in renames[-1]:
            killed_at_config = True
            assert text == old, "killed at the config's rename: the old file stays"
    assert killed_at_config, "one of the kills landed on the config's own rename"


def test_disk_full_while_writing_keeps_the_old_file(emu, tmp_path):
    home = tmp_path / "home"
    env = signed_in_home(emu, home, "[default]\nregion = us-east-1\n")
    cfg = home / ".aws/config"
    old = cfg.read_bytes()
    hit_config = False
    for k in range(1, 80):
        p = strace_sync(env, f"write,pwrite64,writev:error=ENOSPC:when={k}", tmp_path / "w.log")
        if p.returncode == 0:
            cfg.write_bytes(old)
            continue
        assert cfg.read_bytes() == old, f"ENOSPC at write {k}: the old file must stay\n{p.stderr}"
        if "No space left on device" in p.stderr and str(home / ".aws") in p.stderr:
            hit_config = True
            break
    assert hit_config, "no run failed while writing into ~/.aws"
    leftovers = [f.name for f in (home / ".aws").iterdir() if f.name.startswith(".lanyard-")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


def test_offboard_previews_then_removes_everything_lanyard_made(emu, tmp_path):
    import hashlib

    home = tmp_path / "home"
    env = signed_in_home(emu, home, "[profile mine]\nregion = eu-west-1\n")
    assert lanyard(["sync"], env).returncode == 0
    cache_dir = home / ".aws/sso/cache"
    token_file = cache_dir / (hashlib.sha1(b"acme").hexdigest() + ".json")
    token = json.loads(token_file.read_text())["accessToken"]
    # What `aws` v2 caches after using one of Lanyard's profiles (PROTOCOL.md §4.3 key).
    key = json.dumps(
        {"accountId": "222222222222", "roleName": "Developer", "sessionName": "acme"},
        sort_keys=True,
        separators=(",", ":"),
    )
    cli_cache = home / ".aws/cli/cache" / (hashlib.sha1(key.encode()).hexdigest() + ".json")
    cli_cache.parent.mkdir(parents=True)
    cli_cache.write_text("{}")
    unrelated = home / ".aws/cli/cache/someone-elses.json"
    unrelated.write_text("{}")
    data = home / ".local/share/lanyard"
    assert (data / "accounts").exists()

    preview = lanyard(["offboard", "--dry-run"], env)
    assert preview.returncode == 0, preview.stderr
    for line in [
        "Would sign out: acme",
        f"Would remove: token cache {token_file}",
        "Would remove: profile acme-dev/Developer",
        f"Would remove: cache file {cli_cache}",
        "Leaves: your profile mine",
    ]:
        assert line in preview.stdout, f"{line!r} not in\n{preview.stdout}"
    assert token_file.exists() and cli_cache.exists(), "a preview removes nothing"

    r = lanyard(["offboard", "--yes"], env)
    assert r.returncode == 0, r.stderr
    assert not token_file.exists() and not cli_cache.exists() and unrelated.exists()
    assert not (data / "accounts").exists() and not (data / "config.lock").exists()
    assert (home / ".aws/config").read_text() == "[profile mine]\nregion = eu-west-1\n"
    from conftest import http

    after = http(
        "GET", f"{emu.portal_url}/assignment/accounts", headers={"x-amz-sso_bearer_token": token}
    )
    assert after.status == 401, "signed out server-side: the old access token no longer works"
    again = lanyard(["offboard", "--dry-run"], env)
    assert "Would remove" not in again.stdout, again.stdout


def test_accounts_listing_and_backups_kept_to_ten(emu, tmp_path):
    home = tmp_path / "home"
    env = signed_in_home(emu, home, "[profile mine]\nregion = eu-west-1\n")
    listed = json.loads(lanyard(["accounts", "--json"], env).stdout)
    assert {a["accountName"] for a in listed} >= {
        "acme-dev",
        "acme-prod",
        "acme-management",
    } and len(listed) == 7
    dev = next(a for a in listed if a["accountName"] == "acme-dev")
    assert dev["roles"] == ["Developer", "ReadOnly"]
    table = lanyard(["accounts"], env)
    assert "222222222222" in table.stdout and "7 accounts, 11 roles" in table.stderr, table.stderr
    templates = ["{account_name}/{role_name}", "{account_id}/{role_name}"]
    for i in range(13):
        r = lanyard(["sync", "--template", templates[i % 2]], env)
        assert r.returncode == 0, r.stderr
    backups = list((home / ".local/share/lanyard/backups").iterdir())
    assert len(backups) == 10, sorted(b.name for b in backups)
    newest = max(backups, key=lambda b: b.name)
    assert newest.read_text().startswith("[profile mine]\nregion = eu-west-1\n")
