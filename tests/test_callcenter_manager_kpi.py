"""S2 callcenter_manager_kpi: weighted attainment against HR targets (SCHEMES.md S2).

Every expected value is computed by hand from SCHEMES.md S2 (weights 20/15/15/15/10/5/5/5/5/5,
R-MK-3 attainment, item scores rounded to 2 decimals, total = sum of the items).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

SCHEME = "callcenter_manager_kpi"
TARGETS = {
    "TARGET_K_COST_BUDGET": 100, "TARGET_K_SURVEY_PLAN": 95, "TARGET_K_PROCESS_IMPROVE": 90, "TARGET_K_CSAT": 90,
    "TARGET_K_CALL_VOLUME": 20000, "TARGET_K_FEEDBACK_TIMELY": 95, "TARGET_K_DEPT_COOP": 85, "TARGET_K_FCR": 80,
    "TARGET_K_STAFF_MGMT": 85,
}
# Every actual exactly at its target: each item scores its full weight, total 100.
AT_TARGET = {
    "K_BIZ_PLAN": 100, "K_COST_BUDGET": 100, "K_SURVEY_PLAN": 95, "K_PROCESS_IMPROVE": 90, "K_CSAT": 90,
    "K_CALL_VOLUME": 20000, "K_FEEDBACK_TIMELY": 95, "K_DEPT_COOP": 85, "K_FCR": 80, "K_STAFF_MGMT": 85,
}
MANAGER = [{"id": "M1", "name": "陈经理", "role": "呼叫中心经理"}]


def score(period="2026-10", params=None, **actuals):
    values = {**AT_TARGET, **actuals}
    metrics = [{"employee": "M1", "metric": k, "value": v} for k, v in values.items() if v is not None]
    return run(SCHEME, period, employees=MANAGER, metrics=metrics, parameters={**TARGETS, **(params or {})})


def test_everything_at_target_scores_100():
    r = score()
    assert r.employee("M1").values["score"] == Decimal(100)


@pytest.mark.parametrize("actuals,item,expected,total", [
    # R-MK-3: higher is better, a = min(actual/target, 1): no credit above 100%
    ({"K_CSAT": 99}, "K_CSAT.score", "10", "100"),
    ({"K_CSAT": 72}, "K_CSAT.score", "8", "98"),                 # 10 x 72/90 = 8
    # R-MK-3: lower is better, a = 1 when actual <= target, else target/actual
    ({"K_COST_BUDGET": 100}, "K_COST_BUDGET.score", "15", "100"),  # exactly the budget
    ({"K_COST_BUDGET": 0}, "K_COST_BUDGET.score", "15", "100"),
    ({"K_COST_BUDGET": 120}, "K_COST_BUDGET.score", "12.5", "97.5"),  # 15 x 100/120
    # R-MK-7: an actual with 4 decimals enters the ratio as entered: 20 x 0.923456 = 18.46912
    ({"K_BIZ_PLAN": "92.3456"}, "K_BIZ_PLAN.score", "18.47", "98.47"),
    # R-G-4: only the item score is rounded: 5 x 19999/20000 = 4.99975 -> 5.00
    ({"K_CALL_VOLUME": 19999}, "K_CALL_VOLUME.score", "5", "100"),
    ({"K_CALL_VOLUME": 19000}, "K_CALL_VOLUME.score", "4.75", "99.75"),
    ({"K_DEPT_COOP": 0}, "K_DEPT_COOP.score", "0", "95"),           # a never below 0
])
def test_item_attainment(actuals, item, expected, total):
    v = score(**actuals).employee("M1").values
    assert v[item] == Decimal(expected)
    assert v["score"] == Decimal(total)


def test_feedback_from_counts_is_unrounded():
    # R-MK-9(a): 1 of 3 opinions = 33.333...% unrounded; 5 x 33.333.../95 = 1.7543859... -> 1.75
    r = score(K_FEEDBACK_TIMELY=None, FEEDBACK_ON_TIME=1, FEEDBACK_RECEIVED=3)
    assert r.employee("M1").values["K_FEEDBACK_TIMELY.score"] == Decimal("1.75")


def test_no_opinions_received_is_full_attainment():
    # R-MK-4: no opinions in the period: a = 1
    r = score(K_FEEDBACK_TIMELY=None, FEEDBACK_ON_TIME=0, FEEDBACK_RECEIVED=0)
    assert r.employee("M1").values["K_FEEDBACK_TIMELY.score"] == Decimal(5)


def test_feedback_rate_and_counts_together_is_an_error():
    # R-MK-9(a): giving both forms for one period is a validation error
    r = score(FEEDBACK_ON_TIME=19, FEEDBACK_RECEIVED=20)
    emp = r.employee("M1")
    assert emp.status == "error"
    assert "feedback_both_forms" in {p.code for p in emp.problems}


def test_feedback_in_neither_form_is_an_error():
    r = score(K_FEEDBACK_TIMELY=None, FEEDBACK_RECEIVED=20)
    assert "feedback_missing" in {p.code for p in r.employee("M1").problems}


def test_staff_score_is_rounded_before_the_attainment():
    # R-MK-9(c): 1.125 is rounded half-up to 1.13 first: 5 x 1.13/10 = 0.565 -> 0.57
    # (unrounded it would be 5 x 0.1125 = 0.5625 -> 0.56)
    r = score(K_STAFF_MGMT="1.125", params={"TARGET_K_STAFF_MGMT": 10})
    assert r.employee("M1").values["K_STAFF_MGMT.score"] == Decimal("0.57")


def test_biz_plan_target_defaults_to_100_and_may_be_given_as_100():
    # R-MK-8
    assert score(K_BIZ_PLAN=90).employee("M1").values["K_BIZ_PLAN.score"] == Decimal(18)
    assert score(K_BIZ_PLAN=90, params={"TARGET_K_BIZ_PLAN": 100}).employee("M1").values["K_BIZ_PLAN.score"] == Decimal(18)


def test_biz_plan_target_other_than_100_is_an_error_naming_the_parameter():
    # R-MK-8: any other value is a validation error naming the parameter
    r = score(params={"TARGET_K_BIZ_PLAN": 95})
    emp = r.employee("M1")
    assert emp.status == "error"
    pr = next(p for p in emp.problems if p.code == "out_of_range")
    assert pr.where.startswith("参数!C")


def test_missing_target_is_an_error_never_full_marks():
    # R-MK-2, R-G-9
    params = dict(TARGETS)
    del params["TARGET_K_CSAT"]
    metrics = [{"employee": "M1", "metric": k, "value": v} for k, v in AT_TARGET.items()]
    r = run(SCHEME, "2026-10", employees=MANAGER, metrics=metrics, parameters=params)
    emp = r.employee("M1")
    assert emp.status == "error"
    assert {p.code for p in emp.problems} == {"missing_parameter"}
    assert "TARGET_K_CSAT" in emp.problems[0].en


@pytest.mark.parametrize("target", [0, -5])
def test_target_not_above_zero_is_an_error(target):
    # R-MK-2: a target <= 0 is a validation error, located at the parameter's cell
    r = score(params={"TARGET_K_FCR": target})
    pr = next(p for p in r.employee("M1").problems if p.code == "target_not_positive")
    assert pr.where.startswith("参数!C")


def test_missing_metric_is_a_located_error():
    # R-G-9: never read as 0
    r = score(K_FCR=None)
    emp = r.employee("M1")
    assert emp.status == "error"
    pr = next(p for p in emp.problems if p.code == "missing_metric")
    assert "K_FCR" in pr.en and pr.employee == "M1"


def test_quarterly_assessment():
    # R-MK-9(b): ASSESSMENT_PERIOD quarter with a quarter period; the rows are the quarter's figures
    r = score("2026-Q4", params={"ASSESSMENT_PERIOD": "quarter"}, K_CSAT=81)
    emp = r.employee("M1")
    assert emp.status == "ok", [p.en for p in emp.problems]
    assert emp.values["K_CSAT.score"] == Decimal(9)   # 10 x 81/90
    assert emp.values["score"] == Decimal(99)


@pytest.mark.parametrize("period,setting", [("2026-10", "quarter"), ("2026-Q4", "month")])
def test_period_must_match_the_assessment_period(period, setting):
    r = score(period, params={"ASSESSMENT_PERIOD": setting})
    assert "assessment_period_mismatch" in {p.code for p in r.employee("M1").problems}


@pytest.mark.parametrize("setting", ["Quarter", " QUARTER ", "季度", "按季度", "ｑｕａｒｔｅｒ"])
def test_quarterly_assessment_in_a_clerks_spelling(setting):
    # R-MK-9(b): the clerk's spelling of "quarter" is the quarterly assessment, not an unknown value
    r = score("2026-Q4", params={"ASSESSMENT_PERIOD": setting}, K_CSAT=81)
    emp = r.employee("M1")
    assert emp.status == "ok", [p.en for p in emp.problems]
    assert emp.values["K_CSAT.score"] == Decimal(9)


@pytest.mark.parametrize("setting", ["Month", "月", "月度"])
def test_monthly_spelling_is_checked_against_a_quarter_period(setting):
    r = score("2026-Q4", params={"ASSESSMENT_PERIOD": setting})
    assert "assessment_period_mismatch" in {p.code for p in r.employee("M1").problems}


def test_an_unknown_assessment_period_is_an_error_at_its_cell():
    r = score(params={"ASSESSMENT_PERIOD": "半年"})
    emp = r.employee("M1")
    assert emp.status == "error" and "score" not in emp.values
    pr = next(p for p in r.problems if p.code == "not_a_choice")
    assert pr.where.startswith("参数!C") and "month" in pr.fix_en and "quarter" in pr.fix_en


def test_explanation_names_target_actual_and_cells():
    r = score(K_COST_BUDGET=104)
    lines = [x for x in r.explanation("M1") if x["rule"] == "K_COST_BUDGET.score"]
    assert len(lines) == 1
    assert "100/104" in lines[0]["text_en"] and "14.42" in lines[0]["text_en"]
    assert "指标!C" in lines[0]["source"] and "参数!C" in lines[0]["source"]


def test_a_months_figure_typed_with_a_date_is_named_at_its_date_cell():
    # K_CSAT typed with a 日期: a daily figure, not the month's; the missing-metric error names that row
    values = {k: v for k, v in AT_TARGET.items() if k != "K_CSAT"}
    metrics = [{"employee": "M1", "metric": k, "value": v} for k, v in values.items()]
    metrics.append({"employee": "M1", "metric": "K_CSAT", "value": 90, "date": "2026-10-05"})
    r = run(SCHEME, "2026-10", employees=MANAGER, metrics=metrics, parameters=TARGETS)
    (pr,) = [p for p in r.employee("M1").problems if p.code == "missing_metric"]
    assert pr.where == f"指标!D{len(metrics) + 1} / Metrics!D{len(metrics) + 1}" and "dated rows" in pr.en
    assert "clear its date" in pr.fix_en
