"""S11 kefu_rules_95: fixed-allocation items out of 95 (SCHEMES.md S11).

Expected values are computed by hand from the S11 rule table and the rulings cited.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

SCHEME = "kefu_rules_95"
EMP = [{"id": "K", "name": "钱", "role": "客服", "employment": "正式员工"}]
GOOD = {"CSAT_RATE": 97, "KNOWLEDGE_TEST": 95, "OVERTIME_PER_RULES": "是", "A_INITIATIVE": 5, "A_PEER": 5,
        "T_COLLAB": 5, "T_SHARE": 5}


def score(events=(), history=(), employees=EMP, **metrics):
    values = {**GOOD, **metrics}
    rows = [{"employee": "K", "metric": k, "value": v} for k, v in values.items() if v is not None]
    return run(SCHEME, "2026-10", employees=employees, events=list(events), metrics=rows, history=list(history))


def values(**kw):
    r = score(**kw)
    emp = r.employee("K")
    assert emp.status == "ok", [p.en for p in emp.problems]
    return emp.values


def ev(rule, qty=None, date="2026-10-15"):
    row = {"date": date, "employee": "K", "rule": rule}
    if qty is not None:
        row["qty"] = qty
    return row


def test_no_negative_findings_is_95():
    # R-KR-1: the maximum is 95 and is not rescaled
    assert values()["score"] == Decimal(95)


@pytest.mark.parametrize("rate,judged,item", [
    ("90.01", "90.01", 10),
    ("90", "90", 10),          # R-KR-2: 90% is not "低于90%"; the gap goes to the favourable band
    ("89.995", "90.00", 10),   # R-G-4: judged as shown, 90.00%
    ("89.99", "89.99", 0),     # 低于90% -> 0
    ("50", "50", 0),
])
def test_satisfaction(rate, judged, item):
    v = values(CSAT_RATE=rate)
    assert v["Q_CSAT.value"] == Decimal(judged) and v["Q_CSAT"] == Decimal(item)


@pytest.mark.parametrize("test,item", [(100, 10), (90, 10), ("89.99", 5), (89, 5), (0, 5)])
def test_knowledge(test, item):
    # R-KR-5: "90分以上" and "90分以下" both include 90 -> 10 (favourable); below 90 -> 5
    assert values(KNOWLEDGE_TEST=test)["V_KNOWLEDGE"] == Decimal(item)


def test_knowledge_falls_back_to_the_latest_test():
    # R-KR-5: no test this month -> the most recent earlier score (2026-09: 88 -> 5)
    history = [{"employee": "K", "period": "2026-06", "item": "KNOWLEDGE_TEST", "value": 96},
               {"employee": "K", "period": "2026-09", "item": "KNOWLEDGE_TEST", "value": 88}]
    v = values(KNOWLEDGE_TEST=None, history=history)
    assert v["V_KNOWLEDGE.value"] == Decimal(88) and v["V_KNOWLEDGE"] == Decimal(5)


def test_never_tested_is_an_error():
    r = score(KNOWLEDGE_TEST=None)
    assert [p.code for p in r.employee("K").problems] == ["missing_metric"]


@pytest.mark.parametrize("hours,item", [
    (["0.5"], 5),          # R-KR-3: any lateness counts as at least one hour: -5
    (["1"], 5),
    (["1.01"], 0),         # ceil(1.01) = 2 -> -10
    (["1.5"], 0),          # worked example E1
    (["0.5", "0.5"], 0),   # each issue is rounded up on its own: -5 -5
    (["3"], 0),            # -15, the item floors at 0
])
def test_speed_deducts_5_per_started_hour_per_issue(hours, item):
    events = [ev("SPEED_LATE", qty=h) for h in hours]
    assert values(events=events)["Q_SPEED"] == Decimal(item)


@pytest.mark.parametrize("rule,item_code,qty,item", [
    ("ACCURACY_ERROR", "Q_ACCURACY", 1, 5),   # R-KR-4: per occurrence
    ("ACCURACY_ERROR", "Q_ACCURACY", 2, 0),
    ("ACCURACY_ERROR", "Q_ACCURACY", 3, 0),   # floor 0
    ("NORMS_VIOLATION", "Q_NORMS", 1, 5),
    ("TASK_LATE", "V_TASKS", 2, 5),
    ("TASK_LATE", "V_TASKS", 3, 0),
    ("LATE_EARLY", "A_ATTENDANCE", 1, 0),     # R-KR-6: one record makes the item 0
    ("LATE_EARLY", "A_ATTENDANCE", 4, 0),
])
def test_per_occurrence_items(rule, item_code, qty, item):
    assert values(events=[ev(rule, qty=qty)])[item_code] == Decimal(item)


def test_overtime_item():
    # R-KR-7
    assert values(OVERTIME_PER_RULES="否")["V_OVERTIME"] == Decimal(0)
    assert values(OVERTIME_PER_RULES="是")["V_OVERTIME"] == Decimal(5)
    r = score(OVERTIME_PER_RULES=None)
    assert {p.code for p in r.employee("K").problems} == {"missing_metric"}


def test_a_yes_no_figure_typed_as_1_or_0():
    # 1 and 0 are yes and no in a yes/no column (an event's 加倍); a yes/no metric's any-typed value
    # cell read them as numbers and refused them ("must be yes/no")
    assert values(OVERTIME_PER_RULES=1)["V_OVERTIME"] == Decimal(5)
    assert values(OVERTIME_PER_RULES="0")["V_OVERTIME"] == Decimal(0)
    assert {p.code for p in score(OVERTIME_PER_RULES=2).employee("K").problems} == {"not_boolean"}


def test_category_subtotals():
    # 工作质量 40 = 10 + (10 - 5) + 10 + 10; 工作量 30 = (15 - 5) + 10 + 5; 态度 = 5 + 0 + 5; 团队 = 5 + 0
    v = values(events=[ev("ACCURACY_ERROR"), ev("TASK_LATE")], A_INITIATIVE=0, T_SHARE=0)
    assert (v["quality"], v["quantity"], v["attitude"], v["teamwork"], v["score"]) == (
        Decimal(35), Decimal(25), Decimal(10), Decimal(5), Decimal(75))


@pytest.mark.parametrize("value", [3, 1])
def test_evaluator_items_are_5_or_0(value):
    # R-KR-6: all-or-nothing items
    r = score(A_PEER=value)
    assert "a_peer_five_or_zero" in {p.code for p in r.employee("K").problems}


def test_part_time_employee_gets_a_warning():
    r = score(employees=[{"id": "K", "name": "钱", "role": "客服", "employment": "兼职"}])
    assert r.employee("K").status == "ok"
    assert [p.code for p in r.warnings] == ["not_full_time"]


def test_decimal_hours_are_allowed_only_where_the_rule_says_so():
    # qty of a count rule must be whole (R-G-19)
    r = score(events=[ev("TASK_LATE", qty="1.5")])
    assert "qty_not_whole" in {p.code for p in r.employee("K").problems}


def test_explanation_shows_the_rounded_hours():
    r = score(events=[ev("SPEED_LATE", qty="1.5")])
    line = next(x for x in r.explanation("K") if x["rule"] == "SPEED_LATE")
    assert line["points"] == -10 and "rounded up to 2" in line["text_en"]


@pytest.mark.parametrize("typed", ["X", "x", " X "])
def test_a_latin_x_in_a_yes_no_cell_is_asked_not_read_as_no(typed):
    # in a tick column an X usually marks the chosen ones; it was read as 否, so R-KR-7's 5 points for
    # overtime were silently not given. × and ✗ stay 否, √ and ✓ 是.
    assert {p.code for p in score(OVERTIME_PER_RULES=typed).employee("K").problems} == {"not_boolean"}
    assert values(OVERTIME_PER_RULES="×")["V_OVERTIME"] == Decimal(0)
    assert values(OVERTIME_PER_RULES="√")["V_OVERTIME"] == Decimal(5)
