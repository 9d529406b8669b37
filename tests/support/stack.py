"""The whole product as users run it: the API and a worker as real subprocesses of our CLI.

A `Stack` starts `python -m cli.main api` and `python -m cli.main worker` against a Temporal
server you already have (e.g. the `dev_server_env` session fixture), configured only through the
environment, exactly as an operator would. Each stack gets its own data directory, database
(SQLite in the data directory unless you pass a PostgreSQL URL), free API port and Temporal task
queue, so stacks never steal each other's tasks and several can run side by side.

    with Stack(temporal_address, tmp_path) as stack:       # API healthy, worker polling
        account_id, key = stack.create_account(credits=10)
        async with httpx.AsyncClient(base_url=stack.base_url) as http:
            response = await http.post("/api/v1/generate", json=..., headers=bearer(key))
            job = await wait_for_terminal(http, response.json()["jobId"], bearer(key))
        stack.kill_worker()                                 # SIGKILL, like a crashed host
        stack.start_worker()

Every process writes its output to `<data_dir>/<name>.log`; `StackError` messages (start-up
failures, unexpected exits) end with the tail of that log. `stop()` (or leaving the `with`)
terminates every process the stack started, and an atexit hook does so if a test run dies first.

In pytest, take the session-wide one from tests/e2e/conftest.py (`stack`), or start your own for
a different configuration (`extra_env={"WORKER_MAX_CONCURRENT_ACTIVITIES": "1"}`, a PostgreSQL
`database_url`). tests/e2e/checks.py has the checks worth ending a scenario with
(`assert_books_balance`, `account_job_ids`).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import sqlalchemy

from cli.processes import ManagedProcess, free_port
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.ledger import CreditLedger, CreditSummary
from infra.settings import Settings, load_settings

TERMINAL_STATUSES = frozenset({"completed", "partial", "failed"})
START_TIMEOUT_SECONDS = 60.0
LOG_TAIL_LINES = 40
WORKER_READY_LINE = "worker polling task queue"
PORT_ATTEMPTS = 3


_SETTING_NAMES = frozenset(
    (field.alias or name).upper() for name, field in Settings.model_fields.items()
)


class StackError(AssertionError):
    """A stack process failed to start or died; the message carries its log tail."""


class _PortTaken(Exception):
    pass


def bearer(api_key: str) -> dict[str, str]:
    """The Authorization header the seed's clients send."""
    return {"Authorization": f"Bearer {api_key}"}


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log file, for assertion messages."""
    if not path.exists():
        return f"(no log at {path})"
    tail = path.read_text(errors="replace").splitlines()[-lines:]
    return f"--- last {len(tail)} lines of {path} ---\n" + "\n".join(tail)


class Stack:
    """The API and a worker as real subprocesses; accounts and credits via the real database."""

    def __init__(
        self,
        temporal_address: str,
        data_dir: Path,
        *,
        database_url: str | None = None,
        temporal_namespace: str = "default",
        task_queue: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        python: str = sys.executable,
    ) -> None:
        self.temporal_address = temporal_address
        self.temporal_namespace = temporal_namespace
        self.data_dir = Path(data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._database_url = database_url
        self.task_queue = task_queue or f"e2e-{uuid.uuid4().hex[:12]}"
        self.api_port = free_port()
        self._extra_env = dict(extra_env or {})
        self._python = python
        self._api: ManagedProcess | None = None
        self._worker: ManagedProcess | None = None

    # -- addresses and configuration ------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Where the API listens, e.g. http://127.0.0.1:40123 (also its PUBLIC_BASE_URL)."""
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def database_url(self) -> str:
        """The database both processes use: the one given, else the product's embedded SQLite."""
        settings = load_settings(data_dir=self.data_dir, database_url=self._database_url)
        return settings.resolved_database_url

    @property
    def api_log(self) -> Path:
        return self.data_dir / "api.log"

    @property
    def worker_log(self) -> Path:
        return self.data_dir / "worker.log"

    def environment(self) -> dict[str, str]:
        """The environment both processes run with: only the documented settings."""
        # The product reads every setting from the environment: a developer's own must not leak in.
        env = {key: value for key, value in os.environ.items() if key.upper() not in _SETTING_NAMES}
        if self._database_url is not None:  # unset: the product's own default, as users run it
            env["DATABASE_URL"] = self._database_url
        env.update(
            CREATIVE_SAAS_DATA_DIR=str(self.data_dir),
            TEMPORAL_ADDRESS=self.temporal_address,
            TEMPORAL_NAMESPACE=self.temporal_namespace,
            TEMPORAL_TASK_QUEUE=self.task_queue,
            API_HOST="127.0.0.1",
            API_PORT=str(self.api_port),
            PUBLIC_BASE_URL=self.base_url,
            PYTHONUNBUFFERED="1",
        )
        env.update(self._extra_env)
        return env

    def _cli(self, command: str) -> list[str]:
        return [self._python, "-m", "cli.main", command]

    # -- the database, shared with the processes -------------------------------------------

    @cached_property
    def engine(self) -> sqlalchemy.Engine:
        """An engine on the stack's database (migrated), for setting up and checking state."""
        engine = create_db_engine(self.database_url)
        migrate(engine)
        return engine

    @cached_property
    def accounts(self) -> AccountService:
        return AccountService(self.engine)

    @cached_property
    def ledger(self) -> CreditLedger:
        return CreditLedger(self.engine)

    def create_account(self, credits: int, plan: str = "pro") -> tuple[str, str]:
        """A new account with `credits` granted and one API key: (account_id, api_key)."""
        account = self.accounts.create_account(f"e2e-{uuid.uuid4().hex[:8]}", plan=plan)
        if credits > 0:
            self.ledger.grant(account.id, credits, reason="e2e test")
        _, api_key = self.accounts.create_key(account.id)
        return account.id, api_key

    def summary(self, account_id: str) -> CreditSummary:
        """The account's granted / available / held / consumed credits, from the database."""
        return self.ledger.summary(account_id)

    # -- processes -------------------------------------------------------------------------

    def start(self) -> Stack:
        """Start the API and a worker; return once the API is healthy and the worker polls."""
        _ = self.engine  # migrate once here, before two processes race to do it
        self.start_api()
        self.start_worker()
        return self

    def start_api(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Start the API and wait until GET /healthz answers 200."""
        if self._api is not None and self._api.running:
            raise StackError("the API is already running")
        for _attempt in range(PORT_ATTEMPTS):
            try:
                return self._start_api_once(timeout)
            except _PortTaken:
                # Another process bound our free port between probing and listening: pick anew.
                self.api_port = free_port()
        raise StackError(f"no free port after {PORT_ATTEMPTS} attempts\n{log_tail(self.api_log)}")

    def _start_api_once(self, timeout: float) -> None:
        log_size = _size(self.api_log)
        self._api = ManagedProcess("api", self._cli("api"), self.environment(), self.api_log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._api.running:
                if "address already in use" in self._api.log_since(log_size).lower():
                    raise _PortTaken()
                raise StackError(
                    f"the API exited with code {self._api.popen.returncode} before it was "
                    f"healthy\n{log_tail(self.api_log)}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self._api.kill()
        raise StackError(f"the API was not healthy after {timeout:.0f} s\n{log_tail(self.api_log)}")

    def start_worker(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Start a worker and wait until it logs that it polls the stack's task queue."""
        if self._worker is not None and self._worker.running:
            raise StackError("a worker is already running; kill or stop it first")
        log_size = _size(self.worker_log)  # every worker appends here: read only this one's
        self._worker = ManagedProcess(
            "worker", self._cli("worker"), self.environment(), self.worker_log
        )
        ready_marker = f"{WORKER_READY_LINE} {self.task_queue}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready_marker in self._worker.log_since(log_size):
                return
            if not self._worker.running:
                raise StackError(
                    f"the worker exited with code {self._worker.popen.returncode} before it "
                    f"polled\n{log_tail(self.worker_log)}"
                )
            time.sleep(0.1)
        self._worker.kill()
        raise StackError(
            f"the worker did not poll within {timeout:.0f} s\n{log_tail(self.worker_log)}"
        )

    def kill_worker(self) -> None:
        """SIGKILL the worker: in-flight images are abandoned mid-way, as on a crashed host."""
        if self._worker is not None:
            self._worker.kill()

    def stop_worker(self) -> None:
        """Stop the worker gracefully (SIGTERM), as a deploy would."""
        if self._worker is not None:
            self._worker.stop()

    @contextlib.contextmanager
    def worker_stopped(self) -> Iterator[None]:
        """Run the body with no worker at all (jobs wait in Temporal); a new one starts after."""
        self.stop_worker()
        try:
            yield
        finally:
            self.start_worker()

    @property
    def worker_running(self) -> bool:
        return self._worker is not None and self._worker.running

    def stop(self) -> None:
        """Terminate every process this stack started (idempotent)."""
        for process in (self._worker, self._api):
            if process is not None:
                process.stop()
        if "engine" in self.__dict__:  # never create (and migrate) a database just to close it
            self.engine.dispose()

    def assert_running(self) -> None:
        """Fail with the logs when a process that should be up has died."""
        for process in (self._api, self._worker):
            if process is not None and not process.running:
                raise StackError(
                    f"the {process.name} exited with code {process.popen.returncode}\n"
                    f"{log_tail(process.log_path)}"
                )

    def logs(self) -> str:
        """Both log tails, for assertion messages."""
        return f"{log_tail(self.api_log)}\n{log_tail(self.worker_log)}"

    def __enter__(self) -> Stack:
        atexit.register(self.stop)
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        atexit.unregister(self.stop)


async def wait_for_terminal(
    client: httpx.AsyncClient,
    job_id: str,
    headers: Mapping[str, str],
    timeout: float = 120.0,  # noqa: ASYNC109 - on timeout we report the last answer seen
    interval: float = 0.5,
) -> dict[str, Any]:
    """Poll GET /api/v1/jobs/{job_id} like the seed's clients until completed/partial/failed.

    Fails (with the last answer) when the job is not terminal within `timeout` seconds, or when
    a poll answers anything but 200 — the seed's clients would crash on it.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        response = await client.get(f"/api/v1/jobs/{job_id}", headers=dict(headers))
        if response.status_code != 200:
            raise AssertionError(
                f"poll of job {job_id} answered {response.status_code}: {response.text}"
            )
        last = response.json()
        if last["status"] in TERMINAL_STATUSES:
            return dict(last)
        await asyncio.sleep(interval)
    raise AssertionError(f"job {job_id} not finished after {timeout:.0f} s; last answer: {last}")
