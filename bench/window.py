"""What every load benchmark reports over its measuring window: throughput, errors and CPU."""

from __future__ import annotations

import json
import os
import resource
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procstats
from bench.client import Record


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds of each role's process tree (and of this process), and the machine's."""

    by_role: dict[str, float]
    machine_busy: float

    @classmethod
    def take(cls, pids: dict[str, int], own_role: str) -> CpuSnapshot:
        by_role = {role: procstats.cpu_seconds(pid) for role, pid in pids.items()}
        usage = resource.getrusage(resource.RUSAGE_SELF)  # this process only, not its children
        by_role[own_role] = usage.ru_utime + usage.ru_stime
        return cls(by_role, procstats.machine_busy()[0])


def window_figures(
    record: Record, *, until: float, window: float, before: CpuSnapshot, after: CpuSnapshot
) -> dict[str, Any]:
    """Jobs and images finished by `until`, errors, and CPU per image of each role."""
    in_window = [job for job in record.jobs if job.finished <= until]
    images = sum(job.produced for job in in_window)
    cpu = {role: after.by_role[role] - before.by_role[role] for role in after.by_role}
    machine = (after.machine_busy - before.machine_busy) / window
    ours = sum(cpu.values()) / window
    return {
        "window_seconds": round(window, 2),
        "jobs_completed_in_window": len(in_window),
        "images_in_window": images,
        "images_per_second": round(images / window, 2),
        "jobs_per_second": round(len(in_window) / window, 3),
        "jobs_total": len(record.jobs),
        "errors": dict(record.errors),
        "cpu_seconds": {role: round(value, 2) for role, value in cpu.items()},
        "cpu_ms_per_image": {
            role: round(1000 * value / images, 1) if images else None for role, value in cpu.items()
        },
        "cores_busy": {
            "machine": round(machine, 2),
            "ours": round(ours, 2),
            "others": round(machine - ours, 2),
            "of": os.cpu_count(),
        },
    }


def publish(result: dict[str, Any], report: str, out: Path | None) -> None:
    """Save the figures as JSON when asked to, and print the report."""
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
    print(report)
    if out is not None:
        print(f"saved {out}")
