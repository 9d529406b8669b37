"""What a user does to a job from its page: cancel it (after a confirmation) and download
every image as one zip, through the same orchestrator and archive code as the JSON API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.responses import Response

from api.deps import OrchestratorDep, StoreDep
from api.routes.archive import ZIP_MEDIA_TYPE, archive_entries, zip_chunks
from api.web.deps import CheckedForm, CurrentUser, render
from api.web.job_views import image_base_url, job_page, valid_job_id
from domain.errors import JobFinished, NotFound, ServiceUnavailable
from domain.jobs import JobView

router = APIRouter(prefix="/app/jobs", include_in_schema=False)

FINISHED = "This job already finished, so there was nothing left to cancel. Its images stay."


@router.get("/{job_id}/cancel")
async def confirm_cancel(
    request: Request, job_id: str, me: CurrentUser, orchestrator: OrchestratorDep
) -> Response:
    """Ask before canceling: images not yet made are not made, and their credits come back."""
    try:
        view = await _own_job(orchestrator, me.account.id, job_id)
    except ServiceUnavailable:
        return render(request, "unavailable.html", status=503)
    if view is None:
        return render(request, "not_found.html", {"what": "job"}, status=404)
    return render(request, "job_cancel.html", {"job": view, "finished": view.status.is_terminal})


@router.post("/{job_id}/cancel")
async def cancel_job(
    request: Request,
    job_id: str,
    _form: CheckedForm,
    me: CurrentUser,
    orchestrator: OrchestratorDep,
    store: StoreDep,
) -> Response:
    """Cancel the job and go back to its page; a finished job is explained, not an error page."""
    job_id = job_id.lower()
    if not valid_job_id(job_id):
        return render(request, "not_found.html", {"what": "job"}, status=404)
    try:
        await orchestrator.cancel(me.account.id, job_id)
    except NotFound:
        return render(request, "not_found.html", {"what": "job"}, status=404)
    except ServiceUnavailable:
        return render(request, "unavailable.html", status=503)
    except JobFinished:
        view = await orchestrator.get(me.account.id, job_id)
        page = job_page(view, store, image_base_url(request))
        return render(request, "job.html", {"job": page, "notice": FINISHED}, status=409)
    return RedirectResponse(f"/app/jobs/{job_id}?canceled=1", status_code=303)


@router.get("/{job_id}/archive")
async def download_archive(
    request: Request, job_id: str, me: CurrentUser, orchestrator: OrchestratorDep, store: StoreDep
) -> Response:
    """Every image the job produced, in one zip (the API's archive, for the signed-in user)."""
    view = await _own_job(orchestrator, me.account.id, job_id)
    if view is None:
        return render(request, "not_found.html", {"what": "job"}, status=404)
    return StreamingResponse(
        zip_chunks(archive_entries(view, store.get)),
        media_type=ZIP_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="job-{view.job_id}.zip"'},
    )


async def _own_job(orchestrator: OrchestratorDep, account_id: str, job_id: str) -> JobView | None:
    """The signed-in account's job; None for a malformed id or anyone else's job."""
    job_id = job_id.lower()
    if not valid_job_id(job_id):
        return None
    try:
        return await orchestrator.get(account_id, job_id)
    except NotFound:
        return None
