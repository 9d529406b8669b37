"""HMAC-signed, expiring URLs: anyone holding the URL may fetch the file until it expires."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable

_MAX_EXPIRES_DIGITS = 12  # far beyond any real expiry; bounds the int() we parse


class UrlSigner:
    """Signs a path with an expiry time; verifies both in constant time.

    Expiry is rounded up to `granularity_seconds`, so a path signed twice within that window
    gets the same URL (polls return stable URLs that browsers and CDNs can cache).
    """

    def __init__(
        self,
        secret: bytes,
        ttl_seconds: int,
        clock: Callable[[], float] = time.time,
        granularity_seconds: int = 1,
    ) -> None:
        if not secret:
            raise ValueError("the URL signing secret must not be empty")
        if ttl_seconds <= 0 or granularity_seconds <= 0:
            raise ValueError("the URL lifetime and its granularity must be positive")
        self._secret = secret
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._granularity = granularity_seconds

    def sign(self, path: str) -> dict[str, str]:
        """Query parameters (`expires`, `signature`) that make `path` fetchable until expiry."""
        earliest = int(self._clock()) + self._ttl_seconds
        expires = -(-earliest // self._granularity) * self._granularity
        return {"expires": str(expires), "signature": self._signature(path, expires)}

    def verify(self, path: str, expires: str | int | None, signature: str | None) -> bool:
        """True only for an untampered, unexpired signature over exactly this path."""
        if not isinstance(signature, str) or not signature.isascii():
            return False
        expires_at = _parse_expires(expires)
        if expires_at is None or expires_at <= self._clock():
            return False
        try:
            expected = self._signature(path, expires_at)
        except UnicodeEncodeError:
            return False
        return hmac.compare_digest(expected, signature)

    def _signature(self, path: str, expires: int) -> str:
        message = f"{path}\n{expires}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _parse_expires(expires: str | int | None) -> int | None:
    if isinstance(expires, bool):
        return None
    if isinstance(expires, int):
        return expires
    if not isinstance(expires, str) or not expires.isascii() or not expires.isdigit():
        return None
    if len(expires) > _MAX_EXPIRES_DIGITS:
        return None
    return int(expires)
