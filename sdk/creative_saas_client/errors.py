"""Every error the client raises, in one tree under `CreativeSaaSError`.

CreativeSaaSError                      status, code, detail, errors (field problems), title
├── APIConnectionError                 the API could not be reached (after the retries)
├── JobWaitTimeout                     jobs.wait() gave up; `.job` is the last state seen
└── APIError                           the API answered with a problem document
    ├── InvalidRequestError            400 invalid_request
    ├── UnauthorizedError              401 unauthorized
    ├── InsufficientCreditsError       402 insufficient_credits
    ├── ForbiddenError                 403 forbidden (a tampered or expired image URL)
    ├── NotFoundError                  404 not_found
    ├── MethodNotAllowedError          405 method_not_allowed
    ├── RequestTimeoutError            408 request_timeout (the request arrived too slowly)
    ├── JobFinishedError               409 job_finished (cancel of a finished job)
    ├── KeyLimitReachedError           409 key_limit_reached
    ├── PayloadTooLargeError           413 payload_too_large
    ├── UnsupportedMediaTypeError      415 unsupported_media_type
    ├── IdempotencyKeyReusedError      422 idempotency_key_reused
    ├── TooManyActiveJobsError         429 too_many_active_jobs
    ├── InternalServerError            500 internal_error
    └── ServiceUnavailableError        503 service_unavailable

A code this version does not know yet becomes a plain `APIError` with the server's code, so
`except APIError` and `error.code` keep working against a newer server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from creative_saas_client.models import Job


@dataclass(frozen=True)
class FieldError:
    """One invalid field of a request, from a 400's `errors` list."""

    field: str
    message: str


class CreativeSaaSError(Exception):
    """Base of every error this package raises."""

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str = "client_error",
        title: str = "",
        errors: list[FieldError] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.code = code
        self.title = title
        self.errors: list[FieldError] = list(errors or [])
        self.retry_after = retry_after

    def __str__(self) -> str:
        head = f"{self.status} {self.code}: " if self.status else ""
        fields = "".join(f"\n  {e.field}: {e.message}" for e in self.errors)
        return f"{head}{self.detail}{fields}"


class APIConnectionError(CreativeSaaSError):
    """The API could not be reached, or stopped answering, even after retrying."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, code="connection_error")


class JobWaitTimeout(CreativeSaaSError):
    """`jobs.wait()` ran out of time before the job finished; `job` is its last known state."""

    def __init__(self, job: Job, timeout: float) -> None:
        super().__init__(
            f"job {job.id} is still {job.status} after {timeout:g} s", code="wait_timeout"
        )
        self.job = job


class APIError(CreativeSaaSError):
    """The API answered with an RFC 9457 problem document."""

    STATUS: ClassVar[int] = 0
    CODE: ClassVar[str] = ""


class InvalidRequestError(APIError):
    STATUS, CODE = 400, "invalid_request"


class UnauthorizedError(APIError):
    STATUS, CODE = 401, "unauthorized"


class InsufficientCreditsError(APIError):
    STATUS, CODE = 402, "insufficient_credits"


class ForbiddenError(APIError):
    STATUS, CODE = 403, "forbidden"


class NotFoundError(APIError):
    STATUS, CODE = 404, "not_found"


class MethodNotAllowedError(APIError):
    STATUS, CODE = 405, "method_not_allowed"


class RequestTimeoutError(APIError):
    STATUS, CODE = 408, "request_timeout"


class JobFinishedError(APIError):
    STATUS, CODE = 409, "job_finished"


class KeyLimitReachedError(APIError):
    STATUS, CODE = 409, "key_limit_reached"


class PayloadTooLargeError(APIError):
    STATUS, CODE = 413, "payload_too_large"


class UnsupportedMediaTypeError(APIError):
    STATUS, CODE = 415, "unsupported_media_type"


class IdempotencyKeyReusedError(APIError):
    STATUS, CODE = 422, "idempotency_key_reused"


class TooManyActiveJobsError(APIError):
    STATUS, CODE = 429, "too_many_active_jobs"


class InternalServerError(APIError):
    STATUS, CODE = 500, "internal_error"


class ServiceUnavailableError(APIError):
    STATUS, CODE = 503, "service_unavailable"


ERRORS_BY_CODE: dict[str, type[APIError]] = {
    cls.CODE: cls
    for cls in (
        InvalidRequestError,
        UnauthorizedError,
        InsufficientCreditsError,
        ForbiddenError,
        NotFoundError,
        MethodNotAllowedError,
        RequestTimeoutError,
        JobFinishedError,
        KeyLimitReachedError,
        PayloadTooLargeError,
        UnsupportedMediaTypeError,
        IdempotencyKeyReusedError,
        TooManyActiveJobsError,
        InternalServerError,
        ServiceUnavailableError,
    )
}


def error_from_problem(
    status: int, problem: Any, *, fallback_detail: str, retry_after: float | None
) -> APIError:
    """The exception for a problem response; tolerant of bodies that are not problems."""
    body: dict[str, Any] = problem if isinstance(problem, dict) else {}
    code = body.get("code") if isinstance(body.get("code"), str) else None
    detail = body.get("detail") if isinstance(body.get("detail"), str) else None
    title = body.get("title") if isinstance(body.get("title"), str) else ""
    field_errors = [
        FieldError(str(item.get("field", "")), str(item.get("message", "")))
        for item in body.get("errors") or []
        if isinstance(item, dict)
    ]
    cls = ERRORS_BY_CODE.get(code or "", APIError)
    return cls(
        detail or title or fallback_detail,
        status=status,
        code=code or "http_error",
        title=str(title),
        errors=field_errors,
        retry_after=retry_after,
    )
