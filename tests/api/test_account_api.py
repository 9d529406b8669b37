"""GET /api/v1/account: the plan, its limits and where the credits are."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy

from infra.accounts import AccountService
from infra.ledger import CreditLedger
from tests.api.conftest import Caller
from tests.api.test_generate import problem

ACCOUNT = "/api/v1/account"


@pytest.mark.parametrize(("plan", "max_active_jobs"), [("free", 2), ("pro", 10), ("business", 50)])
async def test_shows_the_plan_and_its_active_job_limit(
    client: httpx.AsyncClient, accounts: AccountService, plan: str, max_active_jobs: int
):
    account = accounts.create_account(f"On {plan}", plan=plan)
    _, key = accounts.create_key(account.id)

    response = await client.get(ACCOUNT, headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 200
    assert response.json() == {
        "id": account.id,
        "name": f"On {plan}",
        "plan": plan,
        "credits": {"available": 0, "reserved": 0, "consumed": 0, "granted": 0},
        "limits": {"maxActiveJobs": max_active_jobs},
    }


async def test_credits_split_into_available_reserved_and_consumed(
    client: httpx.AsyncClient, accounts: AccountService, engine: sqlalchemy.Engine
):
    account = accounts.create_account("Spender")
    _, key = accounts.create_key(account.id)
    ledger = CreditLedger(engine)
    ledger.grant(account.id, 10)
    for index in (1, 2, 3):
        ledger.reserve(job_id="job-a", account_id=account.id, index=index)
    ledger.capture(job_id="job-a", index=1, storage_key="k1")
    ledger.release(job_id="job-a", index=2)

    response = await client.get(ACCOUNT, headers={"Authorization": f"Bearer {key}"})

    assert response.json()["credits"] == {
        "available": 8,
        "reserved": 1,
        "consumed": 1,
        "granted": 10,
    }


async def test_answers_only_about_the_callers_own_account(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
):
    as_alice = await client.get(ACCOUNT, headers=alice.headers)
    as_bob = await client.get(ACCOUNT, headers=bob.headers)

    assert as_alice.json()["id"] == alice.account.id
    assert as_bob.json()["id"] == bob.account.id


async def test_needs_a_valid_key(client: httpx.AsyncClient):
    problem(await client.get(ACCOUNT), 401, "unauthorized")


async def test_a_database_failing_after_authentication_is_a_503_not_a_500(
    settings, orchestrator, store, tmp_path
):
    """The account store breaking mid-request is transient for the client: 503, retry later."""
    from api.app import create_app
    from infra.db import create_db_engine, migrate

    broken_engine = create_db_engine(f"sqlite:///{tmp_path / 'breaks.db'}")
    migrate(broken_engine)
    accounts = AccountService(broken_engine)
    account = accounts.create_account("Unlucky")
    _, key = accounts.create_key(account.id)
    with broken_engine.begin() as connection:  # the ledger's counter vanishes under the API
        connection.exec_driver_sql("ALTER TABLE accounts DROP COLUMN held_credits")
    app = create_app(settings, orchestrator=orchestrator, engine=broken_engine, store=store)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get(ACCOUNT, headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "service_unavailable"
    assert int(response.headers["retry-after"]) >= 1
    broken_engine.dispose()
