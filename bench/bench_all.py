"""Every speed number of issue 8 in one run: medians of whole fresh processes, ratios side by side.

    python bench/bench_all.py [--runs 3] [--quick] [--big [--big-runs 3]] [--no-peer]

Prints one table:

- ``kpixl score`` and ``kpixl report`` on 5,000 employees x 100,000 events (``--quick``: 500 x
  10,000; ``--big`` adds 50,000 x 1,000,000, ``--big-runs`` runs each, default 3: one run of it
  can vary by a second on a shared machine): wall time and peak memory (max RSS of the child
  process, from ``os.wait4``);
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
  report`` (which also writes a statement page per employee), ``kpixl score`` (the same
  numbers, nothing written) on the same workbook, and reading and scoring it again in a process
  that has kpixl loaded (the UDF service's recalculation). Skipped with a message where soffice
  is missing.

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
    """The same rows as ``book`` as a clerk would score them, every weikang_100 rule as a formula:
    per event the signed points (qty x rule points, or the entered value), its category and its
    employee's department; per employee one SUMIFS per category, the category cap, the three
    condition bonuses as COUNTIFS (全勤 R-WK-10: no ATT event and 0 leave days; 学习 R-WK-9: no
    LRN_ABSENT / LRN_LATE and activities held; 部门无差错 R-WK-11: no error or complaint in the
    department), and 100 + the sum. ``peer_totals`` reads the recalculated totals back."""
    import fastexcel
    import xlsxwriter

    from kpixl.core.scheme import load_scheme

    scheme = load_scheme("weikang_100")
    reader = fastexcel.read_excel(book)
    events, emp = reader.load_sheet("事件").to_pandas(), reader.load_sheet("员工").to_pandas()
    metrics, params = reader.load_sheet("指标").to_pandas(), reader.load_sheet("参数").to_pandas()
    held = float(params.set_index(params.columns[0])[params.columns[1]]["LEARNING_ACTIVITIES_HELD"])
    wb = xlsxwriter.Workbook(str(out))
    rules = wb.add_worksheet("规则")
    for r, rule in enumerate(scheme.rules.values()):
        rules.write_row(r, 0, [rule.code, rule.category or "", abs(float(rule.points or 0)), rule.sign])
    table = f"规则!$A$1:$D${len(scheme.rules)}"
    staff = wb.add_worksheet("员工")
    ids, depts = emp[emp.columns[0]].tolist(), emp[emp.columns[3]].tolist()
    for i, (eid, dept) in enumerate(zip(ids, depts, strict=True)):
        staff.write_row(i, 0, [eid, dept])
    figures = wb.add_worksheet("指标")
    for i, (eid, v) in enumerate(zip(metrics[metrics.columns[0]], metrics[metrics.columns[2]], strict=True)):
        figures.write(i, 0, eid)
        figures.write_number(i, 1, float(v))
    ev = wb.add_worksheet("事件")
    cols = list(events.columns)
    who, code, qty, value = (events[cols[i]].tolist() for i in (1, 2, 3, 4))
    n = len(who)
    for i in range(n):
        r = i + 1
        ev.write_row(i, 0, [who[i], code[i]])
        for c, v in ((2, qty[i]), (3, value[i])):
            if v == v and v is not None:
                ev.write_number(i, c, float(v))
        ev.write_formula(i, 4, f'=IF(D{r}="",C{r}*VLOOKUP(B{r},{table},3,0),D{r})*VLOOKUP(B{r},{table},4,0)')
        ev.write_formula(i, 5, f"=VLOOKUP(B{r},{table},2,0)")
        ev.write_formula(i, 6, f"=VLOOKUP(A{r},员工!$A$1:$B${len(ids)},2,0)")
    calc = wb.add_worksheet("计算")
    cats = [c for c in scheme.categories.values()]
    bonus = {c: float(scheme.rules[c].points) for c in ("BON_FULL_ATT", "BON_LRN_ONTIME", "BON_DEPT_CLEAN")}
    errors = ("BIZ_SOP_ERROR", "BIZ_UNREPORTED", "BIZ_ERROR_HANDLING", "BIZ_VIP_REPORT_ERR", "DIS_COMPLAINT")
    calc.write_row(0, 0, ["工号", "部门"] + [c.code for c in cats] + list(bonus) + ["总分"])
    A, B, F, G = (f"事件!${c}$1:${c}${n}" for c in "ABFG")
    for i, eid in enumerate(ids):
        r = i + 2
        calc.write_row(i + 1, 0, [eid, depts[i]])
        for j, cat in enumerate(cats):
            s = f'SUMIFS(事件!$E$1:$E${n},{A},$A{r},{F},"{cat.code}")'
            calc.write_formula(i + 1, j + 2, f"=MAX({s},-{cat.cap})" if cat.cap is not None else f"={s}")
        k = len(cats) + 2
        leave = f"VLOOKUP($A{r},指标!$A$1:$B${len(metrics)},2,0)"
        calc.write_formula(i + 1, k, f'=IF(AND(COUNTIFS({A},$A{r},{F},"ATT")=0,{leave}=0),{bonus["BON_FULL_ATT"]},0)')
        calc.write_formula(i + 1, k + 1, f'=IF(AND(COUNTIFS({A},$A{r},事件!$B$1:$B${n},"LRN_ABSENT")'
                                         f'+COUNTIFS({A},$A{r},事件!$B$1:$B${n},"LRN_LATE")=0,{held}>0),'
                                         f'{bonus["BON_LRN_ONTIME"]},0)')
        dept = "+".join(f'COUNTIFS({G},$B{r},事件!$B$1:$B${n},"{c}")' for c in errors)
        calc.write_formula(i + 1, k + 2, f'=IF({dept}=0,{bonus["BON_DEPT_CLEAN"]},0)')
        first, last = (xlsxwriter.utility.xl_col_to_name(c) for c in (2, k + 2))
        calc.write_formula(i + 1, k + 3, f"=100+SUM({first}{r}:{last}{r})")
    wb.close()
    return out


def peer_totals(recalculated: Path) -> dict[str, float]:
    """Employee -> 总分 as LibreOffice recalculated it (its own saved values)."""
    import fastexcel

    calc = fastexcel.read_excel(recalculated).load_sheet("计算").to_pandas()
    return dict(zip(calc["工号"].astype(str), calc["总分"].astype(float), strict=True))


def same_totals(book: Path, recalculated: Path) -> str:
    """Whether LibreOffice's totals are kpixl's, employee by employee (the peer must be the same job)."""
    import json

    proc = subprocess.run(PY + ["score", str(book), "--json", "--compact"], capture_output=True, text=True, check=False)
    ours = {e["employee_id"]: float(e["score"]) for e in json.loads(proc.stdout)}
    theirs = peer_totals(recalculated)
    differ = [e for e in ours if abs(theirs.get(e, float("nan")) - ours[e]) > 1e-9 or e not in theirs]
    return f"same totals for all {len(ours):,}" if not differ else f"TOTALS DIFFER for {len(differ):,}: {differ[:5]}"


WARM_CHILD = """
import statistics, sys, time
from kpixl.core.engine import score
from kpixl.workbook.read import read_workbook
def once():
    t = time.perf_counter()
    score(*read_workbook(sys.argv[1]))
    return time.perf_counter() - t
once()  # the first read also warms the scheme cache and the file cache
print(statistics.median(once() for _ in range(int(sys.argv[2]))))
"""


def warm_score(book: Path, runs: int) -> float:
    """The median time to read and score ``book`` again in a process that has kpixl loaded (what
    the UDF service does on a recalculation after the workbook changed, and nightly per book)."""
    _, _, out = run([sys.executable, "-c", WARM_CHILD, str(book), str(max(3, runs))])
    return float(out.strip().splitlines()[-1])


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
    warm_t = warm_score(book, runs)
    rows.append((f"kpixl report  {label}", kp_t, kp_m, f"with {n_emp:,} statements and the detail sheet"))
    rows.append((f"kpixl score   {label}", sc_t, sc_m, "the same numbers as the SUMIFS, no workbook written"))
    rows.append((f"kpixl rescore {label}", warm_t, None, "read + score again in a running process (UDF service)"))
    rows.append((f"LibreOffice SUMIFS {label}", lo_t, lo_m,
                 f"kpixl report {lo_t / kp_t:.1f}x faster, kpixl score {lo_t / sc_t:.1f}x, rescore "
                 f"{lo_t / warm_t:.1f}x; {same_totals(book, outdir / peer.name)}"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small sizes (500 x 10,000; peer 200 x 2,000)")
    ap.add_argument("--big", action="store_true", help="also 50,000 x 1,000,000 (slow)")
    ap.add_argument("--big-runs", type=int, default=3, help="runs of each 50,000 x 1,000,000 job (default 3)")
    ap.add_argument("--no-peer", action="store_true", help="skip the LibreOffice peer")
    args = ap.parse_args()
    size = (500, 10_000) if args.quick else (5000, 100_000)
    peer = (200, 2_000) if args.quick else (1000, 10_000)
    rows: list = []
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        work = Path(tmp)
        job(f"{size[0]:,} x {size[1]:,}", *size, work, args.runs, rows)
        if args.big:
            job("50,000 x 1,000,000", 50_000, 1_000_000, work, max(1, args.big_runs), rows)
        for name, argv in (("--version", ["--version"]), ("schemes", ["schemes"])):
            t, m = median_run(PY + argv, max(5, args.runs))
            rows.append((f"start-up kpixl {name}", t, m, ""))
        rows.append((f"UDF =KPI_SCORE cached {size[0]:,} x {size[1]:,}", None, None,
                     f"{udf_cost(work, *size):.2f} us/call"))
        if not args.no_peer:
            libreoffice_peer(work, *peer, args.runs, rows)
    load = os.getloadavg()[0]
    big = f" ({args.big_runs} at 50,000 x 1,000,000)" if args.big else ""
    print(f"kpixl bench_all: medians of {args.runs} fresh processes{big}; load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'job':<44} {'time':>8} {'peak':>10}  note")
    for name, t, m, note in rows:
        ts = f"{t:7.2f}s" if t is not None else "       -"
        ms = f"{m:7.0f} MiB" if m is not None else "         -"
        print(f"{name:<44} {ts:>8} {ms:>10}  {note}")


if __name__ == "__main__":
    main()
