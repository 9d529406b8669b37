"""Webhook endpoints and their delivery log on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy

from infra.accounts import AccountInfo
from infra.webhooks import WebhookStore

ALL = ["job.completed", "job.partial", "job.failed"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_an_endpoint_is_visible_to_its_account_only(
    engine: sqlalchemy.Engine, funded_account: Callable[..., AccountInfo]
):
    alice, bob = funded_account(name="Alice"), funded_account(name="Bob")
    store = WebhookStore(engine)

    endpoint, secret = store.create(alice.id, "https://a.example.com/h", ALL, "orders")

    assert endpoint.id.startswith("we_") and len(endpoint.id) == 27
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert [e.id for e in store.list_endpoints(alice.id)] == [endpoint.id]
    assert store.list_endpoints(bob.id) == []
    assert store.get(bob.id, endpoint.id) is None
    assert store.delete(bob.id, endpoint.id) is False
    assert store.rotate(bob.id, endpoint.id) is None
    assert store.signing_endpoint(bob.id, endpoint.id) is None
    assert store.get(alice.id, endpoint.id) == endpoint


def test_only_subscribed_live_endpoints_receive_an_event(
    engine: sqlalchemy.Engine, funded_account: Callable[..., AccountInfo]
):
    account = funded_account()
    store = WebhookStore(engine)
    everything, _ = store.create(account.id, "https://a.example.com/h", ALL, None)
    failures, _ = store.create(account.id, "https://b.example.com/h", ["job.failed"], None)
    gone, _ = store.create(account.id, "https://c.example.com/h", ALL, None)
    store.delete(account.id, gone.id)

    assert store.subscribed(account.id, "job.completed") == [everything.id]
    assert sorted(store.subscribed(account.id, "job.failed")) == sorted(
        [everything.id, failures.id]
    )
    assert store.signing_endpoint(account.id, gone.id) is None
    assert [e.id for e in store.list_endpoints(account.id)] == [everything.id, failures.id]


def test_a_rotated_secret_signs_beside_the_new_one_for_24_hours(
    engine: sqlalchemy.Engine, funded_account: Callable[..., AccountInfo]
):
    account = funded_account()
    clock = Clock()
    store = WebhookStore(engine, clock)
    endpoint, first = store.create(account.id, "https://a.example.com/h", ALL, None)

    rotated = store.rotate(account.id, endpoint.id)
    assert rotated is not None
    info, second = rotated

    assert second != first
    assert info.previous_secret_expires_at == clock.now + timedelta(hours=24)
    signing = store.signing_endpoint(account.id, endpoint.id)
    assert signing is not None and signing.secrets == (second, first)
    clock.now += timedelta(hours=24, seconds=1)
    signing = store.signing_endpoint(account.id, endpoint.id)
    assert signing is not None and signing.secrets == (second,)


def test_deliveries_are_listed_newest_first(
    engine: sqlalchemy.Engine, funded_account: Callable[..., AccountInfo]
):
    account = funded_account()
    store = WebhookStore(engine)
    endpoint, _ = store.create(account.id, "https://a.example.com/h", ALL, None)
    for attempt, status in ((1, 500), (2, None), (3, 200)):
        store.record(
            endpoint.id,
            message_id="msg_1_completed",
            event_type="job.completed",
            job_id="job-1",
            attempt=attempt,
            status_code=status,
            error=None if status == 200 else "x" * 1000,
            duration_ms=12,
        )

    records = store.deliveries(endpoint.id)

    assert [(r.attempt, r.status_code) for r in records] == [(3, 200), (2, None), (1, 500)]
    assert records[1].error == "x" * 300
