"""The xlwings engine hands the parser the same cell kinds as the file engines (no Excel here: a
stand-in for xlwings' Range with the values and formats Excel delivers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kpixl.workbook import contract
from kpixl.workbook.cells import CellError, Percent
from kpixl.workbook.engines.xlwings_engine import XlwingsBook
from kpixl.workbook.parse import parse_sheet


class FakeRange:
    def __init__(self, values, formats, row=1, column=1):
        self._values, self._formats, self.row, self.column = values, formats, row, column

    def options(self, **kw):
        assert kw.get("err_to_str") is True
        return self

    @property
    def value(self):
        return self._values

    @property
    def columns(self):
        return [FakeCell(None if len(set(c)) > 1 else c[0]) for c in zip(*self._formats, strict=True)]

    def __getitem__(self, ij):
        i, j = ij
        return FakeCell(self._formats[i][j])


class FakeCell:
    def __init__(self, fmt):
        self.number_format = fmt


class FakeSheet:
    def __init__(self, name, rng):
        self.name, self.used_range = name, rng


class FakeBook:
    name = "live.xlsx"

    def __init__(self, sheets):
        self.sheets = _Sheets(sheets)


class _Sheets(list):
    def __getitem__(self, key):
        return next(s for s in self if s.name == key) if isinstance(key, str) else super().__getitem__(key)


def test_live_values_become_cell_kinds():
    g = "General"
    values = [["工号", "指标代码", "数值"],
              ["E1", "ANSWER_RATE", 0.62],
              ["E2", "ANSWER_RATE", -2146826246],  # #N/A as pywin32 delivers it
              ["E3", "ANSWER_RATE", "#DIV/0!"],  # with err_to_str
              ["E4", "ANSWER_RATE", True],
              ["E5", "ANSWER_RATE", 96.5]]
    formats = [[g, g, g], [g, g, "0%"], [g, g, "0%"], [g, g, g], [g, g, g], [g, g, g]]
    book = XlwingsBook(FakeBook([FakeSheet("指标", FakeRange(values, formats))]))
    raw = book.read("指标")
    assert raw.columns[2].tolist() == [Percent(0.62), CellError("#N/A"), CellError("#DIV/0!"), True, 96.5]
    from kpixl.core.scheme import load_scheme

    spec = contract.metrics_sheet(load_scheme("weikang_100"))
    table, problems = parse_sheet(raw, spec)
    assert table.frame["value"].tolist()[0] == Decimal("62") and table.frame["value"].tolist()[3] is True
    assert [(p.code, p.where) for p in problems] == [("bad_any", "指标!C3 / Metrics!C3"), ("bad_any", "指标!C4 / Metrics!C4")]
    assert "'#N/A' is an error value" in problems[0].en


def test_uniform_percent_column_and_dates():
    values = [["日期", "数值"], [dt.datetime(2026, 10, 5, 8, 47), 0.5], [dt.datetime(2026, 10, 6), 0.25]]
    formats = [["General", "General"], ["yyyy-mm-dd hh:mm", "0.0%"], ["yyyy-mm-dd hh:mm", "0.0%"]]
    rng = FakeRange(values, formats)
    rng_formats = [["yyyy-mm-dd hh:mm", "0.0%"]] * 3  # the header row shares the column's format
    rng._formats = rng_formats
    raw = XlwingsBook(FakeBook([FakeSheet("S", rng)])).read("S")
    assert raw.columns[1].tolist() == [Percent(0.5), Percent(0.25)]
    assert Percent(0.25).as_decimal() == Decimal("25")
