"""An account's jobs, newest first, read from Temporal visibility by the AccountId attribute.

Visibility on SQL stores cannot ORDER BY (their order is close time, running first), so a page
is cut by start time instead: an account with few jobs is listed whole; otherwise the newest
start-time window that counts more than a page (counting is cheap) is listed and sorted by
(start time, job id) descending, widening while it holds too few after the cursor. The next
page starts strictly after the last job's (start time, job id), so a job never shows twice or
is skipped, even while jobs finish or new ones start between pages.

Rows come without a query to any workflow: claim, language and requested from the memo written
at start, produced from the ledger's captured credits (one query per page), status from the
JobStatus search attribute the workflow keeps current.
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
from infra.ledger import CreditLedger
from workflows.search_attributes import JOB_STATUS

# An account with at most this many matching jobs is listed whole and sorted in memory.
SCAN_LIMIT = 500
FIRST_WINDOW = timedelta(hours=1)
# Past the longest retention anyone configures: nothing older can still be in visibility.
OLDEST_WINDOW = timedelta(days=3660)
_RESOLUTION = timedelta(microseconds=1)  # SQL visibility compares times to the microsecond
_STATUS_VALUES = frozenset(status.value for status in JobStatus)

# The visibility filter for each status a client can ask for. Queued and processing are
# running workflows (the attribute says which); the others are what closed workflows recorded.
STATUS_FILTERS: dict[JobStatus, str] = {
    JobStatus.QUEUED: "JobStatus = 'queued' AND ExecutionStatus = 'Running'",
    JobStatus.PROCESSING: "JobStatus = 'processing' AND ExecutionStatus = 'Running'",
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
        async for window in self._windows(query, after, limit + 1):
            executions = await self._listed(window, after)
            if len(executions) > limit:
                break  # the window holds a full page and the job after it
        more = len(executions) > limit
        executions = executions[:limit]
        jobs = await self._summaries(executions)
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

    async def _summaries(self, executions: list[WorkflowExecution]) -> list[JobSummary]:
        job_ids = [_job_id(execution) for execution in executions]
        produced = await run_in_threadpool(self._ledger.captured_counts, job_ids)
        summaries = []
        for execution, job_id in zip(executions, job_ids, strict=True):
            memo = await execution.memo()
            requested = int(memo.get("requested", len(memo.get("formats", []))))
            summaries.append(
                JobSummary(
                    job_id=job_id,
                    status=_status(execution, produced[job_id], requested),
                    created_at=execution.start_time,
                    requested=requested,
                    produced=produced[job_id],
                    claim=str(memo.get("claim", "")),
                    language=str(memo.get("language", "")),
                    metadata=dict(memo.get("metadata") or {}),
                )
            )
        return summaries


def _status(execution: WorkflowExecution, produced: int, requested: int) -> JobStatus:
    recorded = execution.typed_search_attributes.get(JOB_STATUS)
    status = JobStatus(recorded) if recorded in _STATUS_VALUES else None
    running = execution.status == WorkflowExecutionStatus.RUNNING
    if status is not None and (running or status.is_terminal):
        return status
    if running:
        return JobStatus.QUEUED
    # Closed without recording an end (terminated, timed out): what the ledger proves.
    return final_status(produced, requested - produced)


def _position_key(execution: WorkflowExecution) -> tuple[datetime, str]:
    return (execution.start_time, _job_id(execution))


def _job_id(execution: WorkflowExecution) -> str:
    return job_id_of_workflow(execution.id)


def _time(moment: datetime) -> str:
    return "'" + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "'"


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
