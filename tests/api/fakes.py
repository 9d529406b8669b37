"""An in-memory JobOrchestrator, passed to create_app through its constructor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from api.orchestrator import PinBrand, Submission
from domain.brand import JobPins
from domain.errors import DomainError, IdempotencyKeyReused, NotFound
from domain.jobs import GenerateRequest, JobStatus, JobView


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
        view = JobView(str(uuid.uuid4()), JobStatus.QUEUED, request.count)
        self.jobs[view.job_id] = (account_id, view)
        if idempotency_key is not None:
            self.keys[(account_id, idempotency_key)] = (view.job_id, request.fingerprint())
        return Submission(view, replayed=False)

    async def get(self, account_id: str, job_id: str) -> JobView:
        owner, view = self.jobs.get(job_id, (None, None))
        if owner != account_id or view is None:
            raise NotFound("no such job")
        return view

    def put(self, account_id: str, view: JobView) -> None:
        """Make a job with this exact view exist for the account."""
        self.jobs[view.job_id] = (account_id, view)
