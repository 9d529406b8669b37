"""Plans cap concurrently running jobs: against the real Temporal dev server, with no worker.

No worker polls the test's task queue, so every started job stays running until the test
terminates it: exactly the state the limit is about. A terminated workflow never runs its last
step, so its slot comes back when the credit sweep finds it closed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from activities.reconcile import release_credits_of_closed_jobs
from api.app import create_app
from api.temporal_orchestrator import TemporalJobOrchestrator, job_id_for
from domain.jobs import job_workflow_id
from infra.accounts import AccountService
from infra.ledger import CreditLedger
from infra.settings import Settings
from infra.signing import UrlSigner
from infra.storage import LocalImageStore
from tests.api.test_generate import problem

BODY = {"claim": "Best protein supplements", "count": 1}


@dataclass
class Stack:
    http: httpx.AsyncClient
    client: Client
    accounts: AccountService
    ledger: CreditLedger
    started: dict[str, str]  # job id -> account id
    owners: dict[str, str] = field(default_factory=dict)  # Authorization -> account id

    def new_account(self, plan: str, credits: int = 10) -> tuple[str, dict[str, str]]:
        account = self.accounts.create_account(f"{plan}-{uuid.uuid4().hex[:6]}", plan=plan)
        self.ledger.grant(account.id, credits)
        _, key = self.accounts.create_key(account.id)
        self.owners[f"Bearer {key}"] = account.id
        return account.id, {"Authorization": f"Bearer {key}"}

    async def generate(self, headers: dict[str, str], idempotency_key: str) -> httpx.Response:
        response = await self.http.post(
            "/api/v1/generate", headers={**headers, "Idempotency-Key": idempotency_key}, json=BODY
        )
        if response.status_code == 202 and "idempotent-replayed" not in response.headers:
            self.started[response.json()["jobId"]] = self.owners[headers["Authorization"]]
        return response

    async def sweep(self) -> None:
        """The credit sweep, run now: it ends the jobs whose workflow has closed."""
        await release_credits_of_closed_jobs(self.client, self.ledger, older_than=timedelta(0))

    async def exists(self, account_id: str, idempotency_key: str) -> bool:
        """Whether a workflow was ever started for this account's key."""
        handle = self.client.get_workflow_handle(
            job_workflow_id(account_id, job_id_for(account_id, idempotency_key))
        )
        try:
            await handle.describe()
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True

    async def terminate(self, job_id: str) -> None:
        account_id = self.started.pop(job_id)
        handle = self.client.get_workflow_handle(job_workflow_id(account_id, job_id))
        await handle.terminate("test over")


@pytest.fixture
async def stack(
    dev_server_env: WorkflowEnvironment, db: sqlalchemy.Engine, tmp_path: Path
) -> AsyncIterator[Stack]:
    """The API with a real TemporalJobOrchestrator on a fresh task queue nobody polls."""
    accounts, ledger = AccountService(db), CreditLedger(db)
    orchestrator = TemporalJobOrchestrator(
        dev_server_env.client, ledger, f"no-worker-{uuid.uuid4()}", accounts
    )
    store = LocalImageStore(tmp_path / "images", UrlSigner(b"secret", 3600))
    app = create_app(Settings(data_dir=tmp_path), orchestrator=orchestrator, engine=db, store=store)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            stack = Stack(http, dev_server_env.client, accounts, ledger, {})
            try:
                yield stack
            finally:
                for job_id in list(stack.started):
                    await stack.terminate(job_id)


async def test_free_plan_runs_two_jobs_and_refuses_a_third_until_one_ends(stack: Stack):
    account_id, headers = stack.new_account("free")

    first = await stack.generate(headers, "job-1")
    second = await stack.generate(headers, "job-2")
    assert first.status_code == second.status_code == 202
    balance = stack.ledger.summary(account_id)

    refused = await stack.generate(headers, "job-3")

    body = problem(refused, 429, "too_many_active_jobs")
    assert "2" in body["detail"]
    assert int(refused.headers["retry-after"]) >= 1
    assert stack.ledger.summary(account_id) == balance
    assert not await stack.exists(account_id, "job-3")

    replay = await stack.generate(headers, "job-1")
    assert replay.status_code == 202
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["jobId"] == first.json()["jobId"]

    await stack.terminate(first.json()["jobId"])
    problem(await stack.generate(headers, "job-3"), 429, "too_many_active_jobs")  # not swept yet
    await stack.sweep()
    retried = await stack.generate(headers, "job-3")

    assert retried.status_code == 202
    assert "idempotent-replayed" not in retried.headers  # the 429 did not consume the key


async def test_each_account_is_limited_by_its_own_plan(stack: Stack):
    _, free = stack.new_account("free")
    _, pro = stack.new_account("pro")
    for n in (1, 2):
        assert (await stack.generate(free, f"free-{n}")).status_code == 202

    pro_jobs = [await stack.generate(pro, f"pro-{n}") for n in (1, 2, 3)]

    assert [response.status_code for response in pro_jobs] == [202, 202, 202]
    problem(await stack.generate(free, "free-3"), 429, "too_many_active_jobs")
