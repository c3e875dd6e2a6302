"""Encoders: the right model, found offline; without it, a loud error, never a silent fallback."""

import numpy as np
import pytest

from alignment import encoders, get_encoder, hub
from alignment.encoders import INT8_NAME, ModelNotFound, OnnxMiniLMEncoder
from alignment.lexical import TfidfEncoder

PIN_SENTENCES = [
    "A man is playing a guitar.",
    "Someone is strumming a musical instrument.",
    "The stock market fell sharply today.",
]
# Recorded from the int8 model (mean pooling, 256 tokens, L2 norm). A wrong
# model, tokenizer or pooling moves these by far more than 1e-3.
PIN_FIRST8 = [
    [0.0194, -0.0023, -0.0079, -0.0632, -0.1684, 0.0022, 0.0807, -0.0232],
    [0.0638, 0.0257, -0.0665, -0.0853, -0.1961, 0.0530, 0.0617, 0.0143],
    [0.0606, 0.0062, 0.0766, 0.0527, -0.0173, -0.0073, -0.0267, 0.0547],
]
PIN_COSINES = {(0, 1): 0.6100, (0, 2): -0.0497, (1, 2): -0.0355}


def test_pinned_vectors(semantic):
    """The int8 MiniLM gives the recorded vectors and cosines."""
    assert semantic.name == INT8_NAME
    v = semantic.encode(PIN_SENTENCES)
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(v[:, :8], PIN_FIRST8, atol=1e-3)
    for (i, j), cos in PIN_COSINES.items():
        assert abs(float(v[i] @ v[j]) - cos) < 1e-3


def test_rows_are_unit_length_and_blank_is_zero(semantic):
    v = semantic.encode(["We pay merchants.", "", "   ", "\n"])
    assert abs(np.linalg.norm(v[0]) - 1) < 1e-5
    assert not v[1:].any()


def test_paraphrase_beats_unrelated(semantic):
    a, b, c = semantic.encode(
        [
            "We help customers fix their problems quickly.",
            "Our job is to solve users' issues fast.",
            "The quarterly budget is due on Friday.",
        ]
    )
    assert a @ b > a @ c + 0.3


def test_batching_does_not_change_vectors(semantic):
    texts = [f"Sentence number {i} about team purpose and {'long ' * (i % 7)}context." for i in range(40)]
    together = semantic.encode(texts)
    alone = np.vstack([semantic.encode([t]) for t in texts[:5]])
    np.testing.assert_allclose(together[:5], alone, atol=2e-4)


def test_explicit_folder_finds_both_files(semantic, tmp_path):
    """ALIGNMENT_MODEL_DIR may hold model.onnx and tokenizer.json together."""
    (tmp_path / "model.onnx").symlink_to(semantic.model_file)
    (tmp_path / "tokenizer.json").symlink_to(semantic.tokenizer_file)
    enc = OnnxMiniLMEncoder(str(tmp_path))
    assert enc.name == INT8_NAME
    np.testing.assert_allclose(enc.encode(PIN_SENTENCES[:1]), semantic.encode(PIN_SENTENCES[:1]), atol=1e-6)


def test_other_onnx_file_is_named_by_hash(tmp_path, semantic, monkeypatch):
    """A non-shipped ONNX export is accepted but not passed off as the int8 one."""
    monkeypatch.setattr(encoders, "INT8_SHA256", "0" * 64)
    monkeypatch.setattr(
        encoders,
        "_package_dir",
        lambda pkg: (
            None
            if pkg == encoders.INT8_PACKAGE
            else encoders.importlib.util.find_spec(pkg)
            and encoders.Path(list(encoders.importlib.util.find_spec(pkg).submodule_search_locations)[0])
        ),
    )
    enc = OnnxMiniLMEncoder(semantic.model_file)
    assert enc.name.startswith("minilm-l6-v2-onnx-")


def test_corrupted_shipped_file_is_refused(monkeypatch):
    monkeypatch.setattr(encoders, "INT8_SHA256", "0" * 64)
    with pytest.raises(ModelNotFound, match="sha256"):
        OnnxMiniLMEncoder()


def test_a_model_that_cannot_load_stops_loudly_instead_of_falling_back(monkeypatch):
    """No silent switch to word matching: the error names what is missing."""
    monkeypatch.setattr(hub, "download", lambda: pytest.fail("must not download"))
    encoders.clear_encoder_cache()
    with pytest.raises(ModelNotFound, match="no ONNX model at /nonexistent/model/dir"):
        get_encoder(model_dir="/nonexistent/model/dir")
    encoders.clear_encoder_cache()


def test_the_lexical_encoder_only_by_name():
    encoders.clear_encoder_cache()
    enc = get_encoder(model_dir="/nonexistent", kind="lexical")
    assert isinstance(enc, TfidfEncoder) and enc.approximate
    assert get_encoder(model_dir="/nonexistent", kind="lexical") is enc  # cached
    with pytest.raises(ValueError, match="unknown encoder kind"):
        get_encoder(kind="tfidf")
    encoders.clear_encoder_cache()


def test_download_needs_explicit_permission(monkeypatch):
    calls = []
    monkeypatch.delenv(encoders.DOWNLOAD_ENV, raising=False)
    monkeypatch.setattr(hub, "download", lambda: calls.append(1) or (_ for _ in ()).throw(OSError("offline")))
    encoders.clear_encoder_cache()
    with pytest.raises(ModelNotFound):
        get_encoder(model_dir="/nonexistent")
    assert calls == []
    monkeypatch.setenv(encoders.DOWNLOAD_ENV, "1")
    with pytest.raises(ModelNotFound, match="download failed: offline"):
        get_encoder(model_dir="/nonexistent")
    assert calls == [1]
    encoders.clear_encoder_cache()


def test_default_encoder_is_semantic_and_cached():
    encoders.clear_encoder_cache()
    enc = get_encoder()
    assert enc.name == INT8_NAME and not enc.approximate
    assert get_encoder() is enc


def test_tfidf_scores_shared_words(lexical):
    a, b, c = lexical.encode(
        ["We process card payments.", "Processing payments by card.", "Hiring engineers."]
    )
    assert a @ b > 0.5 and a @ c < 0.1
    assert not lexical.encode([""]).any()
