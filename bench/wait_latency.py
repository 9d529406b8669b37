"""`python -m bench.wait_latency`: when a long-polling client sees an idle count=3 job completed.

    .venv/bin/python -m bench.wait_latency [--jobs 20] [--workers 1] [--out x.json]

Starts the stack like bench.latency (embedded defaults, free ports, temp data dir), runs one
warm-up job, then --jobs jobs one after another: POST /api/v1/generate, then at once
GET /api/v1/jobs/{id}?wait=60 (again while it answers a running job). Prints the median and p90
of POST sent -> completed view received, and of the long-poll alone, against the goal; and,
from each job's workflow history (same machine, same clock), where that time went: POST sent
-> workflow started, workflow started -> closed, workflow closed -> the client had the view.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx

from bench.floor import CLAIM, LANGUAGE
from bench.stack import BenchStack
from bench.window import publish
from domain.jobs import job_workflow_id

GOAL_MS = 60.0
TERMINAL = frozenset({"completed", "partial", "failed"})


@dataclass
class Seen:
    """One job as the client saw it: wall-clock seconds (time.time), to set beside its history."""

    job_id: str
    posted: float
    polled: float
    done: float


async def one_job(client: httpx.AsyncClient) -> Seen:
    """When one count=3 job was posted, long-polled, and seen completed."""
    started = time.time()
    accepted = await client.post(
        "/api/v1/generate", json={"claim": CLAIM, "language": LANGUAGE, "count": 3}
    )
    accepted.raise_for_status()
    poll_url = accepted.headers["Location"]
    polled = time.time()
    while True:
        answer = await client.get(poll_url, params={"wait": 60})
        answer.raise_for_status()
        if answer.json()["status"] in TERMINAL:
            break
    done = time.time()
    if answer.json()["status"] != "completed":
        raise SystemExit(f"job ended {answer.json()['status']}: {answer.json()}")
    return Seen(str(accepted.json()["jobId"]), started, polled, done)


async def split(stack: BenchStack, account_id: str, seen: list[Seen]) -> dict[str, float]:
    """Median ms: POST -> workflow started, started -> closed, closed -> seen by the client."""
    from temporalio.client import Client

    client = await Client.connect(f"127.0.0.1:{stack.temporal_port}")
    phases: dict[str, list[float]] = {"to_start": [], "workflow": [], "to_client": []}
    for job in seen:
        handle = client.get_workflow_handle(job_workflow_id(account_id, job.job_id))
        events = (await handle.fetch_history()).events
        opened = events[0].event_time.ToDatetime(tzinfo=UTC).timestamp()
        closed = events[-1].event_time.ToDatetime(tzinfo=UTC).timestamp()
        phases["to_start"].append(opened - job.posted)
        phases["workflow"].append(closed - opened)
        phases["to_client"].append(job.done - closed)
    return {name: round(1000 * statistics.median(v), 1) for name, v in phases.items()}


async def measure(base_url: str, api_key: str, jobs: int) -> list[Seen]:
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=90) as client:
        await one_job(client)  # warm-up: first render, first workflow task, connections
        return [await one_job(client) for _ in range(jobs)]


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wait_latency", description=__doc__)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-wait-"))
    try:
        with BenchStack(data_dir, args.workers) as stack:
            account_id, api_key = stack.create_account(credits=3 * (args.jobs + 1))
            seen = asyncio.run(measure(stack.base_url, api_key, args.jobs))
            phases = asyncio.run(split(stack, account_id, seen))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    total = [1000 * (job.done - job.posted) for job in seen]
    waited = [1000 * (job.done - job.polled) for job in seen]
    result: dict[str, Any] = {
        "config": {"jobs": args.jobs, "workers": args.workers, "count": 3, "wait": 60},
        "post_to_completed_ms": {
            "median": round(statistics.median(total), 1),
            "p90": round(_p90(total), 1),
            "max": round(max(total), 1),
        },
        "long_poll_ms": {"median": round(statistics.median(waited), 1)},
        "split_ms_median": phases,
        "goal_ms": GOAL_MS,
        "goal_met": statistics.median(total) <= GOAL_MS,
    }
    seen = result["post_to_completed_ms"]
    text = (
        f"idle stack, count=3, ?wait=60 right after the POST ({args.jobs} jobs): POST -> "
        f"completed median {seen['median']} ms, p90 {seen['p90']} ms, max {seen['max']} ms "
        f"(goal <= {GOAL_MS:.0f} ms median); the long-poll alone median "
        f"{result['long_poll_ms']['median']} ms\nwhere it went (median ms): {phases}"
    )
    publish(result, text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
