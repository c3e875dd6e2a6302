"""Calibration: monotonic, 0–100, and ranking identical to raw cosine."""

import numpy as np
import pytest

from alignment import calibration
from alignment.evaluation import spearman

GRID = np.linspace(-1, 1, 4001)


@pytest.fixture(scope="module")
def sts_cosines(semantic, sts_test):
    return calibration.pair_cosines(semantic, [p.a for p in sts_test], [p.b for p in sts_test])


@pytest.mark.parametrize("name", ["minilm-l6-v2-int8", "tfidf-v1"])
def test_committed_calibration_is_strictly_monotonic_and_bounded(name):
    cal = calibration.for_encoder(name)
    assert cal.encoder == name and cal.n_pairs == 1500
    s = cal.score(GRID)
    assert np.all(np.diff(s) > 0)
    assert s[0] >= 0 and s[-1] <= 100
    assert cal.score1(1.0) == pytest.approx(100, abs=0.01)


def test_semantic_calibration_reads_sensibly():
    """Unrelated text (cos ~0.1) is low, a close paraphrase (0.85) is high."""
    cal = calibration.for_encoder("minilm-l6-v2-int8")
    assert cal.score1(0.1) < 10
    assert 70 < cal.score1(0.85) < 85


def test_sts_test_spearman_is_model_level_and_unchanged(semantic, sts_test, sts_cosines):
    """Measured: 0.8199 raw and calibrated (fp32 reference model: 0.8203)."""
    gold = [p.score for p in sts_test]
    raw = spearman(sts_cosines, gold)
    calibrated = spearman(calibration.for_encoder(semantic.name).score(sts_cosines), gold)
    assert raw >= 0.815
    assert calibrated == pytest.approx(raw, abs=1e-9)


def test_calibrated_scores_track_gold_on_test_split(semantic, sts_test, sts_cosines):
    """Held-out check of the map itself: mean 20×gold ≈ mean score per band."""
    gold = np.array([p.score for p in sts_test]) * 20
    pred = calibration.for_encoder(semantic.name).score(sts_cosines)
    assert abs(pred.mean() - gold.mean()) < 5
    assert np.mean(np.abs(pred - gold)) < 20  # measured 15.3


def test_lexical_calibration_on_sts(lexical, sts_test):
    cos = calibration.pair_cosines(lexical, [p.a for p in sts_test], [p.b for p in sts_test])
    gold = [p.score for p in sts_test]
    assert spearman(calibration.for_encoder(lexical.name).score(cos), gold) == pytest.approx(
        spearman(cos, gold), abs=1e-3
    )  # float32 cosines of 1.0000001 clip to ties
    assert spearman(cos, gold) > 0.6  # measured 0.679


def test_fit_is_isotonic_and_roundtrips(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-0.2, 1, 600)
    y = np.clip(5 * x + rng.normal(0, 1, 600), 0, 5)
    cal = calibration.fit(x, y, encoder="toy")
    assert np.all(np.diff(cal.knots_y) >= 0) and np.all(np.diff(cal.knots_x) > 0)
    path = calibration.save(cal, tmp_path / "c.json")
    again = calibration.load(path)
    np.testing.assert_allclose(again.score(GRID), cal.score(GRID), atol=1e-3)


def test_unknown_encoder_gets_a_ranking_preserving_map():
    cal = calibration.for_encoder("something-else")
    assert np.all(np.diff(cal.score(GRID)) > 0)
