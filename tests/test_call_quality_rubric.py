"""S9 call_quality_rubric: criteria scored per monitored call, averaged over the month.

Expected values are computed by hand from SCHEMES.md S9: call % = call total / sum of the
maxima in force x 100 (2 decimals), month = mean of the call percentages (2 decimals).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

SCHEME = "call_quality_rubric"
EMP = [{"id": "L1", "name": "林", "role": "客服"}, {"id": "L2", "name": "何", "role": "客服"}]
CODES = ("CQ_EXPRESSION", "CQ_GREETING", "CQ_CLOSING", "CQ_HANGUP")


def call(call_id, scores, emp="L1", date="2026-10-08", **extra):
    rows = []
    for code, value in zip(CODES, scores, strict=False):
        if value is None:
            continue
        row = {"date": date, "employee": emp, "rule": code, "value": value, "call_id": call_id}
        row.update(extra.get(code, {}))
        rows.append(row)
    return rows


def score(events, params=None, rules=None):
    sheets = {"employees": EMP, "events": events, "parameters": params or {}}
    if rules is not None:
        sheets["rules"] = rules
    return run(SCHEME, "2026-10", **sheets)


def test_three_calls_mean_of_rounded_call_percentages():
    # 19/21 = 90.476... -> 90.48; 20/21 = 95.238... -> 95.24; 13/21 = 61.904... -> 61.90
    # month = (90.48 + 95.24 + 61.90) / 3 = 247.62 / 3 = 82.54
    events = call("A", (14, 2, 1, 2)) + call("B", (15, 2, 1, 2)) + call("C", (10, 1, 2, 0))
    v = score(events).employee("L1").values
    assert v["score"] == Decimal("82.54") and v["score.calls"] == 3


@pytest.mark.parametrize("scores,expected", [
    ((15, 2, 2, 2), "100"),   # full marks
    ((0, 0, 0, 0), "0"),
    ((13, 1, 1, 2), "80.95"),  # 17/21 = 80.952... -> 80.95
])
def test_single_call(scores, expected):
    assert score(call("A", scores)).employee("L1").values["score"] == Decimal(expected)


def test_agent_without_calls_is_not_assessed():
    # No monitored call: no score, a warning, and the agent is not an error
    r = score(call("A", (14, 2, 1, 2)))
    emp = r.employee("L2")
    assert emp.status == "not_assessed" and emp.values["score"] is None and emp.values["score.calls"] == 0
    assert [p.code for p in r.warnings if p.employee == "L2"] == ["not_assessed"]


def test_missing_criterion_is_an_error_naming_the_call():
    # R-CQ-7: every call needs exactly one score per criterion in force
    r = score(call("A", (14, 2, 1, None)) + call("B", (15, 2, 2, 2), date="2026-10-09"))
    emp = r.employee("L1")
    assert emp.status == "error"
    pr = next(p for p in emp.problems if p.code == "call_criteria")
    assert "A" in pr.en and "CQ_HANGUP" in pr.en and pr.where.startswith("事件!")


def test_duplicate_criterion_is_an_error_naming_the_call():
    events = call("A", (14, 2, 1, 2)) + [{"date": "2026-10-08", "employee": "L1", "rule": "CQ_GREETING", "value": 1, "call_id": "A"}]
    pr = next(p for p in score(events).employee("L1").problems if p.code == "call_criteria")
    assert "CQ_GREETING" in pr.en and "twice" in pr.en


def test_score_above_the_maximum_is_an_error_naming_the_cell():
    # R-CQ-6: a score outside 0..max is a validation error
    r = score(call("A", (16, 2, 1, 2)))
    pr = next(p for p in r.employee("L1").problems if p.code == "value_out_of_range")
    assert pr.where == "事件!E2 / Events!E2"


def test_hang_up_has_no_1():
    # R-CQ-4: the hang-up criterion scores 0 or 2, with no 1
    r = score(call("A", (14, 2, 1, 1)))
    assert "score_not_in_band" in {p.code for p in r.employee("L1").problems}


@pytest.mark.parametrize("band,ok", [
    ("13-15", True), ("13~15", True), ("13—15", True),  # R-G-1: A~B includes both ends
    ("10-12", False),                                    # the score 14 is not in the chosen band
    ("12-14", False),                                    # not a band of 表达能力
    ("高", False),
])
def test_band_label_is_checked_against_the_score(band, ok):
    # R-CQ-6: the clerk may record the band label; the score must fall inside it
    r = score(call("A", (14, 2, 1, 2), CQ_EXPRESSION={"band": band}))
    codes = {p.code for p in r.employee("L1").problems}
    assert ("band_mismatch" not in codes) is ok


def test_call_id_is_required():
    events = call("A", (14, 2, 1, 2))
    events[0]["call_id"] = ""
    r = score(events)
    assert "field_required" in {p.code for p in r.employee("L1").problems}


RULES = [
    {"code": "CQ_EXPRESSION", "zh": "表达能力", "kind": "bonus", "category": "CQ", "min": 0, "max": 15},
    {"code": "CQ_GREETING", "zh": "开头语", "kind": "bonus", "category": "CQ", "min": 0, "max": 2},
    {"code": "CQ_CLOSING", "zh": "结束语", "kind": "bonus", "category": "CQ", "min": 0, "max": 2},
    {"code": "CQ_HANGUP", "zh": "后挂机", "kind": "bonus", "category": "CQ", "min": 0, "max": 2},
]


def test_hr_adds_a_criterion_on_the_rules_sheet():
    # R-CQ-1, R-CQ-7: a 5th criterion (倾听, max 6) added as data; the divisor becomes 21 + 6 = 27.
    # Call: 14 + 2 + 1 + 2 + 5 = 24; 24/27 = 88.888... -> 88.89
    rules = RULES + [{"code": "CQ_LISTENING", "zh": "倾听/理解", "kind": "bonus", "category": "CQ", "min": 0, "max": 6}]
    events = call("A", (14, 2, 1, 2)) + [{"date": "2026-10-08", "employee": "L1", "rule": "CQ_LISTENING", "value": 5, "call_id": "A"}]
    v = score(events, rules=rules).employee("L1").values
    assert v["score"] == Decimal("88.89")


def test_added_criterion_is_required_on_every_call():
    rules = RULES + [{"code": "CQ_LISTENING", "zh": "倾听/理解", "kind": "bonus", "category": "CQ", "min": 0, "max": 6}]
    r = score(call("A", (14, 2, 1, 2)), rules=rules)
    assert "call_criteria" in {p.code for p in r.employee("L1").problems}


def test_criteria_parameter_limits_the_criteria_in_force():
    # R-CQ-7: CRITERIA lists the criteria in force: 15 + 2 + 2 = 19; 14 + 2 + 1 = 17; 17/19 = 89.473... -> 89.47
    v = score(call("A", (14, 2, 1, None)), params={"CRITERIA": "CQ_EXPRESSION, CQ_GREETING, CQ_CLOSING"}).employee("L1").values
    assert v["score"] == Decimal("89.47")


def test_row_of_a_criterion_not_in_force_is_an_error():
    r = score(call("A", (14, 2, 1, 2)), params={"CRITERIA": "CQ_EXPRESSION, CQ_GREETING, CQ_CLOSING"})
    pr = next(p for p in r.employee("L1").problems if p.code == "criterion_not_in_force")
    assert pr.where == "事件!C5 / Events!C5"


def test_unknown_criterion_in_the_parameter_is_an_error():
    r = score(call("A", (14, 2, 1, 2)), params={"CRITERIA": "CQ_EXPRESSION, CQ_TYPO"})
    assert all(e.status == "error" for e in r.employees)
    assert any(p.code == "unknown_criterion" for p in r.errors)


def test_a_criterion_listed_twice_in_the_parameter_is_an_error():
    """Listed twice, CQ_EXPRESSION's 15 counted twice in the denominator (R-CQ-7: 19/36 = 52.78
    instead of 19/21 = 90.48), silently; now nobody is scored until the list is fixed."""
    r = score(call("A", (14, 2, 1, 2)), params={"CRITERIA": "CQ_EXPRESSION,cq_expression,CQ_GREETING,CQ_CLOSING,CQ_HANGUP"})
    assert all(e.status == "error" for e in r.employees)
    pr = next(p for p in r.employee("L1").problems if p.code == "duplicate_criterion")
    assert pr.where.startswith("参数!") and "CQ_EXPRESSION" in pr.en


def test_explanation_lists_each_call_with_its_cells():
    r = score(call("A", (14, 2, 1, 2)))
    line = next(x for x in r.explanation("L1") if x["rule"] == "call A")
    assert "19 / 21 = 90.48%" in line["text_en"]
    assert line["source"].count("事件!E") == 4
