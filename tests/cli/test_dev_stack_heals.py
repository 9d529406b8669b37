"""`creative-saas dev` for a newcomer and an operator: ports that cannot collide, a data dir that
knows its stack, and children that come back after a crash with no job lost.

Real processes throughout (the console script, Temporal, the worker and the API it starts);
ports are found free, never fixed; children are found by their parent's pid in /proc.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from domain.jobs import job_workflow_id
from tests.cli.test_dev_command import (
    SETTINGS_VARIABLES,
    DevCommand,
    Ports,
    dev_commands,
    free_ports,
    wait_for_job,
)
from tests.conftest import installed_binary

RECOVERY_TIMEOUT_SECONDS = 90
__all__ = ["dev_commands"]  # the fixture, shared with test_dev_command.py
BODY = {"claim": "Best protein supplements", "language": "EN", "count": 3}


def children(parent: int) -> dict[str, int]:
    """The dev command's children by role: "temporal", "worker", "api"."""
    roles = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) != parent:
            continue
        for role, marker in (
            ("temporal", "start-dev"),
            ("worker", "cli.main worker"),
            ("api", "cli.main api"),
        ):
            if marker in cmdline:
                roles[role] = int(stat.parent.name)
    return roles


def until(check, what: str, command: DevCommand) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + RECOVERY_TIMEOUT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {RECOVERY_TIMEOUT_SECONDS} s:\n{command.report()}")
        time.sleep(0.3)


def accepted(api_url: str, api_key: str, key: str) -> str | None:
    """POST a job; its id when the stack accepted it, None while it cannot."""
    headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": key}
    try:
        response = httpx.post(f"{api_url}/api/v1/generate", json=BODY, headers=headers, timeout=10)
    except httpx.TransportError:
        return None
    return response.json()["jobId"] if response.status_code == 202 else None


def operator(data_dir: Path, *argv: str, env: dict[str, str] | None = None) -> str:
    """An operator's command in a fresh shell: no stack settings in its environment."""
    clean = {k: v for k, v in os.environ.items() if k.upper() not in SETTINGS_VARIABLES}
    finished = subprocess.run(
        [installed_binary("creative-saas"), *argv, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **(env or {})},
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def ports_where_the_old_ui_default_is_the_api_port() -> Ports:
    for _ in range(50):
        temporal = free_ports().temporal
        api = temporal + 1000
        if api <= 65535 and not _listening(api):
            return Ports(api=api, temporal=temporal, ui=0)
    pytest.skip("found no free port pair T, T+1000")


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_run_with_the_api_on_the_old_ui_default_starts_and_operator_commands_find_it(
    tmp_path: Path, dev_commands: list[DevCommand]
) -> None:
    """`run --port 8610 --temporal-port 7610` once refused to start (UI = 7610 + 1000)."""
    data_dir, ports = tmp_path / "data", ports_where_the_old_ui_default_is_the_api_port()
    command = DevCommand(data_dir, ports)
    dev_commands.append(command)
    banner = command.wait_for_banner()
    text = "".join(command.output)

    ui_port = int(banner.ui_url.rsplit(":", 1)[1])
    assert ui_port not in (ports.api, ports.temporal)
    assert f"API {ports.api}, Temporal {ports.temporal}, Temporal UI {ui_port}" in text
    assert "a free port" in text  # and why
    assert httpx.get(banner.ui_url, timeout=10).status_code == 200
    address = f"127.0.0.1:{ports.temporal}"
    assert f"export TEMPORAL_ADDRESS={address}" in text
    account_id = re.search(r"demo account (acct_[0-9a-f]+)", text)
    assert account_id, text

    # The data dir knows its stack: no TEMPORAL_ADDRESS needed with --data-dir.
    assert json.loads((data_dir / "stack.json").read_text())["temporal_address"] == address
    assert json.loads(operator(data_dir, "credits", "reconcile", "--json")) == []
    shown = json.loads(operator(data_dir, "accounts", "show", account_id.group(1), "--json"))
    assert shown["available"] == 100
    # The banner's export line is what the `temporal` CLI needs.
    job_id = accepted(banner.api_url, banner.api_key, "operator-sees-it")
    assert job_id is not None
    listed = subprocess.run(
        [
            installed_binary("temporal"),
            "workflow",
            "list",
            "--query",
            "WorkflowType='GenerateCreativesWorkflow'",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TEMPORAL_ADDRESS": address},
    )
    workflow_id = job_workflow_id(account_id.group(1), job_id)
    assert workflow_id in listed.stdout, listed.stdout + listed.stderr
    assert command.stop() == 0


def test_the_stack_restarts_each_child_that_dies_and_loses_no_job(
    tmp_path: Path, dev_commands: list[DevCommand]
) -> None:
    command = DevCommand(tmp_path / "data", free_ports())
    dev_commands.append(command)
    banner = command.wait_for_banner()
    auth = {"Authorization": f"Bearer {banner.api_key}"}
    jobs: list[str] = []

    for role in ("worker", "temporal", "api"):
        before = children(command.process.pid)
        assert set(before) == {"temporal", "worker", "api"}, before
        job_id = accepted(banner.api_url, banner.api_key, f"before-{role}-dies")
        assert job_id is not None
        jobs.append(job_id)
        os.kill(before[role], signal.SIGKILL)

        dead = before[role]
        until(
            lambda: children(command.process.pid).get(role, dead) != dead,  # noqa: B023
            f"{role} was not restarted",
            command,
        )
        assert command.process.poll() is None, "`run` itself must stay up"
        after_key = f"after-{role}-died"
        until(
            lambda: accepted(banner.api_url, banner.api_key, after_key) is not None,  # noqa: B023
            f"the stack did not accept a job after {role} died",
            command,
        )
        jobs.append(accepted(banner.api_url, banner.api_key, after_key) or "")

    with httpx.Client(base_url=banner.api_url, headers=auth, timeout=10) as client:
        finished = {job_id: wait_for_job(client, job_id) for job_id in jobs}
    for job_id, job in finished.items():
        assert job["status"] == "completed", (job_id, job, command.report())
        assert len(job["result"]["images"]) == 3
    assert command.stop() == 0
    logged = "".join(command.drain())
    for role in ("worker", "temporal", "api"):
        assert re.search(rf"{role} exited with code -9; restarting it in \d", logged), logged
        assert f"{role} restarted" in logged
