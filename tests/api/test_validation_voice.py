"""One voice in validation messages: each names the field, says the rule and what is wrong with
the value, in the house wording, never the framework's ("Input should be ...")."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.catalog import formats_for
from domain.jobs import GenerateRequest
from tests.api.conftest import Caller
from tests.api.fakes import FakeOrchestrator
from tests.api.test_generate import problem

HISTORIES = Path(__file__).parents[1] / "histories"

# (body, field, the exact message a client reads)
CASES: list[tuple[dict[str, Any], str, str]] = [
    ({"claim": "x", "count": 0}, "count", "must be at least 1 (got 0)"),
    ({"claim": "x", "count": 21}, "count", "must be at most 20 (got 21)"),
    ({"claim": "x", "count": "3"}, "count", 'must be a whole number (got "3")'),
    ({"claim": "x", "count": 2.5}, "count", "must be a whole number (got 2.5)"),
    ({"claim": "x" * 201}, "claim", "must be at most 200 characters (got 201)"),
    ({"claim": "   "}, "claim", "must not be empty (got only whitespace)"),
    ({"claim": 5}, "claim", "must be a string (got 5)"),
    ({}, "claim", "is required"),
    ({"claim": "x", "formats": []}, "formats", "must have at least 1 item (got 0)"),
    ({"claim": "x", "formats": "F1"}, "formats", 'must be a list (got "F1")'),
    (
        {"claim": "x", "output": "gif"},
        "output",
        'must be one of "png", "jpeg" or "webp" (got "gif")',
    ),
    ({"claim": "x", "badge": "b" * 30}, "badge", "must be at most 24 characters (got 30)"),
    ({"claim": "x", "colour": "red"}, "colour", "is not a known field"),
    (
        {"claim": "x", "metadata": {"k": 1}},
        "metadata",
        'the value of "k": must be a string (got 1)',
    ),
    (
        {"claim": "x", "count": 1, "formats": ["F1", "F2"]},
        "formats",
        "must not list more codes than count (1; got 2)",
    ),
]


@pytest.mark.parametrize(("body", "field", "message"), CASES, ids=[c[2][:40] for c in CASES])
async def test_every_message_says_field_rule_and_problem_in_one_voice(
    client: httpx.AsyncClient,
    alice: Caller,
    orchestrator: FakeOrchestrator,
    body: dict[str, Any],
    field: str,
    message: str,
):
    response = await client.post("/api/v1/generate", headers=alice.headers, json=body)

    errors = problem(response, 400, "invalid_request")["errors"]
    assert {"field": field, "message": message} in errors, errors
    for error in errors:
        assert not error["message"].startswith(("Input should", "Value error", "Field required"))
    assert orchestrator.calls == []  # nothing started


def recorded_jobs() -> list[dict[str, Any]]:
    jobs = []
    for path in sorted(HISTORIES.glob("*.json")):
        started = json.loads(path.read_text())["events"][0]
        payload = started["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]
        job = json.loads(base64.b64decode(payload["data"]))
        if len(job.get("request_hash", "")) == 64:
            jobs.append(job)
    return jobs


@pytest.mark.parametrize("job", recorded_jobs(), ids=lambda job: job["job_id"][:8])
def test_spelling_out_default_formats_or_language_matches_jobs_recorded_before(
    job: dict[str, Any],
):
    """A retry of a recorded job that spells out what it left to the defaults replays it."""
    count = len(job["images"])
    spelled_out = GenerateRequest(
        job["claim"], "EN", count, formats=tuple(formats_for(count, None)), output="png"
    )
    assert job["language"] == "EN"
    assert spelled_out.fingerprint() == job["request_hash"]
    # Different formats are a different request.
    other = GenerateRequest(job["claim"], "EN", count, formats=("F12",))
    assert other.fingerprint() != job["request_hash"]


def test_jobs_started_with_spelled_out_formats_before_the_change_still_replay():
    """Their memo holds the hash of the formats as sent: the orchestrator accepts it too."""
    spelled_out = GenerateRequest("Fresh coffee", "EN", 2, formats=("F1", "F4"))
    plain = GenerateRequest("Fresh coffee", "EN", 2)

    assert spelled_out.fingerprint() == plain.fingerprint()
    assert spelled_out.legacy_fingerprint() != plain.fingerprint()  # what such a memo holds


@pytest.mark.parametrize(
    "spelled_out",
    [
        {"language": "EN"},
        {"language": "en"},
        {"formats": ["F1", "F4", "F10"]},
        {"formats": ["f1", "F4", "F10"], "language": "EN", "output": "png", "metadata": {}},
    ],
)
async def test_a_retry_spelling_out_defaults_replays_the_job(
    client: httpx.AsyncClient, alice: Caller, spelled_out: dict[str, Any]
):
    body = {"claim": "Best protein supplements", "count": 3}
    key = f"defaults-{json.dumps(spelled_out, sort_keys=True)}"
    headers = {**alice.headers, "Idempotency-Key": key}

    first = await client.post("/api/v1/generate", headers=headers, json=body)
    retried = await client.post("/api/v1/generate", headers=headers, json={**body, **spelled_out})

    assert first.status_code == 202, first.text
    assert retried.status_code == 202, retried.text
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json()["jobId"] == first.json()["jobId"]
