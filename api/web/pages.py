"""The signed-in pages: dashboard, the jobs list and a job's page with its live gallery."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.active_jobs import plan_of
from api.deps import LedgerDep, OrchestratorDep, StoreDep
from api.web.deps import CurrentUser, WebJobs, render
from api.web.job_views import (
    STATUS_LABELS,
    JobPage,
    image_base_url,
    job_page,
    job_rows,
    valid_job_id,
)
from domain.errors import NotFound, ServiceUnavailable

router = APIRouter(prefix="/app", include_in_schema=False)

RECENT_JOBS = 5
LISTED_JOBS = 50


@router.get("/dashboard")
async def dashboard(
    request: Request,
    me: CurrentUser,
    web_jobs: WebJobs,
    ledger: LedgerDep,
    orchestrator: OrchestratorDep,
) -> Response:
    """Balance, plan and the latest jobs."""
    credits = await run_in_threadpool(ledger.summary, me.account.id)
    jobs = await run_in_threadpool(web_jobs.recent, me.account.id, RECENT_JOBS)
    context = {
        "credits": credits,
        "plan": plan_of(me.account.plan),
        "rows": await job_rows(orchestrator, me.account.id, jobs),
    }
    return render(request, "dashboard.html", context)


@router.get("/jobs")
async def jobs_list(
    request: Request,
    me: CurrentUser,
    web_jobs: WebJobs,
    orchestrator: OrchestratorDep,
    status: str | None = None,
) -> Response:
    """The jobs started from the web app, newest first, optionally of one status."""
    wanted = status if status in STATUS_LABELS else None
    jobs = await run_in_threadpool(web_jobs.recent, me.account.id, LISTED_JOBS)
    rows = await job_rows(orchestrator, me.account.id, jobs)
    shown = [row for row in rows if wanted is None or row.status == wanted]
    context = {"rows": shown, "any_jobs": bool(rows), "status": wanted, "labels": STATUS_LABELS}
    return render(request, "jobs.html", context)


@router.get("/jobs/{job_id}")
async def job_detail(
    request: Request,
    job_id: str,
    me: CurrentUser,
    web_jobs: WebJobs,
    orchestrator: OrchestratorDep,
    store: StoreDep,
) -> Response:
    """One job: progress while it runs, then its gallery, downloads and failures."""
    try:
        page = await _job_page(request, job_id, me.account.id, orchestrator, store)
    except ServiceUnavailable:
        return render(request, "unavailable.html", status=503)
    if page is None:
        return render(request, "not_found.html", {"what": "job"}, status=404)
    jobs = await run_in_threadpool(web_jobs.recent, me.account.id, LISTED_JOBS)
    started = next((job for job in jobs if job.job_id == page.job_id), None)
    return render(request, "job.html", {"job": page, "started": started})


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
