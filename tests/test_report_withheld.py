"""A withheld employee has no lines, cash or flags anywhere: not on the report's Detail (明细) or
Flags (标记) sheets, not in the flag counts of the summary and the terminal (no silent number for a
person whose result is not known). Before: the kefu_fines demo with ZS01's qty typed 'abc' showed
ZS01's STATUS_REGULARIZE flag on 标记 and counted 8 flags where the JSON had 7; weikang_100's 明细
listed 7 point lines of the withheld KF002."""

from __future__ import annotations

import json

from conftest import cli
from openpyxl import load_workbook


def withheld_book(tmp_path, scheme, cell):
    path = tmp_path / f"{scheme}.xlsx"
    assert cli("new", scheme, "--demo", "-o", path)[0] == 0
    wb = load_workbook(path)
    wb["事件"][cell] = "abc"
    wb.save(path)
    return path


def rows_of(path, sheet_prefix, emp):
    wb = load_workbook(path, read_only=True)
    name = next(n for n in wb.sheetnames if n.startswith(sheet_prefix))
    return [r for r in wb[name].iter_rows(values_only=True) if emp in r]


def test_no_flag_of_a_withheld_employee(tmp_path):
    path = withheld_book(tmp_path, "kefu_fines", "D2")  # ZS01's only event
    code, out, _ = cli("score", path, "--json", "--no-explain")
    records = {r["employee_id"]: r for r in json.loads(out)}
    assert code == 1 and records["ZS01"]["status"] == "error" and records["ZS01"]["flags"] == []
    flags = sum(len(r["flags"]) for r in records.values())
    report = tmp_path / "r.xlsx"
    assert cli("report", path, "-o", report)[0] == 1
    assert rows_of(report, "标记", "ZS01") == []
    wb = load_workbook(report, read_only=True)
    flag_rows = [r for r in wb["标记"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert len(flag_rows) == flags
    summary = [r for r in wb["总览"].iter_rows(values_only=True) if "标记 / Flags" in r]
    assert summary and summary[0][summary[0].index("标记 / Flags") + 1] == flags


def test_no_detail_line_of_a_withheld_employee(tmp_path):
    path = withheld_book(tmp_path, "weikang_100", "D2")  # KF002's ATT_LATE
    report = tmp_path / "r.xlsx"
    assert cli("report", path, "-o", report)[0] == 1
    assert rows_of(report, "明细", "KF002") == []


def test_issue_rows_are_as_high_as_their_wrapped_text(tmp_path):
    # a streamed row is not fitted to its text by Excel or LibreOffice: long fixes overdrew the next row
    path = withheld_book(tmp_path, "weikang_100", "D2")
    report = tmp_path / "r.xlsx"
    cli("report", path, "-o", report)
    ws = load_workbook(report)["问题"]
    for row in range(2, ws.max_row + 1):
        longest = max(len(str(ws.cell(row, c).value or "")) for c in range(4, 8))
        if longest > 60:  # English text over 60 characters wraps in a 40-50 wide column
            assert (ws.row_dimensions[row].height or 15) >= 13.5 * 2, row
