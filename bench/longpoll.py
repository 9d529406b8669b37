"""`python -m bench.longpoll`: how many concurrent long-polls one API process holds, and its RSS.

    .venv/bin/python -m bench.longpoll [--levels 250,500,1000,2000] [--wait 20] [--out x.json]

Starts the stack like bench.load (embedded defaults, free ports, temp data dir) but with no
worker, so every job stays queued and every `GET /api/v1/jobs/{id}?wait=N` is held for its
full N seconds: the worst case for the API. For each level C it opens C long-polls at once,
spread over up to 200 queued jobs, and while they are held it samples the API's RSS and times,
from another client, a `GET /api/v1/formats` (does the API process still serve everyone else?)
and a `GET /api/v1/jobs` list (which needs Temporal too). A level is held when every poll
answered 200 with the job still queued, no sooner than N s. Each poll's time is given as the
API's access log has it and as the bench's client saw it: the client (one httpx pool, sharing
the machine's two cores with the stack) adds its own queueing to open C connections at once.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.procstats import cpu_seconds, peak_rss_mib, rss_mib
from bench.stack import BenchStack
from bench.window import publish

MAX_JOBS = 200
# The API's access log line of each poll: how long the API itself took to answer it.
_POLL_LOG_LINE = re.compile(r"GET /api/v1/jobs/\{jobId\} 200 (\d+) ms")
JOBS_PER_ACCOUNT = 40  # under the business plan's 50 running jobs


async def submit_jobs(base_url: str, keys: list[str], count: int) -> list[tuple[str, str]]:
    """(job id, api key) of `count` queued one-image jobs."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def submit(index: int) -> tuple[str, str]:
            key = keys[index // JOBS_PER_ACCOUNT]
            response = await client.post(
                "/api/v1/generate",
                json={"claim": f"Long-poll job {index}", "count": 1},
                headers={"Authorization": f"Bearer {key}"},
            )
            response.raise_for_status()
            return str(response.json()["jobId"]), key

        return list(await asyncio.gather(*(submit(i) for i in range(count))))


async def run_level(
    stack: BenchStack, jobs: list[tuple[str, str]], polls: int, wait: int
) -> dict[str, Any]:
    """C long-polls at once; the API's RSS and a bystander's latency while they are held."""
    api_pid = stack.processes()["api"]
    limits = httpx.Limits(max_connections=polls + 10, max_keepalive_connections=polls + 10)
    held, answered_after = 0, []
    errors: dict[str, int] = {}
    async with httpx.AsyncClient(
        base_url=stack.base_url, timeout=wait + 30, limits=limits
    ) as client:

        async def poll(index: int) -> None:
            nonlocal held
            job_id, key = jobs[index % len(jobs)]
            started = time.monotonic()
            try:
                response = await client.get(
                    f"/api/v1/jobs/{job_id}",
                    params={"wait": wait},
                    headers={"Authorization": f"Bearer {key}"},
                )
            except httpx.HTTPError as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                return
            elapsed = time.monotonic() - started
            answered_after.append(elapsed)
            if response.status_code != 200:
                kind = f"HTTP {response.status_code}"
            elif response.json()["status"] != "queued" or elapsed < wait - 0.1:
                kind = "answered early"
            else:
                held += 1
                return
            errors[kind] = errors.get(kind, 0) + 1

        log = stack.logs / "api.log"
        log_offset = log.stat().st_size
        cpu_before = cpu_seconds(api_pid)
        tasks = [asyncio.create_task(poll(i)) for i in range(polls)]
        await asyncio.sleep(min(wait / 2, 10))  # all of them opened and waiting by now
        rss_held = rss_mib(api_pid)
        formats_ms: list[float] = []
        list_ms: list[float] = []
        auth = {"Authorization": f"Bearer {jobs[0][1]}"}
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as other:
            for _ in range(5):
                for path, params, headers, times in (
                    ("/api/v1/formats", {}, {}, formats_ms),
                    ("/api/v1/jobs", {"limit": 5}, auth, list_ms),
                ):
                    started = time.monotonic()
                    try:
                        answer = await other.get(path, params=params, headers=headers)
                        kind = "" if answer.status_code == 200 else f"HTTP {answer.status_code}"
                    except httpx.HTTPError as error:
                        kind = type(error).__name__
                    times.append((time.monotonic() - started) * 1000)
                    if kind:
                        kind = f"bystander {path} {kind}"
                        errors[kind] = errors.get(kind, 0) + 1
        await asyncio.gather(*tasks)
        cpu_spent = cpu_seconds(api_pid) - cpu_before
    with log.open("rb") as lines:
        lines.seek(log_offset)
        in_api = [
            int(match.group(1)) / 1000
            for match in _POLL_LOG_LINE.finditer(lines.read().decode(errors="replace"))
        ]
    return {
        "polls": polls,
        "held": held,
        "errors": errors,
        "held_all": held == polls and not errors,
        "answered_after_s_p50": round(statistics.median(answered_after), 2)
        if answered_after
        else None,
        "answered_after_s_max": round(max(answered_after), 2) if answered_after else None,
        "in_api_s_p50": round(statistics.median(in_api), 2) if in_api else None,
        "in_api_s_max": round(max(in_api), 2) if in_api else None,
        "api_rss_mib_while_held": round(rss_held, 1),
        "api_cpu_s": round(cpu_spent, 2),
        "formats_get_ms_median": round(statistics.median(formats_ms), 1),
        "list_get_ms_median": round(statistics.median(list_ms), 1),
    }


def _raise_open_files_limit() -> None:
    """Each held poll is a socket in this process and in the API (which inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _kinds(errors: dict[str, int]) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(errors.items())) or "0"


def report(levels: list[dict[str, Any]], wait: int, peak: float) -> str:
    rows = [
        f"| {r['polls']} | {r['held']} | {_kinds(r['errors'])} | {r['in_api_s_p50']} / "
        f"{r['in_api_s_max']} s | {r['answered_after_s_p50']} / {r['answered_after_s_max']} s | "
        f"{r['api_rss_mib_while_held']} MiB | "
        f"{r['api_cpu_s']} s | {r['formats_get_ms_median']} / {r['list_get_ms_median']} ms |"
        for r in levels
    ]
    held = [r["polls"] for r in levels if r["held_all"]]
    verdict = (
        f"one API process held {max(held)} concurrent long-polls (wait={wait}) with no error"
        if held
        else "no level was held without errors"
    )
    return "\n".join(
        [
            "| long-polls | held | errors | in the API p50 / max | at the client p50 / max | "
            "API RSS | API CPU | meanwhile GET /formats / GET /jobs |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            f"{verdict}; API peak RSS {peak:.0f} MiB",
        ]
    )


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-longpoll-"))
    levels = [int(level) for level in args.levels.split(",")]
    try:
        with BenchStack(data_dir, workers=0) as stack:
            job_count = min(MAX_JOBS, max(levels))
            accounts = -(-job_count // JOBS_PER_ACCOUNT)
            keys = [stack.create_account(credits=JOBS_PER_ACCOUNT)[1] for _ in range(accounts)]
            jobs = await submit_jobs(stack.base_url, keys, job_count)
            results = []
            for polls in levels:
                results.append(await run_level(stack, jobs, polls, args.wait))
                stack.assert_running()
            peak = peak_rss_mib(stack.processes()["api"])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"wait_s": args.wait, "jobs": job_count, "levels": results, "api_peak_rss_mib": peak}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.longpoll", description=__doc__)
    parser.add_argument("--levels", default="250,500,1000,2000", help="concurrent polls")
    parser.add_argument("--wait", type=int, default=20, help="the polls' ?wait= seconds")
    parser.add_argument("--out", type=Path, default=None, help="save the figures as JSON")
    args = parser.parse_args(argv)
    _raise_open_files_limit()
    result = asyncio.run(main_async(args))
    publish(result, report(result["levels"], args.wait, result["api_peak_rss_mib"]), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
