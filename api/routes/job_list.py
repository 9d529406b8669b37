"""GET /api/v1/jobs: the caller's jobs, newest first, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.cursors import MAX_CURSOR_LENGTH, CursorCodec
from api.deps import CurrentAccount, OrchestratorDep, SettingsDep, only_query_parameters
from api.routes.responses import problem_responses
from api.schemas import JobList, job_list_item
from domain.jobs import JobStatus

router = APIRouter(prefix="/api/v1", tags=["jobs"])

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


@router.get(
    "/jobs",
    operation_id="listJobs",
    response_model=JobList,
    dependencies=[Depends(only_query_parameters("status", "limit", "cursor"))],
    responses=problem_responses(400, 401, 503),
)
async def list_jobs(
    account: CurrentAccount,
    orchestrator: OrchestratorDep,
    settings: SettingsDep,
    status: Annotated[JobStatus | None, Query(description="Only jobs in this status.")] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Jobs per page, 1..100 (default 20).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, description="`nextCursor` of the previous page."),
    ] = None,
) -> JobList:
    """Your jobs, newest first; follow `nextCursor` for older ones. Other accounts' never show."""
    codec = CursorCodec(settings.signing_secret)
    scope = status.value if status else ""
    after = codec.decode(cursor, account.id, scope) if cursor is not None else None
    page = await orchestrator.list_jobs(account.id, status, limit, after)
    next_cursor = (
        codec.encode(page.next_position, account.id, scope) if page.next_position else None
    )
    return JobList(data=[job_list_item(job) for job in page.jobs], nextCursor=next_cursor)
