"""The one place where errors become RFC 9457 `application/problem+json` responses.

Domain errors, Starlette/FastAPI HTTP errors, request validation errors, database failures and
anything unexpected all end here; routes raise, they never build error bodies. `PROBLEMS` is the
one catalog of codes: the OpenAPI document's error responses are derived from it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import (
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from api.body_deadline import BodyReadTimeout
from api.validation_messages import house_message
from domain import errors

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://creative-saas.vercel.app/problems/"
SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5
NOT_FOUND_DETAIL = "no such resource"
_MAX_FIELD_LENGTH = 100
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class ProblemType:
    status: int
    code: str
    title: str
    # What the code means to a client; the OpenAPI document's responses say it.
    meaning: str = ""


# The one catalog: every code a body can carry. The OpenAPI responses derive from it too
# (api/routes/responses.py).
DOMAIN_PROBLEMS: dict[type[errors.DomainError], ProblemType] = {
    errors.InvalidRequest: ProblemType(
        400,
        "invalid_request",
        "Invalid request",
        "malformed JSON, wrong types, out-of-range or unknown fields",
    ),
    errors.Unauthorized: ProblemType(
        401, "unauthorized", "Unauthorized", "missing, malformed, unknown or revoked API key"
    ),
    errors.InsufficientCredits: ProblemType(
        402,
        "insufficient_credits",
        "Insufficient credits",
        "fewer available credits than `count`",
    ),
    errors.Forbidden: ProblemType(
        403, "forbidden", "Forbidden", "the signed URL is missing, tampered with or expired"
    ),
    errors.NotFound: ProblemType(
        404, "not_found", "Not found", "unknown job, or a job of another account"
    ),
    errors.JobFinished: ProblemType(
        409, "job_finished", "Job finished", "the job already finished, so it cannot be canceled"
    ),
    errors.PayloadTooLarge: ProblemType(
        413, "payload_too_large", "Payload too large", "body over 16 KiB"
    ),
    errors.UnsupportedMediaType: ProblemType(
        415, "unsupported_media_type", "Unsupported media type", "body is not application/json"
    ),
    errors.KeyLimitReached: ProblemType(
        409,
        "key_limit_reached",
        "Key limit reached",
        "the account already holds 25 active API keys, revoke one first",
    ),
    errors.IdempotencyKeyReused: ProblemType(
        422,
        "idempotency_key_reused",
        "Idempotency key reused",
        "same Idempotency-Key, different body",
    ),
    errors.TooManyActiveJobs: ProblemType(
        429,
        "too_many_active_jobs",
        "Too many active jobs",
        "the plan's concurrent job limit; see Retry-After",
    ),
    errors.ServiceUnavailable: ProblemType(
        503,
        "service_unavailable",
        "Service unavailable",
        "orchestration backend unreachable; retrying with the same key is safe",
    ),
}
# Outcomes of the transport or the framework, not of the domain.
METHOD_NOT_ALLOWED = ProblemType(405, "method_not_allowed", "Method not allowed")
# A body that did not arrive in time (api/body_deadline.py).
REQUEST_TIMEOUT = ProblemType(408, "request_timeout", "Request timeout")
INTERNAL_ERROR = ProblemType(500, "internal_error", "Internal server error")
PROBLEMS: tuple[ProblemType, ...] = (
    *DOMAIN_PROBLEMS.values(),
    METHOD_NOT_ALLOWED,
    REQUEST_TIMEOUT,
    INTERNAL_ERROR,
)

# Statuses Starlette/FastAPI raise on their own (unknown route, wrong method, ...).
_HTTP_PROBLEMS: dict[int, ProblemType] = {
    **{problem.status: problem for problem in DOMAIN_PROBLEMS.values()},
    METHOD_NOT_ALLOWED.status: METHOD_NOT_ALLOWED,
}
_HTTP_DETAILS = {404: NOT_FOUND_DETAIL}
# Database failures a client should retry: the database is unreachable, locked or saturated.
# Any other database error is a bug (500).
_DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document, as every 4xx/5xx response body."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable, machine-readable error code")
    errors: list[FieldProblem] | None = None


def problem_for(error: errors.DomainError) -> ProblemType:
    """The catalog entry for a domain error (looked up along its class hierarchy)."""
    for cls in type(error).__mro__:
        if cls in DOMAIN_PROBLEMS:
            return DOMAIN_PROBLEMS[cls]
    raise LookupError(f"no problem mapping for {type(error).__name__}")


def problem_response(
    problem: ProblemType,
    detail: str,
    *,
    field_errors: list[errors.FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render one problem document; ASCII-escaped so no input can make encoding fail."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + problem.code,
        "title": problem.title,
        "status": problem.status,
        "detail": detail,
        "code": problem.code,
    }
    if field_errors is not None:
        body["errors"] = [
            {"field": e.field[:_MAX_FIELD_LENGTH], "message": e.message} for e in field_errors
        ]
    content = json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return Response(content, problem.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def domain_error_response(error: errors.DomainError) -> Response:
    """The problem response for a domain error, with the headers its status calls for."""
    headers: dict[str, str] = {}
    field_errors: list[errors.FieldError] | None = None
    if isinstance(error, errors.InvalidRequest):
        field_errors = error.errors
    elif isinstance(error, errors.Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    elif isinstance(error, errors.TooManyActiveJobs):
        headers["Retry-After"] = str(max(1, error.retry_after_seconds))
    elif isinstance(error, errors.ServiceUnavailable):
        headers["Retry-After"] = str(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS)
    return problem_response(
        problem_for(error), error.detail, field_errors=field_errors, headers=headers
    )


def translate_database_error(error: SQLAlchemyError) -> errors.DomainError | None:
    """The domain error a database failure is to the client; None when it is a bug. The one
    place database errors are translated: services and dependencies let them rise to here."""
    if isinstance(error, _DATABASE_UNAVAILABLE):
        return errors.ServiceUnavailable("the account store is unavailable; retry shortly")
    return None


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.DomainError)
    return domain_error_response(exc)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    problem = _HTTP_PROBLEMS.get(status) or ProblemType(
        status, INTERNAL_ERROR.code if status >= 500 else "http_error", _phrase(status)
    )
    detail = _HTTP_DETAILS.get(status) or (exc.detail if isinstance(exc.detail, str) else "")
    headers = dict(exc.headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    if status == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(problem, detail or problem.title, headers=headers)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    field_errors = [
        errors.FieldError(_loc_name(err.get("loc", ())), house_message(err)) for err in exc.errors()
    ]
    return domain_error_response(errors.InvalidRequest("The request is invalid.", field_errors))


async def _on_body_read_timeout(request: Request, exc: Exception) -> Response:
    # The rest of the body may still be on its way: this connection cannot carry another request.
    return problem_response(REQUEST_TIMEOUT, str(exc), headers={"Connection": "close"})


async def _on_client_disconnect(request: Request, exc: Exception) -> Response:
    return problem_response(DOMAIN_PROBLEMS[errors.InvalidRequest], "Client disconnected.")


async def _on_database_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SQLAlchemyError)
    translated = translate_database_error(exc)
    if translated is None:
        raise exc  # a bug: on to the 500 of _on_unexpected, like any other
    # A lost or locked database is transient for the client: retrying later is the remedy.
    log.warning(
        "database unavailable while serving %s %s: %s", request.method, request.url.path, exc
    )
    return domain_error_response(translated)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error serving %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(INTERNAL_ERROR, "An unexpected error occurred.")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves on this path. Starlette names only the first route's,
    and GET and POST /api/v1/keys, say, are two routes."""
    routes: list[BaseRoute] = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _loc_name(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the app can raise to a problem+json response."""
    app.add_exception_handler(errors.DomainError, _on_domain_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(ClientDisconnect, _on_client_disconnect)
    app.add_exception_handler(BodyReadTimeout, _on_body_read_timeout)
    app.add_exception_handler(SQLAlchemyError, _on_database_error)
    app.add_exception_handler(Exception, _on_unexpected)
