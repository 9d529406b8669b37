"""`python -m bench.orchestration`: what Temporal and our workflow cost per image by themselves.

    .venv/bin/python -m bench.orchestration [--clients 16] [--duration 30] [--count 3]
                                            [--temporal-config KEY=VALUE] [--out FILE]

The orchestration floor: the real GenerateCreativesWorkflow (one workflow per job, one
activity per image) on the same `temporal server start-dev` command as `creative-saas dev`,
with one worker (worker.main.build_worker, the product's runner and interceptors) whose image
activities do nothing: no ledger, no render, no storage, and no API in front. N driver clients
start a job with the API's start options and await its result (no describe, query or poll
traffic), for --duration seconds.

It prints images/s, jobs/s and the CPU ms per image of Temporal, the worker and the driver
(utime+stime over the window, /proc), next to the render floor measured in the same run
(bench.floor, one process), and the ceiling render / (render + Temporal + worker): the best
CPU efficiency this design can reach even if the API, the ledger and storage cost nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

from api.temporal_orchestrator import RPC_TIMEOUT, _details, _job_input, _summary
from bench import procstats
from bench.client import Job, Record, latency_ms
from bench.floor import CLAIM, LANGUAGE, floor_images_per_second
from bench.stack import WORKER_READY_LINE, BenchStack
from bench.window import CpuSnapshot, publish, window_figures
from domain.jobs import (
    CreditRelease,
    GenerateRequest,
    ImageProduced,
    ImageTask,
    JobStatus,
    job_workflow_id,
)
from domain.webhooks import WebhookDelivery, WebhookTargets
from infra.settings import Settings, load_settings
from infra.temporal import connect_client
from workflows.generate_creatives import JOB_TASK_TIMEOUT, GenerateCreativesWorkflow
from workflows.search_attributes import ACCOUNT_ID, JOB_STATUS

ACCOUNT = "bench-orchestration"
DRIVER_ROLE = "driver"
DRAIN_SECONDS = 60.0


class NoopImageActivities:
    """The product's activity names and types, doing nothing: only orchestration is left."""

    @activity.defn(name="produce_image")
    def produce_image(self, task: ImageTask) -> ImageProduced:
        """Report the image as stored without reserving, rendering or storing anything."""
        return ImageProduced(task.index, task.format, "noop")

    @activity.defn(name="release_credit")
    def release_credit(self, release: CreditRelease) -> None:
        """No credit was held, so none is given back."""


class NoopWebhookActivities:
    """Every job ends by starting its events workflow; here no account has an endpoint."""

    @activity.defn(name="webhook_targets")
    async def webhook_targets(self, targets: WebhookTargets) -> list[str]:
        """No endpoint subscribes, as for most accounts."""
        return []

    @activity.defn(name="deliver_webhook")
    async def deliver_webhook(self, delivery: WebhookDelivery) -> bool:
        """Never called: there are no endpoints."""
        return False


async def serve_worker(settings: Settings) -> None:
    """The product's worker wiring around the no-op activities; runs until killed."""
    from activities.jobs import JobActivities
    from worker.main import build_worker, no_job_registry

    client = await connect_client(settings)
    threads = settings.worker_max_concurrent_activities
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="image") as executor:
        worker = build_worker(
            client,
            NoopImageActivities(),
            task_queue=settings.temporal_task_queue,
            executor=executor,
            max_concurrent_activities=threads,
            webhooks=NoopWebhookActivities(),
            # As for most accounts: no endpoint, so jobs start no event workflow.
            jobs=JobActivities(no_job_registry, lambda account_id: False),
        )
        async with worker:
            print(f"{WORKER_READY_LINE} {settings.temporal_task_queue}", flush=True)
            await asyncio.Event().wait()


def start_stack(stack: BenchStack) -> dict[str, int]:
    """Temporal as `creative-saas dev` starts it, then the no-op worker: role -> PID."""
    temporal = stack.start_temporal()
    worker = stack.spawn("worker", [sys.executable, "-m", "bench.orchestration", "--as-worker"])
    stack.workers.append(worker)
    stack.wait_until(lambda: WORKER_READY_LINE in worker.log_text(), "worker", worker)
    return {"temporal": temporal.pid, "worker": worker.pid}


async def run_job(client: Client, task_queue: str, request: GenerateRequest) -> Job:
    """Start one job as the API does and wait for its result."""
    job_id = str(uuid.uuid4())
    job = _job_input(job_id, ACCOUNT, request)
    started = time.monotonic()
    handle = await client.start_workflow(
        GenerateCreativesWorkflow.run,
        job,
        id=job_workflow_id(ACCOUNT, job_id),
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        task_timeout=JOB_TASK_TIMEOUT,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(ACCOUNT_ID, ACCOUNT),
                SearchAttributePair(JOB_STATUS, JobStatus.QUEUED.value),
            ]
        ),
        memo={"requestHash": job.request_hash, "formats": [image.format for image in job.images]},
        static_summary=_summary(request),
        static_details=_details(job),
        rpc_timeout=RPC_TIMEOUT,
    )
    view = await handle.result()
    return Job(started, time.monotonic(), view.status.value, len(view.produced))


async def run_client(
    client: Client, task_queue: str, request: GenerateRequest, until: float, record: Record
) -> None:
    while time.monotonic() < until:
        try:
            job = await run_job(client, task_queue, request)
        except Exception as error:  # counted, not fatal: the figures say how many
            record.errors[type(error).__name__] += 1
            await asyncio.sleep(0.5)
            continue
        record.jobs.append(job)
        if job.status != JobStatus.COMPLETED:
            record.errors[f"job {job.status}"] += 1


async def drive(
    temporal_address: str, queue: str, pids: dict[str, int], args: argparse.Namespace
) -> Any:
    """Warm up with one job, run the clients; jobs, CPU and RSS over the window."""
    client = await connect_client(load_settings(temporal_address=temporal_address))
    request = GenerateRequest(claim=CLAIM, language=LANGUAGE, count=args.count)
    await run_job(client, queue, request)
    start = time.monotonic()
    until = start + args.duration
    cpu_before = CpuSnapshot.take(pids, DRIVER_ROLE)
    records = [Record() for _ in range(args.clients)]
    tasks = [asyncio.create_task(run_client(client, queue, request, until, r)) for r in records]
    try:
        await asyncio.sleep(args.duration)
        window = time.monotonic() - start
        cpu_after = CpuSnapshot.take(pids, DRIVER_ROLE)
        await asyncio.wait_for(asyncio.gather(*tasks), DRAIN_SECONDS)
    finally:  # Ctrl-C or a stuck drain: stop the clients so the stack can stop
        for task in tasks:
            task.cancel()
    record = Record()
    for client_record in records:
        record.merge(client_record)
    figures = window_figures(record, until=until, window=window, before=cpu_before, after=cpu_after)
    return {
        **figures,
        "start_to_result_ms": latency_ms([job.finished - job.submitted for job in record.jobs]),
        "peak_rss_mib": {role: round(procstats.peak_rss_mib(pid), 1) for role, pid in pids.items()},
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    temporal_config = dict(item.split("=", 1) for item in args.temporal_config)
    result: dict[str, Any] = {
        "config": {
            "clients": args.clients,
            "duration": args.duration,
            "count": args.count,
            "temporal_config": temporal_config,
            "traffic": "no API, no polls: start_workflow + result per job",
        },
        "loadavg_before": os.getloadavg(),
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    data_dir = Path(tempfile.mkdtemp(prefix="bench-orchestration-"))
    queue = load_settings().temporal_task_queue
    # The stack's processes see none of our TEMPORAL_* variables: name the queue for both ends.
    worker_env = {"TEMPORAL_TASK_QUEUE": queue}
    stack = BenchStack(data_dir, workers=0, extra_env=worker_env, temporal_config=temporal_config)
    try:
        pids = start_stack(stack)
        print(f"stack up in {data_dir}: {pids}", flush=True)
        floor_rate, floor_cpu = floor_images_per_second(1, args.floor_seconds)
        address = f"127.0.0.1:{stack.temporal_port}"
        result["orchestration"] = asyncio.run(drive(address, queue, pids, args))
        stack.assert_running()
    finally:
        stack.stop()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    render_ms = 1000 * floor_cpu
    per_image = result["orchestration"]["cpu_ms_per_image"]
    result["floor"] = {
        "cpu_ms_per_image": round(render_ms, 1),
        "images_per_second": round(floor_rate, 2),
    }
    if per_image["temporal"] is not None:
        spent = render_ms + per_image["temporal"] + per_image["worker"]
        result["ceiling"] = round(render_ms / spent, 3)
    else:
        result["ceiling"] = None
    result["loadavg_after"] = os.getloadavg()
    if args.keep:
        result["data_dir"] = str(data_dir)
    return result


def report(result: dict[str, Any]) -> str:
    o, c = result["orchestration"], result["config"]
    cpu = o["cpu_ms_per_image"]
    lines = [
        f"clients={c['clients']} count={c['count']} window={o['window_seconds']}s "
        f"temporal-config={c['temporal_config'] or '-'}; {c['traffic']}",
        f"load average before {_load(result['loadavg_before'])}, "
        f"after {_load(result['loadavg_after'])}; busy cores over the window: "
        f"{o['cores_busy']['machine']} of {o['cores_busy']['of']} (ours {o['cores_busy']['ours']})",
        f"orchestration {o['images_per_second']} images/s ({o['jobs_per_second']} jobs/s); "
        f"errors {o['errors'] or 'none'}; jobs finished {o['jobs_total']}",
        f"start->result ms {_lat(o['start_to_result_ms'])}",
        "CPU ms/image  " + "  ".join(f"{role} {value}" for role, value in cpu.items()),
        "peak RSS MiB  " + "  ".join(f"{r} {v}" for r, v in o["peak_rss_mib"].items()),
        f"render floor {result['floor']['cpu_ms_per_image']} CPU ms/image "
        f"({result['floor']['images_per_second']} images/s, 1 process)",
        f"ceiling render / (render + temporal + worker) = {result['ceiling']}: the best CPU "
        "efficiency this design reaches even if API, ledger and storage cost nothing",
    ]  # fmt: skip
    return "\n".join(lines)


def _load(values: Any) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def _lat(stats: dict[str, Any]) -> str:
    quantiles = " ".join(f"{key} {stats[key]}" for key in ("p50", "p95", "p99", "max"))
    return f"{quantiles} (n={stats['n']})"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.orchestration", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--duration", type=float, default=30.0, help="load window, seconds")
    parser.add_argument("--count", type=int, default=3, help="images per job (3)")
    parser.add_argument("--floor-seconds", type=float, default=10.0, help="render floor run")
    parser.add_argument(
        "--temporal-config", action="append", default=[], metavar="KEY=VALUE",
        help="a dynamic config value for the Temporal dev server",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and logs)")
    # The worker process runs this module too; settings come from the stack's environment.
    parser.add_argument("--as-worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.as_worker:
        asyncio.run(serve_worker(load_settings()))
        return 0
    result = run(args)
    publish(result, report(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
