"""The webhook activities with the real store, guard and sender, called as Temporal would,
against a real receiver."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.webhooks import WebhookActivities
from domain.jobs import ImageProduced, JobStatus, JobView
from domain.webhooks import WebhookDelivery, WebhookTargets, message_id
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.url_guard import UrlGuard, WebhookUrlPolicy
from infra.webhook_sender import WebhookSender
from infra.webhooks import WebhookStore
from tests.support.webhook_receiver import WebhookReceiver

LOCAL = WebhookUrlPolicy(allow_http=True, allowed_hosts=frozenset({"127.0.0.1"}))
VIEW = JobView(
    "0b9d5c9e-1f0a-4d4e-9a51-6a2f3f8f5c11",
    JobStatus.COMPLETED,
    1,
    produced=[ImageProduced(1, "F1", "acct/job/image_1.png")],
)


def job_body(view: JobView) -> dict[str, Any]:
    return {"jobId": view.job_id, "status": view.status.value, "images": len(view.produced)}


@pytest.fixture
def world(tmp_path: Path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    account = AccountService(engine).create_account("Acme")
    store = WebhookStore(engine)
    yield account.id, store, WebhookActivities(store, WebhookSender(UrlGuard(LOCAL)), job_body)
    engine.dispose()


def delivery_for(account_id: str, endpoint_id: str) -> WebhookDelivery:
    return WebhookDelivery(
        endpoint_id=endpoint_id,
        account_id=account_id,
        message_id=message_id(VIEW.job_id, "job.completed"),
        event_type="job.completed",
        timestamp="2026-11-30T12:00:00Z",
        view=VIEW,
    )


async def test_an_event_is_posted_signed_and_logged(world):
    account_id, store, activities = world
    with WebhookReceiver() as receiver:
        endpoint, secret = store.create(account_id, receiver.url, ["job.completed"], None)
        [target] = await ActivityEnvironment().run(
            activities.webhook_targets, WebhookTargets(account_id, "job.completed")
        )
        delivered = await ActivityEnvironment().run(
            activities.deliver_webhook, delivery_for(account_id, target)
        )
        [received] = await receiver.wait_for(1)

    assert target == endpoint.id and delivered is True
    assert Webhook(secret).verify(received.body, received.headers) == {
        "type": "job.completed",
        "timestamp": "2026-11-30T12:00:00Z",
        "data": job_body(VIEW),
    }
    [record] = store.deliveries(endpoint.id)
    assert (record.attempt, record.status_code, record.job_id) == (1, 200, VIEW.job_id)


async def test_a_refused_attempt_fails_for_a_retry_and_is_logged_with_its_number(world):
    account_id, store, activities = world
    env = ActivityEnvironment()
    env.info = replace(env.info, attempt=3)
    with WebhookReceiver([500]) as receiver:
        endpoint, _ = store.create(account_id, receiver.url, ["job.completed"], None)
        with pytest.raises(ApplicationError) as failure:
            await env.run(activities.deliver_webhook, delivery_for(account_id, endpoint.id))

    assert failure.value.type == "WebhookNotDelivered" and not failure.value.non_retryable
    [record] = store.deliveries(endpoint.id)
    assert (record.attempt, record.status_code, record.error) == (3, 500, "answered HTTP 500")


async def test_an_endpoint_deleted_before_a_retry_gets_nothing(world):
    account_id, store, activities = world
    with WebhookReceiver() as receiver:
        endpoint, _ = store.create(account_id, receiver.url, ["job.completed"], None)
        store.delete(account_id, endpoint.id)
        delivered = await ActivityEnvironment().run(
            activities.deliver_webhook, delivery_for(account_id, endpoint.id)
        )
        assert receiver.requests == []
    assert delivered is False
    assert store.deliveries(endpoint.id) == []
