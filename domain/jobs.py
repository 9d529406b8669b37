"""Job and image types shared by the API, the workflow and the activities.

Every workflow and activity takes ONE dataclass, so fields can be added compatibly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.brand import BrandKitPin, PinnedAsset
from domain.outputs import DEFAULT_OUTPUT


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
    # Added after histories were recorded: defaults keep those inputs decodable.
    subline: str | None = None
    badge: str | None = None
    output: str = DEFAULT_OUTPUT  # a key of domain.outputs.OUTPUT_FORMATS
    # Pinned at submission (content and sha256s, never a mutable id alone); see domain.brand.
    brand_kit: BrandKitPin | None = None
    product_image: PinnedAsset | None = None


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
    # Added after histories were recorded: defaults keep those inputs decodable.
    subline: str | None = None
    badge: str | None = None
    output: str = DEFAULT_OUTPUT  # a key of domain.outputs.OUTPUT_FORMATS
    brand_kit: BrandKitPin | None = None
    product_image: PinnedAsset | None = None


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
    # Filled in by the API from the workflow's start time and memo; the workflow leaves them.
    created_at: datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    claim: str = ""  # so a job's page can name it, whoever started it
    language: str = ""

    @property
    def done(self) -> int:
        return len(self.produced) + len(self.failures)


@dataclass(frozen=True)
class JobSummary:
    """One row of the job list: what visibility, the memo and the ledger tell without a query."""

    job_id: str
    status: JobStatus
    created_at: datetime
    requested: int
    produced: int
    claim: str
    language: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class ListPosition:
    """Where a page of the job list ended: the last job's start time, then its id (tie-break)."""

    created_at: datetime
    job_id: str


@dataclass(frozen=True)
class JobPage:
    jobs: list[JobSummary]
    next_position: ListPosition | None  # None on the last page


JOB_WORKFLOW_PREFIX = "creative-job-"
_UUID_LENGTH = 36


def job_workflow_id(account_id: str, job_id: str) -> str:
    """The ID of the one GenerateCreativesWorkflow that runs an account's job.

    The account is part of the ID, so a job is addressed only through its owner: another
    account's reading of the same job id names a workflow that does not exist.
    """
    return f"{JOB_WORKFLOW_PREFIX}{account_id}-{job_id}"


def legacy_job_workflow_id(job_id: str) -> str:
    """The ID jobs were started under before the account was part of it (owner in AccountId)."""
    return f"{JOB_WORKFLOW_PREFIX}{job_id}"


def job_id_of_workflow(workflow_id: str) -> str:
    """The job id in either form of a job's workflow ID (job ids are UUIDs, accounts are not)."""
    rest = workflow_id.removeprefix(JOB_WORKFLOW_PREFIX)
    if len(rest) > _UUID_LENGTH + 1 and rest[-_UUID_LENGTH - 1] == "-":
        return rest[-_UUID_LENGTH:]
    return rest


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
    subline: str | None = None
    badge: str | None = None
    output: str = DEFAULT_OUTPUT
    metadata: dict[str, str] = field(default_factory=dict)  # echoed, never rendered
    # Without `formats`: the default rotation less the formats the claim cannot fill legibly
    # (derived from the claim, so not part of the fingerprint).
    rotation: tuple[str, ...] | None = None
    product_image: str | None = None  # an asset id of the caller's account
    brand_kit: str | None = None  # a brand kit id; None: the account's default kit, if any

    def fingerprint(self) -> str:
        """Stable hash of the normalized request, to tell a replay from a reused Idempotency-Key.

        Fields added later enter the hash only when they differ from their default, so a
        request without them hashes as it did before they existed (jobs started then still
        replay), and spelling out a default (`"output": "png"`, `"metadata": {}`, `"language":
        "EN"`, `formats` that give every image the format the default rotation would) changes
        nothing.
        """
        from domain.catalog import formats_for

        formats = list(self.formats) if self.formats else None
        if formats and formats_for(self.count, formats) == formats_for(self.count, None):
            formats = None
        return self._hash(formats)

    def legacy_fingerprint(self) -> str:
        """The hash before formats were normalized: jobs started then with the default formats
        spelled out carry this one in their memo."""
        return self._hash(list(self.formats) if self.formats else None)

    def _hash(self, formats: list[str] | None) -> str:
        import hashlib
        import json

        fields: dict[str, object] = {
            "claim": self.claim,
            "language": self.language,
            "count": self.count,
            "formats": formats,
            "cta": self.cta,
        }
        added = {
            "subline": self.subline,
            "badge": self.badge,
            "output": None if self.output == DEFAULT_OUTPUT else self.output,
            "metadata": self.metadata or None,
            "productImage": self.product_image,
            "brandKit": self.brand_kit,
        }
        fields.update({name: value for name, value in added.items() if value is not None})
        canonical = json.dumps(
            fields,
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()
