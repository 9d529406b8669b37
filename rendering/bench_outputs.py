"""`python -m rendering.bench_outputs`: what each `output` costs per image, and its size.

Per format: median CPU ms of the whole render (layout cached, paint, encode) as PNG, JPEG and
WebP, and the bytes of each file. The three are timed in turn, round after round, so load from
other processes falls on all alike. Prints figures; no goal, no exit code but errors.
"""

from __future__ import annotations

import argparse
import statistics
import time

from domain.catalog import FORMATS, LANGUAGES
from domain.outputs import OUTPUT_FORMATS
from rendering import CreativeSpec, render_image


def main() -> int:
    """Print one row per format and a mean over formats."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claim", default="Best protein supplements")
    parser.add_argument("--language", default="EN", choices=list(LANGUAGES))
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    cta = LANGUAGES[args.language].default_cta
    outputs = list(OUTPUT_FORMATS)
    print(f"median CPU ms of {args.rounds} renders (layout cached) and file size, per output")
    header = "".join(f"{name + ' ms':>10}{name + ' kB':>10}" for name in outputs)
    print(f"{'format':<7}{'size':>10}{header}")
    totals: dict[str, list[float]] = {name: [] for name in outputs}
    for code, fmt in FORMATS.items():
        times: dict[str, list[float]] = {name: [] for name in outputs}
        sizes: dict[str, int] = {}
        for index in range(args.rounds + 1):
            for name in outputs:
                spec = CreativeSpec(
                    args.claim, args.language, cta, code, f"bench:{index}", output=name
                )
                start = time.process_time()
                data = render_image(spec)
                if index:  # round 0 warms fonts and the claim's layout
                    times[name].append((time.process_time() - start) * 1000)
                sizes[name] = len(data)
        row = ""
        for name in outputs:
            median = statistics.median(times[name])
            totals[name].append(median)
            row += f"{median:>10.2f}{sizes[name] / 1000:>10.1f}"
        print(f"{code:<7}{f'{fmt.width}x{fmt.height}':>10}{row}")
    means = "".join(f"{statistics.mean(totals[name]):>10.2f}{'':>10}" for name in outputs)
    print(f"{'mean':<17}{means}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
