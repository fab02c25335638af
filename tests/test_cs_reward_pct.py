"""S6 cs_reward_pct: awards as a percent of each employee's own monthly wages, flags, 2-month review.

Expectations computed by hand from SCHEMES.md S6. October 2026 has four weeks credited to it,
starting Sep 28, Oct 5, 12 and 19 (R-G-3).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

SCHEME = "cs_reward_pct"
WEEKS = ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19"]


def emp(i="A", **kw):
    return {"id": i, "name": i, "role": "客服", "department": "客服部", **kw}


def m(metric, value, employee="A", **kw):
    return {"employee": employee, "metric": metric, "value": value, **kw}


def weekly(*rates, employee="A"):
    return [m("WEEKLY_CALLBACK_RATE", r, employee, week_start=w) for w, r in zip(WEEKS, rates, strict=False)]


def score(metrics, employees=None, events=None, history=None, period="2026-10"):
    return run(SCHEME, period, employees=employees or [emp()], metrics=metrics, events=events, history=history)


def codes(result, e="A"):
    return sorted(f["code"] for f in result.flags_of(e))


@pytest.mark.parametrize("rates,paid,clause", [
    ((92, 95, 91, 90), "48.00", "R-RP-3: every week >= 90% (90 included)"),
    (("89.995", 95, 91, 90), "48.00", "R-G-4: 89.995% rounds to 90.00% before the threshold"),
    (("89.99", 95, 91, 90), "0.00", "R-RP-3: one week below 90%"),
    ((92, 95, 91), "0.00", "Inputs: the week of Oct 19 is missing, so the condition is not shown to hold"),
])
def test_callback_award_every_week(rates, paid, clause):
    metrics = [m("MONTHLY_TOTAL_WAGES", 4800), m("HR_CALLBACK_SELECTED", True)] + weekly(*rates)
    result = score(metrics, [emp(callback_staff=True)])
    assert result.value("A", "CALLBACK_90_1PCT.amount") == Decimal(paid), clause
    if len(rates) < 4:
        note = next(n for n in result.notes["A"] if n["code"] == "CALLBACK_90_1PCT")
        assert "2026-10-19" in note["text_en"]


def test_not_selected_gets_no_callback_award():
    metrics = [m("MONTHLY_TOTAL_WAGES", 4800)] + weekly(99, 99, 99, 99)
    assert score(metrics).value("A", "money.awards") == Decimal("0.00")


def test_awards_add_up():
    # R-RP-4: department 1% + 最优客服 0.5% + callback 1% of 6,000 = 60 + 30 + 60 = 150.00.
    metrics = [m("MONTHLY_TOTAL_WAGES", 6000), m("HR_EXCELLENT", True), m("HR_CALLBACK_SELECTED", True),
               {"team": "客服部", "metric": "DEPT_RATING", "value": "优秀"}] + weekly(90, 90, 90, 90)
    result = score(metrics)
    assert result.value("A", "money.awards") == Decimal("150.00")
    # DEPT_EXCELLENT_WELFARE: 优秀 also raises LONG_TERM_WELFARE, in addition to the 1%.
    assert codes(result) == ["LONG_TERM_WELFARE"]


@pytest.mark.parametrize("rating,paid", [("较好", "43.21"), ("优秀", "43.21"), ("一般", "0.00")])
def test_department_award_is_each_members_own_wages(rating, paid):
    # R-RP-2: 1% of the member's own 4,321.10 = 43.211 -> 43.21 (R-G-4, money to the fen).
    metrics = [m("MONTHLY_TOTAL_WAGES", "4321.10"), {"team": "客服部", "metric": "DEPT_RATING", "value": rating}]
    assert score(metrics).value("A", "DEPT_GOOD_1PCT.amount") == Decimal(paid)


@pytest.mark.parametrize("rating,paid,warned", [
    ("较 好", "43.21", False),   # 较好 with a stray space (case, width and spaces never matter)
    ("优 秀 ", "43.21", False),
    ("良好", "0.00", True),      # R-RP-1: anything else = no award, but said at its cell (it reads as "good")
    ("突出", "0.00", True),
    ("较差", "0.00", False),     # a known rating that pays nothing
])
def test_a_department_rating_that_is_none_of_the_known_ones_is_said(rating, paid, warned):
    # the 1% of 4,321.10 = 43.21 (R-RP-2) was silently lost for 较 好; 良好 and 突出 pay nothing (the
    # letter of R-RP-1) with a warning at the cell naming the known ratings
    metrics = [m("MONTHLY_TOTAL_WAGES", "4321.10"), {"team": "客服部", "metric": "DEPT_RATING", "value": rating}]
    result = score(metrics)
    assert result.employee("A").status == "ok"
    assert result.value("A", "DEPT_GOOD_1PCT.amount") == Decimal(paid)
    said = [p for p in result.problems if p.code == "not_a_known_choice"]
    assert bool(said) == warned
    if warned:
        assert said[0].where.startswith("指标!") and "较好、优秀" in said[0].zh


def test_half_percent_rounds_half_up():
    # 0.5% x 4,321.10 = 21.6055 -> 21.61 (R-G-4).
    metrics = [m("MONTHLY_TOTAL_WAGES", "4321.10"), m("HR_EXCELLENT", "是")]
    assert score(metrics).value("A", "BEST_CS_0_5PCT.amount") == Decimal("21.61")


def test_wages_required_only_for_an_award():
    # Inputs: MONTHLY_TOTAL_WAGES is required for every employee who has an award line (R-G-9).
    metrics = [m("HR_EXCELLENT", True)]
    result = score(metrics, [emp("A"), emp("B")])
    a = result.employee("A")
    assert a.status == "error" and a.problems[0].code == "missing_metric" and "MONTHLY_TOTAL_WAGES" in a.problems[0].en
    assert result.employee("B").status == "ok"


def test_hr_entered_lines_and_severe_warning_not_netted():
    # R-RP-6, R-RP-7: the star's cash is an award line; the 扣款 a separate deduction; flags for both.
    events = [{"date": "2026-10-09", "employee": "A", "rule": "WEEKLY_STAR", "value": 200},
              {"date": "2026-10-20", "employee": "A", "rule": "SEVERE_WARNING_DEDUCTION", "value": "150.5"},
              {"date": "2026-10-21", "employee": "A", "rule": "DISMISS_SEVERE"}]
    result = score([m("MONTHLY_TOTAL_WAGES", 5000), m("HR_OUTSTANDING", True)], events=events)
    assert result.value("A", "money.awards") == Decimal("200.00")
    assert result.value("A", "money.deductions") == Decimal("150.50")
    assert codes(result) == ["DISMISS_SEVERE", "PROMOTION_OPPORTUNITY", "SEVERE_WARNING_DEDUCTION", "WEEKLY_STAR"]


def test_weekly_star_needs_its_amount():
    events = [{"date": "2026-10-09", "employee": "A", "rule": "WEEKLY_STAR"}]
    result = score([], events=events)
    assert result.employee("A").problems[0].code == "value_missing"


@pytest.mark.parametrize("period,poor_before,raised,clause", [
    ("2026-06", ["2026-04"], True, "R-RP-5: April and June, same quarter (worked example C)"),
    ("2026-04", ["2026-03"], True, "R-RP-5: March and April, consecutive across quarters (worked example D)"),
    ("2026-02", ["2026-01"], True, "R-RP-8: January, February and March: raised in February..."),
    ("2026-03", ["2026-01", "2026-02"], True, "R-RP-8: ...and again in March"),
    ("2026-01", ["2025-12"], True, "R-RP-5: December and January are consecutive"),
    ("2026-04", ["2026-02"], False, "R-RP-5: February and April: neither consecutive nor one quarter"),
    ("2026-06", [], False, "one poor month only"),
])
def test_two_month_review(period, poor_before, raised, clause):
    history = [{"employee": "A", "period": p, "item": "HR_POOR", "value": True} for p in poor_before]
    result = score([m("HR_POOR", True)], history=history, period=period)
    assert ("POOR_2M_REVIEW" in codes(result)) is raised, clause


def test_a_month_that_is_not_poor_never_raises_the_review():
    # R-RP-8: January and February were poor, March is not: no flag in March.
    history = [{"employee": "A", "period": p, "item": "HR_POOR", "value": True} for p in ("2026-01", "2026-02")]
    assert codes(score([], history=history, period="2026-03")) == []


def test_a_callback_award_for_someone_not_marked_callback_staff_is_a_warning():
    # attack H: the seed's callback award is for 每周负责回访的客服员工; R-RP-3's condition (every week >= 90 %,
    # and selected) still decides it: A's 1% of 4,800 = 48.00 stands, and the contradiction is reported.
    import json

    from conftest import ROOT, run

    ex = json.loads((ROOT / "schemes" / "cs_reward_pct.json").read_text(encoding="utf-8"))["examples"][0]
    emps = [{**e, "callback_staff": False} if e["id"] == "A" else e for e in ex["employees"]]
    r = run("cs_reward_pct", ex["period"], employees=emps, events=ex.get("events"), metrics=ex.get("metrics"),
            parameters=ex.get("parameters"))
    a = r.employee("A")
    assert a.status == "ok" and str(a.values["CALLBACK_90_1PCT.amount"]) == "48.00"
    (w,) = [w for w in a.warnings if w.code == "callback_award_not_callback_staff"]
    assert w.where.startswith("员工!F2 / Employees!F2")
