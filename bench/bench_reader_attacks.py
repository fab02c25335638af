"""Time and peak memory of `kpixl validate` on hostile workbooks, and the fast reader's speed.

    python bench/bench_reader_attacks.py [--runs 3] [--baseline /path/to/old/checkout]

Each attack is a small weikang_100 workbook (a template with three events) broken the way the
issue-7 battery broke it: one stray cell at XFD1048576 (calamine would allocate the whole
16,384 x 1,048,576 grid), an entity bomb and an external entity (XXE) in the Events sheet, a
truncated Events part. Every case runs `kpixl validate` as a fresh process on each reader engine
and prints the median wall time, the peak RSS of that process and its exit code (1: problems
listed, 2: unreadable). Target: each under 10 s and 400 MB.

With --baseline, it also times reading the 5,000-employee x 100,000-event bench workbook
(bench/make_workbook.py) with this tree and with the old tree, alternating in the same run,
and prints both medians and their ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.make_workbook import make  # noqa: E402
from tests.reader_fixtures import rewrite_part  # noqa: E402

PEAK = """
import resource, subprocess, sys, time
t = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(done.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
READ = ("import sys, time, fastexcel; from kpixl.core.scheme import load_scheme; load_scheme('weikang_100'); "
        "from kpixl.workbook.read import read_workbook; t, c = time.perf_counter(), time.process_time(); "
        "read_workbook(sys.argv[1]); print(time.perf_counter() - t, time.process_time() - c)")
BOMB = (b'<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
        + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
        + b"]>")
XXE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def base_book(path: Path) -> Path:
    from kpixl.core.periods import parse_period
    from kpixl.core.scheme import load_scheme
    from kpixl.demo import as_dates
    from kpixl.workbook.template import build_workbook

    data = {"employees": [{"id": "E1", "name": "甲", "role": "客服"}],
            "events": as_dates([{"date": "2026-10-08", "employee": "E1", "rule": "ATT_LATE"}] * 3),
            "parameters": {"LEARNING_ACTIVITIES_HELD": 2}}
    return build_workbook(load_scheme("weikang_100"), path, parse_period("2026-10"), data)


def attacks(out: Path) -> dict[str, Path]:
    from openpyxl import load_workbook

    out.mkdir(parents=True, exist_ok=True)
    books = {}
    stray = base_book(out / "stray-XFD1048576.xlsx")
    wb = load_workbook(stray)
    wb["事件"]["XFD1048576"] = "x"
    wb.save(stray)
    books["stray cell XFD1048576"] = stray
    names = load_workbook(base_book(out / "probe.xlsx"), read_only=True).sheetnames
    part = f"xl/worksheets/sheet{names.index('事件') + 1}.xml"
    for label, change in {
        "entity bomb": lambda d: BOMB + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", d).replace(b"<t>E1</t>", b"<t>&lol9;</t>", 1),
        "external entity (XXE)": lambda d: XXE + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", d).replace(b"<t>E1</t>", b"<t>&xxe;</t>", 1),
        "truncated Events part": lambda d: d[: len(d) // 2],
    }.items():
        path = base_book(out / (re.sub(r"\W+", "-", label).strip("-") + ".xlsx"))
        rewrite_part(path, part, change)
        books[label] = path
    return books


def measured(path: Path, engine: str) -> tuple[int, float, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), KPIXL_READER=engine)
    done = subprocess.run([sys.executable, "-c", PEAK, sys.executable, "-m", "kpixl.cli", "validate", str(path)],
                          capture_output=True, text=True, env=env, timeout=600)
    code, seconds, kb = done.stdout.split()
    return int(code), float(seconds), int(kb) / 1024


def read_time(tree: Path, book: Path) -> tuple[float, float]:
    """Wall and CPU seconds of read_workbook (imports and the scheme loaded before timing)."""
    env = dict(os.environ, PYTHONPATH=str(tree), KPIXL_READER="fastexcel")
    done = subprocess.run([sys.executable, "-c", READ, str(book)], capture_output=True, text=True, env=env, check=True)
    wall, cpu = done.stdout.split()[-2:]
    return float(wall), float(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", type=Path, help="an old checkout to compare the fast reader's speed with")
    ap.add_argument("--read-only", action="store_true", help="only the reading comparison (with --baseline)")
    args = ap.parse_args()
    for label, path in ({} if args.read_only else attacks(HERE / "out" / "attacks")).items():
        for engine in ("fastexcel", "openpyxl"):
            runs = [measured(path, engine) for _ in range(args.runs)]
            print(f"validate {label:<24} {engine:<9}: median {statistics.median(r[1] for r in runs):.2f}s, "
                  f"peak {max(r[2] for r in runs):.0f} MB, exit {sorted({r[0] for r in runs})}")
    if args.baseline:
        big = HERE / "out" / "big.xlsx"
        if not big.exists():
            make(big)
        new, old = [], []
        for _ in range(args.runs):
            new.append(read_time(ROOT, big))
            old.append(read_time(args.baseline, big))
        for i, what in enumerate(("wall", "CPU")):
            n, o = statistics.median(r[i] for r in new), statistics.median(r[i] for r in old)
            print(f"read 5,000 x 100,000 (fastexcel), {what}: this tree median {n:.3f}s, baseline {o:.3f}s, "
                  f"ratio {n / o:.2f}")


if __name__ == "__main__":
    main()
