"""Output files and failures (issues 7 and 12 item 12): a bad --period or an OS error is a
bilingual one-line message with exit 2, never a traceback; a failed write leaves no temporary
file; temporary files of killed runs are removed by the next run; files follow the umask."""

from __future__ import annotations

import errno
import os
import stat
import time

import pytest
from conftest import ROOT, cli

import kpixl.workbook.atomic as atomic

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("bad", ["2026-13", "foo", "2026-Q5", ""])
@pytest.mark.parametrize("command", [["score"], ["validate"], ["report", "-o", "r.xlsx"], ["explain", "KF002"]])
def test_bad_period_is_a_usage_error(command, bad, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(command[0], DEMO, *command[1:], "--period", bad)
    assert code == 2 and out == ""
    assert "Traceback" not in err and "无效" in err and "invalid period" in err and "2026-Q4" in err
    assert not (tmp_path / "r.xlsx").exists()


def test_bad_period_for_nightly_and_new(tmp_path):
    assert cli("nightly", DEMO, "--out", tmp_path / "o", "--period", "2026-13")[0] == 2
    assert cli("new", "weikang_100", "-o", tmp_path / "n.xlsx", "--period", "foo")[0] == 2
    assert not (tmp_path / "o").exists() and not (tmp_path / "n.xlsx").exists()


def test_output_a_folder_is_a_one_line_message(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    code, _, err = cli("report", DEMO, "-o", folder)
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 3 and "folder" in err and "文件夹" in err
    assert leftovers(folder) == [] and leftovers(tmp_path) == []


def test_disk_full_while_writing(tmp_path, monkeypatch):
    import kpixl.workbook.report_book as report_book

    def full(*a, **k):  # the disk fills while the big sheets' rows are streamed into the file
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report_book, "_splice", full)
    target = tmp_path / "r.xlsx"
    code, _, err = cli("report", DEMO, "-o", target)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    line = err.strip()
    assert str(target) in line and "ENOSPC" in line and "磁盘已满" in line and "The disk is full" in line
    assert not target.exists() and leftovers(tmp_path) == []  # no .tmp left behind


def test_read_only_folder(tmp_path, monkeypatch):
    real_open = os.open

    def refuse(path, flags, *a, **k):  # as a read-only share answers (tests may run as root)
        if str(path).endswith(atomic.TMP_SUFFIX):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(atomic.os, "open", refuse)
    code, _, err = cli("report", DEMO, "-o", tmp_path / "r.xlsx")
    assert code == 2 and "Traceback" not in err
    assert "EACCES" in err and "没有权限" in err and "Permission denied" in err and str(tmp_path / "r.xlsx") in err


def test_stale_temporary_files_of_the_target_are_removed(tmp_path):
    target = tmp_path / "r.xlsx"
    dead = tmp_path / f".r.xlsx.999999999-abcd1234{atomic.TMP_SUFFIX}"   # its process is gone
    live = tmp_path / f".r.xlsx.{os.getpid()}-abcd1234{atomic.TMP_SUFFIX}"  # a writer still running
    legacy = tmp_path / ".r-k3j4h5g6.xlsx.tmp"                             # left by kpixl 0.1 under kill -9
    other = tmp_path / f".other.xlsx.999999999-abcd1234{atomic.TMP_SUFFIX}"  # another target's
    for p in (dead, live, legacy, other):
        p.write_bytes(b"half a zip")
    old = time.time() - 2 * 3600
    os.utime(legacy, (old, old))
    assert cli("report", DEMO, "-o", target)[0] == 0
    assert leftovers(tmp_path) == sorted([live.name, other.name])


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_files_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        assert cli("report", DEMO, "-o", tmp_path / "r.xlsx")[0] == 0
        assert cli("new", "weikang_100", "-o", tmp_path / "2026-10.xlsx")[0] == 0
        assert cli("close", DEMO, "--ledger", tmp_path / "kpixl.db")[0] == 0  # SQLite alone made it 0644
    finally:
        os.umask(old)
    for name in ("r.xlsx", "2026-10.xlsx", "kpixl.db"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask
    assert leftovers(tmp_path) == []  # the ledger's tables were made in a temporary file, now gone


def test_no_command_prints_a_traceback(monkeypatch):
    def bug(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("kpixl.core.engine.score", bug)
    code, out, err = cli("score", DEMO)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "内部错误 internal error: ZeroDivisionError: division by zero" in err
    assert "kpixl --version" in err and "maintainers" in err


def test_argument_errors_exit_2(tmp_path):
    assert cli("nightly", DEMO, "--out", tmp_path / "o", "--jobs", "0")[0] == 2
    for bad in ("-1", "nan", "inf", "abc"):
        assert cli("nightly", DEMO, "--out", tmp_path / "o", "--timeout", bad)[0] == 2
        assert cli("nightly", DEMO, "--out", tmp_path / "o", "--max-memory", bad)[0] == 2
    assert cli("frobnicate")[0] == 2
    assert cli("--help")[0] == 0


def test_terminated_while_writing_leaves_no_temporary_file(tmp_path):
    """`kill` (SIGTERM) of `kpixl report` in the middle of writing: no temp file stays behind."""
    import signal
    import subprocess
    import sys
    import textwrap

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(textwrap.dedent('''
        import time
        import kpixl.workbook.report_book as x
        def slow(*a, **k):
            time.sleep(120)
        x._splice = slow
    '''), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(hook), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "kpixl.cli", "report", str(DEMO), "-o", str(out / "r.xlsx")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 90
    while not leftovers(out) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert leftovers(out), "the report never started writing"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "interrupted" in err and "Traceback" not in err
    assert leftovers(out) == [] and not (out / "r.xlsx").exists()


def test_a_report_named_other_than_xlsx_is_refused(tmp_path):
    """`report -o r.csv` wrote an Excel workbook named .csv, which Excel then cannot open."""
    target = tmp_path / "r.csv"
    code, _, err = cli("report", DEMO, "-o", target)
    assert code == 2 and "must end in .xlsx" in err and not target.exists()


@pytest.mark.parametrize("command", [["report", DEMO], ["new", "weikang_100", "--force"], ["demo", "--force"]])
@pytest.mark.parametrize("linked", [False, True])
def test_an_output_that_is_a_fifo_is_refused_and_left_as_it_is(tmp_path, command, linked):
    """-o onto a FIFO: the rename swapped it for a regular file. Now exit 2 naming it, nothing written,
    the FIFO never opened (that would wait for a reader) and still a FIFO; the same through a link."""
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    target = fifo
    if linked:
        target = tmp_path / "link.xlsx"
        target.symlink_to(fifo)
    code, out, err = cli(*command, "-o", target)
    assert code == 2 and "Traceback" not in err
    assert f"{target} 不是普通文件" in err and f"{target} is not a regular file but " in err and "FIFO" in err
    assert stat.S_ISFIFO(os.stat(target).st_mode) and os.path.islink(target) == linked
    assert leftovers(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == sorted({fifo.name, target.name})


def test_a_ledger_export_onto_a_fifo_is_refused(tmp_path):
    import shutil

    book = tmp_path / "2026-10.xlsx"
    shutil.copy(DEMO, book)
    assert cli("close", book)[0] == 0
    fifo = tmp_path / "ledger.jsonl"
    os.mkfifo(fifo)
    code, _, err = cli("ledger", "export", "--ledger", tmp_path / "kpixl.db", "-o", fifo)
    assert code == 2 and "is not a regular file but a FIFO" in err and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_link_to_a_regular_file_is_replaced_and_its_file_left_as_it_was(tmp_path):
    """The decision for a link (atomic.py): the path named holds the report; the file the link
    pointed to is not written (it may be anyone's file in a shared folder)."""
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me", encoding="utf-8")
    link = tmp_path / "r.xlsx"
    link.symlink_to(elsewhere)
    assert cli("report", DEMO, "-o", link)[0] == 0
    assert not link.is_symlink() and link.read_bytes()[:2] == b"PK"
    assert elsewhere.read_text(encoding="utf-8") == "keep me"


def _one_book_folders(tmp_path):
    """A folder with the demo as a.xlsx, and an empty --out folder."""
    import shutil

    books, out = tmp_path / "books", tmp_path / "out"
    books.mkdir()
    out.mkdir()
    shutil.copy(DEMO, books / "a.xlsx")
    return books, out


def test_nightly_never_replaces_a_fifo_where_a_report_goes(tmp_path):
    books, out = _one_book_folders(tmp_path)
    os.mkfifo(out / "a.report.xlsx")
    code, text, _ = cli("nightly", books, "--out", out)
    assert code == 1 and "is not a regular file but a FIFO" in text and "不是普通文件" in text
    assert stat.S_ISFIFO(os.lstat(out / "a.report.xlsx").st_mode)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_nightly_log_that_is_a_fifo_without_a_reader_is_a_log_failure_not_a_wait(tmp_path):
    # opening it for writing waited for a reader for ever
    books, out = _one_book_folders(tmp_path)
    os.mkfifo(out / "nightly.log")
    code, text, _ = cli("nightly", books, "--out", out)
    assert code == 1 and f"LOG  日志写入失败 could not write the log {out / 'nightly.log'}: OSError:" in text
    assert "OK   " in text and stat.S_ISFIFO(os.lstat(out / "nightly.log").st_mode)
