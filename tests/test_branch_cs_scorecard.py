"""S3 branch_cs_scorecard: banded items, per-item floors, month total, 360 composite (SCHEMES.md S3).

Expected values are computed by hand from SCHEMES.md S3 rules 1-5 and the rulings cited
beside each case. The quarterly top-3 award and the bottom-3 flag rank this composite and
are not part of this module.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

SCHEME = "branch_cs_scorecard"
EMP = [{"id": "B1", "name": "郑", "role": "客服"}]
# A perfect month: every banded item at full marks (quota 200 x 1 x 20 days = 4,000 records).
PERFECT = {"M_COMPLAINT_RESOLVED_RATE": 100, "M_CALLBACK_COUNT": 4000, "M_SCHEDULED_DAYS": 20,
           "M_CALLBACK_UNTRUE": 0, "M_CSAT_RATE": 100}
RATINGS = [{"employee": "B1", "rater": "RATER_SELF", "score": 90}, {"employee": "B1", "rater": "RATER_GROUP", "score": 80}]


def score(events=(), ratings=RATINGS, params=None, **metrics):
    values = {**PERFECT, **metrics}
    rows = [{"employee": "B1", "metric": k, "value": v} for k, v in values.items() if v is not None]
    return run(SCHEME, "2026-10", employees=EMP, events=list(events), metrics=rows, ratings=list(ratings),
               parameters=params or {})


def values(**kw):
    r = score(**kw)
    emp = r.employee("B1")
    assert emp.status == "ok", [p.en for p in emp.problems]
    return emp.values


def test_perfect_month():
    v = values()
    assert v["items_total"] == Decimal(100) and v["total"] == Decimal(100)
    # C = 0.15 x 90 + 0.60 x 100 + 0.25 x 80 = 13.5 + 60 + 20 = 93.5 (rule 5)
    assert v["composite"] == Decimal("93.50")


# Callback rate r = records / (quota x staff x days) (R-BR-2); quota 500 x 1 x 20 = 10,000 records,
# so r in percent is records / 100.
@pytest.mark.parametrize("records,rate,item", [
    (12000, "100", 10),    # R-BR-2: above 100% counts as 100%
    (10000, "100", 10),    # 100% -> 0
    (9999, "99.99", 9),    # R-BR-3: 95% up to 100% -> -1
    (9500, "95", 9),       # R-BR-3: 95% shared by two bands -> the favourable -1
    (9499, "94.99", 8),    # 95%~80% -> -2
    (8000, "80", 8),       # R-BR-3: 80% -> -2
    (7999, "79.99", 7),    # 80%~75% -> -3
    (7500, "75", 7),       # R-BR-3: 75% -> -3
    (7499, "74.99", 5),    # 75%以下 -> -5
])
def test_callback_bands(records, rate, item):
    v = values(params={"CALLBACK_QUOTA_PER_DAY": 500}, M_CALLBACK_COUNT=records)
    assert v["I_CALLBACK.value"] == Decimal(rate)
    assert v["I_CALLBACK"] == Decimal(item)


def test_callback_rate_is_rounded_before_the_band_lookup():
    # R-G-4 / R-BR-3: 18,999 / (500 x 2 staff x 20 days) = 94.995% is shown and judged as 95.00% -> -1;
    # 18,998 records = 94.99% -> -2. R-BR-1: staff on duty is an input.
    v = values(params={"CALLBACK_QUOTA_PER_DAY": 500}, M_STAFF_ON_DUTY=2, M_CALLBACK_COUNT=18999)
    assert (v["I_CALLBACK.value"], v["I_CALLBACK"]) == (Decimal("95.00"), Decimal(9))
    v = values(params={"CALLBACK_QUOTA_PER_DAY": 500}, M_STAFF_ON_DUTY=2, M_CALLBACK_COUNT=18998)
    assert (v["I_CALLBACK.value"], v["I_CALLBACK"]) == (Decimal("94.99"), Decimal(8))


def test_callback_quota_defaults_to_200_per_day_and_staff_to_1():
    # R-BR-1, R-BR-2: 4,200 / (200 x 1 x 22) = 95.45% -> -1 (worked example P)
    v = values(M_CALLBACK_COUNT=4200, M_SCHEDULED_DAYS=22)
    assert (v["I_CALLBACK.value"], v["I_CALLBACK"]) == (Decimal("95.45"), Decimal(9))


@pytest.mark.parametrize("resolved,unresolved,item", [
    ("100", "0", 20),        # R-BR-4: no complaints = 100%, x = 0 -> 0
    ("99.999", "0.00", 20),  # R-G-4: x = 0.001% is judged as shown, 0.00% -> 0
    ("99.6", "0.4", 18),     # 0 < x <= 0.4% -> -2
    ("99.59", "0.41", 16),   # 0.4% < x <= 1% -> -4
    ("99", "1", 16),         # x = 1%: shared edge, favourable -4
    ("98.99", "1.01", 10),   # 1% < x <= 1.5% -> -10
    ("98.5", "1.5", 10),
    ("97", "3", 10),         # R-BR-4: both top bands deduct 10; the item never drops below 10
])
def test_complaint_bands_on_the_unresolved_share(resolved, unresolved, item):
    v = values(M_COMPLAINT_RESOLVED_RATE=resolved)
    assert v["I_COMPLAINT.value"] == Decimal(unresolved)
    assert v["I_COMPLAINT"] == Decimal(item)


@pytest.mark.parametrize("untrue,item", [
    (0, 10), (1, 9), (2, 8), (3, 7),
    (5, 7),   # R-BR-5: 5 belongs to the 3-5 band
    (6, 5),   # R-BR-5: "5条以上" means 6 or more
    (40, 5),
])
def test_callback_truth_bands(untrue, item):
    assert values(M_CALLBACK_UNTRUE=untrue)["I_CALLBACK_TRUTH"] == Decimal(item)


@pytest.mark.parametrize("csat,item", [
    ("100", 10), ("99.99", 9), ("95", 9), ("94.99", 8), ("80", 8), ("79.99", 7), ("75", 7), ("74.99", 5),
])
def test_satisfaction_uses_the_callback_bands(csat, item):
    # R-BR-3: the same bands and the same favourable shared edges as the callback rate
    assert values(M_CSAT_RATE=csat)["I_CSAT"] == Decimal(item)


def ev(rule, qty=None, value=None, **extra):
    row = {"date": "2026-10-15", "employee": "B1", "rule": rule, **extra}
    if qty is not None:
        row["qty"] = qty
    if value is not None:
        row["value"] = value
    return row


@pytest.mark.parametrize("fails,item", [(0, 30), (1, 28), (14, 2), (15, 0), (16, 0)])
def test_skill_item_floors_at_zero(fails, item):
    # Rule 1: -2 per failed spot check; R-BR-6: item floor 0
    events = [ev("QA_SPOT_FAIL", qty=fails)] if fails else []
    assert values(events=events)["I_SKILL"] == Decimal(item)


@pytest.mark.parametrize("reports,item", [(1, 8), (4, 2), (5, 0), (6, 0)])
def test_report_truth_item_floors_at_zero(reports, item):
    assert values(events=[ev("REPORT_UNTRUE", qty=reports)])["I_REPORT_TRUTH"] == Decimal(item)


def test_audit_issues_come_off_the_month_total_beyond_ten():
    # R-BR-7: the item always contributes 10; 8 + 7 = 15 comes off the total, not limited to 10
    v = values(events=[ev("AUDIT_ISSUE", value=8), ev("AUDIT_ISSUE", value=7)])
    assert v["I_AUDIT"] == Decimal(10) and v["items_total"] == Decimal(100)
    assert v["AUDIT.deduction"] == Decimal(15) and v["total"] == Decimal(85)


def test_month_total_floors_at_zero_once():
    # Rule 4, R-BR-8: 100 - 11 x 10 = -10 -> floor 0; the composite uses T = 0
    v = values(events=[ev("AUDIT_ISSUE", value=10) for _ in range(11)])
    assert v["total"] == Decimal(0)
    assert v["composite"] == Decimal("33.50")  # 0.15 x 90 + 0 + 0.25 x 80


def test_rewards_lift_the_total_above_100():
    # R-BR-8: no ceiling; 100 + 5 (media, with evidence) + 3 - 2 = 106
    v = values(events=[ev("REW_MEDIA_PRAISE", evidence="晚报 2026-10-12"), ev("REW_CO_PRAISE"), ev("PEN_DEPT_CRIT")])
    assert v["REW.points"] == Decimal(6) and v["total"] == Decimal(106)


def test_media_praise_without_evidence_is_an_error_naming_the_row():
    # R-BR-8
    r = score(events=[ev("REW_MEDIA_PRAISE")])
    pr = next(p for p in r.employee("B1").problems if p.code == "field_required")
    assert pr.where.startswith("事件!") and pr.where.endswith("2")


@pytest.mark.parametrize("value,code", [(1, "value_out_of_range"), (11, "value_out_of_range"), (2.5, "value_not_whole")])
def test_audit_points_are_whole_numbers_from_2_to_10(value, code):
    # R-BR-7, R-G-6
    r = score(events=[ev("AUDIT_ISSUE", value=value)])
    assert code in {p.code for p in r.employee("B1").problems}


def test_severe_case_is_a_flag_without_points():
    # R-BR-8. (A lone employee also has one of the three lowest composites: M_BOTTOM3_PLAN, R-BR-12.)
    r = score(events=[ev("SEVERE_REFERRAL")])
    assert sorted(f["code"] for f in r.flags_of("B1")) == ["M_BOTTOM3_PLAN", "SEVERE_REFERRAL"]
    assert r.employee("B1").values["total"] == Decimal(100)


def test_group_ratings_are_averaged_and_rounded():
    # R-BR-14: G = mean(91, 86, 86) = 87.666... -> 87.67; C = 13.5 + 60 + 0.25 x 87.67 = 95.4175 -> 95.42
    ratings = [{"employee": "B1", "rater": "RATER_SELF", "score": 90}] + [
        {"employee": "B1", "rater": "RATER_GROUP", "score": s} for s in (91, 86, 86)]
    v = values(ratings=ratings)
    assert v["composite.group"] == Decimal("87.67")
    assert v["composite"] == Decimal("95.42")


@pytest.mark.parametrize("ratings,code", [
    ([{"employee": "B1", "rater": "RATER_GROUP", "score": 80}], "missing_rating"),           # no self rating
    ([{"employee": "B1", "rater": "RATER_SELF", "score": 90}], "missing_rating"),            # no group rating
    (RATINGS + [{"employee": "B1", "rater": "RATER_SELF", "score": 70}], "duplicate_rating"),
    (RATINGS + [{"employee": "B1", "rater": "RATER_SUPERIOR", "score": 70}], "rating_not_used"),
])
def test_missing_or_extra_ratings_are_errors_never_zero(ratings, code):
    # R-BR-10: a missing component is a validation error, never 0; the superior part is T
    r = score(ratings=ratings)
    emp = r.employee("B1")
    assert emp.status == "error"
    assert code in {p.code for p in emp.problems}


def test_missing_metric_is_an_error():
    # R-G-9
    r = score(M_CSAT_RATE=None)
    assert {p.code for p in r.employee("B1").problems} == {"missing_metric"}


def test_spot_checks_fewer_than_weeks_give_a_warning_only():
    # R-BR-13, R-BR-15: October 2026 is credited 4 weeks (Sundays 4, 11, 18, 25)
    r = score(QA_SPOT_CHECKS=3)
    assert r.employee("B1").status == "ok"
    warn = [p for p in r.warnings if p.code == "spot_checks_weekly"]
    assert len(warn) == 1 and warn[0].employee == "B1"
    assert not [p for p in score(QA_SPOT_CHECKS=4).warnings if p.code == "spot_checks_weekly"]
    assert not [p for p in score().warnings if p.code == "spot_checks_weekly"]  # optional metric


def test_spot_checks_below_the_failures_recorded_is_an_error():
    # R-BR-15
    r = score(events=[ev("QA_SPOT_FAIL", qty=5)], QA_SPOT_CHECKS=4)
    assert "spot_checks_below_fails" in {p.code for p in r.employee("B1").problems}
