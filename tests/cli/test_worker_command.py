"""`creative-saas worker` started before Temporal: it waits for the server instead of dying."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.stack import free_port


def test_a_worker_started_before_temporal_keeps_retrying_and_stops_cleanly(tmp_path: Path):
    unreachable = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "CREATIVE_SAAS_DATA_DIR": str(tmp_path),
        "TEMPORAL_ADDRESS": unreachable,
        "TEMPORAL_TASK_QUEUE": "nobody-polls-this",
    }
    env.pop("DATABASE_URL", None)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "worker"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            deadline = time.monotonic() + 60
            while "unreachable" not in log.read_text() and time.monotonic() < deadline:
                assert worker.poll() is None, log.read_text()
                time.sleep(0.2)
            assert "unreachable" in log.read_text(), log.read_text()
            assert worker.poll() is None, "the worker gave up instead of waiting for Temporal"
        finally:
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=30)

    assert code == 0, log.read_text()
