"""`python -m bench.summary FILE...`: one line per bench.load result, and medians per group.

Files are grouped by name without the trailing `-<rep>.json` (exp-mca4-1.json and
exp-mca4-2.json form group exp-mca4), so repeated runs can be compared by their medians.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

COLUMNS = (
    ("img/s", lambda r: r["pipeline"]["images_per_second"]),
    ("eff", lambda r: r["efficiency"]),
    ("cpu_eff", lambda r: r.get("cpu_efficiency")),
    ("stack_ms/img", lambda r: _stack_cpu(r)),
    ("others_cores", lambda r: r["pipeline"]["cores_busy"]["others"]),
    ("job_p50", lambda r: r["pipeline"]["submit_to_completed_ms"]["p50"]),
    ("job_p95", lambda r: r["pipeline"]["submit_to_completed_ms"]["p95"]),
    ("post_p50", lambda r: r["pipeline"]["post_ms"]["p50"]),
    ("post_p99", lambda r: r["pipeline"]["post_ms"]["p99"]),
    ("get_p50", lambda r: r["pipeline"]["get_ms"]["p50"]),
    ("get_p99", lambda r: r["pipeline"]["get_ms"]["p99"]),
    ("errors", lambda r: sum(r["pipeline"]["errors"].values())),
)


def _stack_cpu(result: dict[str, Any]) -> float:
    per_image = result["pipeline"]["cpu_ms_per_image"]
    return round(sum(v for k, v in per_image.items() if k != "bench-clients" and v), 1)


def main(paths: list[str]) -> int:
    groups: dict[str, list[list[Any]]] = defaultdict(list)
    print(f"{'run':<28}" + "".join(f"{name:>13}" for name, _ in COLUMNS))
    for path in sorted(paths):
        result = json.loads(Path(path).read_text())
        if "pipeline" not in result:  # e.g. a bench.latency result
            continue
        row = [column(result) for _, column in COLUMNS]
        groups[re.sub(r"-\d+$", "", Path(path).stem)].append(row)
        print(f"{Path(path).stem:<28}" + "".join(f"{value!s:>13}" for value in row))
    print("medians")
    for name, rows in groups.items():
        medians = [
            round(statistics.median(col), 2) if None not in col else None
            for col in zip(*rows, strict=True)
        ]
        print(f"{name + f' (n={len(rows)})':<28}" + "".join(f"{m!s:>13}" for m in medians))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
