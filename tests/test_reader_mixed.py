"""Cells a clerk's workbook mixes read the same on both file engines, and a percent is not a count.

- A 1904 workbook (a Mac workbook: serial 0 is 1904-01-01): a time typed into the date column is
  a time (calamine put it on 1904-01-01, a real date 120 years before the period, and the row was
  silently ignored as outside the period); its real dates still read right.
- A column of numbers or dates with one text in it: calamine makes it a text column and writes
  the numbers to nine decimals and the dates as ``2026-10-05 00:00:00``. Such a column is read
  again cell by cell, so each cell is what it is (the number exact, the date a date).
- A quantity typed as a percent (``12%``, ``12％``, or 0.12 in a cell formatted ``0%``) is not 12
  occurrences: it is a located problem and the employee's result is withheld.

The workbooks are test_reader_times's (SCHEMES.md S1's example 甲 for A1 and again for B2 = 88.8).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest
from conftest import cli
from test_reader_times import number, read_both, scores, workbook

from kpixl.core.numbers import to_decimal
from kpixl.workbook.contract import Column, SheetSpec
from kpixl.workbook.engines.fastexcel_engine import _rendered
from kpixl.workbook.parse import RawSheet, parse_sheet

DATE_1904 = {"date_1904": True}


def same_on_both(path):
    both = read_both(path)
    assert [p.as_dict() for p in both["fastexcel"].problems] == [p.as_dict() for p in both["openpyxl"].problems]
    return both


def errors(inputs):
    return [(p.code, p.where.split(" / ")[0], p.en) for p in inputs.problems if p.severity == "error"]


def test_time_in_the_date_column_of_a_1904_workbook_is_not_a_date(tmp_path):
    path = workbook(tmp_path / "mac.xlsx", number("A9", 0.36597222, "h:mm"), options=DATE_1904)
    for engine, inputs in same_on_both(path).items():
        assert errors(inputs) == [("bad_date", "事件!A9", "Date value '08:47:00' is not a valid date.")], engine
        assert not [p for p in inputs.problems if p.code == "outside_period"], engine
        assert scores(path, engine) == {"A1": ("error", None), "B2": ("ok", 88.8)}, engine


def test_time_in_a_mixed_date_column_of_a_1904_workbook(tmp_path):
    """A date typed as text beside it makes calamine write the column as text."""
    def spoil(wb, ev):
        number("A9", 0.36597222, "h:mm")(wb, ev)
        ev.write_string("A3", "2026-10-09")

    path = workbook(tmp_path / "mac_mixed.xlsx", spoil, options=DATE_1904)
    for engine, inputs in same_on_both(path).items():
        assert errors(inputs) == [("bad_date", "事件!A9", "Date value '08:47:00' is not a valid date.")], engine
        assert scores(path, engine) == {"A1": ("error", None), "B2": ("ok", 88.8)}, engine


def test_a_1904_workbook_reads_its_dates(tmp_path):
    path = workbook(tmp_path / "mac_clean.xlsx", options=DATE_1904)
    for engine, inputs in same_on_both(path).items():
        assert inputs.events.frame["date"].min() == pd.Timestamp(2026, 10, 8), engine
        assert scores(path, engine) == {"A1": ("ok", 88.8), "B2": ("ok", 88.8)}, engine


def test_date_in_a_number_column_and_numbers_beside_it_read_exactly(tmp_path):
    """D6 holds a date, D9 (3 overtime hours in the example) a formula's 10/3 with more than nine decimals."""
    def spoil(wb, ev):
        ev.write_datetime("D6", dt.datetime(2026, 10, 5), wb.add_format({"num_format": "yyyy-mm-dd"}))
        ev.write_number("D9", 10 / 3)

    path = workbook(tmp_path / "qty_date.xlsx", spoil)
    for engine, inputs in same_on_both(path).items():
        found = errors(inputs)
        assert ("bad_number", "事件!D6", "Qty value '2026-10-05' is not a number.") in found, engine
        assert inputs.events.frame["qty"][7] == float(f"{10 / 3:.16g}"), engine  # as saved (xlsxwriter: 16 digits), not 3.333333333
        assert [w for _, w, _ in found] == ["事件!D6"], engine
        assert scores(path, engine)["B2"] == ("ok", 88.8), engine


def test_clerk_text_like_a_date_stays_text(tmp_path):
    path = workbook(tmp_path / "qty_text.xlsx", lambda wb, ev: ev.write_string("D6", "2026-10-05 00:00:00"))
    for engine, inputs in same_on_both(path).items():
        assert errors(inputs) == [("bad_number", "事件!D6", "Qty value '2026-10-05 00:00:00' is not a number.")], engine


PERCENT_QTY = {  # D6 is BIZ_CALLBACK_SHORT's 12 occurrences
    "text": lambda wb, ev: ev.write_string("D6", "12%"),
    "full_width_text": lambda wb, ev: ev.write_string("D6", "12％"),
    "percent_cell": number("D6", 0.12, "0%"),
}


@pytest.mark.parametrize("case", list(PERCENT_QTY))
def test_a_quantity_typed_as_a_percent_is_withheld(tmp_path, case):
    path = workbook(tmp_path / f"{case}.xlsx", PERCENT_QTY[case])
    shown = "12％" if case == "full_width_text" else "12%"
    for engine, inputs in same_on_both(path).items():
        (p,) = [p for p in inputs.problems if p.severity == "error"]
        assert (p.code, p.where) == ("percent_not_allowed", "事件!D6 / Events!D6"), engine
        assert p.en == f"Qty value '{shown}' is a percent, but qty is not a rate.", engine
        assert p.zh == f"“数量” 的值 “{shown}” 是百分数，而数量不是比率。", engine
        assert scores(path, engine) == {"A1": ("error", None), "B2": ("ok", 88.8)}, engine


def test_percent_only_where_a_number_column_takes_one():
    spec = SheetSpec("x", "表", "Sheet", (Column("rate", "比率", "Rate", "number"),
                                          Column("pay", "工资", "Pay", "money"),
                                          Column("days", "天数", "Days", "integer")))
    raw = RawSheet("表", ["比率", "工资", "天数"], [pd.Series(["96.5%", 90.0], dtype=object),
                                                    pd.Series(["5%", 4800.0], dtype=object),
                                                    pd.Series([90.0, "2%"], dtype=object)], ["A", "B", "C"], 2)
    table, problems = parse_sheet(raw, spec)
    assert list(table.frame["rate"]) == [96.5, 90.0]
    assert [(p.code, p.where) for p in problems] == [("percent_not_allowed", "表!B2 / Sheet!B2"),
                                                     ("percent_not_allowed", "表!C3 / Sheet!C3")]


def test_full_width_percent_is_a_percent():
    assert to_decimal("96.5％") == Decimal("96.5")
    assert to_decimal(" 96.5 % ") == Decimal("96.5")


def test_rendered_columns_are_found_on_the_arrow_buffers():
    assert _rendered(pa.array(["3.333333333", None, "A1"]))
    assert _rendered(pa.array(["x", "2026-10-05 00:00:00"]))
    assert _rendered(pa.array(["x", "-12.000000001"], type=pa.large_string()))
    assert not _rendered(pa.array(["E00001", "BIZ_CALLBACK_SHORT", "迟到 10 分钟", "3.5", "12.34567890", None]))
    assert not _rendered(pa.array(["2026-10-05", "10:30:00 迟到了一会儿", "a.123456789b"]))
    assert not _rendered(pa.array([None, None], type=pa.string()))
    assert _rendered(pa.array(["x", "y", "3.333333333"]).slice(1))
    assert not _rendered(pa.array(["3.333333333", "y", "z"]).slice(1))


@pytest.mark.parametrize("typed", ["3%", "percent_cell"])
def test_points_typed_as_a_percent_are_withheld(tmp_path, typed):
    """E5 is BIZ_SOP_ERROR's chosen 3 points (a range rule, R-G-6): 3% is not 3 points."""
    spoil = number("E5", 0.03, "0%") if typed == "percent_cell" else (lambda wb, ev: ev.write_string("E5", typed))
    path = workbook(tmp_path / "points.xlsx", spoil)
    for engine in same_on_both(path):
        code, out, _ = cli("score", path, "--json", "--engine", engine)
        people = {e["employee_id"]: e for e in json.loads(out)}
        assert [(p["code"], p["where"]) for p in people["A1"]["errors"]] == [("percent_not_allowed", "事件!E5 / Events!E5")]
        assert people["A1"]["errors"][0]["message_en"] == "The value of BIZ_SOP_ERROR is points, not a percent (is 3%)."
        assert (people["B2"]["status"], people["B2"]["score"]) == ("ok", 88.8), engine


@pytest.mark.parametrize("typed", ["8%", "percent_cell", 8])
def test_a_percent_range_takes_a_percent(tmp_path, typed):
    """S1 CONS_LECTURE deducts 5-10 % of a 客服顾问's base salary (R-WK-8): 8%, a 0% cell holding
    0.08 and a plain 8 are all 8 %: 8 % of 3,000.00 = 240.00 yuan."""
    def spoil(wb, ev):
        ev.write_datetime("A18", dt.datetime(2026, 10, 20), wb.add_format({"num_format": "yyyy-mm-dd"}))
        ev.write_row("B18", ["C3", "CONS_LECTURE"])
        if typed == "percent_cell":
            ev.write_number("E18", 0.08, wb.add_format({"num_format": "0%"}))
        else:
            ev.write("E18", typed)
        emp = wb.get_worksheet_by_name("员工")
        emp.write_row(0, 5, ["基础工资"])
        emp.write_row(3, 0, ["C3", "丙", "客服顾问", "客服3部", "一组", 3000])
        wb.get_worksheet_by_name("指标").write_row(3, 0, ["C3", "LEAVE_DAYS", 0])

    path = workbook(tmp_path / "lecture.xlsx", spoil)
    for engine in ("fastexcel", "openpyxl"):
        code, out, _ = cli("score", path, "--json", "--engine", engine)
        c3 = next(e for e in json.loads(out) if e["employee_id"] == "C3")
        assert c3["status"] == "ok", (engine, c3["errors"])
        assert [(x["rule"], x["amount"]) for x in c3["money"]["lines"]] == [("CONS_LECTURE", 240)], engine
