"""Record one real GenerateCreativesWorkflow history per job scenario into tests/histories/.

    .venv/bin/python scripts/record_histories.py [OUT_DIR]    (default: tests/histories)
    .venv/bin/python scripts/record_histories.py --reconcile-credits [OUT_DIR]
        only ReconcileCreditsWorkflow's, into OUT_DIR/reconcile_credits/

Runs offline: a local Temporal dev server from our virtualenv, the real worker and the real image
activities (SQLite ledger, local image store, Pillow renderer) in a temporary folder. Scenarios
that need failures inject a failing renderer through ImageActivities' constructor. Jobs are
started by TemporalJobOrchestrator.submit, exactly as the API starts them. Every outcome is
checked before its history is written, so a wrong recording never reaches the replay tests.

It records whatever workflow code it imports. Histories stand for jobs already running, so
record from the deployed commit, not from a working copy with unfinished workflow edits:
    git archive HEAD | tar -x -C /tmp/head && cd /tmp/head &&
    PYTHONPATH=. /path/to/.venv/bin/python scripts/record_histories.py
Never replace a committed history just because it stopped replaying: that failure is the point.
Each scenario's file is named after the workflow path it records (VERSION_PREFIX), so recording
the next version adds histories next to the ones of running jobs instead of replacing them.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.images import ImageActivities, Renderer
from activities.reconcile import CreditReconciliation
from api.temporal_orchestrator import TemporalJobOrchestrator
from domain.jobs import GenerateRequest, ImageSpec, JobInput, JobStatus, JobView, job_workflow_id
from domain.webhooks import WebhookDelivery, WebhookTargets
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.ledger import CreditLedger, CreditSummary
from infra.signing import UrlSigner
from infra.storage import LocalImageStore
from infra.temporal import DATA_CONVERTER
from rendering import CreativeSpec, render_png
from worker.main import build_worker
from workflows.generate_creatives import GenerateCreativesWorkflow
from workflows.reconcile_credits import ReconcileCreditsWorkflow
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parent.parent
HISTORIES = ROOT / "tests" / "histories"
CLAIM = "Best protein supplements"
# The workflow path the current code takes (its newest patch): scenario files are named
# `{VERSION_PREFIX}_{scenario}.json`. Histories of older paths keep their names.
VERSION_PREFIX = "local_images"
WAIT_SECONDS = 60

# Acts on a running job (e.g. cancels it); gets the job's handle and the scenario.
Action = Callable[[WorkflowHandle, "Scenario"], Awaitable[None]]


@dataclass
class Scenario:
    name: str
    count: int
    render: Renderer
    status: JobStatus
    failure_codes: dict[int, str] = field(default_factory=dict)
    credits_consumed: int = 0
    action: Action | None = None
    # The account has a webhook endpoint: the job ends by starting its event workflow.
    webhook_endpoint: bool = False

    @property
    def file_name(self) -> str:
        return f"{VERSION_PREFIX}_{self.name}.json"


def image_index(spec: CreativeSpec) -> int:
    """The image's 1-based index; ImageActivities seeds each image with `job_id:index`."""
    return int(spec.variant_seed.rsplit(":", 1)[1])


def invalid_creative() -> ApplicationError:
    return ApplicationError("cannot render this claim", type="InvalidCreative", non_retryable=True)


def failing_image(index: int) -> Renderer:
    """Renders every image but `index`, which fails for good."""

    def render(spec: CreativeSpec) -> bytes:
        if image_index(spec) == index:
            raise invalid_creative()
        return render_png(spec)

    return render


def failing_first_attempt(index: int) -> Renderer:
    """Image `index` fails once (a retryable error), then renders on the retry."""

    def render(spec: CreativeSpec) -> bytes:
        if image_index(spec) == index and activity.info().attempt == 1:
            raise ApplicationError("renderer hiccup", type="RenderHiccup")
        return render_png(spec)

    return render


def failing_every_image(spec: CreativeSpec) -> bytes:
    raise invalid_creative()


class HeldImages:
    """Renders every image, but those in `indexes` wait until `release` is set."""

    def __init__(self, indexes: set[int]) -> None:
        self.indexes = indexes
        self.release = threading.Event()
        self._started: set[int] = set()
        self._all_started = threading.Event()
        self.cancel_seen = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, spec: CreativeSpec) -> bytes:
        index = image_index(spec)
        if index in self.indexes:
            with self._lock:
                self._started.add(index)
                if self._started == self.indexes:
                    self._all_started.set()
            deadline = time.monotonic() + WAIT_SECONDS
            while not self.release.wait(0.01) and time.monotonic() < deadline:
                if activity.is_cancelled():  # the workflow has turned the cancel into theirs
                    self.cancel_seen.set()
        return render_png(spec)

    def wait_until_all_started(self) -> bool:
        return self._all_started.wait(WAIT_SECONDS)


async def cancel_while_rendering(handle: WorkflowHandle, scenario: Scenario) -> None:
    """Cancel once every held image is rendering (the rest wait for a slot), then let them go:
    they finish, are charged and delivered; the waiting ones never start."""
    held = scenario.render
    assert isinstance(held, HeldImages)
    if not await asyncio.to_thread(held.wait_until_all_started):
        raise RuntimeError("the held images never started")
    await handle.cancel()
    # Local activities hear of the cancel when the workflow does, at its next workflow task.
    if not await asyncio.to_thread(held.cancel_seen.wait, WAIT_SECONDS):
        raise RuntimeError("the cancel never reached the held images")
    held.release.set()


def scenarios() -> list[Scenario]:
    return [
        Scenario("completed", 3, render_png, JobStatus.COMPLETED, credits_consumed=3),
        Scenario(
            "partial",
            3,
            failing_image(2),
            JobStatus.PARTIAL,
            failure_codes={2: "invalid_creative"},
            credits_consumed=2,
        ),
        Scenario("retried", 2, failing_first_attempt(1), JobStatus.COMPLETED, credits_consumed=2),
        Scenario(
            "failed_compensated",
            2,
            failing_every_image,
            JobStatus.FAILED,
            failure_codes={1: "invalid_creative", 2: "invalid_creative"},
        ),
        Scenario(
            "canceled_in_flight",
            6,
            HeldImages({1, 2, 3, 4}),
            JobStatus.PARTIAL,
            failure_codes={5: "canceled", 6: "canceled"},
            credits_consumed=4,
            action=cancel_while_rendering,
        ),
        Scenario(
            "webhook_completed",
            1,
            render_png,
            JobStatus.COMPLETED,
            credits_consumed=1,
            webhook_endpoint=True,
        ),
    ]


class NoReceivers:
    """Webhook activities for an account whose endpoint subscribes to no job event."""

    @activity.defn(name="webhook_targets")
    async def webhook_targets(self, targets: WebhookTargets) -> list[str]:
        return []

    @activity.defn(name="deliver_webhook")
    async def deliver_webhook(self, delivery: WebhookDelivery) -> bool:
        return False


class Recorder:
    """Runs each scenario on a real worker with its own renderer and writes its history."""

    def __init__(self, client: Client, scratch: Path, out_dir: Path) -> None:
        self.client = client
        self.out_dir = out_dir
        engine = create_db_engine(f"sqlite:///{scratch / 'ledger.db'}")
        migrate(engine)
        self.ledger = CreditLedger(engine)
        self.accounts = AccountService(engine)
        self.store = LocalImageStore(scratch / "images", UrlSigner(b"record-histories", 3600))

    async def record(self, scenario: Scenario) -> Path:
        account = self.accounts.create_account(f"replay {scenario.name}")
        granted = self.ledger.grant(account.id, scenario.count, reason="record histories")
        task_queue = f"record-{scenario.name}-{uuid.uuid4().hex[:8]}"
        activities = ImageActivities(self.ledger, self.store, scenario.render)
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="image") as executor:
            worker = build_worker(
                self.client,
                activities,
                task_queue=task_queue,
                executor=executor,
                max_concurrent_activities=4,
                # Without webhook activities, the worker counts no account as having endpoints.
                webhooks=NoReceivers() if scenario.webhook_endpoint else None,
            )
            async with worker:
                orchestrator = TemporalJobOrchestrator(
                    self.client, self.ledger, task_queue, self.accounts
                )
                request = GenerateRequest(claim=CLAIM, count=scenario.count)
                submission = await orchestrator.submit(
                    account.id, request, idempotency_key=f"replay-{scenario.name}"
                )
                handle = self.client.get_workflow_handle(
                    job_workflow_id(account.id, submission.view.job_id), result_type=JobView
                )
                if scenario.action is not None:
                    await scenario.action(handle, scenario)
                view: JobView = await handle.result()
        check_outcome(scenario, view, granted, self.ledger.summary(account.id))
        history = await handle.fetch_history()
        started_events = any(
            event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
            for event in history.events
        )
        if started_events != scenario.webhook_endpoint:
            raise RuntimeError(
                f"scenario {scenario.name}: event workflow started: {started_events}"
            )
        path = self.out_dir / scenario.file_name
        path.write_text(history.to_json() + "\n")
        return path


def check_outcome(
    scenario: Scenario, view: JobView, granted: CreditSummary, credits: CreditSummary
) -> None:
    """Refuse to save a history whose job did not end as the scenario says."""
    codes = {failure.index: failure.code for failure in view.failures}
    problems = []
    if view.status is not scenario.status:
        problems.append(f"status {view.status}, expected {scenario.status}")
    if codes != scenario.failure_codes:
        problems.append(f"failures {codes}, expected {scenario.failure_codes}")
    if credits.consumed != scenario.credits_consumed or credits.held != 0:
        problems.append(f"credits {credits}, expected {scenario.credits_consumed} consumed")
    if credits.available != granted.available - scenario.credits_consumed:
        problems.append(f"credits {credits}: the failed images' credits were not returned")
    if problems:
        raise RuntimeError(f"scenario {scenario.name}: " + "; ".join(problems))


async def record_reconcile_credits(client: Client, scratch: Path, out_dir: Path) -> Path:
    """One sweep that returns the credit a terminated job left held."""
    recorder = Recorder(client, scratch, out_dir)
    account = recorder.accounts.create_account("replay reconcile")
    recorder.ledger.grant(account.id, 1, reason="record histories")
    task_queue = f"record-reconcile-{uuid.uuid4().hex[:8]}"
    job_id = str(uuid.uuid4())
    stuck = await client.start_workflow(
        GenerateCreativesWorkflow.run,
        JobInput(job_id, account.id, CLAIM, "EN", "Shop now", [ImageSpec(1, "F1")], ""),
        id=job_workflow_id(account.id, job_id),
        task_queue=f"{task_queue}-nobody-polls",
    )
    recorder.ledger.reserve(job_id=job_id, account_id=account.id, index=1)
    await stuck.terminate("record histories")
    activities = ImageActivities(recorder.ledger, recorder.store, render_png)
    with ThreadPoolExecutor(max_workers=2) as executor:
        worker = build_worker(
            client,
            activities,
            task_queue=task_queue,
            executor=executor,
            max_concurrent_activities=2,
            reconciliation=CreditReconciliation(client, recorder.ledger),
        )
        async with worker:
            sweep = await client.start_workflow(
                ReconcileCreditsWorkflow.run,
                0,
                id=f"reconcile-{uuid.uuid4()}",
                task_queue=task_queue,
            )
            if await sweep.result() != 1 or recorder.ledger.summary(account.id).held != 0:
                raise RuntimeError("the sweep did not return the terminated job's credit")
    path = out_dir / "reconcile_credits" / "swept.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((await sweep.fetch_history()).to_json() + "\n")
    return path


async def record_all(out_dir: Path, reconcile_only: bool = False) -> list[Path]:
    temporal = Path(sys.executable).parent / "temporal"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal),
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=DATA_CONVERTER,
        dev_server_log_level="error",
    )
    async with env:
        with tempfile.TemporaryDirectory(prefix="record-histories-") as scratch:
            if reconcile_only:
                return [await record_reconcile_credits(env.client, Path(scratch), out_dir)]
            recorder = Recorder(env.client, Path(scratch), out_dir)
            return [await recorder.record(scenario) for scenario in scenarios()]


def main() -> int:
    # The scenarios fail images on purpose; the SDK's warning per failed attempt is noise here.
    logging.getLogger("temporalio").setLevel(logging.ERROR)
    args = sys.argv[1:]
    reconcile_only = "--reconcile-credits" in args
    paths = [arg for arg in args if arg != "--reconcile-credits"]
    out_dir = Path(paths[0]).resolve() if paths else HISTORIES
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(record_all(out_dir, reconcile_only)):
        print(f"recorded {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
