"""Times, durations and the cells calamine cannot type read the same on both file engines.

A clerk types ``8:47`` into a date cell (Excel stores 0.366, format ``h:mm``), ``3:00`` as hours
with the format ``[h]:mm`` (a duration), or leaves a formula whose saved result is ``#NAME?``.
A time without a date is never a date, a time or a duration is never a number, and an error is
an error: each is a located, bilingual problem quoting the cell as Excel shows it, the same on
both engines; the employee's result is withheld and the next employee still scores.

The workbooks are written by xlsxwriter the way Excel saves them (a number and its format). The
events are SCHEMES.md S1's worked example 甲 (score 88.8), typed for A1 (rows 2-9) and again for
B2 (rows 10-17, another department); only A1's rows are spoiled, so B2 is the baseline that
must still score 88.8.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import xlsxwriter
from conftest import cli

from kpixl.workbook.cells import CellError, clock_text, shown
from kpixl.workbook.engines import fastexcel_engine
from kpixl.workbook.engines.fastexcel_engine import FastexcelBook
from kpixl.workbook.read import read_workbook

ENGINES = ["fastexcel", "openpyxl"]
HEADER = ["日期", "工号", "规则代码", "数量", "取值", "备注"]
EXAMPLE = [  # (day of 2026-10, rule, qty, value): S1 甲 = 88.8
    (8, "ATT_LATE", None, None), (9, "ATT_LATE_30", None, None), (9, "LRN_ABSENT", None, None),
    (10, "BIZ_SOP_ERROR", None, 3), (31, "BIZ_CALLBACK_SHORT", 12, None), (11, "BON_PRAISE_MINOR", 2, None),
    (12, "BON_PRAISE_BANNER", None, None), (13, "BON_OVERTIME", 3, None)]
NAME_ERROR = ("=SUMM(6,6)", "#NAME?")  # a misspelt function: Excel saves the formula and #NAME?


def workbook(path, spoil=None, extra=(), employees=("A1", "B2"), options=None):
    """The S1 example for each employee; ``spoil(wb, sheet)`` then types A1's odd cells;
    ``extra`` adds header cells after 备注 (columns G, H ...); ``options``: xlsxwriter's."""
    wb = xlsxwriter.Workbook(str(path), options or {})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    emp = wb.add_worksheet("员工")
    emp.write_row(0, 0, ["工号", "姓名", "岗位", "部门", "小组"])
    ev = wb.add_worksheet("事件")
    ev.write_row(0, 0, HEADER + list(extra))
    metrics = wb.add_worksheet("指标")
    metrics.write_row(0, 0, ["工号", "指标代码", "数值"])
    for k, who in enumerate(employees):
        emp.write_row(k + 1, 0, [who, "甲乙"[k], "客服", f"客服{k + 1}部", "一组"])  # (a department apart:
        # a doubtful row withholds its whole department's group conditions)
        metrics.write_row(k + 1, 0, [who, "LEAVE_DAYS", 0])
        for i, (d, rule, qty, value) in enumerate(EXAMPLE, start=1 + k * len(EXAMPLE)):
            ev.write_datetime(i, 0, dt.datetime(2026, 10, d), day)
            ev.write(i, 1, who)
            ev.write(i, 2, rule)
            if qty is not None:
                ev.write(i, 3, qty)
            if value is not None:
                ev.write(i, 4, value)
    params = wb.add_worksheet("参数")
    params.write_row(0, 0, ["参数代码", "名称", "数值"])
    for i, row in enumerate([("SCHEME", "", "weikang_100"), ("PERIOD", "", "2026-10"),
                             ("LEARNING_ACTIVITIES_HELD", "", 4)], start=1):
        params.write_row(i, 0, row)
    if spoil:
        spoil(wb, ev)
    wb.close()
    return path


def number(ref: str, value: float, fmt: str):
    """Type a number shown with ``fmt`` into ``ref`` (a time is a fraction of a day)."""
    return lambda wb, ev: ev.write_number(ref, value, wb.add_format({"num_format": fmt}))


def formula(*refs: str):
    return lambda wb, ev: [ev.write_formula(ref, NAME_ERROR[0], None, NAME_ERROR[1]) for ref in refs]


# case: (A1's odd cell, problem code, cell, zh, en)
CASES = {
    "name_error_in_qty": (formula("D6"), "bad_number", "D6",
                          "“数量” 的值 “#NAME?” 不是数字。", "Qty value '#NAME?' is not a number."),
    "duration_in_qty": (number("D9", 0.125, "[h]:mm"), "bad_number", "D9",
                        "“数量” 的值 “3:00:00” 不是数字。", "Qty value '3:00:00' is not a number."),
    "long_duration_in_qty": (number("D9", 25.5 / 24, "[h]:mm"), "bad_number", "D9",
                             "“数量” 的值 “25:30:00” 不是数字。", "Qty value '25:30:00' is not a number."),
    "time_in_qty": (number("D9", 0.36597222, "h:mm"), "bad_number", "D9",
                    "“数量” 的值 “08:47:00” 不是数字。", "Qty value '08:47:00' is not a number."),
    "time_in_date": (number("A9", 0.36597222, "h:mm"), "bad_date", "A9",
                     "“日期” 的值 “08:47:00” 不是有效日期。", "Date value '08:47:00' is not a valid date."),
    "duration_in_date": (number("A9", 0.125, "[h]:mm"), "bad_date", "A9",
                         "“日期” 的值 “3:00:00” 不是有效日期。", "Date value '3:00:00' is not a valid date."),
    "name_error_in_date": (formula("A4"), "bad_date", "A4",
                           "“日期” 的值 “#NAME?” 不是有效日期。", "Date value '#NAME?' is not a valid date."),
}


def read_both(path):
    return {e: read_workbook(path, engine=e)[1] for e in ENGINES}


def scores(path, engine) -> dict[str, tuple[str, float | None]]:
    code, out, err = cli("score", path, "--json", "--engine", engine)
    assert "Traceback" not in out + err, err
    return {e["employee_id"]: (e["status"], e["score"]) for e in json.loads(out)}


@pytest.mark.parametrize("case", list(CASES))
def test_odd_cell_is_one_located_problem_the_same_on_both_engines(tmp_path, case):
    spoil, code, ref, zh, en = CASES[case]
    path = workbook(tmp_path / f"{case}.xlsx", spoil)
    both = read_both(path)
    assert [p.as_dict() for p in both["fastexcel"].problems] == [p.as_dict() for p in both["openpyxl"].problems]
    for engine, inputs in both.items():
        found = [p for p in inputs.problems if p.where == f"事件!{ref} / Events!{ref}"]
        assert [(p.code, p.zh, p.en) for p in found] == [(code, zh, en)], engine
        rows = {re.sub(r"\D", "", p.where.split(" / ")[0]) for p in inputs.problems if p.severity == "error"}
        assert rows == {ref[1:]}, engine  # only A1's spoiled row
        assert scores(path, engine) == {"A1": ("error", None), "B2": ("ok", 88.8)}, engine
        assert cli("validate", path, "--engine", engine)[0] == 1, engine


def test_the_example_without_odd_cells_scores_on_both_engines(tmp_path):
    path = workbook(tmp_path / "base.xlsx")
    for engine in ENGINES:
        assert scores(path, engine) == {"A1": ("ok", 88.8), "B2": ("ok", 88.8)}, engine
        assert cli("validate", path, "--engine", engine)[0] == 0


def test_forced_column_keeps_its_texts_exactly(tmp_path):
    """A #NAME? among notes makes calamine force the notes column: Chinese text, a text ``001``
    (which calamine would read as the number 1), escapes and a real number all read as typed."""
    notes = {"F2": "迟到 10 分钟", "F3": "001", "F4": 'say "hi"\tnow', "F5": 12.5, "F7": "1e3"}

    def spoil(wb, ev):
        for ref, v in notes.items():
            ev.write(ref, v)
        ev.write_formula("F6", NAME_ERROR[0], None, NAME_ERROR[1])

    path = workbook(tmp_path / "notes.xlsx", spoil)
    both = read_both(path)
    for engine, inputs in both.items():
        assert list(inputs.events.frame["note"][:6]) == ["迟到 10 分钟", "001", 'say "hi"\tnow', "12.5", "", "1e3"], engine
        (p,) = [p for p in inputs.problems if p.severity == "error" and p.code.startswith("bad_")]
        assert (p.code, p.where, p.en) == ("bad_text", "事件!F6 / Events!F6", "Note value '#NAME?' is an error value."), engine
    assert [p.as_dict() for p in both["fastexcel"].problems] == [p.as_dict() for p in both["openpyxl"].problems]


def test_time_in_a_text_column_is_its_text_on_both_engines(tmp_path):
    path = workbook(tmp_path / "note_time.xlsx", lambda wb, ev: (ev.write("F2", "加班"),
                                                               number("F9", 0.125, "h:mm")(wb, ev)))
    for engine, inputs in read_both(path).items():
        assert list(inputs.events.frame["note"][[0, 7]]) == ["加班", "03:00:00"], engine
        assert not [p for p in inputs.problems if p.severity == "error"], engine


def test_duration_column_with_blanks_reports_only_the_duration(tmp_path):
    """Only durations in the value column (calamine types it as a duration): the blank cells stay blank."""
    beside_a_number = workbook(tmp_path / "durations.xlsx", number("E9", 0.125, "[h]:mm"), employees=("A1",))
    only = workbook(tmp_path / "durations2.xlsx", lambda wb, ev: (number("E5", 0.125, "[h]:mm")(wb, ev),
                                                                  number("E9", 0.125, "[h]:mm")(wb, ev)), employees=("A1",))
    for path, refs in ((beside_a_number, ["E9"]), (only, ["E5", "E9"])):
        for engine, inputs in read_both(path).items():
            errors = [(x.code, x.where, x.en) for x in inputs.problems if x.code.startswith("bad_")]
            assert errors == [("bad_number", f"事件!{r} / Events!{r}", "Value '3:00:00' is not a number.")
                              for r in refs], (engine, path.name)


def test_many_untypable_columns_are_each_reported_within_bounded_loads(tmp_path, monkeypatch):
    """Six columns calamine cannot type (more than MAX_RETRIES): every odd cell is still located,
    B2's dates (then read from their serials) still score, and the sheet is loaded a bounded number of times."""
    odd = {"A9": "3:00:00", "C4": "#NAME?", "D6": "#NAME?", "E5": "#NAME?", "F3": "#NAME?"}

    def spoil(wb, ev):
        number("A9", 0.125, "[h]:mm")(wb, ev)
        formula("C4", "D6", "E5", "F3", "G2", "H2")(wb, ev)
        ev.write_number("G3", 1.5)
        ev.write("H3", "x")

    path = workbook(tmp_path / "many.xlsx", spoil, extra=("附注1", "附注2"))
    both = read_both(path)
    assert [p.as_dict() for p in both["fastexcel"].problems] == [p.as_dict() for p in both["openpyxl"].problems]
    for engine, inputs in both.items():
        found = {p.where.split(" / ")[0][3:]: p.en for p in inputs.problems if p.code.startswith("bad_")}
        assert {ref: en.split("'")[1] for ref, en in found.items()} == odd, engine
        assert scores(path, engine)["B2"] == ("ok", 88.8), engine
        assert cli("validate", path, "--engine", engine)[0] == 1

    loads = []
    book = FastexcelBook(path, background=False)
    real = book._reader

    class Counting:
        def load_sheet(self, *args, **kwargs):
            loads.append(kwargs.get("dtypes"))
            return real.load_sheet(*args, **kwargs)

    book._reader = Counting()
    try:
        raw = book.read("事件")
    finally:
        book._reader = real
        book.close()
    assert len(loads) <= fastexcel_engine.MAX_RETRIES + 3 and loads[-2] == "float"  # every column at once
    assert raw.columns[0].iloc[7] == dt.timedelta(hours=3) and raw.columns[0].iloc[8] == dt.datetime(2026, 10, 8)


def test_a_sheet_calamine_cannot_parse_is_still_unreadable(tmp_path):
    """Only the two "cannot type this column" failures are retried: a broken sheet part exits 2."""
    import zipfile

    path = workbook(tmp_path / "ok.xlsx", formula("D6"))
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(broken, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"</c>", b"</x>", 1)
            zout.writestr(info, data)
    code, out, err = cli("validate", broken, "--engine", "fastexcel")
    assert code == 2 and "Cannot read broken.xlsx 事件:" in err and "Traceback" not in out + err


@pytest.mark.parametrize(("detail", "cell"), [
    ("Expected float but got 'Error(Name)'", "#NAME?"),
    ("Expected float but got 'String(\"备注 \\\"a\\\"\\n\\u{7f}\")'", '备注 "a"\n\x7f'),
    ("Expected float but got 'DateTime(ExcelDateTime { value: 0.125, datetime_type: TimeDelta, is_1904: false })'",
     dt.timedelta(hours=3)),
    ("Expected float but got 'DateTime(ExcelDateTime { value: 46303.5, datetime_type: DateTime, is_1904: false })'",
     dt.datetime(2026, 10, 8, 12)),
    ("Expected float but got 'DateTime(ExcelDateTime { value: 0.36597222, datetime_type: DateTime, is_1904: false })'",
     dt.datetime(1899, 12, 31, 8, 47)),
    ("Expected float but got 'DateTime(ExcelDateTime { value: 44841.0, datetime_type: DateTime, is_1904: true })'",
     dt.datetime(2026, 10, 8)),
])
def test_cell_error_details_are_the_cells_they_describe(detail, cell):
    got = fastexcel_engine._cell(detail)
    assert (got.text if hasattr(got, "text") else got) == cell


@pytest.mark.parametrize(("detail", "text"), [
    ("Expected float but got 'DurationIso(\"PT3H\")'", 'DurationIso("PT3H")'),
    ("Expected float but got 'DateTime(ExcelDateTime { value: 1e300, datetime_type: DateTime, is_1904: false })'",
     "DateTime(ExcelDateTime { value: 1e300, datetime_type: DateTime, is_1904: false })"),
])
def test_a_detail_not_understood_is_an_error_value_never_an_empty_cell(detail, text):
    got = fastexcel_engine._cell(detail)
    assert isinstance(got, CellError) and got.text == text


@pytest.mark.parametrize(("value", "text"), [
    (dt.time(8, 47), "08:47:00"), (dt.time(23, 59, 59, 700_000), "23:59:59"),
    (dt.datetime(1899, 12, 30, 8, 47), "08:47:00"), ("1899-12-31 03:00:00", "03:00:00"),
    (dt.timedelta(hours=3), "3:00:00"), (dt.timedelta(hours=25, minutes=30), "25:30:00"),
    (dt.timedelta(hours=-3), "-3:00:00"), (dt.datetime(1900, 1, 1, 8, 47), "1900-01-01 08:47:00"),
])
def test_times_and_durations_are_shown_as_excel_shows_them(value, text):
    assert shown(value) == text
    if isinstance(value, (dt.time, dt.timedelta)):
        assert clock_text(value) == text
