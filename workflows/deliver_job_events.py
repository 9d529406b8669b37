"""DeliverJobEventsWorkflow: a finished job's event, delivered to each subscribed endpoint."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from domain.jobs import JobView
    from domain.webhooks import (
        DELIVER_WEBHOOK_ACTIVITY,
        WEBHOOK_TARGETS_ACTIVITY,
        JobEvent,
        WebhookDelivery,
        WebhookTargets,
        events_workflow_id,
        message_id,
    )

# GenerateCreativesWorkflow starts this workflow only behind this patch.
WEBHOOKS_PATCH = "webhooks"

# Receivers get at least 24 h to come back: delays grow 5 s, 15 s, 45 s ... up to an hour.
DELIVERY_WINDOW = timedelta(hours=25)
DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=3.0,
    maximum_interval=timedelta(hours=1),
)
# One attempt: the guard's DNS lookup (<= 5 s) plus the POST (<= 10 s).
DELIVERY_ATTEMPT_TIMEOUT = timedelta(seconds=30)
TARGETS_TIMEOUT = timedelta(seconds=30)
TARGETS_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)


@workflow.defn
class DeliverJobEventsWorkflow:
    """Sends one job's job.completed/partial/failed event to its account's endpoints; returns
    how many received it."""

    @workflow.run
    async def run(self, event: JobEvent) -> int:
        event_type = event.event_type.value
        timestamp = workflow.now().astimezone(UTC).isoformat().replace("+00:00", "Z")
        # A local activity: for the many accounts without endpoints, the whole workflow is one
        # workflow task, which keeps the cost every job now pays small.
        endpoint_ids: list[str] = await workflow.execute_local_activity(
            WEBHOOK_TARGETS_ACTIVITY,
            WebhookTargets(account_id=event.account_id, event_type=event_type),
            result_type=list[str],
            start_to_close_timeout=TARGETS_TIMEOUT,
            schedule_to_close_timeout=DELIVERY_WINDOW,
            retry_policy=TARGETS_RETRY,
            summary=f"endpoints subscribed to {event_type}",
        )
        deliveries = [
            WebhookDelivery(
                endpoint_id=endpoint_id,
                account_id=event.account_id,
                message_id=message_id(event.view.job_id, event_type),
                event_type=event_type,
                timestamp=timestamp,
                view=event.view,
            )
            for endpoint_id in endpoint_ids
        ]
        delivered = await asyncio.gather(*(self._deliver(d) for d in deliveries))
        return sum(delivered)

    async def _deliver(self, delivery: WebhookDelivery) -> bool:
        try:
            delivered: bool = await workflow.execute_activity(
                DELIVER_WEBHOOK_ACTIVITY,
                delivery,
                result_type=bool,
                start_to_close_timeout=DELIVERY_ATTEMPT_TIMEOUT,
                schedule_to_close_timeout=DELIVERY_WINDOW,
                retry_policy=DELIVERY_RETRY,
                summary=f"{delivery.event_type} to {delivery.endpoint_id}",
            )
        except ActivityError:
            # Every attempt of the window failed; the deliveries log shows each of them.
            workflow.logger.warning("gave up delivering to %s", delivery.endpoint_id)
            return False
        return delivered


async def announce_job_end(account_id: str, view: JobView) -> None:
    """Start the job's event delivery and return at once: the job never waits for receivers."""
    # A reset job ends twice: its event is already on its way.
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await workflow.start_child_workflow(
            DeliverJobEventsWorkflow.run,
            JobEvent(account_id=account_id, view=view),
            id=events_workflow_id(view.job_id),
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            static_summary=f"webhooks for job {view.job_id}",
        )
