"""Shared timing helper for the benches: the median wall time of repeated runs."""

from __future__ import annotations

import statistics
import time


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)
