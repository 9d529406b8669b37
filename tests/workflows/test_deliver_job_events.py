"""Job events from Temporal: the job starts DeliverJobEventsWorkflow and never waits for it;
each endpoint's delivery is retried with growing delays for at least 24 hours."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from activities.jobs import JobActivities
from domain.jobs import ImageSpec, JobInput, JobStatus, JobView
from domain.webhooks import WebhookDelivery, WebhookTargets, events_workflow_id
from tests.workflows.fakes import FakeImageActivities
from worker.main import build_worker
from workflows.generate_creatives import GenerateCreativesWorkflow


class FakeWebhookActivities:
    """Stand-ins under the real names: endpoints as given; receivers failing `failures` times."""

    def __init__(self, endpoints: list[str], failures: dict[str, int | None]) -> None:
        self.endpoints = endpoints
        self.failures = failures  # None: never accepts
        self.attempts: Counter[str] = Counter()
        self.deliveries: list[WebhookDelivery] = []
        self.targets_asked: list[WebhookTargets] = []
        self.attempted = asyncio.Event()

    @activity.defn(name="webhook_targets")
    async def webhook_targets(self, targets: WebhookTargets) -> list[str]:
        self.targets_asked.append(targets)
        return self.endpoints

    @activity.defn(name="deliver_webhook")
    async def deliver_webhook(self, delivery: WebhookDelivery) -> bool:
        self.attempts[delivery.endpoint_id] += 1
        self.attempted.set()
        self.deliveries.append(delivery)
        allowed = self.failures.get(delivery.endpoint_id, 0)
        if allowed is None or self.attempts[delivery.endpoint_id] <= allowed:
            raise ApplicationError("answered HTTP 500", type="WebhookNotDelivered")
        return True


def job_of(count: int, account_id: str = "acct_hooks") -> JobInput:
    return JobInput(
        job_id=str(uuid.uuid4()),
        account_id=account_id,
        claim="Best protein supplements",
        language="EN",
        cta="Shop now",
        images=[ImageSpec(index, "F1") for index in range(1, count + 1)],
    )


async def events_result(client: Client, job: JobInput) -> int:
    """The delivery workflow's result: how many endpoints got the event."""
    delivered: int = await client.get_workflow_handle(events_workflow_id(job.job_id)).result()
    return delivered


async def run_job(
    client: Client,
    job: JobInput,
    webhooks: FakeWebhookActivities,
    images: FakeImageActivities,
) -> tuple[JobView, int]:
    """The job's result, and the delivery workflow's: how many endpoints got the event."""
    task_queue = f"hooks-{uuid.uuid4()}"
    with ThreadPoolExecutor(4) as executor:
        async with build_worker(
            client,
            images,
            task_queue=task_queue,
            executor=executor,
            max_concurrent_activities=4,
            webhooks=webhooks,
        ):
            view: JobView = await client.execute_workflow(
                GenerateCreativesWorkflow.run, job, id=f"job-{job.job_id}", task_queue=task_queue
            )
            delivered = await events_result(client, job)
    return view, delivered


async def test_a_finished_job_sends_its_event_with_its_result_to_every_endpoint(
    dev_server_env: WorkflowEnvironment,
):
    webhooks = FakeWebhookActivities(["we_a", "we_b"], failures={"we_b": 1})
    job = job_of(2)

    view, delivered = await run_job(dev_server_env.client, job, webhooks, FakeImageActivities())

    assert view.status is JobStatus.COMPLETED
    assert delivered == 2
    assert webhooks.targets_asked == [WebhookTargets("acct_hooks", "job.completed")]
    assert webhooks.attempts == Counter({"we_a": 1, "we_b": 2})
    message_ids = {delivery.message_id for delivery in webhooks.deliveries}
    assert len(message_ids) == 1, "the webhook-id must stay the same across retries"
    assert {d.view.job_id for d in webhooks.deliveries} == {job.job_id}
    # The event shows the job as GET job does: with when it started and its metadata.
    assert all(d.view.created_at is not None for d in webhooks.deliveries)
    assert all(
        d.view == dataclasses.replace(view, created_at=d.view.created_at)
        for d in webhooks.deliveries
    )


async def test_a_failed_job_sends_job_failed(dev_server_env: WorkflowEnvironment):
    webhooks = FakeWebhookActivities(["we_a"], failures={})
    always_failing = FakeImageActivities(
        plan=lambda task, attempt: ApplicationError(
            "cannot render", type="InvalidCreative", non_retryable=True
        )
    )

    view, delivered = await run_job(dev_server_env.client, job_of(1), webhooks, always_failing)

    assert view.status is JobStatus.FAILED
    assert delivered == 1
    assert [d.event_type for d in webhooks.deliveries] == ["job.failed"]


async def test_the_job_ends_without_waiting_and_a_dead_receiver_gets_a_day_of_retries(
    dev_server_env: WorkflowEnvironment,
):
    client = dev_server_env.client
    webhooks = FakeWebhookActivities(["we_dead"], failures={"we_dead": None})
    job = job_of(1)
    task_queue = f"hooks-{uuid.uuid4()}"
    with ThreadPoolExecutor(4) as executor:
        async with build_worker(
            client,
            FakeImageActivities(),
            task_queue=task_queue,
            executor=executor,
            max_concurrent_activities=4,
            webhooks=webhooks,
        ):
            view = await client.execute_workflow(
                GenerateCreativesWorkflow.run, job, id=f"job-{job.job_id}", task_queue=task_queue
            )
            events = client.get_workflow_handle(events_workflow_id(job.job_id))
            await webhooks.attempted.wait()
            described = await events.describe()
            history = await events.fetch_history()
            await events.terminate("test over")

    assert view.status is JobStatus.COMPLETED
    assert described.status is WorkflowExecutionStatus.RUNNING, "delivery should still retry"
    [scheduled] = [
        event.activity_task_scheduled_event_attributes
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and event.activity_task_scheduled_event_attributes.activity_type.name == "deliver_webhook"
    ]
    retry = scheduled.retry_policy
    assert scheduled.schedule_to_close_timeout.ToTimedelta() >= timedelta(hours=24)
    assert retry.maximum_attempts == 0, "attempts must be bounded by time, not by a count"
    assert retry.backoff_coefficient > 1
    assert retry.initial_interval.ToTimedelta() <= timedelta(seconds=10)
    assert retry.maximum_interval.ToTimedelta() <= timedelta(hours=1)
    assert scheduled.start_to_close_timeout.ToTimedelta() >= timedelta(seconds=10)


async def test_only_a_job_of_an_account_with_an_endpoint_starts_its_event_workflow(
    dev_server_env: WorkflowEnvironment,
):
    client = dev_server_env.client
    webhooks = FakeWebhookActivities(["we_a"], failures={})
    ended: list[str] = []
    # The job registry and the endpoint store, as the worker's finish_job sees them.
    jobs = JobActivities(ended.append, lambda account_id: account_id == "acct_hooks")
    quiet, heard = job_of(1, account_id="acct_quiet"), job_of(1, account_id="acct_hooks")
    task_queue = f"hooks-{uuid.uuid4()}"
    with ThreadPoolExecutor(4) as executor:
        async with build_worker(
            client,
            FakeImageActivities(),
            task_queue=task_queue,
            executor=executor,
            max_concurrent_activities=4,
            webhooks=webhooks,
            jobs=jobs,
        ):
            for job in (quiet, heard):
                view = await client.execute_workflow(
                    GenerateCreativesWorkflow.run,
                    job,
                    id=f"job-{job.job_id}",
                    task_queue=task_queue,
                )
                assert view.status is JobStatus.COMPLETED
            delivered = await events_result(client, heard)
            quiet_history = await client.get_workflow_handle(f"job-{quiet.job_id}").fetch_history()

    assert delivered == 1
    assert [d.view.job_id for d in webhooks.deliveries] == [heard.job_id]
    assert webhooks.targets_asked == [WebhookTargets("acct_hooks", "job.completed")]
    assert not any(
        event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
        for event in quiet_history.events
    )
    with pytest.raises(RPCError) as missing:
        await client.get_workflow_handle(events_workflow_id(quiet.job_id)).describe()
    assert missing.value.status is RPCStatusCode.NOT_FOUND
    assert ended == [quiet.job_id, heard.job_id], "each job is marked ended in the registry"
