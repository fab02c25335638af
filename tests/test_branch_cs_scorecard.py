"""S3 branch_cs_scorecard: banded items, per-item floors, month total, 360 composite (SCHEMES.md S3).

Expected values are computed by hand from SCHEMES.md S3 rules 1-7 and the rulings cited
beside each case: the monthly bottom-three flag (rule 7, R-BR-12, R-BR-16) in a month run, the
quarterly top-three award (rule 6, R-BR-11, R-G-2) in a quarter run that reads History only.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import cli, run

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


# ----------------------------------------------------------------------------- monthly bottom three (rule 7)

# With a perfect scorecard (T = 100) and self = group = x, C = 0.15x + 60 + 0.25x = 60 + 0.4x (rule 5).
def team_month(xs: dict, params=None, ratings_of=None):
    emps = [{"id": e, "name": e, "role": "客服"} for e in xs]
    metrics = [{"employee": e, "metric": k, "value": v} for e in xs for k, v in PERFECT.items()]
    ratings = []
    for e, x in xs.items():
        ratings += (ratings_of or {}).get(e, [{"employee": e, "rater": "RATER_SELF", "score": x},
                                             {"employee": e, "rater": "RATER_GROUP", "score": x}])
    return run(SCHEME, "2026-10", employees=emps, metrics=metrics, ratings=ratings, parameters=params or {})


def flagged(r) -> dict:
    return {e.id: f["params"] for e in r.employees for f in r.flags_of(e.id) if f["code"] == "M_BOTTOM3_PLAN"}


@pytest.mark.parametrize("xs,composites,bottom", [
    # R-BR-12: A 100, B 96, C 92, D 92, E 88, F 80: from the bottom F 1, E 2, C and D both 3 -> 4 flagged
    ({"A": 100, "B": 90, "C": 80, "D": 80, "E": 70, "F": 50}, {"A": "100", "C": "92", "F": "80"}, ["C", "D", "E", "F"]),
    # R-BR-12: F 80, then C, D, E tied at 88 (ranks 2, 2, 2 from the bottom): the third-lowest is 88 -> 4 flagged
    ({"A": 100, "B": 90, "C": 70, "D": 70, "E": 70, "F": 50}, {"E": "88"}, ["C", "D", "E", "F"]),
    # R-G-2 from the bottom: 1, 2, 3 and then 4, 5 -> exactly three
    ({"A": 100, "B": 90, "C": 80, "D": 70, "E": 50}, {"D": "88"}, ["C", "D", "E"]),
    # four tied at the lowest composite 80 share rank 1: all four are flagged, the 88 (rank 5) is not
    ({"A": 70, "B": 50, "C": 50, "D": 50, "E": 50}, {"A": "88", "B": "80"}, ["B", "C", "D", "E"]),
])
def test_bottom_three_with_ties_at_the_third_lowest(xs, composites, bottom):
    r = team_month(xs)
    for e, c in composites.items():
        assert r.employee(e).values["composite"] == Decimal(c)
    assert sorted(flagged(r)) == bottom
    assert all(f["code"] != "Q_TOP3_AWARD" for f in r.flags)
    assert not len(r.money)  # rule 7: no money, and no points either
    assert r.employee("A").values["total"] == Decimal(100)


def test_bottom_three_rank_is_counted_from_the_bottom():
    # R-BR-12 with the first table above: F 1, E 2, C 3, D 3, B 5, A 6 from the bottom
    r = team_month({"A": 100, "B": 90, "C": 80, "D": 80, "E": 70, "F": 50})
    got = {e.id: e.values["M_BOTTOM3_PLAN.rank"] for e in r.employees}
    assert got == {"A": 6, "B": 5, "C": 3, "D": 3, "E": 2, "F": 1}
    line = next(x for x in r.explanation("C") if x["rule"] == "M_BOTTOM3_PLAN.rank")
    assert line["source"].startswith("评分!")  # the flag's rank names the rating cells of the composite


@pytest.mark.parametrize("params,due", [
    ({"BULLETIN_DATE": "2026-11-03"}, "2026-11-07"),  # R-BR-16: bulletin + 4 calendar days
    ({"BULLETIN_DATE": "2026-11-28"}, "2026-12-02"),  # calendar days run into the next month
    ({}, "4 days after the bulletin"),                # R-BR-16: no bulletin date, the flag is still raised
])
def test_improvement_plan_due_date(params, due):
    r = team_month({"A": 100, "B": 90, "C": 80, "D": 70}, params)
    assert sorted(flagged(r)) == ["B", "C", "D"]
    rec = r.employee_record(r.employee("D"))
    flag = next(f for f in rec["flags"] if f["code"] == "M_BOTTOM3_PLAN")
    assert flag["params"] == {"due": due}
    assert flag["label_zh"].startswith("月综合排名后三名")


def test_bulletin_date_that_is_not_a_date_is_an_error():
    r = team_month({"A": 100}, {"BULLETIN_DATE": "下周一"})
    assert "not_a_date" in {p.code for p in r.errors}


def test_a_blocked_member_leaves_the_bottom_three_undecided():
    # R-G-9: B has no self rating, so B has no composite and nobody's place from the bottom can be
    # known: no M_BOTTOM3_PLAN flag is raised (a warning says why), but A, C and D keep their
    # composites - the flag is not a score (R-BR-12, R-G-11).
    ratings = {"B": [{"employee": "B", "rater": "RATER_GROUP", "score": 90}]}
    r = team_month({"A": 100, "B": 90, "C": 80, "D": 70}, ratings_of=ratings)
    assert [e.status for e in r.employees] == ["ok", "error", "ok", "ok"]
    assert {p.code for p in r.employee("B").problems} == {"missing_rating"}
    assert any(p.code == "ranking_skipped" and p.severity == "warning" for p in r.problems)
    assert not r.flags
    # each kept employee is told (score --json shows it per employee), and D, the lowest of those
    # known, is "not decided", never "not in the bottom three" (that was a false statement)
    for e in ("A", "C", "D"):
        assert [w.employee for w in r.employee(e).warnings if w.code == "ranking_skipped"] == [e]
    line = next(x for x in r.explanation("D") if x["rule"] == "M_BOTTOM3_PLAN")
    assert line["text_en"].startswith("M_BOTTOM3_PLAN Monthly bottom three: improvement plan: not decided (Ranking")
    assert "not the case" not in line["text_en"]


def test_month_run_pays_no_quarter_award():
    # R-G-19: the quarterly steps run only for a quarter; History composites are ignored in a month
    history = [{"employee": "A", "period": m, "item": "COMPOSITE", "value": 99} for m in ("2026-07", "2026-08", "2026-09")]
    emps = [{"id": "A", "name": "A", "role": "客服"}]
    metrics = [{"employee": "A", "metric": k, "value": v} for k, v in PERFECT.items()]
    ratings = [{"employee": "A", "rater": "RATER_SELF", "score": 90}, {"employee": "A", "rater": "RATER_GROUP", "score": 80}]
    r = run(SCHEME, "2026-10", employees=emps, metrics=metrics, ratings=ratings, history=history)
    v = r.employee("A").values
    assert v["composite"] == Decimal("93.50")
    assert (v["Q_SUM"], v["Q_TOP3_AWARD.rank"], v["money.awards"]) == (None, None, Decimal("0.00"))


# ----------------------------------------------------------------------------- quarterly award (rule 6)

QUARTER = ("2026-10", "2026-11", "2026-12")


def quarter(sums: dict, months=QUARTER, scheme_roles=None, period="2026-Q4"):
    """History composites per employee: a list of three monthly values (None = no row that month)."""
    emps = [{"id": e, "name": e, "role": "客服", "scheme_role": (scheme_roles or {}).get(e)} for e in sums]
    history = [{"employee": e, "period": m, "item": "COMPOSITE", "value": v}
               for e, vals in sums.items() for m, v in zip(months, vals, strict=True) if v is not None]
    return run(SCHEME, period, employees=emps, history=history)


def awards(r) -> dict:
    return {e.id: e.values["money.awards"] for e in r.employees}


@pytest.mark.parametrize("months,sums,ranks,paid", [
    # R-G-2 tie at 1st: A and B 270.00 share rank 1 and get 500 each; rank 2 is vacant; C rank 3 -> 200; D rank 4
    ({"A": ["90", "90", "90"], "B": ["100", "80.5", "89.5"], "C": ["86", "87", "87"], "D": ["80", "80", "90"]},
     {"A": "270", "B": "270", "C": "260", "D": "250"}, {"A": 1, "B": 1, "C": 3, "D": 4},
     {"A": "500", "B": "500", "C": "200", "D": "0"}),
    # R-G-2 tie at 2nd (the S3 worked example without T): P 500, Q and S 300 each, rank 3 vacant, R nothing
    ({"P": ["90.85", "92.10", "87.05"], "Q": ["88.70", "90.30", "86.50"], "S": ["89.00", "88.25", "88.25"],
      "R": ["36.00", "70.00", "75.00"]},
     {"P": "270.00", "Q": "265.50", "S": "265.50", "R": "181.00"}, {"P": 1, "Q": 2, "S": 2, "R": 4},
     {"P": "500", "Q": "300", "S": "300", "R": "0"}),
    # R-G-2 tie at 3rd: both get the full 200; the displaced rank 4 is vacant; E rank 5
    ({"A": ["95", "95", "90"], "B": ["90", "90", "90"], "C": ["85.25", "85.25", "89.5"], "D": ["86", "87", "87"],
      "E": ["70", "70", "70"]},
     {"A": "280", "B": "270", "C": "260", "D": "260", "E": "210"}, {"A": 1, "B": 2, "C": 3, "D": 3, "E": 5},
     {"A": "500", "B": "300", "C": "200", "D": "200", "E": "0"}),
    # R-G-2: three tied at 1st all get 500; ranks 2 and 3 are vacant, so nobody gets 300 or 200
    ({"A": ["80", "80", "80"], "B": ["80", "80", "80"], "C": ["70", "90", "80"], "D": ["79", "80", "80"]},
     {"A": "240", "B": "240", "C": "240", "D": "239"}, {"A": 1, "B": 1, "C": 1, "D": 4},
     {"A": "500", "B": "500", "C": "500", "D": "0"}),
])
def test_quarter_award_ties_and_vacant_ranks(months, sums, ranks, paid):
    r = quarter(months)
    assert all(e.ok for e in r.employees), [p.en for p in r.problems]
    assert {e.id: e.values["Q_SUM"] for e in r.employees} == {k: Decimal(v) for k, v in sums.items()}
    assert {e.id: e.values["Q_TOP3_AWARD.rank"] for e in r.employees} == ranks
    assert awards(r) == {k: Decimal(v) for k, v in paid.items()}


def test_employee_missing_a_month_is_not_ranked():
    # R-BR-11: T has no December composite, so T is not ranked (not an error) even with the highest
    # two months; U's September row belongs to Q3 and does not count (R-G-3 calendar quarter).
    r = quarter({"P": ["90.85", "92.10", "87.05"], "T": ["99", "99", None], "U": [None, "98", "98"],
                 "R": ["36.00", "70.00", "75.00"]})
    assert all(e.ok for e in r.employees)
    assert (r.employee("T").values["Q_SUM"], r.employee("T").values["Q_TOP3_AWARD.rank"]) == (None, None)
    # P 270.00 rank 1 -> 500; R 181.00 rank 2 -> 300
    assert awards(r) == {"P": Decimal(500), "T": Decimal(0), "U": Decimal(0), "R": Decimal(300)}
    note = next(x for x in r.explanation("T") if x["rule"] == "Q_TOP3_AWARD.rank")
    assert "不参加排名" in note["text_zh"]


def test_a_row_of_the_month_before_the_quarter_does_not_count():
    # R-G-3 calendar quarter: U's September row belongs to Q3, so U lacks October and is not ranked;
    # V has all three months of Q4 and is ranked 1st (500 元).
    months = {"U": {"2026-09": "97", "2026-11": "98", "2026-12": "98"},
              "V": {"2026-10": "80", "2026-11": "80", "2026-12": "80"}}
    emps = [{"id": e, "name": e, "role": "客服"} for e in months]
    history = [{"employee": e, "period": m, "item": "COMPOSITE", "value": v} for e, row in months.items()
               for m, v in row.items()]
    r = run(SCHEME, "2026-Q4", employees=emps, history=history)
    assert r.employee("U").ok and r.employee("U").values["Q_TOP3_AWARD.rank"] is None
    assert awards(r) == {"U": Decimal(0), "V": Decimal(500)}


def test_a_quarter_month_nobody_has_withholds_everyone():
    # Nobody has a November composite (the month was neither closed nor typed): under R-BR-11 nobody
    # would be ranked and the quarter would pay 0 to everyone with exit 0. It is an error for everyone.
    r = quarter({"P": ["90.85", None, "87.05"], "Q": ["88.70", None, "86.50"]})
    assert not any(e.ok for e in r.employees)
    codes = {p.code for e in r.employees for p in e.problems}
    assert codes == {"quarter_month_absent"}
    pr = r.employee("P").problems[0]
    assert "2026-11" in pr.en and "COMPOSITE" in pr.en and "kpixl close" in pr.fix_en


def test_quarter_award_money_line_names_the_history_cells():
    # R-G-8: money, not points; direction award; traceable to the three History rows (rows 2-4)
    r = quarter({"P": ["90.85", "92.10", "87.05"], "Q": ["88.70", "90.30", "86.50"]})
    lines = r.money_of("P")
    assert lines["rule"].tolist() == ["Q_TOP3_AWARD"] and lines["direction"].tolist() == ["award"]
    assert lines["where"].iloc[0] == "历史!E2 / History!E2, 历史!E3 / History!E3, 历史!E4 / History!E4"
    assert r.ledger.empty
    assert r.money_total("Q", "award") == Decimal(300)


def test_a_composite_with_more_than_two_decimals_is_an_error():
    # A monthly composite is rounded to 2 decimals (rule 5, R-G-4) and ranked as shown (R-G-2): 90.004 x 3
    # summed unrounded gave 270.012 -> 270.01, a tie with Q's 270.01, and both were paid 500 (P's sum as
    # shown is 270.00: Q 500, P 300). Now the cell is an error and the ranking is withheld.
    r = quarter({"P": ["90.004", "90.004", "90.004"], "Q": ["90.01", "90", "90"]})
    assert {e.status for e in r.employees} == {"error"}
    found = [p for p in r.problems if p.code == "too_many_decimals"]
    assert [p.where for p in found] == ["历史!E2 / History!E2", "历史!E3 / History!E3", "历史!E4 / History!E4"]
    assert "90.00" in found[0].en
    r = quarter({"P": ["90.00", "90.00", "90.00"], "Q": ["90.01", "90", "90"]})
    assert awards(r) == {"P": Decimal("300.00"), "Q": Decimal("500.00")}


def test_quarter_run_needs_no_monthly_inputs():
    # SCHEMES.md S3 Inputs: "quarter cases use history only": no metric or rating is required
    r = quarter({"P": ["90", "90", "90"]})
    v = r.employee("P").values
    assert r.employee("P").ok and not r.problems
    assert (v["composite"], v["total"], v["M_BOTTOM3_PLAN.rank"]) == (None, None, None)
    assert not r.flags_of("P")


def test_a_blocked_member_blocks_the_quarter_ranking():
    # The rank step: Z's row maps Z to a scheme role the scheme does not have (a mapping in doubt), so
    # Z cannot be scored and nobody's place can be known; nobody is paid. (A free job title alone
    # blocks nobody: tests/test_roles.py.)
    r = quarter({"P": ["90", "90", "90"], "Q": ["80", "80", "80"], "Z": ["70", "70", "70"]},
                scheme_roles={"Z": "经理"})
    assert [e.status for e in r.employees] == ["error"] * 3
    assert {p.code for p in r.employee("P").problems} == {"blocked_by_group"}
    assert r.money.empty


def test_quarter_period_via_the_cli(tmp_book):
    # R-G-19: `kpixl score BOOK --period 2026-Q4 --json` on a real workbook; the S3 quarter table
    rows = [("P", ["90.85", "92.10", "87.05"]), ("Q", ["88.70", "90.30", "86.50"]), ("S", ["89.00", "88.25", "88.25"]),
            ("R", ["36.00", "70.00", "75.00"]), ("T", [None, "95.00", "96.00"])]
    history = [{"employee": e, "period": m, "item": "COMPOSITE", "value": v}
               for e, vals in rows for m, v in zip(QUARTER, vals, strict=True) if v is not None]
    book = tmp_book(SCHEME, None, employees=[{"id": e, "name": e, "role": "客服"} for e, _ in rows], history=history)
    code, out, err = cli("score", book, "--period", "2026-Q4", "--json")
    assert code == 0, err
    recs = {r["employee_id"]: r for r in json.loads(out)}
    assert {k: r["period"] for k, r in recs.items()} == dict.fromkeys("PQSRT", "2026-Q4")
    assert {k: r["money"]["awards"] for k, r in recs.items()} == {"P": 500, "Q": 300, "S": 300, "R": 0, "T": 0}
    assert {k: r["outputs"]["Q_TOP3_AWARD.rank"] for k, r in recs.items()} == {"P": 1, "Q": 2, "S": 2, "R": 4, "T": None}
    assert recs["Q"]["outputs"]["Q_SUM"] == 265.5 and recs["T"]["outputs"]["Q_SUM"] is None
    assert recs["P"]["score"] is None  # the monthly composite is not computed in a quarter run
    assert recs["S"]["money"]["lines"][0]["source"].startswith("历史!")


def test_a_figure_outside_its_range_is_withheld_with_its_own_problem():
    # 0 scheduled days is outside 1..31: the cell's own problem, not a follow-on "cannot compute
    # ... (DivisionByZero)" from a step that divided by it
    r = score(M_SCHEDULED_DAYS=0)
    assert [(p.code, p.where) for p in r.employee("B1").problems] == [("out_of_range", "指标!C4 / Metrics!C4")]


def test_ratings_headers_typed_otherwise_give_the_missing_columns_alone(tmp_path):
    # 评分人 / 评分 for the 评分人类型 / 分数 headers: the two missing columns were reported, and then
    # every row again as "Rater role '' is not valid" and "Rating nan is outside 0..100"
    from conftest import make_book
    from openpyxl import load_workbook

    book = make_book(tmp_path / "b.xlsx", SCHEME, "2026-10", employees=EMP,
                     metrics=[{"employee": "B1", "metric": k, "value": v} for k, v in PERFECT.items()], ratings=RATINGS)
    wb = load_workbook(book)
    ws = wb["评分"]
    ws["B1"], ws["C1"] = "评分人", "评分"
    wb.save(book)
    code, out, err = cli("validate", book)
    assert code == 1
    assert "not valid" not in out + err and "nan" not in out + err and "outside 0..100" not in out + err
    text = out + err
    # the two missing columns, and 评分人 a second time (it is the 评分人 / Rater name header at D1)
    assert text.count("[错误 error]") == 3 and "Column '评分人类型 / Rater' is missing" in text \
        and "Column '分数 / Score' is missing" in text and "appears twice" in text
