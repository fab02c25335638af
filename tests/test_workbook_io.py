"""Real .xlsx workbooks: every reader engine sees the same inputs and reports the same cells;
clerk edits of the rule table take effect; bad cells are located."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import cli
from openpyxl import load_workbook
from reader_fixtures import EVENTS, book, edit

from kpixl.core.engine import score
from kpixl.workbook.read import read_workbook

ENGINES = ["fastexcel", "openpyxl"]


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_read_the_same_scores(tmp_book, engine):
    path = book(tmp_book)
    scheme, inputs = read_workbook(path, engine=engine)
    r = score(scheme, inputs)
    # E1: 100 - 5 - 4 = 91 (no 全勤: ATT event; LRN +3 (R-WK-9); no dept bonus: BIZ_SOP_ERROR) = 94
    assert r.employee("E1").values["score"] == 94
    # 1002 typed as a number in Excel still matches the event's employee id
    assert r.employee("1002").values["score"] == 108  # 100 + 5 + 3
    assert r.employee("1002").values["money.deductions"] == Decimal("150.00")
    assert r.ledger_of("E1")["where"].tolist()[:2] == ["事件!C2", "事件!C3"]


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_cells_are_located_identically(tmp_book, engine):
    path = book(tmp_book)
    edit(path, "事件", {"D3": "abc", "A4": "2026-13-01", "C5": "ATT_LATE", "B5": "E1", "A5": dt.date(2026, 10, 3)})
    scheme, inputs = read_workbook(path, engine=engine)
    r = score(scheme, inputs)
    wheres = {p.code: p.where for p in r.problems}
    assert wheres["bad_number"] == "事件!D3 / Events!D3"
    assert wheres["bad_date"] == "事件!A4 / Events!A4"
    assert not r.employee("E1").ok and not r.employee("1002").ok


@pytest.mark.parametrize("engine", ENGINES)
def test_header_moved_down_and_right_keeps_cell_names(tmp_path, engine):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "参数"
    ws.append(["参数代码", "名称", "数值"])
    ws.append(["SCHEME", "", "weikang_100"])
    ws.append(["PERIOD", "", "2026-10"])
    ws.append(["LEARNING_ACTIVITIES_HELD", "", 1])
    emp = wb.create_sheet("Employees")
    emp.append(["Employee ID", "Name", "Role", "Department"])
    emp.append(["E1", "甲", "客服", "A"])
    ev = wb.create_sheet("事件")
    ev["C3"], ev["D3"], ev["E3"], ev["F3"] = "日期", "工号", "规则代码", "数量"
    ev["C4"], ev["D4"], ev["E4"], ev["F4"] = dt.date(2026, 10, 1), "E1", "ATT_LATE", "x"
    wb.create_sheet("指标").append(["工号", "指标代码", "数值"])
    path = tmp_path / "clerk.xlsx"
    wb.save(path)
    scheme, inputs = read_workbook(path, engine=engine)
    r = score(scheme, inputs)
    assert [p.where for p in r.problems if p.code == "bad_number"] == ["事件!F4 / Events!F4"]


def test_rule_table_edit_takes_effect(tmp_book):
    path = book(tmp_book)
    wb = load_workbook(path)
    ws = wb["规则"]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "ATT_LATE")
    ws[f"F{row}"] = -7
    wb.save(path)
    r = score(*read_workbook(path))
    assert r.employee("E1").values["score"] == 92  # 100 - 7 - 4 + 3


@pytest.mark.parametrize("cell,value,code", [
    ("F", 7, "rule_sign"),            # a deduction with positive points
    ("E", "bonus", "rule_kind_changed"),
    ("E", "penalty", "rule_kind"),
    ("D", "NOPE", "rule_category"),
    ("F", "lots", "bad_number"),
])
def test_invalid_rule_table_edit_is_reported(tmp_book, cell, value, code):
    path = book(tmp_book)
    wb = load_workbook(path)
    ws = wb["规则"]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "ATT_LATE")
    ws[f"{cell}{row}"] = value
    wb.save(path)
    r = score(*read_workbook(path))
    pr = next(p for p in r.problems if p.code == code)
    assert pr.where.startswith("规则!") and str(row) in pr.where
    assert not any(e.ok for e in r.employees)  # a rule-table error concerns everyone


def test_deleting_a_derived_rule_row_is_an_error(tmp_book):
    path = book(tmp_book)
    wb = load_workbook(path)
    ws = wb["规则"]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "BON_FULL_ATT")
    ws.delete_rows(row)
    wb.save(path)
    r = score(*read_workbook(path))
    assert any(p.code == "rule_removed" and "BON_FULL_ATT" in p.en for p in r.problems)


def test_missing_sheet_and_column(tmp_book):
    path = book(tmp_book)
    wb = load_workbook(path)
    del wb["指标"]
    wb["事件"]["C1"] = "Rule??"
    wb.save(path)
    code, out, _ = cli("validate", path)
    assert code == 1
    assert "缺少工作表 “指标”（Metrics）" in out and "Sheet '指标' (Metrics) is missing." in out
    assert "Column '规则代码 / Rule code' is missing." in out


def test_a_sheet_the_scheme_never_reads_may_be_missing(tmp_path):
    # S10 records no events (every rule is derived from metrics): a clerk's workbook without an Events
    # sheet was blocked for everyone. Without it, everyone is scored as with the empty sheet.
    path = tmp_path / "s10.xlsx"
    assert cli("new", "service_quality_grade", "--demo", "-o", str(path))[0] == 0
    wb = load_workbook(path)
    assert not any(wb["事件"].iter_rows(min_row=2, values_only=True))  # the demo has no event rows
    with_sheet = score(*read_workbook(path))
    del wb["事件"]
    wb.save(path)
    scheme, inputs = read_workbook(path)
    assert not [p for p in inputs.problems if p.code == "missing_sheet"]
    without = score(scheme, inputs)
    assert [(e.id, e.status, e.values) for e in without.employees] == [(e.id, e.status, e.values) for e in with_sheet.employees]
    assert any(e.ok for e in without.employees)


def test_formula_like_text_stays_text(tmp_book, tmp_path):
    events = EVENTS + [{"date": "2026-10-11", "employee": "E1", "rule": "ATT_EARLY", "note": "=HYPERLINK(\"x\")"}]
    path = book(tmp_book, events=events)
    cell = load_workbook(path)["事件"]["F5"]
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"
