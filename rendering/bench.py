"""`python -m rendering.bench`: per format, render_png against a naive floor (median ms, ratio).

The floor is the least any renderer pays: a same-size solid canvas, the claim drawn once at a
fixed size, saved with Pillow's PNG defaults. Our goal is at most 1.2x the floor. "render" is
an image of a job whose claim is already laid out (the usual case: one claim, many images);
"new claim" pays the layout search too.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

from PIL import Image, ImageDraw

from domain.catalog import FORMATS, LANGUAGES
from rendering import CreativeSpec, render_png
from rendering.fonts import font_chain, load_font

GOAL = 1.2


def naive_floor(claim: str, language: str, code: str) -> bytes:
    """Canvas, claim at 40px, default PNG save: no layout, no design."""
    fmt = FORMATS[code]
    image = Image.new("RGB", (fmt.width, fmt.height), (20, 33, 61))
    font = load_font(font_chain(language)[0], 40, 700)
    ImageDraw.Draw(image).text((10, 10), claim, font=font, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def median_ms(work: Callable[[int], object], rounds: int) -> float:
    """Median wall time of `rounds` calls, after one warm-up call."""
    work(0)
    times = []
    for index in range(rounds):
        start = time.perf_counter()
        work(index)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    """Print the table; exit 1 when any format misses the goal."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claim", default="Best protein supplements")
    parser.add_argument("--language", default="EN", choices=list(LANGUAGES))
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    cta = LANGUAGES[args.language].default_cta
    print(f"{'format':<8}{'size':>11}{'render ms':>11}{'floor ms':>10}{'ratio':>7}"
          f"{'new claim ms':>14}")  # fmt: skip
    ratios = []
    for code, fmt in FORMATS.items():

        def render(index: int, code: str = code) -> bytes:
            return render_png(CreativeSpec(args.claim, args.language, cta, code, f"bench:{index}"))

        def floor(index: int, code: str = code) -> bytes:
            return naive_floor(args.claim, args.language, code)

        def first_of_job(index: int, code: str = code) -> bytes:
            claim = f"{args.claim} {index}"  # a claim not laid out before: no cached lines
            return render_png(CreativeSpec(claim, args.language, cta, code, f"bench:{index}"))

        ours, base = median_ms(render, args.rounds), median_ms(floor, args.rounds)
        fresh = median_ms(first_of_job, args.rounds)
        ratios.append(ours / base)
        size = f"{fmt.width}x{fmt.height}"
        print(f"{code:<8}{size:>11}{ours:>11.1f}{base:>10.1f}{ours / base:>7.2f}{fresh:>14.1f}")
    print(f"worst ratio {max(ratios):.2f} (goal <= {GOAL})")
    return 0 if max(ratios) <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
