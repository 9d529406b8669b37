"""A Temporal dev server of the test's own, persisted to a file, that it can kill and restart."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path
from types import TracebackType

from temporalio.client import Client
from temporalio.service import RPCError

from infra.temporal import DATA_CONVERTER
from tests.conftest import installed_binary
from tests.support.stack import free_port
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

READY_TIMEOUT_SECONDS = 60.0


class PersistentTemporalServer:
    """`temporal server start-dev --db-filename`: same file and port across restarts."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.db_file = data_dir / "temporal.db"
        self.log_file = data_dir / "temporal.log"
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start the server and wait until it answers (the only wait here, and it has a bound)."""
        self._spawn()
        await asyncio.wait_for(self._until_ready(), READY_TIMEOUT_SECONDS)

    def _spawn(self) -> None:
        argv = [
            installed_binary("temporal"),
            *("server", "start-dev", "--headless", "--log-level", "error"),
            *("--ip", "127.0.0.1", "--port", str(self.port), "--db-filename", str(self.db_file)),
        ]
        for key in SEARCH_ATTRIBUTES:
            argv += ["--search-attribute", f"{key.name}=Keyword"]
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

    async def _until_ready(self) -> None:
        while True:
            assert self._process is not None and self._process.poll() is None, self.log_file
            try:
                client = await Client.connect(self.address)
                await client.count_workflows()
                return
            except (RuntimeError, RPCError):  # refused or unavailable while the server starts
                await asyncio.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, like a crashed host: no graceful shutdown, only what reached the file."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def freeze(self) -> None:
        """SIGSTOP: the process keeps its sockets open and answers nothing (a hung host)."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    async def connect(self) -> Client:
        return await Client.connect(self.address, data_converter=DATA_CONVERTER)

    async def __aenter__(self) -> PersistentTemporalServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self.thaw()  # a frozen process cannot act on SIGTERM
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._process = None
