"""Report writer speed, the numbers behind the writer choice (README, dependencies).

The detail sheet of a 100,000-event month (100k rows x 11 columns) written five ways, all in
this same process:

- ``kpixl``: what reports use: XlsxWriter makes the workbook (styles, header, filter, print
  setup) and kpixl's column-wise streamer writes the rows into it (kpixl/workbook/report_book.py);
- ``kpixl plain``: the streamer alone (kpixl/workbook/xlsx_out.py ``write_xlsx``);
- ``XlsxWriter``: XlsxWriter alone, cell by cell, constant-memory mode (the Excel-fidelity reference);
- ``openpyxl``: openpyxl's write-only mode (the baseline the ratios are against);
- ``rustpy-xlsxwriter``: a Rust writer, when it is installed (it is not a kpixl dependency).

    python bench/bench_report_writer.py [--rows 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import median_time  # noqa: E402
from kpixl.workbook.report_book import ReportBook  # noqa: E402
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


def python_rows(sheet: OutSheet) -> list[list]:
    """The same cells as Python values (NaN -> None, datetime64 -> datetime), for the cell-by-cell writers."""
    cols = []
    for c in sheet.columns:
        v = pd.Series(c.values)
        if v.dtype.kind == "M":
            cols.append([None if pd.isna(x) else x.to_pydatetime() for x in v])
        else:
            cols.append([None if (isinstance(x, float) and x != x) or x == "" else x for x in v.tolist()])
    return [list(r) for r in zip(*cols, strict=True)]


def kpixl_book(sheet: OutSheet, path: Path) -> None:
    book = ReportBook("bench", "bench")
    book.table(sheet.name, sheet)
    book.save(path)


def xlsxwriter_only(sheet: OutSheet, rows: list[list], path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    ws = wb.add_worksheet(sheet.name)
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, [c.header for c in sheet.columns])
    date_col = next(i for i, c in enumerate(sheet.columns) if c.kind == "date")
    ws.set_column(date_col, date_col, 11, date)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if c == date_col:
                ws.write_datetime(r, c, v, date)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, v)
    wb.close()


def openpyxl_only(sheet: OutSheet, rows: list[list], path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet.name)
    ws.append([c.header for c in sheet.columns])
    for row in rows:
        ws.append(row)
    wb.save(path)


def rustpy(sheet: OutSheet, rows: list[list], path: Path) -> None:
    from rustpy_xlsxwriter import FastExcel

    headers = [c.header for c in sheet.columns]
    FastExcel(str(path)).sheet(sheet.name, [dict(zip(headers, r, strict=True)) for r in rows]).save()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    sheet = detail(args.rows)
    rows = python_rows(sheet)
    try:
        import rustpy_xlsxwriter  # noqa: F401
        have_rust = True
    except ImportError:
        have_rust = False
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        cases = {
            "kpixl (XlsxWriter workbook + streamed rows)": lambda: kpixl_book(sheet, d / "k.xlsx"),
            "kpixl plain streamer": lambda: write_xlsx(d / "p.xlsx", [sheet]),
            "XlsxWriter constant_memory, cell by cell": lambda: xlsxwriter_only(sheet, rows, d / "x.xlsx"),
        }
        if have_rust:
            cases["rustpy-xlsxwriter (records)"] = lambda: rustpy(sheet, rows, d / "r.xlsx")
        results = {name: median_time(fn, args.runs) for name, fn in cases.items()}
        base = median_time(lambda: openpyxl_only(sheet, rows, d / "o.xlsx"), 1)
    print(f"detail sheet: {args.rows:,} rows x {len(sheet.columns)} columns; medians over {args.runs} runs "
          "(the baseline once)")
    ours = results["kpixl (XlsxWriter workbook + streamed rows)"]
    for name, t in results.items():
        print(f"  {name:<45} {t:6.2f}s   {t / ours:4.1f}x kpixl's time   {base / t:5.1f}x faster than openpyxl")
    print(f"  {'baseline: openpyxl write-only':<45} {base:6.2f}s")
    if not have_rust:
        print("  (rustpy-xlsxwriter not installed: pip install rustpy-xlsxwriter to compare it)")


if __name__ == "__main__":
    main()
