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


# A 所属月份 / 月份 cell: the same 2026.1 (October's 2026.10 in a General cell, or January?) is refused
# at its cell on both engines; 2026.11 and 2026.01 are months. kefu_rules_95, November, no test this
# month: the latest test counts (R-KR-5): 85 (< 90) gives V_KNOWLEDGE 5, 93 gives 10.
S11_EMP = [{"id": "U1", "name": "甲", "role": "客服", "department": "客服中心", "employment": "正式员工"}]
S11_METRICS = [{"employee": "U1", "metric": k, "value": v} for k, v in {
    "CSAT_RATE": 95, "OVERTIME_PER_RULES": "是", "A_INITIATIVE": 5, "A_PEER": 5, "T_COLLAB": 5, "T_SHARE": 5}.items()]


def s11_book(tmp_book, month_cell, sheet):
    test = {"employee": "U1", "value": 85}
    older = {"employee": "U1", "value": 93}
    if sheet == "metrics":
        rows = [{**test, "metric": "KNOWLEDGE_TEST", "period": "2026-10"}, {**older, "metric": "KNOWLEDGE_TEST", "period": "2026-09"}]
        path = tmp_book("kefu_rules_95", "2026-11", employees=S11_EMP, metrics=S11_METRICS + rows)
        sheet_name, row = "指标", len(S11_METRICS) + 2
    else:
        rows = [{**test, "item": "KNOWLEDGE_TEST", "period": "2026-10"}, {**older, "item": "KNOWLEDGE_TEST", "period": "2026-09"}]
        path = tmp_book("kefu_rules_95", "2026-11", employees=S11_EMP, metrics=S11_METRICS, history=rows)
        sheet_name, row = "历史", 2
    wb = openpyxl.load_workbook(path)
    ws = next(wb[n] for n in wb.sheetnames if n.startswith(sheet_name))
    letter = next(c.column_letter for c in ws[1] if c.value and ("所属月份" in c.value or "月份" in c.value))
    ws[f"{letter}{row}"] = month_cell
    wb.save(path)
    return path, f"{ws.title}!{letter}{row}"


@pytest.mark.parametrize("engine", ["fastexcel", "openpyxl"])
@pytest.mark.parametrize("sheet", ["metrics", "history"])
def test_a_month_cell_of_2026_1_is_refused_at_its_cell(tmp_book, engine, sheet):
    # before: 2026.1 was January, so September's 93 was the latest test: V_KNOWLEDGE 10, score 95 (silently)
    path, where = s11_book(tmp_book, 2026.1, sheet)
    code, out, err = cli("validate", path, "--engine", engine)
    assert code == 1
    assert f"{where} /" in out + err and "2026-01" in out + err and "2026-10" in out + err
    code, out, err = cli("score", path, "--engine", engine, "--json", "--no-explain")
    assert code == 1 and json.loads(out)[0]["status"] == "error"


@pytest.mark.parametrize("engine", ["fastexcel", "openpyxl"])
@pytest.mark.parametrize("month", ["2026.10", "2026-10", "2026年10月"])
def test_other_spellings_of_october_are_read(tmp_book, engine, month):
    # October: the latest test is 85 (< 90) -> V_KNOWLEDGE 5, score 95 - 5 = 90 (R-KR-5)
    path, _ = s11_book(tmp_book, month, "metrics")
    code, out, err = cli("score", path, "--engine", engine, "--json", "--no-explain")
    [record] = json.loads(out)
    assert code == 0, err
    assert record["outputs"]["V_KNOWLEDGE"] == 5 and record["score"] == 90
