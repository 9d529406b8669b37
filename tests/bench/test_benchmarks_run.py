"""The benchmark commands README quotes still run and report: a short run of each.

Figures are never asserted here (the machines are shared and noisy); what an engineer would
notice is a command that crashes, reports errors, or leaves the ledger unbalanced.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_benchmark(module: str, out: Path, *args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", module, *args, "--out", str(out)]
    finished = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-4000:]
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def test_load_benchmark_runs_jobs_against_its_floor(tmp_path: Path) -> None:
    result = run_benchmark(
        "bench.load", tmp_path / "load.json",
        "--clients", "2", "--duration", "4", "--floor-seconds", "1", "--drain", "60",
        "--rss-every", "1",
    )  # fmt: skip

    pipeline = result["pipeline"]
    assert pipeline["errors"] == {}
    assert pipeline["images_per_second"] > 0
    assert pipeline["submit_to_completed_ms"]["n"] == pipeline["jobs_total"] > 0
    assert set(pipeline["cpu_ms_per_image"]) >= {"api", "temporal", "worker-1"}
    assert result["floor"]["images_per_second"] > 0
    assert 0 < result["efficiency"] < 1
    # The soak's verdict on memory rests on RSS sampled through the window, for every process.
    assert len(pipeline["rss_mib_series"]) >= 3
    assert set(pipeline["rss_second_half_growth"]) == set(pipeline["rss_mib_window_start"])
    assert result["ledger"]["invariant_holds"] and result["ledger"]["held"] == 0
    warm_up_job = 1
    assert result["ledger"]["consumed"] == 3 * (pipeline["jobs_total"] + warm_up_job)


def test_orchestration_benchmark_bounds_the_efficiency(tmp_path: Path) -> None:
    result = run_benchmark(
        "bench.orchestration", tmp_path / "orchestration.json",
        "--clients", "2", "--duration", "3", "--floor-seconds", "1",
    )  # fmt: skip

    orchestration = result["orchestration"]
    assert orchestration["errors"] == {}
    assert orchestration["jobs_total"] > 0
    assert orchestration["cpu_ms_per_image"]["temporal"] > 0
    assert orchestration["cpu_ms_per_image"]["worker"] > 0
    assert 0 < result["ceiling"] < 1


def test_longpoll_benchmark_holds_its_polls(tmp_path: Path) -> None:
    result = run_benchmark(
        "bench.longpoll", tmp_path / "longpoll.json", "--levels", "10", "--wait", "2"
    )

    [level] = result["levels"]
    assert (level["polls"], level["held"], level["errors"]) == (10, 10, {})
    assert level["answered_after_s_p50"] >= 2  # the polls were held, not answered at once
    assert result["api_peak_rss_mib"] > 0


def test_history_benchmark_times_each_operation_both_ways(tmp_path: Path) -> None:
    result = run_benchmark(
        "bench.history", tmp_path / "history.json",
        "--images", "500", "--calls", "5", "--slow-calls", "2", "--databases", "sqlite",
    )  # fmt: skip

    sqlite = result["databases"]["sqlite"]
    assert set(sqlite) == {"seed_seconds", "empty", "history"}
    assert sqlite["empty"].keys() == sqlite["history"].keys()
    assert all(figure["p50"] > 0 for figure in sqlite["history"].values())


def test_wait_latency_benchmark_splits_where_a_long_polled_job_spent_its_time(
    tmp_path: Path,
) -> None:
    result = run_benchmark("bench.wait_latency", tmp_path / "wait.json", "--jobs", "2")

    seen, split = result["post_to_completed_ms"], result["split_ms_median"]
    assert 0 < seen["median"] <= seen["max"]
    assert split["workflow"] > 0 and split["to_client"] >= 0  # seen only after it closed
    assert split["to_start"] + split["workflow"] + split["to_client"] <= seen["max"] + 1
