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


def test_a_zero_base_salary_under_a_percent_deduction_withholds_at_its_cell():
    # R-WK-15: 5% of base salary per late report; a base of 0 made the fine 0.00 yuan without a word.
    # K2 (3,000, another department: K1's withheld month withholds its own department, R-WK-11):
    # 5% x 3000 x 1 = 150.00 yuan, scored as before.
    r = run("weikang_100", "2026-10", employees=[
        {"id": "K1", "name": "甲", "role": "客服顾问", "department": "客服部", "base_salary": 0},
        {"id": "K2", "name": "乙", "role": "客服顾问", "department": "客服二部", "base_salary": 3000}],
        events=[{"date": "2026-10-09", "employee": "K1", "rule": "CONS_REPORT_LATE"},
                {"date": "2026-10-09", "employee": "K2", "rule": "CONS_REPORT_LATE"}],
        metrics=[{"employee": k, "metric": "LEAVE_DAYS", "value": 0} for k in ("K1", "K2")],
        parameters={"LEARNING_ACTIVITIES_HELD": 0})
    k1 = r.employee("K1")
    assert k1.status == "error" and "money.deductions" not in k1.values
    (p,) = [p for p in k1.problems if p.code == "zero_base"]
    assert p.where.startswith("员工!F2") and "Base salary is 0" in p.en and "基础工资是 0" in p.zh
    assert str(r.employee("K2").values["money.deductions"]) == "150.00"


def test_a_team_spelled_another_way_in_a_team_ranking_withholds_that_team():
    # S8 ranks within each 小组 (R-CY-1, R-CY-3, R-CY-7). Before: A's "team1" was ranked alone (day top +2,
    # week and month 0 as both first and last, R-CY-3; month top +5: 7) and B, C were ranked without A
    # (B the day's top) while only B and C were withheld. A person's team decides everyone's places in it
    # (R-G-2), so A, B and C are all withheld; 第二组 is untouched.
    # 第二组 by hand, one day (Tue 2026-10-06, its week Mon 10-05..Sun 10-11 is October's, R-G-3):
    #   day: D 50 is the top +2, E 40 +1 (R-CY-1); week: D 1st +5, E 2nd but last 0 (R-CY-3);
    #   month: D 1st +8, E last 0; other points D 2+5+8 = 15, E 1; month top D +5 (R-CY-4): D 20, E 1.
    metrics = [{"date": "2026-10-06", "employee": e, "metric": "COLLECTIONS", "value": v}
               for e, v in (("A", 300), ("B", 200), ("C", 100), ("D", 50), ("E", 40))]
    teams = {"A": "team1", "B": "Team1", "C": "Ｔｅａｍ１", "D": "第二组", "E": "第二组"}
    r = run("canyin_center_points", "2026-10", metrics=metrics,
            employees=[{"id": e, "name": e, "role": "客服", "team": t} for e, t in teams.items()])
    assert {e.id: e.status for e in r.employees} == {"A": "error", "B": "error", "C": "error", "D": "ok", "E": "ok"}
    assert [r.employee(e).values["score"] for e in ("D", "E")] == [20, 1]
    where = {e: [p.where for p in r.employee(e).problems if p.code == "team_spelling"] for e in "ABC"}
    # B and C at their own cells (E3, E4); A, spelled like the first, at the first other spelling (B's E3)
    assert where == {"A": ["员工!E3 / Employees!E3"], "B": ["员工!E3 / Employees!E3"], "C": ["员工!E4 / Employees!E4"]}
    (a,) = [p for p in r.employee("A").problems if p.code == "team_spelling"]
    assert "ranks within each team" in a.en and "按小组排名" in a.zh and "Team1" in a.en


def test_a_team_spelled_another_way_outside_a_ranking_withholds_only_its_employee():
    # S1 has no team ranking and no team-wide rule: an odd team spelling stays an error on its own employee
    # (100 + 5 全勤 + 3 学习 + 3 department clean = 111 for the others, R-WK-9..11)
    r = run(SCHEME, "2026-10", parameters=PARAMS,
            employees=[{"id": f"W{i}", "name": f"员{i}", "role": "客服", "department": "客服部", "team": t}
                       for i, t in enumerate(["一组", "一组", "一 组"], start=1)],
            metrics=[{"employee": f"W{i}", "metric": "LEAVE_DAYS", "value": 0} for i in (1, 2, 3)])
    assert {e.id: e.status for e in r.employees} == {"W1": "ok", "W2": "ok", "W3": "error"}
    assert [r.employee(e).values["score"] for e in ("W1", "W2")] == [111, 111]
