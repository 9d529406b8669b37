"""`python -m bench.history_http`: the endpoints over HTTP on a real stack, with no history and
with 1M past images in the calling account.

    .venv/bin/python -m bench.history_http [--images 1000000] [--calls 200]
                                           [--databases sqlite postgres] [--out FILE]

Starts the stack as bench.load does (Temporal dev server, one worker, the API) on a scratch
database (the stack's SQLite file, or a scratch PostgreSQL database through DATABASE_URL),
makes one business-plan account, and times --calls of each (median and p99, ms, one client,
one request at a time): POST /generate (count=1), GET the first job (completed), GET /account
and GET /jobs (a page of 20). Then it seeds the history (bench.history.seed_history: captured
images, one job each, ended in the job registry) into the same account and times them again.

The past jobs exist only in the database: Temporal's visibility holds just the jobs this run
made, so the list's figure covers our side of it (authentication, the ledger's counts), not a
visibility store with a million workflows. Each POSTed job is ended in the job registry by the
bench as soon as its POST returns, as the workflow's last step does once it calls
JobRegistry.ended: without that, 50 POSTs would fill the business plan.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.history import both_ways_table, scratch_database, seed_history
from bench.stack import BenchStack
from bench.window import publish
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.job_registry import JobRegistry
from infra.ledger import CreditLedger

BODY = {"claim": "Summer sale on sandals", "language": "EN", "count": 1}
COMPLETED_WITHIN_SECONDS = 60


def timed(call: Callable[[], httpx.Response], calls: int) -> dict[str, float]:
    """Median and p99 of `calls` requests (after one warm-up), in milliseconds."""
    call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return {"p50": round(statistics.median(samples), 2), "p99": round(p99, 2), "n": calls}


def measure(http: httpx.Client, registry: JobRegistry, calls: int) -> dict[str, Any]:
    posted: list[str] = []

    def post() -> httpx.Response:
        response = http.post("/api/v1/generate", json=BODY)
        if response.status_code == 202:
            posted.append(response.json()["jobId"])
            registry.ended(posted[-1])  # the job's last step, in a stack that has it
        return response

    figures = {"POST /generate": timed(post, calls)}
    first = posted[0]
    for job_id in (first, posted[-1]):  # the worker idle again before the GETs are timed
        deadline = time.monotonic() + COMPLETED_WITHIN_SECONDS
        while http.get(f"/api/v1/jobs/{job_id}").json()["status"] != "completed":
            if time.monotonic() > deadline:
                raise RuntimeError(f"job {job_id} not completed in {COMPLETED_WITHIN_SECONDS} s")
            time.sleep(0.1)
    figures["GET /jobs/{id}"] = timed(lambda: http.get(f"/api/v1/jobs/{first}"), calls)
    figures["GET /account"] = timed(lambda: http.get("/api/v1/account"), calls)
    figures["GET /jobs?limit=20"] = timed(lambda: http.get("/api/v1/jobs?limit=20"), calls)
    return figures


def run_database(kind: str, images: int, calls: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-history-http-") as directory:
        data_dir = Path(directory)
        with scratch_database(kind) as scratch_url:
            url = f"sqlite:///{data_dir / 'creative-saas.db'}" if kind == "sqlite" else scratch_url
            extra_env = {} if kind == "sqlite" else {"DATABASE_URL": url}
            engine = create_db_engine(url)
            try:
                migrate(engine)
                accounts = AccountService(engine)
                account = accounts.create_account("History Co", plan="business")
                CreditLedger(engine).grant(account.id, 4 * (calls + 2))
                _, key = accounts.create_key(account.id)
                registry = JobRegistry(engine)
                with BenchStack(data_dir, workers=1, extra_env=extra_env) as stack:
                    headers = {"Authorization": f"Bearer {key}"}
                    with httpx.Client(base_url=stack.base_url, headers=headers, timeout=30) as http:
                        empty = measure(http, registry, calls)
                        started = time.perf_counter()
                        seed_history(engine, account.id, images)
                        seeded = time.perf_counter() - started
                        history = measure(http, registry, calls)
            finally:
                engine.dispose()
    return {"seed_seconds": round(seeded, 1), "empty": empty, "history": history}


def report(results: dict[str, Any], images: int) -> str:
    return "\n".join(both_ways_table(results, images, "endpoint", 24))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.history_http", description=__doc__)
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument(
        "--databases", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    results = {kind: run_database(kind, args.images, args.calls) for kind in args.databases}
    result = {"images": args.images, "calls": args.calls, "databases": results}
    publish(result, report(results, args.images), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
