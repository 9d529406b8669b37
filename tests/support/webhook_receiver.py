"""A real HTTP(S) server that receives webhooks for tests, on 127.0.0.1 and a free port.

    with WebhookReceiver(statuses=[500]) as receiver:     # first answer 500, then 200s
        ... register receiver.url ...
        [first, second] = await receiver.wait_for(2)       # what arrived: headers and body

Pass `ssl_context` (e.g. from trustme) to serve https. Each request is recorded before it is
answered, so a test sees every attempt, failed ones included.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client refusing our certificate is what some tests want, not noise


class WebhookReceiver:
    """Answers POSTs with `statuses` in turn, then `default_status`; records every request."""

    def __init__(
        self,
        statuses: Iterable[int] = (),
        *,
        default_status: int = 200,
        delay_seconds: float = 0.0,
        location: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.requests: list[Received] = []
        self._statuses = list(statuses)
        self.default_status = default_status
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's naming
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver._record(Received(self.path, headers, body))
                time.sleep(delay_seconds)
                self.send_response(status)
                if location is not None:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if ssl_context is not None:
            self._server.socket = ssl_context.wrap_socket(self._server.socket, server_side=True)
        self.scheme = "https" if ssl_context is not None else "http"
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _record(self, received: Received) -> int:
        with self._lock:
            self.requests.append(received)
            return self._statuses.pop(0) if self._statuses else self.default_status

    def url_for(self, host: str, path: str = "/hooks") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    @property
    def url(self) -> str:
        return self.url_for("127.0.0.1")

    async def wait_for(self, count: int, timeout: float = 60.0) -> list[Received]:  # noqa: ASYNC109
        """The first `count` requests, once they arrived; fails with what came after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests[:count])
            await asyncio.sleep(0.1)
        raise AssertionError(f"expected {count} webhook requests, got {len(self.requests)}")

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
