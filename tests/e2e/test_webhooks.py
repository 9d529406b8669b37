"""Webhooks on the real stack: a receiver started here gets each job's event from the worker,
signed so the standardwebhooks library verifies it; retries, rotation and deletion as users see
them. The stack allows http to 127.0.0.1 (WEBHOOK_ALLOW_HTTP / WEBHOOK_ALLOWED_HOSTS), as a
development deployment may."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.webhooks import events_workflow_id
from tests.e2e.checks import account_job_ids
from tests.support.stack import Stack, bearer, wait_for_terminal
from tests.support.webhook_receiver import Received, WebhookReceiver

ENDPOINTS = "/api/v1/webhook-endpoints"
RFC_3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


@pytest.fixture(scope="module")
def hooks_stack(temporal_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {"WEBHOOK_ALLOW_HTTP": "true", "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}
    with Stack(temporal_address, tmp_path_factory.mktemp("hooks"), extra_env=env) as running:
        yield running


@pytest.fixture
async def api(hooks_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    hooks_stack.assert_running()
    async with httpx.AsyncClient(base_url=hooks_stack.base_url, timeout=30) as client:
        yield client


async def register(api: httpx.AsyncClient, key: str, url: str) -> dict[str, Any]:
    created = await api.post(ENDPOINTS, json={"url": url}, headers=bearer(key))
    assert created.status_code == 201, created.text
    return dict(created.json())


async def run_job(api: httpx.AsyncClient, key: str, count: int = 1) -> dict[str, Any]:
    accepted = await api.post(
        "/api/v1/generate",
        json={"claim": "Best protein supplements", "count": count},
        headers=bearer(key),
    )
    assert accepted.status_code == 202, accepted.text
    return await wait_for_terminal(api, accepted.json()["jobId"], bearer(key))


async def deliveries(api: httpx.AsyncClient, key: str, endpoint_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"{ENDPOINTS}/{endpoint_id}/deliveries", headers=bearer(key))
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def without_query(url: str) -> str:
    return urlsplit(url)._replace(query="").geturl()


def verified(secret: str, received: Received) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return payload


async def test_a_finished_job_posts_its_event_signed_with_the_job_as_get_shows_it(
    hooks_stack: Stack, api: httpx.AsyncClient, temporal_client: Client
):
    account_id, key = hooks_stack.create_account(credits=5)
    with WebhookReceiver() as receiver:
        endpoint = await register(api, key, receiver.url)
        job = await run_job(api, key, count=2)
        [received] = await receiver.wait_for(1)
        events = temporal_client.get_workflow_handle(events_workflow_id(job["jobId"]))
        assert await events.result() == 1

    event = verified(endpoint["secret"], received)
    assert event["type"] == "job.completed"
    assert RFC_3339_UTC.fullmatch(event["timestamp"]), event["timestamp"]
    data = event["data"]
    # Image URLs are signed per request; compare them without their signature, then use them.
    assert {**data, "result": {**data["result"], "images": None}} == {
        **job,
        "result": {**job["result"], "images": None},
    }
    assert [without_query(u) for u in data["result"]["images"]] == [
        without_query(u) for u in job["result"]["images"]
    ]
    async with httpx.AsyncClient() as anonymous:
        image = await anonymous.get(data["result"]["images"][0])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert received.headers["webhook-id"].startswith("msg_")
    assert abs(int(received.headers["webhook-timestamp"]) - datetime.now().timestamp()) < 300
    [attempt] = await deliveries(api, key, endpoint["id"])
    assert attempt["jobId"] == job["jobId"] and attempt["event"] == "job.completed"
    assert (attempt["attempt"], attempt["statusCode"], attempt["error"]) == (1, 200, None)
    assert attempt["webhookId"] == received.headers["webhook-id"]
    # Delivery runs in its own workflow, which operators' account queries do not list as a job.
    assert await account_job_ids(temporal_client, account_id) == {job["jobId"]}


async def test_a_failing_receiver_is_retried_with_the_same_id_and_the_log_shows_both(
    hooks_stack: Stack, api: httpx.AsyncClient
):
    _, key = hooks_stack.create_account(credits=5)
    with WebhookReceiver(statuses=[500]) as receiver:
        endpoint = await register(api, key, receiver.url)
        job = await run_job(api, key)
        first, second = await receiver.wait_for(2)

    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert verified(endpoint["secret"], first) == verified(endpoint["secret"], second)
    log = await deliveries(api, key, endpoint["id"])
    assert [(d["attempt"], d["statusCode"]) for d in log] == [(2, 200), (1, 500)]
    assert log[1]["error"] == "answered HTTP 500"
    assert {d["jobId"] for d in log} == {job["jobId"]}


async def test_after_a_rotation_events_verify_with_the_new_and_the_old_secret(
    hooks_stack: Stack, api: httpx.AsyncClient
):
    _, key = hooks_stack.create_account(credits=5)
    with WebhookReceiver() as receiver:
        endpoint = await register(api, key, receiver.url)
        rotated = await api.post(f"{ENDPOINTS}/{endpoint['id']}/rotate-secret", headers=bearer(key))
        assert rotated.status_code == 200, rotated.text
        await run_job(api, key)
        [received] = await receiver.wait_for(1)

    assert len(received.headers["webhook-signature"].split(" ")) == 2
    assert verified(rotated.json()["secret"], received) == verified(endpoint["secret"], received)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(received.body, received.headers)


async def test_deleting_an_endpoint_stops_its_retries_and_its_future_events(
    hooks_stack: Stack, api: httpx.AsyncClient, temporal_client: Client
):
    _, key = hooks_stack.create_account(credits=5)
    with WebhookReceiver(default_status=503) as receiver:
        endpoint = await register(api, key, receiver.url)
        job = await run_job(api, key)
        await receiver.wait_for(1)

        deleted = await api.delete(f"{ENDPOINTS}/{endpoint['id']}", headers=bearer(key))
        assert deleted.status_code == 204
        # The pending retry runs, finds the endpoint gone and ends the delivery unsent.
        events = temporal_client.get_workflow_handle(events_workflow_id(job["jobId"]))
        assert await events.result() == 0
        # An account without endpoints: its next job starts no event delivery at all.
        later = await run_job(api, key)
        events = temporal_client.get_workflow_handle(events_workflow_id(later["jobId"]))
        with pytest.raises(RPCError) as missing:
            await events.describe()
        assert missing.value.status is RPCStatusCode.NOT_FOUND

        assert len(receiver.requests) == 1
    assert (await api.get(ENDPOINTS, headers=bearer(key))).json() == {"data": []}


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hooks",
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hooks",
        "https://localhost/hooks",
        "https://user:secret@example.com/hooks",
    ],
)
async def test_a_deployment_without_allowances_refuses_unsafe_urls_and_stores_nothing(
    stack: Stack, http: httpx.AsyncClient, url: str
):
    _, key = stack.create_account(credits=0)

    refused = await http.post(ENDPOINTS, json={"url": url}, headers=bearer(key))

    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "invalid_request"
    assert refused.json()["errors"][0]["field"] == "url"
    assert (await http.get(ENDPOINTS, headers=bearer(key))).json() == {"data": []}
