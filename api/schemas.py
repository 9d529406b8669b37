"""Response bodies, shaped exactly as the published docs show them (camelCase)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, Field

from domain.catalog import AdFormat, Language
from domain.jobs import JobStatus, JobSummary, JobView
from domain.plans import Plan
from infra.accounts import AccountInfo, ApiKeyInfo
from infra.ledger import CreditSummary

JOBS_PATH = "/api/v1/jobs/"


class Progress(BaseModel):
    done: int
    total: int


class AcceptedResult(BaseModel):
    requested: int
    produced: int
    progress: Progress


class JobAccepted(BaseModel):
    """The 202 answer to POST /api/v1/generate."""

    jobId: str
    status: JobStatus
    pollUrl: str = Field(description="Relative URL to poll, same as the Location header.")
    result: AcceptedResult
    metadata: dict[str, str] = Field(
        description="The request's `metadata`, as stored with the job ({} when none was sent)."
    )


class ImageFailureOut(BaseModel):
    index: int = Field(description="1-based, like the image file names.")
    format: str
    code: str
    message: str


class JobResult(BaseModel):
    requested: int
    produced: int
    failed: int
    progress: Progress
    images: list[str] = Field(description="Absolute, signed, expiring URLs in request order.")
    formats: list[str] = Field(description="The format of each image in `images`.")
    failures: list[ImageFailureOut]


class JobDetail(BaseModel):
    """The answer to GET /api/v1/jobs/{jobId}."""

    jobId: str
    status: JobStatus
    createdAt: datetime = Field(description="When the job was accepted.")
    creditsConsumed: int = Field(description="Always equals result.produced.")
    metadata: dict[str, str] = Field(description="The metadata sent with the job ({} if none).")
    result: JobResult


class JobListItem(BaseModel):
    """One job as GET /api/v1/jobs lists it."""

    jobId: str
    status: JobStatus
    createdAt: datetime
    requested: int
    produced: int
    claim: str
    language: str
    metadata: dict[str, str]


class JobList(BaseModel):
    """A page of GET /api/v1/jobs, newest first."""

    data: list[JobListItem]
    nextCursor: str | None = Field(
        description="Pass as `cursor` for the next page (same `status`); null on the last page."
    )


class FormatOut(BaseModel):
    code: str
    width: int
    height: int
    name: str
    maxClaimChars: int = Field(
        description="The longest claim (in characters of ordinary words) this format sets at "
        "a legible size; a longer claim with this format requested is refused with 400."
    )


class LanguageOut(BaseModel):
    code: str
    name: str
    rtl: bool
    defaultCta: str


class ApiKeyOut(BaseModel):
    """An API key as listed: never its secret."""

    id: str
    prefix: str = Field(description="The first characters of the key, to tell keys apart.")
    createdAt: datetime
    lastUsedAt: datetime | None = Field(description="Updated at most once a minute.")
    revokedAt: datetime | None


class ApiKeyCreated(BaseModel):
    """The 201 answer to POST /api/v1/keys: the only time the secret is shown."""

    id: str
    prefix: str
    createdAt: datetime
    apiKey: str = Field(description="The secret; store it now, it is never shown again.")


class CreditsOut(BaseModel):
    available: int = Field(description="Credits a new job can spend.")
    reserved: int = Field(description="Credits held by images of running jobs.")
    consumed: int = Field(description="Credits spent on produced images.")
    granted: int = Field(description="Credits ever granted: available + reserved + consumed.")


class LimitsOut(BaseModel):
    maxActiveJobs: int = Field(description="Jobs that may run at once on this plan.")


class AccountOut(BaseModel):
    """The answer to GET /api/v1/account."""

    id: str
    name: str
    plan: str
    credits: CreditsOut
    limits: LimitsOut


def api_key_out(key: ApiKeyInfo) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        prefix=key.prefix,
        createdAt=key.created_at,
        lastUsedAt=key.last_used_at,
        revokedAt=key.revoked_at,
    )


def api_key_created(key: ApiKeyInfo, secret: str) -> ApiKeyCreated:
    return ApiKeyCreated(id=key.id, prefix=key.prefix, createdAt=key.created_at, apiKey=secret)


def account_out(account: AccountInfo, credits: CreditSummary, plan: Plan) -> AccountOut:
    return AccountOut(
        id=account.id,
        name=account.name,
        plan=plan.name,
        credits=CreditsOut(
            available=credits.available,
            reserved=credits.held,
            consumed=credits.consumed,
            granted=credits.granted,
        ),
        limits=LimitsOut(maxActiveJobs=plan.max_active_jobs),
    )


def job_path(job_id: str) -> str:
    return f"{JOBS_PATH}{job_id}"


def job_accepted(view: JobView, metadata: dict[str, str]) -> JobAccepted:
    """The 202 body for a job's current view and the metadata it was submitted with."""
    return JobAccepted(
        jobId=view.job_id,
        status=view.status,
        pollUrl=job_path(view.job_id),
        result=AcceptedResult(
            requested=view.requested,
            produced=len(view.produced),
            progress=_progress(view),
        ),
        metadata=metadata,
    )


def job_detail(view: JobView, image_url: Callable[[str], str]) -> JobDetail:
    """The poll body; `image_url` turns a storage key into an absolute signed URL."""
    produced = sorted(view.produced, key=lambda image: image.index)
    failures = sorted(view.failures, key=lambda failure: failure.index)
    if view.created_at is None:
        raise ValueError(f"job {view.job_id} has no creation time")
    return JobDetail(
        jobId=view.job_id,
        status=view.status,
        createdAt=view.created_at,
        creditsConsumed=len(produced),
        metadata=view.metadata,
        result=JobResult(
            requested=view.requested,
            produced=len(produced),
            failed=len(failures),
            progress=_progress(view),
            images=[image_url(image.storage_key) for image in produced],
            formats=[image.format for image in produced],
            failures=[
                ImageFailureOut(index=f.index, format=f.format, code=f.code, message=f.message)
                for f in failures
            ],
        ),
    )


def job_list_item(job: JobSummary) -> JobListItem:
    return JobListItem(
        jobId=job.job_id,
        status=job.status,
        createdAt=job.created_at,
        requested=job.requested,
        produced=job.produced,
        claim=job.claim,
        language=job.language,
        metadata=job.metadata,
    )


def format_out(ad_format: AdFormat) -> FormatOut:
    from rendering.legibility import max_claim_chars

    return FormatOut(
        code=ad_format.code,
        width=ad_format.width,
        height=ad_format.height,
        name=ad_format.name,
        maxClaimChars=max_claim_chars(ad_format.code),
    )


def language_out(language: Language) -> LanguageOut:
    return LanguageOut(
        code=language.code, name=language.name, rtl=language.rtl, defaultCta=language.default_cta
    )


def _progress(view: JobView) -> Progress:
    return Progress(done=view.done, total=view.requested)
