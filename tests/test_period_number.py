"""PERIOD typed as a number: 2026.10 in a General cell is the number 2026.1 (January or October?),
so a number in PERIOD is a located error, never a month guessed from its digits."""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import cli

EMPS = [{"id": "A", "name": "甲", "role": "客服", "department": "客服一部"}]
METRICS = [{"employee": "A", "metric": "MONTHLY_TOTAL_WAGES", "value": 4800},
           {"team": "客服一部", "metric": "DEPT_RATING", "value": "较好"}] + [
    {"employee": "A", "metric": m, "value": "否"} for m in ("HR_EXCELLENT", "HR_OUTSTANDING", "HR_POOR", "HR_CALLBACK_SELECTED")]


def period_cell(path, value):
    wb = openpyxl.load_workbook(path)
    ws = next(wb[n] for n in wb.sheetnames if n.startswith("参数"))
    cell = next(row[2] for row in ws.iter_rows(min_row=2) if row[0].value == "PERIOD")
    cell.value = value
    wb.save(path)
    return f"{ws.title}!{cell.coordinate}"


@pytest.mark.parametrize("value", [2026.1, 202610, 2026.11])
def test_a_number_in_period_is_a_located_error(tmp_book, value):
    path = tmp_book("cs_reward_pct", "2026-10", name="book.xlsx", employees=EMPS, metrics=METRICS)
    where = period_cell(path, value)
    code, out, err = cli("score", path)
    assert code == 1 and out == ""
    assert f"{where} / Parameters!" in err and f"数字 {value}" in err and "2026-10" in err
    assert "没有指定考核期" not in err  # the cell's own problem, not "no period is given"


def test_period_confirmed_on_the_command_line(tmp_book):
    # S6 worked example's A: 1% of 4800 for the department rated 较好 = 48.00 (no other award)
    path = tmp_book("cs_reward_pct", "2026-10", name="book.xlsx", employees=EMPS, metrics=METRICS)
    period_cell(path, 2026.1)
    code, out, err = cli("score", path, "--period", "2026-10", "--json", "--no-explain")
    assert code == 0, err
    [record] = json.loads(out)
    assert record["period"] == "2026-10" and record["status"] == "ok"
    assert record["outputs"]["DEPT_GOOD_1PCT.amount"] == 48 and record["score"] == 48
