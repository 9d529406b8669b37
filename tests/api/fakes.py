"""An in-memory JobOrchestrator, passed to create_app through its constructor."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from api.orchestrator import PinBrand, Submission
from domain.brand import JobPins
from domain.errors import DomainError, IdempotencyKeyReused, JobFinished, NotFound
from domain.jobs import GenerateRequest, JobPage, JobStatus, JobSummary, JobView, ListPosition


@dataclass
class SubmitCall:
    account_id: str
    request: GenerateRequest
    idempotency_key: str | None
    pins: JobPins | None = None  # what the job pinned; None when it started nothing


@dataclass
class FakeOrchestrator:
    """Keeps jobs per account; `fail_with` makes the next submits raise that domain error."""

    fail_with: DomainError | None = None
    calls: list[SubmitCall] = field(default_factory=list)
    jobs: dict[str, tuple[str, JobView]] = field(default_factory=dict)
    keys: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)
    canceled: list[str] = field(default_factory=list)

    async def submit(
        self,
        account_id: str,
        request: GenerateRequest,
        idempotency_key: str | None,
        pin: PinBrand | None = None,
    ) -> Submission:
        call = SubmitCall(account_id, request, idempotency_key)
        self.calls.append(call)
        if self.fail_with is not None:
            raise self.fail_with
        if idempotency_key is not None and (account_id, idempotency_key) in self.keys:
            job_id, fingerprint = self.keys[(account_id, idempotency_key)]
            if fingerprint != request.fingerprint():
                raise IdempotencyKeyReused("key reused with a different body")
            return Submission(self.jobs[job_id][1], replayed=True)
        call.pins = await pin() if pin is not None else JobPins()
        view = JobView(
            str(uuid.uuid4()),
            JobStatus.QUEUED,
            request.count,
            created_at=datetime.now(UTC),
            claim=request.claim,
            language=request.language,
        )
        self.jobs[view.job_id] = (account_id, view)
        if idempotency_key is not None:
            self.keys[(account_id, idempotency_key)] = (view.job_id, request.fingerprint())
        return Submission(view, replayed=False)

    async def get(self, account_id: str, job_id: str) -> JobView:
        owner, view = self.jobs.get(job_id, (None, None))
        if owner != account_id or view is None:
            raise NotFound("no such job")
        return view

    async def wait(self, account_id: str, job_id: str, seconds: float) -> JobView:
        self.waits.append(seconds)
        return await self.get(account_id, job_id)

    async def cancel(self, account_id: str, job_id: str) -> JobView:
        view = await self.get(account_id, job_id)
        if view.status.is_terminal:
            raise JobFinished("the job already finished")
        self.canceled.append(job_id)
        return view

    async def list_jobs(
        self, account_id: str, status: JobStatus | None, limit: int, after: ListPosition | None
    ) -> JobPage:
        views = sorted(
            (v for owner, v in self.jobs.values() if owner == account_id),
            key=lambda v: (v.created_at, v.job_id),
            reverse=True,
        )
        if status is not None:
            views = [v for v in views if v.status is status]
        if after is not None:
            views = [
                v for v in views if (v.created_at, v.job_id) < (after.created_at, after.job_id)
            ]
        page = [_summary(v) for v in views[:limit]]
        last = page[-1] if len(views) > limit else None
        return JobPage(page, ListPosition(last.created_at, last.job_id) if last else None)

    def put(self, account_id: str, view: JobView) -> None:
        """Make a job with this view exist for the account. A new view of a known job keeps its
        start time, claim and language, as the real workflow's memo does; a new job starts now."""
        _, before = self.jobs.get(view.job_id, (None, None))
        if before is not None and not view.claim:
            view = dataclasses.replace(view, claim=before.claim, language=before.language)
        if view.created_at is None:
            started = before.created_at if before is not None else None
            view = dataclasses.replace(view, created_at=started or datetime.now(UTC))
        self.jobs[view.job_id] = (account_id, view)


def _summary(view: JobView) -> JobSummary:
    assert view.created_at is not None
    return JobSummary(
        job_id=view.job_id,
        status=view.status,
        created_at=view.created_at,
        requested=view.requested,
        produced=len(view.produced),
        claim=view.claim,
        language=view.language,
        metadata=view.metadata,
    )
