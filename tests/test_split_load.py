"""A large sheet loaded by calamine in parts (kpixl/workbook/engines/split_load.py): the sheet
read in parts is exactly the sheet read whole, cell for cell (types, errors, positions), or the
parts are not used. The thresholds are lowered so that a small sheet is cut."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import cli, make_book

from kpixl.workbook.engines import fastexcel_engine, split_load
from kpixl.workbook.engines.fastexcel_engine import FastexcelBook
from kpixl.workbook.engines.split_load import plan

SHEET = "事件"


@pytest.fixture
def cut(monkeypatch):
    """Every sheet is cut in two (on any machine); yields the list of load_parts outcomes."""
    monkeypatch.setattr(split_load, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(fastexcel_engine, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(split_load, "CORES", 2)
    used: list[bool] = []
    real = fastexcel_engine.load_parts

    def spy(*args):
        out = real(*args)
        used.append(out is not None)
        return out

    monkeypatch.setattr(fastexcel_engine, "load_parts", spy)
    return used


def cells(path: Path, split: bool, monkeypatch) -> tuple:
    monkeypatch.setattr(fastexcel_engine, "SPLIT_MIN_BYTES", 1 if split else 1 << 62)
    book = FastexcelBook(path)
    try:
        sheet = book.read(SHEET)
    finally:
        book.close()
    return (sheet.header, sheet.letters, sheet.first_row,
            [(str(c.dtype), [(type(v).__name__, repr(v)) for v in c.tolist()]) for c in sheet.columns])


def workbook(path: Path, rows: list[list], header=("日期", "工号", "规则代码", "数量", "备注")) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(header))
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def day(i: int) -> dt.datetime:
    return dt.datetime(2026, 10, 1 + i % 28)


def test_plan_cuts_at_row_tags_and_copies_the_header():
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(2, 200))
    data = (b'<worksheet xmlns="x"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
            + rows + b"</sheetData></worksheet>")
    head, header, parts = plan(data, 2)
    assert head.endswith(b"<sheetData>") and header.startswith(b'<row r="1">') and header.endswith(b"</row>")
    first, second = parts
    assert data[second.start:].startswith(b'<row r="%d">' % second.first_row)
    assert first.first_row == 1 and first.rows == second.first_row - 2  # rows 2 .. cut-1
    assert second.rows is None and second.stop == data.rfind(b"</sheetData>")


@pytest.mark.parametrize("xml", [
    b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><c><v>2</v></c><row r="3"><c><v>3</v></c>'
    b'</row></sheetData></worksheet>',
    b'<x:worksheet><x:sheetData><x:row r="1"><x:c><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>',
    b'<worksheet><sheetData><row><c><v>1</v></c></row><row><c><v>2</v></c></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row r="1"><c r="A3"><v>1</v></c></row><row r="2"><c><v>2</v></c></row></sheetData></worksheet>',
])
def test_plan_does_not_cut_what_it_cannot_cut_safely(xml):
    # a cut that does not follow a row's end; a namespace prefix; rows without numbers; a header
    # cell that names another row
    assert plan(xml, 2) is None


def test_a_sheet_of_every_kind_of_cell_reads_the_same_in_parts(tmp_path, cut, monkeypatch):
    rows = []
    for i in range(400):
        rows.append([day(i), f"KF{i % 37:03d}", ["LATE", "PRAISE", "=1+1", " "][i % 4],
                     [1, 2.5, None, True, "3"][i % 5], ["", "迟到", None, "#N/A"][i % 4]])
    rows[350][3] = "#DIV/0!"  # a text that looks like an error, in the second half only
    book = workbook(tmp_path / "kinds.xlsx", rows)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert cells(book, True, monkeypatch) == cells(book, False, monkeypatch)
    assert cut == [True]
    assert not list(scratch.iterdir())  # the parts are in-memory files: nothing is written to disk


def test_a_column_filled_only_in_one_part_has_the_whole_columns_type(tmp_path, cut, monkeypatch):
    # 数量 is a number in the first 100 rows and empty after: the second part alone would call it text
    rows = [[day(i), f"KF{i:03d}", "LATE", (i + 1) if i < 100 else None, None] for i in range(400)]
    book = workbook(tmp_path / "sparse.xlsx", rows)
    whole = cells(book, False, monkeypatch)
    assert whole[3][3][0] == "float64"
    assert cells(book, True, monkeypatch) == whole
    assert cut == [True]


def test_types_that_differ_between_parts_fall_back_to_the_whole_load(tmp_path, cut, monkeypatch):
    # numbers in the first part, one text in the second: the whole column is text
    rows = [[day(i), f"KF{i:03d}", "LATE", i if i != 390 else "三", None] for i in range(400)]
    book = workbook(tmp_path / "mixed.xlsx", rows)
    assert cells(book, True, monkeypatch) == cells(book, False, monkeypatch)
    assert cut == [False]


def test_empty_rows_at_the_cut_and_whitespace_at_the_end_keep_their_places(tmp_path, cut, monkeypatch):
    # 200 rows, 60 empty rows, 200 rows of the same size: the cut falls among the empty rows, so
    # the first part's cells end before its cut (the whole sheet holds those rows as empty rows)
    filled = [day(1), "KF100", "LATE", 1, None]
    rows = [filled] * 200 + [[None] * 5] * 60 + [filled] * 200
    rows += [[None, " ", None, None, None]] * 3  # whitespace-only rows at the end are trimmed
    book = workbook(tmp_path / "gaps.xlsx", rows)
    with zipfile.ZipFile(book) as z:
        _, _, parts = plan(z.read("xl/worksheets/sheet1.xml"), 2)
    assert 203 < parts[1].first_row <= 262 and parts[0].rows == parts[1].first_row - 2  # (rows 2 .. cut-1)
    whole = cells(book, False, monkeypatch)
    assert cells(book, True, monkeypatch) == whole
    assert cut == [True]
    assert len(whole[3][0][1]) == 460


def test_a_kpixl_workbook_scores_the_same_when_its_events_are_cut(tmp_path, cut):
    # W1..W3: 100 - 2 x 5 for two complaints, 100 - 5 for one, 100 for none; each + 5 全勤 + 3 学习
    # (R-WK-10, R-WK-9): 98, 103, 108
    employees = [{"id": f"W{i}", "name": f"员工{i}", "role": "客服", "department": "客服部"} for i in range(1, 4)]
    events = [{"date": "2026-10-09", "employee": e, "rule": "DIS_COMPLAINT"} for e in ("W1", "W1", "W2")]
    book = make_book(tmp_path / "2026-10.xlsx", "weikang_100", "2026-10", employees=employees, events=events,
                     parameters={"LEARNING_ACTIVITIES_HELD": 1},
                     metrics=[{"employee": e["id"], "metric": "LEAVE_DAYS", "value": 0} for e in employees])
    code, out, err = cli("score", book, "--json")
    assert code == 0, err
    assert {e["employee_id"]: e["score"] for e in json.loads(out)} == {"W1": 98, "W2": 103, "W3": 108}
    assert True in cut


@pytest.mark.parametrize("after", ["styled", "spaces"])
def test_rows_after_the_data_that_hold_nothing_end_the_sheet_as_in_the_whole_load(tmp_path, cut, monkeypatch, after):
    # LibreOffice writes formatted empty cells below the data (styled); a clerk's spaces are
    # whitespace rows the whole load trims. Here they fill the second half of the sheet's XML, so
    # the last part holds no row: the sheet ends where the whole load says (200 rows)
    rows = [[day(i), f"KF{i:03d}", "LATE", 1, None] for i in range(200)]
    book = workbook(tmp_path / "after.xlsx", rows + ([[" ", " ", " ", " ", " "]] * 400 if after == "spaces" else []))
    if after == "styled":
        wb = openpyxl.load_workbook(book)
        for r in range(202, 602):
            for c in range(1, 6):
                wb[SHEET].cell(r, c).number_format = "0.00"
        wb.save(book)
    whole = cells(book, False, monkeypatch)
    assert len(whole[3][0][1]) == 200
    assert cells(book, True, monkeypatch) == whole
    assert cut == [False]


def test_a_cut_inside_a_comment_leaves_the_sheet_to_the_whole_load(tmp_path, cut, monkeypatch):
    # a long XML comment in the middle of the rows, holding row tags: the cut falls inside it, a
    # part cannot be parsed, and the sheet is read whole (the comment's rows are no rows)
    rows = [[day(i), f"KF{i:03d}", "LATE", 1, None] for i in range(200)]
    book = workbook(tmp_path / "comment.xlsx", rows)
    fake = b"".join(b'</row><row r="%d"><c r="D%d"><v>9</v></c>' % (500 + k, 500 + k) for k in range(300))

    def change(data: bytes) -> bytes:
        at = data.find(b'<row r="101"')
        return data[:at] + b"<!-- " + fake + b" -->" + data[at:]
    with zipfile.ZipFile(book) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    whole = cells(book, False, monkeypatch)
    assert len(whole[3][0][1]) == 200
    assert cells(book, True, monkeypatch) == whole
    assert cut == [False]
