"""Report writer speed: kpixl's streaming writer against openpyxl's write-only mode (the
baseline, run in this same process) on the detail sheet of a 100,000-event month.

    python bench/bench_report_writer.py [--rows 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kpixl.workbook.xlsx_out import OutSheet, write_xlsx  # noqa: E402


def detail(n: int) -> OutSheet:
    rng = np.random.default_rng(1)
    sheet = OutSheet("明细")
    sheet.add("工号", np.array([f"E{i:05d}" for i in rng.integers(0, 5000, n)], dtype=object))
    sheet.add("规则代码", np.array(["ATT_LATE", "BIZ_SOP_ERROR", "BON_OVERTIME"], dtype=object)[rng.integers(0, 3, n)])
    sheet.add("类别", np.array(["ATT", "BIZ", "BON"], dtype=object)[rng.integers(0, 3, n)])
    sheet.add("来源", np.array([f"事件!C{i + 2}" for i in range(n)], dtype=object))
    sheet.add("日期", (pd.Timestamp("2026-10-01") + pd.to_timedelta(rng.integers(0, 31, n), unit="D")).to_numpy(), "date")
    sheet.add("数量", rng.integers(1, 4, n).astype("float64"), "number")
    sheet.add("取值", np.where(rng.random(n) < 0.3, rng.integers(1, 11, n), np.nan), "number")
    sheet.add("分值", -rng.integers(1, 11, n).astype("float64"), "points")
    sheet.add("计入", -rng.integers(0, 11, n).astype("float64"), "points")
    sheet.add("金额", np.full(n, np.nan), "money")
    sheet.add("说明", np.full(n, "", dtype=object))
    return sheet


def openpyxl_baseline(sheet: OutSheet, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet.name)
    ws.append([c.header for c in sheet.columns])
    cols = [list(c.values) for c in sheet.columns]
    for row in zip(*cols, strict=True):
        ws.append([None if (isinstance(v, float) and v != v) else (pd.Timestamp(v).to_pydatetime()
                   if isinstance(v, np.datetime64) else v) for v in row])
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    sheet = detail(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        ours = []
        for _ in range(args.runs):
            t = time.perf_counter()
            write_xlsx(Path(tmp) / "ours.xlsx", [sheet])
            ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        openpyxl_baseline(sheet, Path(tmp) / "openpyxl.xlsx")
        base = time.perf_counter() - t
    cells = args.rows * len(sheet.columns)
    med = statistics.median(ours)
    print(f"kpixl writer: {args.rows} rows x {len(sheet.columns)} columns ({cells:,} cells): median {med:.2f}s "
          f"over {args.runs} runs")
    print(f"baseline openpyxl write-only: {base:.2f}s; kpixl writer is {base / med:.1f}x faster")


if __name__ == "__main__":
    main()
