"""Build and run the worker that executes GenerateCreativesWorkflow and its image activities."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import RPCError
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.jobs import JobActivities
from activities.reconcile import CreditReconciliation
from activities.webhooks import WebhookActivities
from domain.contract import PRODUCE_IMAGE, RELEASE_CREDIT
from domain.jobs import JobView
from infra.db import create_db_engine
from infra.ledger import CreditLedger
from infra.settings import Settings
from infra.temporal import connect_client
from infra.url_guard import UrlGuard
from infra.webhook_sender import WebhookSender
from infra.webhooks import WebhookStore
from worker.metrics import (
    LogContextInterceptor,
    RenderMetrics,
    install_metrics_runtime,
    instrument_renderer,
)
from worker.schedules import ensure_reconcile_schedule
from workflows.deliver_job_events import DeliverJobEventsWorkflow
from workflows.generate_creatives import GenerateCreativesWorkflow
from workflows.reconcile_credits import ReconcileCreditsWorkflow

log = logging.getLogger(__name__)

# Our shared domain module is standard-library only: load it once, outside the sandbox.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("domain")
)


def no_job_registry(job_id: str) -> None:
    """For workers without a database (benchmarks, fakes): a job's end is recorded nowhere."""


def build_worker(
    client: Client,
    activities: object,
    *,
    task_queue: str,
    executor: ThreadPoolExecutor,
    max_concurrent_activities: int,
    reconciliation: CreditReconciliation | None = None,
    webhooks: object | None = None,
    jobs: JobActivities | None = None,
) -> Worker:
    """A worker for our workflows, the image activities of `activities`, the job's end (`jobs`)
    and, given them, the credit reconciliation that the reconcile schedule's workflow runs and
    webhook deliveries.

    Without `jobs`, a job's end marks nothing and counts the account as having a webhook
    endpoint exactly when the worker has webhook activities to deliver with."""
    if jobs is None:
        deliverable = webhooks is not None
        jobs = JobActivities(no_job_registry, lambda account_id: deliverable)
    sweeps = [reconciliation.release] if reconciliation is not None else []
    deliveries: list[Callable[..., Any]] = (
        [getattr(webhooks, "webhook_targets"), getattr(webhooks, "deliver_webhook")]  # noqa: B009
        if webhooks is not None
        else []
    )
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[GenerateCreativesWorkflow, ReconcileCreditsWorkflow, DeliverJobEventsWorkflow],
        activities=[
            # Fakes register the same names: the contract is the name, not the class.
            getattr(activities, PRODUCE_IMAGE),
            getattr(activities, RELEASE_CREDIT),
            jobs.finish_job,
            *sweeps,
            *deliveries,
        ],
        activity_executor=executor,
        max_concurrent_activities=max_concurrent_activities,
        # Images run as local activities on the same threads: as many at once as regular ones.
        max_concurrent_local_activities=max_concurrent_activities,
        workflow_runner=WORKFLOW_RUNNER,
        interceptors=[LogContextInterceptor()],
        # On SIGTERM, running activities get this long before they are told to cancel. Images
        # are local activities that ignore a cancel once begun (activities/images.py): they are
        # never cut off, and the worker exits once the job tasks it holds are done, including
        # the images those jobs start after the SIGTERM (tests/deploy/test_many_workers.py).
        graceful_shutdown_timeout=timedelta(seconds=20),
    )


def build_image_activities(settings: Settings, ledger: CreditLedger) -> object:
    """The real activities: database ledger, configured image store, Pillow renderer."""
    from activities.images import ImageActivities
    from infra.image_stores import build_image_store
    from rendering import check_fonts, render_image

    check_fonts()
    # Counted on the process's Temporal runtime, so they share the SDK's metrics endpoint.
    render = instrument_renderer(render_image, RenderMetrics(Runtime.default().metric_meter))
    return ImageActivities(ledger, build_image_store(settings), render)


def build_job_activities(engine: Engine) -> JobActivities:
    """The job's end: the job registry (the plan limit's count) and live endpoints."""
    from infra.job_registry import JobRegistry

    store = WebhookStore(engine)
    return JobActivities(
        JobRegistry(engine).ended, lambda account_id: bool(store.list_endpoints(account_id))
    )


def build_webhook_activities(settings: Settings, engine: Engine) -> WebhookActivities:
    """Deliveries with the real store, guard and sender; event bodies as the API shows jobs."""
    from api.schemas import job_detail  # the response models only, not the FastAPI routes
    from infra.image_stores import build_image_store

    store = build_image_store(settings)
    base_url = settings.public_base_url or f"http://{settings.api_host}:{settings.api_port}"

    def job_body(view: JobView) -> dict[str, Any]:
        detail = job_detail(view, lambda key: store.url(key, base_url))
        return detail.model_dump(mode="json")

    sender = WebhookSender(UrlGuard(settings.webhook_url_policy))
    return WebhookActivities(WebhookStore(engine), sender, job_body)


async def schedule_reconciliation(client: Client, settings: Settings) -> None:
    """Keep the reconcile schedule as configured; a failure here must not stop image work."""
    if settings.reconcile_every_minutes == 0:
        return
    try:
        await ensure_reconcile_schedule(
            client,
            task_queue=settings.temporal_task_queue,
            every=timedelta(minutes=settings.reconcile_every_minutes),
            older_than=timedelta(minutes=settings.reconcile_older_than_minutes),
        )
    except RPCError as error:
        log.warning("could not create or update the reconcile-credits schedule: %s", error)


async def _connect_when_reachable(settings: Settings, stop: asyncio.Event) -> Client | None:
    """Wait for Temporal, however long it takes to come up; None if stopped meanwhile."""
    delay = 1.0
    while not stop.is_set():
        try:
            return await connect_client(settings)
        except RuntimeError as error:  # the SDK's "Failed client connect"
            log.warning(
                "Temporal at %s is unreachable (%s); retrying in %.0f s",
                settings.temporal_address,
                error,
                delay,
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, 30.0)
    return None


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set, then shut down gracefully."""
    install_metrics_runtime(settings)
    client = await _connect_when_reachable(settings, stop)
    if client is None:
        return
    engine = create_db_engine(settings.resolved_database_url)
    ledger = CreditLedger(engine)
    activities = build_image_activities(settings, ledger)
    await schedule_reconciliation(client, settings)
    # One thread per activity slot: an image renders on the thread its activity runs on.
    threads = settings.worker_max_concurrent_activities
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="image") as executor:
        worker = build_worker(
            client,
            activities,
            task_queue=settings.temporal_task_queue,
            executor=executor,
            max_concurrent_activities=settings.worker_max_concurrent_activities,
            reconciliation=CreditReconciliation(client, ledger),
            webhooks=build_webhook_activities(settings, engine),
            jobs=build_job_activities(engine),
        )
        async with worker:
            log.info("worker polling task queue %s", settings.temporal_task_queue)
            await stop.wait()
            log.info("worker shutting down; in-flight images finish first")
