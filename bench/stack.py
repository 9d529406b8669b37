"""The product on its embedded defaults, as `creative-saas dev` runs it, but with known PIDs.

`BenchStack` starts the same `temporal server start-dev` command as `creative-saas dev`
(persistent SQLite with the same pragmas), W `creative-saas worker` processes and one
`creative-saas api`, on free ports in a data directory of its own, each process in its own
session so stopping it never touches anything else. `extra_env` passes settings through
(e.g. WORKER_MAX_CONCURRENT_ACTIVITIES=4) and `temporal_config` adds dynamic config values
to the server (e.g. system.enableActivityEagerExecution=true), to measure a knob first.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from cli.dev_stack import DevStack
from cli.processes import ManagedProcess, free_port
from infra.settings import load_settings

READY_TIMEOUT_SECONDS = 90.0
WORKER_READY_LINE = "worker polling task queue"


class StackFailed(RuntimeError):
    pass


class BenchStack:
    """Temporal dev server + W workers + API; use as a context manager."""

    def __init__(
        self,
        data_dir: Path,
        workers: int = 1,
        extra_env: Mapping[str, str] | None = None,
        temporal_config: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.logs = self.data_dir / "logs"
        self.worker_count = workers
        self.api_port, self.temporal_port, self.ui_port = free_port(), free_port(), free_port()
        self.extra_env = dict(extra_env or {})
        self.temporal_config = dict(temporal_config or {})
        self.temporal: ManagedProcess | None = None
        self.workers: list[ManagedProcess] = []
        self.api: ManagedProcess | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'creative-saas.db'}"

    def environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TEMPORAL_", "API_", "DATABASE_", "CREATIVE_SAAS_", "WORKER_"))
        }
        env.update(
            CREATIVE_SAAS_DATA_DIR=str(self.data_dir),
            TEMPORAL_ADDRESS=f"127.0.0.1:{self.temporal_port}",
            API_HOST="127.0.0.1",
            API_PORT=str(self.api_port),
            PUBLIC_BASE_URL=self.base_url,
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def processes(self) -> dict[str, int]:
        """Role -> PID: "api", "temporal", "worker-1", ..."""
        roles = {"api": self.api, "temporal": self.temporal}
        roles.update({f"worker-{i}": worker for i, worker in enumerate(self.workers, start=1)})
        return {role: process.pid for role, process in roles.items() if process is not None}

    def start_temporal(self) -> ManagedProcess:
        """The very Temporal command `creative-saas dev` runs, so its tuning is measured here."""
        self.logs.mkdir(parents=True, exist_ok=True)
        settings = load_settings(CREATIVE_SAAS_DATA_DIR=self.data_dir)
        command = DevStack(settings, self.api_port, self.temporal_port, self.ui_port)
        argv = command._temporal_command()
        for key, value in self.temporal_config.items():
            argv += ["--dynamic-config-value", f"{key}={value}"]
        temporal = self.temporal = self.spawn("temporal", argv)
        self.wait_until(lambda: _listening(self.temporal_port), "Temporal", temporal)
        return temporal

    def start(self) -> BenchStack:
        from infra.db import create_db_engine, migrate

        self.start_temporal()
        engine = create_db_engine(self.database_url)
        migrate(engine)  # once, before the processes race to
        engine.dispose()
        cli = [sys.executable, "-m", "cli.main"]
        for index in range(1, self.worker_count + 1):
            worker = self.spawn(f"worker-{index}", [*cli, "worker"])
            self.workers.append(worker)
        for worker in self.workers:
            self.wait_until(_ready_line_in(worker), worker.name, worker)
        self.api = self.spawn("api", [*cli, "api"])
        self.wait_until(lambda: _healthy(f"{self.base_url}/healthz"), "API", self.api)
        return self

    def create_account(self, credits: int, plan: str = "business") -> tuple[str, str]:
        """(account_id, api_key) of a new account with `credits` granted, on the stack's DB."""
        from infra.accounts import AccountService
        from infra.db import create_db_engine
        from infra.ledger import CreditLedger

        engine = create_db_engine(self.database_url)
        try:
            account = AccountService(engine).create_account("bench", plan=plan)
            CreditLedger(engine).grant(account.id, credits, reason="benchmark")
            _, api_key = AccountService(engine).create_key(account.id)
        finally:
            engine.dispose()
        return account.id, api_key

    def credits(self, account_id: str) -> dict[str, int | bool]:
        """The account's ledger and whether granted == available + held + consumed holds."""
        from infra.db import create_db_engine
        from infra.ledger import CreditLedger

        engine = create_db_engine(self.database_url)
        try:
            summary = CreditLedger(engine).summary(account_id)
        finally:
            engine.dispose()
        balanced = summary.granted == summary.available + summary.held + summary.consumed
        return {**vars(summary), "invariant_holds": balanced}

    def stop(self) -> None:
        for process in (self.api, *reversed(self.workers), self.temporal):
            if process is not None:
                process.stop()

    def assert_running(self) -> None:
        for process in (self.api, *self.workers, self.temporal):
            if process is not None and not process.running:
                raise StackFailed(f"{process.name} exited; see {process.log_path}")

    def __enter__(self) -> BenchStack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def spawn(self, name: str, argv: list[str]) -> ManagedProcess:
        """Start `argv` with the stack's environment, logging to logs/<name>.log."""
        return ManagedProcess(name, argv, self.environment(), self.logs / f"{name}.log")

    def wait_until(self, ready: Callable[[], bool], name: str, process: ManagedProcess) -> None:
        """Until `ready()`; StackFailed if `process` exits or the start-up timeout passes."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not ready():
            if not process.running:
                raise StackFailed(f"{name} exited during start-up; see {process.log_path}")
            if time.monotonic() > deadline:
                raise StackFailed(f"{name} not ready after {READY_TIMEOUT_SECONDS:.0f} s")
            time.sleep(0.2)


def _ready_line_in(worker: ManagedProcess) -> Callable[[], bool]:
    return lambda: WORKER_READY_LINE in worker.log_text()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False
