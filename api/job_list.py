"""An account's jobs, newest first, read from Temporal visibility by the AccountId attribute.

Visibility on SQL stores cannot ORDER BY (their order is close time, running first), so a page
is cut by start time instead: an account with few jobs is listed whole; otherwise the newest
start-time window that counts more than a page (counting is cheap) is listed and sorted by
(start time, job id) descending, widening while it holds too few after the cursor. The next
page starts strictly after the last job's (start time, job id), so a job never shows twice or
is skipped, even while jobs finish or new ones start between pages.

Rows come without a query to any workflow: claim, language and requested from the memo written
at start, produced from the ledger's captured credits (one query per page), a closed job's
status from the JobStatus search attribute its workflow wrote at its end. A running job's
attribute says only `queued` (the start request writes it; jobs started before the workflow
wrote it once, at the end, also say `processing`): it is processing once the ledger holds a
reservation for one of its images, else queued.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from starlette.concurrency import run_in_threadpool
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus

from api.temporal_calls import RPC_TIMEOUT
from domain.jobs import (
    JOB_WORKFLOW_PREFIX,
    JobPage,
    JobStatus,
    JobSummary,
    ListPosition,
    final_status,
    job_id_of_workflow,
)
from infra.ledger import CreditLedger, JobProgress
from workflows.search_attributes import JOB_STATUS

# An account with at most this many matching jobs is listed whole and sorted in memory.
SCAN_LIMIT = 500
FIRST_WINDOW = timedelta(hours=1)
# Past the longest retention anyone configures: nothing older can still be in visibility.
OLDEST_WINDOW = timedelta(days=3660)
_RESOLUTION = timedelta(microseconds=1)  # SQL visibility compares times to the microsecond
_STATUS_VALUES = frozenset(status.value for status in JobStatus)

# Running jobs not yet at their end; the ledger tells queued from processing. An account runs
# few jobs at once (its plan's limit), so they are listed whole, then filtered.
_RUNNING = "JobStatus IN ('queued', 'processing') AND ExecutionStatus = 'Running'"
RUNNING_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.PROCESSING})
# The visibility filter for each status a client can ask for. Queued and processing are
# running workflows; the others are what workflows recorded at their end.
STATUS_FILTERS: dict[JobStatus, str] = {
    JobStatus.QUEUED: _RUNNING,
    JobStatus.PROCESSING: _RUNNING,
    JobStatus.COMPLETED: "JobStatus = 'completed'",
    JobStatus.PARTIAL: "JobStatus = 'partial'",
    JobStatus.FAILED: "JobStatus = 'failed'",
}


class JobLister:
    """Pages through an account's jobs in visibility."""

    def __init__(
        self,
        client: Client,
        ledger: CreditLedger,
        *,
        scan_limit: int = SCAN_LIMIT,
        first_window: timedelta = FIRST_WINDOW,
    ) -> None:
        self._client = client
        self._ledger = ledger
        self._scan_limit = scan_limit
        self._first_window = first_window

    async def page(
        self, account_id: str, status: JobStatus | None, limit: int, after: ListPosition | None
    ) -> JobPage:
        """Up to `limit` jobs started before `after` (or the newest), newest first."""
        query = f"AccountId = {_quote(account_id)}"
        if status is not None:
            query += f" AND {STATUS_FILTERS[status]}"
        if after is not None:
            # Inclusive of after's microsecond: jobs started in it are cut by id below.
            query += f" AND StartTime < {_time(after.created_at + _RESOLUTION)}"
        executions: list[WorkflowExecution] = []
        progress: dict[str, JobProgress] = {}
        async for window in self._windows(query, after, limit + 1):
            executions = await self._listed(window, after)
            if status in RUNNING_STATUSES:
                progress = await self._progress(executions)
                executions = [e for e in executions if _status(e, progress[_job_id(e)]) is status]
            if len(executions) > limit:
                break  # the window holds a full page and the job after it
        more = len(executions) > limit
        executions = executions[:limit]
        if status not in RUNNING_STATUSES:
            progress = await self._progress(executions)
        jobs = await self._summaries(executions, progress)
        last = jobs[-1] if more and jobs else None
        return JobPage(jobs, ListPosition(last.created_at, last.job_id) if last else None)

    async def _windows(
        self, query: str, after: ListPosition | None, wanted: int
    ) -> AsyncIterator[str]:
        """The query narrowed to ever wider start-time windows ending at `after` (or now) that
        count at least `wanted` jobs, then the whole query; just that when it is small."""
        if await self._count(query) > self._scan_limit:
            upper = after.created_at if after is not None else datetime.now(UTC)
            span = self._first_window
            while span < OLDEST_WINDOW:
                narrowed = f"{query} AND StartTime >= {_time(upper - span)}"
                # Counting is cheap; listing is done only for a window that may hold a page.
                if await self._count(narrowed) >= wanted:
                    yield narrowed
                span *= 4
        yield query

    async def _listed(self, query: str, after: ListPosition | None) -> list[WorkflowExecution]:
        """The query's jobs strictly after `after`, newest first."""
        executions = [
            execution
            async for execution in self._client.list_workflows(
                query, page_size=1000, rpc_timeout=RPC_TIMEOUT
            )
            if execution.id.startswith(JOB_WORKFLOW_PREFIX)
        ]
        executions.sort(key=_position_key, reverse=True)
        if after is not None:
            cut = (after.created_at, after.job_id)
            executions = [e for e in executions if _position_key(e) < cut]
        return executions

    async def _count(self, query: str) -> int:
        result = await self._client.count_workflows(query, rpc_timeout=RPC_TIMEOUT)
        return result.count

    async def _progress(self, executions: list[WorkflowExecution]) -> dict[str, JobProgress]:
        """The ledger's view of these jobs, in one query."""
        job_ids = [_job_id(execution) for execution in executions]
        return await run_in_threadpool(self._ledger.job_progress, job_ids)

    async def _summaries(
        self, executions: list[WorkflowExecution], progress: dict[str, JobProgress]
    ) -> list[JobSummary]:
        summaries = []
        for execution in executions:
            job_id = _job_id(execution)
            memo = await execution.memo()
            requested = int(memo.get("requested", len(memo.get("formats", []))))
            summaries.append(
                JobSummary(
                    job_id=job_id,
                    status=_status(execution, progress[job_id], requested),
                    created_at=execution.start_time,
                    requested=requested,
                    produced=progress[job_id].captured,
                    claim=str(memo.get("claim", "")),
                    language=str(memo.get("language", "")),
                    metadata=dict(memo.get("metadata") or {}),
                )
            )
        return summaries


def _status(execution: WorkflowExecution, progress: JobProgress, requested: int = 0) -> JobStatus:
    recorded = execution.typed_search_attributes.get(JOB_STATUS)
    status = JobStatus(recorded) if recorded in _STATUS_VALUES else None
    if status is not None and status.is_terminal:
        return status  # its workflow wrote its end (it may still be announcing it)
    if execution.status == WorkflowExecutionStatus.RUNNING:
        return JobStatus.PROCESSING if progress.reserved else JobStatus.QUEUED
    # Closed without recording an end (terminated, timed out): what the ledger proves.
    return final_status(progress.captured, requested - progress.captured)


def _position_key(execution: WorkflowExecution) -> tuple[datetime, str]:
    return (execution.start_time, _job_id(execution))


def _job_id(execution: WorkflowExecution) -> str:
    return job_id_of_workflow(execution.id)


def _time(moment: datetime) -> str:
    return "'" + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "'"


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
