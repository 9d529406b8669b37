"""Image encodings a job may ask for: the `output` body field, file extension and media type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputFormat:
    name: str  # what a client sends in `output`
    extension: str  # of storage keys and image URLs, without the dot
    media_type: str  # Content-Type of the stored object and of the signed URL's answer


# ".jpg" rather than ".jpeg": the extension cameras, browsers' "Save as" and most tools write.
OUTPUT_FORMATS = {
    "png": OutputFormat("png", "png", "image/png"),
    "jpeg": OutputFormat("jpeg", "jpg", "image/jpeg"),
    "webp": OutputFormat("webp", "webp", "image/webp"),
}
DEFAULT_OUTPUT = "png"
MEDIA_TYPES_BY_EXTENSION = {f".{o.extension}": o.media_type for o in OUTPUT_FORMATS.values()}
