"""JobOrchestrator backed by Temporal: one GenerateCreativesWorkflow per job.

The workflow ID is derived from (account, Idempotency-Key), so Temporal itself rejects a
duplicate start atomically. IDs are never reused (REJECT_DUPLICATE), and a start that meets an
existing workflow (FAIL) is answered from that workflow: same body -> replay, else 422.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import OrderedDict
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.active_jobs import ActiveJobLimit
from api.job_list import JobLister
from api.last_known import view_from_ledger
from api.orchestrator import PinBrand, Submission
from api.temporal_calls import (
    RPC_TIMEOUT,
    WorkflowNotFound,
    cancel_was_requested,
    temporal_errors,
)
from domain.brand import JobPins
from domain.catalog import LANGUAGES, formats_for
from domain.errors import (
    IdempotencyKeyReused,
    InsufficientCredits,
    JobFinished,
    NotFound,
    ServiceUnavailable,
    TooManyActiveJobs,
)
from domain.jobs import (
    GenerateRequest,
    ImageSpec,
    JobInput,
    JobPage,
    JobStatus,
    JobView,
    ListPosition,
    job_workflow_id,
)
from infra.accounts import AccountService
from infra.job_registry import JobRegistry
from infra.ledger import CreditLedger
from infra.settings import Settings
from infra.temporal import connect_client
from workflows.generate_creatives import JOB_TASK_TIMEOUT, GenerateCreativesWorkflow
from workflows.search_attributes import ACCOUNT_ID, JOB_STATUS

JOB_KEY_NAMESPACE = uuid.UUID("6f1c3b0e-8d55-4d0a-9a43-0c2f6a7b5e11")
# A poll must answer fast even when no worker can answer a query.
QUERY_TIMEOUT = timedelta(seconds=2)
# The API passes TEMPORAL_CALL_TIMEOUT_SECONDS (0.8 s) as `call_timeout` for describe, count
# and start, so a frozen Temporal (SIGSTOP, a stuck disk) costs a POST that before its 503, not
# RPC_TIMEOUT; built without it (tools, tests) the orchestrator keeps RPC_TIMEOUT.
CLOSED_RESULTS_CACHED = 10_000


def job_id_for(account_id: str, idempotency_key: str | None) -> str:
    """Keyed jobs get a stable id per (account, key); others a random one."""
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(JOB_KEY_NAMESPACE, f"{account_id}\n{idempotency_key}"))


class TemporalJobOrchestrator:
    """Starts and reads jobs as Temporal workflows."""

    def __init__(
        self,
        client: Client,
        ledger: CreditLedger,
        task_queue: str,
        accounts: AccountService,
        call_timeout: timedelta = RPC_TIMEOUT,
    ) -> None:
        self._client = client
        self._ledger = ledger
        self._task_queue = task_queue
        self._call_timeout = call_timeout
        self._active_jobs = ActiveJobLimit(JobRegistry(ledger.engine), accounts)
        self._lister = JobLister(client, ledger)
        # Closed jobs never change: keep their (owner, view) to spare Temporal the reads.
        self._closed: OrderedDict[str, tuple[str | None, JobView]] = OrderedDict()

    async def submit(
        self,
        account_id: str,
        request: GenerateRequest,
        idempotency_key: str | None,
        pin: PinBrand | None = None,
    ) -> Submission:
        job_id = job_id_for(account_id, idempotency_key)
        if idempotency_key is not None:
            existing = await self._describe(job_id)
            if existing is not None:
                return await self._replay(account_id, job_id, request, existing)

        # After the replay check (a replay never counts against the plan), before the credits.
        try:
            async with temporal_errors():
                await self._active_jobs.check(account_id)
        except TooManyActiveJobs:
            # A request racing its own first start with the same key may find the job by now.
            existing = await self._describe(job_id) if idempotency_key is not None else None
            if existing is None:
                raise
            return await self._replay(account_id, job_id, request, existing)

        # After the replay check: a replayed job keeps what it pinned, even if since deleted.
        pins = await pin() if pin is not None else JobPins()
        available = await run_in_threadpool(self._ledger.available, account_id)
        if available < request.count:
            raise InsufficientCredits(
                f"this job needs {request.count} credits; {available} are available"
            )
        job = _job_input(job_id, account_id, request, pins)
        try:
            async with temporal_errors():
                await self._client.start_workflow(
                    GenerateCreativesWorkflow.run,
                    job,
                    id=job_workflow_id(job_id),
                    task_queue=self._task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                    # Its images run inside workflow tasks: short ones keep queries prompt.
                    task_timeout=JOB_TASK_TIMEOUT,
                    search_attributes=TypedSearchAttributes(
                        [
                            SearchAttributePair(ACCOUNT_ID, account_id),
                            SearchAttributePair(JOB_STATUS, JobStatus.QUEUED.value),
                        ]
                    ),
                    memo={
                        "requestHash": job.request_hash,
                        "formats": [image.format for image in job.images],
                        # The client's own key-value pairs, echoed on GET job and the list.
                        "metadata": request.metadata,
                        # What the job list shows without asking each workflow.
                        "claim": job.claim,
                        "language": job.language,
                        "requested": len(job.images),
                    },
                    static_summary=_summary(request),
                    static_details=_details(job),
                    rpc_timeout=self._call_timeout,
                )
        except WorkflowAlreadyStartedError:
            existing = await self._describe(job_id)
            if existing is None:  # started and already gone: only possible past retention
                raise ServiceUnavailable(
                    "the job could not be started; retry with the same key"
                ) from None
            return await self._replay(account_id, job_id, request, existing)
        await self._active_jobs.started(account_id, job_id)
        return Submission(JobView(job_id, JobStatus.QUEUED, request.count), replayed=False)

    async def get(self, account_id: str, job_id: str) -> JobView:
        cached = self._closed.get(job_id)
        if cached is not None:
            owner, view = cached
            if owner != account_id:
                raise NotFound("no such job")
            return view
        return await self._view(job_id, await self._owned(account_id, job_id))

    async def wait(self, account_id: str, job_id: str, seconds: float) -> JobView:
        if seconds <= 0 or job_id in self._closed:
            return await self.get(account_id, job_id)
        description = await self._owned(account_id, job_id)
        if description.status == WorkflowExecutionStatus.RUNNING:
            try:
                # One long poll on the workflow's close event, not a loop of queries.
                async with asyncio.timeout(seconds):
                    await self._handle(job_id, description).result()
            except TimeoutError:
                return await self._view(job_id, description)  # still running, as described
            except (WorkflowFailureError, RPCError):
                pass  # closed without a result: the new description says how
            description = await self._owned(account_id, job_id)
        return await self._view(job_id, description)

    async def cancel(self, account_id: str, job_id: str) -> JobView:
        description = await self._owned(account_id, job_id)
        handle = self._handle(job_id, description)
        if description.status == WorkflowExecutionStatus.RUNNING:
            try:
                async with temporal_errors():
                    await handle.cancel(rpc_timeout=RPC_TIMEOUT)
                return await self._view(job_id, description)
            except WorkflowNotFound:  # it closed a moment ago
                description = await self._owned(account_id, job_id)
        if not await cancel_was_requested(handle, description):
            raise JobFinished("the job already finished; there is nothing left to cancel")
        return await self._view(job_id, description)

    async def list_jobs(
        self, account_id: str, status: JobStatus | None, limit: int, after: ListPosition | None
    ) -> JobPage:
        async with temporal_errors():
            return await self._lister.page(account_id, status, limit, after)

    async def _owned(self, account_id: str, job_id: str) -> WorkflowExecutionDescription:
        description = await self._describe(job_id)
        if description is None or _owner(description) != account_id:
            raise NotFound("no such job")
        return description

    def _handle(
        self, job_id: str, description: WorkflowExecutionDescription
    ) -> WorkflowHandle[GenerateCreativesWorkflow, JobView]:
        return self._client.get_workflow_handle_for(
            GenerateCreativesWorkflow.run, job_workflow_id(job_id), run_id=description.run_id
        )

    async def _view(self, job_id: str, description: WorkflowExecutionDescription) -> JobView:
        view = await self._current_view(job_id, description)
        memo = await description.memo()
        view = dataclasses.replace(
            view,
            created_at=description.start_time,
            metadata=dict(memo.get("metadata") or {}),
            claim=str(memo.get("claim", "")),
            language=str(memo.get("language", "")),
        )
        if description.status == WorkflowExecutionStatus.COMPLETED:
            self._remember(job_id, _owner(description), view)
        return view

    async def _current_view(
        self, job_id: str, description: WorkflowExecutionDescription
    ) -> JobView:
        handle = self._handle(job_id, description)
        if description.status == WorkflowExecutionStatus.RUNNING:
            try:
                # rpc_timeout bounds each attempt, and the SDK retries some timed-out queries
                # (4-6 s with no worker): bound the whole call so a poll stays fast.
                async with asyncio.timeout(QUERY_TIMEOUT.total_seconds()):
                    running = await handle.query(
                        GenerateCreativesWorkflow.status, rpc_timeout=QUERY_TIMEOUT
                    )
            except (RPCError, WorkflowQueryFailedError, TimeoutError):
                return await self._last_known(job_id, description)
            return await self._queued_until_an_image_starts(running)
        if description.status == WorkflowExecutionStatus.COMPLETED:
            async with temporal_errors():
                view: JobView = await handle.result(rpc_timeout=RPC_TIMEOUT)
            return view
        return await self._last_known(job_id, description, ended=True)

    async def _queued_until_an_image_starts(self, view: JobView) -> JobView:
        """The workflow counts itself processing once it dispatches images, but an image has
        only started when its activity holds its credit: until the ledger shows one, queued."""
        if (
            view.status is JobStatus.PROCESSING
            and view.done == 0
            and not await run_in_threadpool(self._ledger.job_reservations, view.job_id)
        ):
            view.status = JobStatus.QUEUED
        return view

    async def _last_known(
        self, job_id: str, description: WorkflowExecutionDescription, ended: bool = False
    ) -> JobView:
        memo = await description.memo()
        reservations = await run_in_threadpool(self._ledger.job_reservations, job_id)
        return view_from_ledger(job_id, list(memo.get("formats", [])), reservations, ended=ended)

    async def _describe(self, job_id: str) -> WorkflowExecutionDescription | None:
        handle = self._client.get_workflow_handle(job_workflow_id(job_id))
        try:
            async with temporal_errors():
                return await handle.describe(rpc_timeout=self._call_timeout)
        except WorkflowNotFound:
            return None

    async def _replay(
        self,
        account_id: str,
        job_id: str,
        request: GenerateRequest,
        description: WorkflowExecutionDescription,
    ) -> Submission:
        if _owner(description) != account_id:
            raise NotFound("no such job")
        memo = await description.memo()
        if memo.get("requestHash") not in (request.fingerprint(), request.legacy_fingerprint()):
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request body"
            )
        return Submission(await self._view(job_id, description), replayed=True)

    def _remember(self, job_id: str, account_id: str | None, view: JobView) -> None:
        self._closed[job_id] = (account_id, view)
        while len(self._closed) > CLOSED_RESULTS_CACHED:
            self._closed.popitem(last=False)


def _owner(description: WorkflowExecutionDescription) -> str | None:
    return description.typed_search_attributes.get(ACCOUNT_ID)


def _job_input(
    job_id: str, account_id: str, request: GenerateRequest, pins: JobPins | None = None
) -> JobInput:
    pins = pins or JobPins()
    requested = request.formats or request.rotation
    formats = formats_for(request.count, list(requested) if requested else None)
    return JobInput(
        job_id=job_id,
        account_id=account_id,
        claim=request.claim,
        language=request.language,
        cta=request.cta or LANGUAGES[request.language].default_cta,
        images=[ImageSpec(index=i + 1, format=code) for i, code in enumerate(formats)],
        request_hash=request.fingerprint(),
        subline=request.subline,
        badge=request.badge,
        output=request.output,
        brand_kit=pins.brand_kit,
        product_image=pins.product_image,
    )


def _summary(request: GenerateRequest) -> str:
    claim = request.claim if len(request.claim) <= 80 else request.claim[:77] + "..."
    plural = "s" if request.count != 1 else ""
    return f"{request.count} image{plural} · {request.language} · “{claim}”"


def _details(job: JobInput) -> str:
    rows = "\n".join(f"| {image.index} | {image.format} |" for image in job.images)
    extras = "".join(
        f"**{label}:** {value}\n\n"
        for label, value in (("Subline", job.subline), ("Badge", job.badge), ("Output", job.output))
        if value
    )
    return (
        f"**Claim:** {job.claim}\n\n**CTA:** {job.cta}\n\n{extras}"
        f"| image | format |\n|---|---|\n{rows}"
    )


async def connect_orchestrator(
    settings: Settings, ledger: CreditLedger, accounts: AccountService
) -> TemporalJobOrchestrator:
    """Connect lazily, so the API starts (and answers 503) while Temporal is down."""
    client = await connect_client(settings, lazy=True)
    return TemporalJobOrchestrator(
        client,
        ledger,
        settings.temporal_task_queue,
        accounts,
        timedelta(seconds=settings.temporal_call_timeout_seconds),
    )
