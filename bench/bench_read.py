"""Reading a workbook (``read_workbook``, the fastexcel engine) and the commands that read one
(``kpixl score``, ``kpixl report``): wall time, CPU time and peak memory of fresh processes, this
tree and an older one side by side (issue 8).

    python bench/bench_read.py [--runs 3] [--old DIR] [--huge] [--engine fastexcel]
                               [--job read --job score --job report] [--book PATH ...]

Books: 5,000 employees x 100,000 events (bench/out/big.xlsx) and, with ``--huge``, 50,000 x
1,000,000 (bench/out/huge.xlsx); made by bench/make_workbook.py when missing, or given with
``--book``. ``--old DIR`` is another checkout to compare with (e.g. ``git archive main | tar -x -C
/tmp/old``). Each run is a new ``python`` process: ``read`` imports kpixl and reads the book,
``score`` and ``report`` run the CLI command (output discarded; the report to a temporary file).
Time from the start of the child to its end (imports included), its CPU time (user + system:
the reading overlaps the imports and the rest only when a core is free, so wall < CPU means
overlap) and its peak RSS (``os.wait4``). Runs alternate between the trees, so load on a shared
machine hits both alike; compare the ratio, and the load average printed at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHILD = "import sys\nfrom kpixl.workbook.read import read_workbook\nread_workbook(sys.argv[1])\n"


def command(job: str, book: Path, out: Path) -> list[str]:
    if job == "read":
        return [sys.executable, "-c", CHILD, str(book)]
    extra = ["-o", str(out), "--force"] if job == "report" else []
    return [sys.executable, "-m", "kpixl.cli", job, str(book), *extra]


def run(tree: Path, argv: list[str], engine: str) -> tuple[float, float, float]:
    """Seconds, CPU seconds and peak MiB of one fresh process of the kpixl of ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree), KPIXL_READER=engine)
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode(errors="replace")  # (drained while it runs: a full pipe would block it)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: the book has problems (warnings are fine)
        raise SystemExit(f"{' '.join(argv[1:3])} with {tree} failed: {err[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


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
    ap.add_argument("--book", type=Path, action="append", help="read these books instead of bench/out's")
    ap.add_argument("--job", action="append", choices=["read", "score", "report"], help="default: read")
    ap.add_argument("--engine", default="fastexcel")
    args = ap.parse_args()
    if args.book:
        books = [(p.name, p.resolve()) for p in args.book]
    else:
        books = [("5,000 x 100,000", book("big", 5000, 100_000))]
        if args.huge:
            books.append(("50,000 x 1,000,000", book("huge", 50_000, 1_000_000)))
    trees = [("new", ROOT)] + ([("old", args.old.resolve())] if args.old else [])
    print(f"{args.engine}, fresh processes, median of {args.runs} (wall s, CPU s; max RSS = largest run)")
    with tempfile.TemporaryDirectory() as tmp:
        for job in args.job or ["read"]:
            for label, path in books:
                results: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in trees}
                for _ in range(args.runs):
                    for name, tree in trees:
                        results[name].append(run(tree, command(job, path, Path(tmp) / f"{name}.xlsx"), args.engine))
                line = []
                for name, _ in trees:
                    seconds = statistics.median(t for t, _, _ in results[name])
                    cpu = statistics.median(c for _, c, _ in results[name])
                    peak = max(m for _, _, m in results[name])
                    line.append(f"{name} {seconds:6.2f} s (CPU {cpu:5.2f}) {peak:5.0f} MiB")
                if args.old:
                    old = statistics.median(t for t, _, _ in results["old"])
                    line.append(f"old/new {old / statistics.median(t for t, _, _ in results['new']):.2f}x")
                print(f"  {job:<6} {label:<20} " + "   ".join(line), flush=True)
    print("load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
