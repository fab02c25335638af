"""部门/小组 cells a department-wide rule reads (S1 R-WK-11: +3 when the whole department had no error
or complaint): a blank department beside filled ones, or one department spelled two ways, would split
the department silently, so each is an error on its employee."""

from __future__ import annotations

import pytest
from conftest import run

SCHEME = "weikang_100"
PARAMS = {"LEARNING_ACTIVITIES_HELD": 1}


def emps(depts):
    return [{"id": f"W{i}", "name": f"员{i}", "role": "客服", "department": d} for i, d in enumerate(depts, start=1)]


def score(depts):
    metrics = [{"employee": f"W{i}", "metric": "LEAVE_DAYS", "value": 0} for i in range(1, len(depts) + 1)]
    events = [{"date": "2026-10-09", "employee": "W1", "rule": "DIS_COMPLAINT"}]
    return run(SCHEME, "2026-10", employees=emps(depts), events=events, metrics=metrics, parameters=PARAMS)


def test_one_department_all_spelled_alike_gets_no_clean_bonus():
    # W1's complaint: nobody gets BON_DEPT_CLEAN. W1 100 - 5 + 5 (全勤) + 3 (学习) = 103; W2, W3 108.
    r = score(["客服部", "客服部", "客服部"])
    assert [r.employee(e).values["score"] for e in ("W1", "W2", "W3")] == [103, 108, 108]


@pytest.mark.parametrize("third,code", [("", "department_missing"), ("客服部 ", None), ("ＣＳ部", "department_spelling")])
def test_a_blank_or_other_spelling_is_an_error_on_its_employee(third, code):
    # before: W3 with a blank department was a department of one, "clean", and got +3: 111 instead of 108
    depts = ["CS部", "CS部", third] if code == "department_spelling" else ["客服部", "客服部", third]
    r = score(depts)
    w3 = r.employee("W3")
    if code is None:  # a trailing space is the same spelling
        assert w3.values["score"] == 108
        return
    assert w3.status == "error" and "score" not in w3.values
    (pr,) = [p for p in w3.problems if p.code == code]
    assert pr.where == "员工!D4 / Employees!D4"
    assert [r.employee(e).values["score"] for e in ("W1", "W2")] == [103, 108]


def test_no_department_at_all_is_one_department():
    r = score(["", "", ""])
    assert [r.employee(e).values["score"] for e in ("W1", "W2", "W3")] == [103, 108, 108]


def test_a_blank_team_in_a_team_ranking_withholds_everyone():
    # S8 ranks within each 小组 (R-CY-*): A with a blank team was ranked alone (day top +2, month top +5),
    # which made B the top of 商务一组. Which team A belongs to decides B's and C's places: nobody is scored.
    metrics = [{"date": "2026-10-06", "employee": e, "metric": "COLLECTIONS", "value": v}
               for e, v in (("A", 300), ("B", 200), ("C", 100))]
    r = run("canyin_center_points", "2026-10", metrics=metrics, employees=[
        {"id": "A", "name": "A", "role": "客服", "team": ""},
        {"id": "B", "name": "B", "role": "客服", "team": "商务一组"},
        {"id": "C", "name": "C", "role": "客服", "team": "商务一组"}])
    assert {e.id: e.status for e in r.employees} == {"A": "error", "B": "error", "C": "error"}
    assert {p.code for e in r.employees for p in e.problems if p.severity == "error"} == {"team_missing"}


def test_a_negative_base_salary_is_refused_at_its_cell():
    # R-WK-15: CONS_REPORT_LATE deducts 5% of base salary; -3000 made it a credit of 150.00 yuan
    r = run("weikang_100", "2026-10", employees=[
        {"id": "K1", "name": "甲", "role": "客服顾问", "department": "客服部", "base_salary": -3000}],
        events=[{"date": "2026-10-09", "employee": "K1", "rule": "CONS_REPORT_LATE"}])
    emp = r.employee("K1")
    assert emp.status == "error" and "out_of_range" in [p.code for p in emp.problems]
