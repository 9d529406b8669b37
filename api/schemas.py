"""Response bodies, shaped exactly as the published docs show them (camelCase)."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from domain.catalog import AdFormat, Language
from domain.jobs import JobStatus, JobView

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
    creditsConsumed: int = Field(description="Always equals result.produced.")
    result: JobResult


class FormatOut(BaseModel):
    code: str
    width: int
    height: int
    name: str


class LanguageOut(BaseModel):
    code: str
    name: str
    rtl: bool
    defaultCta: str


def job_path(job_id: str) -> str:
    return f"{JOBS_PATH}{job_id}"


def job_accepted(view: JobView) -> JobAccepted:
    """The 202 body for a job's current view."""
    return JobAccepted(
        jobId=view.job_id,
        status=view.status,
        pollUrl=job_path(view.job_id),
        result=AcceptedResult(
            requested=view.requested,
            produced=len(view.produced),
            progress=_progress(view),
        ),
    )


def job_detail(view: JobView, image_url: Callable[[str], str]) -> JobDetail:
    """The poll body; `image_url` turns a storage key into an absolute signed URL."""
    produced = sorted(view.produced, key=lambda image: image.index)
    failures = sorted(view.failures, key=lambda failure: failure.index)
    return JobDetail(
        jobId=view.job_id,
        status=view.status,
        creditsConsumed=len(produced),
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


def format_out(ad_format: AdFormat) -> FormatOut:
    return FormatOut(
        code=ad_format.code, width=ad_format.width, height=ad_format.height, name=ad_format.name
    )


def language_out(language: Language) -> LanguageOut:
    return LanguageOut(
        code=language.code, name=language.name, rtl=language.rtl, defaultCta=language.default_cta
    )


def _progress(view: JobView) -> Progress:
    return Progress(done=view.done, total=view.requested)
