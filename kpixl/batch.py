"""The nightly report job: many workbooks, headless (no Excel), safe for cron.

Workbooks are read, scored and reported in worker processes (:mod:`kpixl.workers`), with a
time limit per workbook (``timeout`` seconds) and a memory limit per worker (``max_memory`` GB
of address space), so a workbook that hangs, aborts the process or exhausts memory costs only
itself: it gets a report with only the Issues and About sheets, a fresh worker takes the next
workbook, and the run goes on. Every workbook gets one console line
and one log line; each log line is written whole (one ``write`` of a complete line with
``O_APPEND``), and a log or report that cannot be written is itself reported. The summary
always prints. Input workbooks are only ever read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kpixl.core.errors import KpixlError, problem
from kpixl.core.gcpause import one_job
from kpixl.workers import Failure, run_jobs

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
REPORT_SUFFIX = ".report.xlsx"
MESSAGE_CHARS = 200


@dataclass
class BookOutcome:
    source: str
    report: str  # "" when no report could be written
    status: str  # "ok", "problems" (scored, some errors), "failed" (no scores)
    employees: int = 0
    scored: int = 0
    errors: int = 0
    warnings: int = 0
    out_of_period: int = 0  # warnings about rows dated outside the period
    seconds: float = 0.0
    message: str = ""


@dataclass
class NightlySummary:
    outcomes: list[BookOutcome] = field(default_factory=list)
    log_failures: int = 0
    usage_error: bool = False  # no input found at all

    @property
    def all_ok(self) -> bool:
        return bool(self.outcomes) and all(o.status == "ok" for o in self.outcomes) and not self.log_failures

    @property
    def exit_code(self) -> int:
        return 2 if self.usage_error else (0 if self.all_ok else 1)


def one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    """A message for one console line: whitespace collapsed, at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_workbook_name(path: Path) -> bool:
    """An input workbook's name: .xlsx / .xlsm, not an Excel lock file (``~$``), not hidden or a
    temporary file (``.``), not a kpixl report (``*.report.xlsx``)."""
    name = path.name
    return (path.suffix.lower() in WORKBOOK_SUFFIXES and not name.startswith(("~$", "."))
            and not name.lower().endswith((REPORT_SUFFIX, ".report.xlsm")))


def find_workbooks(inputs: list[str | os.PathLike], out_dir: str | os.PathLike | None = None) -> list[Path]:
    """The workbooks of ``inputs`` (files as given; folders searched recursively), skipping the
    output folder when it lies inside an input folder."""
    out = Path(out_dir).resolve() if out_dir is not None else None
    books: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            root = p.resolve()
            found = []
            for folder, dirs, files in os.walk(p, onerror=None, followlinks=False):  # no symlink loops
                here = Path(folder)
                if out is not None and out != root and here.resolve() == out:
                    dirs[:] = []
                    continue
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found += [here / f for f in files if is_workbook_name(here / f) and (here / f).is_file()]
            books += sorted(found)
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
    name = f"{book.stem}{REPORT_SUFFIX}"
    if name in taken:
        digest = hashlib.sha1(str(book.resolve().parent).encode()).hexdigest()[:6]
        name = f"{book.stem}-{digest}{REPORT_SUFFIX}"
    taken.add(name)
    return name


def _internal_problem(book: str, what_zh: str, what_en: str):
    return problem("internal_error", book, f"内部错误：{what_zh}", f"Internal error: {what_en}",
                   "请把此工作簿和日志发给 kpixl 维护者。", "Send this workbook and the log to the kpixl maintainers.")


def _error_report(book: str, out: str, problems, message: str) -> tuple[str, str]:
    """Write the Issues+About report; returns (report path or "", message)."""
    from kpixl.workbook.atomic import remove_stale_temps
    from kpixl.workbook.report import write_error_report
    from kpixl.workbook.report_detail import companion_path

    remove_stale_temps(out)
    remove_stale_temps(companion_path(out))  # a worker stopped while writing the detail beside the report
    try:
        write_error_report(out, book, problems)
        return out, message
    except Exception as exc:  # disk full, folder gone ...
        return "", f"{message} · 报表未写入 report not written: {type(exc).__name__}: {exc}"


def process_workbook(book: str, out: str, scheme: str | None = None, period: str | None = None) -> BookOutcome:
    """Read, score and report one workbook; never raises."""
    from kpixl.core.engine import score
    from kpixl.ledger import with_history
    from kpixl.workbook.read import read_workbook
    from kpixl.workbook.report import write_report

    t0 = time.perf_counter()
    result = None
    try:
        s, inputs = read_workbook(book, scheme=scheme, period=period)
        inputs, _reads = with_history(s, inputs, book)  # closed months from the ledger, if one is in use
        result = score(s, inputs)
        write_report(result, out, book)
        status = "ok" if not result.errors else ("problems" if any(e.ok for e in result.employees) else "failed")
        return BookOutcome(book, out, status, len(result.employees), sum(e.ok for e in result.employees),
                           len(result.errors), len(result.warnings),
                           sum("outside_period" in w.code for w in result.warnings), time.perf_counter() - t0,
                           one_line(result.errors[0].short()) if result.errors else "")
    except KpixlError as exc:
        problems = exc.problems
        message = one_line(problems[0].short() if problems else str(exc))
    except OSError as exc:  # the report could not be written (disk full ...)
        from kpixl.workbook.atomic import os_error_problem

        problems = [os_error_problem(exc)] + (result.problems if result is not None else [])
        message = one_line(f"报表未写入 report not written: {problems[0].short()}")
    except Exception as exc:  # a bug or a corrupt file must not stop the night's run
        problems = [_internal_problem(book, f"{type(exc).__name__}: {one_line(exc)}", f"{type(exc).__name__}: {one_line(exc)}")]
        message = one_line(problems[0].en + " | " + traceback.format_exc(limit=3), 400)
    report, message = _error_report(book, out, problems, message)
    return BookOutcome(book, report, "failed", errors=len(problems), seconds=time.perf_counter() - t0, message=message)


# ----------------------------------------------------------------------------- isolation


def process_job(job: dict) -> dict:
    """One workbook in a worker process (kpixl.workers): the outcome as a dict."""
    with one_job():  # collection paused for the workbook, then once (core/gcpause.py)
        return asdict(process_workbook(job["book"], job["report"], job.get("scheme"), job.get("period")))


def failed_outcome(book: str, report: str, failure: Failure, timeout: float, max_gb: float | None) -> BookOutcome:
    """A workbook whose worker hung or died: a failed outcome, with the Issues+About report."""
    if failure.kind == "timeout":
        zh, en = f"处理超过时间上限 {timeout:g} 秒，已终止", f"processing exceeded the time limit of {timeout:g} s and was stopped"
        fix = ("检查工作簿是否异常巨大（如远处的空单元格），或用 --timeout 放宽上限。",
               "Check the workbook for an absurd size (e.g. a stray far-away cell), or raise --timeout.")
    elif failure.kind == "signal":
        memory = f"{max_gb:g} GB" if max_gb else "the memory"
        zh = f"处理进程被信号 {failure.detail} 终止（可能超出内存上限 {memory}）"
        en = f"the process was ended by signal {failure.detail} (probably out of memory; limit {memory})"
        fix = ("检查工作簿是否异常巨大，或用 --max-memory 放宽上限。", "Check the workbook for an absurd size, or raise --max-memory.")
    else:
        last = one_line(failure.stderr.strip().splitlines()[-1] if failure.stderr.strip() else "", 150)
        what = f"code {failure.detail}" if failure.kind == "exit" else failure.detail
        zh = f"处理进程异常退出（{what}）{('：' + last) if last else ''}"
        en = f"the process exited abnormally ({what}){(': ' + last) if last else ''}"
        fix = ("请把此工作簿和日志发给 kpixl 维护者。", "Send this workbook and the log to the kpixl maintainers.")
    pr = problem("book_timeout" if failure.kind == "timeout" else "book_crashed", book, f"{zh}。", f"{en}.", *fix)
    report, message = _error_report(book, report, [pr], one_line(f"{pr.en} / {pr.zh}"))
    return BookOutcome(book, report, "failed", errors=1, seconds=failure.seconds, message=message)


# ----------------------------------------------------------------------------- the run


def _append_line(path: Path, line: str) -> str | None:
    """Append one complete line with one write (O_APPEND); on failure nothing partial stays. Returns an error text."""
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    try:
        size = os.fstat(fd).st_size
        written = os.write(fd, data)
        if written != len(data):
            os.ftruncate(fd, size)
            return f"short write ({written} of {len(data)} bytes)"
        return None
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    finally:
        os.close(fd)


def run_nightly(inputs: list[str], out_dir: str | os.PathLike, jobs: int = 1, scheme: str | None = None,
                period: str | None = None, log: str | None = None, stream=None, timeout: float = 300,
                max_memory: float | None = 4, progress=None) -> NightlySummary:
    """Report every workbook of ``inputs`` into ``out_dir``; never raises for a single workbook.

    ``progress`` (a kpixl.terminal.Progress) shows the running count on a TTY."""
    stream = stream or sys.stdout
    out = Path(out_dir)
    log_path = Path(log) if log else out / "nightly.log"
    summary = NightlySummary()
    started = dt.datetime.now().isoformat(timespec="seconds")

    pending: list[dict] = []  # this run's jobs, in order, for the progress line
    finished = [0]

    def step(done: int) -> None:
        progress.step(done, len(pending), f"{Path(pending[done]['book']).name} …")

    def say(text: str) -> None:
        try:
            print(text, file=stream, flush=True)
        except (OSError, ValueError):  # a closed console must not stop the run
            pass

    def record(o: BookOutcome) -> None:
        if progress:
            progress.clear()
        if o.report and not Path(o.report).is_file():
            o.report, o.message = "", one_line(f"{o.message} · report missing", 400)
        summary.outcomes.append(o)
        mark = {"ok": "OK  ", "problems": "WARN", "failed": "FAIL"}[o.status]
        line = (f"{mark} {o.source} -> {o.report or '(无报表 no report)'} · {o.scored}/{o.employees} scored · "
                f"{o.errors} errors · {o.warnings} warnings ({o.out_of_period} out of period) · {o.seconds:.2f}s")
        if o.message:
            line += f" · {o.message}"
        say(line)
        failure = _append_line(log_path, json.dumps({"run": started, **asdict(o)}, ensure_ascii=False))
        if failure:
            summary.log_failures += 1
            say(f"LOG  日志写入失败 could not write the log {log_path}: {failure}")

    try:
        missing = [str(p) for p in inputs if not Path(p).exists()]
        for m in missing:
            say(f"FAIL {m}: 找不到文件或文件夹 / no such file or folder — 检查路径 / check the path")
        if len(missing) == len(inputs):
            summary.usage_error = True
            return summary
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            say(f"FAIL 无法创建报表文件夹 cannot create the output folder {out}: {exc.strerror or exc}")
            summary.usage_error = True
            return summary
        for m in missing:
            record(BookOutcome(m, "", "failed", message="file not found / 找不到文件"))
        books = find_workbooks([p for p in inputs if Path(p).exists()], out)
        if not books and not missing:
            say(f"FAIL 没有找到工作簿 (.xlsx/.xlsm) / no workbook (.xlsx/.xlsm) found in {', '.join(map(str, inputs))}")
            return summary
        taken: set[str] = set()
        job_list = [{"book": str(b), "report": str(out / report_name(b, taken)), "scheme": scheme, "period": period}
                    for b in books]
        pending.extend(job_list)
        if progress and job_list:
            step(0)

        def done(job: dict, answer, seconds: float) -> None:
            if isinstance(answer, Failure):
                record(failed_outcome(job["book"], job["report"], answer, timeout, max_memory))
            else:
                record(BookOutcome(**{**answer, "seconds": seconds}))
            finished[0] += 1
            if progress and finished[0] < len(pending):
                step(finished[0])

        run_jobs(job_list, "kpixl.batch.process_job", done, workers=jobs, timeout=timeout,
                 max_bytes=int(max_memory * 1024 ** 3) if max_memory else 0)
    finally:
        if progress:
            progress.clear()
        n = len(summary.outcomes)
        counts = {s: sum(o.status == s for o in summary.outcomes) for s in ("ok", "problems", "failed")}
        no_report = sum(not o.report for o in summary.outcomes)
        tail = f" · {no_report} 无报表 without report" if no_report else ""
        tail += f" · {summary.log_failures} 日志写入失败 log lines not written" if summary.log_failures else ""
        say(f"{n} 个工作簿 workbooks: {counts['ok']} ok, {counts['problems']} 有问题 with problems, "
            f"{counts['failed']} 失败 failed{tail} · 报表 reports in {out} · 日志 log {log_path}")
    return summary
