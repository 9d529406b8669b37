"""Bearer authentication: every way a key can be wrong looks the same from outside."""

from __future__ import annotations

import httpx
import pytest

from infra.accounts import AccountService
from tests.api.conftest import Caller
from tests.api.fakes import FakeOrchestrator

PROTECTED = [
    ("POST", "/api/v1/generate"),
    ("GET", "/api/v1/jobs/0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f90"),
]


async def unauthorized_body(response: httpx.Response) -> dict:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["code"] == "unauthorized"
    return body


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_missing_malformed_unknown_and_revoked_keys_get_identical_401s(
    client: httpx.AsyncClient,
    accounts: AccountService,
    orchestrator: FakeOrchestrator,
    method: str,
    path: str,
):
    account = accounts.create_account("Revoked")
    key_info, revoked_key = accounts.create_key(account.id)
    accounts.revoke_key(key_info.id)
    presented = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "cs_live_" + "a" * 43},
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": "Bearer cs_live_" + "a" * 43},
        {"Authorization": f"Bearer {revoked_key}"},
        {"Authorization": f"Bearer {revoked_key} extra"},
    ]

    bodies = []
    for headers in presented:
        response = await client.request(method, path, headers=headers, json={"claim": "Hi"})
        bodies.append(await unauthorized_body(response))

    assert all(body == bodies[0] for body in bodies)
    assert orchestrator.calls == []


async def test_auth_is_checked_before_the_body(client: httpx.AsyncClient):
    response = await client.post(
        "/api/v1/generate",
        headers={"Content-Type": "text/plain", "Idempotency-Key": ""},
        content=b"x" * 100_000,
    )

    await unauthorized_body(response)


async def test_scheme_is_case_insensitive(client: httpx.AsyncClient, alice: Caller):
    response = await client.post(
        "/api/v1/generate", headers={"Authorization": f"bearer {alice.key}"}, json={"claim": "Hi"}
    )

    assert response.status_code == 202
