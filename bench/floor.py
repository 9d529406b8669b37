"""The floor: the same images rendered and encoded by P plain processes, no API, no Temporal.

Each process warms up (fonts, the claim's layout) and then calls `rendering.render_png` in a
loop over the job mix until a shared deadline; images/s is what P processes can do at best.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time

from domain.catalog import LANGUAGES

CLAIM = "Best protein supplements"
LANGUAGE = "EN"
MIX = ("F1", "F4", "F10")  # what a count=3 job renders: the default rotation's first three


def _spec(code: str, seed: str) -> object:
    from rendering import CreativeSpec

    return CreativeSpec(CLAIM, LANGUAGE, LANGUAGES[LANGUAGE].default_cta, code, seed)


def _warm_up() -> None:
    from rendering import check_fonts, render_png

    check_fonts()
    for code in MIX:
        render_png(_spec(code, "warm-up"))  # type: ignore[arg-type]


_barrier: object = None


def _keep_barrier(barrier: object) -> None:
    global _barrier
    _barrier = barrier


def _render_for(seconds: float) -> tuple[float, float]:
    """Warm up, wait for every process to be warm, render for `seconds`: (images/s, CPU s/image)."""
    from rendering import render_png

    _warm_up()
    _barrier.wait()  # type: ignore[attr-defined]
    start, cpu_start = time.perf_counter(), time.process_time()
    done = 0
    while time.perf_counter() - start < seconds:
        render_png(_spec(MIX[done % len(MIX)], f"floor:{done}"))  # type: ignore[arg-type]
        done += 1
    return done / (time.perf_counter() - start), (time.process_time() - cpu_start) / done


def floor_images_per_second(processes: int, seconds: float) -> tuple[float, float]:
    """(images/s, CPU seconds/image) of `processes` warm processes rendering the mix together."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    with context.Pool(processes, initializer=_keep_barrier, initargs=(barrier,)) as pool:
        # One task per process: each blocks at the barrier until all are warm.
        results = pool.map(_render_for, [seconds] * processes, chunksize=1)
    return sum(rate for rate, _ in results), statistics.mean(cpu for _, cpu in results)


def _time_one(code: str, rounds: int) -> float:
    from rendering import render_png

    _warm_up()
    times = []
    for index in range(rounds):
        start = time.perf_counter()
        render_png(_spec(code, f"alone:{index}"))  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def render_seconds_alone(rounds: int = 7) -> dict[str, float]:
    """Median seconds of one warm render of each format of the mix, in a fresh process."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return {code: pool.apply(_time_one, (code, rounds)) for code in MIX}
