"""CodeCommit pull requests and STS GetCallerIdentity (PROTOCOL.md §11) through boto3, with
portal role credentials; pushes through the Python git-remote-codecommit."""

import hashlib
import json
import re

import pytest
from botocore.exceptions import ClientError
from conftest import (
    DEV_ACCOUNT,
    PROD_ACCOUNT,
    SMALL_WORLD,
    client_env,
    client_error,
    device_login,
    role_credentials,
    run,
    write_static_profile,
)

DEVS = f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/AWSReservedSSO_Developer_*/*"

PR_WORLD = (
    SMALL_WORLD
    + f"""
[[instance.repository]]
account = "{DEV_ACCOUNT}"
region = "us-east-1"
name = "reviews"
commits = 4
branches = ["feature/a", "feature/b", "feature/c", "feature/push"]

[[instance.repository]]
account = "{DEV_ACCOUNT}"
region = "us-east-1"
name = "merges"
commits = 4
branches = ["squash", "three", "conflict", "guarded"]

[[instance.pull_request]]
account = "{DEV_ACCOUNT}"
region = "us-east-1"
repository = "merges"
title = "Guarded"
source = "guarded"
author = {{ user = "bob", role = "Developer" }}
rules = [{{ name = "Nobody", needed = 1, pool = ["arn:aws:iam::{DEV_ACCOUNT}:user/nobody"] }}]

[[instance.pull_request]]
account = "{DEV_ACCOUNT}"
region = "us-east-1"
repository = "reviews"
title = "Two developers must approve"
description = "Waits for alice."
source = "feature/a"
author = {{ user = "bob", role = "Developer" }}
age_hours = 30
rules = [{{ name = "Two developers", needed = 2, pool = ["{DEVS}"] }}]
approvals = [{{ user = "carol", role = "Developer" }}]

[[instance.pull_request]]
account = "{DEV_ACCOUNT}"
region = "us-east-1"
repository = "reviews"
title = "Anyone may approve"
source = "feature/b"
author = {{ user = "carol", role = "Developer" }}
age_hours = 5
rules = [{{ name = "One approval", needed = 1, pool = ["CodeCommitApprovers:{DEV_ACCOUNT}:*alice"] }}]

[[instance.pull_request]]
account = "{DEV_ACCOUNT}"
region = "us-east-1"
repository = "reviews"
title = "Long closed"
source = "feature/c"
author = {{ user = "bob", role = "Developer" }}
age_hours = 300
open = false

[[instance.pull_request]]
account = "{DEV_ACCOUNT}"
region = "us-east-1"
repository = "reviews"
title = "Pushed to later"
source = "feature/push"
author = {{ user = "bob", role = "Developer" }}
age_hours = 1
rules = [{{ name = "One approval", needed = 1 }}]
"""
)


@pytest.fixture(scope="module")
def world(module_emulator):
    emu = module_emulator(world=PR_WORLD)
    token = device_login(emu)["accessToken"]  # alice
    creds = {}

    def get(role="Developer", account=DEV_ACCOUNT):
        if (role, account) not in creds:
            creds[(role, account)] = role_credentials(emu, token, account, role)
        return creds[(role, account)]

    return emu, get


@pytest.fixture
def cc(world, aws):
    emu, creds = world
    aws.use(emu)

    def make(role="Developer", account=DEV_ACCOUNT, region="us-east-1", service="codecommit"):
        return aws.client(service, region=region, creds=creds(role, account), validate=False)

    return make


def expect(code, fn, **kwargs):
    with pytest.raises(ClientError) as ei:
        fn(**kwargs)
    err = client_error(ei)
    assert err["code"] == code, err
    assert err["status"] == 400, err
    assert err["message"], err
    return err


def ids(client, **kw):
    return [
        i
        for page in client.get_paginator("list_pull_requests").paginate(**kw)
        for i in page["pullRequestIds"]
    ]


def by_title(client, title, status="OPEN"):
    for i in ids(client, repositoryName="reviews", pullRequestStatus=status):
        pr = client.get_pull_request(pullRequestId=i)["pullRequest"]
        if pr["title"] == title:
            return pr
    raise AssertionError(f"no pull request {title!r}")


@pytest.fixture
def git_as_alice(world, tmp_path):
    emu, creds = world
    home = tmp_path / "home"
    write_static_profile(home, "p", creds())
    env = client_env(emu, home)

    def git(*args, cwd=None):
        p = run(["git", *args], env, cwd=cwd, timeout=90)
        assert p.returncode == 0, p.stderr
        return p.stdout.strip()

    return git


def test_get_caller_identity_names_the_session_every_record_uses(cc):
    me = cc(service="sts").get_caller_identity()
    assert me["Account"] == DEV_ACCOUNT
    assert re.fullmatch(
        rf"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/AWSReservedSSO_Developer_[0-9a-f]{{16}}/alice",
        me["Arn"],
    ), me
    assert re.fullmatch(r"AROA[A-Z2-7]{17}:alice", me["UserId"]), me
    # Another permission set: another role, same person.
    ro = cc("ReadOnly", service="sts").get_caller_identity()
    assert ro["Arn"].endswith("/alice") and "AWSReservedSSO_ReadOnly_" in ro["Arn"]
    assert ro["UserId"].split(":")[0] != me["UserId"].split(":")[0]
    # The same ARN is the one AccessDenied names.
    err = expect(
        "AccessDeniedException", cc("ReadOnly").list_pull_requests, repositoryName="reviews"
    )
    assert ro["Arn"] in err["message"], err
    # The same ARN records an approval.
    pr = by_title(cc(), "Anyone may approve")
    c = cc()
    c.update_pull_request_approval_state(
        pullRequestId=pr["pullRequestId"], revisionId=pr["revisionId"], approvalState="APPROVE"
    )
    states = c.get_pull_request_approval_states(
        pullRequestId=pr["pullRequestId"], revisionId=pr["revisionId"]
    )["approvals"]
    assert {"userArn": me["Arn"], "approvalState": "APPROVE"} in states
    c.update_pull_request_approval_state(
        pullRequestId=pr["pullRequestId"], revisionId=pr["revisionId"], approvalState="REVOKE"
    )


def test_sts_refuses_bad_credentials_in_its_own_xml_shape(cc, world, aws):
    _emu, creds = world
    forged = dict(creds(), secretAccessKey="x" * 40)
    sts = aws.client("sts", creds=forged)
    with pytest.raises(ClientError) as ei:
        sts.get_caller_identity()
    err = client_error(ei)
    assert (err["code"], err["status"]) == ("SignatureDoesNotMatch", 403), err
    unknown = aws.client("sts", creds=dict(creds(), accessKeyId="ASIAUNKNOWN0000000000"))
    with pytest.raises(ClientError) as ei:
        unknown.get_caller_identity()
    assert client_error(ei)["code"] == "InvalidClientTokenId"


def test_the_worlds_pull_requests_as_declared(cc):
    c = cc()
    open_ids = ids(c, repositoryName="reviews", pullRequestStatus="OPEN")
    closed_ids = ids(c, repositoryName="reviews", pullRequestStatus="CLOSED")
    assert len(closed_ids) == 1 and not set(open_ids) & set(closed_ids)
    assert set(ids(c, repositoryName="reviews")) >= set(open_ids) | set(closed_ids)
    prs = [c.get_pull_request(pullRequestId=i)["pullRequest"] for i in open_ids]
    # Most recent activity first.
    activity = [p["lastActivityDate"] for p in prs]
    assert activity == sorted(activity, reverse=True)
    pr = by_title(c, "Two developers must approve")
    assert re.fullmatch(
        rf"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/AWSReservedSSO_Developer_[0-9a-f]{{16}}/bob",
        pr["authorArn"],
    )
    (t,) = pr["pullRequestTargets"]
    assert t["repositoryName"] == "reviews"
    assert (t["sourceReference"], t["destinationReference"]) == (
        "refs/heads/feature/a",
        "refs/heads/main",
    )
    assert all(re.fullmatch(r"[0-9a-f]{40}", t[k]) for k in ("sourceCommit", "destinationCommit"))
    assert t["mergeMetadata"] == {"isMerged": False}
    assert re.fullmatch(r"[0-9a-f]{64}", pr["revisionId"])
    assert pr["description"] == "Waits for alice."
    (rule,) = pr["approvalRules"]
    assert rule["approvalRuleName"] == "Two developers"
    assert (
        rule["ruleContentSha256"]
        == hashlib.sha256(rule["approvalRuleContent"].encode()).hexdigest()
    )
    assert json.loads(rule["approvalRuleContent"])["Statements"][0]["ApprovalPoolMembers"] == [DEVS]
    approvals = c.get_pull_request_approval_states(
        pullRequestId=pr["pullRequestId"], revisionId=pr["revisionId"]
    )["approvals"]
    assert [a["userArn"].rsplit("/", 1)[1] for a in approvals] == ["carol"]
    ev = c.evaluate_pull_request_approval_rules(
        pullRequestId=pr["pullRequestId"], revisionId=pr["revisionId"]
    )["evaluation"]
    assert ev == {
        "approved": False,
        "overridden": False,
        "approvalRulesSatisfied": [],
        "approvalRulesNotSatisfied": ["Two developers"],
    }
    # By author: bob wrote three of them (one closed).
    bob = pr["authorArn"]
    assert len(ids(c, repositoryName="reviews", authorArn=bob)) == 3
    # Another account and region see none of them.
    assert ids(cc(region="eu-west-1"), repositoryName="infra-eu") == []


def test_approving_satisfies_the_rule_and_revoking_undoes_it(cc):
    c = cc()
    pr = by_title(c, "Two developers must approve")
    key = {"pullRequestId": pr["pullRequestId"], "revisionId": pr["revisionId"]}
    c.update_pull_request_approval_state(**key, approvalState="APPROVE")
    c.update_pull_request_approval_state(**key, approvalState="APPROVE")  # twice is once
    names = [
        a["userArn"].rsplit("/", 1)[1]
        for a in c.get_pull_request_approval_states(**key)["approvals"]
    ]
    assert names == ["carol", "alice"]
    ev = c.evaluate_pull_request_approval_rules(**key)["evaluation"]
    assert (ev["approved"], ev["approvalRulesSatisfied"]) == (True, ["Two developers"])
    # An approval through a permission set outside the pool does not count.
    c.update_pull_request_approval_state(**key, approvalState="REVOKE")
    admin = cc("Lister")  # no UpdatePullRequestApprovalState: refused before it counts
    expect(
        "AccessDeniedException",
        admin.update_pull_request_approval_state,
        **key,
        approvalState="APPROVE",
    )
    assert not c.evaluate_pull_request_approval_rules(**key)["evaluation"]["approved"]
    kinds = [
        e["pullRequestEventType"]
        for page in c.get_paginator("describe_pull_request_events").paginate(
            pullRequestId=pr["pullRequestId"], maxResults=1
        )
        for e in page["pullRequestEvents"]
    ]
    assert kinds[0] == "PULL_REQUEST_CREATED"
    assert kinds.count("PULL_REQUEST_APPROVAL_STATE_CHANGED") == 3
    mine = c.describe_pull_request_events(
        pullRequestId=pr["pullRequestId"],
        pullRequestEventType="PULL_REQUEST_APPROVAL_STATE_CHANGED",
        actorArn=cc(service="sts").get_caller_identity()["Arn"],
    )["pullRequestEvents"]
    assert [e["approvalStateChangedEventMetadata"]["approvalStatus"] for e in mine] == [
        "APPROVE",
        "APPROVE",
        "REVOKE",
    ]


def test_create_update_close_and_the_errors_on_the_way(cc):
    c = cc()
    target = {
        "repositoryName": "reviews",
        "sourceReference": "feature/b",
        "destinationReference": "main",
    }
    pr = c.create_pull_request(title="Mine", description="by alice", targets=[target])[
        "pullRequest"
    ]
    assert pr["pullRequestStatus"] == "OPEN" and pr["authorArn"].endswith("/alice")
    t = pr["pullRequestTargets"][0]
    assert (t["sourceReference"], t["destinationReference"]) == (
        "refs/heads/feature/b",
        "refs/heads/main",
    )
    assert pr["clientRequestToken"]  # botocore filled it in
    key = {"pullRequestId": pr["pullRequestId"], "revisionId": pr["revisionId"]}
    expect(
        "PullRequestCannotBeApprovedByAuthorException",
        c.update_pull_request_approval_state,
        **key,
        approvalState="APPROVE",
    )
    # No rules: nothing stands in the way (PROTOCOL.md §11.10).
    assert c.evaluate_pull_request_approval_rules(**key)["evaluation"]["approved"] is True
    # Idempotency.
    again = c.create_pull_request(title="Same", targets=[target], clientRequestToken="tok-1")[
        "pullRequest"
    ]
    same = c.create_pull_request(title="Same", targets=[target], clientRequestToken="tok-1")[
        "pullRequest"
    ]
    assert same["pullRequestId"] == again["pullRequestId"]
    expect(
        "IdempotencyParameterMismatchException",
        c.create_pull_request,
        title="Other",
        targets=[target],
        clientRequestToken="tok-1",
    )
    # Bad requests, each with the model's code.
    expect("TitleRequiredException", c.create_pull_request, title="", targets=[target])
    expect("InvalidTitleException", c.create_pull_request, title="x" * 151, targets=[target])
    expect("TargetsRequiredException", c.create_pull_request, title="t", targets=[])
    expect(
        "MultipleRepositoriesInPullRequestException",
        c.create_pull_request,
        title="t",
        targets=[target, target],
    )
    expect(
        "SourceAndDestinationAreSameException",
        c.create_pull_request,
        title="t",
        targets=[dict(target, sourceReference="main")],
    )
    expect(
        "ReferenceDoesNotExistException",
        c.create_pull_request,
        title="t",
        targets=[dict(target, sourceReference="nope")],
    )
    expect(
        "InvalidReferenceNameException",
        c.create_pull_request,
        title="t",
        targets=[dict(target, sourceReference="a..b")],
    )
    expect(
        "ReferenceTypeNotSupportedException",
        c.create_pull_request,
        title="t",
        targets=[dict(target, sourceReference="refs/tags/v1")],
    )
    expect(
        "RepositoryDoesNotExistException",
        c.create_pull_request,
        title="t",
        targets=[dict(target, repositoryName="ghost")],
    )
    expect(
        "ReferenceNameRequiredException",
        c.create_pull_request,
        title="t",
        targets=[{"repositoryName": "reviews"}],
    )
    # Title, description, then closed for good.
    c.update_pull_request_title(pullRequestId=pr["pullRequestId"], title="Mine, renamed")
    c.update_pull_request_description(pullRequestId=pr["pullRequestId"], description="")
    got = c.get_pull_request(pullRequestId=pr["pullRequestId"])["pullRequest"]
    assert got["title"] == "Mine, renamed" and got["lastActivityDate"] > pr["lastActivityDate"]
    done = c.update_pull_request_status(
        pullRequestId=pr["pullRequestId"], pullRequestStatus="CLOSED"
    )
    assert done["pullRequest"]["pullRequestStatus"] == "CLOSED"
    c.update_pull_request_status(
        pullRequestId=pr["pullRequestId"], pullRequestStatus="CLOSED"
    )  # no-op
    expect(
        "InvalidPullRequestStatusUpdateException",
        c.update_pull_request_status,
        pullRequestId=pr["pullRequestId"],
        pullRequestStatus="OPEN",
    )
    expect(
        "PullRequestAlreadyClosedException",
        c.update_pull_request_title,
        pullRequestId=pr["pullRequestId"],
        title="late",
    )
    expect(
        "InvalidPullRequestStatusException",
        c.update_pull_request_status,
        pullRequestId=pr["pullRequestId"],
        pullRequestStatus="MERGED",
    )
    assert pr["pullRequestId"] in ids(c, repositoryName="reviews", pullRequestStatus="CLOSED")


def test_ids_revisions_and_paging_are_refused_as_the_model_says(cc):
    c = cc()
    expect("PullRequestIdRequiredException", c.get_pull_request, pullRequestId="")
    expect("InvalidPullRequestIdException", c.get_pull_request, pullRequestId="abc")
    expect("PullRequestDoesNotExistException", c.get_pull_request, pullRequestId="9999")
    pr = by_title(c, "Anyone may approve")
    pid = pr["pullRequestId"]
    expect(
        "RevisionIdRequiredException",
        c.evaluate_pull_request_approval_rules,
        pullRequestId=pid,
        revisionId="",
    )
    expect(
        "InvalidRevisionIdException",
        c.evaluate_pull_request_approval_rules,
        pullRequestId=pid,
        revisionId="f" * 64,
    )
    expect(
        "InvalidApprovalStateException",
        c.update_pull_request_approval_state,
        pullRequestId=pid,
        revisionId=pr["revisionId"],
        approvalState="MAYBE",
    )
    expect(
        "InvalidPullRequestStatusException",
        c.list_pull_requests,
        repositoryName="reviews",
        pullRequestStatus="MERGED",
    )
    expect("RepositoryDoesNotExistException", c.list_pull_requests, repositoryName="ghost")
    expect("RepositoryNameRequiredException", c.list_pull_requests, repositoryName="")
    expect(
        "InvalidAuthorArnException", c.list_pull_requests, repositoryName="reviews", authorArn="bob"
    )
    expect(
        "AuthorDoesNotExistException",
        c.list_pull_requests,
        repositoryName="reviews",
        authorArn=f"arn:aws:sts::{PROD_ACCOUNT}:assumed-role/R/bob",
    )
    expect(
        "InvalidMaxResultsException", c.list_pull_requests, repositoryName="reviews", maxResults=0
    )
    expect(
        "InvalidContinuationTokenException",
        c.list_pull_requests,
        repositoryName="reviews",
        nextToken="forged",
    )
    expect(
        "InvalidPullRequestEventTypeException",
        c.describe_pull_request_events,
        pullRequestId=pid,
        pullRequestEventType="NOPE",
    )
    expect(
        "InvalidMaxResultsException",
        c.describe_pull_request_events,
        pullRequestId=pid,
        maxResults=101,
    )
    first = c.list_pull_requests(repositoryName="reviews", maxResults=1)
    assert len(first["pullRequestIds"]) == 1 and first["nextToken"]
    last = c.list_pull_requests(repositoryName="reviews", maxResults=1000)
    assert "nextToken" not in last


def test_rules_and_overrides(cc):
    c = cc()
    pr = by_title(c, "Anyone may approve")
    key = {"pullRequestId": pr["pullRequestId"], "revisionId": pr["revisionId"]}
    content = '{"Version": "2018-11-08", "Statements": [{"Type": "Approvers", "NumberOfApprovalsNeeded": 1, "ApprovalPoolMembers": ["arn:aws:iam::111122223333:user/nobody"]}]}'
    rule = c.create_pull_request_approval_rule(
        pullRequestId=pr["pullRequestId"], approvalRuleName="Nobody", approvalRuleContent=content
    )["approvalRule"]
    assert rule["approvalRuleContent"] == content and rule["lastModifiedUser"].endswith("/alice")
    expect(
        "ApprovalRuleNameAlreadyExistsException",
        c.create_pull_request_approval_rule,
        pullRequestId=pr["pullRequestId"],
        approvalRuleName="Nobody",
        approvalRuleContent=content,
    )
    expect(
        "InvalidApprovalRuleContentException",
        c.create_pull_request_approval_rule,
        pullRequestId=pr["pullRequestId"],
        approvalRuleName="Bad",
        approvalRuleContent="not json",
    )
    expect(
        "ApprovalRuleContentRequiredException",
        c.create_pull_request_approval_rule,
        pullRequestId=pr["pullRequestId"],
        approvalRuleName="Empty",
        approvalRuleContent="",
    )
    # alice matches "*alice" in the other rule; nobody can satisfy this one: override it.
    c.update_pull_request_approval_state(**key, approvalState="APPROVE")
    ev = c.evaluate_pull_request_approval_rules(**key)["evaluation"]
    assert ev["approvalRulesSatisfied"] == ["One approval"] and ev["approvalRulesNotSatisfied"] == [
        "Nobody"
    ]
    assert c.get_pull_request_override_state(**key)["overridden"] is False
    c.override_pull_request_approval_rules(**key, overrideStatus="OVERRIDE")
    expect(
        "OverrideAlreadySetException",
        c.override_pull_request_approval_rules,
        **key,
        overrideStatus="OVERRIDE",
    )
    state = c.get_pull_request_override_state(**key)
    assert state["overridden"] is True and state["overrider"].endswith("/alice")
    ev = c.evaluate_pull_request_approval_rules(**key)["evaluation"]
    assert (ev["approved"], ev["overridden"]) == (True, True)
    c.override_pull_request_approval_rules(**key, overrideStatus="REVOKE")
    assert c.evaluate_pull_request_approval_rules(**key)["evaluation"]["approved"] is False
    c.update_pull_request_approval_state(**key, approvalState="REVOKE")


def test_a_push_to_the_source_branch_makes_a_new_revision(cc, git_as_alice, tmp_path):
    git = git_as_alice
    c = cc()
    pr = by_title(c, "Pushed to later")
    old = {"pullRequestId": pr["pullRequestId"], "revisionId": pr["revisionId"]}
    c.update_pull_request_approval_state(**old, approvalState="APPROVE")
    assert c.evaluate_pull_request_approval_rules(**old)["evaluation"]["approved"]

    work = tmp_path / "work"
    git("clone", "--branch", "feature/push", "codecommit::us-east-1://p@reviews", str(work))
    assert git("rev-parse", "HEAD", cwd=work) == pr["pullRequestTargets"][0]["sourceCommit"]
    (work / "more.txt").write_text("more\n")
    git("add", "more.txt", cwd=work)
    git("commit", "-m", "more", cwd=work)
    git("push", "origin", "feature/push", cwd=work)
    tip = git("rev-parse", "HEAD", cwd=work)

    now = c.get_pull_request(pullRequestId=pr["pullRequestId"])["pullRequest"]
    assert now["pullRequestTargets"][0]["sourceCommit"] == tip
    assert now["revisionId"] != pr["revisionId"]
    new = {"pullRequestId": pr["pullRequestId"], "revisionId": now["revisionId"]}
    # The approval stayed with the old revision; the new one waits again.
    assert c.get_pull_request_approval_states(**new)["approvals"] == []
    assert len(c.get_pull_request_approval_states(**old)["approvals"]) == 1
    assert c.evaluate_pull_request_approval_rules(**new)["evaluation"]["approved"] is False
    expect("RevisionNotCurrentException", c.evaluate_pull_request_approval_rules, **old)
    expect(
        "RevisionNotCurrentException",
        c.update_pull_request_approval_state,
        **old,
        approvalState="APPROVE",
    )
    (updated,) = c.describe_pull_request_events(
        pullRequestId=pr["pullRequestId"],
        pullRequestEventType="PULL_REQUEST_SOURCE_REFERENCE_UPDATED",
    )["pullRequestEvents"]
    meta = updated["pullRequestSourceReferenceUpdatedEventMetadata"]
    assert (meta["beforeCommitId"], meta["afterCommitId"]) == (
        pr["pullRequestTargets"][0]["sourceCommit"],
        tip,
    )
    # Deleting the source branch closes the pull request.
    git("push", "origin", ":feature/push", cwd=work)
    gone = c.get_pull_request(pullRequestId=pr["pullRequestId"])["pullRequest"]
    assert gone["pullRequestStatus"] == "CLOSED"


def test_merges_move_the_destination_branch_in_git(cc, git_as_alice, tmp_path):
    git = git_as_alice
    c = cc()
    work = tmp_path / "merges"
    git("clone", "codecommit::us-east-1://p@merges", str(work))

    def open_pr(source):
        target = {"repositoryName": "merges", "sourceReference": source}
        return c.create_pull_request(title=f"Merge {source}", targets=[target])["pullRequest"]

    def main_tip():
        git("fetch", "origin", cwd=work)
        return git("rev-parse", "origin/main", cwd=work)

    # Rules first: "Guarded" waits for an approver who never comes.
    guarded = by_title_in(c, "merges", "Guarded")
    expect(
        "PullRequestApprovalRulesNotSatisfiedException",
        c.merge_pull_request_by_squash,
        pullRequestId=guarded["pullRequestId"],
        repositoryName="merges",
    )

    # A branch forked halfway down main cannot fast-forward it.
    squash = open_pr("squash")
    expect(
        "ManualMergeRequiredException",
        c.merge_pull_request_by_fast_forward,
        pullRequestId=squash["pullRequestId"],
        repositoryName="merges",
    )
    expect(
        "RepositoryNotAssociatedWithPullRequestException",
        c.merge_pull_request_by_squash,
        pullRequestId=squash["pullRequestId"],
        repositoryName="reviews",
    )
    expect(
        "TipOfSourceReferenceIsDifferentException",
        c.merge_pull_request_by_squash,
        pullRequestId=squash["pullRequestId"],
        repositoryName="merges",
        sourceCommitId="0" * 40,
    )
    options = c.get_merge_options(
        repositoryName="merges", sourceCommitSpecifier="squash", destinationCommitSpecifier="main"
    )
    assert options["mergeOptions"] == ["SQUASH_MERGE", "THREE_WAY_MERGE"]
    before = main_tip()
    merged = c.merge_pull_request_by_squash(
        pullRequestId=squash["pullRequestId"],
        repositoryName="merges",
        sourceCommitId=squash["pullRequestTargets"][0]["sourceCommit"],
        commitMessage="Squashed",
    )["pullRequest"]
    meta = merged["pullRequestTargets"][0]["mergeMetadata"]
    assert merged["pullRequestStatus"] == "CLOSED"
    assert (
        meta["isMerged"]
        and meta["mergeOption"] == "SQUASH_MERGE"
        and meta["mergedBy"].endswith("/alice")
    )
    after = main_tip()
    assert after == meta["mergeCommitId"] != before
    assert git("rev-list", "--parents", "-n1", after, cwd=work).split() == [after, before]
    assert git("log", "-1", "--format=%s", after, cwd=work) == "Squashed"
    assert "notes/squash.md" in git("ls-tree", "-r", "--name-only", after, cwd=work).split()
    expect(
        "PullRequestAlreadyClosedException",
        c.merge_pull_request_by_squash,
        pullRequestId=squash["pullRequestId"],
        repositoryName="merges",
    )
    kinds = [
        e["pullRequestEventType"]
        for e in c.describe_pull_request_events(pullRequestId=squash["pullRequestId"])[
            "pullRequestEvents"
        ]
    ]
    assert kinds[-2:] == ["PULL_REQUEST_MERGE_STATE_CHANGED", "PULL_REQUEST_STATUS_CHANGED"]

    # Three-way: a merge commit with both parents.
    three = open_pr("three")
    merged = c.merge_pull_request_by_three_way(
        pullRequestId=three["pullRequestId"], repositoryName="merges"
    )["pullRequest"]
    tip = main_tip()
    source = three["pullRequestTargets"][0]["sourceCommit"]
    assert git("rev-list", "--parents", "-n1", tip, cwd=work).split() == [tip, after, source]

    # Fast-forward: a branch made from main's tip.
    git("checkout", "-q", "-b", "ff", "origin/main", cwd=work)
    (work / "ff.txt").write_text("ff\n")
    git("add", "ff.txt", cwd=work)
    git("commit", "-q", "-m", "ff", cwd=work)
    git("push", "-q", "origin", "ff", cwd=work)
    ff = open_pr("ff")
    assert (
        "FAST_FORWARD_MERGE"
        in c.get_merge_options(
            repositoryName="merges", sourceCommitSpecifier="ff", destinationCommitSpecifier="main"
        )["mergeOptions"]
    )
    c.merge_pull_request_by_fast_forward(pullRequestId=ff["pullRequestId"], repositoryName="merges")
    assert main_tip() == git("rev-parse", "ff", cwd=work)

    # Merged in git and pushed: the pull request closes as merged, by whoever pushed.
    git("checkout", "-q", "-b", "by-push", "origin/main", cwd=work)
    (work / "push.txt").write_text("by push\n")
    git("add", "push.txt", cwd=work)
    git("commit", "-q", "-m", "by push", cwd=work)
    git("push", "-q", "origin", "by-push", cwd=work)
    by_push = open_pr("by-push")
    git("checkout", "-q", "-B", "main", "origin/main", cwd=work)
    git("merge", "-q", "--no-ff", "-m", "Merge by-push", "by-push", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    done = c.get_pull_request(pullRequestId=by_push["pullRequestId"])["pullRequest"]
    meta = done["pullRequestTargets"][0]["mergeMetadata"]
    assert done["pullRequestStatus"] == "CLOSED"
    assert meta["isMerged"] and meta["mergedBy"].endswith("/alice"), meta
    assert meta["mergeCommitId"] == git("rev-parse", "main", cwd=work)
    kinds = [
        e["pullRequestEventType"]
        for e in c.describe_pull_request_events(pullRequestId=by_push["pullRequestId"])[
            "pullRequestEvents"
        ]
    ]
    assert kinds[-2:] == ["PULL_REQUEST_MERGE_STATE_CHANGED", "PULL_REQUEST_STATUS_CHANGED"]


def by_title_in(client, repo, title):
    for i in ids(client, repositoryName=repo, pullRequestStatus="OPEN"):
        pr = client.get_pull_request(pullRequestId=i)["pullRequest"]
        if pr["title"] == title:
            return pr
    raise AssertionError(f"no pull request {title!r}")


def test_conflicts_are_reported_per_file_and_block_the_merge(cc, git_as_alice, tmp_path):
    git = git_as_alice
    c = cc()
    work = tmp_path / "conflict"
    git("clone", "codecommit::us-east-1://p@merges", str(work))
    for branch, text in (("main", "ours\n"), ("conflict", "theirs\n")):
        git("checkout", "-q", branch, cwd=work)
        (work / "shared.txt").write_text(text)
        git("add", "shared.txt", cwd=work)
        git("commit", "-q", "-m", f"shared.txt on {branch}", cwd=work)
        git("push", "-q", "origin", branch, cwd=work)
    pr = c.create_pull_request(
        title="Conflicting", targets=[{"repositoryName": "merges", "sourceReference": "conflict"}]
    )["pullRequest"]
    got = c.get_merge_conflicts(
        repositoryName="merges",
        sourceCommitSpecifier="conflict",
        destinationCommitSpecifier="main",
        mergeOption="THREE_WAY_MERGE",
    )
    assert got["mergeable"] is False
    assert [m["filePath"] for m in got["conflictMetadataList"]] == ["shared.txt"]
    assert got["conflictMetadataList"][0]["contentConflict"] is True
    assert (
        c.get_merge_options(
            repositoryName="merges",
            sourceCommitSpecifier="conflict",
            destinationCommitSpecifier="main",
        )["mergeOptions"]
        == []
    )
    expect(
        "MergeOptionRequiredException",
        c.get_merge_conflicts,
        repositoryName="merges",
        sourceCommitSpecifier="conflict",
        destinationCommitSpecifier="main",
        mergeOption="",
    )
    expect(
        "CommitDoesNotExistException",
        c.get_merge_options,
        repositoryName="merges",
        sourceCommitSpecifier="nope",
        destinationCommitSpecifier="main",
    )
    expect(
        "ManualMergeRequiredException",
        c.merge_pull_request_by_three_way,
        pullRequestId=pr["pullRequestId"],
        repositoryName="merges",
    )
    expect(
        "InvalidConflictResolutionStrategyException",
        c.merge_pull_request_by_three_way,
        pullRequestId=pr["pullRequestId"],
        repositoryName="merges",
        conflictResolutionStrategy="FLIP_A_COIN",
    )
    c.merge_pull_request_by_squash(
        pullRequestId=pr["pullRequestId"],
        repositoryName="merges",
        conflictResolutionStrategy="ACCEPT_SOURCE",
    )
    git("fetch", "-q", "origin", cwd=work)
    assert git("show", "origin/main:shared.txt", cwd=work) == "theirs"


def test_comments_group_by_commits_and_page(cc):
    c = cc()
    pr = by_title(c, "Anyone may approve")
    t = pr["pullRequestTargets"][0]
    key = {
        "pullRequestId": pr["pullRequestId"],
        "repositoryName": "reviews",
        "beforeCommitId": t["destinationCommit"],
        "afterCommitId": t["sourceCommit"],
    }
    first = c.post_comment_for_pull_request(**key, content="Looks good")
    assert (
        first["comment"]["authorArn"].endswith("/alice")
        and first["comment"]["reactionCounts"] == {}
    )
    c.post_comment_for_pull_request(
        **key,
        content="One nit",
        location={
            "filePath": "notes/feature-b.md",
            "filePosition": 1,
            "relativeFileVersion": "AFTER",
        },
    )
    c.post_comment_for_pull_request(**key, content="And another")
    groups = [
        g
        for page in c.get_paginator("get_comments_for_pull_request").paginate(
            pullRequestId=pr["pullRequestId"], PaginationConfig={"PageSize": 1}
        )
        for g in page["commentsForPullRequestData"]
    ]
    assert [[x["content"] for x in g["comments"]] for g in groups] == [
        ["Looks good", "And another"],
        ["One nit"],
    ]
    assert groups[1]["location"]["filePath"] == "notes/feature-b.md"
    expect("CommentContentRequiredException", c.post_comment_for_pull_request, **key, content="")
    expect(
        "BeforeCommitIdAndAfterCommitIdAreSameException",
        c.post_comment_for_pull_request,
        **dict(key, beforeCommitId=t["sourceCommit"]),
        content="x",
    )
    expect(
        "InvalidCommitIdException",
        c.post_comment_for_pull_request,
        **dict(key, afterCommitId="xyz"),
        content="x",
    )
    expect(
        "RepositoryNotAssociatedWithPullRequestException",
        c.post_comment_for_pull_request,
        **dict(key, repositoryName="merges"),
        content="x",
    )


def test_templates_make_rules_on_new_pull_requests_into_matching_branches(
    cc, git_as_alice, tmp_path
):
    git = git_as_alice
    c = cc()
    content = json.dumps(
        {
            "Version": "2018-11-08",
            "DestinationReferences": ["refs/heads/main"],
            "Statements": [
                {"Type": "Approvers", "NumberOfApprovalsNeeded": 1, "ApprovalPoolMembers": [DEVS]}
            ],
        }
    )
    t = c.create_approval_rule_template(
        approvalRuleTemplateName="main-needs-a-dev",
        approvalRuleTemplateContent=content,
        approvalRuleTemplateDescription="One developer on main",
    )["approvalRuleTemplate"]
    assert t["ruleContentSha256"] == hashlib.sha256(content.encode()).hexdigest()
    expect(
        "ApprovalRuleTemplateNameAlreadyExistsException",
        c.create_approval_rule_template,
        approvalRuleTemplateName="main-needs-a-dev",
        approvalRuleTemplateContent=content,
    )
    expect(
        "InvalidApprovalRuleTemplateContentException",
        c.create_approval_rule_template,
        approvalRuleTemplateName="bad",
        approvalRuleTemplateContent="{}",
    )
    expect(
        "ApprovalRuleTemplateDoesNotExistException",
        c.get_approval_rule_template,
        approvalRuleTemplateName="ghost",
    )
    c.associate_approval_rule_template_with_repository(
        approvalRuleTemplateName="main-needs-a-dev", repositoryName="reviews"
    )
    batch = c.batch_associate_approval_rule_template_with_repositories(
        approvalRuleTemplateName="main-needs-a-dev", repositoryNames=["reviews", "ghost"]
    )
    assert batch["associatedRepositoryNames"] == ["reviews"]
    assert [e["errorCode"] for e in batch["errors"]] == ["RepositoryDoesNotExistException"]
    assert c.list_associated_approval_rule_templates_for_repository(repositoryName="reviews")[
        "approvalRuleTemplateNames"
    ] == ["main-needs-a-dev"]
    assert "main-needs-a-dev" in c.list_approval_rule_templates()["approvalRuleTemplateNames"]

    # Into main: the template's rule, which cannot be edited or deleted on the pull request.
    work = tmp_path / "reviews"
    git("clone", "-q", "codecommit::us-east-1://p@reviews", str(work))
    git("push", "-q", "origin", "origin/main:refs/heads/side", cwd=work)
    into_main = c.create_pull_request(
        title="Into main", targets=[{"repositoryName": "reviews", "sourceReference": "feature/c"}]
    )["pullRequest"]
    (rule,) = into_main["approvalRules"]
    assert rule["originApprovalRuleTemplate"] == {
        "approvalRuleTemplateId": t["approvalRuleTemplateId"],
        "approvalRuleTemplateName": "main-needs-a-dev",
    }
    pid = into_main["pullRequestId"]
    expect(
        "CannotModifyApprovalRuleFromTemplateException",
        c.update_pull_request_approval_rule_content,
        pullRequestId=pid,
        approvalRuleName="main-needs-a-dev",
        newRuleContent=content,
    )
    expect(
        "CannotDeleteApprovalRuleFromTemplateException",
        c.delete_pull_request_approval_rule,
        pullRequestId=pid,
        approvalRuleName="main-needs-a-dev",
    )
    # Into another branch: none.
    into_side = c.create_pull_request(
        title="Into side",
        targets=[
            {
                "repositoryName": "reviews",
                "sourceReference": "feature/c",
                "destinationReference": "side",
            }
        ],
    )["pullRequest"]
    assert into_side["approvalRules"] == []
    # A rule of its own can be edited (with the right hash) and deleted.
    own = '{"Version": "2018-11-08", "Statements": [{"Type": "Approvers", "NumberOfApprovalsNeeded": 1}]}'
    made = c.create_pull_request_approval_rule(
        pullRequestId=into_side["pullRequestId"], approvalRuleName="own", approvalRuleContent=own
    )["approvalRule"]
    expect(
        "InvalidRuleContentSha256Exception",
        c.update_pull_request_approval_rule_content,
        pullRequestId=into_side["pullRequestId"],
        approvalRuleName="own",
        existingRuleContentSha256="0" * 64,
        newRuleContent=own,
    )
    updated = c.update_pull_request_approval_rule_content(
        pullRequestId=into_side["pullRequestId"],
        approvalRuleName="own",
        existingRuleContentSha256=made["ruleContentSha256"],
        newRuleContent=own.replace('"NumberOfApprovalsNeeded": 1', '"NumberOfApprovalsNeeded": 2'),
    )["approvalRule"]
    assert '"NumberOfApprovalsNeeded": 2' in updated["approvalRuleContent"]
    deleted = c.delete_pull_request_approval_rule(
        pullRequestId=into_side["pullRequestId"], approvalRuleName="own"
    )
    assert deleted["approvalRuleId"] == made["approvalRuleId"]
    expect(
        "ApprovalRuleDoesNotExistException",
        c.update_pull_request_approval_rule_content,
        pullRequestId=into_side["pullRequestId"],
        approvalRuleName="own",
        newRuleContent=own,
    )
    # A template in use cannot go; once disassociated it can.
    expect(
        "ApprovalRuleTemplateInUseException",
        c.delete_approval_rule_template,
        approvalRuleTemplateName="main-needs-a-dev",
    )
    c.disassociate_approval_rule_template_from_repository(
        approvalRuleTemplateName="main-needs-a-dev", repositoryName="reviews"
    )
    gone = c.delete_approval_rule_template(approvalRuleTemplateName="main-needs-a-dev")
    assert gone["approvalRuleTemplateId"] == t["approvalRuleTemplateId"]
    for p in (into_main, into_side):
        c.update_pull_request_status(pullRequestId=p["pullRequestId"], pullRequestStatus="CLOSED")
