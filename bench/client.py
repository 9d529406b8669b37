"""The load: N API clients, each submitting a count=3 job and polling it until it is terminal."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.floor import CLAIM, LANGUAGE

TERMINAL = frozenset({"completed", "partial", "failed"})


@dataclass
class Job:
    submitted: float
    finished: float
    status: str
    produced: int


@dataclass
class Record:
    """Everything the clients saw: latencies in seconds, monotonic timestamps."""

    post_seconds: list[float] = field(default_factory=list)
    post_started: list[float] = field(default_factory=list)
    get_seconds: list[float] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Record) -> None:
        self.post_seconds += other.post_seconds
        self.post_started += other.post_started
        self.get_seconds += other.get_seconds
        self.jobs += other.jobs
        self.errors.update(other.errors)


def _problem_code(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
        return str(body.get("code", "")) if isinstance(body, dict) else ""
    except ValueError:
        return ""


async def run_client(
    base_url: str,
    api_key: str,
    *,
    count: int,
    poll_seconds: float,
    submit_until: float,
    give_up_at: float,
    record: Record,
    stagger: bool = True,
    max_jobs: int | None = None,
    job_ids: list[str] | None = None,
) -> None:
    """Submit and poll jobs until `submit_until`; the last job is polled until `give_up_at`."""
    headers = {"Authorization": f"Bearer {api_key}"}
    body = {"claim": CLAIM, "language": LANGUAGE, "count": count}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
        if stagger:
            await asyncio.sleep(random.uniform(0, poll_seconds))  # clients out of step
        submitted_jobs = 0
        while time.monotonic() < submit_until and submitted_jobs != max_jobs:
            submitted_jobs += 1
            submitted = time.monotonic()
            try:
                response = await http.post("/api/v1/generate", json=body)
            except httpx.HTTPError as error:
                record.errors[f"POST {type(error).__name__}"] += 1
                await asyncio.sleep(poll_seconds)
                continue
            record.post_seconds.append(time.monotonic() - submitted)
            record.post_started.append(submitted)
            if response.status_code != 202:
                record.errors[f"POST {response.status_code} {_problem_code(response)}"] += 1
                await asyncio.sleep(poll_seconds)
                continue
            job_id = response.json()["jobId"]
            if job_ids is not None:
                job_ids.append(job_id)
            await _poll(http, job_id, submitted, poll_seconds, give_up_at, record)


async def _poll(
    http: httpx.AsyncClient,
    job_id: str,
    submitted: float,
    poll_seconds: float,
    give_up_at: float,
    record: Record,
) -> None:
    while True:
        await asyncio.sleep(poll_seconds)
        if time.monotonic() > give_up_at:
            record.errors["job not terminal at end"] += 1
            return
        started = time.monotonic()
        try:
            response = await http.get(f"/api/v1/jobs/{job_id}")
        except httpx.HTTPError as error:
            record.errors[f"GET {type(error).__name__}"] += 1
            continue
        now = time.monotonic()
        record.get_seconds.append(now - started)
        if response.status_code != 200:
            record.errors[f"GET {response.status_code} {_problem_code(response)}"] += 1
            continue
        job = response.json()
        if job["status"] in TERMINAL:
            record.jobs.append(Job(submitted, now, job["status"], job["result"]["produced"]))
            if job["status"] != "completed":
                record.errors[f"job {job['status']}"] += 1
            return


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100)
    return ordered[int(rank) - 1]


def latency_ms(values: list[float]) -> dict[str, float | int | None]:
    """n, p50, p95, p99 and max in milliseconds."""

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {
        "n": len(values),
        "p50": ms(percentile(values, 50)),
        "p95": ms(percentile(values, 95)),
        "p99": ms(percentile(values, 99)),
        "max": ms(max(values) if values else None),
    }


async def run_probe(
    base_url: str, api_key: str, *, interval: float, until: float, seconds: dict[str, list[float]]
) -> None:
    """Split API latency: GET /healthz (HTTP + event loop) and GET /api/v1/keys (+ auth + DB)."""
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
        while time.monotonic() < until:
            for name, path in (("healthz", "/healthz"), ("auth_db", "/api/v1/keys")):
                started = time.monotonic()
                try:
                    response = await http.get(path)
                except httpx.HTTPError:
                    continue
                if response.status_code == 200:
                    seconds.setdefault(name, []).append(time.monotonic() - started)
            await asyncio.sleep(interval)
