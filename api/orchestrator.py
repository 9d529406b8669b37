"""The seam between HTTP and Temporal: routes submit and read jobs only through this protocol."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from domain.brand import JobPins
from domain.jobs import GenerateRequest, JobPage, JobStatus, JobView, ListPosition

# Resolves the request's brand kit and product image to their content; raises NotFound.
PinBrand = Callable[[], Awaitable[JobPins]]


@dataclass(frozen=True)
class Submission:
    view: JobView
    replayed: bool  # True when an Idempotency-Key matched an existing job with the same body


class JobOrchestrator(Protocol):
    async def submit(
        self,
        account_id: str,
        request: GenerateRequest,
        idempotency_key: str | None,
        pin: PinBrand | None = None,
    ) -> Submission:
        """Start one job (or find the one this key already started).

        `pin` is awaited only for a new job (after the replay check), and what it returns goes
        into the workflow input. Raises InsufficientCredits, IdempotencyKeyReused,
        ServiceUnavailable, and NotFound from `pin` (domain.errors).
        """
        ...

    async def get(self, account_id: str, job_id: str) -> JobView:
        """The job's current view. Raises NotFound for unknown ids and other accounts' jobs."""
        ...

    async def wait(self, account_id: str, job_id: str, seconds: float) -> JobView:
        """The job once it is terminal, or after `seconds` as it stands then. Raises NotFound."""
        ...

    async def cancel(self, account_id: str, job_id: str) -> JobView:
        """Ask the job to stop; its view right after. Raises NotFound, JobFinished."""
        ...

    async def list_jobs(
        self, account_id: str, status: JobStatus | None, limit: int, after: ListPosition | None
    ) -> JobPage:
        """The account's jobs started before `after`, newest first, at most `limit`."""
        ...
