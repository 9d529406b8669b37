"""The domain's error tree. `api/problems.py` maps each to the problem+json catalog.

DomainError
├── InvalidRequest          bad input (400)
├── Unauthorized            missing, malformed, unknown or revoked key (401)
├── InsufficientCredits     not enough available credits (402)
├── Forbidden               signed file URL missing, tampered with or expired (403)
├── NotFound                unknown job, or another account's (404)
├── JobFinished             cancel of a job that already finished (409)
├── KeyLimitReached         too many active API keys on the account (409)
├── PayloadTooLarge         request body over its limit (413)
├── UnsupportedMediaType    request body of a media type the route does not take (415)
├── IdempotencyKeyReused    same key, different body (422)
├── TooManyActiveJobs       plan's concurrency limit (429)
└── ServiceUnavailable      orchestration backend or database unreachable (503)

Lower layers' failures are translated into this tree at one boundary each: Temporal's in the
orchestrator's `temporal_errors()`, the database's in `api/problems.py`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidRequest(DomainError):
    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class Unauthorized(DomainError):
    pass


class InsufficientCredits(DomainError):
    pass


class Forbidden(DomainError):
    pass


class NotFound(DomainError):
    pass


class JobFinished(DomainError):
    pass


class KeyLimitReached(DomainError):
    pass


class PayloadTooLarge(DomainError):
    pass


class UnsupportedMediaType(DomainError):
    pass


class IdempotencyKeyReused(DomainError):
    pass


class TooManyActiveJobs(DomainError):
    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class ServiceUnavailable(DomainError):
    pass
