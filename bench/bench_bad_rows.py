"""`kpixl validate` of a workbook whose event rows are almost all bad for one employee.

    python bench/bench_bad_rows.py [--sizes 4000 8000 100000] [--runs 3]

Each size N gets a weikang_100 workbook with 5 employees and N event rows of KF002 that are
each wrong in one of the ways issue 7 names (unknown rule code, a pasted phone number as qty,
a qty above the rule's qty_max, a value beyond the range, an out-of-period date, an exact
duplicate), and a baseline workbook of N good rows, in the same run. Prints the median wall
time of the whole `python -m kpixl.cli validate` process, its peak memory (max RSS), the
microseconds per row and the bad/good ratio. Target: the 100k-bad-rows file in under 10 s;
time per row flat across the series (linear growth).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.make_workbook import input_sheet  # noqa: E402
from kpixl.core.scheme import load_scheme  # noqa: E402
from kpixl.workbook.xlsx_out import write_xlsx  # noqa: E402

IDS = ["KF001", "KF002", "KF003", "KF004", "KF005"]


def make(path: Path, n: int, bad: bool) -> Path:
    scheme = load_scheme("weikang_100")
    day = [dt.datetime(2026, 10, 1 + i % 28) for i in range(n)]
    if bad:
        kinds = [i % 6 for i in range(n)]
        rule = ["NO_SUCH_RULE" if k == 0 else ("BON_OVERTIME" if k in (1, 2) else
                ("BIZ_SOP_ERROR" if k == 3 else "ATT_LATE")) for k in kinds]
        qty = [13800138000.0 if k == 1 else (300.0 if k == 2 else None) for k in kinds]
        value = [99.0 if k == 3 else None for k in kinds]
        day = [dt.datetime(2026, 9, 1 + i % 28) if k == 4 else d for i, (k, d) in enumerate(zip(kinds, day, strict=True))]
        note = [f"n{i}" if k != 5 else "dup" for i, k in enumerate(kinds)]
        day = [dt.datetime(2026, 10, 3) if k == 5 else d for k, d in zip(kinds, day, strict=True)]
    else:
        rule = ["ATT_LATE" if i % 2 else "BON_PRAISE_MINOR" for i in range(n)]
        qty, value, note = [None] * n, [None] * n, [f"n{i}" for i in range(n)]

    def sheet(key: str, columns: dict):
        return input_sheet(scheme, key, columns)

    write_xlsx(path, [
        sheet("parameters", {"code": ["SCHEME", "PERIOD", "LEARNING_ACTIVITIES_HELD"],
                             "value": ["weikang_100", "2026-10", 3]}),
        sheet("employees", {"id": IDS, "name": IDS, "role": ["客服"] * 5, "department": ["客服部"] * 5}),
        sheet("events", {"date": day, "employee": ["KF002"] * n, "rule": rule, "qty": qty, "value": value,
                         "note": note}),
        sheet("metrics", {"employee": IDS, "metric": ["LEAVE_DAYS"] * 5, "value": [0.0] * 5}),
    ])
    return path


def run_once(book: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `kpixl validate` process."""
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kpixl.cli", "validate", str(book)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"validate {book} exited {proc.returncode}: {err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 8000, 100_000])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(f"{'rows':>8} {'bad s':>7} {'good s':>7} {'ratio':>6} {'us/row':>7} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            bad_book = make(Path(tmp) / f"bad-{n}.xlsx", n, bad=True)
            good_book = make(Path(tmp) / f"good-{n}.xlsx", n, bad=False)
            bad_runs, good_runs, peaks = [], [], []
            for _ in range(args.runs):
                s, mb = run_once(bad_book)
                bad_runs.append(s)
                peaks.append(mb)
                good_runs.append(run_once(good_book)[0])
            b, g = statistics.median(bad_runs), statistics.median(good_runs)
            print(f"{n:>8} {b:>7.2f} {g:>7.2f} {b / g:>6.2f} {b / n * 1e6:>7.1f} {max(peaks):>8.0f}", flush=True)


if __name__ == "__main__":
    main()
