"""The nightly report job: many workbooks, headless (no Excel), safe for cron.

Every workbook gets its own report in the output folder (written atomically) and one log
line. A bad workbook, even one that crashes the scorer, never stops the run: it gets a report
with only the Issues and About sheets, and the job goes on with the next one. Input
workbooks are only ever read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kpixl.core.errors import KpixlError, problem


@dataclass
class BookOutcome:
    source: str
    report: str
    status: str  # "ok", "problems" (scored, some errors), "failed" (no scores)
    employees: int = 0
    scored: int = 0
    errors: int = 0
    warnings: int = 0
    seconds: float = 0.0
    message: str = ""


@dataclass
class NightlySummary:
    outcomes: list[BookOutcome] = field(default_factory=list)

    @property
    def all_ok(self) -> bool:
        return all(o.status == "ok" for o in self.outcomes)


def find_workbooks(inputs: list[str | os.PathLike]) -> list[Path]:
    books: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            books += sorted(q for q in p.rglob("*.xlsx") if not q.name.startswith(("~$", ".")))
        else:
            books.append(p)
    seen, unique = set(), []
    for b in books:
        key = b.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(b)
    return unique


def report_name(book: Path, taken: set[str]) -> str:
    name = f"{book.stem}.report.xlsx"
    if name in taken:
        digest = hashlib.sha1(str(book.resolve().parent).encode()).hexdigest()[:6]
        name = f"{book.stem}-{digest}.report.xlsx"
    taken.add(name)
    return name


def process_workbook(book: str, out: str, scheme: str | None = None, period: str | None = None) -> BookOutcome:
    """Read, score and report one workbook; never raises."""
    from kpixl.core.engine import score
    from kpixl.workbook.read import read_workbook
    from kpixl.workbook.report import write_error_report, write_report

    t0 = time.perf_counter()
    try:
        s, inputs = read_workbook(book, scheme=scheme, period=period)
        result = score(s, inputs)
        write_report(result, out, book)
        status = "ok" if not result.errors else ("problems" if any(e.ok for e in result.employees) else "failed")
        return BookOutcome(book, out, status, len(result.employees), sum(e.ok for e in result.employees),
                           len(result.errors), len(result.warnings), time.perf_counter() - t0,
                           result.errors[0].short() if result.errors else "")
    except KpixlError as exc:
        problems = exc.problems
        message = problems[0].short() if problems else str(exc)
    except Exception as exc:  # a bug or a corrupt file must not stop the night's run
        problems = [problem("internal_error", book, f"内部错误：{type(exc).__name__}: {exc}",
                            f"Internal error: {type(exc).__name__}: {exc}", "请把此工作簿和日志发给 kpixl 维护者。",
                            "Send this workbook and the log to the kpixl maintainers.")]
        message = problems[0].en + " | " + traceback.format_exc(limit=3).replace("\n", " ")
    try:
        write_error_report(out, book, problems)
    except Exception as exc:  # pragma: no cover - disk full etc.
        message += f" (could not write the error report: {exc})"
    return BookOutcome(book, out, "failed", errors=len(problems), seconds=time.perf_counter() - t0, message=message)


def run_nightly(inputs: list[str], out_dir: str | os.PathLike, jobs: int = 1, scheme: str | None = None,
                period: str | None = None, log: str | None = None, stream=None, progress=None) -> NightlySummary:
    """Report on every workbook; ``progress`` (a kpixl.terminal.Progress) shows the running count on a TTY."""
    stream = stream or sys.stdout
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    log_path = Path(log) if log else out / "nightly.log"
    books = find_workbooks(inputs)
    taken: set[str] = set()
    jobs_list = [(str(b), str(out / report_name(b, taken))) for b in books]
    summary = NightlySummary()
    started = dt.datetime.now().isoformat(timespec="seconds")

    def record(o: BookOutcome) -> None:
        if progress:
            progress.clear()
        summary.outcomes.append(o)
        mark = {"ok": "OK  ", "problems": "WARN", "failed": "FAIL"}[o.status]
        line = f"{mark} {o.source} -> {o.report} · {o.scored}/{o.employees} scored · {o.errors} errors · {o.seconds:.2f}s"
        if o.message:
            line += f" · {o.message}"
        print(line, file=stream, flush=True)
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"run": started, **asdict(o)}, ensure_ascii=False) + "\n")
        if progress and len(summary.outcomes) < len(books):
            progress.step(len(summary.outcomes), len(books), "…")

    for book, _ in jobs_list:
        if not Path(book).is_file():
            record(BookOutcome(book, "", "failed", message="file not found / 找不到文件"))
    jobs_list = [(b, o) for b, o in jobs_list if Path(b).is_file()]
    if jobs <= 1 or len(jobs_list) <= 1:
        for book, report in jobs_list:
            if progress:
                progress.step(len(summary.outcomes), len(books), f"{Path(book).name} …")
            record(process_workbook(book, report, scheme, period))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [(book, report, pool.submit(process_workbook, book, report, scheme, period))
                       for book, report in jobs_list]
            for book, report, fut in futures:
                try:
                    record(fut.result())
                except Exception as exc:  # a worker that died (e.g. out of memory)
                    record(BookOutcome(book, report, "failed", message=f"worker failed: {type(exc).__name__}: {exc}"))
    n = len(summary.outcomes)
    counts = {s: sum(o.status == s for o in summary.outcomes) for s in ("ok", "problems", "failed")}
    print(f"{n} 个工作簿 workbooks: {counts['ok']} ok, {counts['problems']} 有问题 with problems, "
          f"{counts['failed']} 失败 failed · 报表 reports in {out} · 日志 log {log_path}", file=stream)
    return summary
