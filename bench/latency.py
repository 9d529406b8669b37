"""`python -m bench.latency`: how long an idle stack takes for one count=3 job, vs its renders.

    .venv/bin/python -m bench.latency [--jobs 10] [--workers 1] [--out bench/results/lat.json]

Starts the stack like bench.load (embedded defaults, free ports, temp data dir), runs one
warm-up job, then --jobs jobs one after another, the client polling every 100 ms. Prints the
median submit->completed time against the time the job's three renders (F1, F4, F10, same
claim, warm) take alone in a fresh process, measured just before: summed (one thread) and
the longest (perfectly parallel). Goal: submit->completed < 3x the summed renders.

From each job's Temporal history it also splits the time (medians): workflow start -> first
image activity running, one image activity (reserve, render, upload, capture), first
activity running -> last done, and last done -> workflow closed; the rest is the POST and
the client's poll.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.client import Record, run_client
from bench.floor import render_seconds_alone
from bench.stack import BenchStack
from bench.window import publish

GOAL_RATIO = 3.0


async def history_split(stack: BenchStack, account_id: str, job_ids: list[str]) -> dict[str, float]:
    """Median milliseconds of each phase, from the jobs' workflow histories."""
    from temporalio.api.enums.v1 import EventType
    from temporalio.client import Client

    from domain.jobs import job_workflow_id

    client = await Client.connect(f"127.0.0.1:{stack.temporal_port}")
    STARTED, COMPLETED = (  # noqa: N806
        EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    )
    phases: dict[str, list[float]] = {
        "start_to_first_activity": [], "one_activity": [], "activities": [], "to_close": [],
    }  # fmt: skip
    for job_id in job_ids:
        handle = client.get_workflow_handle(job_workflow_id(account_id, job_id))
        history = await handle.fetch_history()
        at = {e.event_id: e.event_time.ToDatetime().timestamp() for e in history.events}
        started = [e.event_id for e in history.events if e.event_type == STARTED]
        completed = [e for e in history.events if e.event_type == COMPLETED]
        for event in completed:
            attributes = event.activity_task_completed_event_attributes
            phases["one_activity"].append(at[event.event_id] - at[attributes.started_event_id])
        first, last = min(at[i] for i in started), max(at[e.event_id] for e in completed)
        phases["start_to_first_activity"].append(first - at[history.events[0].event_id])
        phases["activities"].append(last - first)
        phases["to_close"].append(at[history.events[-1].event_id] - last)
    return {name: round(1000 * statistics.median(v), 1) for name, v in phases.items()}


async def measure(
    stack: BenchStack, api_key: str, jobs: int
) -> tuple[float, list[float], list[str]]:
    """(first job seconds, the next `jobs` jobs' seconds, their job ids)."""
    seconds: list[float] = []
    job_ids: list[str] = []
    first = None
    for index in range(jobs + 1):
        record = Record()
        await run_client(
            stack.base_url, api_key, count=3, poll_seconds=0.1,
            submit_until=time.monotonic() + 60, give_up_at=time.monotonic() + 60,
            record=record, stagger=False, max_jobs=1, job_ids=job_ids,
        )  # fmt: skip
        if record.errors or not record.jobs:
            raise SystemExit(f"job failed: {dict(record.errors)}; logs in {stack.logs}")
        took = record.jobs[0].finished - record.jobs[0].submitted
        if index == 0:
            first = took
        else:
            seconds.append(took)
    assert first is not None
    return first, seconds, job_ids[1:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__)
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--temporal-config", action="append", default=[], metavar="KEY=VALUE",
        help="a dynamic config value for the Temporal dev server",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    extra_env = dict(item.split("=", 1) for item in args.env)
    temporal_config = dict(item.split("=", 1) for item in args.temporal_config)
    load_before = os.getloadavg()
    renders = render_seconds_alone()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    with BenchStack(data_dir, args.workers, extra_env, temporal_config) as stack:
        account_id, api_key = stack.create_account(1000)
        first, seconds, job_ids = asyncio.run(measure(stack, api_key, args.jobs))
        split = asyncio.run(history_split(stack, account_id, job_ids))
    shutil.rmtree(data_dir, ignore_errors=True)
    renders_sum, renders_max = sum(renders.values()), max(renders.values())
    median = statistics.median(seconds)
    result: dict[str, Any] = {
        "config": {"jobs": args.jobs, "workers": args.workers, "poll_seconds": 0.1,
                   "env": extra_env, "temporal_config": temporal_config},
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "render_ms_alone": {code: round(1000 * s, 1) for code, s in renders.items()},
        "renders_sum_ms": round(1000 * renders_sum, 1),
        "first_job_ms": round(1000 * first, 1),
        "job_ms": {"median": round(1000 * median, 1), "min": round(1000 * min(seconds), 1),
                   "max": round(1000 * max(seconds), 1)},
        "ratio_to_renders_sum": round(median / renders_sum, 2),
        "ratio_to_longest_render": round(median / renders_max, 2),
        "history_split_ms": split,
    }  # fmt: skip
    job_ms = result["job_ms"]
    text = (
        f"idle stack, count=3, poll 100 ms: submit->completed median {job_ms['median']} ms "
        f"(min {job_ms['min']}, max {job_ms['max']}, first job "
        f"{result['first_job_ms']}); renders alone {result['render_ms_alone']} = "
        f"{result['renders_sum_ms']} ms summed; ratio {result['ratio_to_renders_sum']}x "
        f"(goal < {GOAL_RATIO}x), {result['ratio_to_longest_render']}x the longest render\n"
        f"from the histories (median ms): {split}\n"
        f"load average before {load_before}, after {result['loadavg_after']}"
    )
    publish(result, text, args.out)
    return 0 if result["ratio_to_renders_sum"] < GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
