"""What the ledger costs: closing a 5,000-employee x 100,000-event month into SQLite, and
reading the history a month needs.

    python bench/bench_ledger.py [--runs 5]

1. Median wall time of `kpixl report` and of `kpixl close` on the same generated workbook
   (fresh `python -m kpixl.cli` processes, a fresh SQLite ledger per close run), and the
   difference (target: close adds <= 1 s).
2. Median time to read and merge a month's history (kpixl.ledger.load + carry.merge) for
   dingcan_points from a ledger of 12 closed months x 5,000 employees x 4 carried items
   (240,000 rows; target <= 0.2 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.bench_pipeline import timed  # noqa: E402
from bench.make_workbook import make  # noqa: E402


def bench_close(runs: int, tmp: Path) -> tuple[float, float]:
    book = tmp / "2026-10.xlsx"
    make(book)
    py = [sys.executable, "-m", "kpixl.cli"]
    report = [timed(py + ["report", str(book), "-o", str(tmp / "r.xlsx"), "--ledger", str(tmp / "none.db")])
              for _ in range(runs)]
    close = [timed(py + ["close", str(book), "--ledger", str(tmp / f"k{i}.db"), "--partial"]) for i in range(runs)]
    return statistics.median(report), statistics.median(close)


def bench_read(runs: int, tmp: Path, n_emp: int = 5000, months: int = 12) -> float:
    from kpixl.core.periods import Period, add_months
    from kpixl.ledger import load, open_ledger
    from kpixl.ledger.carry import merge
    from kpixl.workbook.read import inputs_from_records

    dept = "订餐部"
    store = open_ledger(str(tmp / "history.db"))
    first = Period(2025, 10)
    with store.transaction():
        for m in range(months):
            label = add_months(first, m).label
            cid = store.execute(
                "INSERT INTO kpixl_close (book_key, period, version, scheme_id, scheme_version, scheme_fingerprint, workbook, "
                "workbook_sha256, kpixl_version, closed_by, closed_at, employees) VALUES (?, ?, 1, 'dingcan_points', 1, "
                "'-', 'bench', '-', '-', 'bench', '-', ?) RETURNING id", (f"dingcan_points/{dept}", label, n_emp))[0][0]
            rows = [(cid, "history", f"E{i:05d}", "", item, label, value, "") for i in range(n_emp)
                    for item, value in (("CARRY_OUT", '{"$d":"4"}'), ("CUMULATIVE_POINTS", '{"$d":"68"}'),
                                        ("LEVEL", '"LEVEL_1"'))]
            rows.append((cid, "metrics", "", dept, "M_PARTNER_BOOKINGS_DEPT", label, '{"$d":"1000"}', ""))
            store.executemany("INSERT INTO kpixl_carry (close_id, target, owner, team, item, period, value, source) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    emps = [{"id": f"E{i:05d}", "name": "x", "role": "订餐师", "department": dept} for i in range(n_emp)]
    scheme, raw = inputs_from_records("dingcan_points", add_months(first, months).label, employees=emps)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        loaded = load(store, scheme, f"dingcan_points/{dept}", raw.period)
        merged = merge(scheme, raw, loaded)
        times.append(time.perf_counter() - t)
    assert len(merged.history.frame) == 3 * n_emp, len(merged.history.frame)
    store.close()
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        report, close = bench_close(args.runs, tmp)
        print(f"kpixl report  median {report:.2f} s")
        print(f"kpixl close   median {close:.2f} s  (adds {close - report:+.2f} s, ratio {close / report:.2f}; target <= 1 s)")
        read = bench_read(args.runs, tmp)
        print(f"history read  median {read:.3f} s  (load + merge, 12 months x 5,000 employees; target <= 0.2 s)")


if __name__ == "__main__":
    main()
