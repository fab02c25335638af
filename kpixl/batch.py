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
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kpixl.batch_names import (  # noqa: F401
    OLD_SUFFIXES,
    REPORT_SUFFIX,
    WORKBOOK_SUFFIXES,
    find_books,
    find_workbooks,
    is_workbook_name,
    report_paths,
)
from kpixl.core.errors import KpixlError, problem
from kpixl.core.gcpause import one_job
from kpixl.workers import Failure, run_jobs

SKIP_REPORT_NAME = ("名称像 kpixl 报表（*.report.xlsx）但它是输入工作簿，未处理：请改名",
                    "named like a kpixl report (*.report.xlsx) but it is an input workbook; not processed: rename it")
SKIP_OLD = ("不是 .xlsx 工作簿，未处理：在 Excel、WPS 或 LibreOffice 中另存为 .xlsx",
            "not an .xlsx workbook; not processed: save it as .xlsx in Excel, WPS or LibreOffice")
MEMORY_SIGNS = ("memoryerror", "cannot allocate memory", "out of memory", "failed to map segment", "bad_alloc",
                "memory allocation of")
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
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, bilingual reason): not processed

    @property
    def all_ok(self) -> bool:
        return (bool(self.outcomes) and all(o.status == "ok" for o in self.outcomes) and not self.log_failures
                and not self.skipped)

    @property
    def exit_code(self) -> int:
        return 2 if self.usage_error else (0 if self.all_ok else 1)


def one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    """A message for one console line: whitespace collapsed, at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(text) -> str:
    """A path or text safe to print and log: a file name that is not valid UTF-8 (GBK bytes from a
    Samba share, kept by Python as surrogates) shows its bytes as backslash escapes (\\xbf\\xcd)."""
    text = os.fspath(text) if isinstance(text, os.PathLike) else str(text)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _internal_problem(book: str, what_zh: str, what_en: str):
    return problem("internal_error", book, f"内部错误：{what_zh}", f"Internal error: {what_en}",
                   "请把此工作簿和日志发给 kpixl 维护者。", "Send this workbook and the log to the kpixl maintainers.")


def refused_output(book: str, out: str) -> str | None:
    """Why ``out`` must not be written for ``book`` (it is an input, or an existing kpixl input
    workbook, as ``report -o`` refuses: workbook/outputs.py), as one bilingual line; None: it may."""
    from kpixl.workbook.outputs import check_output

    try:
        check_output(out, [book])
    except KpixlError as exc:
        p = exc.problems[0] if exc.problems else None
        return one_line(f"{p.zh} / {p.en}" if p else str(exc), 600)
    return None


def not_a_file(path: Path) -> str:
    """Why a workbook's name found in a folder is not read: a link to nothing, or not a regular file."""
    if path.is_symlink():
        try:
            target = shown(os.readlink(path))
        except OSError:
            target = "?"
        return (f"链接指向的文件不存在（{target}），未读取：修正或删除这个链接 / a link to a file that does not exist "
                f"({target}); not read: fix or remove the link")
    return ("不是普通文件（如命名管道），未读取：换成工作簿文件 / not a regular file (e.g. a named pipe); not read: "
            "put the workbook file in its place")


def _error_report(book: str, out: str, problems, message: str, unwritten: bool = False) -> tuple[str, str]:
    """Write the Issues+About report; returns (report path or "", message). ``unwritten``: the message
    already says why the report was not written, so a failure of this one adds nothing."""
    from kpixl.workbook.atomic import os_error_problem, remove_stale_temps
    from kpixl.workbook.report import write_error_report
    from kpixl.workbook.report_detail import companion_path

    refused = refused_output(book, out) if os.path.lexists(out) else None
    if refused:
        return "", one_line(f"{message} · 报表未写入 report not written: {refused}", 800)
    remove_stale_temps(out)
    remove_stale_temps(companion_path(out))  # a worker stopped while writing the detail beside the report
    try:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        write_error_report(out, shown(book), problems)
        return out, message
    except OSError as exc:  # disk full, folder gone ...
        if unwritten:
            return "", message
        return "", one_line(f"{message} · 报表未写入 report not written: {os_error_problem(exc).short()}", 800)
    except Exception as exc:  # a bug in the Issues report itself
        what = shown(f"{type(exc).__name__}: {one_line(exc)}")
        return "", one_line(f"{message} · 报表未写入 report not written: 内部错误 internal error: {what}", 800)


OUT_OF_PERIOD = ("outside_period", "week_of_another_month", "history_not_earlier")  # one warning per row


def _counts(result) -> tuple[int, int, int, int, int]:
    """Employees, scored, errors, warnings, and the warnings about rows of another period (an event
    or daily row dated outside it, a week credited to another month, a History row not earlier)."""
    return (len(result.employees), sum(e.ok for e in result.employees), len(result.errors), len(result.warnings),
            sum(w.code in OUT_OF_PERIOD for w in result.warnings))


def process_workbook(book: str, out: str, scheme: str | None = None, period: str | None = None) -> BookOutcome:
    """Read, score and report one workbook; never raises."""
    from kpixl.core.engine import score
    from kpixl.ledger import with_history
    from kpixl.ledger.standing import standing
    from kpixl.workbook.read import read_workbook
    from kpixl.workbook.report import write_report

    t0 = time.perf_counter()
    result = None
    refused = refused_output(book, out)  # an input or another kpixl input workbook is never replaced:
    # the book is still scored, so its line says how it scored, and nothing is written
    alias = None
    try:
        book.encode("utf-8")
    except UnicodeEncodeError:  # a name that is not UTF-8: read it through a link with a printable name
        try:
            alias = Path(tempfile.mkdtemp(prefix="kpixl-name-")) / shown(Path(book).name).replace(os.sep, "_")
            alias.symlink_to(Path(book).resolve())
        except OSError:  # no temporary folder or no links here: read it by its own name
            if alias is not None:
                shutil.rmtree(alias.parent, ignore_errors=True)
            alias = None
    try:
        s, inputs = read_workbook(str(alias or book), scheme=scheme, period=period)
        inputs, _reads = with_history(s, inputs, book)  # closed months from the ledger, if one is in use
        result = score(s, inputs)
        found = standing(s, inputs, result, book)  # a closed month: its version, and whether these are its figures
        if found is not None and found.problem() is not None:
            result.problems.append(found.problem())
        if refused:
            employees, scored, errors, warnings, out_of_period = _counts(result)
            return BookOutcome(book, "", "failed", employees, scored, errors + 1, warnings, out_of_period,
                               time.perf_counter() - t0, one_line(
                                   f"已计分 scored {scored}/{employees}，但报表未写入 but the report was not written: {refused}", 800))
        Path(out).parent.mkdir(parents=True, exist_ok=True)  # a book in a subfolder: the same subfolder under --out
        write_report(result, out, book, ledger_version=found.label() if found else None)
        # scored and reported: "problems" when any error withholds someone (everyone too: the report's
        # Issues sheet says why, e.g. a month read from a superseded close); "failed" is a book not read
        # or not reported
        status = "problems" if result.errors else "ok"
        return BookOutcome(book, out, status, *_counts(result), time.perf_counter() - t0,
                           one_line(result.errors[0].short()) if result.errors else "")
    except KpixlError as exc:
        problems = exc.problems
        message = one_line(problems[0].short() if problems else str(exc))
    except OSError as exc:  # the report could not be written (disk full ...)
        from kpixl.workbook.atomic import os_error_problem

        problems = [os_error_problem(exc)] + (result.problems if result is not None else [])
        message = one_line(f"报表未写入 report not written: {problems[0].short()}")
        if result is not None:  # scored, but the report could not be written: the log keeps the scoring outcome
            employees, scored, errors, warnings, out_of_period = _counts(result)
            report, message = _error_report(book, out, problems, one_line(
                f"已计分 scored {scored}/{employees}，但{message}", 400), unwritten=True)
            return BookOutcome(book, report, "failed", employees, scored, errors + 1, warnings, out_of_period,
                               time.perf_counter() - t0, message)
    except Exception as exc:  # a bug or a corrupt file must not stop the night's run
        what = shown(f"{type(exc).__name__}: {one_line(exc)}")
        problems = [_internal_problem(shown(book), what, what)]
        message = one_line(f"{problems[0].zh} / {problems[0].en}")
        if os.environ.get("KPIXL_DEBUG"):  # the traceback only when asked for
            message = one_line(f"{message} | {shown(traceback.format_exc(limit=3))}", 400)
    finally:
        if alias is not None:
            alias.unlink(missing_ok=True)
            alias.parent.rmdir()
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
    elif failure.kind == "exit" and any(sign in failure.stderr.lower() for sign in MEMORY_SIGNS):
        memory = f"{max_gb:g} GB" if max_gb else "—"
        zh = f"处理进程内存不足（上限 {memory}），已退出"
        en = f"the process ran out of memory (limit {memory}) and exited"
        fix = ("检查工作簿是否异常巨大，或用 --max-memory 放宽上限。", "Check the workbook for an absurd size, or raise --max-memory.")
    else:
        last = one_line(shown(failure.stderr.strip().splitlines()[-1]) if failure.stderr.strip() else "", 150)
        what = f"code {failure.detail}" if failure.kind == "exit" else failure.detail
        zh = f"处理进程异常退出（{what}）{('：' + last) if last else ''}"
        en = f"the process exited abnormally ({what}){(': ' + last) if last else ''}"
        fix = ("请把此工作簿和日志发给 kpixl 维护者。", "Send this workbook and the log to the kpixl maintainers.")
    pr = problem("book_timeout" if failure.kind == "timeout" else "book_crashed", shown(book), f"{zh}。", f"{en}.", *fix)
    report, message = _error_report(book, report, [pr], one_line(f"{pr.zh} / {pr.en}"))
    return BookOutcome(book, report, "failed", errors=1, seconds=failure.seconds, message=message)


# ----------------------------------------------------------------------------- the run


def _is_input_workbook(path: Path) -> bool:
    from kpixl.workbook.outputs import is_input_workbook

    return is_input_workbook(path)


def _log_refused(log: Path, inputs: list) -> str | None:
    """Why ``--log`` must not be appended to (one bilingual line), or None: never one of the run's
    inputs, a folder or a kpixl input workbook (the checks of ``report -o``, workbook/outputs.py),
    nor any Excel workbook (JSON lines appended to it would break it). A device or a FIFO may be
    the log (``/dev/stdout``, a reader at the pipe): lines are appended, nothing replaces it."""
    from kpixl.workbook.outputs import check_output

    fix_zh, fix_en = "用 --log 指定另一个文件，如 nightly.log。", "Give another file with --log, e.g. nightly.log."
    try:
        check_output(log, inputs, appended=True)
    except KpixlError as exc:
        zh, en = (exc.problems[0].zh, exc.problems[0].en) if exc.problems else (str(exc), str(exc))
        return shown(f"{zh} {fix_zh} / {en} {fix_en}")
    if log.suffix.lower() in WORKBOOK_SUFFIXES + OLD_SUFFIXES:
        return shown(f"日志 {log.name} 是 Excel 工作簿的文件名，日志（JSON 行）不能写入工作簿。{fix_zh} / The log {log.name} "
                     f"is named as an Excel workbook; the log (JSON lines) must not be written into one. {fix_en}")
    return None


def _append_line(path: Path, line: str) -> str | None:
    """Append one complete line with one write (O_APPEND); on failure nothing partial stays. Returns an error text."""
    data = (line.rstrip("\n") + "\n").encode("utf-8", "backslashreplace")
    try:
        # a FIFO without a reader is an error (ENXIO), never a wait for one
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o666)
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
    # workers finish in any order; each book's line and log line come in the jobs' order (the books'
    # paths), a book finished early waiting for those before it
    waiting: dict[int, BookOutcome] = {}
    said = [0]

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
        line = (f"{mark} {shown(o.source)} -> {shown(o.report) or '(无报表 no report)'} · {o.scored}/{o.employees} scored · "
                f"{o.errors} errors · {o.warnings} warnings ({o.out_of_period} out of period) · {o.seconds:.2f}s")
        if o.message:
            line += f" · {shown(o.message)}"
        say(line)
        log_line({**asdict(o), "source": shown(o.source), "report": shown(o.report), "message": shown(o.message)})

    def log_line(entry: dict) -> None:
        failure = _append_line(log_path, json.dumps({"run": started, **entry}, ensure_ascii=False))
        if failure:
            summary.log_failures += 1
            say(f"LOG  日志写入失败 could not write the log {shown(log_path)}: {failure}")

    def usage(text: str) -> NightlySummary:
        say(text)
        summary.usage_error = True
        return summary

    try:
        missing = [str(p) for p in inputs if not Path(p).exists()]
        for m in missing:
            say(f"FAIL {shown(m)}: 找不到文件或文件夹 / no such file or folder — 检查路径 / check the path")
        if len(missing) == len(inputs):
            summary.usage_error = True
            return summary
        found_skipped: list[Path] = []
        found = find_books([p for p in inputs if Path(p).exists()], out, found_skipped)
        books = [f.book for f in found]
        refused = _log_refused(log_path, [*inputs, *books]) if log else None
        if refused:
            return usage(f"FAIL --log {shown(log_path)}: {refused}")
        if out.exists() and not out.is_dir():
            return usage(f"FAIL --out {shown(out)} 是一个文件，不是文件夹：给出报表文件夹（不存在时会创建） / --out {shown(out)} "
                         "is a file, not a folder: give the reports' folder (it is created if it does not exist)")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return usage(f"FAIL 无法创建报表文件夹 cannot create the output folder {shown(out)}: {exc.strerror or exc}")
        try:  # a folder that exists but cannot be written (read-only share, permissions) is a usage error too
            fd, probe = tempfile.mkstemp(prefix=".kpixl-probe-", dir=out)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            return usage(f"FAIL 报表文件夹无法写入 the output folder {shown(out)} cannot be written: {exc.strerror or exc}"
                         " — 检查权限或换一个 --out / check its permissions or choose another --out")
        for m in missing:
            record(BookOutcome(m, "", "failed", message="找不到文件 / file not found"))
        named, clashes = report_paths(found, out)
        job_list = [{"book": str(b), "report": str(r), "scheme": scheme, "period": period} for b, r in named]
        for b, r, other in clashes:  # never one report name for two books: neither is written
            record(BookOutcome(str(b), "", "failed", errors=1, message=one_line(
                f"报表 {shown(r)} 也是 {shown(other)} 的报表名，两者都未写入：把输入文件夹放在同一个上级文件夹下，或分开运行"
                f"（各用一个 --out） / the report {shown(r)} would also be the report of {shown(other)}; neither is "
                "written: give one parent folder of both, or run them with separate --out folders", 600)))
        targets = {Path(j["report"]).resolve() for j in job_list}  # checked by their own job (process_workbook)
        for f in found_skipped:
            if is_workbook_name(f) and not f.is_file():  # a workbook's name kpixl cannot read: that book failed
                record(BookOutcome(str(f), "", "failed", errors=1, message=not_a_file(f)))
                continue
            if f.suffix.lower() in OLD_SUFFIXES:
                why = SKIP_OLD
            elif f.resolve() not in targets and _is_input_workbook(f):
                why = SKIP_REPORT_NAME
            else:  # a kpixl report: not an input
                continue
            summary.skipped.append((str(f), f"{why[0]} / {why[1]}"))
            say(f"SKIP {shown(f)} · {why[0]} / {why[1]}")
            log_line({"source": shown(f), "report": "", "status": "skipped", "message": f"{why[0]} / {why[1]}"})
        if not books and not summary.outcomes and not summary.skipped:
            say(f"FAIL 没有找到工作簿 (.xlsx/.xlsm) / no workbook (.xlsx/.xlsm) found in {', '.join(map(shown, inputs))}")
            return summary
        pending.extend(job_list)
        if progress and job_list:
            step(0)

        place = {id(job): i for i, job in enumerate(job_list)}

        def done(job: dict, answer, seconds: float) -> None:
            if isinstance(answer, Failure):
                waiting[place[id(job)]] = failed_outcome(job["book"], job["report"], answer, timeout, max_memory)
            else:
                waiting[place[id(job)]] = BookOutcome(**{**answer, "seconds": seconds})
            while said[0] in waiting:
                record(waiting.pop(said[0]))
                said[0] += 1
            finished[0] += 1
            if progress and finished[0] < len(pending):
                step(finished[0])

        run_jobs(job_list, "kpixl.batch.process_job", done, workers=jobs, timeout=timeout,
                 max_bytes=int(max_memory * 1024 ** 3) if max_memory else 0)
    finally:
        for i in sorted(waiting):  # interrupted: the books finished after one still running
            record(waiting.pop(i))
        if progress:
            progress.clear()
        n = len(summary.outcomes)
        counts = {s: sum(o.status == s for o in summary.outcomes) for s in ("ok", "problems", "failed")}
        no_report = sum(not o.report for o in summary.outcomes)
        tail = f" · {no_report} 无报表 without report" if no_report else ""
        tail += f" · {len(summary.skipped)} 跳过 skipped (SKIP)" if summary.skipped else ""
        tail += f" · {summary.log_failures} 日志写入失败 log lines not written" if summary.log_failures else ""
        say(f"{n} 个工作簿 workbooks: {counts['ok']} ok, {counts['problems']} 有问题 with problems, "
            f"{counts['failed']} 失败 failed{tail} · 报表 reports in {shown(out)} · "
            + (f"日志 log {shown(log_path)}" if log_path.is_file() else "未写日志 no log written"))
    return summary
