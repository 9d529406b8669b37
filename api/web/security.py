"""The web app's defences: session and CSRF cookies, CSRF tokens, security headers, throttling.

CSRF: every browser gets a random `cs_csrf` cookie (HttpOnly); each form carries
HMAC(key, cookie), which another site can neither read nor compute, and every POST must echo it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from infra.settings import Settings
from infra.users import SESSION_LIFETIME

SESSION_COOKIE = "cs_session"
CSRF_COOKIE = "cs_csrf"
CSRF_FIELD = "csrf_token"
COOKIE_PATH = "/app"
PAGE_PREFIXES = ("/app",)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """HttpOnly, SameSite=Lax, Secure when the page came over https, scoped to /app."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        secure=is_https(request),
        samesite="lax",
    )


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    set_cookie(request, response, SESSION_COOKIE, token, int(SESSION_LIFETIME.total_seconds()))


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, httponly=True, secure=is_https(request), samesite="lax"
    )


class CsrfTokens:
    """Form tokens bound to the browser's CSRF cookie with a key only the server holds."""

    def __init__(self, signing_secret: bytes) -> None:
        self._key = hmac.new(signing_secret, b"creative-saas web csrf", hashlib.sha256).digest()

    def token_for(self, cookie_value: str) -> str:
        return hmac.new(self._key, cookie_value.encode(), hashlib.sha256).hexdigest()

    def valid(self, cookie_value: str | None, token: object) -> bool:
        if not cookie_value or not isinstance(token, str) or not token:
            return False
        return hmac.compare_digest(self.token_for(cookie_value), token)


def csrf_cookie_value(request: Request) -> str:
    """The browser's CSRF cookie, or the one this response is about to set."""
    value = request.cookies.get(CSRF_COOKIE)
    if value:
        return value
    fresh: str | None = getattr(request.state, "new_csrf_cookie", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = fresh
    return fresh


def content_security_policy(settings: Settings) -> str:
    """No inline script or style anywhere; images also from where the image store serves them."""
    image_sources = ["'self'", "data:"]
    for url in (
        settings.public_base_url,
        settings.s3_public_endpoint_url,
        settings.s3_endpoint_url,
    ):
        if url:
            parts = urlsplit(url)
            image_sources.append(f"{parts.scheme}://{parts.netloc}")
    if settings.storage_backend == "s3" and not settings.s3_endpoint_url:
        image_sources.append("https://*.amazonaws.com")
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(dict.fromkeys(image_sources))}",
            "connect-src 'self'",
            "font-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def page_headers(request: Request, policy: str) -> list[tuple[str, str]]:
    """Security headers for an /app response, and the CSRF cookie its page just minted."""
    headers = [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
    ]
    if not request.url.path.startswith(f"{COOKIE_PATH}/static/"):
        # Pages show balances and once-only secrets: never from a shared or back-button cache.
        headers.append(("Cache-Control", "no-store"))
    fresh = getattr(request.state, "new_csrf_cookie", None)
    if fresh is not None and CSRF_COOKIE not in request.cookies:
        carrier = Response()
        set_cookie(request, carrier, CSRF_COOKIE, fresh, max_age=365 * 24 * 3600)
        headers.append(("Set-Cookie", carrier.headers["set-cookie"]))
    return headers


class LoginThrottle:
    """Failed log-ins per account (email) and per client IP in a sliding window, in memory.

    Per process: with several API processes each counts its own share, so the limits are per
    process. Enough to make online guessing slow; argon2 makes offline guessing slow.
    """

    def __init__(
        self,
        per_account: int = 5,
        per_ip: int = 20,
        window_seconds: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"account": per_account, "ip": per_ip}
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def retry_after(self, email: str, ip: str) -> int | None:
        """Seconds until another attempt is allowed; None when one is allowed now."""
        now = self._clock()
        waits = []
        for kind, value in (("account", email), ("ip", ip)):
            failures = self._recent((kind, value), now)
            if len(failures) >= self._limits[kind]:
                waits.append(failures[0] + self._window - now)
        return max(1, round(max(waits))) if waits else None

    def failed(self, email: str, ip: str) -> None:
        now = self._clock()
        for key in (("account", email), ("ip", ip)):
            self._recent(key, now).append(now)
        if len(self._failures) > 100_000:  # forget quiet keys rather than grow without bound
            for key in [k for k, v in self._failures.items() if not self._recent(k, now)]:
                del self._failures[key]

    def succeeded(self, email: str) -> None:
        self._failures.pop(("account", email), None)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures
