"""UDF cost per call on a 5,000-employee workbook: the Python side of ``=KPI_SCORE(A2)``.

    python bench/bench_udf.py [--employees 5000] [--events 100000] [--calls 20000]

Prints medians (of 5 batches) of:

- a cached ``KPI_SCORE`` call with a workbook file as caller, now and with the baseline service
  (the code of commit 85bb33d, loaded from git in this same run; ``Path.resolve()`` + ``stat()``
  on every call), and the ratio;
- a ``KPI_EXPLAIN`` call, now (memoised per scored result) and baseline (built on every call);
- a live workbook (an xlwings stand-in holding the same cells, tests/xl_fakes.py): a cached call
  inside a recalculation burst, and the content check done once per burst (reading every input
  sheet's values from the stand-in + the digest; in real Excel the COM transfer of the values
  comes on top and cannot be measured here), and a rescore after an edit.

Only the Python cost is measured: Excel's own per-cell overhead (COM, VBA wrapper) is not.
Target (issue 8): a cached KPI_SCORE call <= 10 us.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.make_workbook import make  # noqa: E402
from kpixl.xl import service  # noqa: E402

BASELINE_COMMIT = "85bb33d"


def per_call(fn, args_list, batches: int = 5) -> float:
    """Median over batches of the mean time per call, in microseconds."""
    out = []
    for _ in range(batches):
        t = time.perf_counter()
        for args in args_list:
            fn(*args)
        out.append((time.perf_counter() - t) / len(args_list) * 1e6)
    return statistics.median(out)


def baseline_service() -> types.ModuleType | None:
    try:
        src = subprocess.run(["git", "-C", str(ROOT), "show", f"{BASELINE_COMMIT}:kpixl/xl/service.py"],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    mod = types.ModuleType("kpixl_xl_service_baseline")
    mod.__package__ = "kpixl.xl"
    exec(compile(src, "service@" + BASELINE_COMMIT, "exec"), mod.__dict__)
    return mod


def fake_book(path: Path):
    spec = importlib.util.spec_from_file_location("xl_fakes", ROOT / "tests" / "xl_fakes.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.FakeBook(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, default=5000)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--calls", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = make(Path(tmp) / "big.xlsx", args.employees, args.events)
        book = str(path)
        ids = [f"E{i:05d}" for i in range(args.employees)]
        calls = [(ids[i % len(ids)], book) for i in range(args.calls)]
        explain_calls = calls[: min(2000, len(calls))]
        print(f"workbook: {args.employees} employees x {args.events} events; medians of 5 batches")

        from kpixl.xl import udfs

        service.clear_cache()
        udfs.KPI_SCORE(ids[0], book)  # score once
        now = per_call(udfs.KPI_SCORE, calls)
        explain_now = per_call(udfs.KPI_EXPLAIN, explain_calls)
        old = baseline_service()
        if old is not None:
            old.value(book, ids[0])
            before = per_call(lambda e, b: old.value(b, e), calls)
            explain_before = per_call(lambda e, b: old.explain(b, e), explain_calls[:300], batches=3)
            print(f"KPI_SCORE cached, file caller : {now:8.2f} us/call  (baseline {before:.2f} us, "
                  f"{before / now:.1f}x faster)")
            print(f"KPI_EXPLAIN                   : {explain_now:8.2f} us/call  (baseline {explain_before:.0f} us "
                  f"uncached, {explain_before / explain_now:.0f}x faster; first call builds the text)")
        else:
            print(f"KPI_SCORE cached, file caller : {now:8.2f} us/call  (no git: baseline skipped)")
            print(f"KPI_EXPLAIN                   : {explain_now:8.2f} us/call")

        t = time.perf_counter()
        live = fake_book(path)
        load = time.perf_counter() - t
        caller = live.caller()
        service.clear_cache()
        t = time.perf_counter()
        udfs.KPI_SCORE(ids[0], caller)
        first = time.perf_counter() - t
        in_burst = per_call(lambda e: udfs.KPI_SCORE(e, caller), [(e,) for e, _ in calls])
        from kpixl.workbook.engines.xlwings_engine import XlwingsBook, digest

        reader = XlwingsBook(live)
        checks, digests = [], []
        sheets = [s.used_range.value for s in live.sheets]
        cells = sum(len(v) * len(v[0]) for v in sheets if v)
        for _ in range(5):
            t = time.perf_counter()
            reader.fingerprint()
            checks.append(time.perf_counter() - t)
            t = time.perf_counter()
            for v in sheets:
                digest(v)
            digests.append(time.perf_counter() - t)
        live.sheets["事件"].set("D2", 3.0)
        service.end_burst(caller)
        t = time.perf_counter()
        udfs.KPI_SCORE(ids[0], caller)
        rescore = time.perf_counter() - t
        print(f"live workbook (stand-in loaded in {load:.1f}s): first call (read + score) {first:.2f}s")
        print(f"KPI_SCORE cached, in a burst  : {in_burst:8.2f} us/call")
        print(f"content check, once per burst: {statistics.median(checks) * 1000:8.1f} ms "
              f"(read all input sheets from the stand-in + digest), of which the digest of "
              f"{cells:,} cells {statistics.median(digests) * 1000:.1f} ms")
        print(f"after an edit (check + rescore): {rescore:.2f}s")


if __name__ == "__main__":
    main()
