"""JobOrchestrator backed by Temporal: one GenerateCreativesWorkflow per job.

A job's workflow ID is derived from (account, job id), and a keyed job's id from (account,
Idempotency-Key), so Temporal itself rejects a duplicate start atomically. IDs are never reused
(REJECT_DUPLICATE); a job is started first, and only a start that meets an existing workflow
(FAIL) describes it: same body -> replay, else 422. Reading jobs is api/job_reader.py's.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.active_jobs import ActiveJobLimit
from api.job_list import JobLister
from api.job_reader import FoundJob, JobReader
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


def job_id_for(account_id: str, idempotency_key: str | None) -> str:
    """Keyed jobs get a stable id per (account, key); others a random one."""
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(JOB_KEY_NAMESPACE, f"{account_id}\n{idempotency_key}"))


class TemporalJobOrchestrator:
    """Starts jobs as Temporal workflows; reading them is the JobReader's."""

    def __init__(
        self,
        client: Client,
        ledger: CreditLedger,
        task_queue: str,
        accounts: AccountService,
        call_timeout: timedelta = RPC_TIMEOUT,
        *,
        legacy_ids: bool = True,
    ) -> None:
        # The API passes TEMPORAL_CALL_TIMEOUT_SECONDS (0.8 s) as `call_timeout` for describe,
        # count and start, so a frozen Temporal (SIGSTOP, a stuck disk) costs a POST that before
        # its 503, not RPC_TIMEOUT; built without it (tools, tests) it keeps RPC_TIMEOUT.
        # `legacy_ids`: also find jobs under the ID they had before it named the account.
        self._client = client
        self._ledger = ledger
        self._task_queue = task_queue
        self._call_timeout = call_timeout
        self._registry = registry = JobRegistry(ledger.engine)
        self._active_jobs = ActiveJobLimit(registry, accounts)
        self._lister = JobLister(client, ledger)
        self._reader = JobReader(
            client, ledger, call_timeout, legacy_ids=legacy_ids, registry=registry
        )
        self._background: set[asyncio.Task[None]] = set()

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the response: on SQLite the registry's write queues behind the
        workers' ledger writes (a POST's p99 went from 0.36 to 1.0 s waiting for it), and the
        job is started either way (readers find it through its workflow until the row is in)."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def submit(
        self,
        account_id: str,
        request: GenerateRequest,
        idempotency_key: str | None,
        pin: PinBrand | None = None,
    ) -> Submission:
        job_id = job_id_for(account_id, idempotency_key)
        try:
            if idempotency_key is not None:
                # A key first used before IDs named the account lives on under the old ID.
                legacy = await self._reader.find_legacy(account_id, job_id)
                if legacy is not None:
                    return await self._replay(account_id, request, legacy)
            job = await self._admit(account_id, job_id, request, pin)
        except (TooManyActiveJobs, InsufficientCredits, NotFound):
            # A replay is never refused: not by the plan, nor for the credits its job holds
            # now, nor for a brand asset deleted since it was pinned. Only then look for it.
            existing = await self._reader.find(account_id, job_id) if idempotency_key else None
            if existing is None:
                raise
            return await self._replay(account_id, request, existing)
        try:
            async with temporal_errors():
                await self._start(job, request)
        except WorkflowAlreadyStartedError:
            existing = await self._reader.find(account_id, job_id)
            if existing is None:  # started and already gone: only possible past retention
                raise ServiceUnavailable(
                    "the job could not be started; retry with the same key"
                ) from None
            return await self._replay(account_id, request, existing)
        self._in_background(self._active_jobs.started(account_id, job_id))
        return Submission(JobView(job_id, JobStatus.QUEUED, request.count), replayed=False)

    async def get(self, account_id: str, job_id: str) -> JobView:
        return await self._reader.read(account_id, job_id)

    async def wait(self, account_id: str, job_id: str, seconds: float) -> JobView:
        return await self._reader.wait(account_id, job_id, seconds)

    async def cancel(self, account_id: str, job_id: str) -> JobView:
        found = await self._found(account_id, job_id)
        if found.description.status == WorkflowExecutionStatus.RUNNING:
            # At once, in the ledger: the workflow hears of the cancel only after its images
            # running as local activities end their workflow task.
            await run_in_threadpool(self._registry.cancel_requested, job_id)
            try:
                async with temporal_errors():
                    await found.handle.cancel(rpc_timeout=RPC_TIMEOUT)
                return await self._reader.view_of(account_id, found)
            except WorkflowNotFound:  # it closed a moment ago
                found = await self._found(account_id, job_id)
        if not await cancel_was_requested(found.handle, found.description):
            raise JobFinished("the job already finished; there is nothing left to cancel")
        return await self._reader.view_of(account_id, found)

    async def list_jobs(
        self, account_id: str, status: JobStatus | None, limit: int, after: ListPosition | None
    ) -> JobPage:
        async with temporal_errors():
            return await self._lister.page(account_id, status, limit, after)

    async def _found(self, account_id: str, job_id: str) -> FoundJob:
        found = await self._reader.find(account_id, job_id)
        if found is None:
            raise NotFound("no such job")
        return found

    async def _admit(
        self, account_id: str, job_id: str, request: GenerateRequest, pin: PinBrand | None
    ) -> JobInput:
        """The job's input once the plan has a free slot, its brand is pinned and the account
        has the credits; raises TooManyActiveJobs, NotFound, InsufficientCredits."""
        async with temporal_errors():
            await self._active_jobs.check(account_id)
        pins = await pin() if pin is not None else JobPins()
        available = await run_in_threadpool(self._ledger.available, account_id)
        if available < request.count:
            raise InsufficientCredits(
                f"this job needs {request.count} credits; {available} are available"
            )
        return _job_input(job_id, account_id, request, pins)

    async def _start(self, job: JobInput, request: GenerateRequest) -> None:
        await self._client.start_workflow(
            GenerateCreativesWorkflow.run,
            job,
            id=job_workflow_id(job.account_id, job.job_id),
            task_queue=self._task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            # Its images run inside workflow tasks: short ones keep queries prompt.
            task_timeout=JOB_TASK_TIMEOUT,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(ACCOUNT_ID, job.account_id),
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

    async def _replay(
        self, account_id: str, request: GenerateRequest, existing: FoundJob
    ) -> Submission:
        memo = await existing.description.memo()
        if memo.get("requestHash") not in (request.fingerprint(), request.legacy_fingerprint()):
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request body"
            )
        return Submission(await self._reader.view_of(account_id, existing), replayed=True)


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
        legacy_ids=settings.temporal_legacy_job_ids,
    )
