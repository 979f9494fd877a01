"""`lanyard prs` and `lanyard pr …` against pull requests in three accounts and two regions:
classification by the rules' two pool forms, approve, a push that resets a revision, merges."""

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from app import bin_dir
from conftest import (
    START_URL,
    VENV_BIN,
    client_env,
    http,
    run,
    start_emulator,
)

DEV, PROD, SANDBOX, AUDIT = "111122223333", "444455556666", "777788889999", "999988887777"
READ = [
    "ListRepositories",
    "BatchGetRepositories",
    "GetRepository",
    "GitPull",
    "ListPullRequests",
    "GetPullRequest",
    "GetPullRequestApprovalStates",
    "EvaluatePullRequestApprovalRules",
    "GetMergeOptions",
]

WORLD = f"""
[[instance]]
name = "acme"
start_url = "{START_URL}"
region = "us-east-1"

[[instance.permission_set]]
name = "Developer"
codecommit = ["*"]

[[instance.permission_set]]
name = "ReadOnly"
codecommit = {json.dumps(READ)}

[[instance.permission_set]]
name = "Viewer"
codecommit = ["ListRepositories", "BatchGetRepositories", "GetRepository"]

[[instance.account]]
id = "{AUDIT}"
name = "acme-audit"
email = "audit@acme.example"

[[instance.account]]
id = "{DEV}"
name = "acme-dev"
email = "dev@acme.example"

[[instance.account]]
id = "{PROD}"
name = "acme-prod"
email = "prod@acme.example"

[[instance.account]]
id = "{SANDBOX}"
name = "acme-sandbox"
email = "sandbox@acme.example"

[[instance.user]]
name = "alice"
assignments = [
  {{ account = "{DEV}", permission_sets = ["Developer"] }},
  {{ account = "{PROD}", permission_sets = ["ReadOnly"] }},
  {{ account = "{SANDBOX}", permission_sets = ["Developer"] }},
  {{ account = "{AUDIT}", permission_sets = ["Viewer"] }},
]

[[instance.repository]]
account = "{DEV}"
region = "us-east-1"
name = "payments-api"
branches = ["main", "feature/refunds", "feature/docs"]

[[instance.repository]]
account = "{DEV}"
region = "eu-west-1"
name = "ledger-eu"
branches = ["main", "alice/fix", "bob/report"]

[[instance.repository]]
account = "{SANDBOX}"
region = "us-east-1"
name = "hack"
branches = ["main", "bot"]

[[instance.repository]]
account = "{AUDIT}"
region = "us-east-1"
name = "audit-log"

[[instance.repository]]
account = "{PROD}"
region = "us-east-1"
name = "runbooks"
branches = ["main", "pager"]

[[instance.pull_request]]
account = "{DEV}"
region = "us-east-1"
repository = "payments-api"
title = "Refund idempotency"
source = "feature/refunds"
author = {{ user = "bob", role = "Developer" }}
age_hours = 20
rules = [{{ name = "Two developers", needed = 2, pool = ["arn:aws:sts::{DEV}:assumed-role/AWSReservedSSO_Developer_*/*"] }}]
approvals = [{{ user = "carol", role = "Developer" }}]

[[instance.pull_request]]
account = "{DEV}"
region = "us-east-1"
repository = "payments-api"
title = "Docs without rules"
source = "feature/docs"
author = {{ user = "bob", role = "Developer" }}
age_hours = 2

[[instance.pull_request]]
account = "{SANDBOX}"
region = "us-east-1"
repository = "hack"
title = "Ticket bot"
source = "bot"
author = {{ user = "dave", role = "Developer" }}
age_hours = 3
rules = [{{ name = "Alice decides", needed = 1, pool = ["CodeCommitApprovers:{SANDBOX}:*alice"] }}]

[[instance.pull_request]]
account = "{DEV}"
region = "eu-west-1"
repository = "ledger-eu"
title = "Alice's own fix"
source = "alice/fix"
author = {{ user = "alice", role = "Developer" }}
age_hours = 30
rules = [{{ name = "Anyone", needed = 1 }}]

[[instance.pull_request]]
account = "{DEV}"
region = "eu-west-1"
repository = "ledger-eu"
title = "Report already approved"
source = "bob/report"
author = {{ user = "bob", role = "Developer" }}
age_hours = 40
rules = [{{ name = "Anyone", needed = 1 }}]
approvals = [{{ user = "alice", role = "Developer" }}]

[[instance.pull_request]]
account = "{PROD}"
region = "us-east-1"
repository = "runbooks"
title = "Admins only"
source = "pager"
author = {{ user = "bob", role = "ReadOnly" }}
age_hours = 50
rules = [{{ name = "Admins", needed = 1, pool = ["arn:aws:sts::{PROD}:assumed-role/AWSReservedSSO_AdministratorAccess_*/*"] }}]
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    emu = start_emulator(tmp_path_factory.mktemp("prs"), WORLD, args=["--auto-approve"])
    home = tmp_path_factory.mktemp("home")
    env = client_env(emu, home)
    # Lanyard's helper first on PATH, the Python one nowhere.
    rest = [p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != VENV_BIN]
    env.update(
        PATH=os.pathsep.join([str(home / ".local" / "bin"), *rest]),
        LANYARD_KEYRING="none",
        LANYARD_CLONE_ROOT=str(home / "src"),
    )
    login = lanyard(
        env,
        "login",
        "--session",
        "acme",
        "--start-url",
        START_URL,
        "--region",
        "us-east-1",
        "--device-code",
        "--no-browser",
    )
    ok(login)
    ok(lanyard(env, "repos", "--region", "us-east-1,eu-west-1", "--json"))
    yield emu, home, env
    emu.stop()


def lanyard(env, *args, timeout=120):
    return run([str(bin_dir() / "lanyard"), *args], env, timeout=timeout)


def git(env, *args, cwd=None):
    return run(["git", *args], env, cwd=cwd, timeout=90)


def ok(p):
    assert p.returncode == 0, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p.stdout.strip()


def inbox(env, *args):
    return {p["title"]: p for p in json.loads(ok(lanyard(env, "prs", "--all", "--json", *args)))}


def test_every_pull_request_is_classified_as_its_rules_say(setup):
    emu, home, env = setup
    prs = inbox(env)
    concern = {t: p["concern"] for t, p in prs.items()}
    assert concern == {
        "Refund idempotency": "awaiting",  # an ARN pool of Developer sessions
        "Ticket bot": "awaiting",  # CodeCommitApprovers:<account>:*alice
        "Alice's own fix": "mine",
        "Report already approved": "approvedByMe",
        "Docs without rules": "other",
        "Admins only": "other",  # a pool she is not in
    }, concern
    refund = prs["Refund idempotency"]
    assert (refund["author"], refund["accountName"], refund["region"]) == (
        "bob",
        "acme-dev",
        "us-east-1",
    )
    assert (refund["approvals"], refund["approvalsNeeded"]) == (1, 2)
    assert prs["Alice's own fix"]["canMerge"] is False  # nobody approved it yet
    assert {p["region"] for p in prs.values()} == {"us-east-1", "eu-west-1"}
    assert {p["accountId"] for p in prs.values()} == {DEV, PROD, SANDBOX}
    # Without --all: only what concerns her, awaiting first.
    mine = json.loads(ok(lanyard(env, "prs", "--json")))
    assert [p["concern"] for p in mine][:2] == ["awaiting", "awaiting"]
    assert "Docs without rules" not in {p["title"] for p in mine}
    table = lanyard(env, "prs")
    assert "AWAITING YOUR APPROVAL" in ok(table) and "acme-dev/payments-api/1" in table.stdout
    assert "2 awaiting your approval" in table.stderr, table.stderr
    # A repository whose role may not list pull requests is said, not silently empty.
    assert "note: acme-audit us-east-1: audit-log" in table.stderr, table.stderr
    assert "AccessDeniedException" in table.stderr and "1 repositories or accounts" in table.stderr

    # Nothing changed: one ListPullRequests per repository and one GetPullRequest per repository
    # with open pull requests; no approval calls.
    emu.control("POST", "/_emulator/stats/reset")
    cache = home / ".local/share/lanyard/codecommit/acme.prs.json"
    before = cache.stat().st_mtime_ns
    inbox(env)
    assert cache.stat().st_mtime_ns == before, "an inbox with nothing new is not rewritten"
    calls = emu.stats()["requests"]
    assert calls.get("ListPullRequests") == 5, calls  # audit-log's is refused each time
    assert calls.get("GetPullRequest") == 4, calls
    assert "EvaluatePullRequestApprovalRules" not in calls, calls
    assert "GetPullRequestApprovalStates" not in calls, calls
    assert "GetCallerIdentity" not in calls, calls  # remembered per account and role

    shown = ok(lanyard(env, "pr", "show", "payments-api/1"))
    assert "Refund idempotency" in shown and "approvals 1/2" in shown and "Two developers" in shown


def test_approve_then_a_push_resets_the_revision(setup):
    _, home, env = setup
    ok(lanyard(env, "pr", "approve", "payments-api/1"))
    refund = inbox(env, "--cached")["Refund idempotency"]
    assert (refund["concern"], refund["approvals"], refund["approved"]) == (
        "approvedByMe",
        2,
        True,
    )
    # Approving her own is refused with the reason.
    own = lanyard(env, "pr", "approve", "ledger-eu/1")
    assert own.returncode != 0 and "cannot approve their own" in own.stderr, own.stderr

    # A push to the source branch from a Lanyard clone: a new revision; the approvals (carol's and
    # hers) stay on the old one, so it waits for her again.
    ok(lanyard(env, "clone", "payments-api"))
    work = home / "src" / "acme-dev" / "payments-api"
    ok(git(env, "checkout", "-q", "feature/refunds", cwd=work))
    (work / "refund.txt").write_text("retry-safe\n")
    ok(git(env, "add", "refund.txt", cwd=work))
    ok(git(env, "commit", "-q", "-m", "retry-safe refunds", cwd=work))
    ok(git(env, "push", "-q", "origin", "feature/refunds", cwd=work))
    tip = ok(git(env, "rev-parse", "HEAD", cwd=work))
    # Approving from the inbox as it was before the push is refused: she has not seen the commit.
    stale = lanyard(env, "pr", "approve", "payments-api/1")
    assert stale.returncode != 0 and "new commits" in stale.stderr, stale.stderr
    after = inbox(env)["Refund idempotency"]
    assert after["sourceCommit"] == tip and after["revisionId"] != refund["revisionId"]
    assert (after["concern"], after["approvals"]) == ("awaiting", 0)
    ok(lanyard(env, "pr", "approve", "payments-api/1"))
    assert inbox(env, "--cached")["Refund idempotency"]["concern"] == "approvedByMe"


def test_merge_is_refused_until_the_rules_allow_then_moves_the_branch(setup):
    _, home, env = setup
    refused = lanyard(env, "pr", "merge", "hack/1")
    assert refused.returncode != 0
    assert "approval rules are not satisfied" in refused.stderr, refused.stderr
    assert "Alice decides" in refused.stderr, refused.stderr

    # "Report already approved" (bob's, approved by her): merge it with a squash.
    report = inbox(env)["Report already approved"]
    ok(lanyard(env, "clone", "ledger-eu"))
    work = home / "src" / "acme-dev" / "ledger-eu"
    before = ok(git(env, "rev-parse", "origin/main", cwd=work))
    merged = lanyard(env, "pr", "merge", f"ledger-eu/{report['id']}", "--strategy", "squash")
    assert "Merged acme-dev/ledger-eu/" in ok(merged) + merged.stderr, merged.stderr
    ok(git(env, "fetch", "-q", "origin", cwd=work))
    after = ok(git(env, "rev-parse", "origin/main", cwd=work))
    assert after != before
    assert ok(git(env, "rev-parse", f"{after}^", cwd=work)) == before
    assert "notes/bob-report.md" in ok(git(env, "ls-tree", "-r", "--name-only", after, cwd=work))
    # Closed: gone from the inbox.
    assert "Report already approved" not in inbox(env)
    # `git pull` in the clone brings the merge.
    ok(git(env, "pull", "-q", "--ff-only", cwd=work))
    assert (work / "notes" / "bob-report.md").exists()


def test_checkout_clones_fetches_and_tracks_the_source_branch(setup):
    _, home, env = setup
    ticket = inbox(env)["Ticket bot"]
    out = ok(lanyard(env, "pr", "checkout", "hack/1"))
    work = home / "src" / "acme-sandbox" / "hack"
    assert f"on branch bot at {ticket['sourceCommit'][:12]}" in out, out
    assert ok(git(env, "rev-parse", "HEAD", cwd=work)) == ticket["sourceCommit"]
    assert ok(git(env, "rev-parse", "--abbrev-ref", "@{upstream}", cwd=work)) == "origin/bot"
    assert ok(git(env, "remote", "get-url", "origin", cwd=work)).startswith(
        "codecommit::us-east-1://"
    )
    ok(git(env, "pull", "-q", cwd=work))
    # Again, with a local commit on the branch: it is kept, and said.
    (work / "mine.txt").write_text("local\n")
    ok(git(env, "add", "mine.txt", cwd=work))
    ok(git(env, "commit", "-q", "-m", "local work", cwd=work))
    mine = ok(git(env, "rev-parse", "HEAD", cwd=work))
    again = lanyard(env, "pr", "checkout", "hack/1")
    assert again.returncode == 0, again.stderr
    assert ok(git(env, "rev-parse", "HEAD", cwd=work)) == mine


def test_open_signs_in_to_the_console_on_the_pull_requests_page(setup):
    _, _, env = setup
    url = ok(lanyard(env, "pr", "open", "hack/1", "--print"))
    dest = parse_qs(urlparse(url).query)["Destination"][0]
    assert dest == (
        "https://us-east-1.console.aws.amazon.com/codesuite/codecommit/repositories/hack"
        "/pull-requests/1/details?region=us-east-1"
    ), dest
    page = http("GET", url)
    assert page.status == 200, page.text
    assert "Developer" in page.text  # the role that reads it
    assert "pull-requests/1/details" in page.text and SANDBOX in page.text, page.text
