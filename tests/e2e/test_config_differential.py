"""Lanyard's strict config check against botocore's own parser: every config botocore cannot read,
Lanyard refuses too (it would otherwise write profiles into a file no AWS tool can load), over the
sync corpus and thousands of generated configs. Lanyard may refuse more than botocore, for the
rules it adds on purpose (each is listed below with its reason)."""

from __future__ import annotations

import random
import re
import subprocess
import tempfile
from pathlib import Path

import botocore.exceptions
from app import bin_dir
from botocore.configloader import raw_config_parse
from test_cli_profiles import CORPUS

# Lanyard's own rules on top of botocore's, each a refusal botocore does not make:
EXTRA = [
    # `[profile a b]` reads in botocore, but no tool can name that profile.
    r"must be a prefix and one name without spaces",
    # Headers compared trimmed: `[ a ]` and `[a]` are two sections to configparser, one to a
    # person reading the file.
    r"is already defined on line",
    # `[a=b`: configparser reads a key named "[a"; surely a header missing its ']'.
    r"has no closing '\]'",
]

HEADERS = [
    "[default]",
    "[profile a]",
    "[profile  a]",
    "[profile a b]",
    "[sso-session s]",
    "[services x]",
    "[ a ]",
    "[a]x",
    "[]",
    "[DEFAULT]",
    "[a=b",
]
LINES = [
    "region = eu-west-1",
    "Region: us-east-1",
    "REGION=x",
    "s3 =",
    "  addressing_style = path",
    "  nested",
    "\tsignature_version = s3v4",
    "=v",
    "k",
    "key = a = b",
    "# a comment",
    "; another",
    "",
    "   ",
    "  # indented comment",
    "output = json ; not a comment in botocore",
]
ENDINGS = ["\n", "\r\n", "\r"]


def generated(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        ending = rng.choice(ENDINGS) if rng.random() < 0.8 else None
        lines = []
        for _ in range(rng.randint(1, 9)):
            pool = HEADERS if rng.random() < 0.3 else LINES
            lines.append(rng.choice(pool))
        text = "".join(line + (ending or rng.choice(ENDINGS)) for line in lines)
        if rng.random() < 0.2:
            text = text.rstrip("\r\n")
        out.append(text)
    return out


def botocore_reads(text: str, folder: Path) -> bool:
    path = folder / "config"
    path.write_bytes(text.encode())
    try:
        raw_config_parse(str(path))
        return True
    except botocore.exceptions.ConfigParseError:
        return False


def lanyard_verdicts(texts: list[str]) -> list[str]:
    exe = bin_dir() / "examples" / "botocore_problem"
    p = subprocess.run([str(exe)], input="\0".join(texts).encode(), capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    verdicts = p.stdout.decode().split("\n")[:-1]
    assert len(verdicts) == len(texts)
    return verdicts


def test_lanyard_refuses_every_config_botocore_cannot_read():
    texts = list(CORPUS.values()) + generated(4000, seed=1202)
    verdicts = lanyard_verdicts(texts)
    missed, extra, unexplained = [], 0, []
    with tempfile.TemporaryDirectory() as d:
        for text, verdict in zip(texts, verdicts, strict=True):
            botocore_ok = botocore_reads(text, Path(d))
            if not botocore_ok and verdict == "ok":
                missed.append(text)
            elif botocore_ok and verdict != "ok":
                extra += 1
                if not any(re.search(e, verdict) for e in EXTRA):
                    unexplained.append((text, verdict))
    assert not missed, (
        f"{len(missed)} configs botocore refuses pass Lanyard's check: {missed[:5]!r}"
    )
    assert not unexplained, f"refused for a reason botocore does not have: {unexplained[:5]!r}"
    refused_by_botocore = sum(1 for v in verdicts if v != "ok") - extra
    assert refused_by_botocore > 500 and extra > 50, "the generator exercises both sides"


def test_the_sync_corpus_is_valid_to_both():
    texts = list(CORPUS.values())
    with tempfile.TemporaryDirectory() as d:
        for text, verdict in zip(texts, lanyard_verdicts(texts), strict=True):
            assert botocore_reads(text, Path(d)), repr(text)
            assert verdict == "ok", (text, verdict)
