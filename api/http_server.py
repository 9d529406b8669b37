"""How `creative-saas api` serves HTTP: uvicorn's h11 protocol, bounded against slow clients,
answering malformed HTTP and refusals at the connection level as problem+json too.

uvicorn answers what it refuses before the app sees a request (two Host headers,
`Content-Length: abc`, a full server) with text/plain; `ProblemH11Protocol` answers the same
refusals as RFC 9457 problems, so every error a client can get has one shape. It also gives a
client REQUEST_HEAD_SECONDS to send a request's head (uvicorn's keep-alive timer stops at the
first byte, so a client sending one byte a minute would hold its connection for ever); the body
has its own deadline in the app (`api/body_deadline.py`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from infra.settings import Settings

PROBLEM_TYPE_BASE = "https://creative-saas.vercel.app/problems/"
# h11's bound on a request head still being received (uvicorn's default is 16 KiB too).
MAX_REQUEST_HEAD_BYTES = 16 * 1024
LINGER_SECONDS = 1.0
REASONS = {400: "Bad Request", 408: "Request Timeout", 503: "Service Unavailable"}


def problem_bytes(status: int, code: str, title: str, detail: str, retry_after: int = 0) -> bytes:
    """A whole HTTP/1.1 response carrying one problem, closing the connection."""
    body = json.dumps(
        {
            "type": PROBLEM_TYPE_BASE + code,
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
        },
        separators=(",", ":"),
    ).encode("ascii")
    head = [
        f"HTTP/1.1 {status} {REASONS[status]}",
        "content-type: application/problem+json",
        f"content-length: {len(body)}",
        "connection: close",
    ]
    if retry_after:
        head.append(f"retry-after: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


class ProblemH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with problem+json refusals, a request-head deadline and a bound
    on open connections (set by `protocol_for`)."""

    request_head_seconds: float = 10.0
    max_connections: int = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self._refuse(
                problem_bytes(
                    503,
                    "service_unavailable",
                    "Service unavailable",
                    "the server has too many open connections; retry shortly",
                    retry_after=1,
                )
            )
            return
        self._expect_a_request_head()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state not in (h11.DONE, h11.IDLE) and not self.transport.is_closing():
            # Answered before its body was read (401, 408, 413): the rest of that body would
            # hold the connection. Close it after a moment, so the client can read the answer
            # before the close (an immediate close can reset the connection under its feet).
            self.loop.call_later(LINGER_SECONDS, self._close)
            return
        self._expect_a_request_head()

    def _close(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        self._refuse(
            problem_bytes(
                400,
                "invalid_request",
                "Invalid request",
                "the request is not valid HTTP/1.1 (for example a repeated Host header or a "
                "Content-Length that is not a number)",
            )
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)

    def _expect_a_request_head(self) -> None:
        self._cancel_head_deadline()  # one timer per connection, however many requests it serves
        self._head_timer = self.loop.call_later(
            self.request_head_seconds, self._head_deadline, self.cycle
        )

    def _cancel_head_deadline(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_deadline(self, waiting_since: Any) -> None:
        if self.cycle is waiting_since and not self.transport.is_closing():
            detail = f"no complete request head arrived within {self.request_head_seconds:g} s"
            self._refuse(problem_bytes(408, "request_timeout", "Request timeout", detail))

    def _refuse(self, response: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(response)
            self.transport.close()


def protocol_for(settings: Settings) -> type[ProblemH11Protocol]:
    """The protocol class with this server's bounds."""
    return type(
        "BoundedProblemH11Protocol",
        (ProblemH11Protocol,),
        {
            "request_head_seconds": settings.request_head_timeout_seconds,
            "max_connections": settings.api_max_connections,
        },
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run` that bound what slow or hostile clients can hold."""
    return {
        "http": protocol_for(settings),
        "timeout_keep_alive": settings.api_keep_alive_seconds,
        "h11_max_incomplete_event_size": MAX_REQUEST_HEAD_BYTES,
        # Not uvicorn's limit_concurrency: its 503 is text/plain. The protocol bounds open
        # connections itself (API_MAX_CONNECTIONS), and h11 serves one request per connection
        # at a time, so requests in flight are bounded too.
        "timeout_graceful_shutdown": 10,
    }
