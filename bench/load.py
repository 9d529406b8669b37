"""`python -m bench.load`: the whole pipeline under N API clients, against its own floor.

    .venv/bin/python -m bench.load --clients 16 --duration 60 [--workers 1|2]
                                   [--poll 0.5] [--out bench/results/<name>.json]
    .venv/bin/python -m bench.load --soak 300 [--clients 4]     # leaks, errors, ledger

What it does, in one run:
1. Starts the product on its embedded defaults (bench.stack.BenchStack): the same
   `temporal server start-dev` command as `creative-saas dev` (persistent SQLite, WAL pragmas),
   W `creative-saas worker` processes and one `creative-saas api`, on free ports in a fresh
   temporary data dir, and a business-plan account with 100 000 credits.
2. Warms up with one job, then measures the floor: the same image mix (F1, F4, F10, same
   claim) rendered and encoded by W plain processes calling rendering.render_png, no API, no
   Temporal (bench.floor). Measured again after the load; the floor is the mean of the two.
3. Runs N clients for --duration seconds: each POSTs a count=3 job and polls it every --poll
   seconds until it is terminal (httpx.AsyncClient, one connection pool per client). Jobs in
   flight at the end get --drain seconds to finish; those that do not are counted as errors.
4. Prints and saves (--out) as JSON: images/s and jobs/s (jobs completed inside the window),
   submit->completed p50/p95/p99 as the client sees it (so up to one poll late), POST and GET
   latency (and, from one more probe client, GET /healthz and the auth + DB-only GET
   /api/v1/keys, to split API latency), errors by kind, CPU seconds per image of the API,
   each worker and Temporal (utime+stime of each process tree over the window, /proc),
   their peak RSS (VmHWM), the machine's busy cores over the window (ours and everybody
   else's: the machine may be shared), load average before/after, the ledger and its
   invariant (granted == available + held + consumed). Efficiency = pipeline images/s /
   floor images/s; CPU efficiency = floor CPU ms/image / the stack's (API + workers +
   Temporal) CPU ms/image, which other people's load on a shared machine disturbs far less.

--soak S runs S seconds at --clients (default 4) and also reports the RSS of the API and the
workers at the start, middle and end of the window (a cache levels off, a leak keeps growing);
it exits 1 unless there were zero errors, every job ended `completed`, no credit is left held
and the ledger invariant holds.

--env KEY=VALUE (repeatable) passes a setting to every stack process, e.g.
--env WORKER_MAX_CONCURRENT_ACTIVITIES=4, and --temporal-config KEY=VALUE a dynamic config
value to the Temporal dev server, to measure a knob before changing its default.
Figures on a shared machine are noisy: compare ratios within a run and repeat.
`sh bench/run_all.sh TAG` runs the standard matrix (4 and 16 clients, 1 and 2 workers, 60 s);
`python -m bench.summary bench/results/*.json` tabulates results and medians of repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import procstats
from bench.client import Record, latency_ms, run_client, run_probe
from bench.floor import MIX, floor_images_per_second
from bench.stack import BenchStack
from bench.window import CpuSnapshot, publish, window_figures

CLIENTS_ROLE = "bench-clients"

CREDITS = 100_000
# A soak passes when no process's RSS rises more than this in the second half of its window.
SOAK_RSS_GROWTH = 0.05


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients (16)")
    parser.add_argument("--duration", type=float, default=60.0, help="load window, seconds")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (1)")
    parser.add_argument("--count", type=int, default=3, help="images per job (3)")
    parser.add_argument("--poll", type=float, default=0.5, help="poll interval, s (0.5..2)")
    parser.add_argument("--drain", type=float, default=60.0, help="grace for jobs in flight")
    parser.add_argument("--floor-seconds", type=float, default=10.0, help="each floor run")
    parser.add_argument("--soak", type=float, default=None, metavar="S", help="soak S seconds")
    parser.add_argument("--rss-every", type=float, default=30.0, help="RSS sample interval, s")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--temporal-config", action="append", default=[], metavar="KEY=VALUE",
        help="a dynamic config value for the Temporal dev server",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and logs)")
    args = parser.parse_args(argv)
    if args.soak is not None:
        args.duration = args.soak
    if args.clients is None:
        args.clients = 4 if args.soak is not None else 16
    return args


async def drive(stack: BenchStack, api_key: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the clients; return what they saw plus CPU and RSS over the window."""
    pids = stack.processes()
    record = Record()
    start = time.monotonic()
    submit_until, give_up_at = start + args.duration, start + args.duration + args.drain
    cpu_before = CpuSnapshot.take(pids, CLIENTS_ROLE)
    rss_start = {role: round(procstats.rss_mib(pid), 1) for role, pid in pids.items()}
    records = [Record() for _ in range(args.clients)]
    tasks = [
        asyncio.create_task(
            run_client(
                stack.base_url,
                api_key,
                count=args.count,
                poll_seconds=args.poll,
                submit_until=submit_until,
                give_up_at=give_up_at,
                record=client_record,
            )
        )
        for client_record in records
    ]
    probe_seconds: dict[str, list[float]] = {}
    rss_series: list[tuple[float, dict[str, float]]] = []
    middle = asyncio.create_task(
        _sample_rss_every(args.rss_every, start, submit_until, pids, rss_series)
    )
    try:
        await run_probe(
            stack.base_url, api_key, interval=0.5, until=submit_until, seconds=probe_seconds
        )
        await asyncio.sleep(max(0.0, submit_until - time.monotonic()))
        window = time.monotonic() - start
        cpu_after = CpuSnapshot.take(pids, CLIENTS_ROLE)
        rss_end = {role: round(procstats.rss_mib(pid), 1) for role, pid in pids.items()}
        await asyncio.gather(middle, *tasks)
    finally:  # Ctrl-C: stop the clients too, so the stack can be stopped
        for task in [middle, *tasks]:
            task.cancel()
    for client_record in records:
        record.merge(client_record)
    figures = window_figures(
        record, until=submit_until, window=window, before=cpu_before, after=cpu_after
    )
    return {
        **figures,
        "submit_to_completed_ms": latency_ms([job.finished - job.submitted for job in record.jobs]),
        "post_ms": latency_ms(record.post_seconds),
        # Drift over a long run (e.g. visibility queries slowing as closed jobs pile up).
        "post_ms_first_third": latency_ms(_posts_between(record, start, start + window / 3)),
        "post_ms_last_third": latency_ms(
            _posts_between(record, submit_until - window / 3, submit_until)
        ),
        "get_ms": latency_ms(record.get_seconds),
        # One more client, during the window only: where API latency comes from.
        "probe_healthz_ms": latency_ms(probe_seconds.get("healthz", [])),
        "probe_auth_db_ms": latency_ms(probe_seconds.get("auth_db", [])),
        "rss_mib_window_start": rss_start,
        # A cache filling up grows in the first half and levels off; a leak keeps growing.
        "rss_mib_window_middle": _rss_at_half(rss_series, window),
        "rss_mib_window_end": rss_end,
        "rss_mib_series": [{"t": round(t, 1), **rss} for t, rss in rss_series],
        "rss_second_half_growth": _second_half_growth(rss_series, window, rss_end),
        "peak_rss_mib": {role: round(procstats.peak_rss_mib(pid), 1) for role, pid in pids.items()},
    }


async def _sample_rss_every(
    every: float,
    start: float,
    until: float,
    pids: dict[str, int],
    into: list[tuple[float, dict[str, float]]],
) -> None:
    """Every process's RSS every `every` seconds of the window, as (seconds in, role -> MiB)."""
    while (now := time.monotonic()) < until:
        into.append(
            (now - start, {role: round(procstats.rss_mib(pid), 1) for role, pid in pids.items()})
        )
        await asyncio.sleep(min(every, max(0.0, until - time.monotonic())))


def _rss_at_half(series: list[tuple[float, dict[str, float]]], window: float) -> dict[str, float]:
    """The sample nearest the middle of the window."""
    if not series:
        return {}
    return min(series, key=lambda sample: abs(sample[0] - window / 2))[1]


def _second_half_growth(
    series: list[tuple[float, dict[str, float]]], window: float, end: dict[str, float]
) -> dict[str, float]:
    """Per process: (highest RSS in the second half - RSS at the half) / RSS at the half. A
    bounded cache has filled by then (~0); a leak keeps climbing."""
    half = _rss_at_half(series, window)
    later = [rss for t, rss in series if t >= window / 2] + [end]
    return {
        role: round((max(rss.get(role, 0.0) for rss in later) - at_half) / at_half, 3)
        for role, at_half in half.items()
        if at_half
    }


def _posts_between(record: Record, begin: float, end: float) -> list[float]:
    pairs = zip(record.post_started, record.post_seconds, strict=True)
    return [seconds for started, seconds in pairs if begin <= started < end]


async def warm_up(stack: BenchStack, api_key: str, count: int) -> None:
    """One job through every process, so the window measures warm processes."""
    record = Record()
    deadline = time.monotonic() + 120
    await run_client(
        stack.base_url, api_key, count=count, poll_seconds=0.2,
        submit_until=deadline, give_up_at=deadline, record=record, stagger=False, max_jobs=1,
    )  # fmt: skip
    if record.errors or not record.jobs:
        raise SystemExit(f"warm-up job failed: {dict(record.errors)}; logs in {stack.logs}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    extra_env = dict(item.split("=", 1) for item in args.env)
    temporal_config = dict(item.split("=", 1) for item in args.temporal_config)
    result: dict[str, Any] = {
        "config": {
            "clients": args.clients,
            "duration": args.duration,
            "workers": args.workers,
            "count": args.count,
            "poll_seconds": args.poll,
            "mix": list(MIX),
            "soak": args.soak is not None,
            "env": extra_env,
            "temporal_config": temporal_config,
        },
        "loadavg_before": os.getloadavg(),
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    data_dir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    with BenchStack(data_dir, args.workers, extra_env, temporal_config) as stack:
        print(f"stack up in {data_dir}: {stack.processes()}", flush=True)
        account_id, api_key = stack.create_account(CREDITS)
        asyncio.run(warm_up(stack, api_key, args.count))
        floor_before, floor_cpu_before = floor_images_per_second(args.workers, args.floor_seconds)
        result["pipeline"] = asyncio.run(drive(stack, api_key, args))
        floor_after, floor_cpu_after = floor_images_per_second(args.workers, args.floor_seconds)
        stack.assert_running()
        result["ledger"] = stack.credits(account_id)
    floor = (floor_before + floor_after) / 2
    floor_cpu_ms = 1000 * (floor_cpu_before + floor_cpu_after) / 2
    pipeline_cpu_ms = sum(
        value
        for role, value in result["pipeline"]["cpu_ms_per_image"].items()
        if role != CLIENTS_ROLE and value is not None
    )
    result["floor"] = {
        "cpu_ms_per_image": round(floor_cpu_ms, 1),
        "processes": args.workers,
        "images_per_second_before": round(floor_before, 2),
        "images_per_second_after": round(floor_after, 2),
        "images_per_second": round(floor, 2),
    }
    result["efficiency"] = round(result["pipeline"]["images_per_second"] / floor, 3)
    # Less noisy on a shared machine: CPU the floor spends per image / CPU the stack spends.
    result["cpu_efficiency"] = round(floor_cpu_ms / pipeline_cpu_ms, 3) if pipeline_cpu_ms else None
    result["loadavg_after"] = os.getloadavg()
    if args.keep:
        result["data_dir"] = str(data_dir)
    else:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    return result


def soak_failures(result: dict[str, Any]) -> list[str]:
    """Why a soak failed; empty when it passed."""
    pipeline, ledger = result["pipeline"], result["ledger"]
    failures = [f"{n} x {kind}" for kind, n in pipeline["errors"].items()]
    if ledger["held"]:
        failures.append(f"{ledger['held']} credits still held")
    if not ledger["invariant_holds"]:
        failures.append(f"ledger invariant broken: {ledger}")
    for role, growth in pipeline["rss_second_half_growth"].items():
        if growth > SOAK_RSS_GROWTH:
            failures.append(f"{role} RSS grew {growth:.1%} in the second half")
    return failures


def report(result: dict[str, Any]) -> str:
    p, c = result["pipeline"], result["config"]
    roles = [role for role in p["cpu_seconds"]]
    lines = [
        f"clients={c['clients']} workers={c['workers']} window={p['window_seconds']}s "
        f"poll={c['poll_seconds']}s env={c['env'] or '-'} "
        f"temporal-config={c['temporal_config'] or '-'}",
        f"load average before {_load(result['loadavg_before'])}, "
        f"after {_load(result['loadavg_after'])}; busy cores over the window: "
        f"{p['cores_busy']['machine']} of {p['cores_busy']['of']} "
        f"(ours {p['cores_busy']['ours']}, others {p['cores_busy']['others']})",
        f"pipeline {p['images_per_second']} images/s ({p['jobs_per_second']} jobs/s); "
        f"floor {result['floor']['images_per_second']} images/s "
        f"(before {result['floor']['images_per_second_before']}, "
        f"after {result['floor']['images_per_second_after']}); "
        f"efficiency {result['efficiency']}",
        f"CPU per image: stack {_stack_cpu(p)} ms vs floor {result['floor']['cpu_ms_per_image']} "
        f"ms; CPU efficiency {result['cpu_efficiency']}",
        f"submit->completed ms {_lat(p['submit_to_completed_ms'])}",
        f"POST ms {_lat(p['post_ms'])}",
        f"POST ms, first third of the window {_lat(p['post_ms_first_third'])}; "
        f"last third {_lat(p['post_ms_last_third'])}",
        f"GET  ms {_lat(p['get_ms'])}",
        f"probe: GET /healthz ms {_lat(p['probe_healthz_ms'])}",
        f"probe: GET /api/v1/keys (auth + DB) ms {_lat(p['probe_auth_db_ms'])}",
        f"errors {p['errors'] or 'none'}; jobs finished {p['jobs_total']}",
        "CPU ms/image  " + "  ".join(f"{r} {p['cpu_ms_per_image'][r]}" for r in roles),
        "peak RSS MiB  " + "  ".join(f"{r} {v}" for r, v in p["peak_rss_mib"].items()),
        "RSS MiB start->middle->end  " + "  ".join(
            f"{r} {p['rss_mib_window_start'][r]}->{p['rss_mib_window_middle'].get(r)}"
            f"->{p['rss_mib_window_end'][r]}"
            for r in p["rss_mib_window_start"]
        ),
        "RSS growth in the second half  " + "  ".join(
            f"{r} {g:+.1%}" for r, g in p["rss_second_half_growth"].items()
        ),
        f"ledger {result['ledger']}",
    ]  # fmt: skip
    return "\n".join(lines)


def _stack_cpu(pipeline: dict[str, Any]) -> float:
    per_image = pipeline["cpu_ms_per_image"]
    return round(sum(v for r, v in per_image.items() if r != CLIENTS_ROLE and v), 1)


def _load(values: Any) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def _lat(stats: dict[str, Any]) -> str:
    quantiles = " ".join(f"{key} {stats[key]}" for key in ("p50", "p95", "p99", "max"))
    return f"{quantiles} (n={stats['n']})"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    publish(result, report(result), args.out)
    if args.soak is not None:
        failures = soak_failures(result)
        print("soak PASSED" if not failures else "soak FAILED: " + "; ".join(failures))
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
