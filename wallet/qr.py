"""Read an offer or request link from a QR code image (``qr`` extra: zxing-cpp and Pillow)."""

from __future__ import annotations

import io
from pathlib import Path

from didkit_py.errors import InvalidInput, LimitExceeded, StorageError, UnsupportedError

__all__ = ["IMAGE_MAGIC", "MAX_IMAGE_BYTES", "decode_qr", "is_image"]

MAX_IMAGE_BYTES = 16 * 1024 * 1024
#: Refuse images larger than this many pixels before decoding them (decompression bombs).
MAX_PIXELS = 40_000_000
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def is_image(head: bytes) -> bool:
    return head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def decode_qr(path: Path) -> str:
    """The text of the one QR code in the image at ``path``."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}", code="io.read") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise LimitExceeded("the image is too large", code="qr.too_large")
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        raise UnsupportedError(
            "reading QR images needs the qr extra (pip install 'didkit-py[qr]')", code="qr.unavailable"
        ) from None
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise LimitExceeded("the image has too many pixels", code="qr.too_large")
            img.load()
            codes = zxingcpp.read_barcodes(img.convert("L"))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise InvalidInput("not a readable image", code="qr.image") from None
    texts = [c.text for c in codes if c.text]
    if len(texts) != 1:
        raise InvalidInput(
            "no QR code found in the image" if not texts else "the image holds several QR codes",
            code="qr.count",
        )
    return texts[0]
