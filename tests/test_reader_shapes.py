"""Sheets shaped the way clerks shape them, on both engines: a title typed above the header row, and a
合计/Total row under the data. Neither changes a number: the title is skipped with a warning naming the
header row, a totals row without an owner is skipped with a warning at its label; a row that has an
employee ID is always read, whatever its note says.

E1 (weikang_100, R-WK-*): 100 - 5 (ATT_LATE) - 4 (BIZ_SOP_ERROR, value 4) + 3 (LRN on time, 2
activities held, R-WK-9) = 94.
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from reader_fixtures import EVENTS, book, rewrite_part, sheet_part

from kpixl.core.engine import score
from kpixl.workbook.read import read_workbook

ENGINES = ["fastexcel", "openpyxl"]


def titled(path, sheet: str, title: str, blank_rows: int = 0) -> None:
    wb = load_workbook(path)
    ws = wb[sheet]
    ws.insert_rows(1, 1 + blank_rows)
    ws["A1"] = title
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    wb.save(path)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("blank_rows", [0, 1])
def test_a_title_above_the_events_headers_is_skipped_with_a_warning(tmp_book, engine, blank_rows):
    path = book(tmp_book)
    titled(path, "事件", "2026年10月 客服部考核事件登记表", blank_rows)
    scheme, inputs = read_workbook(path, engine=engine)
    (w,) = [p for p in inputs.problems if p.code == "header_below_title"]
    header_row = 2 + blank_rows
    assert w.severity == "warning" and w.where == f"事件!A{header_row} / Events!A{header_row}"
    assert "2026年10月 客服部考核事件登记表" in w.en
    assert not [p for p in inputs.problems if p.is_error]
    r = score(scheme, inputs)
    assert r.employee("E1").values["score"] == 94
    late = next(x for x in r.explanation("E1") if x["rule"] == "ATT_LATE")
    assert late["source"].startswith(f"事件!C{header_row + 1}")  # the cell the clerk sees


@pytest.mark.parametrize("engine", ENGINES)
def test_titles_above_the_employees_and_metrics_headers(tmp_book, engine):
    path = book(tmp_book)
    titled(path, "员工", "客服部员工名单")
    titled(path, "指标", "十月指标")
    scheme, inputs = read_workbook(path, engine=engine)
    assert sorted(p.where for p in inputs.problems if p.code == "header_below_title") == [
        "员工!A2 / Employees!A2", "指标!A2 / Metrics!A2"]
    r = score(scheme, inputs)
    assert [e.id for e in r.employees] == ["E1", "1002"]
    assert r.employee("E1").values["score"] == 94
    # 1002 (客服顾问): LEAVE_DAYS 0 from the titled Metrics sheet gives full attendance (+5, R-WK-10)
    assert any(x["rule"] == "BON_FULL_ATT" and x.get("points") == 5 for x in r.explanation("1002"))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("label", ["合计", "总计", "Total", "合计："])
def test_a_totals_row_under_the_events_is_skipped_with_a_warning(tmp_book, engine, label):
    path = book(tmp_book)
    wb = load_workbook(path)
    ws = wb["事件"]
    n = ws.max_row + 1
    ws.cell(n, 1, label)
    ws.cell(n, 4, f"=SUM(D2:D{n - 1})")  # saved without a value: would be a formula error if read
    wb.save(path)
    scheme, inputs = read_workbook(path, engine=engine)
    (w,) = [p for p in inputs.problems if p.code == "totals_row"]
    assert w.severity == "warning" and w.where == f"事件!A{n} / Events!A{n}"
    assert not [p for p in inputs.problems if p.is_error]
    assert score(scheme, inputs).employee("E1").values["score"] == 94


@pytest.mark.parametrize("engine", ENGINES)
def test_a_row_with_an_employee_id_is_read_whatever_its_note(tmp_book, engine):
    # 'Total' in the note of a real event: E1 late a second time, 94 - 5 = 89
    path = book(tmp_book, events=EVENTS + [{"date": "2026-10-20", "employee": "E1", "rule": "ATT_LATE", "note": "Total"}])
    scheme, inputs = read_workbook(path, engine=engine)
    assert not [p for p in inputs.problems if p.code == "totals_row"]
    assert score(scheme, inputs).employee("E1").values["score"] == 89


@pytest.mark.parametrize("engine", ENGINES)
def test_a_totals_row_on_the_employees_sheet_is_nobody(tmp_book, engine):
    path = book(tmp_book)
    wb = load_workbook(path)
    ws = wb["员工"]
    n = ws.max_row + 1
    ws.cell(n, 2, "合计")
    ws.cell(n, 7, "=SUM(G2:G3)")
    wb.save(path)
    scheme, inputs = read_workbook(path, engine=engine)
    assert [p.code for p in inputs.problems] == ["totals_row"]
    assert [e.id for e in score(scheme, inputs).employees] == ["E1", "1002"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("footer", [("合  计", "2人"), (None, "共计"), (None, "人数", None, None, None, 2), (None, "总人数"),
                                    (None, "平均"), ("ＴＯＴＡＬ：",)])
def test_footer_rows_in_other_words_are_nobody(tmp_book, engine, footer):
    # before: '合  计', 共计, 人数 ... on 员工 became an employee scored 100 (a phantom in the report)
    path = book(tmp_book)
    wb = load_workbook(path)
    ws = wb["员工"]
    n = ws.max_row + 1
    for i, v in enumerate(footer, start=1):
        ws.cell(n, i, v)
    wb.save(path)
    scheme, inputs = read_workbook(path, engine=engine)
    assert [p.code for p in inputs.problems] == ["totals_row"]
    assert [e.id for e in score(scheme, inputs).employees] == ["E1", "1002"]


@pytest.mark.parametrize("engine", ENGINES)
def test_hidden_rows_count_and_are_reported_once(tmp_book, engine):
    # E1's second late row is hidden (a clerk "removing" it): it still counts, 94 - 5 = 89, and the
    # sheet gets one warning naming the hidden row
    path = book(tmp_book, events=EVENTS + [{"date": "2026-10-20", "employee": "E1", "rule": "ATT_LATE"}])
    wb = load_workbook(path)
    wb["事件"].row_dimensions[5].hidden = True
    wb.save(path)
    scheme, inputs = read_workbook(path, engine=engine)
    (w,) = [p for p in inputs.problems if p.code == "hidden_rows"]
    assert w.severity == "warning" and w.where == "事件!A5 / Events!A5" and "rows 5" in w.en
    assert score(scheme, inputs).employee("E1").values["score"] == 89


@pytest.mark.parametrize("engine", ENGINES)
def test_a_units_row_under_the_headers_is_skipped_with_a_warning(tmp_book, engine):
    # before: (年-月-日) (次) (分) under the headers gave seven errors and blocked everyone
    path = book(tmp_book)
    wb = load_workbook(path)
    ws = wb["事件"]
    ws.insert_rows(2)
    ws["A2"], ws["D2"], ws["E2"] = "(年-月-日)", "(次)", "（分）"
    wb.save(path)
    scheme, inputs = read_workbook(path, engine=engine)
    assert [(p.code, p.where) for p in inputs.problems] == [("units_row", "事件!A2 / Events!A2")]
    r = score(scheme, inputs)
    assert r.employee("E1").values["score"] == 94
    late = next(x for x in r.explanation("E1") if x["rule"] == "ATT_LATE")
    assert late["source"].startswith("事件!C3")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_row_of_nothing_but_a_note_is_no_record(tmp_book, engine):
    # a remark typed under the events (备注 only): before, three "must not be empty" errors blocked everyone
    path = book(tmp_book, events=EVENTS + [{"note": "注：10月8日系统故障，迟到不扣分已与主管确认"}])
    scheme, inputs = read_workbook(path, engine=engine)
    assert [(p.code, p.where) for p in inputs.problems] == [("note_only_rows", "事件!F5 / Events!F5")]
    assert score(scheme, inputs).employee("E1").values["score"] == 94


@pytest.mark.parametrize("engine", ENGINES)
def test_an_employee_id_merged_down_over_its_events_is_read_in_each_row(tmp_book, engine):
    # E1's three events with 工号 merged over B2:B4 (only B2 holds E1): before, rows 3 and 4 had no
    # employee and everyone was blocked. Each row is E1's: 100 - 5 - 4 - 5 + 3 = 89.
    rows = [{"date": "2026-10-08", "employee": "E1", "rule": "ATT_LATE"},
            {"date": "2026-10-09", "employee": "E1", "rule": "BIZ_SOP_ERROR", "value": 4},
            {"date": "2026-10-12", "employee": "E1", "rule": "ATT_LATE"},
            {"date": "2026-10-10", "employee": "1002", "rule": "CONS_REPORT_LATE"}]
    path = book(tmp_book, events=rows)
    wb = load_workbook(path)
    ws = wb["事件"]
    ws["B3"], ws["B4"] = None, None
    ws.merge_cells("B2:B4")
    wb.save(path)
    scheme, inputs = read_workbook(path, engine=engine)
    (w,) = [p for p in inputs.problems if p.code == "merged_cells"]
    assert w.severity == "warning" and "B2:B4" in w.en and w.where == "事件!B2 / Events!B2"
    assert not [p for p in inputs.problems if p.is_error]
    r = score(scheme, inputs)
    assert r.employee("E1").values["score"] == 89
    assert r.money_total("1002", "deduction") == 150  # 5 % x 3000, R-WK-15


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("note", ["累计", "合计", "Total"])
def test_an_event_without_an_id_whose_note_is_a_totals_word_is_still_an_error(tmp_book, engine, note):
    # a real event (date, rule, qty 2) with a blank 工号 and the note 累计 was skipped as a totals
    # row and everyone was scored; it is the missing-ID error that withholds everyone
    path = book(tmp_book, events=EVENTS + [{"date": "2026-10-20", "rule": "ATT_LATE", "qty": 2, "note": note}])
    scheme, inputs = read_workbook(path, engine=engine)
    assert not [p for p in inputs.problems if p.code == "totals_row"]
    assert any(p.is_error and p.where.startswith("事件!B5") for p in inputs.problems)
    assert not any(e.ok for e in score(scheme, inputs).employees)


def merged_in_xml(path, sheet: str, ref: str) -> None:
    """Merge ``ref`` keeping the covered cells' values, as LibreOffice's "keep the contents of the
    hidden cells" saves it (openpyxl's merge_cells would empty them)."""
    def change(data: bytes) -> bytes:
        tag = b'<mergeCells count="1"><mergeCell ref="%s"/></mergeCells>' % ref.encode()
        return re.sub(rb"(</sheetData>)", lambda m: m.group(1) + tag, data, count=1)
    rewrite_part(path, sheet_part(path, sheet), change)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("ref", ["D3:E3", "E2:E3", "D2:E3"])
def test_a_value_hidden_under_a_merged_range_is_a_problem_at_its_cell(tmp_book, engine, ref):
    # 事件 row 3 is E1's BIZ_SOP_ERROR with 取值 E3 = 4. Merged across (D3:E3), down under an empty
    # top cell (E2:E3) or as a block (D2:E3), E3 is not the range's top-left cell: Excel shows
    # nothing there. Before, the invisible 4 was scored (94); now it is an error at E3 and E1 is
    # withheld (and with E1 the department-wide condition 1002 shares)
    path = book(tmp_book)
    merged_in_xml(path, "事件", ref)
    scheme, inputs = read_workbook(path, engine=engine)
    (e,) = [p for p in inputs.problems if p.code == "merged_hidden_value"]
    assert e.is_error and e.where == "事件!E3 / Events!E3" and "'4'" in e.en and ref in e.en
    r = score(scheme, inputs)
    assert not r.employee("E1").ok
    assert [p.code for p in r.employee("E1").problems][:1] == ["merged_hidden_value"]


@pytest.mark.parametrize("engine", ENGINES)
def test_covered_cells_that_hold_nothing_are_read_as_excel_shows_them(tmp_book, engine):
    # D3:E3 merged with E3 empty (as Excel saves a merge): row 3 reads as it always did
    path = book(tmp_book, events=[EVENTS[0], {"date": "2026-10-09", "employee": "E1", "rule": "BIZ_SOP_ERROR",
                                              "qty": 1, "value": 4}, EVENTS[2]])
    merged_in_xml(path, "事件", "E3:F3")  # (F3, the note, is empty)
    scheme, inputs = read_workbook(path, engine=engine)
    assert not [p for p in inputs.problems if p.is_error]
    assert score(scheme, inputs).employee("E1").values["score"] == 94


@pytest.mark.parametrize("engine", ENGINES)
def test_a_hidden_column_that_is_read_gives_a_warning(tmp_book, engine):
    # 取值 (E) hidden on 事件: E1's value 4 still counts (94, as above), with a warning like a hidden
    # row's; columns hidden past the table (H:XFD, a clerk's tidy sheet) are not mentioned
    path = book(tmp_book)
    wb = load_workbook(path)
    ws = wb["事件"]
    ws.column_dimensions["E"].hidden = True
    ws.column_dimensions.group("H", "XFD", hidden=True)
    wb.save(path)
    scheme, inputs = read_workbook(path, engine=engine)
    (w,) = [p for p in inputs.problems if p.code == "hidden_columns"]
    assert w.severity == "warning" and w.where == "事件!E1 / Events!E1" and "E (Value)" in w.en
    assert score(scheme, inputs).employee("E1").values["score"] == 94
