"""Job and image types shared by the API, the workflow and the activities.

Every workflow and activity takes ONE dataclass, so fields can be added compatibly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class JobStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.PARTIAL, JobStatus.FAILED)


@dataclass(frozen=True)
class ImageSpec:
    index: int  # 1-based, like the file names
    format: str


@dataclass
class JobInput:
    job_id: str
    account_id: str
    claim: str
    language: str
    cta: str
    images: list[ImageSpec]
    request_hash: str = ""


@dataclass
class ImageTask:
    """Everything one image activity needs: it reserves, renders, uploads and captures."""

    job_id: str
    account_id: str
    index: int
    format: str
    claim: str
    language: str
    cta: str


@dataclass
class ImageProduced:
    index: int
    format: str
    storage_key: str


@dataclass
class ImageFailure:
    index: int
    format: str
    code: str
    message: str


@dataclass
class CreditRelease:
    """Compensation for an image that finally failed: give its credit back."""

    job_id: str
    account_id: str
    index: int


@dataclass
class JobView:
    """What a poll shows: the `status` query while running, the workflow result once closed."""

    job_id: str
    status: JobStatus
    requested: int
    started: int = 0
    produced: list[ImageProduced] = field(default_factory=list)
    failures: list[ImageFailure] = field(default_factory=list)

    @property
    def done(self) -> int:
        return len(self.produced) + len(self.failures)


def job_workflow_id(job_id: str) -> str:
    """The ID of the one GenerateCreativesWorkflow that runs a job."""
    return f"creative-job-{job_id}"


def final_status(produced: int, failed: int) -> JobStatus:
    if failed == 0:
        return JobStatus.COMPLETED
    return JobStatus.PARTIAL if produced else JobStatus.FAILED


@dataclass(frozen=True)
class GenerateRequest:
    """A validated, normalized POST /api/v1/generate body."""

    claim: str
    language: str = "EN"
    count: int = 1
    formats: tuple[str, ...] | None = None
    cta: str | None = None
    # Without `formats`: the default rotation less the formats the claim cannot fill legibly
    # (derived from the claim, so not part of the fingerprint).
    rotation: tuple[str, ...] | None = None

    def fingerprint(self) -> str:
        """Stable hash of the request, to tell a replay from a reused Idempotency-Key."""
        import hashlib
        import json

        canonical = json.dumps(
            {
                "claim": self.claim,
                "language": self.language,
                "count": self.count,
                "formats": list(self.formats) if self.formats else None,
                "cta": self.cta,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()
