"""The seam between HTTP and Temporal: routes submit and read jobs only through this protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.jobs import GenerateRequest, JobView


@dataclass(frozen=True)
class Submission:
    view: JobView
    replayed: bool  # True when an Idempotency-Key matched an existing job with the same body


class JobOrchestrator(Protocol):
    async def submit(
        self, account_id: str, request: GenerateRequest, idempotency_key: str | None
    ) -> Submission:
        """Start one job (or find the one this key already started).

        Raises InsufficientCredits, IdempotencyKeyReused, ServiceUnavailable (domain.errors).
        """
        ...

    async def get(self, account_id: str, job_id: str) -> JobView:
        """The job's current view. Raises NotFound for unknown ids and other accounts' jobs."""
        ...
