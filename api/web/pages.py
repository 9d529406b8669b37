"""The signed-in pages: dashboard, the jobs list and a job's page with its live gallery."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.active_jobs import plan_of
from api.cursors import MAX_CURSOR_LENGTH, CursorCodec
from api.deps import LedgerDep, OrchestratorDep, SettingsDep, StoreDep
from api.web.deps import CurrentUser, render
from api.web.job_views import (
    STATUS_LABELS,
    JobPage,
    JobRow,
    image_base_url,
    job_page,
    valid_job_id,
)
from domain.errors import InvalidRequest, NotFound, ServiceUnavailable
from domain.jobs import JobStatus, ListPosition

router = APIRouter(prefix="/app", include_in_schema=False)

RECENT_JOBS = 5
LISTED_JOBS = 20  # a page of the list, like the API's default
CANCELED = "Canceled. Images not yet made will not be made, and their credits come back."


@router.get("/dashboard")
async def dashboard(
    request: Request, me: CurrentUser, ledger: LedgerDep, orchestrator: OrchestratorDep
) -> Response:
    """Balance, plan and the latest jobs."""
    credits = await run_in_threadpool(ledger.summary, me.account.id)
    try:
        recent = await orchestrator.list_jobs(me.account.id, None, RECENT_JOBS, None)
        rows: list[JobRow] | None = [JobRow(job) for job in recent.jobs]
    except ServiceUnavailable:
        rows = None  # the balance still shows; the jobs section says why it is empty
    context = {"credits": credits, "plan": plan_of(me.account.plan), "rows": rows}
    return render(request, "dashboard.html", context)


@router.get("/jobs")
async def jobs_list(
    request: Request,
    me: CurrentUser,
    orchestrator: OrchestratorDep,
    settings: SettingsDep,
    status: str | None = None,
    cursor: str | None = None,
) -> Response:
    """Every job of the account, from the web app or an API key, newest first, a page at a time."""
    wanted = JobStatus(status) if status in STATUS_LABELS else None
    scope = wanted.value if wanted else ""
    codec = CursorCodec(settings.signing_secret)
    after: ListPosition | None = None
    if cursor and len(cursor) <= MAX_CURSOR_LENGTH:
        try:
            after = codec.decode(cursor, me.account.id, scope)
        except InvalidRequest:
            after = None  # a stale or edited link: start again from the newest jobs
    try:
        page = await orchestrator.list_jobs(me.account.id, wanted, LISTED_JOBS, after)
    except ServiceUnavailable:
        return render(request, "unavailable.html", status=503)
    older = codec.encode(page.next_position, me.account.id, scope) if page.next_position else None
    context = {
        "rows": [JobRow(job) for job in page.jobs],
        "status": scope or None,
        "labels": STATUS_LABELS,
        "older": older,
        "first_page": after is None,
    }
    return render(request, "jobs.html", context)


@router.get("/jobs/{job_id}")
async def job_detail(
    request: Request,
    job_id: str,
    me: CurrentUser,
    orchestrator: OrchestratorDep,
    store: StoreDep,
    canceled: str | None = None,
) -> Response:
    """One job: progress while it runs, then its gallery, downloads and failures."""
    try:
        page = await _job_page(request, job_id, me.account.id, orchestrator, store)
    except ServiceUnavailable:
        return render(request, "unavailable.html", status=503)
    if page is None:
        return render(request, "not_found.html", {"what": "job"}, status=404)
    notice = CANCELED if canceled else None
    return render(request, "job.html", {"job": page, "notice": notice})


@router.get("/jobs/{job_id}/progress")
async def job_progress(
    request: Request, job_id: str, me: CurrentUser, orchestrator: OrchestratorDep, store: StoreDep
) -> Response:
    """The job's progress and gallery as an HTML fragment, polled while the job runs."""
    try:
        page = await _job_page(request, job_id, me.account.id, orchestrator, store)
    except ServiceUnavailable:
        # The fragment keeps polling: a moment without Temporal is not the end of the job.
        return render(request, "_job_unavailable.html", {"job_id": job_id.lower()})
    if page is None:
        return render(request, "not_found.html", {"what": "job"}, status=404)
    return render(request, "_job_progress.html", {"job": page})


async def _job_page(
    request: Request, job_id: str, account_id: str, orchestrator: OrchestratorDep, store: StoreDep
) -> JobPage | None:
    job_id = job_id.lower()
    if not valid_job_id(job_id):
        return None
    try:
        view = await orchestrator.get(account_id, job_id)
    except NotFound:
        return None
    return job_page(view, store, image_base_url(request))
