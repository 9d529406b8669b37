"""/api/v1/keys: an account creates, lists and revokes its own keys, and nobody else's."""

from __future__ import annotations

from datetime import datetime

import httpx

from infra.accounts import AccountService
from tests.api.conftest import Caller
from tests.api.test_generate import problem

KEYS = "/api/v1/keys"


def caller(accounts: AccountService, name: str) -> Caller:
    """A fresh account with one key, so revocations never leak into other tests."""
    account = accounts.create_account(name)
    _, key = accounts.create_key(account.id)
    return Caller(account, key)


async def test_a_created_key_is_shown_once_and_works(
    client: httpx.AsyncClient, accounts: AccountService
):
    owner = caller(accounts, "Creator")

    created = await client.post(KEYS, headers=owner.headers)

    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "prefix", "createdAt", "apiKey"}
    assert body["apiKey"].startswith("cs_live_") and len(body["apiKey"]) >= 40
    assert body["apiKey"].startswith(body["prefix"])
    datetime.fromisoformat(body["createdAt"])
    new_key_headers = {"Authorization": f"Bearer {body['apiKey']}"}
    account = await client.get("/api/v1/account", headers=new_key_headers)
    assert account.status_code == 200
    assert account.json()["id"] == owner.account.id


async def test_listing_shows_every_key_without_secrets(
    client: httpx.AsyncClient, accounts: AccountService
):
    owner = caller(accounts, "Lister")
    created = (await client.post(KEYS, headers=owner.headers)).json()

    listed = await client.get(KEYS, headers=owner.headers)

    assert listed.status_code == 200
    keys = listed.json()
    assert len(keys) == 2
    assert all(set(key) == {"id", "prefix", "createdAt", "lastUsedAt", "revokedAt"} for key in keys)
    assert keys[1]["id"] == created["id"] and keys[1]["prefix"] == created["prefix"]
    assert keys[0]["lastUsedAt"] is not None  # the key that made these calls
    assert keys[1]["lastUsedAt"] is None and keys[1]["revokedAt"] is None
    assert created["apiKey"] not in listed.text and owner.key not in listed.text


async def test_a_revoked_key_fails_on_the_very_next_request(
    client: httpx.AsyncClient, accounts: AccountService
):
    owner = caller(accounts, "Revoker")
    spare = (await client.post(KEYS, headers=owner.headers)).json()
    spare_headers = {"Authorization": f"Bearer {spare['apiKey']}"}
    assert (await client.get(KEYS, headers=spare_headers)).status_code == 200

    revoked = await client.delete(f"{KEYS}/{spare['id']}", headers=owner.headers)

    assert revoked.status_code == 204
    assert revoked.content == b""
    problem(await client.get(KEYS, headers=spare_headers), 401, "unauthorized")
    [listed] = [
        k for k in (await client.get(KEYS, headers=owner.headers)).json() if k["id"] == spare["id"]
    ]
    assert listed["revokedAt"] is not None
    again = await client.delete(f"{KEYS}/{spare['id']}", headers=owner.headers)
    assert again.status_code == 204


async def test_a_key_can_revoke_itself(client: httpx.AsyncClient, accounts: AccountService):
    owner = caller(accounts, "Self-revoker")
    [own] = (await client.get(KEYS, headers=owner.headers)).json()

    assert (await client.delete(f"{KEYS}/{own['id']}", headers=owner.headers)).status_code == 204

    problem(await client.get(KEYS, headers=owner.headers), 401, "unauthorized")


async def test_another_accounts_key_is_not_found_and_keeps_working(
    client: httpx.AsyncClient, accounts: AccountService
):
    mallory, victim = caller(accounts, "Mallory"), caller(accounts, "Victim")
    [victim_key] = (await client.get(KEYS, headers=victim.headers)).json()

    foreign = await client.delete(f"{KEYS}/{victim_key['id']}", headers=mallory.headers)
    unknown = await client.delete(f"{KEYS}/key_{'0' * 24}", headers=mallory.headers)

    assert problem(foreign, 404, "not_found") == problem(unknown, 404, "not_found")
    still = await client.get(KEYS, headers=victim.headers)
    assert still.status_code == 200
    assert still.json()[0]["revokedAt"] is None
    assert victim_key["id"] not in (await client.get(KEYS, headers=mallory.headers)).text


async def test_each_account_lists_only_its_own_keys(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
):
    alice_keys = (await client.get(KEYS, headers=alice.headers)).json()
    bob_keys = (await client.get(KEYS, headers=bob.headers)).json()

    assert alice_keys and bob_keys
    assert not {k["id"] for k in alice_keys} & {k["id"] for k in bob_keys}


async def test_key_routes_need_a_valid_key(client: httpx.AsyncClient):
    for method, path in (("POST", KEYS), ("GET", KEYS), ("DELETE", f"{KEYS}/key_{'0' * 24}")):
        response = await client.request(method, path, headers={"Authorization": "Bearer nope"})
        problem(response, 401, "unauthorized")


async def test_a_wrong_method_names_every_method_the_path_serves(
    client: httpx.AsyncClient, alice: Caller
):
    # GET and POST /api/v1/keys are two routes; Allow must list both, not the first one.
    response = await client.put(KEYS, headers=alice.headers)

    problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, POST"


async def test_keys_past_the_cap_are_refused_with_409_until_one_is_revoked(
    client: httpx.AsyncClient, accounts: AccountService
):
    from infra.accounts import MAX_ACTIVE_KEYS

    owner = caller(accounts, "Collector")  # holds one active key already
    for _ in range(MAX_ACTIVE_KEYS - 1):
        assert (await client.post(KEYS, headers=owner.headers)).status_code == 201

    refused = await client.post(KEYS, headers=owner.headers)

    body = problem(refused, 409, "key_limit_reached")
    assert f"at most {MAX_ACTIVE_KEYS} active API keys" in body["detail"]
    keys = (await client.get(KEYS, headers=owner.headers)).json()
    assert len(keys) == MAX_ACTIVE_KEYS  # the refused request created nothing
    spare = next(key for key in keys if key["prefix"] != owner.key[:12])
    assert (await client.delete(f"{KEYS}/{spare['id']}", headers=owner.headers)).status_code == 204
    assert (await client.post(KEYS, headers=owner.headers)).status_code == 201
