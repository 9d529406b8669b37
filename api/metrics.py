"""Prometheus metrics for the API, served at GET /metrics, and one access-log line per request.

Requests are labelled by route template (`/api/v1/jobs/{jobId}`), never by raw path, so job
ids and scanners' random URLs cannot explode the series count; unmatched paths share one label.
Error responses are also counted by their problem+json `code`, read from the response itself,
so every error path (domain errors, validation, 404s, crashes) is covered without touching it.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_MEDIA_TYPE
from domain.errors import Unauthorized

access_log = logging.getLogger("api.access")

METRICS_PATH = "/metrics"
UNMATCHED_ROUTE = "unmatched"
# Scrapes and health probes every few seconds would drown the access log.
_QUIET_PATHS = frozenset({METRICS_PATH, "/healthz"})
_MAX_PROBLEM_BYTES = 64 * 1024
_MAX_LOGGED_ID_CHARS = 64


class ApiMetrics:
    """The API's metrics, in a registry of their own (one per app, so tests stay isolated)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=self.registry)
        self.requests = Counter(
            "creative_api_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "creative_api_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.problems = Counter(
            "creative_api_problems",
            "Error responses, by problem+json code and status.",
            ["code", "status"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts, times and logs every HTTP request; pure ASGI, so streamed files pass untouched."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        response = _ResponseWatcher(send)
        try:
            await self.app(scope, receive, response.send)
        except Exception:
            # ServerErrorMiddleware (outside us) turns this into the 500 problem response.
            response.status, response.problem_code = 500, "internal_error"
            raise
        finally:
            self._record(scope, response, time.perf_counter() - started)

    def _record(self, scope: Scope, response: _ResponseWatcher, elapsed: float) -> None:
        method = scope["method"]
        route = route_template(scope)
        status = str(response.status)
        self.metrics.requests.labels(method, route, status).inc()
        self.metrics.latency.labels(method, route).observe(elapsed)
        if response.problem_code is not None:
            self.metrics.problems.labels(response.problem_code, status).inc()
        if scope["path"] in _QUIET_PATHS:
            return
        job_id = str(scope.get("path_params", {}).get("jobId", ""))[:_MAX_LOGGED_ID_CHARS]
        access_log.info(
            "%s %s %s %d ms",
            method,
            route,
            status,
            elapsed * 1000,
            extra={
                "method": method,
                "route": route,
                "status": response.status,
                "durationMs": round(elapsed * 1000, 1),
                "problemCode": response.problem_code,
                "job_id": job_id or None,
                # Set by the auth dependency once the key is known (api/deps.py).
                "account_id": scope.get("state", {}).get("account_id"),
            },
        )


class _ResponseWatcher:
    """Wraps `send` to note the status and, for problem+json bodies, the problem `code`."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500  # until a response starts; a crash before that is a 500
        self.problem_code: str | None = None
        self._problem_body: bytearray | None = None

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            content_type = _header(message, b"content-type")
            if content_type.startswith(PROBLEM_MEDIA_TYPE.encode()):
                self._problem_body = bytearray()
        elif message["type"] == "http.response.body" and self._problem_body is not None:
            if len(self._problem_body) < _MAX_PROBLEM_BYTES:
                self._problem_body += message.get("body", b"")
            if not message.get("more_body", False):
                self.problem_code = _problem_code(bytes(self._problem_body), self.status)
                self._problem_body = None
        await self._send(message)


def route_template(scope: Scope) -> str:
    """The matched route's path template (converters dropped), or one label for no match."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) and template else UNMATCHED_ROUTE


def install_metrics(app: FastAPI, token: str | None = None) -> ApiMetrics:
    """Count and time every request, and serve the metrics at GET /metrics (not in OpenAPI),
    to anyone, or only to `Authorization: Bearer <token>` when a token is given."""
    metrics = ApiMetrics()
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    @app.get(METRICS_PATH, include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        """Prometheus text exposition of the API's metrics."""
        if token is not None and not _bears(request, token):
            raise Unauthorized("the metrics need the metrics token as a Bearer token")
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics


def _bears(request: Request, token: str) -> bool:
    presented = request.headers.get("authorization", "").encode()
    return hmac.compare_digest(presented, f"Bearer {token}".encode())


def _header(message: Message, name: bytes) -> bytes:
    for key, value in message.get("headers", []):
        if key.lower() == name:
            return bytes(value)
    return b""


def _problem_code(body: bytes, status: int) -> str:
    try:
        code: Any = json.loads(body).get("code")
    except (ValueError, AttributeError):
        code = None
    return code if isinstance(code, str) and code else f"http_{status}"
