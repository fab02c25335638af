"""Whole-process time of `kpixl score` and `kpixl report` on 5,000 employees x 100,000 events.

    python bench/bench_pipeline.py [--runs 5] [--baseline]

Prints the median wall time of each command (a fresh `python -m kpixl.cli` process each run,
so imports and reading are included) and, with --baseline, the same job with the pure-Python
openpyxl reader (KPIXL_READER=openpyxl) run in this same script, and the ratio between them.
Target: <= 2 s per command (a clerk's SUMIFS workbook recalculated by LibreOffice needs
over 10 minutes for this job).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.make_workbook import make  # noqa: E402


def timed(cmd: list[str], env: dict | None = None) -> float:
    t = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline", action="store_true", help="also time the openpyxl reader (slow)")
    args = ap.parse_args()
    book = HERE / "out" / "big.xlsx"
    if not book.exists():
        make(book)
    report = HERE / "out" / "big.report.xlsx"
    py = [sys.executable, "-m", "kpixl.cli"]
    env = dict(os.environ)
    results = {}
    for name, cmd in {"score": py + ["score", str(book)], "report": py + ["report", str(book), "-o", str(report)]}.items():
        runs = [timed(cmd, env) for _ in range(args.runs)]
        results[name] = statistics.median(runs)
        print(f"kpixl {name:<6} 5,000 employees x 100,000 events: median {results[name]:.2f}s "
              f"over {args.runs} runs (min {min(runs):.2f}s, max {max(runs):.2f}s)")
    if args.baseline:
        slow_env = dict(env, KPIXL_READER="openpyxl")
        base = timed(py + ["score", str(book)], slow_env)
        print(f"baseline: kpixl score with the openpyxl reader: {base:.2f}s; "
              f"fastexcel is {base / results['score']:.1f}x faster")


if __name__ == "__main__":
    main()
