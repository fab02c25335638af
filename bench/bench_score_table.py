"""What the terminal table of ``kpixl score`` costs on 5,000 employees x 100,000 events.

    python bench/bench_score_table.py [--runs 5]

Reads and scores the bench workbook once, then prints the median time of scoring
(``core.engine.score``, the baseline) and of rendering the fitted table and the ``--wide``
table (``kpixl.terminal.score_lines``), measured in this same run, and their ratios.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.make_workbook import make  # noqa: E402
from bench.timing import median_time  # noqa: E402
from kpixl.core.engine import score  # noqa: E402
from kpixl.terminal import score_lines  # noqa: E402
from kpixl.workbook.read import read_workbook  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    book = HERE / "out" / "big.xlsx"
    if not book.exists():
        make(book)
    scheme, inputs = read_workbook(book)
    result = score(scheme, inputs)
    base = median_time(lambda: score(scheme, inputs), args.runs)
    fitted = median_time(lambda: score_lines(result, result.employees, "zh"), args.runs)
    wide = median_time(lambda: score_lines(result, result.employees, "en", wide=True), args.runs)
    n = len(result.employees)
    print(f"score (baseline) {n:,} employees: median {base:.3f}s over {args.runs} runs")
    print(f"table, 120 columns: {fitted:.3f}s ({fitted / base:.2f}x the scoring time)")
    print(f"table, --wide:      {wide:.3f}s ({wide / base:.2f}x the scoring time)")


if __name__ == "__main__":
    main()
