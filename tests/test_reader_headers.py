"""Headers and sheets on both engines (issue 7 "Headers", "Two sheets for one role", "Stale
<dimension>"): an unknown header is a warning naming its cell and the expected headers; a
repeated known header is an error; a missing optional column the rows need is an error; two
sheets for one role are an error naming both; a stale dimension never drops rows."""

from __future__ import annotations

import re
import zipfile

import pytest
from openpyxl import load_workbook
from reader_fixtures import EVENTS, book, edit, rewrite_part, sheet_part

from kpixl.core.engine import score
from kpixl.workbook.read import read_workbook

ENGINES = ["fastexcel", "openpyxl"]
OVERTIME = EVENTS + [{"date": "2026-10-12", "employee": "E1", "rule": "BON_OVERTIME", "qty": 3}]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("header", ["Quantity", "數量", "Qty", "数量"])
def test_obvious_qty_headers_are_aliases(tmp_book, engine, header):
    path = book(tmp_book, events=OVERTIME)
    edit(path, "事件", {"D1": header})
    scheme, inputs = read_workbook(path, engine=engine)
    assert inputs.events.frame["qty"].tolist()[-1] == 3 and not inputs.problems
    # E1: 100 - 5 (ATT_LATE) - 4 (BIZ_SOP_ERROR) + 3 (LRN, R-WK-9) + 3 hours overtime (R-WK-12) = 97
    assert score(scheme, inputs).employee("E1").values["score"] == 97


@pytest.mark.parametrize("engine", ENGINES)
def test_renamed_qty_header_is_a_warning_and_a_per_unit_row_an_error(tmp_book, engine):
    path = book(tmp_book, events=OVERTIME)
    edit(path, "事件", {"D1": "次数"})
    scheme, inputs = read_workbook(path, engine=engine)
    (warn,) = [p for p in inputs.problems if p.code == "unknown_column"]
    assert warn.where == "事件!D1 / Events!D1" and warn.severity == "warning"
    assert "'次数'" in warn.en and "数量 / Qty" in warn.fix_en
    (err,) = [p for p in inputs.problems if p.code == "needed_column_missing"]
    assert err.is_error and "BON_OVERTIME" in err.en and "数量 / Qty" in err.en
    r = score(scheme, inputs)
    assert not any(e.ok for e in r.employees)  # never 1 hour instead of 3


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_qty_column_is_fine_when_every_row_counts_occurrences(tmp_book, engine):
    path = book(tmp_book)
    wb = load_workbook(path)
    wb["事件"].delete_cols(4)  # 数量 removed; ATT_LATE, BIZ_SOP_ERROR, CONS_REPORT_LATE count occurrences
    wb.save(path)
    scheme, inputs = read_workbook(path, engine=engine)
    assert not [p for p in inputs.problems if p.is_error]
    assert score(scheme, inputs).employee("E1").values["score"] == 94


@pytest.mark.parametrize("engine", ENGINES)
def test_duplicated_known_header_is_an_error(tmp_book, engine):
    path = book(tmp_book)
    edit(path, "事件", {"G1": "数量 / Qty", "G2": 5})
    _, inputs = read_workbook(path, engine=engine)
    (p,) = [p for p in inputs.problems if p.code == "duplicate_column"]
    assert p.where == "事件!G1 / Events!G1" and p.is_error and "事件!D1" in p.en


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("second,copied", [
    ("Events", False), ("events ", False), (" 事件", False),
    # a clerk copies 事件 (Excel names it 事件 (2)), hides the original and edits the copy: kpixl read
    # the original and ignored the copy, silently; which one is meant cannot be told
    ("事件 (2)", True), ("事件（2）", True), ("事件_2", True), ("事件 - 副本", True), ("Copy of Events", True),
    ("Events (3)", True)])
def test_two_sheets_for_one_role_is_an_error_naming_both(tmp_book, engine, second, copied):
    path = book(tmp_book)
    wb = load_workbook(path)
    if copied:
        wb.copy_worksheet(wb["事件"]).title = second
        wb["事件"].sheet_state = "hidden"
    else:
        wb.create_sheet(second).append(["日期", "工号", "规则代码"])
    wb.save(path)
    scheme, inputs = read_workbook(path, engine=engine)
    (p,) = [p for p in inputs.problems if p.code == "ambiguous_sheet"]
    assert "'事件'" in p.en and repr(second) in p.en and p.is_error
    assert not any(e.ok for e in score(scheme, inputs).employees)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_copied_sheet_alone_is_read(tmp_book, engine):
    path = book(tmp_book)
    before = read_workbook(path, engine=engine)[1].events.frame
    wb = load_workbook(path)
    wb["事件"].title = "事件 (2)"
    wb.save(path)
    _, inputs = read_workbook(path, engine=engine)
    assert not [p for p in inputs.problems if p.code == "ambiguous_sheet"]
    assert inputs.events.name == "事件 (2)" and len(inputs.events.frame) == len(before) > 0


def test_copies_of_kpixls_own_sheets_are_no_inputs():
    from kpixl.workbook.read import find_sheets

    names = ["说明", "说明 (2)", "报表", "报表 (2)", "事件", "事件记录", "2事件"]
    assert (find_sheets(names, "guide"), find_sheets(names, "report"), find_sheets(names, "events")) == \
        (["说明"], ["报表"], ["事件"])


@pytest.mark.parametrize("engine", ENGINES)
def test_stale_dimension_never_drops_rows(tmp_book, engine):
    events = [{"date": "2026-10-08", "employee": "E1", "rule": "ATT_LATE"}] * 200
    path = book(tmp_book, events=events)
    rewrite_part(path, sheet_part(path, "事件"), lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:F3"', d))
    assert b'<dimension ref="A1:F3"' in zipfile.ZipFile(path).read(sheet_part(path, "事件"))
    _, inputs = read_workbook(path, engine=engine)
    assert len(inputs.events.frame) == 200


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_value_column_with_a_range_rule_is_an_error(tmp_book, engine):
    path = book(tmp_book)  # BIZ_SOP_ERROR: value = points deducted, 1-10 (SCHEMES.md S1 inputs table)
    wb = load_workbook(path)
    wb["事件"].delete_cols(5)
    wb.save(path)
    _, inputs = read_workbook(path, engine=engine)
    (p,) = [p for p in inputs.problems if p.code == "needed_column_missing"]
    assert "取值 / Value" in p.en and "BIZ_SOP_ERROR" in p.en and p.where == "事件 / Events 第3行 / row 3"
