"""POST /api/v1/generate: the contract a client written from the docs relies on."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from domain.errors import (
    IdempotencyKeyReused,
    InsufficientCredits,
    ServiceUnavailable,
    TooManyActiveJobs,
)
from domain.jobs import GenerateRequest
from tests.api.conftest import Caller
from tests.api.fakes import FakeOrchestrator

UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem with this status and code; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"] and body["detail"] and body["type"]
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body["errors"]}


async def test_accepts_the_documented_example(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    response = await client.post(
        "/api/v1/generate",
        headers=alice.headers,
        json={"claim": "Best protein supplements", "language": "EN", "count": 3},
    )

    assert response.status_code == 202
    body = response.json()
    job_id = body["jobId"]
    assert body == {
        "jobId": job_id,
        "status": "queued",
        "pollUrl": f"/api/v1/jobs/{job_id}",
        "result": {"requested": 3, "produced": 0, "progress": {"done": 0, "total": 3}},
        "metadata": {},
    }
    assert response.headers["location"] == f"/api/v1/jobs/{job_id}"
    assert "idempotent-replayed" not in response.headers
    [call] = orchestrator.calls
    assert call.account_id == alice.account.id
    assert call.request == GenerateRequest("Best protein supplements", "EN", 3, None, None)
    assert call.idempotency_key is None


async def test_normalizes_the_request_before_submitting(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    body = {
        "claim": "  Fresh bread  ",
        "language": "de",
        "count": 2,
        "formats": ["F4"],
        "cta": "Los",
    }

    response = await client.post("/api/v1/generate", headers=alice.headers, json=body)

    assert response.status_code == 202
    assert orchestrator.calls[0].request == GenerateRequest("Fresh bread", "DE", 2, ("F4",), "Los")


async def test_defaults_language_and_count(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    response = await client.post("/api/v1/generate", headers=alice.headers, json={"claim": "Hi"})

    assert response.status_code == 202
    assert response.json()["result"]["requested"] == 1
    assert orchestrator.calls[0].request == GenerateRequest("Hi", "EN", 1, None, None)


async def test_charset_parameter_is_allowed(client: httpx.AsyncClient, alice: Caller):
    response = await client.post(
        "/api/v1/generate",
        headers={**alice.headers, "Content-Type": "application/json; charset=UTF-8"},
        content=b'{"claim": "Hi"}',
    )

    assert response.status_code == 202


async def test_same_key_same_body_replays_the_job(client: httpx.AsyncClient, alice: Caller):
    headers = {**alice.headers, "Idempotency-Key": "my-unique-id-123"}
    body = {"claim": "Best protein supplements", "count": 3}

    first = await client.post("/api/v1/generate", headers=headers, json=body)
    second = await client.post("/api/v1/generate", headers=headers, json=body)

    assert first.status_code == second.status_code == 202
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert "idempotent-replayed" not in first.headers


async def test_idempotency_key_reaches_the_orchestrator_verbatim(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    key = "a" * 200 + " ~!{}"
    headers = {**alice.headers, "Idempotency-Key": key}

    response = await client.post("/api/v1/generate", headers=headers, json={"claim": "Hi"})

    assert response.status_code == 202
    assert orchestrator.calls[0].idempotency_key == key


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (InsufficientCredits("needs 3 credits, 1 available"), 402, "insufficient_credits"),
        (IdempotencyKeyReused("different body"), 422, "idempotency_key_reused"),
        (ServiceUnavailable("temporal is down"), 503, "service_unavailable"),
        (TooManyActiveJobs("2 jobs running", retry_after_seconds=7), 429, "too_many_active_jobs"),
    ],
)
async def test_orchestrator_refusals_become_problems(
    client: httpx.AsyncClient,
    alice: Caller,
    orchestrator: FakeOrchestrator,
    error: Exception,
    status: int,
    code: str,
):
    orchestrator.fail_with = error  # type: ignore[assignment]

    response = await client.post("/api/v1/generate", headers=alice.headers, json={"claim": "Hi"})

    body = problem(response, status, code)
    assert body["detail"] == str(error)
    if status in (429, 503):
        assert int(response.headers["retry-after"]) >= 1
    if status == 429:
        assert response.headers["retry-after"] == "7"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "claim"),
        ({"claim": ""}, "claim"),
        ({"claim": "   "}, "claim"),
        ({"claim": "x" * 201}, "claim"),
        ({"claim": "line\nbreak"}, "claim"),
        ({"claim": "nul\u0000"}, "claim"),
        ({"claim": 42}, "claim"),
        ({"claim": None}, "claim"),
        ({"claim": ["Hi"]}, "claim"),
        ({"claim": "Hi", "language": "XX"}, "language"),
        ({"claim": "Hi", "language": 1}, "language"),
        ({"claim": "Hi", "count": 0}, "count"),
        ({"claim": "Hi", "count": 21}, "count"),
        ({"claim": "Hi", "count": -1}, "count"),
        ({"claim": "Hi", "count": True}, "count"),
        ({"claim": "Hi", "count": 3.0}, "count"),
        ({"claim": "Hi", "count": 3.5}, "count"),
        ({"claim": "Hi", "count": "3"}, "count"),
        ({"claim": "Hi", "count": 10**40}, "count"),
        ({"claim": "Hi", "formats": []}, "formats"),
        ({"claim": "Hi", "formats": "F1"}, "formats"),
        ({"claim": "Hi", "formats": ["F13"]}, "formats"),
        ({"claim": "Hi", "formats": [1]}, "formats"),
        ({"claim": "Hi", "formats": [None]}, "formats"),
        ({"claim": "Hi", "count": 1, "formats": ["F1", "F2"]}, "formats"),
        ({"claim": "Hi", "cta": ""}, "cta"),
        ({"claim": "Hi", "cta": "x" * 31}, "cta"),
        ({"claim": "Hi", "cta": "tab\there"}, "cta"),
        ({"claim": "Hi", "cta": 5}, "cta"),
        ({"claim": "Hi", "colour": "red"}, "colour"),
    ],
)
async def test_each_field_rule_is_a_400_naming_the_field(
    client: httpx.AsyncClient,
    alice: Caller,
    orchestrator: FakeOrchestrator,
    body: dict[str, Any],
    field: str,
):
    response = await client.post("/api/v1/generate", headers=alice.headers, json=body)

    problem_body = problem(response, 400, "invalid_request")
    assert field in fields(problem_body)
    assert all(error["message"] for error in problem_body["errors"])
    assert orchestrator.calls == []


async def test_reports_every_bad_field_at_once(client: httpx.AsyncClient, alice: Caller):
    body = {"claim": "", "count": 99, "extra": 1}

    response = await client.post("/api/v1/generate", headers=alice.headers, json=body)

    assert fields(problem(response, 400, "invalid_request")) == {"claim", "count", "extra"}


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"{'claim': 'Hi'}",
        b'{"claim": "Hi",}',
        b'{"claim": "Hi", "count": NaN}',
        b'{"claim": "Hi", "count": Infinity}',
        b'{"claim": "Hi", "count": -Infinity}',
        b'{"claim": "Hi", "count": 1e400}',
        b'{"claim": "Hi", "claim": "Ho"}',
        b'["claim", "Hi"]',
        b'"Hi"',
        b"null",
        b"3",
        b'{"claim": "\xff\xfe"}',
        b'{"claim": "\\ud800"}',
        b"[" * 8_000 + b"]" * 8_000,
        b'{"claim": "Hi"} trailing',
    ],
)
async def test_anything_but_one_strict_json_object_is_a_400(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator, raw: bytes
):
    headers = {**alice.headers, "Content-Type": "application/json"}

    response = await client.post("/api/v1/generate", headers=headers, content=raw)

    body = problem(response, 400, "invalid_request")
    assert body["errors"]
    assert orchestrator.calls == []


async def test_unknown_field_names_that_cannot_be_encoded_still_get_a_400(
    client: httpx.AsyncClient, alice: Caller
):
    headers = {**alice.headers, "Content-Type": "application/json"}

    response = await client.post(
        "/api/v1/generate", headers=headers, content=b'{"claim": "Hi", "\\udc80": 1}'
    )

    problem(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "caf\u00e9", "tab\there", "emoji\U0001f600"],
)
async def test_bad_idempotency_key_is_a_400(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator, key: str
):
    headers = [
        ("Authorization", alice.headers["Authorization"]),
        ("Idempotency-Key", key),
    ]
    encoded = [(name.encode(), value.encode("utf-8")) for name, value in headers]

    response = await client.post("/api/v1/generate", headers=encoded, json={"claim": "Hi"})

    assert "Idempotency-Key" in fields(problem(response, 400, "invalid_request"))
    assert orchestrator.calls == []


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"],
)
async def test_non_json_media_type_is_a_415(
    client: httpx.AsyncClient, alice: Caller, content_type: str | None
):
    request = client.build_request(
        "POST", "/api/v1/generate", headers=alice.headers, content=b'{"claim": "Hi"}'
    )
    if content_type is not None:
        request.headers["Content-Type"] = content_type
    assert request.headers.get("Content-Type") == content_type

    response = await client.send(request)

    problem(response, 415, "unsupported_media_type")


async def test_body_over_16_kib_is_a_413(client: httpx.AsyncClient, alice: Caller):
    body = json.dumps({"claim": "Hi", "cta": "x" * 17_000}).encode()

    response = await client.post(
        "/api/v1/generate",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=body,
    )

    problem(response, 413, "payload_too_large")


async def test_streamed_body_over_16_kib_is_a_413_even_without_content_length(
    client: httpx.AsyncClient, alice: Caller
):
    async def chunks():
        yield b'{"claim": "Hi", "cta": "'
        for _ in range(20):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post(
        "/api/v1/generate",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=chunks(),
    )

    problem(response, 413, "payload_too_large")


async def test_understated_content_length_cannot_smuggle_a_big_body(
    client: httpx.AsyncClient, alice: Caller
):
    request = client.build_request(
        "POST",
        "/api/v1/generate",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=b'{"claim": "' + b"x" * 20_000 + b'"}',
    )
    request.headers["Content-Length"] = "10"

    response = await client.send(request)

    problem(response, 413, "payload_too_large")


async def test_body_of_exactly_16_kib_is_read(client: httpx.AsyncClient, alice: Caller):
    padding = 16 * 1024 - len(b'{"claim": "Hi", "pad": ""}')
    raw = b'{"claim": "Hi", "pad": "' + b"x" * padding + b'"}'
    assert len(raw) == 16 * 1024

    response = await client.post(
        "/api/v1/generate",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=raw,
    )

    assert "pad" in fields(problem(response, 400, "invalid_request"))


@pytest.mark.parametrize("length", ["abc", "-1", "1.5"])
async def test_garbled_content_length_is_a_400(client: httpx.AsyncClient, alice: Caller, length):
    request = client.build_request(
        "POST",
        "/api/v1/generate",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=b'{"claim": "Hi"}',
    )
    request.headers["Content-Length"] = length

    response = await client.send(request)

    assert "Content-Length" in fields(problem(response, 400, "invalid_request"))
