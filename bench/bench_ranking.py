"""Benchmark: the ranking steps over 5,000 employees x 31 days of daily metrics.

Run: ``python bench/bench_ranking.py [employees] [runs]``.

Times the three ranking steps of ``dingcan_points`` (daily R_ORD + R_PARTNER with the 50% gate,
max + 1 and participation points; weekly; monthly R_SUCCESS), and a daily step with three
rankings, on a context built directly from typed frames (parsing and validation of 600k
Metrics rows are not part of the ranking and are timed by other benchmarks). Prints the median
of several runs and the ratio against a naive per-day Python ranking run in the same process.
"""

from __future__ import annotations

import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kpixl.core.context import Context  # noqa: E402
from kpixl.core.inputs import Inputs, Table  # noqa: E402
from kpixl.core.periods import parse_period  # noqa: E402
from kpixl.core.scheme import load_scheme, parse_scheme  # noqa: E402


def make_inputs(n_emp: int, period: str = "2026-10", seed: int = 7) -> tuple[Inputs, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    p = parse_period(period)
    days = pd.date_range(p.start, p.end, freq="D")
    ids = [f"E{i:05d}" for i in range(n_emp)]
    employees = pd.DataFrame({"id": ids, "name": ids, "role": "订餐师", "department": "订餐部", "team": "",
                              "xl_row": np.arange(2, n_emp + 2), "xl_bad": False}).set_index("id", drop=False)
    emp = np.repeat(np.array(ids, dtype=object), len(days))
    date = np.tile(days.to_numpy(), n_emp)
    n = len(emp)
    attempts = rng.integers(20, 60, n)
    orders = np.minimum(attempts, rng.integers(5, 50, n))
    partner = rng.integers(0, 12, n)
    frames = []
    for code, vals in (("ORDERS_SUCCESS", orders), ("PARTNER_BOOKINGS", partner), ("ORDER_ATTEMPTS", attempts)):
        frames.append(pd.DataFrame({"employee": emp, "team": "", "metric": code,
                                    "value": [Decimal(int(v)) for v in vals], "date": date}))
    frames.append(pd.DataFrame({"employee": ids, "team": "", "metric": "SUCCESS_RATE",
                                "value": [Decimal(int(v)) for v in rng.integers(40, 80, n_emp)], "date": pd.NaT}))
    frames.append(pd.DataFrame({"employee": ["", "", ""], "team": ["订餐部"] * 3,
                                "metric": ["M_ANSWER_RATE", "M_PARTNER_BOOKINGS_DEPT", "M_PARTNER_BOOKINGS_DEPT"],
                                "value": [Decimal(96), Decimal(1260), Decimal(1200)], "date": pd.NaT}))
    metrics = pd.concat(frames, ignore_index=True)
    metrics["date"] = pd.to_datetime(metrics["date"])
    metrics["week_start"] = pd.NaT
    metrics["week_start"] = pd.to_datetime(metrics["week_start"])
    metrics["period"] = ""
    metrics.loc[metrics.index[-1], "period"] = "2026-09"
    metrics["xl_row"] = np.arange(2, len(metrics) + 2)
    metrics["xl_bad"] = False
    empty = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "employee": pd.Series(dtype=object),
                          "rule": pd.Series(dtype=object), "qty": pd.Series(dtype="float64"),
                          "value": pd.Series(dtype="float64"), "xl_row": pd.Series(dtype="int64"),
                          "xl_bad": pd.Series(dtype=bool)})
    letters = {"employee": "A", "team": "B", "metric": "C", "value": "D", "date": "E", "week_start": "F", "period": "G"}
    inputs = Inputs(employees=Table(employees.reset_index(drop=True), "员工", "Employees", {"id": "A"}),
                    events=Table(empty, "事件", "Events", {"rule": "C"}), metrics=Table(metrics, "指标", "Metrics", letters),
                    ratings=Table(pd.DataFrame(), "评分", "Ratings"), parameters={}, period=p)
    return inputs, employees


def three_ranking_scheme(base):
    """dingcan_points with one extra daily step ranking three values (R_ORD, R_PARTNER, R_ATTEMPTS)."""
    doc = dict(base.document)
    day = next(s for s in doc["steps"] if s.get("bucket") == "day")
    extra = {**day, "rankings": day["rankings"] + [{"code": "R_ATTEMPTS", "value": {"metric": "ORDER_ATTEMPTS"},
                                                     "points": [3, 2], "positive_only": True}], "output": "day3"}
    doc["steps"] = [extra]
    doc["outputs"] = [{"value": "day3", "zh": "x", "en": "x", "main": True}]
    return parse_scheme(doc, "bench")


def run_steps(scheme, inputs, employees, kinds=("rank",)):
    """(typing seconds, ranking seconds, context): typing the metric rows happens once per run and
    serves every ranking step; the ranking steps are timed after it."""
    from kpixl.core.series import typed_rows

    ctx = Context(scheme, inputs, inputs.period, employees)
    ctx.index_metrics()
    steps = [s for s in scheme.steps if s.kind in kinds]
    t0 = time.perf_counter()
    typed_rows(ctx)
    t1 = time.perf_counter()
    for s in steps:
        s.run(ctx)
    return t1 - t0, time.perf_counter() - t1, ctx


def naive_daily(inputs) -> float:
    """A straightforward per-day Python ranking (dicts and sorted), for comparison."""
    m = inputs.metrics.frame
    t0 = time.perf_counter()
    by_day: dict = {}
    for e, code, v, d in zip(m["employee"], m["metric"], m["value"], m["date"], strict=True):
        if pd.isna(d):
            continue
        by_day.setdefault(d, {}).setdefault(e, {})[code] = v
    points: dict = {}
    for _d, rows in by_day.items():
        eligible = {e: r for e, r in rows.items() if r["ORDERS_SUCCESS"] * 100 / r["ORDER_ATTEMPTS"] >= 50}
        for code, table in (("ORDERS_SUCCESS", (3, 2)), ("PARTNER_BOOKINGS", (3, 2)), ("ORDER_ATTEMPTS", (3, 2))):
            ordered = sorted(((r[code], e) for e, r in eligible.items() if r[code] > 0), reverse=True)
            rank, prev = 0, None
            for i, (v, e) in enumerate(ordered, start=1):
                if v != prev:
                    rank, prev = i, v
                if rank > len(table):
                    break
                points[e] = points.get(e, 0) + table[rank - 1]
    return time.perf_counter() - t0


def main(n_emp: int = 5000, runs: int = 5) -> None:
    scheme = load_scheme("dingcan_points")
    t0 = time.perf_counter()
    inputs, employees = make_inputs(n_emp)
    build = time.perf_counter() - t0
    rows = len(inputs.metrics.frame)
    three = three_ranking_scheme(scheme)
    runs_all = [run_steps(scheme, inputs, employees) for _ in range(runs)]
    runs_day3 = [run_steps(three, inputs, employees) for _ in range(runs)]
    naive = [naive_daily(inputs) for _ in range(max(1, runs // 2))]
    typing = statistics.median(r[0] for r in runs_all)
    all_steps = statistics.median(r[1] for r in runs_all)
    day3 = statistics.median(r[1] for r in runs_day3)
    ctx = runs_all[-1][2]
    placed = int((ctx.ledger()["step"] == "rank").sum())
    print(f"kpixl ranking benchmark: {n_emp:,} employees x 31 days, {rows:,} metric rows (built in {build:.2f}s)")
    print(f"  typing the metric rows once per run (shared):      median {typing:.3f}s")
    print(f"  dingcan_points day + week + month ranking steps:   median {all_steps:.3f}s over {runs} runs "
          f"({placed:,} ledger rows with explanations)")
    print(f"  one daily step with 3 rankings (5,000 x 31 x 3):   median {day3:.3f}s")
    print(f"  naive per-day Python ranking (3 rankings, no ledger): median {statistics.median(naive):.3f}s")
    print(f"  ratio naive / kpixl (3 rankings):                  {statistics.median(naive) / day3:.1f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
