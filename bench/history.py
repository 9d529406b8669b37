"""`python -m bench.history`: the database work behind each endpoint, with no history and with 1M.

    .venv/bin/python -m bench.history [--images 1000000] [--calls 200] [--databases sqlite postgres]
                                      [--out bench/results/history.json]

For each database (a SQLite file in a temp directory; a scratch PostgreSQL database created on
BENCH_POSTGRES_URL's server and dropped afterwards) it migrates an empty schema, makes one
account and times each operation --calls times (median and p99, ms); then it gives the same
account --images past images (captured reservations, one job each, with their registry rows,
all ended) and times them again. Operations:

- POST: the plan and active-job check, the balance, registering the started job;
- image: one image's reserve + capture (the worker, per image), and the job's end;
- GET account: the balance (ledger.summary) - and, for comparison, the count it replaced
  (ledger.recount, --slow-calls times);
- GET job: the job's reservations; job list: captured_counts for a page of 20 jobs;
- sweep: held_before(now - 10 min) and the registry's open jobs - and held_before without the
  (state, updated_at) index, for comparison.

Everything runs in this process against the real engines (no HTTP, no Temporal): the figures
are what the history costs each request, not the request itself.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy

from bench.window import publish
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.job_registry import JobRegistry
from infra.ledger import CreditLedger
from infra.models import utc_now

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
HISTORY_START = datetime(2025, 1, 1, tzinfo=UTC)
SWEEP_AGE = timedelta(minutes=10)
PAGE = 20
SWEEP_INDEX = "ix_credit_reservations_state_updated"


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """The URL of an empty database of this kind, deleted on exit."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-history-") as directory:
            yield f"sqlite:///{Path(directory) / 'history.db'}"
        return
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = f"bench_history_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(drop.format(sql.Identifier(name)))


def past_job_id(n: int) -> str:
    """A job id shaped like the real ones (UUIDs), spread over the key space like them."""
    return str(uuid.UUID(hashlib.md5(f"past-{n}".encode()).hexdigest()))


def seed_history(engine: sqlalchemy.Engine, account_id: str, images: int) -> None:
    """`images` captured one-image jobs, ended in the registry, granted and consumed."""
    if engine.dialect.name == "postgresql":
        series = "WITH series AS (SELECT generate_series(0, :last) AS i)"
        job = "md5('past-' || i)::uuid::text"
        moment = "to_timestamp(:start + i)"
        key = "'history/' || i || '.png'"
    else:
        series = (
            "WITH RECURSIVE series(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM series "
            "WHERE i < :last)"
        )
        job, moment, key = "bench_job(i)", "bench_time(:start + i)", "'history/' || i || '.png'"
    values = {"account": account_id, "last": images - 1, "start": HISTORY_START.timestamp()}
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            raw = connection.connection.dbapi_connection
            assert raw is not None
            raw.create_function("bench_job", 1, past_job_id, deterministic=True)
            raw.create_function("bench_time", 1, _sqlite_time, deterministic=True)
        connection.execute(
            sqlalchemy.text(
                f"INSERT INTO credit_reservations (job_id, image_index, account_id, state,"
                f" storage_key, created_at, updated_at) {series}"
                f" SELECT {job}, 1, :account, 'captured', {key}, {moment}, {moment} FROM series"
            ),
            values,
        )
        connection.execute(
            sqlalchemy.text(
                f"INSERT INTO job_registry (job_id, account_id, started_at, ended_at) {series}"
                f" SELECT {job}, :account, {moment}, {moment} FROM series"
            ),
            values,
        )
        connection.execute(
            sqlalchemy.text(
                "UPDATE accounts SET granted_credits = granted_credits + :images WHERE id = :id"
            ),
            {"images": images, "id": account_id},
        )
    # Settle the load as the server would soon after it, so its write-back does not land on
    # the figures: statistics (autovacuum) and a checkpoint.
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.exec_driver_sql("ANALYZE")
            autocommit.exec_driver_sql("CHECKPOINT")
        return
    raw = engine.raw_connection()  # outside any transaction, which a checkpoint cannot run in
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def _sqlite_time(epoch: float) -> str:
    # The text SQLAlchemy writes for a DateTime on SQLite.
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Operations:
    """The database work of each endpoint, for one account."""

    def __init__(self, engine: sqlalchemy.Engine, account_id: str) -> None:
        self.engine, self.account_id = engine, account_id
        self.accounts, self.ledger = AccountService(engine), CreditLedger(engine)
        self.registry = JobRegistry(engine)
        self.jobs: list[str] = []

    def post(self) -> None:
        """A POST's checks and its registration of the started job."""
        account = self.accounts.get_account(self.account_id)
        assert account is not None
        self.registry.active(self.account_id)
        self.ledger.available(self.account_id)
        job_id = str(uuid.uuid4())
        self.registry.started(self.account_id, job_id)
        self.jobs.append(job_id)

    def image(self) -> None:
        """One image of the newest job: reserve, capture; then the job's end."""
        job_id = self.jobs[-1]
        self.ledger.reserve(job_id=job_id, account_id=self.account_id, index=1)
        self.ledger.capture(job_id=job_id, index=1, storage_key=f"{job_id}/1.png")
        self.registry.ended(job_id)

    def get_account(self) -> None:
        self.accounts.get_account(self.account_id)
        self.ledger.summary(self.account_id)

    def recount(self) -> None:
        self.ledger.recount(self.account_id)

    def get_job(self) -> None:
        self.ledger.job_reservations(self.jobs[0])

    def job_list(self) -> None:
        self.ledger.captured_counts(self.jobs[:PAGE])

    def sweep(self) -> None:
        cutoff = utc_now() - SWEEP_AGE
        self.ledger.held_before(cutoff)
        self.registry.open_before(cutoff)


def timed(call: Callable[[], None], calls: int) -> dict[str, float]:
    """Median and p99 of `calls` calls, in milliseconds."""
    call()  # warm: the first call pays for connections and statement compilation
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return {"p50": round(statistics.median(samples), 3), "p99": round(p99, 3), "n": calls}


def measure(ops: Operations, calls: int, slow_calls: int) -> dict[str, dict[str, float]]:
    figures = {
        "POST: plan check + balance + register": timed(ops.post, calls),
        "image: reserve + capture + job end": timed(ops.image, calls),
        "GET account: summary": timed(ops.get_account, calls),
        "GET account before: recount": timed(ops.recount, slow_calls),
        "GET job: reservations": timed(ops.get_job, calls),
        "job list: captured_counts of 20": timed(ops.job_list, calls),
        "sweep: held_before + open jobs": timed(ops.sweep, calls),
    }
    with ops.engine.begin() as connection:
        connection.exec_driver_sql(f"DROP INDEX {SWEEP_INDEX}")
    figures["sweep before: without the index"] = timed(ops.sweep, slow_calls)
    with ops.engine.begin() as connection:
        connection.exec_driver_sql(
            f"CREATE INDEX {SWEEP_INDEX} ON credit_reservations (state, updated_at)"
            " WHERE state = 'held'"
        )
    return figures


def run_database(kind: str, images: int, calls: int, slow_calls: int) -> dict[str, Any]:
    with scratch_database(kind) as url:
        engine = create_db_engine(url)
        try:
            migrate(engine)
            account = AccountService(engine).create_account("History Co", plan="business")
            CreditLedger(engine).grant(account.id, 10 * (calls + 1) + 10)
            ops = Operations(engine, account.id)
            empty = measure(ops, calls, slow_calls)
            started = time.perf_counter()
            seed_history(engine, account.id, images)
            seeded = time.perf_counter() - started
            # GET job and the job list now read the newest of the past jobs.
            ops.jobs = [past_job_id(n) for n in range(images - 1, images - 1 - PAGE, -1)]
            history = measure(ops, calls, slow_calls)
            summary = ops.ledger.summary(account.id)
            assert summary == ops.ledger.recount(account.id), "counters drifted from the rows"
        finally:
            engine.dispose()
    return {"seed_seconds": round(seeded, 1), "empty": empty, "history": history}


def both_ways_table(results: dict[str, Any], images: int, label: str, width: int) -> list[str]:
    """Each row's p50 / p99 per database, with no history and with `images` past images."""
    kinds = list(results)
    header = f"{label + ' (ms, p50 / p99)':{width}}" + "".join(
        f"{kind + ' empty':>20}{kind + f' {images:,}':>22}" for kind in kinds
    )
    lines = [header, "-" * len(header)]
    for row_name in results[kinds[0]]["empty"]:
        row = f"{row_name:{width}}"
        for kind in kinds:
            for phase, column in (("empty", 20), ("history", 22)):
                figure = results[kind][phase][row_name]
                row += f"{figure['p50']:>{column - 10}.2f} / {figure['p99']:7.2f}"
        lines.append(row)
    return lines


def report(results: dict[str, Any], images: int) -> str:
    kinds = list(results)
    lines = both_ways_table(results, images, "operation", 40)
    seeds = ", ".join(f"{kind} {results[kind]['seed_seconds']} s" for kind in kinds)
    lines.append(f"seeding {images:,} images took {seeds}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__)
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--slow-calls", type=int, default=20, help="for the replaced queries")
    parser.add_argument(
        "--databases", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    results = {
        kind: run_database(kind, args.images, args.calls, args.slow_calls)
        for kind in args.databases
    }
    result = {"images": args.images, "calls": args.calls, "databases": results}
    publish(result, report(results, args.images), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
