"""Reading a workbook (``read_workbook``, the fastexcel engine): wall time and peak memory of fresh
processes, this tree and an older one side by side (issue 8).

    python bench/bench_read.py [--runs 3] [--old DIR] [--huge] [--engine fastexcel]

Books: 5,000 employees x 100,000 events (bench/out/big.xlsx) and, with ``--huge``, 50,000 x
1,000,000 (bench/out/huge.xlsx); made by bench/make_workbook.py when missing. ``--old DIR`` is
another checkout to compare with (e.g. ``git archive main | tar -x -C /tmp/old``). Each run is a
new ``python`` process that imports kpixl, reads the book and exits: time from the start of the
child to its end (imports included) and its peak RSS (``os.wait4``). Runs alternate between the
trees, so load on a shared machine hits both alike; compare the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHILD = "import sys\nfrom kpixl.workbook.read import read_workbook\nread_workbook(sys.argv[1])\n"


def run(tree: Path, book: Path, engine: str) -> tuple[float, float]:
    """Seconds and peak MiB of one fresh process reading ``book`` with the kpixl of ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree), KPIXL_READER=engine)
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(book)], env=env, cwd="/", stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"reading {book} with {tree} failed: {err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def book(name: str, employees: int, events: int) -> Path:
    path = HERE / "out" / f"{name}.xlsx"
    if not path.exists():
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        subprocess.run([sys.executable, str(HERE / "make_workbook.py"), "--employees", str(employees), "--events",
                        str(events), "-o", str(path)], env=env, check=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--old", type=Path, help="an older kpixl tree to compare with")
    ap.add_argument("--huge", action="store_true", help="also 50,000 employees x 1,000,000 events")
    ap.add_argument("--engine", default="fastexcel")
    args = ap.parse_args()
    books = [("5,000 x 100,000", book("big", 5000, 100_000))]
    if args.huge:
        books.append(("50,000 x 1,000,000", book("huge", 50_000, 1_000_000)))
    trees = [("new", ROOT)] + ([("old", args.old.resolve())] if args.old else [])
    print(f"read_workbook ({args.engine}), fresh processes, median of {args.runs} (max RSS = largest run)")
    for label, path in books:
        results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in trees}
        for _ in range(args.runs):
            for name, tree in trees:
                results[name].append(run(tree, path, args.engine))
        line = []
        for name, _ in trees:
            seconds = statistics.median(t for t, _ in results[name])
            peak = max(m for _, m in results[name])
            line.append(f"{name} {seconds:6.2f} s {peak:6.0f} MiB")
        if args.old:
            ratio = statistics.median(t for t, _ in results["old"]) / statistics.median(t for t, _ in results["new"])
            line.append(f"old/new {ratio:.2f}x")
        print(f"  {label:<20} " + "   ".join(line))


if __name__ == "__main__":
    main()
