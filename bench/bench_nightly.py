"""Nightly isolation cost: `run_nightly` (workbooks in worker processes, with time and memory
limits) against the baseline of calling `process_workbook` for the same workbooks one after
another in this process (no isolation), on copies of the demo workbook.

    python bench/bench_nightly.py [--books 8] [--runs 3] [--jobs 1]
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kpixl.batch import process_workbook, run_nightly  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--books", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        books = Path(tmp) / "in"
        books.mkdir()
        for i in range(args.books):
            shutil.copy(DEMO, books / f"book{i:02d}.xlsx")
        process_workbook(str(books / "book00.xlsx"), str(Path(tmp) / "warm.report.xlsx"))  # imports, caches
        base, isolated = [], []
        for run in range(args.runs):
            out = Path(tmp) / f"base{run}"
            out.mkdir()
            t0 = time.perf_counter()
            for b in sorted(books.glob("*.xlsx")):
                process_workbook(str(b), str(out / f"{b.stem}.report.xlsx"))
            base.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            run_nightly([books], Path(tmp) / f"iso{run}", jobs=args.jobs, stream=io.StringIO())
            isolated.append(time.perf_counter() - t0)
    b, i = statistics.median(base), statistics.median(isolated)
    print(f"{args.books} workbooks, median of {args.runs}: in-process {b:.2f} s, "
          f"isolated in workers (--jobs {args.jobs}) {i:.2f} s, ratio {i / b:.2f}, "
          f"isolation cost {(i - b) / args.books:.2f} s per workbook")


if __name__ == "__main__":
    main()
