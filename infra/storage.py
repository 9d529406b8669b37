"""Where rendered images live, and the signed URLs clients fetch them from.

Keys look like `acct_x/<job uuid>/image_1.png` (`.jpg`, `.webp` for those outputs). Writes are
idempotent and atomic, so an activity retried after a crash simply writes the same key again.

This module holds the `ImageStore` protocol, its keys and the local store. Other stores
(`infra/s3_storage.py`) import it, never the other way; `infra/image_stores.py` picks one.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlencode

from domain.errors import Forbidden, NotFound
from infra.signing import UrlSigner

FILES_PREFIX = "/files/"
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_MAX_SEGMENTS = 8
# Image URLs stay identical for an hour, so repeated polls do not defeat HTTP caches.
URL_EXPIRY_GRANULARITY_SECONDS = 3600


class InvalidStorageKey(ValueError):
    """A key that could escape the storage root or is otherwise not a plain relative path."""


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

    def signed_file(self, key: str, expires: str | None, signature: str | None) -> Path:
        """The file the API's `/files/{key}` URL serves: Forbidden when the signature is not
        one of this store's unexpired ones, NotFound when there is no such file or the store's
        URLs point elsewhere. Called on the API's event loop: no network I/O."""
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

    def signed_file(self, key: str, expires: str | None, signature: str | None) -> Path:
        """The file behind one of this store's URLs, once its signature checks out."""
        if not self.signer.verify(key, expires, signature):
            raise Forbidden("This URL is invalid or has expired.")
        try:
            path = self.path_for(key)
        except InvalidStorageKey:
            raise NotFound("no such file") from None
        if not path.is_file():
            raise NotFound("no such file")
        return path


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
