"""Every speed number of issue 8 in one run: medians of whole fresh processes, ratios side by side.

    python bench/bench_all.py [--runs 3] [--quick] [--big] [--no-peer]

Prints one table:

- ``kpixl score`` and ``kpixl report`` on 5,000 employees x 100,000 events (``--quick``: 500 x
  10,000; ``--big`` adds 50,000 x 1,000,000, one run each): wall time and peak memory (max RSS of
  the child process, from ``os.wait4``);
- the read+write floor on the same data: a fresh process that reads every input sheet with
  fastexcel and writes the same report sheets with kpixl's report writer, no scoring (the
  sheets are prepared beforehand and unpickled in the child; that unpickling is subtracted, but
  not the imports the writer needs (pandas, numpy, pyarrow), which happen before it), and
  ``report / floor``; above DETAIL_MAX detail lines both write the 明细 notice and the
  ``.detail.parquet`` companion;
- start-up: ``kpixl --version`` and ``kpixl schemes``;
- the UDF cost of a cached ``=KPI_SCORE`` call (bench/bench_udf.py's ``per_call``);
- the LibreOffice peer at 1,000 x 10,000 (``--quick``: 200 x 2,000): the same rows with a
  clerk's SUMIFS formulas per employee and category, recalculated by ``soffice --headless
  --convert-to xlsx`` (recalculation on load forced in a private profile), against ``kpixl
  report`` (which also writes a statement page per employee) and ``kpixl score`` (the same
  numbers, nothing written) on the same workbook. Skipped with a message where soffice is missing.

Numbers on a shared machine are noisy: compare the ratios, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.make_workbook import make  # noqa: E402

TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
PY = [sys.executable, "-m", "kpixl.cli"]
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))

FLOOR_CHILD = """
import pickle, sys, time
import fastexcel
from kpixl.workbook.atomic import atomic_target
from kpixl.workbook.report_book import ReportBook
import pyarrow.parquet as pq
from kpixl.workbook.report_detail import BATCH_ROWS, companion_path
t0 = time.perf_counter()  # after the imports the writer needs: only the data's unpickling is subtracted
with open(sys.argv[2], "rb") as fh:
    sheets, companion = pickle.load(fh)
unpickle = time.perf_counter() - t0
reader = fastexcel.read_excel(sys.argv[1])
for name in reader.sheet_names:
    reader.load_sheet(name, header_row=None).to_arrow()
book = ReportBook("floor", "floor")
for sheet in sheets:
    book.table(sheet.name, sheet)
if companion is None:
    book.save(sys.argv[3])
else:  # the detail beside the report, as kpixl report writes it
    with atomic_target(companion_path(sys.argv[3])) as tmp:
        pq.write_table(companion, str(tmp), compression="zstd", row_group_size=BATCH_ROWS)
        book.save(sys.argv[3])
print(unpickle)
"""


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of one child process. The peak comes from
    ``/usr/bin/time`` where it exists: a child forked from this (large) process would otherwise
    report this process's size as its own peak."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        wrapped = [TIME, "-f", "%M", "-o", str(peak_file), *map(str, cmd)] if TIME else list(map(str, cmd))
        with open(Path(tmp) / "out", "w+b") as out, open(Path(tmp) / "err", "w+b") as err:
            t = time.perf_counter()
            proc = subprocess.Popen(wrapped, stdout=out, stderr=err, env=env or ENV)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            text, problems = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}): {problems[-2000:]}")
        kib = float(peak_file.read_text().split()[-1]) if TIME else usage.ru_maxrss
    return wall, kib / 1024, text


def median_run(cmd: list[str], runs: int) -> tuple[float, float]:
    done = [run(cmd) for _ in range(runs)]
    return statistics.median(d[0] for d in done), max(d[1] for d in done)


def report_sheets(book: Path, out: Path) -> tuple[list, object]:
    """The sheets ``kpixl report`` writes for ``book`` (without the summary and statement pages,
    which the report writer draws cell by cell), as OutSheets for the floor child, and the detail
    companion's Arrow table when the detail goes beside the report (more than DETAIL_MAX lines:
    then 明细 is the notice sheet), else None."""
    from kpixl.core.engine import score
    from kpixl.workbook import report as rp
    from kpixl.workbook import report_detail as rd
    from kpixl.workbook.read import read_workbook

    result = score(*read_workbook(book))
    sheets = [rp.report_sheet(result)]
    if result.groups:
        sheets.append(rp.groups_sheet(result))
    apart = rd.goes_apart(result)
    detail = rd.notice_sheet(rd.companion_path(out), rd.detail_count(result)) if apart else rd.detail_sheet(result)
    sheets += [detail, rp.flags_sheet(result), rp.issues_sheet(result.problems),
               rp.about_sheet(result, result.source, {})]
    return sheets, (rd.companion_table(result) if apart else None)


def floor(book: Path, work: Path, runs: int) -> tuple[float, float]:
    pickled = work / f"{book.stem}.sheets.pickle"
    target = work / "floor.xlsx"
    with open(pickled, "wb") as fh:
        pickle.dump(report_sheets(book, target), fh, protocol=pickle.HIGHEST_PROTOCOL)
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak, out = run([sys.executable, "-c", FLOOR_CHILD, str(book), str(pickled), str(target)])
        walls.append(wall - float(out.strip().splitlines()[-1]))
        peaks.append(peak)
    return statistics.median(walls), max(peaks)


def job(label: str, n_emp: int, n_events: int, work: Path, runs: int, rows: list) -> float:
    book = work / f"bench_{n_emp}x{n_events}.xlsx"
    if not book.exists():
        make(book, n_emp, n_events)
    score_t, score_m = median_run(PY + ["score", str(book)], runs)
    rows.append((f"kpixl score   {label}", score_t, score_m, ""))
    report_t, report_m = median_run(PY + ["report", str(book), "-o", str(work / "report.xlsx")], runs)
    floor_t, floor_m = floor(book, work, runs)
    rows.append((f"kpixl report  {label}", report_t, report_m, f"{report_t / floor_t:.2f}x the floor"))
    rows.append((f"read+write floor {label}", floor_t, floor_m, "fastexcel read + report writer"))
    return report_t


def udf_cost(work: Path, n_emp: int, n_events: int) -> float:
    from bench.bench_udf import per_call
    from kpixl.xl import service, udfs

    book = work / f"bench_{n_emp}x{n_events}.xlsx"
    ids = [f"E{i:05d}" for i in range(n_emp)]
    calls = [(ids[i % n_emp], str(book)) for i in range(20_000)]
    service.clear_cache()
    udfs.KPI_SCORE(ids[0], str(book))
    return per_call(udfs.KPI_SCORE, calls)


# ----------------------------------------------------------------------------- LibreOffice peer


RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def sumifs_book(book: Path, out: Path) -> Path:
    """The same rows as ``book`` as a clerk would score them: per event the signed points
    (qty x rule points, or the entered value), then per employee one SUMIFS per category, the
    category cap, and 100 + the sum (the weikang_100 shape)."""
    import fastexcel
    import xlsxwriter

    from kpixl.core.scheme import load_scheme

    scheme = load_scheme("weikang_100")
    events = fastexcel.read_excel(book).load_sheet("事件").to_pandas()
    emp = fastexcel.read_excel(book).load_sheet("员工").to_pandas()
    wb = xlsxwriter.Workbook(str(out))
    rules = wb.add_worksheet("规则")
    for r, rule in enumerate(scheme.rules.values()):
        rules.write_row(r, 0, [rule.code, rule.category or "", abs(float(rule.points or 0)), rule.sign])
    n_rules = len(scheme.rules)
    ev = wb.add_worksheet("事件")
    cols = list(events.columns)
    who, code, qty, value = (events[cols[i]].tolist() for i in (1, 2, 3, 4))
    n = len(who)
    table = f"规则!$A$1:$D${n_rules}"
    for i in range(n):
        r = i + 1
        ev.write_row(i, 0, [who[i], code[i]])
        for c, v in ((2, qty[i]), (3, value[i])):
            if v == v and v is not None:
                ev.write_number(i, c, float(v))
        ev.write_formula(i, 4, f'=IF(D{r}="",C{r}*VLOOKUP(B{r},{table},3,0),D{r})*VLOOKUP(B{r},{table},4,0)')
        ev.write_formula(i, 5, f"=VLOOKUP(B{r},{table},2,0)")
    calc = wb.add_worksheet("计算")
    cats = list(scheme.categories.values())
    calc.write_row(0, 0, ["工号"] + [c.code for c in cats] + ["总分"])
    for i, eid in enumerate(emp[emp.columns[0]].tolist()):
        r = i + 2
        calc.write(i + 1, 0, eid)
        for j, cat in enumerate(cats):
            s = f'SUMIFS(事件!$E$1:$E${n},事件!$A$1:$A${n},$A{r},事件!$F$1:$F${n},"{cat.code}")'
            calc.write_formula(i + 1, j + 1, f"=MAX({s},-{cat.cap})" if cat.cap is not None else f"={s}")
        last = xlsxwriter.utility.xl_col_to_name(len(cats))
        calc.write_formula(i + 1, len(cats) + 1, f"=100+SUM(B{r}:{last}{r})")
    wb.close()
    return out


def libreoffice_peer(work: Path, n_emp: int, n_events: int, runs: int, rows: list) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    label = f"{n_emp:,} x {n_events:,}"
    if soffice is None:
        rows.append((f"LibreOffice SUMIFS {label}", None, None, "skipped: soffice not installed"))
        return
    book = work / f"bench_{n_emp}x{n_events}.xlsx"
    if not book.exists():
        make(book, n_emp, n_events)
    peer = sumifs_book(book, work / "sumifs.xlsx")
    profile = work / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    outdir = work / "lo-out"
    cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", "xlsx",
           "--outdir", str(outdir), str(peer)]
    run(cmd)  # first start creates the profile; not timed
    lo_t, lo_m = median_run(cmd, max(1, min(runs, 2)))
    kp_t, kp_m = median_run(PY + ["report", str(book), "-o", str(work / "peer-report.xlsx")], runs)
    sc_t, sc_m = median_run(PY + ["score", str(book)], runs)
    rows.append((f"kpixl report  {label}", kp_t, kp_m, f"with {n_emp:,} statements and the detail sheet"))
    rows.append((f"kpixl score   {label}", sc_t, sc_m, "the same numbers as the SUMIFS, no workbook written"))
    rows.append((f"LibreOffice SUMIFS {label}", lo_t, lo_m,
                 f"kpixl report {lo_t / kp_t:.1f}x faster, kpixl score {lo_t / sc_t:.1f}x"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small sizes (500 x 10,000; peer 200 x 2,000)")
    ap.add_argument("--big", action="store_true", help="also 50,000 x 1,000,000 (slow; one run)")
    ap.add_argument("--no-peer", action="store_true", help="skip the LibreOffice peer")
    args = ap.parse_args()
    size = (500, 10_000) if args.quick else (5000, 100_000)
    peer = (200, 2_000) if args.quick else (1000, 10_000)
    rows: list = []
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        work = Path(tmp)
        job(f"{size[0]:,} x {size[1]:,}", *size, work, args.runs, rows)
        if args.big:
            job("50,000 x 1,000,000", 50_000, 1_000_000, work, 1, rows)
        for name, argv in (("--version", ["--version"]), ("schemes", ["schemes"])):
            t, m = median_run(PY + argv, max(5, args.runs))
            rows.append((f"start-up kpixl {name}", t, m, ""))
        rows.append((f"UDF =KPI_SCORE cached {size[0]:,} x {size[1]:,}", None, None,
                     f"{udf_cost(work, *size):.2f} us/call"))
        if not args.no_peer:
            libreoffice_peer(work, *peer, args.runs, rows)
    load = os.getloadavg()[0]
    print(f"kpixl bench_all: medians of {args.runs} fresh processes; load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'job':<44} {'time':>8} {'peak':>10}  note")
    for name, t, m, note in rows:
        ts = f"{t:7.2f}s" if t is not None else "       -"
        ms = f"{m:7.0f} MiB" if m is not None else "         -"
        print(f"{name:<44} {ts:>8} {ms:>10}  {note}")


if __name__ == "__main__":
    main()
