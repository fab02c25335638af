"""Dates in a zh-CN (or WPS) workbook: the long date ``2026年10月5日`` is built-in number format 31
(``yyyy"年"m"月"d"日"``, also 57 and 58), written without its format code. Neither calamine nor
openpyxl knew it as a date, so every event date was "46300 is not a valid date" and nobody was
scored. Serial 46300 is 2026-10-05 (2026-01-01 is 46023, and Oct 5 is day 278)."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile

import pytest
from conftest import cli, make_book

from kpixl.workbook.engines.sheetxml import look_xml

S1_PARAMS = {"LEARNING_ACTIVITIES_HELD": 1}


def part(cells: bytes) -> bytes:
    return (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>" + cells + b"</sheetData></worksheet>")


def test_an_east_asian_date_style_is_a_date_in_the_look():
    data = part(b'<row r="2"><c r="A2" s="3"><v>46300</v></c><c r="B2" s="3" t="s"><v>7</v></c></row>')
    assert look_xml(data, {3: "date"}).special == {(2, 0): dt.datetime(2026, 10, 5)}
    # a Mac workbook counts from 1904-01-01: 46300 - 1462 days is the same day
    assert look_xml(part(b'<row r="2"><c r="A2" s="3"><v>44838</v></c></row>'), {3: "date1904"}).special == {
        (2, 0): dt.datetime(2026, 10, 5)}


def restyled(book, fid: int):
    """The workbook with its date style's number format replaced by built-in ``fid`` (no format code)."""
    out = book.with_name(f"{book.stem}-{fid}.xlsx")
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/styles.xml":
                text = data.decode()
                (code_id,) = re.findall(r'<numFmt numFmtId="(\d+)" formatCode="yyyy-mm-dd"', text)
                text, n = re.subn(rf'(<xf [^>]*numFmtId="){code_id}"', rf'\g<1>{fid}"', text)
                assert n
                data = text.encode()
            zout.writestr(item, data)
    return out


@pytest.mark.parametrize("fid", [31, 57, 58, 27])
def test_a_workbook_with_built_in_chinese_date_formats_is_read_by_both_engines(tmp_path, fid):
    # W1: one complaint on 2026-10-09 -> 100 - 5 + 5 (全勤) + 3 (学习) = 103 (R-WK-10, R-WK-9)
    book = make_book(tmp_path / "2026-10.xlsx", "weikang_100", "2026-10", parameters=S1_PARAMS,
                     employees=[{"id": "W1", "name": "甲", "role": "客服", "department": "客服部"}],
                     events=[{"date": "2026-10-09", "employee": "W1", "rule": "DIS_COMPLAINT"}],
                     metrics=[{"employee": "W1", "metric": "LEAVE_DAYS", "value": 0}])
    book = restyled(book, fid)
    for engine in ([], ["--engine", "openpyxl"]):
        code, out, err = cli("score", book, "--json", *engine)
        assert code == 0, err
        (w1,) = json.loads(out)
        assert w1["score"] == 103
