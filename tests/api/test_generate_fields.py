"""POST /api/v1/generate's optional subline, badge, output and metadata, and blank-text refusals."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.jobs import GenerateRequest
from domain.outputs import OUTPUT_FORMATS
from infra.storage import LocalImageStore
from tests.api.conftest import Caller
from tests.api.fakes import FakeOrchestrator
from tests.api.test_generate import fields, problem

HISTORIES = Path(__file__).parents[1] / "histories"
FULL_BODY = {
    "claim": "Best protein supplements",
    "count": 2,
    "subline": "  Free shipping on every order ",
    "badge": "-20%",
    "output": "jpeg",
    "metadata": {"campaign": "spring-sale", "orderId": "4711"},
}


async def post(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    headers = {**caller.headers, **({"Idempotency-Key": key} if key else {})}
    return await client.post("/api/v1/generate", headers=headers, json=body)


async def test_new_fields_reach_the_orchestrator_and_metadata_is_echoed(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    response = await post(client, alice, FULL_BODY)

    assert response.status_code == 202, response.text
    assert response.json()["metadata"] == {"campaign": "spring-sale", "orderId": "4711"}
    [call] = orchestrator.calls
    assert call.request == GenerateRequest(
        "Best protein supplements",
        count=2,
        subline="Free shipping on every order",
        badge="-20%",
        output="jpeg",
        metadata={"campaign": "spring-sale", "orderId": "4711"},
    )


async def test_without_the_new_fields_the_defaults_apply_and_metadata_echoes_empty(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    response = await post(client, alice, {"claim": "Best protein supplements"})

    assert response.status_code == 202
    assert response.json()["metadata"] == {}
    request = orchestrator.calls[0].request
    assert (request.subline, request.badge, request.output, request.metadata) == (
        None,
        None,
        "png",
        {},
    )


@pytest.mark.parametrize("output", ["png", "jpeg", "webp"])
async def test_every_output_is_accepted(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator, output: str
):
    response = await post(client, alice, {"claim": "Hi", "output": output})

    assert response.status_code == 202, response.text
    assert orchestrator.calls[0].request.output == output


async def test_the_limits_themselves_are_accepted(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    metadata = {f"{i:02d}".ljust(40, "k"): "v" * 500 for i in range(20)}
    body = {"claim": "Hi", "subline": "s" * 120, "badge": "b" * 24, "metadata": metadata}

    response = await post(client, alice, body)

    assert response.status_code == 202, response.text
    assert response.json()["metadata"] == metadata


async def test_spelling_out_the_defaults_replays_the_same_job(
    client: httpx.AsyncClient, alice: Caller
):
    first = await post(client, alice, {"claim": "Hi"}, key="defaults-1")
    spelled_out = {"claim": "Hi", "output": "png", "metadata": {}}
    again = await post(client, alice, spelled_out, key="defaults-1")

    assert again.status_code == 202, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["jobId"] == first.json()["jobId"]


@pytest.mark.parametrize(
    "change",
    [
        {"subline": "Other subline"},
        {"badge": "New"},
        {"output": "webp"},
        {"metadata": {"campaign": "autumn"}},
        {"metadata": {"campaign": "spring-sale"}},
    ],
    ids=["subline", "badge", "output", "metadata-value", "metadata-key-dropped"],
)
async def test_the_same_key_with_any_new_field_changed_is_refused(
    client: httpx.AsyncClient, alice: Caller, change: dict[str, Any]
):
    key = f"changed-{json.dumps(change, sort_keys=True)}"
    first = await post(client, alice, FULL_BODY, key=key)
    reused = await post(client, alice, {**FULL_BODY, **change}, key=key)

    assert first.status_code == 202
    problem(reused, 422, "idempotency_key_reused")


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
def test_jobs_started_before_the_new_fields_still_match_their_request(job: dict[str, Any]):
    """A client retrying a pre-upgrade request with its key must get a replay, not a 422."""
    plain = GenerateRequest(job["claim"], job["language"], len(job["images"]))
    spelled_out = GenerateRequest(
        job["claim"], job["language"], len(job["images"]), output="png", metadata={}
    )

    assert plain.fingerprint() == job["request_hash"]
    assert spelled_out.fingerprint() == job["request_hash"]


@pytest.mark.parametrize("field", ["claim", "subline", "badge", "cta"])
@pytest.mark.parametrize(
    "text",
    ["\u200b\u200b", "\u0301\u0302", "\u200d\u2060\ufeff", "\U0001f600\U0001f680", "\u3164"],
    ids=["zero-width-spaces", "combining-marks", "joiners", "emoji", "hangul-filler"],
)
async def test_text_with_nothing_to_draw_is_refused_naming_its_field(
    client: httpx.AsyncClient,
    alice: Caller,
    orchestrator: FakeOrchestrator,
    field: str,
    text: str,
):
    body = {"claim": "Best protein supplements", field: text}

    response = await post(client, alice, body)

    assert fields(problem(response, 400, "invalid_request")) == {field}
    assert orchestrator.calls == []


@pytest.mark.parametrize(
    ("language", "text"),
    [("EN", "e\u0301"), ("EN", "-20%"), ("AR", "جديد"), ("JA", "新着"), ("EN", "\U0001f600 New")],
)
async def test_text_with_something_to_draw_is_accepted(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator, language, text
):
    response = await post(client, alice, {"claim": text, "badge": text, "language": language})

    assert response.status_code == 202, response.text
    assert orchestrator.calls[0].request.badge == text


async def test_every_blank_field_is_named_at_once(client: httpx.AsyncClient, alice: Caller):
    body = {"claim": "\u200b", "subline": "\u200b", "badge": "\U0001f600", "cta": "\u0301"}

    response = await post(client, alice, body)

    assert fields(problem(response, 400, "invalid_request")) == {"claim", "subline", "badge", "cta"}


async def test_openapi_documents_the_new_fields_with_their_limits(client: httpx.AsyncClient):
    schema = (await client.get("/openapi.json")).json()
    body = schema["paths"]["/api/v1/generate"]["post"]["requestBody"]["content"]
    body_schema = body["application/json"]["schema"]
    if "$ref" in body_schema:  # a named schema, as generated clients like it
        body_schema = schema["components"]["schemas"][body_schema["$ref"].rsplit("/", 1)[1]]
    properties = body_schema["properties"]

    assert properties["subline"]["maxLength"] == 120
    assert properties["badge"]["maxLength"] == 24
    assert properties["output"]["anyOf"][0]["enum"] == ["png", "jpeg", "webp"]
    assert properties["output"]["anyOf"][0]["enum"] == list(OUTPUT_FORMATS)  # one source
    metadata = properties["metadata"]["anyOf"][0]
    assert metadata["maxProperties"] == 20
    assert metadata["propertyNames"]["maxLength"] == 40
    assert metadata["additionalProperties"] == {"type": "string", "maxLength": 500}
    files = schema["paths"]["/files/{key}"]["get"]["responses"]["200"]["content"]
    assert set(files) == {"image/png", "image/jpeg", "image/webp"}


@pytest.mark.parametrize(
    ("extension", "media_type"),
    [("png", "image/png"), ("jpg", "image/jpeg"), ("webp", "image/webp")],
)
async def test_signed_file_urls_serve_each_output_with_its_content_type(
    client: httpx.AsyncClient, store: LocalImageStore, extension: str, media_type: str
):
    key = f"acct_files/0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f90/image_1.{extension}"
    store.put(key, b"image bytes", media_type)

    response = await client.get(store.url(key, "http://testserver"))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == media_type
    assert response.content == b"image bytes"
