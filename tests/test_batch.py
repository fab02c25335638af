"""The nightly job: one bad workbook never stops the run; every workbook gets a report and a log line."""

from __future__ import annotations

import io
import json
import shutil

from conftest import ROOT, cli, make_book
from openpyxl import Workbook, load_workbook

from kpixl.batch import run_nightly

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"


def folder(tmp_path):
    books = tmp_path / "in"
    books.mkdir()
    shutil.copy(DEMO, books / "a_good.xlsx")
    make_book(books / "b_errors.xlsx", "weikang_100", employees=[{"id": "E1", "name": "甲"}],
              events=[{"date": "2026-10-03", "employee": "E1", "rule": "NOPE"}])
    (books / "c_corrupt.xlsx").write_text("this is not a zip file")
    wb = Workbook()
    wb.active.title = "随便"
    wb.save(books / "d_no_scheme.xlsx")
    (books / "~$a_good.xlsx").write_text("excel lock file")  # skipped
    return books


def test_nightly_goes_on_after_bad_workbooks(tmp_path):
    books = folder(tmp_path)
    before = {p.name: p.read_bytes() for p in books.iterdir()}
    out = tmp_path / "out"
    stream = io.StringIO()
    summary = run_nightly([books], out, stream=stream)
    status = {o.source.split("/")[-1]: o.status for o in summary.outcomes}
    # b_errors is read, scored (its one employee withheld) and reported: with problems; FAIL is a book
    # that could not be read or reported
    assert status == {"a_good.xlsx": "ok", "b_errors.xlsx": "problems", "c_corrupt.xlsx": "failed",
                      "d_no_scheme.xlsx": "failed"}
    assert not summary.all_ok
    for name in ("a_good", "b_errors", "c_corrupt", "d_no_scheme"):
        assert (out / f"{name}.report.xlsx").is_file()
    assert load_workbook(out / "a_good.report.xlsx").sheetnames[:2] == ["总览", "报表"]  # summary first (issue 9)
    assert load_workbook(out / "c_corrupt.report.xlsx").sheetnames == ["问题", "信息"]
    issues = [r for r in load_workbook(out / "d_no_scheme.report.xlsx")["问题"].iter_rows(min_row=2, values_only=True)]
    assert "SCHEME" in issues[0][6]  # the fix says to add the SCHEME parameter
    log = [json.loads(line) for line in (out / "nightly.log").read_text(encoding="utf-8").splitlines()]
    assert [e["status"] for e in log] == ["ok", "problems", "failed", "failed"]
    assert {p.name: p.read_bytes() for p in books.iterdir()} == before  # inputs never modified
    assert stream.getvalue().splitlines()[-1].startswith("4 个工作簿 workbooks: 1 ok, 1 有问题 with problems, 2 失败 failed")


def test_nightly_in_parallel_and_exit_code(tmp_path):
    books = folder(tmp_path)
    code, out, _ = cli("nightly", books, "--out", tmp_path / "out", "--jobs", "2")
    assert code == 1
    assert out.count("FAIL ") == 2 and out.count("WARN ") == 1 and out.count("OK   ") == 1


def test_internal_error_is_contained(tmp_path, monkeypatch):
    from kpixl.batch import process_workbook

    def boom(*a, **k):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr("kpixl.core.engine.score", boom)
    o = process_workbook(str(DEMO), str(tmp_path / "r.xlsx"))
    assert o.status == "failed" and "ZeroDivisionError" in o.message
    assert (tmp_path / "r.xlsx").is_file()


def test_nightly_finds_xlsm_and_skips_its_own_outputs(tmp_path):
    books = tmp_path / "in"
    books.mkdir()
    shutil.copy(DEMO, books / "a.xlsx")
    shutil.copy(DEMO, books / "b.xlsm")  # macro workbooks are workbooks too
    out = books / "reports"               # the output folder inside the input folder
    code, first, _ = cli("nightly", books, "--out", out)
    assert code == 0 and first.count("OK   ") == 2 and (out / "b.report.xlsx").is_file()
    shutil.copy(out / "a.report.xlsx", books / "old.report.xlsx")  # a report copied next to the books
    (books / ".a.xlsx.12345-abcd.kpixl-tmp").write_bytes(b"a killed run's temp file")
    code, second, _ = cli("nightly", books, "--out", out)
    assert code == 0 and second.count("OK   ") == 2
    assert ".report.report" not in second and "kpixl-tmp" not in second and "old.report" not in second
    assert not list(out.glob("*.report.report.xlsx"))


def test_missing_input_folder_is_a_usage_error(tmp_path):
    code, out, _ = cli("nightly", tmp_path / "nope", "--out", tmp_path / "out")
    assert code == 2 and "nope" in out and "no such file or folder" in out


def test_empty_input_folder_finds_no_workbook(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.txt").write_text("not a workbook")
    code, out, _ = cli("nightly", tmp_path / "in", "--out", tmp_path / "out")
    assert code == 1 and "no workbook (.xlsx/.xlsm) found" in out and "没有找到工作簿" in out


def test_truncated_workbook_is_one_short_line(tmp_path):
    books = tmp_path / "in"
    books.mkdir()
    (books / "cut.xlsx").write_bytes(DEMO.read_bytes()[:20000])
    stream = io.StringIO()
    run_nightly([books], tmp_path / "out", stream=stream)
    line = next(x for x in stream.getvalue().splitlines() if x.startswith("FAIL"))
    message = line.split(" · ")[-1]
    assert len(message) <= 200 and "cut.xlsx" in message
    assert (tmp_path / "out" / "cut.report.xlsx").is_file()


def test_console_line_counts_out_of_period_warnings(tmp_path):
    book = make_book(tmp_path / "2026-10.xlsx", "weikang_100", employees=[{"id": "E1", "name": "甲", "role": "客服"}],
                     events=[{"date": "2026-10-03", "employee": "E1", "rule": "ATT_LATE"},
                             {"date": "2026-09-03", "employee": "E1", "rule": "ATT_LATE"}],
                     parameters={"LEARNING_ACTIVITIES_HELD": 0})
    stream = io.StringIO()
    summary = run_nightly([book], tmp_path / "out", stream=stream)
    (o,) = summary.outcomes
    assert o.out_of_period >= 1 and o.warnings >= o.out_of_period
    assert f"{o.warnings} warnings ({o.out_of_period} out of period)" in stream.getvalue()


def test_symlink_loops_do_not_hang_the_search(tmp_path):
    from kpixl.batch import find_workbooks

    books = tmp_path / "in"
    (books / "sub").mkdir(parents=True)
    shutil.copy(DEMO, books / "sub" / "a.xlsx")
    (books / "sub" / "loop1").symlink_to(books)
    (books / "sub" / "loop2").symlink_to(books / "sub")
    (books / ".hidden").mkdir()
    shutil.copy(DEMO, books / ".hidden" / "h.xlsx")
    assert [p.name for p in find_workbooks([books])] == ["a.xlsx"]


def test_an_xls_or_password_protected_workbook_says_so(tmp_path):
    """An old .xls renamed .xlsx and a workbook encrypted with an open password are both OLE compound
    files: they were reported as "damaged (BadZipFile)", which sends the clerk looking for damage."""
    book = tmp_path / "加密.xlsx"
    book.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(4088))
    for engine in ("fastexcel", "openpyxl"):
        code, out, err = cli("score", book, "--engine", engine)
        assert code == 2 and "Traceback" not in out + err
        assert "old .xls workbook, or one protected by a password" in err and "BadZipFile" not in err
