"""`creative-saas credits reconcile` as an operator runs it: a real process, database and server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.jobs import ImageSpec, JobInput, job_workflow_id, legacy_job_workflow_id
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.ledger import CreditLedger
from workflows.generate_creatives import GenerateCreativesWorkflow

CREDITS = 3
RECONCILE_NOW = ("credits", "reconcile", "--older-than", "0")


def creative_saas(data_dir: Path, temporal_address: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TEMPORAL_ADDRESS": temporal_address}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


async def start_job_holding_a_credit(
    client: Client, ledger: CreditLedger, account: str, *, legacy_id: bool = False
) -> str:
    """A job whose workflow runs with no worker, and whose image 1 holds a credit."""
    job_id = str(uuid.uuid4())
    job = JobInput(job_id, account, "Claim", "EN", "Buy", [ImageSpec(index=1, format="F1")])
    await client.start_workflow(
        GenerateCreativesWorkflow.run,
        job,
        id=legacy_job_workflow_id(job_id) if legacy_id else job_workflow_id(account, job_id),
        task_queue=f"no-worker-{uuid.uuid4()}",
    )
    ledger.reserve(job_id=job_id, account_id=account, index=1)
    return job_id


async def test_reconcile_returns_a_terminated_jobs_credit_and_prints_it(
    dev_server_env: WorkflowEnvironment, tmp_path: Path
):
    client = dev_server_env.client
    address = client.service_client.config.target_host
    data_dir = tmp_path / "data"
    engine = create_db_engine(f"sqlite:///{data_dir / 'creative-saas.db'}")
    migrate(engine)
    ledger = CreditLedger(engine)
    account = AccountService(engine).create_account("Acme").id
    ledger.grant(account, CREDITS)
    terminated = await start_job_holding_a_credit(client, ledger, account)
    # Started before workflow IDs named the account: still running, so its credit stays held.
    running = await start_job_holding_a_credit(client, ledger, account, legacy_id=True)
    await client.get_workflow_handle(job_workflow_id(account, terminated)).terminate("operator")

    printed = creative_saas(data_dir, address, *RECONCILE_NOW, "--json")

    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == [{"jobId": terminated, "index": 1, "accountId": account}]
    assert [credit.state.value for credit in ledger.job_reservations(running)] == ["held"]
    summary = ledger.summary(account)
    assert (summary.available, summary.held) == (CREDITS - 1, 1)

    again = creative_saas(data_dir, address, *RECONCILE_NOW)
    assert (again.returncode, again.stdout.strip()) == (0, "(none)")
    await client.get_workflow_handle(legacy_job_workflow_id(running)).terminate("test over")
    engine.dispose()


def test_reconcile_without_temporal_says_so_in_one_line_and_exits_1(tmp_path: Path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    result = creative_saas(tmp_path / "data", f"127.0.0.1:{closed_port}", "credits", "reconcile")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: cannot reach Temporal at 127.0.0.1:{closed_port}")
    assert len(result.stderr.strip().splitlines()) == 1
