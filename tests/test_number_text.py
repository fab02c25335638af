"""Numbers typed as text: a comma is a thousands separator only where it groups thousands; a
decimal comma ("1,5", "1，5") or Decimal's digit grouping ("1_5") is no number, never 15."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

from kpixl.core.numbers import NotANumber, to_decimal


@pytest.mark.parametrize("text,value", [
    ("12,345", Decimal("12345")), ("12,345.67", Decimal("12345.67")), ("1,234,567", Decimal("1234567")),
    ("-1,234", Decimal("-1234")), ("1，234", Decimal("1234")), (" 3 ", Decimal("3")), ("１２", Decimal("12")),
    ("1.5", Decimal("1.5")), ("96.5%", Decimal("96.5")),
    # full-width as a Chinese keyboard types it, and the typographic minus (a copied "−3")
    ("８０．５", Decimal("80.5")), ("８０．５％", Decimal("80.5")), ("－３", Decimal("-3")), ("−3", Decimal("-3")),
    ("１２，３４５．５", Decimal("12345.5")),
])
def test_numbers_as_text(text, value):
    assert to_decimal(text) == value


@pytest.mark.parametrize("text", ["１，５", "1,5", "1，5", "1_5", "1,23", "1,2345", "12,34,567", ",5", "5,", "1,5%"])
def test_text_that_is_no_number(text):
    with pytest.raises(NotANumber):
        to_decimal(text)


@pytest.mark.parametrize("qty", ["1,5", "1，5", "1_5"])
def test_a_decimal_comma_in_a_qty_cell_is_a_located_error(qty):
    # S1 (R-WK-13): overtime is 1 point per hour. "1,5" used to count 15 hours (+15 points).
    emps = [{"id": "A1", "name": "甲", "role": "客服", "department": "客服部"},
            {"id": "A2", "name": "乙", "role": "客服", "department": "客服部"}]
    metrics = [{"employee": e, "metric": "LEAVE_DAYS", "value": 0} for e in ("A1", "A2")]
    events = [{"date": "2026-10-13", "employee": "A1", "rule": "BON_OVERTIME", "qty": qty},
              {"date": "2026-10-13", "employee": "A2", "rule": "BON_OVERTIME", "qty": "1,000"}]
    r = run("weikang_100", employees=emps, events=events, metrics=metrics,
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    a1 = r.employee("A1")
    assert a1.status == "error" and "score" not in a1.values
    assert any(p.where == "事件!D2 / Events!D2" for p in r.problems)
    # "1,000" hours is a thousands separator: read as 1000, then above the rule's 24 per row
    assert any(p.code == "qty_above_max" and p.where == "事件!D3 / Events!D3" for p in r.employee("A2").problems)
