"""A small LRU of text vectors for the texts every answer is scored against.

A survey round scores many answers against the same statement, one task
call per response. Without a cache each call would re-encode the statement
and its ideas (up to 7 forward passes) to score a single answer (1 forward
pass), so the shared texts, not the answers, would bound throughput.

Keyed by (encoder name, dimension, text): the encoder name identifies the
model (an unknown ONNX file is named by its hash, see encoders.py), so two
instances of one model share entries and two models never do. Bounded in
bytes, not entries, because a TF-IDF vector is 40x the size of a MiniLM one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

MAX_BYTES = 8 << 20  # ~5,000 MiniLM vectors or ~120 TF-IDF ones


class VectorCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def encode(self, encoder, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts`` (n, d), encoding only the ones not cached,
        together in one ``encode`` call."""
        prefix = (encoder.name, getattr(encoder, "dim", None))
        keys = [(*prefix, t) for t in texts]
        found: dict[tuple, np.ndarray] = {}
        with self._lock:
            for k in keys:
                vec = self._items.get(k)
                if vec is not None:
                    self._items.move_to_end(k)
                    found[k] = vec
            missing = list(dict.fromkeys(k for k in keys if k not in found))
            self.hits += len(keys) - sum(1 for k in keys if k not in found)
            self.misses += len(missing)
        if missing:
            fresh = encoder.encode([k[-1] for k in missing])
            with self._lock:
                for k, vec in zip(missing, fresh, strict=True):
                    vec = np.array(vec, dtype=np.float32)  # own copy, not a view of the batch
                    vec.setflags(write=False)  # shared between calls: nobody may edit it
                    found[k] = vec
                    self._put(k, vec)
        if not keys:
            return np.zeros((0, int(getattr(encoder, "dim", 0) or 0)), dtype=np.float32)
        return np.stack([found[k] for k in keys])

    def _put(self, key: tuple, vec: np.ndarray) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= old.nbytes
        if vec.nbytes > self.max_bytes:
            return
        self._items[key] = vec
        self._bytes += vec.nbytes
        while self._bytes > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= dropped.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


shared = VectorCache()


def clear_vector_cache() -> None:
    """Forget cached statement/idea vectors (tests, or after a model change)."""
    shared.clear()
