"""Jobs as the pages show them: status, one slot per image, signed image URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request

from domain.catalog import FORMATS
from domain.jobs import JobSummary, JobView
from infra.settings import Settings
from infra.storage import ImageStore

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STATUS_LABELS = {
    "queued": "Queued",
    "processing": "Rendering",
    "completed": "Completed",
    "partial": "Partly failed",
    "failed": "Failed",
}


@dataclass(frozen=True)
class ImageSlot:
    index: int
    state: str  # "ready", "failed" or "pending"
    format: str | None = None
    size: str | None = None
    url: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class JobPage:
    job_id: str
    status: str
    requested: int
    produced: int
    failed: int
    slots: list[ImageSlot]
    claim: str = ""
    language: str = ""
    created_at: datetime | None = None

    @property
    def terminal(self) -> bool:
        return self.status in ("completed", "partial", "failed")

    @property
    def done(self) -> int:
        return self.produced + self.failed

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class JobRow:
    """One line of a jobs list: a job from `orchestrator.list_jobs`, however it was started."""

    job: JobSummary

    @property
    def status(self) -> str:
        return self.job.status.value

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def valid_job_id(job_id: str) -> bool:
    return bool(_UUID.fullmatch(job_id))


def job_page(view: JobView, store: ImageStore, base_url: str) -> JobPage:
    """Every image of the job in request order: produced, failed, or still on its way."""
    slots: dict[int, ImageSlot] = {}
    for image in view.produced:
        slots[image.index] = ImageSlot(
            image.index,
            "ready",
            image.format,
            _size(image.format),
            store.url(image.storage_key, base_url),
        )
    for failure in view.failures:
        slots[failure.index] = ImageSlot(
            failure.index, "failed", failure.format, _size(failure.format), message=failure.message
        )
    ordered = [
        slots.get(index, ImageSlot(index, "pending")) for index in range(1, view.requested + 1)
    ]
    return JobPage(
        view.job_id,
        view.status.value,
        view.requested,
        len(view.produced),
        len(view.failures),
        ordered,
        view.claim,
        view.language,
        view.created_at,
    )


def image_base_url(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return settings.public_base_url or str(request.base_url)


def _size(code: str) -> str | None:
    ad_format = FORMATS.get(code)
    return f"{ad_format.width}×{ad_format.height}" if ad_format else None
