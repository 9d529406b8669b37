"""The dev stack's children, kept alive: one that dies is started again after a backoff.

A child that ran for a while and died gets restarted after 1 s; one that keeps dying right after
its start waits 2, 4, ... up to 30 s between tries, so a broken child does not spin the CPU.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
# A child that stayed up this long was healthy: its next crash starts the backoff over.
HEALTHY_AFTER_SECONDS = 60.0

Spawner = Callable[[], "subprocess.Popen[bytes]"]


@dataclass
class Child:
    """One supervised process: how to start it, and its restart bookkeeping."""

    name: str
    spawn: Spawner
    process: subprocess.Popen[bytes]
    started_at: float = field(default_factory=time.monotonic)
    backoff: float = FIRST_BACKOFF_SECONDS
    restart_at: float | None = None  # set while it is dead and waiting for its restart
    restarts: int = 0

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


class Supervisor:
    """Restarts dead children with backoff and says so on stderr, one line per event."""

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self.children: list[Child] = []
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))

    def add(self, name: str, spawn: Spawner) -> Child:
        child = Child(name, spawn, spawn())
        self.children.append(child)
        return child

    def tend(self, now: float | None = None) -> None:
        """One round: notice children that died, restart those whose backoff has passed."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.alive:
                continue
            if child.restart_at is None:
                if now - child.started_at >= HEALTHY_AFTER_SECONDS:
                    child.backoff = FIRST_BACKOFF_SECONDS
                child.restart_at = now + child.backoff
                self._log(
                    f"{child.name} exited with code {child.process.returncode}; "
                    f"restarting it in {child.backoff:g} s"
                )
                child.backoff = min(child.backoff * 2, MAX_BACKOFF_SECONDS)
            elif now >= child.restart_at:
                child.process = child.spawn()
                child.started_at, child.restart_at = now, None
                child.restarts += 1
                self._log(f"{child.name} restarted (pid {child.process.pid})")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to every child, newest first; SIGKILL to those still up after `timeout`."""
        for child in reversed(self.children):
            if child.alive:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
