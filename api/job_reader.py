"""JobReader: the one owner of how a job's view is read, whichever state its workflow is in.

A job lives in the workflow `job_workflow_id(account, job)`, so reading addresses the owner's
workflow directly: another account's job id names a workflow that does not exist, and both
take the same path (and time) to the same NotFound. Per read, in order:

- a closed job's view, kept in a bounded in-process cache (closed jobs never change);
- a job the registry shows running (started by this account, its last step not yet run): what
  the ledger proves, image by image, with the job's facts (formats, createdAt, metadata) read
  once from its workflow. No query: images run as local activities inside one workflow task,
  and a query waits for that task to end (up to the whole job), so a poll would hang;
- otherwise ONE describe: running (its registry row not written yet), the same ledger view;
  closed, the result (never a query on a closed workflow: it would replay its whole history);
- a closed job that left no result (terminated, timed out): the ledger's view, ended.

Jobs under the old ID (they run regular activities) are read by ONE `status` query that
Temporal rejects without asking a worker once they have closed (NOT_OPEN); a running one no
worker answers within QUERY_TIMEOUT gets the ledger's last known view.

A running job's view says which images are stored and charged and which gave their credit back;
each failure's own reason, and failures that never held a credit, come with the workflow's
result when the job closes, a moment after its last image.

Jobs started before the account was part of the ID live under `legacy_job_workflow_id`; they
are looked up only when the new ID is not found, and shown only to the account in their
AccountId search attribute. Views from workflows that predate the complete view (no
created_at) get created_at, metadata, claim and language from a describe of the memo.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.concurrency import run_in_threadpool
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)
from temporalio.common import QueryRejectCondition
from temporalio.service import RPCError, RPCStatusCode

from api.last_known import view_from_ledger
from api.temporal_calls import RPC_TIMEOUT, WorkflowNotFound, temporal_errors
from domain.errors import NotFound, ServiceUnavailable
from domain.jobs import (
    JobStatus,
    JobView,
    job_id_of_workflow,
    job_workflow_id,
    legacy_job_workflow_id,
)
from infra.job_registry import JobRegistry
from infra.ledger import CreditLedger, Reservation, ReservationState
from workflows.generate_creatives import GenerateCreativesWorkflow
from workflows.search_attributes import ACCOUNT_ID

# A poll must answer fast even when no worker can answer a query.
QUERY_TIMEOUT = timedelta(seconds=2)
# Clients poll a job until it closes and maybe once more: the recently closed are what is asked
# for. At 10,000 (~2 KiB each) the cache was still filling after 10 minutes of a soak.
CLOSED_RESULTS_CACHED = 1_000
# Facts of running jobs (a few hundred bytes each): more than run at once.
RUNNING_FACTS_CACHED = 1_000
# A job whose registry row no worker ends (older workers, a terminated workflow) still shows
# closed within this long: its running view asks the workflow again at most this often.
RECHECK_SECONDS = 2.0

JobHandle = WorkflowHandle[GenerateCreativesWorkflow, JobView]


@dataclass(frozen=True)
class JobFacts:
    """What a job's view takes from its workflow and never changes: read once per job."""

    formats: list[str]
    created_at: datetime
    metadata: dict[str, str]
    claim: str
    language: str

    def shown_on(self, view: JobView) -> JobView:
        return dataclasses.replace(
            view,
            created_at=self.created_at,
            metadata=self.metadata,
            claim=self.claim,
            language=self.language,
        )


async def _facts_of(description: WorkflowExecutionDescription) -> JobFacts:
    memo = await description.memo()
    return JobFacts(
        formats=list(memo.get("formats", [])),
        created_at=description.start_time,
        metadata=dict(memo.get("metadata") or {}),
        claim=str(memo.get("claim", "")),
        language=str(memo.get("language", "")),
    )


@dataclass(frozen=True)
class FoundJob:
    """A job's workflow, described: what a replay and a cancel need to decide."""

    handle: JobHandle
    description: WorkflowExecutionDescription


class JobReader:
    """Reads an account's job: its view now, or once it ends; NotFound for anyone else."""

    def __init__(
        self,
        client: Client,
        ledger: CreditLedger,
        call_timeout: timedelta = RPC_TIMEOUT,
        *,
        legacy_ids: bool = True,
        query_timeout: timedelta = QUERY_TIMEOUT,
        registry: JobRegistry | None = None,
    ) -> None:
        self._client = client
        self._ledger = ledger
        self._registry = registry
        self._call_timeout = call_timeout
        self._query_timeout = query_timeout
        self._legacy_ids = legacy_ids
        # Closed jobs never change: keep their views to spare Temporal the reads.
        self._closed: OrderedDict[tuple[str, str], JobView] = OrderedDict()
        self._facts: OrderedDict[tuple[str, str], JobFacts] = OrderedDict()
        self._checked: dict[tuple[str, str], float] = {}  # when each was last described

    async def read(self, account_id: str, job_id: str) -> JobView:
        """The job's view now. Raises NotFound for unknown ids and other accounts' jobs."""
        cached = self._closed.get((account_id, job_id))
        if cached is not None:
            return cached
        if await self._registered_running(account_id, job_id):
            running = await self._running(account_id, job_id)
            if running is not None:
                return running
        found = await self.find(account_id, job_id)
        if found is None:
            raise NotFound("no such job")
        return await self.view_of(account_id, found)

    async def wait(self, account_id: str, job_id: str, seconds: float) -> JobView:
        """The job once it ends, or after `seconds` as it stands then. Raises NotFound."""
        if seconds <= 0 or (account_id, job_id) in self._closed:
            return await self.read(account_id, job_id)
        handle = self.handle(account_id, job_id)
        try:
            # One long poll on the workflow's close event: no describe, no query meanwhile.
            async with asyncio.timeout(seconds), temporal_errors():
                view = await handle.result()
        except WorkflowNotFound:
            legacy = await self._legacy(account_id, job_id)
            return await self._wait_legacy(account_id, legacy, seconds)
        except (TimeoutError, WorkflowFailureError):
            return await self.read(account_id, job_id)  # still running, or ended without a result
        return await self._closed_with(account_id, handle, view)

    async def find(self, account_id: str, job_id: str) -> FoundJob | None:
        """The account's job described (for a replay or a cancel); None if it has none."""
        handle = self.handle(account_id, job_id)
        description = await self._describe(handle)
        if description is not None:
            return FoundJob(handle, description)
        return await self.find_legacy(account_id, job_id)

    async def find_legacy(self, account_id: str, job_id: str) -> FoundJob | None:
        """The account's job under the ID it had before IDs named the account, if any."""
        if not self._legacy_ids:
            return None
        handle = self._client.get_workflow_handle_for(
            GenerateCreativesWorkflow.run, legacy_job_workflow_id(job_id)
        )
        description = await self._describe(handle)
        if description is None or description.typed_search_attributes.get(ACCOUNT_ID) != account_id:
            return None
        return FoundJob(handle, description)

    async def view_of(self, account_id: str, found: FoundJob) -> JobView:
        """The view of a job already found (so without describing it again)."""
        job_id = job_id_of_workflow(found.handle.id)
        if found.handle.id == legacy_job_workflow_id(job_id):
            return await self._read(account_id, found.handle, found.description)
        return await self._from_description(account_id, job_id, found.handle, found.description)

    def handle(self, account_id: str, job_id: str) -> JobHandle:
        return self._client.get_workflow_handle_for(
            GenerateCreativesWorkflow.run, job_workflow_id(account_id, job_id)
        )

    async def _legacy(self, account_id: str, job_id: str) -> FoundJob:
        found = await self.find_legacy(account_id, job_id)
        if found is None:
            raise NotFound("no such job")
        return found

    async def _wait_legacy(self, account_id: str, found: FoundJob, seconds: float) -> JobView:
        if found.description.status == WorkflowExecutionStatus.RUNNING:
            try:
                async with asyncio.timeout(seconds), temporal_errors():
                    await found.handle.result()
            except (TimeoutError, WorkflowFailureError, WorkflowNotFound):
                pass
        return await self._read(account_id, found.handle)

    async def _registered_running(self, account_id: str, job_id: str) -> bool:
        if self._registry is None:
            return False
        return await run_in_threadpool(self._registry.is_running, account_id, job_id)

    async def _from_description(
        self,
        account_id: str,
        job_id: str,
        handle: JobHandle,
        description: WorkflowExecutionDescription,
    ) -> JobView:
        """A job the registry does not show running (its row not written yet, or ended): what
        its description says, without a query that would wait for a busy workflow task."""
        if description.status == WorkflowExecutionStatus.RUNNING:
            running = await self._running(account_id, job_id, description)
            assert running is not None
            return running
        return await self._closed_job(account_id, handle, description.status, description)

    async def _closed_job(
        self,
        account_id: str,
        handle: JobHandle,
        status: WorkflowExecutionStatus | None,
        description: WorkflowExecutionDescription | None = None,
    ) -> JobView:
        """A closed job: its result (then cached), or the ledger's view if it left none."""
        if status != WorkflowExecutionStatus.COMPLETED:
            return await self._last_known(handle, description)
        try:
            async with temporal_errors():
                result = await handle.result(rpc_timeout=self._call_timeout)
        except WorkflowFailureError:  # reset or continued into a run that failed
            return await self._last_known(handle)
        return await self._closed_with(account_id, handle, result, description)

    async def _running(
        self,
        account_id: str,
        job_id: str,
        description: WorkflowExecutionDescription | None = None,
    ) -> JobView | None:
        """A running job as the ledger shows it; None if its workflow has closed meanwhile
        (terminated, or on a path without the last step that ends it in the registry: its
        workflow is asked again once its images are settled, and every RECHECK_SECONDS)."""
        key = (account_id, job_id)
        facts = self._facts.get(key)
        reservations = await run_in_threadpool(self._ledger.job_reservations, job_id)
        if facts is None or (description is None and self._recheck(key, facts, reservations)):
            description = description or await self._describe(self.handle(account_id, job_id))
            if description is None or description.status != WorkflowExecutionStatus.RUNNING:
                self._facts.pop(key, None)
                self._checked.pop(key, None)
                return None
            facts = facts or await _facts_of(description)
            self._facts[key] = facts
            self._checked[key] = time.monotonic()
            while len(self._facts) > RUNNING_FACTS_CACHED:
                self._checked.pop(self._facts.popitem(last=False)[0], None)
        return facts.shown_on(view_from_ledger(job_id, facts.formats, reservations, ended=False))

    def _recheck(
        self, key: tuple[str, str], facts: JobFacts, reservations: list[Reservation]
    ) -> bool:
        """Whether to ask the workflow if it still runs: its images are all settled (it is
        ending), or it was last asked RECHECK_SECONDS ago."""
        settled = len(reservations) == len(facts.formats) and all(
            reservation.state is not ReservationState.HELD for reservation in reservations
        )
        return settled or time.monotonic() - self._checked.get(key, 0.0) > RECHECK_SECONDS

    async def _read(
        self,
        account_id: str,
        handle: JobHandle,
        description: WorkflowExecutionDescription | None = None,
    ) -> JobView:
        """ONE query for a running job; the result for a closed one. WorkflowNotFound if none."""
        try:
            view = await self._query(handle)
        except WorkflowQueryRejectedError as rejected:
            return await self._closed_job(account_id, handle, rejected.status)
        if view is None:
            return await self._last_known(handle)
        view = await self._complete(handle, view, description)
        return await self._queued_until_an_image_starts(view)

    async def _query(self, handle: JobHandle) -> JobView | None:
        """The running workflow's `status`; None when no worker answered in time."""
        try:
            # rpc_timeout bounds each attempt, and the SDK retries some timed-out queries
            # (4-6 s with no worker): bound the whole call so a poll stays fast.
            async with asyncio.timeout(self._query_timeout.total_seconds()):
                return await handle.query(
                    GenerateCreativesWorkflow.status,
                    reject_condition=QueryRejectCondition.NOT_OPEN,
                    rpc_timeout=self._query_timeout,
                )
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise WorkflowNotFound() from error
            return None
        except (WorkflowQueryFailedError, TimeoutError):
            return None
        except RuntimeError as error:  # a lazy client that cannot connect
            raise ServiceUnavailable("the job service is unreachable; retrying is safe") from error

    async def _closed_with(
        self,
        account_id: str,
        handle: JobHandle,
        view: JobView,
        description: WorkflowExecutionDescription | None = None,
    ) -> JobView:
        view = await self._complete(handle, view, description)
        self._remember(account_id, view)
        return view

    async def _complete(
        self,
        handle: JobHandle,
        view: JobView,
        description: WorkflowExecutionDescription | None = None,
    ) -> JobView:
        """Workflows that predate the complete view leave created_at and the memo's fields
        to the reader: a describe fills them in."""
        if view.created_at is not None:
            return view
        facts = await _facts_of(description or await self._described(handle))
        return facts.shown_on(view)

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
        self, handle: JobHandle, closed: WorkflowExecutionDescription | None = None
    ) -> JobView:
        """What the ledger proves, for a job whose workflow cannot answer or left no result.

        `closed`: a description that already shows the workflow closed (it stays so); any
        other is asked again, fresh: the workflow may have closed meanwhile."""
        description = closed or await self._described(handle)
        memo = await description.memo()
        job_id = job_id_of_workflow(description.id)
        reservations = await run_in_threadpool(self._ledger.job_reservations, job_id)
        view = view_from_ledger(
            job_id,
            list(memo.get("formats", [])),
            reservations,
            ended=description.status != WorkflowExecutionStatus.RUNNING,
        )
        return await self._complete(handle, view, description)

    async def _described(self, handle: JobHandle) -> WorkflowExecutionDescription:
        description = await self._describe(handle)
        if description is None:
            raise WorkflowNotFound()
        return description

    async def _describe(self, handle: JobHandle) -> WorkflowExecutionDescription | None:
        try:
            async with temporal_errors():
                return await handle.describe(rpc_timeout=self._call_timeout)
        except WorkflowNotFound:
            return None

    def _remember(self, account_id: str, view: JobView) -> None:
        self._facts.pop((account_id, view.job_id), None)
        self._checked.pop((account_id, view.job_id), None)
        self._closed[(account_id, view.job_id)] = view
        while len(self._closed) > CLOSED_RESULTS_CACHED:
            self._closed.popitem(last=False)
