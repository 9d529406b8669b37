"""What operators see in Temporal: an account's jobs, found by AccountId, with their JobStatus."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from typing import Any

import httpx
from temporalio.client import Client

from domain.jobs import job_workflow_id
from tests.conftest import installed_binary
from tests.support.stack import Stack, bearer, wait_for_terminal
from workflows.search_attributes import JOB_STATUS

# Visibility (what `workflow list` reads) is updated shortly after the workflow itself.
VISIBILITY_WAIT_SECONDS = 20.0


def temporal_cli_list(address: str, query: str) -> list[dict[str, Any]]:
    """`temporal workflow list --query ...` as an operator types it, parsed from its JSON output."""
    listing = subprocess.run(
        [installed_binary("temporal"), "workflow", "list", "--address", address]
        + ["--namespace", "default", "--query", query, "--output", "json"]
        + ["--disable-config-file", "--disable-config-env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listing.returncode == 0, listing.stderr
    executions: list[dict[str, Any]] = json.loads(listing.stdout or "[]")
    return executions


async def test_operators_find_an_accounts_finished_job_by_account_id(
    stack: Stack, http: httpx.AsyncClient, temporal_client: Client, temporal_address: str
) -> None:
    account_id, key = stack.create_account(credits=1)
    accepted = await http.post(
        "/api/v1/generate", json={"claim": "Find me in the UI", "count": 1}, headers=bearer(key)
    )
    job_id = accepted.json()["jobId"]
    assert (await wait_for_terminal(http, job_id, bearer(key)))["status"] == "completed"
    query = f"AccountId='{account_id}' AND JobStatus='completed'"

    deadline = time.monotonic() + VISIBILITY_WAIT_SECONDS
    listed = temporal_cli_list(temporal_address, query)
    while not listed and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        listed = temporal_cli_list(temporal_address, query)

    assert [execution["execution"]["workflowId"] for execution in listed] == [
        job_workflow_id(account_id, job_id)
    ], listed
    description = await temporal_client.get_workflow_handle(
        job_workflow_id(account_id, job_id)
    ).describe()
    assert description.typed_search_attributes.get(JOB_STATUS) == "completed"
