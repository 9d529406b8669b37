"""OpenAPI descriptions of the problem+json responses a route can give."""

from __future__ import annotations

from typing import Any

from api.problems import PROBLEM_MEDIA_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}  # the one schema (api/openapi.py)

_DESCRIPTIONS = {
    400: "invalid_request: malformed JSON, wrong types, out-of-range or unknown fields",
    401: "unauthorized: missing, malformed, unknown or revoked API key",
    402: "insufficient_credits: fewer available credits than `count`",
    403: "forbidden: the signed URL is missing, tampered with or expired",
    404: "not_found: unknown job, or a job of another account",
    409: "job_finished: the job already finished, so it cannot be canceled; "
    "key_limit_reached: the account already holds 25 active API keys, revoke one first",
    413: "payload_too_large: body over 16 KiB",
    415: "unsupported_media_type: body is not application/json",
    422: "idempotency_key_reused: same Idempotency-Key, different body",
    429: "too_many_active_jobs: the plan's concurrent job limit; see Retry-After",
    503: "service_unavailable: orchestration backend unreachable; retrying with the same key "
    "is safe",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries documenting each status as an RFC 9457 problem."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}},
        }
        for status in statuses
    }
