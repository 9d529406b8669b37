"""Pillow's verdict on an upload: a PNG, JPEG or WebP we accept, normalized, or a refusal.

Checks run cheapest first: the header (format, declared size) before any pixel is decoded, so a
1 KB PNG declaring 100000x100000 pixels is refused without allocating its pixels.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from domain.errors import PayloadTooLarge, UnsupportedMediaType

MAX_ASSET_BYTES = 10 * 1024 * 1024
MAX_ASSET_PIXELS = 40_000_000
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
_EXIF_ORIENTATION = 0x0112
_ACCEPTED = "PNG, JPEG or WebP"


@dataclass(frozen=True)
class AcceptedImage:
    """An upload that passed: the bytes to store (EXIF orientation applied) and what they are."""

    data: bytes
    media_type: str
    width: int
    height: int


def inspect_upload(data: bytes) -> AcceptedImage:
    """Accept a still PNG, JPEG or WebP of <= 40 megapixels; raise 413/415 domain errors."""
    if len(data) > MAX_ASSET_BYTES:
        raise PayloadTooLarge(f"an asset may be at most {MAX_ASSET_BYTES} bytes (10 MB)")
    try:
        with warnings.catch_warnings():
            # Pillow warns (our tests make warnings errors) between its own bomb thresholds.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Only our three decoders ever see untrusted bytes: no exotic format parser runs.
            image = Image.open(io.BytesIO(data), formats=list(MEDIA_TYPES))
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise UnsupportedMediaType(f"not an image we accept: upload a {_ACCEPTED} file") from None
    with image:
        media_type = MEDIA_TYPES.get(image.format or "")
        if media_type is None:
            raise UnsupportedMediaType(
                f"{image.format} images are not accepted: upload a {_ACCEPTED} file"
            )
        width, height = image.size
        if width * height > MAX_ASSET_PIXELS:
            raise _too_many_pixels()
        if getattr(image, "n_frames", 1) > 1:
            raise UnsupportedMediaType("animated images are not accepted: upload a single frame")
        try:
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise UnsupportedMediaType(
                f"the image is truncated or corrupt: upload a complete {_ACCEPTED} file"
            ) from None
        orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
        if orientation in (None, 1):
            return AcceptedImage(data, media_type, width, height)
        upright = ImageOps.exif_transpose(image)
        return AcceptedImage(
            _encode(upright, image.format or "PNG", image.info),
            media_type,
            upright.width,
            upright.height,
        )


def _encode(image: Image.Image, pil_format: str, info: dict[Any, Any]) -> bytes:
    """Re-encode an image turned upright, in its own format (transparency kept)."""
    out = io.BytesIO()
    options: dict[str, object] = {}
    if info.get("icc_profile"):
        options["icc_profile"] = info["icc_profile"]
    if pil_format == "JPEG":
        options.update(quality=95, subsampling=0)
    elif pil_format == "WEBP":
        options.update(lossless=True)
    image.save(out, format=pil_format, **options)
    return out.getvalue()


def _too_many_pixels() -> PayloadTooLarge:
    return PayloadTooLarge(f"an asset may have at most {MAX_ASSET_PIXELS // 1_000_000} megapixels")
