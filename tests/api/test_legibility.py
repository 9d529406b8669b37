"""A claim a requested format cannot set legibly is refused; the default rotation skips it."""

from __future__ import annotations

import httpx

from domain.catalog import DEFAULT_ROTATION
from rendering.legibility import max_claim_chars
from tests.api.conftest import Caller
from tests.api.fakes import FakeOrchestrator
from tests.api.test_generate import problem

LONG_CLAIM = ("Our new plant protein blend gives runners lighter recovery, better taste and "
              "honest ingredients in every single scoop, now with free shipping on every first "
              "order placed this month")  # fmt: skip


async def test_a_claim_too_long_for_a_requested_format_is_a_400_naming_it_and_its_limit(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    body = {"claim": LONG_CLAIM, "count": 2, "formats": ["F1", "F11"]}

    response = await client.post("/api/v1/generate", headers=alice.headers, json=body)

    refusal = problem(response, 400, "invalid_request")
    assert "F11" in refusal["detail"] and "F1," not in refusal["detail"]
    [error] = refusal["errors"]
    assert error["field"] == "formats"
    assert "F11" in error["message"] and str(max_claim_chars("F11")) in error["message"]
    assert orchestrator.calls == []  # nothing started, nothing charged


async def test_without_formats_a_long_claim_skips_the_formats_it_cannot_fill(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    claim = (LONG_CLAIM + " " + LONG_CLAIM)[:200].strip()

    response = await client.post("/api/v1/generate", headers=alice.headers,
                                 json={"claim": claim, "count": 12})  # fmt: skip

    assert response.status_code == 202, response.text
    rotation = orchestrator.calls[0].request.rotation
    assert rotation is not None
    assert "F11" not in rotation and "F1" in rotation and "F3" in rotation
    assert list(rotation) == [code for code in DEFAULT_ROTATION if code in rotation]


async def test_a_short_claim_keeps_the_whole_default_rotation(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    body = {"claim": "Sale", "count": 12, "formats": ["F11"]}

    response = await client.post("/api/v1/generate", headers=alice.headers, json=body)

    assert response.status_code == 202
    assert orchestrator.calls[0].request.rotation is None


def test_the_job_takes_its_formats_from_the_legible_rotation() -> None:
    from api.temporal_orchestrator import _job_input
    from domain.jobs import GenerateRequest

    request = GenerateRequest(LONG_CLAIM, "EN", 4, None, None, rotation=("F1", "F3"))
    images = _job_input("job", "acct", request).images
    assert [image.format for image in images] == ["F1", "F3", "F1", "F3"]
    plain = _job_input("job", "acct", GenerateRequest("Sale", "EN", 3)).images
    assert [image.format for image in plain] == list(DEFAULT_ROTATION[:3])
