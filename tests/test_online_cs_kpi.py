"""S5 online_cs_kpi: 16 equally weighted items, attainment against targets, 360 composite.

Expected values are computed by hand from SCHEMES.md S5 rule 1 (item = 100 x a, R-MK-3),
the card L = mean of the 16 items rounded to 2 decimals (R-OL-1) and the composite of rule 2.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

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
