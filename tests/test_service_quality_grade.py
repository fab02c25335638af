"""S10 service_quality_grade: ordered grade table, eligibility gates and the hours deduction.

Expected values are computed by hand from SCHEMES.md S10 rules 2-6 and the rulings cited.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

SCHEME = "service_quality_grade"
QC = ("I_FRAUD", "I_COMPLAINT", "I_BIZ_ERR", "I_FEE_ERR", "I_AVG", "M_FRAUD", "M_COMPLAINT", "M_BIZ_ERR", "M_FEE_ERR", "M_AVG")
CLEAN = dict(zip(QC, (0, 0, 0, 0, 96, 0, 0, 0, 0, 96), strict=True))


def score(hire="2025-01-01", hours=176, **qc):
    values = {**CLEAN, **qc, "WORK_HOURS": hours}
    metrics = [{"employee": "E", "metric": k, "value": v} for k, v in values.items() if v is not None]
    return run(SCHEME, "2026-10", employees=[{"id": "E", "name": "甲", "role": "客服代表", "hire_date": hire}],
               metrics=metrics)


def values(**kw):
    r = score(**kw)
    emp = r.employee("E")
    assert emp.status == "ok", [p.en for p in emp.problems]
    return emp.values


@pytest.mark.parametrize("qc,grade,bonus", [
    ({}, "G_EXCELLENT", 300),
    # R-SQ-2, R-G-4: AVG = (95 + 94.99)/2 = 94.995, judged as 95.00 -> 优秀
    ({"I_AVG": 95, "M_AVG": "94.99"}, "G_EXCELLENT", 300),
    # AVG = (95 + 94.98)/2 = 94.99 < 95 -> 良好
    ({"I_AVG": 95, "M_AVG": "94.98"}, "G_GOOD", 200),
    # R-SQ-4: an internal complaint blocks only 优秀
    ({"I_COMPLAINT": 1, "I_AVG": 98, "M_AVG": 98}, "G_GOOD", 200),
    # I_SUM = 1 + 1 + 1 = 3 <= 3 -> 良好; 4 -> 一般
    ({"I_FRAUD": 1, "I_BIZ_ERR": 1, "I_FEE_ERR": 1, "I_AVG": 92, "M_AVG": 92}, "G_GOOD", 200),
    ({"I_FRAUD": 1, "I_BIZ_ERR": 2, "I_FEE_ERR": 1, "I_AVG": 92, "M_AVG": 92}, "G_FAIR", 100),
    # I_SUM 5 -> 一般; 6 -> 差 (R-SQ-3: the gap of the seed's 差 row belongs to 差)
    ({"I_BIZ_ERR": 5, "I_AVG": 92, "M_AVG": 92}, "G_FAIR", 100),
    ({"I_BIZ_ERR": 6, "I_AVG": 99, "M_AVG": 99}, "G_POOR", 0),
    # R-SQ-4: mobile business errors are maxima: 1 -> 良好, 2 -> 一般, 3 -> 差
    ({"M_BIZ_ERR": 1}, "G_GOOD", 200),
    ({"M_BIZ_ERR": 2}, "G_FAIR", 100),
    ({"M_BIZ_ERR": 3}, "G_POOR", 0),
    # R-SQ-3: a mobile tariff error fails every higher row
    ({"M_FEE_ERR": 1}, "G_POOR", 0),
    # R-SQ-3: mobile fraud or a substantiated complaint always means 差
    ({"M_FRAUD": 1}, "G_POOR", 0),
    ({"M_COMPLAINT": 1}, "G_POOR", 0),
    # AVG thresholds: 90 and 85 are included (≥)
    ({"I_BIZ_ERR": 1, "I_AVG": 90, "M_AVG": 90}, "G_GOOD", 200),
    ({"I_BIZ_ERR": 1, "I_AVG": 85, "M_AVG": 85}, "G_FAIR", 100),
    ({"I_BIZ_ERR": 1, "I_AVG": 85, "M_AVG": "84.98"}, "G_POOR", 0),  # AVG 84.99
])
def test_grade_table(qc, grade, bonus):
    v = values(**qc)
    assert v["grade"] == grade
    assert v["bonus"] == Decimal(bonus)
    assert v["payout"] == Decimal(bonus)  # 176 hours: no deduction


@pytest.mark.parametrize("hours,deduction,payout,rule", [
    (200, 0, 300, "PAY_FULL"),
    (176, 0, 300, "PAY_FULL"),            # R-SQ-5: 176 is 满
    ("175.5", 0, 300, "HOURS_SHORT_8H"),  # floor(0.5/8) = 0
    (168, 10, 290, "HOURS_SHORT_8H"),     # one full block of 8
    ("167.5", 10, 290, "HOURS_SHORT_8H"),  # floor(8.5/8) = 1
    (160, 20, 280, "HOURS_SHORT_8H"),
    (100, 90, 210, "HOURS_SHORT_8H"),     # R-SQ-5: 100 is eligible; floor(76/8) = 9
    ("99.5", 0, 0, "HOURS_UNDER_100"),    # R-SQ-6: below 100 no bonus at all
])
def test_hours(hours, deduction, payout, rule):
    v = values(hours=hours)
    assert v["hours_deduction"] == Decimal(deduction)
    assert v["payout"] == Decimal(payout)
    assert v["eligibility"] == rule
    assert v["grade"] == "G_EXCELLENT"  # R-SQ-9: the grade is kept


def test_under_100_hours_raises_the_flag_and_pays_nothing():
    r = score(hours=99)
    assert [f["code"] for f in r.flags_of("E")] == ["HOURS_UNDER_100"]
    assert r.employee("E").values["money.awards"] == Decimal("0.00")


def test_deduction_never_makes_a_payout_negative():
    # Rule 6, R-G-5: 一般 100 with 100 hours: 100 - 90 = 10; 差 with 100 hours: max(0, 0 - 90) = 0
    assert values(hours=100, I_BIZ_ERR=5, I_AVG=92, M_AVG=92)["payout"] == Decimal(10)
    assert values(hours=100, M_FEE_ERR=1)["payout"] == Decimal(0)


def test_payout_is_a_money_award_line():
    # R-G-8: the payout is in the money ledger, not points
    r = score(hours=160)
    assert r.employee("E").values["money.awards"] == Decimal("280.00")
    lines = r.money_of("E")
    assert list(lines["rule"]) == ["SQ_BONUS"] and list(lines["direction"]) == ["award"]


@pytest.mark.parametrize("hire,eligible", [
    ("2026-10-10", True),    # R-SQ-7: "10号之后" excludes the 10th
    ("2026-10-11", False),
    ("2026-10-31", False),
    ("2026-09-25", True),    # hired in an earlier month
])
def test_hired_after_the_10th(hire, eligible):
    r = score(hire=hire, hours=160)
    v = r.employee("E").values
    flags = [f["code"] for f in r.flags_of("E")]
    if eligible:
        # R-SQ-7: an eligible new hire still gets the hours deduction: 300 - 20
        assert v["payout"] == Decimal(280) and flags == []
    else:
        # R-SQ-9: graded from the month's figures, payout 0, no hours deduction, flag
        assert v["grade"] == "G_EXCELLENT"
        assert v["payout"] == Decimal(0) and v["hours_deduction"] == Decimal(0)
        assert flags == ["NEW_HIRE_AFTER_10"]


def test_new_hire_without_figures_is_not_assessed_and_not_an_error():
    # R-SQ-9: for a new hire after the 10th the QC figures and WORK_HOURS may be absent
    r = run(SCHEME, "2026-10", employees=[{"id": "E", "name": "新", "hire_date": "2026-10-12"}])
    emp = r.employee("E")
    assert emp.status == "not_assessed", [p.en for p in emp.problems]  # R-SQ-9, issue 12 item 9
    assert emp.values["grade"] == "G_NOT_ASSESSED" and emp.values["payout"] == Decimal(0)
    assert [f["code"] for f in r.flags_of("E")] == ["NEW_HIRE_AFTER_10"]
    assert "员工!" in r.flags_of("E")[0]["sources"][0]  # the hire_date cell


def test_missing_figures_are_errors_for_everyone_else():
    # R-G-9: all ten QC figures and WORK_HOURS are required; each missing one is reported
    r = score(I_AVG=None, M_FEE_ERR=None, hours=None)
    emp = r.employee("E")
    assert emp.status == "error"
    missing = sorted(p.en.split()[1] for p in emp.problems if p.code == "missing_metric")
    assert missing == ["I_AVG", "M_FEE_ERR", "WORK_HOURS"]


def test_a_blank_hire_date_is_taken_as_hired_before_the_month_with_a_warning():
    # SCHEMES.md S10 requires the ten QC figures and WORK_HOURS (R-G-9), not the hire date: the worked
    # example gives one only for E4. A blank hire date is not a new hire after the 10th (R-SQ-7), so the
    # clean figures grade 优秀 and 176 hours pay the full 300 (rule 6); the stand-in is a warning at F2.
    r = run(SCHEME, "2026-10", employees=[{"id": "E", "name": "甲"}],
            metrics=[{"employee": "E", "metric": k, "value": v} for k, v in {**CLEAN, "WORK_HOURS": 176}.items()])
    e = r.employee("E")
    assert e.ok and e.values["grade"] == "G_EXCELLENT" and e.values["payout"] == 300
    assert [(p.code, p.where, p.severity) for p in r.problems if p.employee == "E"] == [
        ("hire_date_blank", "员工!F2 / Employees!F2", "warning")]


def test_explanation_shows_the_matched_row():
    r = score(I_BIZ_ERR=1, I_AVG=92, M_AVG=92)
    line = next(x for x in r.explanation("E") if x["rule"] == "grade")
    assert "row 3 G_GOOD" in line["text_en"] and "not matched: 1. G_NOT_ASSESSED, 2. G_EXCELLENT" in line["text_en"]


def test_grade_rows_are_on_the_rules_sheet_and_cannot_be_deleted():
    # The decision-table rows are derived rules: a workbook whose Rules sheet lacks one is an error
    from kpixl.core.scheme import load_scheme

    scheme = load_scheme(SCHEME)
    rows = [{"code": r.code, "zh": r.zh, "kind": r.kind} for r in scheme.rules.values() if r.code != "G_GOOD"]
    r = run(SCHEME, "2026-10", employees=[{"id": "E", "name": "甲", "hire_date": "2025-01-01"}], rules=rows)
    assert any(p.code == "rule_removed" and "G_GOOD" in p.en for p in r.errors)


def test_more_hours_than_a_month_has_is_refused_at_the_cell():
    # a month has at most 31 x 24 = 744 hours: 800 (a typo for 180?) must not pass as 满 176 hours
    emp = score(hours=800).employee("E")
    assert emp.status == "error" and [p.code for p in emp.problems if p.severity == "error"] == ["out_of_range"]
    assert values(hours=744)["payout"] == 300  # 744 >= 176: 优秀 300, no hours deduction (R-SQ-5)


@pytest.mark.parametrize("hire", ["2026-11-02", "2026-11-05", "2027-10-03"])
def test_a_hire_date_after_the_month_is_an_error_at_the_hire_date(hire):
    # R-SQ-7/9 are about a hire *in* the month (day > 10). Hired after October ends (2026-11-02 was
    # scored as "not yet hired: no bonus", silently), the month's QC
    # figures predate the hire: a typed year (2026-11-05 for 2025-11-05) must not zero a 300 元
    # 优秀 bonus as NEW_HIRE_AFTER_10; the result is withheld at 员工!F2 (the hire date cell).
    emp = score(hire=hire).employee("E")
    assert emp.status == "error"
    assert [(p.code, p.where) for p in emp.problems] == [("hired_after_period", "员工!F2 / Employees!F2")]


def test_a_hire_date_on_the_last_day_of_the_month_is_a_new_hire_not_an_error():
    # 2026-10-31: inside October, day 31 > 10 -> NEW_HIRE_AFTER_10, payout 0 (rule 4)
    r = score(hire="2026-10-31")
    assert r.employee("E").status == "ok" and [f["code"] for f in r.flags_of("E")] == ["NEW_HIRE_AFTER_10"]


def test_a_qc_average_typed_as_a_fraction_is_a_warning_at_its_cell():
    # 0.95 for 95 points: AVG = (0.95 + 95) / 2 = 47.975 -> 47.98 < 85 -> 差, 0 元 (rule 2), which kpixl
    # computed without a word; it still computes it (0.95 may be meant), and says so at the cell
    r = score(I_AVG="0.95", M_AVG=95)
    emp = r.employee("E")
    assert emp.status == "ok" and emp.values["payout"] == Decimal(0)
    (w,) = [p for p in emp.warnings if p.code == "score_as_fraction"]
    assert w.where.startswith("指标!") and "if 95 is meant, enter 95" in w.en
    assert not [p for p in score(I_AVG=1.5, M_AVG=95).employee("E").warnings if p.code == "score_as_fraction"]
