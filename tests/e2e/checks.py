"""Checks that hold on any stack after its jobs finished: the credit books, Temporal's view."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from temporalio.client import Client

from domain.jobs import job_id_of_workflow
from infra.ledger import CreditSummary
from tests.support.stack import TERMINAL_STATUSES, Stack


async def assert_books_balance(
    stack: Stack,
    client: httpx.AsyncClient,
    account_id: str,
    headers: Mapping[str, str],
    job_ids: list[str],
) -> CreditSummary:
    """Check the credit books of an account whose jobs (all of them, all finished) are job_ids.

    granted == available + held + consumed; nothing is left held; each job's creditsConsumed
    equals its produced images and its captured credits in the ledger; and the account's
    consumed credits are exactly the sum over its jobs (no credit charged twice or lost).
    """
    credits = stack.summary(account_id)
    assert credits.granted == credits.available + credits.held + credits.consumed, credits
    assert credits.held == 0, f"credits still held after every job finished: {credits}"
    consumed_by_jobs = 0
    for job_id in job_ids:
        response = await client.get(f"/api/v1/jobs/{job_id}", headers=dict(headers))
        assert response.status_code == 200, response.text
        job = response.json()
        assert job["status"] in TERMINAL_STATUSES, job
        captured = [
            reservation
            for reservation in stack.ledger.job_reservations(job_id)
            if reservation.state == "captured"
        ]
        assert job["creditsConsumed"] == job["result"]["produced"] == len(captured), (
            f"job {job_id}: {job} but the ledger captured {len(captured)} credits"
        )
        consumed_by_jobs += job["creditsConsumed"]
    assert credits.consumed == consumed_by_jobs, (
        f"the account consumed {credits.consumed} credits; its jobs {consumed_by_jobs}"
    )
    return credits


async def account_job_ids(temporal: Client, account_id: str) -> set[str]:
    """The ids of every job Temporal holds for an account (what operators query by AccountId)."""
    ids = set()
    async for execution in temporal.list_workflows(f"AccountId = '{account_id}'"):
        ids.add(job_id_of_workflow(execution.id))
    return ids
