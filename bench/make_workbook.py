"""Generate a large weikang_100 workbook: 5,000 employees and 100,000 events (October 2026).

    python bench/make_workbook.py [--employees 5000] [--events 100000] [-o bench/out/big.xlsx]

Deterministic (seeded). Written with kpixl's streaming writer, laid out like a template.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kpixl.core.scheme import load_scheme
from kpixl.workbook import contract
from kpixl.workbook.xlsx_out import OutSheet, write_xlsx


def input_sheet(scheme, key: str, columns: dict) -> OutSheet:
    """One input sheet laid out like a template (headers and widths of the sheet contract)."""
    spec = {s.key: s for s in contract.input_sheets(scheme)}[key]
    out = OutSheet(spec.zh)
    for col in spec.columns:
        if col.key in columns:
            kind = "date" if col.type == "date" else ("number" if col.type in ("number", "money") else "text")
            out.add(col.header, columns[col.key], kind, col.width)
    return out


def make(path: Path, n_emp: int = 5000, n_events: int = 100_000, seed: int = 2026) -> Path:
    scheme = load_scheme("weikang_100")
    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    roles = ["客服"] * 8 + ["组长", "客服顾问"]
    ids = [f"E{i:05d}" for i in range(n_emp)]
    emp_roles = [rnd.choice(roles) for _ in ids]
    depts = [f"部门{i % 40:02d}" for i in range(n_emp)]
    usable = [r for r in scheme.rules.values() if r.kind in ("deduct", "bonus", "info") and not r.roles
              and r.book == "any"]
    rules = rng.choice(len(usable), n_events)
    codes = np.array([usable[i].code for i in rules], dtype=object)
    is_range = np.array([usable[i].is_range for i in rules])
    lo = np.array([float(usable[i].min or 0) for i in rules])
    hi = np.array([float(usable[i].max or 0) for i in rules])
    values = np.where(is_range, np.floor(lo + rng.random(n_events) * (hi - lo + 1)), np.nan)
    qty = np.where(is_range, np.nan, rng.integers(1, 4, n_events)).astype("float64")
    dates = pd.to_datetime(dt.date(2026, 10, 1)) + pd.to_timedelta(rng.integers(0, 31, n_events), unit="D")
    who = np.array(ids, dtype=object)[rng.integers(0, n_emp, n_events)]

    def sheet(key: str, columns: dict) -> OutSheet:
        return input_sheet(scheme, key, columns)

    sheets = [
        sheet("parameters", {"code": ["SCHEME", "PERIOD", "LEARNING_ACTIVITIES_HELD"],
                             "value": ["weikang_100", "2026-10", 3]}),
        sheet("employees", {"id": ids, "name": [f"员工{i}" for i in range(n_emp)], "role": emp_roles,
                            "department": depts, "team": [f"组{i % 200}" for i in range(n_emp)],
                            "base_salary": [3000.0 if r == "客服顾问" else None for r in emp_roles]}),
        sheet("events", {"date": dates.to_numpy(), "employee": who, "rule": codes, "qty": qty, "value": values,
                         "note": [""] * n_events}),
        sheet("metrics", {"employee": ids, "metric": ["LEAVE_DAYS"] * n_emp,
                          "value": rng.integers(0, 3, n_emp).astype("float64")}),
    ]
    return write_xlsx(path, sheets)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, default=5000)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("-o", "--output", default=str(Path(__file__).parent / "out" / "big.xlsx"))
    args = ap.parse_args()
    t = time.perf_counter()
    path = make(Path(args.output), args.employees, args.events)
    print(f"wrote {path} ({args.employees} employees, {args.events} events) in {time.perf_counter() - t:.2f}s")


if __name__ == "__main__":
    main()
