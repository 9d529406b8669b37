"""OpenAPI descriptions of the problem+json responses a route can give, from the one catalog."""

from __future__ import annotations

from typing import Any

from api.problems import PROBLEM_MEDIA_TYPE, PROBLEMS

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}  # the one schema (api/openapi.py)


def problem_description(status: int) -> str:
    """`code: meaning` of each catalog entry with this status, e.g. both 409s."""
    described = [f"{p.code}: {p.meaning}" for p in PROBLEMS if p.status == status and p.meaning]
    if not described:
        raise LookupError(f"the problem catalog describes no {status}")
    return "; ".join(described)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries documenting each status as an RFC 9457 problem."""
    return {
        status: {
            "description": problem_description(status),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}},
        }
        for status in statuses
    }
