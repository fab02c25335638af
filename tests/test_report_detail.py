"""The 明细 detail policy (issue 8): up to DETAIL_MAX lines in the workbook, above it every line in
a companion Parquet file beside the report, which 明细 / 总览 / 信息 point to; `kpixl detail`
reads one employee's lines back. The report never writes a sheet over Excel's 1,048,576 rows."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import threading
import zipfile
from decimal import Decimal

import pandas as pd
import pytest
from conftest import ROOT, cli
from openpyxl import load_workbook

from kpixl.core.engine import score
from kpixl.core.errors import WorkbookError
from kpixl.workbook import report_detail
from kpixl.workbook.read import read_workbook
from kpixl.workbook.report import write_report

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"
EXCEL_ROWS = 1_048_576


@pytest.fixture(scope="module")
def demo():
    return score(*read_workbook(DEMO))


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(report_detail, "DETAIL_MAX", 10)


def sheet_rows(path) -> dict[str, int]:
    """Rows per sheet, from each sheet's <dimension> (no full load)."""
    with zipfile.ZipFile(path) as z:
        names = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
        out = {}
        for i, name in enumerate(names):
            xml = z.read(f"xl/worksheets/sheet{i + 1}.xml").decode()
            dim = re.search(r'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"', xml)
            out[name] = int(dim.group(1) or 1)
        return out


def test_the_detail_limit_keeps_a_5k_department_whole_and_fits_excel():
    # a 5,000 x 100,000 month has ~100k-150k lines: still one 明细 sheet; a sheet holds 1,048,576 rows
    assert 150_000 < report_detail.DETAIL_MAX < EXCEL_ROWS - 1


def test_a_detail_over_excels_row_limit_is_not_written_as_one_sheet(tmp_path, demo):
    """The bug of issue 8: 1M+ lines went into ONE 明细 sheet past row 1,048,576 (an invalid workbook)."""
    reps = EXCEL_ROWS // len(demo.ledger) + 1
    big = dataclasses.replace(demo, _ledger=pd.concat([demo.ledger] * reps, ignore_index=True), _ledger_index=None)
    n = len(big.ledger) + len(big.money)
    assert n > EXCEL_ROWS
    out = write_report(big, tmp_path / "big.xlsx", DEMO)
    assert max(sheet_rows(out).values()) <= EXCEL_ROWS
    lines = report_detail.read_lines(tmp_path / "big.detail.parquet")
    assert len(lines) == n  # every line stays reachable


def test_over_the_limit_every_line_is_in_the_companion_exactly(tmp_path, demo, small_limit):
    out = write_report(demo, tmp_path / "月报.xlsx", DEMO)
    companion = tmp_path / "月报.detail.parquet"
    assert companion.is_file()
    lines = report_detail.read_lines(companion)
    assert len(lines) == 49 + 3  # the demo's 49 contributions and 3 money lines
    kf002 = lines[lines["employee"] == "KF002"]
    # SCHEMES.md S1 worked example (甲 = KF002): 100 - 15 - 2 - 4.2 + 10 = 88.8, i.e. counted lines sum to -11.2
    assert sum(kf002["counted"], Decimal(0)) == Decimal("-11.2")
    late = kf002[kf002["source"] == "事件!C2"].iloc[0]
    assert late["rule"] == "ATT_LATE" and late["counted"] == Decimal("-5") and str(late["date"]) == "2026-10-08"
    # money exact to the cent: KF005 8% and 5% of 3,200; KF009 5% of 3,000
    assert sorted(lines["yuan"].dropna()) == [Decimal("150.00"), Decimal("256.00"), Decimal("320.00")]
    assert lines.loc[lines["yuan"].notna(), "points"].isna().all()

    wb = load_workbook(out)
    # statements list every line, so they are left out too (and say so)
    assert wb.sheetnames == ["总览", "报表", "明细", "标记", "问题", "信息"]
    notice = " ".join(str(c.value) for row in wb["明细"].iter_rows() for c in row if c.value)
    for text in ("月报.detail.parquet", "kpixl detail 月报.detail.parquet --employee", "kpixl explain", "52"):
        assert text in notice
    summary = " ".join(str(c.value) for row in wb["总览"].iter_rows() for c in row if c.value)
    assert "月报.detail.parquet" in summary and "--employee" in summary
    about = {r[0]: r[1] for r in wb["信息"].iter_rows(min_row=2, values_only=True)}
    assert "月报.detail.parquet" in about["明细 / Detail"] and about["明细行数 / Detail lines"] == "52"
    assert "Statements left out" in about["考核单 / Statements"]


def test_under_the_limit_the_detail_is_in_the_workbook_and_an_old_companion_goes(tmp_path, demo, small_limit):
    write_report(demo, tmp_path / "r.xlsx", DEMO)
    assert (tmp_path / "r.detail.parquet").is_file()
    report_detail.DETAIL_MAX = 1000  # the next month fits (monkeypatch restores it)
    out = write_report(demo, tmp_path / "r.xlsx", DEMO)
    assert not (tmp_path / "r.detail.parquet").exists()  # it described the old report
    assert sheet_rows(out)["明细"] == 1 + 52
    (tmp_path / "r.detail.parquet").write_bytes(b"someone's own file")  # not a kpixl detail file: kept
    write_report(demo, tmp_path / "r.xlsx", DEMO)
    assert (tmp_path / "r.detail.parquet").read_bytes() == b"someone's own file"


def test_companion_and_report_appear_together_or_not_at_all(tmp_path, demo, small_limit, monkeypatch):
    from kpixl.workbook import report_book

    def boom(self, path, **_):
        raise OSError(28, "No space left on device", str(path))

    real = report_book.ReportBook.save
    monkeypatch.setattr(report_book.ReportBook, "save", boom)
    with pytest.raises(OSError) as failed:
        write_report(demo, tmp_path / "r.xlsx", DEMO)
    assert failed.value.filename == str(tmp_path / "r.xlsx")  # the error names the report, not a temp file
    assert list(tmp_path.iterdir()) == []  # no companion, no temporary file
    # the companion (written in a second thread beside the workbook) fails: neither appears either
    monkeypatch.setattr(report_book.ReportBook, "save", real)

    def no_room(result, path):
        raise OSError(28, "No space left on device", str(path))
    monkeypatch.setattr(report_detail, "write_companion", no_room)
    with pytest.raises(OSError) as failed:
        write_report(demo, tmp_path / "r.xlsx", DEMO)
    assert failed.value.filename == str(tmp_path / "r.detail.parquet")
    assert list(tmp_path.iterdir()) == []


def test_a_sheet_that_fails_while_the_companion_is_written_leaves_neither(tmp_path, demo, small_limit, monkeypatch):
    # the companion's thread starts before the sheets are built: a failure there waits for it and
    # removes both temporary files
    from kpixl.workbook import report

    def boom(*_, **__):
        raise RuntimeError("a sheet failed")
    monkeypatch.setattr(report, "report_sheet", boom)
    with pytest.raises(RuntimeError, match="a sheet failed"):
        write_report(demo, tmp_path / "r.xlsx", DEMO)
    assert list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "kpixl-companion"]


def test_companion_follows_the_umask(tmp_path, demo, small_limit):
    old = os.umask(0o027)
    try:
        write_report(demo, tmp_path / "r.xlsx", DEMO)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.detail.parquet").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "r.xlsx").stat().st_mode) == 0o640


def test_companion_never_replaces_the_input(tmp_path, demo, small_limit):
    book = tmp_path / "book.xlsx"
    book.write_bytes(DEMO.read_bytes())
    (tmp_path / "r.detail.parquet").symlink_to(book)
    with pytest.raises(WorkbookError):
        write_report(demo, tmp_path / "r.xlsx", book)
    assert book.read_bytes() == DEMO.read_bytes()


def test_formula_like_text_stays_text_in_the_companion_and_its_workbook(tmp_path, demo, small_limit):
    led = demo.ledger.copy()
    led.loc[led.index[0], "employee"] = "=HYPERLINK(\"x\")"
    led.loc[led.index[0], "text_zh"] = "+86 138"
    led.loc[led.index[0], "date"] = pd.NaT  # a line without a date stays without one
    odd = dataclasses.replace(demo, _ledger=led, _ledger_index=None)
    write_report(odd, tmp_path / "r.xlsx", DEMO)
    companion = tmp_path / "r.detail.parquet"
    lines = report_detail.read_lines(companion, '=HYPERLINK("x")')
    assert list(lines["note"]) == ["+86 138"] and lines["date"].isna().all()
    code, out, _ = cli("detail", companion, "--employee", '=HYPERLINK("x")', "-o", tmp_path / "one.xlsx")
    assert code == 0
    ws = load_workbook(tmp_path / "one.xlsx").active
    row = [c.value for c in ws[2]]
    assert row[0] == '=HYPERLINK("x")' and row[-1] == "+86 138" and row[4] is None
    with zipfile.ZipFile(tmp_path / "one.xlsx") as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


def test_kpixl_detail_prints_one_employees_lines(tmp_path, small_limit):
    code, out, _ = cli("report", DEMO, "-o", tmp_path / "r.xlsx")
    companion = tmp_path / "r.detail.parquet"
    assert code == 0 and f"明细 detail: {companion} (52 行 lines" in out
    code, out, err = cli("detail", companion, "--employee", "KF002")
    assert code == 0, err
    assert out.splitlines()[0].startswith("KF002: 8 行 lines")
    late = next(line for line in out.splitlines() if line.startswith("事件!C2 "))
    assert "ATT_LATE" in late and "2026-10-08" in late and late.split()[-1] == "-5"
    code, out, err = cli("detail", companion, "--employee", "NOBODY")
    assert code == 1 and "NOBODY" in err and "check the ID" in err
    code, _, err = cli("detail", DEMO, "--employee", "KF002")  # a workbook, not a detail file
    assert code == 2 and "not a kpixl detail file" in err and "Traceback" not in err
    code, _, err = cli("detail", tmp_path / "missing.parquet", "--employee", "KF002")
    assert code == 2 and "missing.parquet" in err
    code, _, err = cli("detail", companion)
    assert code == 2


def test_nightly_writes_the_companion_beside_the_report_and_drops_it_for_a_failed_book(tmp_path, small_limit):
    from kpixl.batch import find_workbooks, process_workbook

    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    out.mkdir()
    book = inbox / "十月.xlsx"
    book.write_bytes(DEMO.read_bytes())
    report = out / "十月.report.xlsx"
    assert process_workbook(str(book), str(report)).status == "ok"
    assert (out / "十月.report.detail.parquet").is_file()
    assert find_workbooks([tmp_path], out) == [book]  # neither the report nor its companion is an input
    book.write_bytes(b"not a workbook")
    assert process_workbook(str(book), str(report)).status == "failed"
    assert sorted(p.name for p in out.iterdir()) == ["十月.report.xlsx"]  # the old companion went with the old report


def test_a_stopped_worker_leaves_no_companion_temp_file(tmp_path):
    from kpixl.batch import _error_report

    out = tmp_path / "十月.report.xlsx"
    dead = 2 ** 22 + 12345  # above the usual pid_max: no such process
    left = tmp_path / f".十月.report.detail.parquet.{dead}-0a1b2c3d.kpixl-tmp"
    left.write_bytes(b"half a parquet file")
    report, _ = _error_report("十月.xlsx", str(out), [], "timeout")
    assert report == str(out) and not left.exists()
