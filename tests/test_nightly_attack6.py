"""QA attack 6 on the nightly job: a file name that is not UTF-8, an input workbook where a report
goes, files that are not read, ``--log`` onto a workbook, tracebacks, an output folder that cannot
be written, and the messages of a stopped or out-of-memory worker."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import textwrap

import pytest
from conftest import ROOT, cli

from kpixl.batch import failed_outcome, process_workbook, run_nightly
from kpixl.workers import Failure

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"
QA = ROOT / "workbook_templates" / "demo" / "qa_accuracy_demo.xlsx"  # another kpixl input workbook
GBK = os.fsdecode(b"\xbf\xcd\xb7\xfe2026-10.xlsx")  # 客服2026-10.xlsx in GBK bytes, as a Samba share leaves it


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def log_of(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ----------------------------------------------------------------------------- 2. a non-UTF-8 file name


def test_a_file_name_that_is_not_utf8_does_not_stop_the_run(tmp_path):
    books = tmp_path / "in"
    (books / "a").mkdir(parents=True)
    try:
        shutil.copy(DEMO, books / "a" / GBK)
    except (OSError, UnicodeEncodeError):  # pragma: no cover - a file system that refuses such names
        pytest.skip("the file system refuses non-UTF-8 names")
    shutil.copy(DEMO, books / "b-2026-10.xlsx")
    out = tmp_path / "out"
    code, text, err = cli("nightly", books, "--out", out)
    assert "internal error" not in text + err and "Traceback" not in text + err
    text.encode("utf-8")  # every console line is printable (no lone surrogates)
    assert code == 0, text + err
    assert text.splitlines()[-1].startswith("2 个工作簿 workbooks: 2 ok")
    assert "\\xbf" in text  # the name shown with its bytes escaped
    log = log_of(out / "nightly.log")
    assert [e["status"] for e in log] == ["ok", "ok"]
    assert any("\\xbf" in e["source"] for e in log)
    assert sorted(os.listdir(out)) == sorted(["a", "b-2026-10.report.xlsx", "nightly.log"])
    assert os.listdir(out / "a") == [GBK[:-5] + ".report.xlsx"]  # the subfolder mirrored under --out
    assert not [n for n in os.listdir(books / "a") if n != GBK]


# ----------------------------------------------------------------------------- 4. never replace an input workbook


def test_an_input_workbook_where_a_report_goes_is_not_replaced(tmp_path):
    books = tmp_path / "in"
    books.mkdir()
    shutil.copy(DEMO, books / "kefu.xlsx")
    shutil.copy(QA, books / "kefu.report.xlsx")  # a real input workbook, named like kefu.xlsx's report
    shutil.copy(DEMO, books / "other.xlsx")
    before = digest(books / "kefu.report.xlsx")
    stream = io.StringIO()
    summary = run_nightly([books], books, stream=stream)
    assert digest(books / "kefu.report.xlsx") == before
    by_name = {os.path.basename(o.source): o for o in summary.outcomes}
    kefu = by_name["kefu.xlsx"]
    assert kefu.status == "failed" and kefu.report == ""
    assert "not overwritten" in kefu.message and "未覆盖" in kefu.message
    assert by_name["other.xlsx"].status == "ok" and (books / "other.report.xlsx").is_file()  # the others go on
    assert summary.exit_code == 1


def test_a_worker_failure_never_writes_its_error_report_onto_an_input(tmp_path):
    target = tmp_path / "kefu.report.xlsx"
    shutil.copy(QA, target)
    before = digest(target)
    o = failed_outcome(str(DEMO), str(target), Failure("timeout", "", seconds=9), 8, 4)
    assert digest(target) == before and o.report == "" and "not overwritten" in o.message


def test_process_workbook_refuses_an_input_target(tmp_path):
    target = tmp_path / "r.xlsx"
    shutil.copy(QA, target)
    before = digest(target)
    o = process_workbook(str(DEMO), str(target))
    assert o.status == "failed" and o.report == "" and digest(target) == before


def test_files_not_read_are_listed_as_skipped(tmp_path):
    books = tmp_path / "in"
    books.mkdir()
    shutil.copy(QA, books / "qa.report.xlsx")  # an input named like a report
    (books / "old.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 100)
    out = tmp_path / "out"
    code, text, _ = cli("nightly", books, "--out", out)
    assert code == 1
    assert "no workbook (.xlsx/.xlsm) found" not in text
    skip = [line for line in text.splitlines() if line.startswith("SKIP ")]
    assert len(skip) == 2
    assert any("qa.report.xlsx" in s and "rename it" in s and "请改名" in s for s in skip)
    assert any("old.xls" in s and "save it as .xlsx" in s and "另存为 .xlsx" in s for s in skip)
    assert "2 跳过 skipped" in text.splitlines()[-1]
    assert sorted((e["source"].split("/")[-1], e["status"]) for e in log_of(out / "nightly.log")) == [
        ("old.xls", "skipped"), ("qa.report.xlsx", "skipped")]


def test_a_link_to_nothing_a_fifo_and_an_ods_are_reported_not_ignored(tmp_path):
    # they were silently left out and the run exited 0
    books = tmp_path / "in"
    books.mkdir()
    shutil.copy(DEMO, books / "good.xlsx")
    (books / "gone.xlsx").symlink_to(tmp_path / "moved-away.xlsx")
    os.mkfifo(books / "pipe.xlsx")
    (books / "calc.ods").write_bytes(b"PK\x03\x04" + b"\0" * 100)
    (books / "~$good.xlsx").write_bytes(b"lock")  # Excel's lock file and hidden files are not workbooks
    (books / ".gone.xlsx").symlink_to(tmp_path / "nothing.xlsx")
    out = tmp_path / "out"
    code, text, _ = cli("nightly", books, "--out", out)
    assert code == 1
    lines = {line.split()[1].rsplit("/", 1)[-1]: line for line in text.splitlines()[:-1]}
    assert sorted(lines) == ["calc.ods", "gone.xlsx", "good.xlsx", "pipe.xlsx"]
    assert lines["gone.xlsx"].startswith("FAIL ") and lines["gone.xlsx"].endswith(
        f"链接指向的文件不存在（{tmp_path / 'moved-away.xlsx'}），未读取：修正或删除这个链接 / a link to a file that "
        f"does not exist ({tmp_path / 'moved-away.xlsx'}); not read: fix or remove the link")
    assert lines["pipe.xlsx"].startswith("FAIL ") and "not a regular file (e.g. a named pipe); not read" in lines["pipe.xlsx"]
    assert lines["calc.ods"].startswith("SKIP ") and "save it as .xlsx in Excel, WPS or LibreOffice" in lines["calc.ods"]
    assert lines["good.xlsx"].startswith("OK ")
    assert "3 个工作簿 workbooks: 1 ok, 0 有问题 with problems, 2 失败 failed" in text.splitlines()[-1]
    assert sorted((e["source"].rsplit("/", 1)[-1], e["status"]) for e in log_of(out / "nightly.log")) == [
        ("calc.ods", "skipped"), ("gone.xlsx", "failed"), ("good.xlsx", "ok"), ("pipe.xlsx", "failed")]


def test_a_kpixl_report_beside_the_books_is_not_listed(tmp_path):
    books = tmp_path / "in"
    books.mkdir()
    shutil.copy(DEMO, books / "a.xlsx")
    code, _, _ = cli("nightly", books, "--out", tmp_path / "out")
    assert code == 0
    shutil.copy(tmp_path / "out" / "a.report.xlsx", books / "old.report.xlsx")  # a report, not an input
    code, text, _ = cli("nightly", books, "--out", tmp_path / "out")
    assert code == 0 and "SKIP" not in text and "skipped" not in text


# ----------------------------------------------------------------------------- 5. --log onto a workbook


@pytest.mark.parametrize("which", ["input", "other_input", "new_xlsx", "folder"])
def test_log_onto_a_workbook_is_a_usage_error(tmp_path, which):
    books = tmp_path / "in"
    books.mkdir()
    shutil.copy(DEMO, books / "2026-10.xlsx")
    shutil.copy(QA, tmp_path / "qa.xlsx")
    log = {"input": books / "2026-10.xlsx", "other_input": tmp_path / "qa.xlsx", "new_xlsx": tmp_path / "log.xlsx",
           "folder": books}[which]
    hashes = {p: digest(p) for p in (books / "2026-10.xlsx", tmp_path / "qa.xlsx")}
    code, text, err = cli("nightly", books, "--out", tmp_path / "out", "--log", log)
    assert code == 2, text
    line = next(x for x in text.splitlines() if x.startswith("FAIL --log"))
    assert "--log" in line and any("\u4e00" <= c <= "\u9fff" for c in line.split(" / ")[0])
    assert {p: digest(p) for p in hashes} == hashes
    assert not (tmp_path / "log.xlsx").exists() and not (tmp_path / "out").exists()


def test_an_ordinary_log_file_is_still_accepted(tmp_path):
    shutil.copy(DEMO, tmp_path / "a.xlsx")
    code, _, _ = cli("nightly", tmp_path / "a.xlsx", "--out", tmp_path / "out", "--log", tmp_path / "run.log")
    assert code == 0 and len(log_of(tmp_path / "run.log")) == 1


# ----------------------------------------------------------------------------- 8. no traceback text

HOOK = textwrap.dedent('''
    import os
    import kpixl.workbook.read as _read

    _real = _read.read_workbook

    def read_workbook(path, *a, **k):
        if os.path.basename(str(path)).startswith("bug"):
            raise RuntimeError("injected bug")
        return _real(path, *a, **k)

    _read.read_workbook = read_workbook
''')


@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_is_one_bilingual_line_without_traceback(tmp_path, monkeypatch, debug):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(hook) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if debug:
        monkeypatch.setenv("KPIXL_DEBUG", "1")
    else:
        monkeypatch.delenv("KPIXL_DEBUG", raising=False)
    books = tmp_path / "in"
    books.mkdir()
    shutil.copy(DEMO, books / "bug.xlsx")
    shutil.copy(DEMO, books / "good.xlsx")
    out, stream = tmp_path / "out", io.StringIO()
    summary = run_nightly([books], out, stream=stream)
    assert [o.status for o in summary.outcomes] == ["failed", "ok"]
    line = next(x for x in stream.getvalue().splitlines() if x.startswith("FAIL"))
    assert "内部错误" in line and "Internal error" in line and "RuntimeError" in line
    assert line.index("内部错误") < line.index("Internal error")  # Chinese first
    logged = (out / "nightly.log").read_text(encoding="utf-8")
    assert ("Traceback" in stream.getvalue() + logged) is debug


# ----------------------------------------------------------------------------- 11. an output folder that cannot be written


def _unwritable_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        (ro / "probe").write_text("x")
    except OSError:
        return ro
    (ro / "probe").unlink()
    if os.path.isdir("/sys/kernel"):  # root: chmod has no effect; sysfs refuses new files
        try:
            fd, probe = tempfile.mkstemp(dir="/sys/kernel")
        except OSError:
            return "/sys/kernel"
        os.close(fd)
        os.unlink(probe)
    pytest.skip("no folder that cannot be written here")


def test_an_output_folder_that_cannot_be_written_is_a_usage_error(tmp_path):
    shutil.copy(DEMO, tmp_path / "a.xlsx")
    out = _unwritable_folder(tmp_path)
    try:
        code, text, _ = cli("nightly", tmp_path / "a.xlsx", "--out", out)
    finally:
        (tmp_path / "ro").chmod(0o755)
    assert code == 2
    assert "cannot be written" in text and "无法写入" in text
    assert not [x for x in text.splitlines() if x.startswith(("OK", "FAIL " + str(tmp_path / "a.xlsx")))]


def test_a_report_that_cannot_be_written_is_said_once_in_both_languages(tmp_path, monkeypatch):
    # the Issues report tried after it failed the same way, and its raw PermissionError repr was appended
    import errno

    import kpixl.workbook.atomic as atomic

    real_open = os.open

    def refuse(path, flags, *a, **k):  # as a folder the run may not write answers (tests may run as root)
        if str(path).endswith(atomic.TMP_SUFFIX):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(atomic.os, "open", refuse)
    target = tmp_path / "ro" / "a.report.xlsx"
    o = process_workbook(str(DEMO), str(target))
    assert o.status == "failed" and o.report == "" and o.scored == 12
    assert o.message == (f"已计分 scored 12/12，但报表未写入 report not written: {target}: 文件操作失败：Permission denied"
                         "（EACCES）。 / File operation failed: Permission denied (EACCES).")


# ----------------------------------------------------------------------------- 12. messages zh / en


def test_the_timeout_message_is_chinese_first(tmp_path):
    o = failed_outcome(str(DEMO), str(tmp_path / "r.xlsx"), Failure("timeout", "", seconds=9), 8, 4)
    assert o.message.startswith("处理超过时间上限 8 秒") and "time limit of 8 s" in o.message


def test_out_of_memory_at_start_up_is_one_bilingual_line(tmp_path):
    stderr = ("Traceback (most recent call last):\n  File \"numpy/core/__init__.py\"\nImportError: ... Original error "
              "was: libscipy_openblas64_.so: failed to map segment from shared object\n")
    o = failed_outcome(str(DEMO), str(tmp_path / "r.xlsx"), Failure("exit", "1", stderr, 0.1), 300, 0.05)
    assert o.message.startswith("处理进程内存不足") and "out of memory" in o.message and "0.05 GB" in o.message
    assert "map segment" not in o.message and "Traceback" not in o.message and "\n" not in o.message


def test_out_of_memory_in_a_real_worker(tmp_path):
    shutil.copy(DEMO, tmp_path / "a.xlsx")
    summary = run_nightly([tmp_path / "a.xlsx"], tmp_path / "out", max_memory=0.05, stream=io.StringIO())
    (o,) = summary.outcomes
    assert o.status == "failed"
    assert "内存" in o.message and ("memory" in o.message.lower() or "MemoryError" in o.message)
    assert "Traceback" not in o.message and "failed to map segment" not in o.message
