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
    """Served over https: as seen by the server, or as published (behind a TLS proxy that does
    not forward the scheme, PUBLIC_BASE_URL still says https)."""
    settings: Settings = request.app.state.settings
    published = (settings.public_base_url or "").lower().startswith("https://")
    return request.url.scheme == "https" or published


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


class SlidingWindow:
    """At most `limit` events per key in any `window_seconds`, counted in this process's memory."""

    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._events: dict[str, deque[float]] = {}

    def retry_after(self, key: str) -> float | None:
        """Seconds until the key may have another event; None when it may now."""
        now = self._clock()
        events = self._recent(key, now)
        return events[0] + self._window - now if len(events) >= self._limit else None

    def record(self, key: str) -> None:
        now = self._clock()
        self._recent(key, now).append(now)
        if len(self._events) > 100_000:  # forget quiet keys rather than grow without bound
            for quiet in [k for k in self._events if not self._recent(k, now)]:
                del self._events[quiet]

    def forget(self, key: str) -> None:
        self._events.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self._window:
            events.popleft()
        return events


class LoginThrottle:
    """Failed log-ins per account (email) and per client IP, and sign-ups per IP.

    Per process: with several API processes each counts its own share, so the limits are per
    process. Enough to make online guessing slow (argon2 makes offline guessing slow) and to
    keep one client from opening account after account for their starter credits.
    """

    def __init__(
        self,
        per_account: int = 5,
        per_ip: int = 20,
        window_seconds: float = 15 * 60,
        sign_ups_per_ip_per_hour: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._accounts = SlidingWindow(per_account, window_seconds, clock)
        self._ips = SlidingWindow(per_ip, window_seconds, clock)
        self._sign_ups = SlidingWindow(sign_ups_per_ip_per_hour, 3600, clock)

    def retry_after(self, email: str, ip: str) -> int | None:
        """Seconds until another log-in attempt is allowed; None when one is allowed now."""
        return _seconds(self._accounts.retry_after(email), self._ips.retry_after(ip))

    def failed(self, email: str, ip: str) -> None:
        self._accounts.record(email)
        self._ips.record(ip)

    def succeeded(self, email: str) -> None:
        self._accounts.forget(email)

    def sign_up_retry_after(self, ip: str) -> int | None:
        """Seconds until this IP may open another account; None when it may now."""
        return _seconds(self._sign_ups.retry_after(ip), self._ips.retry_after(ip))

    def signed_up(self, ip: str) -> None:
        self._sign_ups.record(ip)


def _seconds(*waits: float | None) -> int | None:
    longest = max((wait for wait in waits if wait is not None), default=None)
    return None if longest is None else max(1, round(longest))
