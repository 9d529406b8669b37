"""A scripted API behind `httpx.MockTransport`, for what the real stack cannot be made to do
on demand: answer 503 or 429 a set number of times, drop connections, refuse `?wait=`.

The SDK takes the transport (and its sleep function) through its constructor, so the client
under test is the real one; only the network and the clock's waiting are stand-ins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

BASE_URL = "https://api.test"
JOB_ID = "6f7f0000-0000-4000-8000-000000000001"
Responder = Callable[[httpx.Request], httpx.Response]


def problem(status: int, code: str, detail: str = "", **headers: str) -> httpx.Response:
    body = {
        "type": f"https://creative-saas.vercel.app/problems/{code}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail or code,
        "code": code,
    }
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/problem+json", **headers},
    )


def job_body(status: str = "completed", requested: int = 2, **extra: Any) -> dict[str, Any]:
    done = requested if status in ("completed", "partial", "failed") else 0
    images = [f"{BASE_URL}/files/a/{JOB_ID}/image_{n}.png?sig=x" for n in range(1, done + 1)]
    return {
        "jobId": JOB_ID,
        "status": status,
        "creditsConsumed": len(images),
        "result": {
            "requested": requested,
            "produced": len(images),
            "failed": 0,
            "progress": {"done": done, "total": requested},
            "images": images,
            "formats": ["F1", "F4", "F10"][: len(images)],
            "failures": [],
        },
        **extra,
    }


def job_response(status: str = "completed", code: int = 200, **extra: Any) -> httpx.Response:
    return httpx.Response(code, json=job_body(status, **extra))


@dataclass
class ScriptedApi:
    """Answers requests from a script, in order, and records every request and every sleep."""

    script: list[Responder | httpx.Response | Exception]
    requests: list[httpx.Request] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.script:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def sleep_async(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def async_transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle_async)
