"""Team/department Metrics rows that no employee's group reads (QA finding F10, S6 cs_reward_pct).

Expectations computed by hand from SCHEMES.md S6, worked example (department rated 较好, October
2026, weeks credited Sep 28, Oct 5, 12, 19 by R-G-3): A (callback staff, 4,800 元, rates 92/95/91/90,
selected) gets CALLBACK_90_1PCT 48.00 + DEPT_GOOD_1PCT 48.00 = 96.00; B (5,200 元, 个人表现优秀) gets
BEST_CS_0_5PCT 26.00 + DEPT_GOOD_1PCT 52.00 = 78.00 (R-RP-2, R-RP-3, R-RP-4).

A DEPT_RATING row naming a department no employee is in is read for nobody; which group it was
meant for cannot be told, so, as for an unknown employee ID on the Metrics sheet, it is an error
no employee owns and every result is withheld. Metrics columns: A employee, B team, C metric, D value.
"""

from __future__ import annotations

import json
from decimal import Decimal

from conftest import cli, run

SCHEME = "cs_reward_pct"
WEEKS = ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19"]
EMPS = [{"id": "A", "name": "甲", "role": "客服", "department": "客服一部", "callback_staff": True},
        {"id": "B", "name": "乙", "role": "客服", "department": "客服一部", "callback_staff": False}]


def m(employee, metric, value, **kw):
    return {"employee": employee, "metric": metric, "value": value, **kw}


def worked_example(rating_row: dict) -> list[dict]:
    """The S6 worked example's Metrics rows; the DEPT_RATING row is the 9th, on sheet row 10."""
    rows = [m("A", "MONTHLY_TOTAL_WAGES", 4800), m("A", "HR_CALLBACK_SELECTED", True)]
    rows += [m("A", "WEEKLY_CALLBACK_RATE", r, week_start=w) for w, r in zip(WEEKS, (92, 95, 91, 90), strict=True)]
    rows += [m("B", "MONTHLY_TOTAL_WAGES", 5200), m("B", "HR_EXCELLENT", True), {"metric": "DEPT_RATING", **rating_row}]
    return rows


def dept(team: str) -> dict:
    return {"team": team, "value": "较好"}


def score(metrics, employees=None):
    return run(SCHEME, "2026-10", employees=employees or EMPS, metrics=metrics)


def test_the_worked_example_with_the_departments_own_name():
    result = score(worked_example(dept("客服一部")))
    assert not result.errors
    assert result.value("A", "money.awards") == Decimal("96.00")
    assert result.value("B", "money.awards") == Decimal("78.00")
    assert result.value("B", "DEPT_GOOD_1PCT.amount") == Decimal("52.00")


def test_a_rating_for_a_department_nobody_is_in_is_located_and_withholds_every_result():
    # F10: '客服1部' for '客服一部' silently cost A 48.00 and B 52.00; the only sign was a per-employee
    # "DEPT_RATING missing, default empty used" warning that never named 指标!B10.
    result = score(worked_example(dept("客服1部")))
    found = [p for p in result.problems if p.code == "unknown_group"]
    assert len(found) == 1
    pr = found[0]
    assert (pr.where, pr.severity, pr.employee) == ("指标!B10 / Metrics!B10", "error", None)
    assert "'客服1部'" in pr.en and "Teams/departments on the Employees sheet: 客服一部" in pr.en
    assert "“客服1部”" in pr.zh and "DEPT_RATING" in pr.zh and "客服一部" in pr.fix_zh
    assert "Spell it as on the Employees sheet (e.g. 客服一部)" in pr.fix_en
    for e in ("A", "B"):
        emp = result.employee(e)
        assert emp.status == "error" and emp.values.get("money.awards") is None
        assert [p.code for p in emp.problems] == ["unknown_group"]
    # the generic default warning no longer stands in for the located error
    assert not [p for p in result.problems if p.code != "unknown_group"]


def test_a_rating_given_by_employee_id_instead_of_the_department():
    # the lookup is by team/department (Context.group_keys), so an employee-keyed DEPT_RATING is read for nobody
    result = score(worked_example({"employee": "A", "value": "较好"}))
    found = [p for p in result.problems if p.code == "group_metric_by_employee"]
    assert [(p.where, p.severity, p.employee) for p in found] == [("指标!A10 / Metrics!A10", "error", None)]
    assert "'A'" in found[0].en and "客服一部" in found[0].fix_en
    assert result.employee("A").status == "error" and result.employee("B").status == "error"


def test_a_team_name_or_a_blank_group_is_read_and_not_reported():
    # the lookup reads the employee's department, then team, then a row naming neither (R-RP-2: 1% of own wages)
    emps = [{**e, "team": "一组"} for e in EMPS]
    for row in (dept("一组"), {"value": "较好"}):
        result = score(worked_example(row), emps)
        assert not result.errors, row
        assert (result.value("A", "money.awards"), result.value("B", "money.awards")) == (Decimal("96.00"),
                                                                                          Decimal("78.00"))


def test_a_group_without_members_still_ranks_in_s14():
    # S14 ranks every group with item rows, members listed or not (rank_teams): G2 has no member here.
    # One item of level 4: G1 rank 1 -> 4 x 8 = 32 -> A (best group); G2 rank 2 -> 28 (R-GB-2, R-GB-3).
    ranks = [{"team": "G1", "metric": "GB_ITEM_1", "value": 1}, {"team": "G2", "metric": "GB_ITEM_1", "value": 2}]
    member = [m("a", "WORK_POINTS", 100)]
    emps = [{"id": "a", "name": "a", "role": "组员", "team": "G1"}]
    ok = run("gubang_group_rank", "2024-05", employees=emps, metrics=ranks + member, parameters={"ITEMS": "4"})
    assert not ok.errors and ok.value("a", "group.grade") == "A"
    # a department decision for G2 (ranked, no members) is read; one for G9 (no rows, no members) is not
    e2 = [{"team": "G2", "metric": "GB_E_DECISION", "value": True}]
    assert not run("gubang_group_rank", "2024-05", employees=emps, metrics=ranks + member + e2,
                   parameters={"ITEMS": "4"}).errors
    e9 = [{"team": "G9", "metric": "GB_E_DECISION", "value": True}]
    bad = run("gubang_group_rank", "2024-05", employees=emps, metrics=ranks + member + e9, parameters={"ITEMS": "4"})
    assert [(p.code, p.where, p.severity) for p in bad.errors] == [("unknown_group", "指标!B5 / Metrics!B5", "error")]
    assert "Teams/departments on the Employees sheet: G1, G2" in bad.errors[0].en
    assert bad.employee("a").status == "error"


def test_the_workbook_through_the_cli(tmp_book):
    good = tmp_book(SCHEME, "2026-10", name="good.xlsx", employees=EMPS, metrics=worked_example(dept("客服一部")))
    code, out, err = cli("score", good, "--json", "--compact")
    assert code == 0, err
    assert {r["employee_id"]: r["values"]["money.awards"] for r in json.loads(out)} == {"A": 96, "B": 78}
    bad = tmp_book(SCHEME, "2026-10", name="bad.xlsx", employees=EMPS, metrics=worked_example(dept("客服1部")))
    code, out, _ = cli("validate", bad)
    assert code == 1
    assert "指标!B10 / Metrics!B10  [错误 error]" in out and "'客服1部'" in out
    code, out, _ = cli("score", bad, "--json", "--compact")
    assert code == 1 and {r["status"] for r in json.loads(out)} == {"error"}
