"""Every API operation as a `Call`: path, body, headers and the model its answer becomes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from creative_saas_client._core import Call, json_of
from creative_saas_client.models import Account, ApiKey, Format, Job, JobList, Language

API = "/api/v1"
MAX_WAIT_SECONDS = 60  # the API's limit for ?wait=


def _job(response: httpx.Response) -> Job:
    replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
    return Job.from_json(json_of(response), replayed=replayed)


def _job_path(job_id: str) -> str:
    return f"{API}/jobs/{quote(job_id, safe='')}"


def create_job(
    claim: str,
    *,
    language: str | None,
    count: int | None,
    formats: Sequence[str] | None,
    cta: str | None,
    subline: str | None,
    badge: str | None,
    output: str | None,
    metadata: Mapping[str, str] | None,
    idempotency_key: str | None,
) -> Call[Job]:
    """POST /generate; one Idempotency-Key per create, the same on each of its retries."""
    body: dict[str, Any] = {"claim": claim}
    optional: dict[str, Any] = {
        "language": language,
        "count": count,
        "formats": list(formats) if formats is not None else None,
        "cta": cta,
        "subline": subline,
        "badge": badge,
        "output": output,
        "metadata": dict(metadata) if metadata is not None else None,
    }
    # Absent, not null: the API refuses unknown values and an older server unknown fields.
    body.update({name: value for name, value in optional.items() if value is not None})
    key = idempotency_key or str(uuid.uuid4())
    return Call("POST", f"{API}/generate", _job, json=body, headers={"Idempotency-Key": key})


def get_job(job_id: str, wait: float | None = None) -> Call[Job]:
    if wait is None:
        return Call("GET", _job_path(job_id), _job)
    seconds = max(0, min(MAX_WAIT_SECONDS, int(wait)))
    return Call("GET", _job_path(job_id), _job, params={"wait": seconds}, extra_timeout=seconds)


def list_jobs(status: str | None, limit: int | None, cursor: str | None) -> Call[JobList]:
    params = {"status": status, "limit": limit, "cursor": cursor}
    return Call(
        "GET",
        f"{API}/jobs",
        lambda response: JobList.from_json(json_of(response)),
        params={name: value for name, value in params.items() if value is not None},
    )


def cancel_job(job_id: str) -> Call[Job]:
    # Canceling twice is a no-op 202 by contract, so a retry after a lost answer is safe.
    return Call("POST", f"{_job_path(job_id)}/cancel", _job)


def get_account() -> Call[Account]:
    return Call("GET", f"{API}/account", lambda response: Account.from_json(json_of(response)))


def list_formats() -> Call[list[Format]]:
    return Call("GET", f"{API}/formats", lambda r: [Format.from_json(row) for row in json_of(r)])


def list_languages() -> Call[list[Language]]:
    return Call(
        "GET", f"{API}/languages", lambda r: [Language.from_json(row) for row in json_of(r)]
    )


def create_key() -> Call[ApiKey]:
    # Not idempotent: a create whose answer was lost may have made a key we never saw.
    return Call(
        "POST",
        f"{API}/keys",
        lambda response: ApiKey.from_json(json_of(response)),
        idempotent=False,
    )


def list_keys() -> Call[list[ApiKey]]:
    return Call("GET", f"{API}/keys", lambda r: [ApiKey.from_json(row) for row in json_of(r)])


def revoke_key(key_id: str) -> Call[None]:
    return Call("DELETE", f"{API}/keys/{quote(key_id, safe='')}", lambda response: None)
