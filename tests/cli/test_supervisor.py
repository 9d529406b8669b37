"""The dev stack's supervisor: a dead child is restarted after a backoff that grows while it
keeps dying and starts over once it has stayed up (a clock passed in, real child processes)."""

from __future__ import annotations

import subprocess
import sys

from cli.supervisor import HEALTHY_AFTER_SECONDS, MAX_BACKOFF_SECONDS, Supervisor


def crashing() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])


def test_a_child_that_keeps_dying_is_restarted_with_growing_backoff_and_a_log_line() -> None:
    lines: list[str] = []
    supervisor = Supervisor(log=lines.append)
    child = supervisor.add("worker", crashing)
    child.process.wait()
    now = child.started_at

    waits = []
    for _ in range(7):
        supervisor.tend(now)  # notices the death
        assert child.restart_at is not None
        waits.append(child.restart_at - now)
        supervisor.tend(child.restart_at - 0.01)  # not yet
        assert child.restart_at is not None
        now = child.restart_at
        supervisor.tend(now)  # restarted
        assert child.restart_at is None
        child.process.wait()

    assert waits == [1, 2, 4, 8, 16, MAX_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS]
    assert child.restarts == 7
    assert lines[0] == "worker exited with code 3; restarting it in 1 s"
    assert lines[1].startswith("worker restarted (pid ")

    # Up for a while, then a crash: the backoff starts over.
    supervisor.tend(now + HEALTHY_AFTER_SECONDS)
    assert child.restart_at == now + HEALTHY_AFTER_SECONDS + 1
    supervisor.stop()


def test_stop_ends_every_child() -> None:
    supervisor = Supervisor(log=lambda line: None)
    sleeper = supervisor.add(
        "api", lambda: subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    )
    supervisor.stop(timeout=10)
    assert sleeper.process.poll() is not None
