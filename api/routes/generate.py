"""POST /api/v1/generate: accept a job and answer 202 with where to poll it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api.body import read_json_object
from api.deps import BrandKitsDep, CurrentAccount, IdempotencyKey, OrchestratorDep
from api.generate_input import GenerateBody, parse_generate_request
from api.legibility import screen
from api.openapi import component_ref
from api.routes.responses import problem_responses
from api.schemas import JobAccepted, job_accepted, job_path
from domain.brand import JobPins

router = APIRouter(prefix="/api/v1", tags=["jobs"])

_ACCEPTED_HEADERS = {
    "Location": {"description": "The job's poll URL", "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": '"true" when an Idempotency-Key returned an existing job',
        "schema": {"type": "string", "enum": ["true"]},
    },
}
_REQUEST_BODY = {
    "required": True,
    "content": {"application/json": {"schema": component_ref(GenerateBody)}},
}


@router.post(
    "/generate",
    operation_id="createJob",
    status_code=202,
    response_model=JobAccepted,
    responses={
        202: {"headers": _ACCEPTED_HEADERS},
        **problem_responses(400, 401, 402, 404, 413, 415, 422, 429, 503),
    },
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def generate(
    account: CurrentAccount,
    idempotency_key: IdempotencyKey,
    orchestrator: OrchestratorDep,
    kits: BrandKitsDep,
    request: Request,
    response: Response,
) -> JobAccepted:
    """Start a job that renders `count` images of `claim`; poll the returned URL."""
    generate_request = await screen(parse_generate_request(await read_json_object(request)))

    async def pin() -> JobPins:
        # The kit's content and the assets' sha256s, as they are now, go into the job.
        return await run_in_threadpool(
            kits.pin, account.id, generate_request.brand_kit, generate_request.product_image
        )

    submission = await orchestrator.submit(account.id, generate_request, idempotency_key, pin)
    response.headers["Location"] = job_path(submission.view.job_id)
    if submission.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    # A replay's body hashed the same as the original, so its metadata is the job's own.
    return job_accepted(submission.view, generate_request.metadata)
