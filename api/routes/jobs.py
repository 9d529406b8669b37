"""GET /api/v1/jobs/{jobId}: a job's progress, images and failures."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request

from api.deps import CurrentAccount, OrchestratorDep, SettingsDep, StoreDep
from api.routes.responses import problem_responses
from api.schemas import JobDetail, job_detail
from domain.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["jobs"])

JOB_NOT_FOUND = "no such job"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


@router.get(
    "/jobs/{jobId:path}",
    response_model=JobDetail,
    responses=problem_responses(401, 404, 503),
)
async def get_job(
    job_id: Annotated[str, Path(alias="jobId")],
    account: CurrentAccount,
    orchestrator: OrchestratorDep,
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
) -> JobDetail:
    """Poll a job: status, progress, signed image URLs (in request order) and failures."""
    if not _UUID.fullmatch(job_id):
        raise NotFound(JOB_NOT_FOUND)
    view = await orchestrator.get(account.id, job_id.lower())
    base_url = settings.public_base_url or str(request.base_url)
    return job_detail(view, lambda key: store.url(key, base_url))
