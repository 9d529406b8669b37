"""GET /api/v1/jobs/{jobId} (optionally long-polled) and POST /api/v1/jobs/{jobId}/cancel."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.convertors import Convertor, register_url_convertor

from api.deps import (
    CurrentAccount,
    OrchestratorDep,
    SettingsDep,
    StoreDep,
    only_query_parameters,
)
from api.routes.responses import problem_responses
from api.schemas import JobDetail, job_detail
from domain.errors import NotFound
from domain.jobs import JobView

router = APIRouter(prefix="/api/v1", tags=["jobs"])

JOB_NOT_FOUND = "no such job"
MAX_WAIT_SECONDS = 60
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class JobIdConvertor(Convertor[str]):
    """Like `:path` (so `a/b` or `..%2F` get the same 404 as any unknown job), but it leaves
    `/cancel` and `/archive` to their routes, so 405s there name only their own methods."""

    regex = r".*(?<!/cancel)(?<!/archive)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("job_id", JobIdConvertor())

JobIdPath = Annotated[str, Path(alias="jobId", description="The jobId POST /generate returned.")]


def known_job_id(job_id: str) -> str:
    """The normalized id; a string that cannot be a job id is a 404 like an unknown job."""
    if not _UUID.fullmatch(job_id):
        raise NotFound(JOB_NOT_FOUND)
    return job_id.lower()


@router.post(
    "/jobs/{jobId}/cancel",
    operation_id="cancelJob",
    status_code=202,
    response_model=JobDetail,
    responses=problem_responses(401, 404, 409, 503),
)
async def cancel_job(
    job_id: JobIdPath,
    account: CurrentAccount,
    orchestrator: OrchestratorDep,
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
) -> JobDetail:
    """Stop a job: images not started never start; it ends partial or failed, as `canceled`."""
    view = await orchestrator.cancel(account.id, known_job_id(job_id))
    return _detail(view, store, settings.public_base_url or str(request.base_url))


@router.get(
    "/jobs/{jobId:job_id}",
    operation_id="getJob",
    response_model=JobDetail,
    dependencies=[Depends(only_query_parameters("wait"))],
    responses=problem_responses(400, 401, 404, 503),
)
async def get_job(
    job_id: JobIdPath,
    account: CurrentAccount,
    orchestrator: OrchestratorDep,
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
    wait: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_WAIT_SECONDS,
            description="Long-poll: answer as soon as the job is terminal, or after this many "
            "seconds with its current state (0..60; default 0, answer at once).",
        ),
    ] = 0,
) -> JobDetail:
    """Poll a job: status, progress, signed image URLs (in request order) and failures."""
    view = await orchestrator.wait(account.id, known_job_id(job_id), wait)
    return _detail(view, store, settings.public_base_url or str(request.base_url))


def _detail(view: JobView, store: StoreDep, base_url: str) -> JobDetail:
    return job_detail(view, lambda key: store.url(key, base_url))
