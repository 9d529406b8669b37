"""Where rendered images live, and the signed URLs clients fetch them from.

Keys look like `acct_x/<job uuid>/image_1.png` (`.jpg`, `.webp` for those outputs). Writes are
idempotent and atomic, so an activity retried after a crash simply writes the same key again.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote, urlencode

from infra.signing import UrlSigner

if TYPE_CHECKING:
    from infra.settings import Settings

FILES_PREFIX = "/files/"
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_MAX_SEGMENTS = 8
# Image URLs stay identical for an hour, so repeated polls do not defeat HTTP caches.
URL_EXPIRY_GRANULARITY_SECONDS = 3600


class InvalidStorageKey(ValueError):
    """A key that could escape the storage root or is otherwise not a plain relative path."""


class UnsupportedStorageBackend(NotImplementedError):
    """The configured storage backend is not available in this build."""


class ImageStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str = "image/png") -> None:
        """Store `data` under `key`; writing the same key again gives the same result."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes stored under `key`; raises KeyError when nothing is stored there."""
        ...

    def url(self, key: str, base_url: str) -> str:
        """An absolute, signed, expiring URL for `key`."""
        ...


class LocalImageStore:
    """Images on the local disk, served by the API's `/files/` route through signed URLs."""

    def __init__(self, root: Path, signer: UrlSigner) -> None:
        self.root = root.resolve()
        self.signer = signer

    def path_for(self, key: str) -> Path:
        """The file for `key`; raises InvalidStorageKey for anything but a plain relative key."""
        validate_key(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidStorageKey("storage key escapes the storage root")
        return path

    def put(self, key: str, data: bytes, content_type: str = "image/png") -> None:
        """Write atomically: a temp file in the same folder, then os.replace."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def exists(self, key: str) -> bool:
        """Whether a file is stored under `key` (False for invalid keys)."""
        try:
            return self.path_for(key).is_file()
        except InvalidStorageKey:
            return False

    def get(self, key: str) -> bytes:
        """The file's bytes; KeyError when there is none."""
        path = self.path_for(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def url(self, key: str, base_url: str) -> str:
        """`{base_url}/files/{key}?expires=...&signature=...`."""
        validate_key(key)
        query = urlencode(self.signer.sign(key))
        return f"{base_url.rstrip('/')}{FILES_PREFIX}{quote(key, safe='/')}?{query}"


def validate_key(key: str) -> None:
    """Accept only `seg/seg/...` with plain segments: no '..', absolute paths or backslashes."""
    if not isinstance(key, str) or not key:
        raise InvalidStorageKey("storage key must be a non-empty string")
    segments = key.split("/")
    if len(segments) > _MAX_SEGMENTS:
        raise InvalidStorageKey("storage key is nested too deeply")
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            raise InvalidStorageKey("storage key segments must be plain names")


def build_image_store(settings: Settings) -> ImageStore:
    """The image store the settings ask for."""
    if settings.storage_backend == "local":
        signer = UrlSigner(
            settings.signing_secret,
            settings.image_url_ttl_seconds,
            granularity_seconds=URL_EXPIRY_GRANULARITY_SECONDS,
        )
        return LocalImageStore(settings.resolved_storage_dir, signer)
    if settings.storage_backend == "s3":
        from infra.s3_storage import build_s3_image_store  # boto3 only when S3 is configured

        return build_s3_image_store(settings)
    raise UnsupportedStorageBackend(
        f"storage backend {settings.storage_backend!r} is not implemented; "
        "set STORAGE_BACKEND=local or s3"
    )
