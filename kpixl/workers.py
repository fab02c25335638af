"""A pool of worker processes that survives a dead worker (the nightly job's isolation).

Each worker is a separate Python process with an address-space limit (``RLIMIT_AS``); it
takes one job at a time (a JSON line on its stdin), calls ``handler(job)`` and answers with
one JSON line. A worker that dies (abort, signal, ``os._exit``) or exceeds the per-job time
limit (it is killed) costs only the job it was doing: that job is reported as failed with the
reason, a fresh worker is started for the next job, and the pool goes on. Start-up (imports)
is paid once per worker, not once per job.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Failure:
    """Why a job produced no answer."""

    kind: str  # "timeout", "signal", "exit", "start"
    detail: str  # signal name, exit code or error text
    stderr: str = ""  # the last lines the worker wrote to stderr during the job
    seconds: float = 0.0


@dataclass
class _Worker:
    proc: subprocess.Popen
    err: object  # a temporary file holding the worker's stderr
    job: dict | None = None
    started: float = 0.0
    err_at: int = 0
    buf: bytes = b""
    answers: deque = field(default_factory=deque)


def worker_main() -> None:
    """A worker's loop: ``python -c 'from kpixl.workers import worker_main; worker_main()' HANDLER MAX_BYTES``."""
    handler_name, max_bytes = sys.argv[1], int(sys.argv[2])
    if max_bytes:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
        except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
            pass
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever else prints goes to stderr, never into the answers
    sys.stdout = sys.stderr
    module, _, name = handler_name.rpartition(".")
    handler = getattr(importlib.import_module(module), name)
    for line in sys.stdin:
        answers.write(json.dumps(handler(json.loads(line))) + "\n")  # ASCII: a non-UTF-8 file name survives
        answers.flush()


def _start(handler: str, max_bytes: int) -> _Worker:
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parent.parent)  # the kpixl the parent runs, first on the path
    env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-c", "from kpixl.workers import worker_main; worker_main()",
                             handler, str(max_bytes)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                            env=env)
    return _Worker(proc, err)


def _stderr_since(w: _Worker, chars: int = 300) -> str:
    fd = w.err.fileno()
    size = os.fstat(fd).st_size
    start = max(w.err_at, size - 4 * chars)
    return os.pread(fd, size - start, start).decode("utf-8", "replace")[-chars:]


def _stop(w: _Worker) -> None:
    if w.proc.poll() is None:
        w.proc.kill()
    w.proc.wait()
    for fh in (w.proc.stdin, w.proc.stdout, w.err):
        try:
            fh.close()
        except OSError:
            pass


def _failure(w: _Worker, timed_out: bool) -> Failure:
    rc = w.proc.returncode
    if timed_out:
        kind, detail = "timeout", ""
    elif rc is not None and rc < 0:
        kind = "signal"
        detail = signal.Signals(-rc).name if -rc in signal.valid_signals() else str(-rc)
    else:
        kind, detail = "exit", str(rc)
    return Failure(kind, detail, _stderr_since(w), time.monotonic() - w.started)


def run_jobs(jobs: Iterable[dict], handler: str, done: Callable[[dict, dict | Failure, float], None],
             workers: int = 1, timeout: float = 300, max_bytes: int = 0, poll: float = 0.05) -> None:
    """Run every job through ``handler`` (``"module.function"``) in at most ``workers`` processes;
    call ``done(job, answer_or_failure, seconds)`` once per job, in completion order."""
    pending = deque(jobs)
    pool: list[_Worker | None] = [None] * max(1, workers)
    try:
        while pending or any(w is not None and w.job is not None for w in pool):
            for i, w in enumerate(pool):  # give every idle slot a job
                if not pending or (w is not None and w.job is not None):
                    continue
                job = pending.popleft()
                try:
                    if w is None or w.proc.poll() is not None:
                        if w is not None:
                            _stop(w)
                        w = pool[i] = _start(handler, max_bytes)
                    w.job, w.started, w.err_at = job, time.monotonic(), os.fstat(w.err.fileno()).st_size
                    w.proc.stdin.write((json.dumps(job) + "\n").encode("ascii"))  # \u escapes keep a non-UTF-8 name
                    w.proc.stdin.flush()
                except OSError as exc:  # cannot start a process, or it died before taking the job
                    if w is not None:
                        _stop(w)
                    pool[i] = None
                    done(job, Failure("start", f"{type(exc).__name__}: {exc}"), 0.0)
            busy = [w for w in pool if w is not None and w.job is not None]
            if not busy:
                continue
            ready, _, _ = select.select([w.proc.stdout for w in busy], [], [], poll)
            for w in busy:
                if w.proc.stdout in ready:
                    data = os.read(w.proc.stdout.fileno(), 65536)
                    if data:
                        w.buf += data
                        if b"\n" in w.buf:
                            line, w.buf = w.buf.split(b"\n", 1)
                            job, w.job = w.job, None
                            done(job, json.loads(line), time.monotonic() - w.started)
                        continue
                    timed_out = False  # end of its output: the worker died during the job
                elif time.monotonic() - w.started > timeout:
                    timed_out = True
                    w.proc.kill()
                else:
                    continue
                w.proc.wait()
                job, failure = w.job, _failure(w, timed_out)
                _stop(w)
                pool[pool.index(w)] = None
                done(job, failure, failure.seconds)
    finally:  # finished or interrupted: no worker outlives the run
        for w in pool:
            if w is not None:
                try:
                    w.proc.stdin.close()
                except OSError:
                    pass
                try:
                    w.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
                _stop(w)
