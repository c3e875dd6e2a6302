"""`manage.py compare`: the product's own scoring path, checked on the STS Benchmark."""

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

STS = Path(__file__).resolve().parents[1] / "data" / "stsbenchmark" / "sts-test.csv"


def spearman(a, b) -> float:
    ranks = [np.argsort(np.argsort(x, kind="stable"), kind="stable") for x in (a, b)]
    return float(np.corrcoef(*ranks)[0, 1])


def run_compare(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("compare", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_compare_prints_a_score_for_a_pair():
    close, _ = run_compare("We help small businesses get paid.", "We make sure shops receive their money.")
    far, _ = run_compare("We help small businesses get paid.", "The cat sat on the mat.")
    assert 0 <= float(far) < float(close) <= 100


def test_compare_needs_two_texts_or_a_file():
    with pytest.raises(CommandError, match="--pairs FILE"):
        run_compare("only one text")


def test_compare_pairs_keeps_the_model_level_on_sts_test(tmp_path):
    assert STS.exists(), f"the STS Benchmark is expected at {STS}"
    gold, pairs = [], []
    for line in STS.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")  # no CSV quoting: some sentences open a quote they never close
        gold.append(float(cols[4]))
        pairs.append(f"{cols[5]}\t{cols[6]}")
    file = tmp_path / "pairs.tsv"
    file.write_text("\n".join(pairs) + "\n", encoding="utf-8")
    out, err = run_compare("--pairs", str(file))
    scores = [float(x) for x in out.splitlines()]
    assert len(scores) == len(gold) == 1379
    assert "1379/1379 pairs scored" in err
    rho = spearman(scores, gold)
    assert rho >= 0.815, f"Spearman {rho:.4f} fell below the model's own level (0.820)"
