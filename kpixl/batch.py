"""The nightly report job: many workbooks, headless (no Excel), safe for cron.

Every workbook is read, scored and reported in its own child process, with a time limit
(``timeout`` seconds) and a memory limit (``max_memory`` GB of address space), so a workbook
that hangs, aborts the process or exhausts memory costs only itself: it gets a report with
only the Issues and About sheets, and the run goes on. Every workbook gets one console line
and one log line; each log line is written whole (one ``write`` of a complete line with
``O_APPEND``), and a log or report that cannot be written is itself reported. The summary
always prints. Input workbooks are only ever read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kpixl.core.errors import KpixlError, problem

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
REPORT_SUFFIX = ".report.xlsx"
MESSAGE_CHARS = 200
OUTCOME_MARK = "KPIXL-OUTCOME "


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
            for q in sorted(p.rglob("*")):
                if not q.is_file() or not is_workbook_name(q):
                    continue
                if out is not None and out != root and out in q.resolve().parents:
                    continue
                books.append(q)
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

    remove_stale_temps(out)
    try:
        write_error_report(out, book, problems)
        return out, message
    except Exception as exc:  # disk full, folder gone ...
        return "", f"{message} · 报表未写入 report not written: {type(exc).__name__}: {exc}"


def process_workbook(book: str, out: str, scheme: str | None = None, period: str | None = None) -> BookOutcome:
    """Read, score and report one workbook; never raises."""
    from kpixl.core.engine import score
    from kpixl.workbook.read import read_workbook
    from kpixl.workbook.report import write_report

    t0 = time.perf_counter()
    result = None
    try:
        s, inputs = read_workbook(book, scheme=scheme, period=period)
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


# ----------------------------------------------------------------------------- one child per workbook


def child_main(argv: list[str] | None = None) -> None:
    """Entry point of a workbook's child process: limit memory, process, print the outcome."""
    job = json.loads((argv or sys.argv)[-1])
    if job.get("max_bytes"):
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (job["max_bytes"], job["max_bytes"]))
        except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
            pass
    outcome = process_workbook(job["book"], job["report"], job.get("scheme"), job.get("period"))
    sys.stdout.write("\n" + OUTCOME_MARK + json.dumps(asdict(outcome), ensure_ascii=False) + "\n")
    sys.stdout.flush()


@dataclass
class _Child:
    book: str
    report: str
    proc: subprocess.Popen
    stdout: object
    stderr: object
    started: float
    timed_out: bool = False


def _start(book: str, report: str, scheme, period, max_bytes: int | None) -> _Child:
    job = json.dumps({"book": book, "report": report, "scheme": scheme, "period": period, "max_bytes": max_bytes})
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parent.parent)  # the kpixl the parent runs, first on the path
    env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-c", "from kpixl.batch import child_main; child_main()", job],
                            stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
    return _Child(book, report, proc, out, err, time.monotonic())


def _tail(fh, chars: int = 300) -> str:
    fh.seek(0)
    data = fh.read().decode("utf-8", "replace")
    fh.close()
    return data[-chars:] if chars else data


def _finish(child: _Child, timeout: float, max_gb: float | None) -> BookOutcome:
    """The outcome a child printed, or (it died, hung or was killed) a failed outcome with a report."""
    seconds = time.monotonic() - child.started
    stdout = _tail(child.stdout, 0)
    stderr = _tail(child.stderr)
    rc = child.proc.returncode
    mark = stdout.rfind(OUTCOME_MARK)
    if not child.timed_out and rc == 0 and mark >= 0:
        try:
            outcome = BookOutcome(**json.loads(stdout[mark + len(OUTCOME_MARK):].splitlines()[0]))
            outcome.seconds = seconds  # the whole child, start-up included
            return outcome
        except (ValueError, TypeError, IndexError):
            pass
    if child.timed_out:
        zh, en = f"处理超过时间上限 {timeout:g} 秒，已终止", f"processing exceeded the time limit of {timeout:g} s and was stopped"
        fix = ("检查工作簿是否异常巨大（如远处的空单元格），或用 --timeout 放宽上限。",
               "Check the workbook for an absurd size (e.g. a stray far-away cell), or raise --timeout.")
    elif rc is not None and rc < 0:
        name = signal.Signals(-rc).name if -rc in signal.valid_signals() else str(-rc)
        memory = f"{max_gb:g} GB" if max_gb else "the memory"
        zh, en = f"处理进程被信号 {name} 终止（可能超出内存上限 {memory}）", \
            f"the process was ended by signal {name} (probably out of memory; limit {memory})"
        fix = ("检查工作簿是否异常巨大，或用 --max-memory 放宽上限。", "Check the workbook for an absurd size, or raise --max-memory.")
    else:
        last = one_line(stderr.strip().splitlines()[-1] if stderr.strip() else "", 150)
        zh, en = f"处理进程异常退出（代码 {rc}）{('：' + last) if last else ''}", \
            f"the process exited abnormally (code {rc}){(': ' + last) if last else ''}"
        fix = ("请把此工作簿和日志发给 kpixl 维护者。", "Send this workbook and the log to the kpixl maintainers.")
    pr = problem("book_crashed" if not child.timed_out else "book_timeout", child.book, f"{zh}。", f"{en}.", *fix)
    report, message = _error_report(child.book, child.report, [pr], one_line(f"{pr.en} / {pr.zh}"))
    return BookOutcome(child.book, report, "failed", errors=1, seconds=seconds, message=message)


def _run_children(jobs_list, jobs: int, scheme, period, timeout: float, max_memory: float | None, record) -> None:
    max_bytes = int(max_memory * 1024 ** 3) if max_memory else None
    pending, running = deque(jobs_list), []
    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                book, report = pending.popleft()
                try:
                    running.append(_start(book, report, scheme, period, max_bytes))
                except OSError as exc:  # cannot start a process (no memory, too many processes)
                    record(BookOutcome(book, "", "failed", message=one_line(f"cannot start a worker: {exc}")))
            finished = False
            for child in list(running):
                if child.proc.poll() is None and time.monotonic() - child.started > timeout:
                    child.timed_out = True
                    child.proc.kill()
                    child.proc.wait()
                if child.proc.poll() is not None:
                    running.remove(child)
                    record(_finish(child, timeout, max_memory))
                    finished = True
            if not finished:
                time.sleep(0.02)
    finally:  # interrupted: no child outlives the run
        for child in running:
            child.proc.kill()
            child.proc.wait()


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
                max_memory: float | None = 4) -> NightlySummary:
    """Report every workbook of ``inputs`` into ``out_dir``; never raises for a single workbook."""
    stream = stream or sys.stdout
    out = Path(out_dir)
    log_path = Path(log) if log else out / "nightly.log"
    summary = NightlySummary()
    started = dt.datetime.now().isoformat(timespec="seconds")

    def say(text: str) -> None:
        try:
            print(text, file=stream, flush=True)
        except (OSError, ValueError):  # a closed console must not stop the run
            pass

    def record(o: BookOutcome) -> None:
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
        jobs_list = [(str(b), str(out / report_name(b, taken))) for b in books]
        _run_children(jobs_list, jobs, scheme, period, timeout, max_memory, record)
    finally:
        n = len(summary.outcomes)
        counts = {s: sum(o.status == s for o in summary.outcomes) for s in ("ok", "problems", "failed")}
        no_report = sum(not o.report for o in summary.outcomes)
        tail = f" · {no_report} 无报表 without report" if no_report else ""
        tail += f" · {summary.log_failures} 日志写入失败 log lines not written" if summary.log_failures else ""
        say(f"{n} 个工作簿 workbooks: {counts['ok']} ok, {counts['problems']} 有问题 with problems, "
            f"{counts['failed']} 失败 failed{tail} · 报表 reports in {out} · 日志 log {log_path}")
    return summary
