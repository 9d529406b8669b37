"""Webhook activities: which endpoints want an event, and one signed delivery attempt."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.jobs import JobView
from domain.webhooks import (
    DELIVER_WEBHOOK_ACTIVITY,
    WEBHOOK_TARGETS_ACTIVITY,
    WebhookDelivery,
    WebhookTargets,
)
from infra.webhook_sender import WebhookSender
from infra.webhooks import WebhookStore

# Turns a job's final view into the GET /api/v1/jobs/{id} body (signed image URLs included).
JobBody = Callable[[JobView], dict[str, Any]]


class WebhookActivities:
    """Deliveries read endpoints and log attempts in `store`, and POST through `sender`."""

    def __init__(self, store: WebhookStore, sender: WebhookSender, job_body: JobBody) -> None:
        self._store = store
        self._sender = sender
        self._job_body = job_body

    @activity.defn(name=WEBHOOK_TARGETS_ACTIVITY)
    async def webhook_targets(self, targets: WebhookTargets) -> list[str]:
        """The account's endpoints that subscribe to the event."""
        return await asyncio.to_thread(
            self._store.subscribed, targets.account_id, targets.event_type
        )

    @activity.defn(name=DELIVER_WEBHOOK_ACTIVITY)
    async def deliver_webhook(self, delivery: WebhookDelivery) -> bool:
        """POST the event once; anything but a 2xx fails the attempt, so Temporal retries it.
        False: the endpoint was deleted meanwhile, and nothing is sent."""
        endpoint = await asyncio.to_thread(
            self._store.signing_endpoint, delivery.account_id, delivery.endpoint_id
        )
        if endpoint is None:
            return False  # deleted since: its pending retries stop here
        body = json.dumps(
            {
                "type": delivery.event_type,
                "timestamp": delivery.timestamp,
                "data": self._job_body(delivery.view),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        outcome = await self._sender.send(endpoint.url, endpoint.secrets, delivery.message_id, body)
        await asyncio.to_thread(
            self._store.record,
            endpoint.id,
            message_id=delivery.message_id,
            event_type=delivery.event_type,
            job_id=delivery.view.job_id,
            attempt=activity.info().attempt,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
        if not outcome.delivered:
            raise ApplicationError(outcome.error or "not delivered", type="WebhookNotDelivered")
        return True
