"""S5 online_cs_kpi: 16 equally weighted items, attainment against targets, 360 composite.

Expected values are computed by hand from SCHEMES.md S5 rule 1 (item = 100 x a, R-MK-3),
the card L = mean of the 16 items rounded to 2 decimals (R-OL-1) and the composite of rule 2;
the monthly bottom-three flag (rule 4, R-OL-6 -> R-BR-12, R-BR-16: due + 7 days) and the quarterly
award (rule 3, R-OL-4, R-OL-5 -> R-BR-11, R-G-2: 300/200/100 元) from History composites.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import cli, run

SCHEME = "online_cs_kpi"
TARGETS = {"TARGET_K_CONSULT_CONV": 40, "TARGET_K_RESP_TIME": 30, "TARGET_K_CHURN": 10, "TARGET_K_ORDER_AMOUNT": 300000,
           "TARGET_K_VALID_ORDER": 95, "TARGET_K_PAY_RATIO": 80, "TARGET_K_REFUND_RATIO": 5, "TARGET_K_AOV": 500,
           "TARGET_K_COMPLAINT_RATIO": 1, "TARGET_K_ABNORMAL_ORDER": 2}
EMP = [{"id": "Z1", "name": "郑", "role": "客服"}]

# 郑: conv 44 (>= 40: 100), response 40 s (30/40: 75), churn 8 (<= 10: 100), orders 240,000 (0.8: 80),
# valid 90 (90/95 = 0.947368...: 94.74), paid 80 (100), refunds 6 (5/6 = 0.8333...: 83.33), AOV 500 (100),
# complaints 2 (1/2: 50), abnormal 3 (2/3 = 0.6666...: 66.67). Attainment items: 849.74.
ZHENG = {"K_CONSULT_CONV": 44, "K_RESP_TIME": 40, "K_CHURN": 8, "K_ORDER_AMOUNT": 240000, "K_VALID_ORDER": 90,
         "K_PAY_RATIO": 80, "K_REFUND_RATIO": 6, "K_AOV": 500, "K_COMPLAINT_RATIO": 2, "K_ABNORMAL_ORDER": 3,
         "E_REPORT_TIMELY": 90, "E_DATA_TRUE": 80, "E_REPORT_QUALITY": 85, "E_ATTENDANCE": 100, "E_ATTITUDE": 95}
RATINGS = [{"employee": "Z1", "rater": "RATER_SELF", "score": 88},
           {"employee": "Z1", "rater": "RATER_GROUP", "score": 84}, {"employee": "Z1", "rater": "RATER_GROUP", "score": 79}]


def score(metrics: dict, history=(), ratings=RATINGS, params=None, extra_metrics=()):
    rows = [{"employee": "Z1", "metric": k, "value": v} for k, v in metrics.items() if v is not None]
    return run(SCHEME, "2026-10", employees=EMP, metrics=rows + list(extra_metrics), ratings=list(ratings),
               history=list(history), parameters={**TARGETS, **(params or {})})


def test_card_and_composite_with_the_exam_from_history():
    # R-OL-3: no exam this month, the latest earlier score (2026-09: 70, not 2026-08: 95) is used.
    # Evaluator items 90 + 80 + 85 + 70 + 100 + 95 = 520; L = (849.74 + 520) / 16 = 85.60875 -> 85.61.
    # G = (84 + 79) / 2 = 81.5; C = 0.15 x 88 + 0.60 x 85.61 + 0.25 x 81.5 = 13.2 + 51.366 + 20.375 = 84.941 -> 84.94.
    history = [{"employee": "Z1", "period": "2026-08", "item": "E_SKILL_EXAM", "value": 95},
               {"employee": "Z1", "period": "2026-09", "item": "E_SKILL_EXAM", "value": 70}]
    r = score(ZHENG, history=history)
    emp = r.employee("Z1")
    assert emp.status == "ok", [p.en for p in emp.problems]
    v = emp.values
    assert [v[f"{c}.score"] for c in ("K_RESP_TIME", "K_VALID_ORDER", "K_REFUND_RATIO", "K_ABNORMAL_ORDER")] == [
        Decimal(75), Decimal("94.74"), Decimal("83.33"), Decimal("66.67")]
    assert v["E_SKILL_EXAM.score"] == Decimal(70)
    assert v["card"] == Decimal("85.61")
    assert v["composite.group"] == Decimal("81.5")
    assert v["composite"] == Decimal("84.94")
    exam = next(x for x in r.explanation("Z1") if x["rule"] == "E_SKILL_EXAM.score")
    assert exam["source"].startswith("历史!")


def test_exam_of_this_month_wins_over_history():
    history = [{"employee": "Z1", "period": "2026-09", "item": "E_SKILL_EXAM", "value": 70}]
    r = score({**ZHENG, "E_SKILL_EXAM": 86}, history=history)
    assert r.employee("Z1").values["E_SKILL_EXAM.score"] == Decimal(86)


def test_exam_of_an_earlier_month_on_the_metrics_sheet():
    # R-OL-3 via a Metrics row with a period; a later month (2026-11) is never used
    extra = [{"employee": "Z1", "metric": "E_SKILL_EXAM", "value": 77, "period": "2026-07"},
             {"employee": "Z1", "metric": "E_SKILL_EXAM", "value": 99, "period": "2026-11"}]
    r = score(ZHENG, extra_metrics=extra)
    assert r.employee("Z1").values["E_SKILL_EXAM.score"] == Decimal(77)


def test_never_examined_is_an_error():
    # R-OL-3: never sat an exam: the input is missing and that is an error
    r = score(ZHENG)
    emp = r.employee("Z1")
    assert emp.status == "error"
    assert [p.code for p in emp.problems] == ["missing_metric"]
    assert "E_SKILL_EXAM" in emp.problems[0].en


def test_missing_target_is_an_error():
    # R-OL-2: each attainment item needs an HR target (R-G-9)
    params = {"TARGET_K_AOV": None}
    rows = [{"employee": "Z1", "metric": k, "value": v} for k, v in {**ZHENG, "E_SKILL_EXAM": 80}.items()]
    targets = {k: v for k, v in TARGETS.items() if k not in params}
    r = run(SCHEME, "2026-10", employees=EMP, metrics=rows, ratings=RATINGS, parameters=targets)
    emp = r.employee("Z1")
    assert emp.status == "error"
    assert any(p.code == "missing_parameter" and "TARGET_K_AOV" in p.en for p in emp.problems)


def test_group_mean_is_rounded_before_weighting():
    # R-OL-6 / R-BR-14. Fifteen items at 90 and conversion 36.128/40 = 0.9032 -> 90.32:
    # L = 1,440.32 / 16 = 90.02. G = (80 + 80 + 81) / 3 = 80.333... -> 80.33.
    # C = 0.15 x 90 + 0.60 x 90.02 + 0.25 x 80.33 = 13.5 + 54.012 + 20.0825 = 87.5945 -> 87.59
    # (with an unrounded G it would be 87.5958... -> 87.60).
    m = {"K_CONSULT_CONV": "36.128", "K_RESP_TIME": "33.3333", "K_CHURN": "11.1111", "K_ORDER_AMOUNT": 270000,
         "K_VALID_ORDER": "85.5", "K_PAY_RATIO": 72, "K_REFUND_RATIO": "5.5556", "K_AOV": 450,
         "K_COMPLAINT_RATIO": "1.1111", "K_ABNORMAL_ORDER": "2.2222", "E_REPORT_TIMELY": 90, "E_DATA_TRUE": 90,
         "E_REPORT_QUALITY": 90, "E_SKILL_EXAM": 90, "E_ATTENDANCE": 90, "E_ATTITUDE": 90}
    ratings = [{"employee": "Z1", "rater": "RATER_SELF", "score": 90}] + [
        {"employee": "Z1", "rater": "RATER_GROUP", "score": s} for s in (80, 80, 81)]
    v = score(m, ratings=ratings).employee("Z1").values
    assert v["K_CONSULT_CONV.score"] == Decimal("90.32")
    assert v["card"] == Decimal("90.02")
    assert v["composite.group"] == Decimal("80.33")
    assert v["composite"] == Decimal("87.59")


@pytest.mark.parametrize("ratings", [
    [{"employee": "Z1", "rater": "RATER_GROUP", "score": 80}],
    [{"employee": "Z1", "rater": "RATER_SELF", "score": 80}],
])
def test_missing_rating_component_is_an_error(ratings):
    # R-OL-5 -> R-BR-10
    r = score({**ZHENG, "E_SKILL_EXAM": 80}, ratings=ratings)
    assert "missing_rating" in {p.code for p in r.employee("Z1").problems}


def test_evaluator_item_outside_0_100_is_an_error():
    # R-OL-3: evaluator items are 0-100
    r = score({**ZHENG, "E_SKILL_EXAM": 80, "E_ATTITUDE": 101})
    pr = next(p for p in r.employee("Z1").problems if p.code == "out_of_range")
    assert pr.where.startswith("指标!C")


# ----------------------------------------------------------------------------- monthly bottom three (rule 4)

# Every KPI at its target and every evaluator item 100: L = 100, so with self = group = x,
# C = 0.15x + 60 + 0.25x = 60 + 0.4x (rule 2).
ON_TARGET = {"K_CONSULT_CONV": 40, "K_RESP_TIME": 30, "K_CHURN": 10, "K_ORDER_AMOUNT": 300000, "K_VALID_ORDER": 95,
             "K_PAY_RATIO": 80, "K_REFUND_RATIO": 5, "K_AOV": 500, "K_COMPLAINT_RATIO": 1, "K_ABNORMAL_ORDER": 2,
             "E_REPORT_TIMELY": 100, "E_DATA_TRUE": 100, "E_REPORT_QUALITY": 100, "E_SKILL_EXAM": 100,
             "E_ATTENDANCE": 100, "E_ATTITUDE": 100}


def team_month(xs: dict, params=None, drop_self=()):
    emps = [{"id": e, "name": e, "role": "客服"} for e in xs]
    metrics = [{"employee": e, "metric": k, "value": v} for e in xs for k, v in ON_TARGET.items()]
    ratings = [{"employee": e, "rater": "RATER_GROUP", "score": x} for e, x in xs.items()]
    ratings += [{"employee": e, "rater": "RATER_SELF", "score": x} for e, x in xs.items() if e not in drop_self]
    return run(SCHEME, "2026-10", employees=emps, metrics=metrics, ratings=ratings,
               parameters={**TARGETS, **(params or {})})


def flagged(r) -> dict:
    """Employee -> the M_BOTTOM3_PLAN flag's params as text (a date as YYYY-MM-DD)."""
    return {e.id: {k: str(v) for k, v in f["params"].items()}
            for e in r.employees for f in r.flags_of(e.id) if f["code"] == "M_BOTTOM3_PLAN"}


@pytest.mark.parametrize("params,due", [
    ({"BULLETIN_DATE": "2026-11-03"}, "2026-11-10"),  # R-OL-6 / R-BR-16: bulletin + 7 calendar days (一周内)
    ({"BULLETIN_DATE": "2026-12-28"}, "2027-01-04"),  # across the year end
    ({}, "7 days after the bulletin"),                # no bulletin date: the flag is still raised
])
def test_bottom_three_with_a_tie_at_the_third_lowest_and_the_due_date(params, due):
    # R-OL-6: A 100, B 96, C 92, D 92, E 88, F 80 -> from the bottom F 1, E 2, C 3, D 3: four flagged
    r = team_month({"A": 100, "B": 90, "C": 80, "D": 80, "E": 70, "F": 50}, params)
    assert r.employee("A").values["card"] == Decimal(100)
    assert {e.id: e.values["composite"] for e in r.employees} == {
        "A": Decimal("100.00"), "B": Decimal("96.00"), "C": Decimal("92.00"), "D": Decimal("92.00"),
        "E": Decimal("88.00"), "F": Decimal("80.00")}
    assert flagged(r) == dict.fromkeys(["C", "D", "E", "F"], {"due": due})
    assert r.money.empty


def test_a_blocked_member_leaves_the_bottom_three_undecided():
    # R-BR-10 via R-OL-5: C has no self rating, so the three lowest composites cannot be known:
    # no flag (a warning says why); A, B and D keep their composites (R-OL-6, R-G-11)
    r = team_month({"A": 100, "B": 90, "C": 80, "D": 70}, drop_self=("C",))
    assert [e.status for e in r.employees] == ["ok", "ok", "error", "ok"]
    assert any(p.code == "ranking_skipped" for p in r.problems)
    assert not r.flags


# ----------------------------------------------------------------------------- quarterly award (rule 3)

def quarter(months: dict, scheme_roles=None):
    emps = [{"id": e, "name": e, "role": "客服", "scheme_role": (scheme_roles or {}).get(e)} for e in months]
    history = [{"employee": e, "period": m, "item": "COMPOSITE", "value": v}
               for e, vals in months.items() for m, v in zip(("2026-10", "2026-11", "2026-12"), vals, strict=True)
               if v is not None]
    return run(SCHEME, "2026-Q4", employees=emps, history=history)


@pytest.mark.parametrize("months,ranks,paid", [
    # R-OL-4 ties (taken over from S3): A and B 270 share rank 1 -> 300 each; rank 2 vacant; C 260 rank 3 -> 100
    ({"A": ["90", "90", "90"], "B": ["100", "80.5", "89.5"], "C": ["86", "87", "87"], "D": ["80", "80", "90"]},
     {"A": 1, "B": 1, "C": 3, "D": 4}, {"A": "300", "B": "300", "C": "100", "D": "0"}),
    # A 280 -> 300; B 270 -> 200; C and D 260 tie at 3rd -> 100 each; E 210 rank 5 -> 0
    ({"A": ["95", "95", "90"], "B": ["90", "90", "90"], "C": ["85.25", "85.25", "89.5"], "D": ["86", "87", "87"],
      "E": ["70", "70", "70"]},
     {"A": 1, "B": 2, "C": 3, "D": 3, "E": 5}, {"A": "300", "B": "200", "C": "100", "D": "100", "E": "0"}),
    # R-BR-11: E has no November composite and is not ranked; the others keep their places
    ({"A": ["95", "95", "90"], "B": ["90", "90", "90"], "E": ["99", None, "99"]},
     {"A": 1, "B": 2, "E": None}, {"A": "300", "B": "200", "E": "0"}),
])
def test_quarter_award_300_200_100(months, ranks, paid):
    r = quarter(months)
    assert all(e.ok for e in r.employees), [p.en for p in r.problems]
    assert {e.id: e.values["Q_TOP3_AWARD.rank"] for e in r.employees} == ranks
    assert {e.id: e.values["money.awards"] for e in r.employees} == {k: Decimal(v) for k, v in paid.items()}


def test_a_blocked_member_blocks_the_quarter_ranking():
    # B is mapped to a scheme role S5 does not have (a free job title alone blocks nobody, test_roles.py)
    r = quarter({"A": ["95", "95", "90"], "B": ["90", "90", "90"]}, scheme_roles={"B": "主管"})
    assert [e.status for e in r.employees] == ["error", "error"]
    assert r.money.empty


def test_quarter_period_via_the_cli(tmp_book):
    # R-G-19: a quarter run of a real workbook with History composites only
    history = [{"employee": e, "period": m, "item": "COMPOSITE", "value": v}
               for e, v in (("A", 90), ("B", 91)) for m in ("2026-10", "2026-11", "2026-12")]
    book = tmp_book(SCHEME, None, employees=[{"id": "A", "name": "甲", "role": "客服"}, {"id": "B", "name": "乙", "role": "客服"}],
                    history=history)
    code, out, err = cli("score", book, "--period", "2026-Q4", "--json", "--no-explain")
    assert code == 0, err
    recs = {r["employee_id"]: r for r in json.loads(out)}
    # B 273 rank 1 -> 300; A 270 rank 2 -> 200
    assert {k: (r["outputs"]["Q_SUM"], r["money"]["awards"]) for k, r in recs.items()} == {"A": (270, 200), "B": (273, 300)}


def test_a_zero_target_on_a_lower_is_better_item_follows_the_formula():
    # R-OL-2 with R-MK-3 (lower is better: a = 1 if actual <= target, else target / actual): a target of
    # 0 complaints is a clear aim; it was refused as "a target must be greater than 0" (S2's R-MK-2).
    # Complaints 0 of a 0 target: a = 1, 100.00; abnormal orders 0.5 against 0: a = 0 / 0.5 = 0, 0.00.
    r = score({**ZHENG, "K_COMPLAINT_RATIO": 0, "K_ABNORMAL_ORDER": "0.5", "E_SKILL_EXAM": 80},
              params={"TARGET_K_COMPLAINT_RATIO": 0, "TARGET_K_ABNORMAL_ORDER": 0})
    z = r.employee("Z1")
    assert z.status == "ok"
    assert (z.values["K_COMPLAINT_RATIO.score"], z.values["K_ABNORMAL_ORDER.score"]) == (100, 0)


def test_a_zero_target_on_a_higher_is_better_item_is_still_an_error():
    r = score({**ZHENG, "E_SKILL_EXAM": 80}, params={"TARGET_K_CONSULT_CONV": 0})
    z = r.employee("Z1")
    assert z.status == "error"
    assert [p.code for p in z.problems if p.code == "target_not_positive"] == ["target_not_positive"]
