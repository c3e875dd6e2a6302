"""Last-resort download of the model from the Hugging Face hub.

Used only when no local files are found AND the caller allowed it
(``get_encoder(allow_download=True)`` or PURPOSE_PULSE_ALLOW_MODEL_DOWNLOAD=1).
Tests never call it: a test suite that needs the network is a flaky one, and
many deployments (like CI here) have no route to the hub at all.

It fetches the fp32 ONNX export published with the model and its
tokenizer.json into a cache folder, writing each file under a temporary name
and renaming it once complete, so an interrupted download is never mistaken
for a model.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

REPO = "sentence-transformers/all-MiniLM-L6-v2"
REVISION = "main"
FILES = {"model.onnx": "onnx/model.onnx", "tokenizer.json": "tokenizer.json"}
CACHE_ENV = "PURPOSE_PULSE_MODEL_CACHE"
TIMEOUT_S = 60


def cache_dir() -> Path:
    """Where downloaded files live: $PURPOSE_PULSE_MODEL_CACHE or ~/.cache."""
    env = os.environ.get(CACHE_ENV)
    base = Path(env) if env else Path.home() / ".cache" / "purpose-pulse"
    return base / REPO.replace("/", "--") / REVISION


def cached_files() -> tuple[Path, Path] | None:
    """(model.onnx, tokenizer.json) if an earlier download completed."""
    folder = cache_dir()
    onnx, tok = folder / "model.onnx", folder / "tokenizer.json"
    return (onnx, tok) if onnx.is_file() and tok.is_file() else None


def download(base_url: str = "https://huggingface.co") -> tuple[Path, Path]:
    """Fetch the files if missing; returns their paths. Raises on failure."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for local, remote in FILES.items():
        target = folder / local
        if target.is_file():
            continue
        url = f"{base_url}/{REPO}/resolve/{REVISION}/{remote}"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{local}.")
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp, os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(resp, out)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    found = cached_files()
    assert found is not None
    return found
