"""Child processes of our own: free ports, and a subprocess in its own session with a log file.

Used by the benchmark's stack and by the tests' stacks, which both run the product's CLI as
real processes and must stop exactly those processes (and their children), nothing else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import IO

STOP_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it; never a fixed number)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ManagedProcess:
    """`argv` in its own process group, its output appended to `log_path`."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("ab")
        self._log.write(f"\n=== starting {name}: {' '.join(argv)}\n".encode())
        self._log.flush()
        self.popen = subprocess.Popen(
            argv,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # signals reach only this process (and its children)
        )
        self.pid = self.popen.pid

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def signal(self, signum: signal.Signals) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signum)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM (a graceful shutdown), then SIGKILL if it does not exit within `timeout`."""
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._log.close()

    def kill(self) -> None:
        """SIGKILL: no clean-up, no graceful shutdown — a crashed machine."""
        self.signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(STOP_TIMEOUT_SECONDS)
        self._log.close()

    def log_text(self) -> str:
        return self.log_since(0)

    def log_since(self, offset: int) -> str:
        """What the log gained after byte `offset` (e.g. its size when this process started)."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_bytes()[offset:].decode(errors="replace")
