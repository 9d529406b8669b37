"""What the sync and async clients share: configuration, the retry policy, error mapping.

Both clients describe each operation as a `Call` and run it through the same rules; only the
I/O (httpx.Client vs httpx.AsyncClient, time.sleep vs asyncio.sleep) differs between them.
"""

from __future__ import annotations

import email.utils
import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx

from creative_saas_client import __version__
from creative_saas_client.errors import APIConnectionError, CreativeSaaSError, error_from_problem

T = TypeVar("T")

DEFAULT_BASE_URL = "https://creative-saas.vercel.app"
API_KEY_ENV = "CREATIVE_SAAS_API_KEY"
BASE_URL_ENV = "CREATIVE_SAAS_BASE_URL"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_RETRIES = 3
DEFAULT_WAIT_TIMEOUT = 600.0
# The statuses whose problem says "nothing happened, try again later" (429 too_many_active_jobs,
# 503 service_unavailable); a create retried after them reuses its Idempotency-Key.
RETRYABLE_STATUSES = frozenset({429, 503})
USER_AGENT = f"creative-saas-client/{__version__} httpx/{httpx.__version__}"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. Delays: the server's Retry-After, else exponential
    backoff with jitter; both capped, so a client never sleeps unboundedly."""

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 60.0

    def backoff(self, attempt: int) -> float:
        """The delay before retry number `attempt` (0-based) when the server named none."""
        delay: float = min(self.backoff_max, self.backoff_base * 2**attempt)
        return delay * (0.5 + random.random() / 2)  # jitter: clients that failed together spread

    def delay_after(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is None:
            return self.backoff(attempt)
        return min(max(retry_after, 0.0), self.retry_after_max)


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API operation: the request to send and how to read a successful answer."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # True when repeating the request after a lost answer cannot do anything twice
    # (GET, DELETE, cancel, a create that carries an Idempotency-Key).
    idempotent: bool = True
    # Extra seconds of read timeout, for long-polls that legitimately hold the answer.
    extra_timeout: float = 0.0
    # Signed image URLs need no key, and may live on another host (S3): never send it there.
    authenticated: bool = True


@dataclass(frozen=True)
class ClientConfig:
    api_key: str | None
    base_url: str
    timeout: float
    retry: RetryPolicy

    @classmethod
    def resolve(
        cls, api_key: str | None, base_url: str | None, timeout: float, max_retries: int
    ) -> ClientConfig:
        """Arguments first, then CREATIVE_SAAS_API_KEY / CREATIVE_SAAS_BASE_URL, then defaults."""
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV) or None
        url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        if "://" not in url:  # the docs write the base without a scheme
            url = f"https://{url}"
        return cls(key, url.rstrip("/"), timeout, RetryPolicy(max_retries=max_retries))

    def headers(self, call: Call[Any]) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **call.headers}
        if self.api_key and call.authenticated:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def timeout_for(self, call: Call[Any]) -> httpx.Timeout:
        return httpx.Timeout(self.timeout, read=self.timeout + call.extra_timeout)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def should_retry_status(response: httpx.Response) -> bool:
    return response.status_code in RETRYABLE_STATUSES


def should_retry_exception(error: httpx.TransportError, call: Call[Any]) -> bool:
    """A refused connection never reached the server: any call may repeat. A request that
    may have arrived (timeouts, dropped connections) repeats only when it is idempotent."""
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return True
    return call.idempotent


def raise_for_problem(response: httpx.Response) -> None:
    """Turn a 4xx/5xx answer (or a redirect, which no operation expects) into its exception."""
    if response.is_success:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    text = response.text.strip()[:200] if body is None else ""
    raise error_from_problem(
        response.status_code,
        body,
        fallback_detail=text or response.reason_phrase or "request failed",
        retry_after=retry_after_seconds(response),
    )


def connection_error(
    error: httpx.TransportError, call: Call[Any], base_url: str
) -> APIConnectionError:
    url = call.path if "://" in call.path else f"{base_url}{call.path}"
    reason = str(error) or type(error).__name__
    return APIConnectionError(f"{call.method} {url} failed: {reason}")


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise CreativeSaaSError(
            f"expected JSON from {response.request.url}, got {response.text[:200]!r}",
            status=response.status_code,
            code="invalid_response",
        ) from error


class PollPacer:
    """Spaces the polls of `jobs.wait()`: an answer that came back sooner than the current
    interval (a server without long-poll, or a short `poll_wait`) is followed by a pause, and
    the interval grows by half each time up to `max_interval`. A held long-poll needs none."""

    def __init__(self, min_interval: float, max_interval: float) -> None:
        self._interval = min_interval
        self._max_interval = max(min_interval, max_interval)

    def pause_after(self, elapsed: float) -> float:
        pause = max(0.0, self._interval - elapsed)
        self._interval = min(self._max_interval, self._interval * 1.5)
        return pause


def write_atomically(path: Path, content: bytes) -> None:
    """Write a downloaded file whole or not at all (a crash leaves no half image behind)."""
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(content)
    os.replace(partial, path)


def image_call(url: str) -> Call[bytes]:
    return Call(
        "GET",
        url,
        lambda response: response.content,
        headers={"Accept": "*/*"},
        authenticated=False,
    )
