"""S1 weikang_100 (维康体检百分考核制度), computed by hand from SCHEMES.md S1.

Every expected number below is worked out in the comment beside it from the rule table
(rules 3-6) and the rulings R-WK-n; none is copied from the program's output.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

SCHEME = "weikang_100"
DEPT = "客服部"


def emp(i, name="x", role="客服", dept=DEPT, salary=None):
    row = {"id": i, "name": name, "role": role, "department": dept}
    if salary is not None:
        row["base_salary"] = salary
    return row


def ev(day, who, rule, qty=None, value=None, month="2026-10"):
    row = {"date": f"{month}-{day:02d}", "employee": who, "rule": rule}
    if qty is not None:
        row["qty"] = qty
    if value is not None:
        row["value"] = value
    return row


def leave(who, days):
    return {"employee": who, "metric": "LEAVE_DAYS", "value": days}


def V(result, who, name):
    e = result.employee(who)
    assert e.ok, [p.en for p in e.problems]
    return e.values[name]


# --------------------------------------------------------------------------- worked example

EXAMPLE_EMPLOYEES = [emp("A01", "甲"), emp("A02", "乙"), emp("A03", "丙", "客服顾问", salary=3000)]
EXAMPLE_EVENTS = [
    ev(8, "A01", "ATT_LATE"),                   # 12 minutes: -5 (rule 3, R-WK-3)
    ev(15, "A01", "ATT_LATE_30"),               # 40 minutes: -10 instead of -5 (R-WK-3)
    ev(9, "A01", "LRN_ABSENT"),                 # -2
    ev(10, "A01", "BIZ_SOP_ERROR", value=3),    # severity 3: -3 (R-G-6)
    ev(31, "A01", "BIZ_CALLBACK_SHORT", qty=12),  # 12 x -0.1 = -1.2 (R-WK-6)
    ev(12, "A01", "BON_PRAISE_MINOR", qty=2),   # 2 x +1
    ev(20, "A01", "BON_PRAISE_BANNER"),         # +5
    ev(22, "A01", "BON_OVERTIME", qty=3),       # 3 h x +1 (R-WK-12)
    ev(5, "A02", "ATT_LATE", qty=3),            # -15
    ev(6, "A02", "ATT_EARLY"),                  # -5 -> ATT raw 20, capped 15 (R-WK-2)
    ev(7, "A02", "DIS_COMPLAINT"),              # -5
    ev(13, "A02", "HYG_NOT_CLEANED"),           # -3
    ev(14, "A02", "BON_TMP_DONE", qty=2),       # 2 x +2
    ev(16, "A03", "BON_WEB_ARTICLE", qty=2),    # 2 x +3
    ev(17, "A03", "CONS_REPORT_LATE", qty=2),   # 2 x 5% x 3000 = 300.00 yuan (R-WK-15, R-WK-20)
    ev(23, "A03", "CONS_LECTURE", value=8),     # 8% x 3000 = 240.00 yuan
]


def test_worked_example():
    r = run(SCHEME, employees=EXAMPLE_EMPLOYEES, events=EXAMPLE_EVENTS, metrics=[leave("A03", 0)],
            parameters={"LEARNING_ACTIVITIES_HELD": 4})
    # 甲: 100 - 15 (ATT 5+10 = 15, at the cap) - 2 (LRN) - 4.2 (BIZ 3 + 1.2) + 10 (2+5+3) = 88.8
    assert V(r, "A01", "score") == Decimal("88.8")
    assert V(r, "A01", "ATT.deduction") == 15
    assert V(r, "A01", "LRN.deduction") == 2
    assert V(r, "A01", "BIZ.deduction") == Decimal("4.2")
    assert V(r, "A01", "bonus_points") == 10
    # 乙: 100 - 15 (ATT 20 capped, R-WK-2) - 5 - 3 + 4 = 81 as SCHEMES.md prints it; but R-WK-9
    # awards BON_LRN_ONTIME +3 to everyone with no LRN_ABSENT/LRN_LATE when activities were held
    # (4 were), and 乙 has none, so 乙 = 84. We follow the ruling (see the closing note).
    assert V(r, "A02", "ATT.raw") == -20
    assert V(r, "A02", "ATT.deduction") == 15
    assert V(r, "A02", "score") == 84
    # 丙: 100 + 5 (全勤: no ATT_*, 0 leave days, R-WK-10) + 3 (R-WK-9) + 6 = 114; money 540.00
    assert V(r, "A03", "score") == 114
    assert V(r, "A03", "money.deductions") == Decimal("540.00")
    # BON_DEPT_CLEAN goes to nobody: 乙's DIS_COMPLAINT and 甲's BIZ_SOP_ERROR (R-WK-11)
    assert not (r.ledger["rule"] == "BON_DEPT_CLEAN").any()
    # money never changes points (R-G-8, R-WK-15)
    assert V(r, "A03", "bonus_points") == 14


def test_worked_example_month_without_learning_activities():
    """With no activity held, R-WK-9 gives nobody +3: 乙 = 81 exactly as printed; 丙 = 111."""
    r = run(SCHEME, employees=EXAMPLE_EMPLOYEES, events=EXAMPLE_EVENTS, metrics=[leave("A03", 0)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert V(r, "A01", "score") == Decimal("88.8")
    assert V(r, "A02", "score") == 81          # 100 - 15 - 5 - 3 + 4
    assert V(r, "A03", "score") == 111         # 100 + 5 + 6
    assert V(r, "A03", "money.deductions") == Decimal("540.00")


# --------------------------------------------------------------------------- caps and floor (R-WK-2)


def test_every_category_capped_and_score_never_below_zero():
    events = [
        ev(1, "E1", "ATT_LATE_30", qty=2),          # ATT raw 20 -> 15
        ev(2, "E1", "DIS_COMPLAINT", qty=4),        # DIS raw 20 -> 15
        ev(3, "E1", "HYG_NOT_CLEANED", qty=4),      # HYG raw 12 -> 10
        ev(4, "E1", "LRN_ABSENT", qty=6),           # LRN raw 12 -> 10
        ev(5, "E1", "TMP_REFUSED", qty=3),          # TMP raw 15 -> 10
        ev(6, "E1", "BIZ_SOP_ERROR", qty=5, value=10),  # BIZ raw 50 -> 40
    ]
    r = run(SCHEME, employees=[emp("E1")], events=events, parameters={"LEARNING_ACTIVITIES_HELD": 2})
    for cat, cap in {"ATT": 15, "DIS": 15, "HYG": 10, "LRN": 10, "TMP": 10, "BIZ": 40}.items():
        assert V(r, "E1", f"{cat}.deduction") == cap
        assert V(r, "E1", f"{cat}.left") == 0
    assert V(r, "E1", "score") == 0  # 100 - 100, the floor that the caps guarantee


def test_bonus_is_added_after_the_caps_and_uncapped():
    events = [ev(1, "E1", "ATT_LATE_30", qty=2), ev(2, "E1", "BON_FRICTION", qty=3)]
    r = run(SCHEME, employees=[emp("E1")], events=events, parameters={"LEARNING_ACTIVITIES_HELD": 0})
    # no 全勤 (ATT events), no 按时参加 (none held), department bonus +3 (no error/complaint code)
    assert V(r, "E1", "score") == 118  # 100 - 15 + 30 + 3 (R-WK-2: bonuses after the caps, no ceiling)


def test_cap_is_reached_in_date_order_in_the_detail():
    # ATT_LATE (1st, -5), ATT_LATE_30 (2nd, -10), ATT_EARLY (3rd, -5): counted -5, -10, 0
    events = [ev(3, "E1", "ATT_EARLY"), ev(1, "E1", "ATT_LATE"), ev(2, "E1", "ATT_LATE_30")]
    r = run(SCHEME, employees=[emp("E1")], events=events, parameters={"LEARNING_ACTIVITIES_HELD": 0})
    led = r.ledger_of("E1")
    led = led[led["category"] == "ATT"].sort_values("date")
    assert list(led["rule"]) == ["ATT_LATE", "ATT_LATE_30", "ATT_EARLY"]
    assert list(led["counted_e8"] // 10**8) == [-5, -10, 0]
    assert V(r, "E1", "ATT.deduction") == 15


def test_fractional_points_are_exact():
    # R-WK-6: 3 person-times short (-0.3) and 7 customers not reminded (-0.7): BIZ 1.0 exactly
    events = [ev(1, "E1", "BIZ_CALLBACK_SHORT", qty=3), ev(2, "E1", "BIZ_ANNIV_REMINDER_MISS", qty=7)]
    r = run(SCHEME, employees=[emp("E1")], events=events, parameters={"LEARNING_ACTIVITIES_HELD": 0},
            metrics=[leave("E1", 0)])
    assert V(r, "E1", "BIZ.deduction") == Decimal("1")
    assert V(r, "E1", "score") == 107  # 100 - 1 + 5 (全勤) + 3 (department clean: no error/complaint code)


# --------------------------------------------------------------------------- derived bonuses


@pytest.mark.parametrize("case,events,leave_days,award", [
    ("no ATT event, 0 leave days", [], 0, True),                            # R-WK-10
    ("half a day of leave", [], 0.5, False),                                # R-WK-10: 0 leave days
    ("waived ATT_MINOR (value 0)", [ev(3, "E1", "ATT_MINOR", value=0)], 0, False),  # R-WK-10
    ("ATT_UNAUTH, 0 points", [ev(3, "E1", "ATT_UNAUTH")], 0, False),       # R-WK-5
    ("another category's event", [ev(3, "E1", "HYG_NOT_CLEANED")], 0, True),
])
def test_full_attendance(case, events, leave_days, award):
    r = run(SCHEME, employees=[emp("E1")], events=events, metrics=[leave("E1", leave_days)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    got = (r.ledger_of("E1")["rule"] == "BON_FULL_ATT").any()
    assert got is award or bool(got) == award, case


def test_full_attendance_needs_leave_days_only_without_att_events():
    # R-WK-19: E1 has an ATT event (LEAVE_DAYS not needed); E2 has none and no LEAVE_DAYS row -> error
    r = run(SCHEME, employees=[emp("E1"), emp("E2")], events=[ev(3, "E1", "ATT_EARLY")],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert r.employee("E1").ok
    e2 = r.employee("E2")
    assert not e2.ok
    pr = e2.problems[0]
    assert pr.code == "missing_metric" and "LEAVE_DAYS" in pr.en and "E2" in pr.en
    assert pr.where == "指标 / Metrics"


@pytest.mark.parametrize("held,events,award", [
    (3, [], True),                                       # R-WK-9: held, none missed
    (0, [], False),                                      # R-WK-9: nothing held
    (3, [ev(5, "E1", "LRN_LATE")], False),               # late once: -1 and no +3
    (3, [ev(5, "E1", "LRN_ABSENT")], False),
])
def test_learning_on_time(held, events, award):
    r = run(SCHEME, employees=[emp("E1")], events=events, metrics=[leave("E1", 1)],
            parameters={"LEARNING_ACTIVITIES_HELD": held})
    assert bool((r.ledger_of("E1")["rule"] == "BON_LRN_ONTIME").any()) == award


def test_learning_parameter_needed_only_when_someone_has_no_lrn_event():
    # R-WK-19: everyone has an LRN_* event -> the parameter is not needed
    r = run(SCHEME, employees=[emp("E1")], events=[ev(5, "E1", "LRN_LATE")], metrics=[leave("E1", 1)])
    assert r.employee("E1").ok and V(r, "E1", "score") == 102  # -1 + 3 (department clean)
    r = run(SCHEME, employees=[emp("E1"), emp("E2")], events=[ev(5, "E1", "LRN_LATE")],
            metrics=[leave("E1", 1), leave("E2", 1)])
    assert r.employee("E1").ok
    assert not r.employee("E2").ok
    assert r.employee("E2").problems[0].code == "missing_parameter"


def test_department_clean_bonus_per_department():
    # R-WK-11: 客服部 has a DIS_COMPLAINT, VIP部 has only a BIZ_VIP_PRINT_LATE (not an error/complaint code)
    employees = [emp("E1"), emp("E2"), emp("V1", dept="VIP部"), emp("V2", dept="VIP部")]
    events = [ev(2, "E1", "DIS_COMPLAINT"), ev(3, "V1", "BIZ_VIP_PRINT_LATE")]
    metrics = [leave(i, 1) for i in ("E1", "E2", "V1", "V2")]
    r = run(SCHEME, employees=employees, events=events, metrics=metrics, parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert V(r, "E1", "score") == 95   # -5, no +3
    assert V(r, "E2", "score") == 100  # nothing, no +3 (same department as the complaint)
    assert V(r, "V1", "score") == 98   # -5 + 3
    assert V(r, "V2", "score") == 103  # +3


def test_department_bonus_blocked_when_a_member_has_bad_input():
    # An unreadable row of E2 could hide a complaint, so no member's department bonus can be known.
    employees = [emp("E1"), emp("E2")]
    events = [ev(2, "E2", "BIZ_SOP_ERROR", value=12)]  # outside 1..10 (R-G-6)
    r = run(SCHEME, employees=employees, events=events, metrics=[leave("E1", 1), leave("E2", 1)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert not r.employee("E2").ok
    assert not r.employee("E1").ok
    assert r.employee("E1").problems[0].code == "blocked_by_group"


# --------------------------------------------------------------------------- validation (R-G-6, R-WK-17/19/21)


def _codes(result, who):
    return [p.code for p in result.employee(who).problems]


@pytest.mark.parametrize("rule,value,ok", [
    ("BIZ_SOP_ERROR", 10, True),     # R-G-6: both ends included
    ("BIZ_SOP_ERROR", 1, True),
    ("BIZ_SOP_ERROR", 11, False),
    ("BIZ_SOP_ERROR", 0, False),
    ("BIZ_SOP_ERROR", 2.5, False),   # whole points (R-WK-8)
    ("BIZ_COORD", 5, False),         # 客服 is not 组长 (R-WK-17) - role, checked below
    ("ATT_MINOR", 0, True),          # R-WK-3: 0 = waived
    ("HYG_POOR_CLEAN", 4, False),    # R-WK-4: 0-3
])
def test_range_values(rule, value, ok):
    r = run(SCHEME, employees=[emp("E1")], events=[ev(4, "E1", rule, value=value)], metrics=[leave("E1", 0)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert r.employee("E1").ok is ok


def test_out_of_range_value_names_the_cell():
    r = run(SCHEME, employees=[emp("E1")], events=[ev(1, "E1", "ATT_EARLY"), ev(4, "E1", "BIZ_SOP_ERROR", value=11)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    pr = next(p for p in r.problems if p.code == "value_out_of_range")
    assert pr.where == "事件!E3 / Events!E3"  # second data row; value is column E
    assert "1..10" in pr.en and "1–10" in pr.zh


def test_range_rule_needs_a_value_and_fixed_rule_refuses_one():
    events = [ev(1, "E1", "BIZ_SOP_ERROR"), ev(2, "E1", "ATT_LATE", value=5)]
    r = run(SCHEME, employees=[emp("E1")], events=events, parameters={"LEARNING_ACTIVITIES_HELD": 0},
            metrics=[leave("E1", 0)])
    assert sorted(set(_codes(r, "E1"))) == ["value_missing", "value_not_allowed"]


def test_role_restricted_rule():
    # R-WK-17: BIZ_COORD only for 组长
    employees = [emp("L1", role="组长", dept="一组"), emp("E1", dept="二组")]
    events = [ev(3, "L1", "BIZ_COORD", value=4), ev(3, "E1", "BIZ_COORD", value=4)]
    r = run(SCHEME, employees=employees, events=events, metrics=[leave("L1", 1), leave("E1", 1)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert V(r, "L1", "score") == 99  # 100 - 4 + 3 (一组 has no error/complaint code, R-WK-11)
    pr = r.employee("E1").problems[0]
    assert pr.code == "role_restricted" and pr.where == "事件!C3 / Events!C3" and "组长" in pr.zh


def test_money_rules_only_for_consultants():
    r = run(SCHEME, employees=[emp("E1", salary=3000)], events=[ev(3, "E1", "CONS_REPORT_LATE")],
            parameters={"LEARNING_ACTIVITIES_HELD": 0}, metrics=[leave("E1", 0)])
    assert _codes(r, "E1") == ["role_restricted"]


def test_derived_bonus_cannot_be_recorded():
    r = run(SCHEME, employees=[emp("E1")], events=[ev(3, "E1", "BON_FULL_ATT")], metrics=[leave("E1", 0)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})  # R-WK-19
    assert _codes(r, "E1") == ["derived_rule_recorded"]


def test_overtime_in_whole_hours():
    r = run(SCHEME, employees=[emp("E1")], events=[ev(3, "E1", "BON_OVERTIME", qty=2.5)], metrics=[leave("E1", 0)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})  # R-WK-12
    assert _codes(r, "E1") == ["qty_not_whole"]


@pytest.mark.parametrize("period,date,outcome", [
    ("2026-12", "2026-12-31", "-2"),    # R-WK-21: booked in the quarter's last month, 4 x -0.5
    ("2026-11", "2026-11-30", "error"),  # second month of Q4: located error, not moved
    ("2026-10", "2026-09-30", "ignored"),  # outside the period: ignored (R-G-7)
])
def test_vip_callbacks_booked_at_quarter_end(period, date, outcome):
    row = {"date": date, "employee": "E1", "rule": "BIZ_VIP_CALLBACK_SHORT", "qty": 4}
    r = run(SCHEME, period, employees=[emp("E1")], events=[row], metrics=[leave("E1", 1)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    if outcome == "error":
        assert _codes(r, "E1") == ["not_quarter_end"]
    elif outcome == "ignored":
        assert V(r, "E1", "BIZ.deduction") == 0
        assert any(p.code == "outside_period" and p.severity == "warning" for p in r.problems)
    else:
        assert V(r, "E1", "BIZ.points") == Decimal(outcome)


# --------------------------------------------------------------------------- money (R-WK-15, R-WK-20, R-G-14)


def test_money_line_rounds_once_per_row():
    # qty 3 on one row: 3 x 5% x 3333.33 = 499.9995 -> 500.00 (one line, R-WK-20)
    r = run(SCHEME, employees=[emp("C1", role="客服顾问", salary=3333.33)], metrics=[leave("C1", 0)],
            events=[ev(3, "C1", "CONS_REPORT_LATE", qty=3)], parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert V(r, "C1", "money.deductions") == Decimal("500.00")
    # three qty-1 rows: 166.6665 -> 166.67 each, 500.01 in all (the total is the sum of rounded lines)
    r = run(SCHEME, employees=[emp("C1", role="客服顾问", salary=3333.33)], metrics=[leave("C1", 0)],
            events=[ev(d, "C1", "CONS_REPORT_LATE") for d in (3, 4, 5)], parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert V(r, "C1", "money.deductions") == Decimal("500.01")


def test_lecture_percent_is_chosen_per_row():
    # CONS_LECTURE 7% x 2850 = 199.50; 10% x 2850 = 285.00 -> 484.50; 11% is outside 5-10 (R-WK-8)
    events = [ev(3, "C1", "CONS_LECTURE", value=7), ev(4, "C1", "CONS_LECTURE", value=10)]
    r = run(SCHEME, employees=[emp("C1", role="客服顾问", salary=2850)], events=events, metrics=[leave("C1", 2)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert V(r, "C1", "money.deductions") == Decimal("484.50")
    assert V(r, "C1", "score") == 103  # points untouched by money (R-G-8): 100 + 3 (department clean)
    r = run(SCHEME, employees=[emp("C1", role="客服顾问", salary=2850)], metrics=[leave("C1", 2)],
            events=[ev(3, "C1", "CONS_LECTURE", value=11)], parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert _codes(r, "C1") == ["value_out_of_range"]


def test_consultant_needs_base_salary():
    r = run(SCHEME, employees=[emp("C1", role="客服顾问")], events=[], parameters={"LEARNING_ACTIVITIES_HELD": 0},
            metrics=[leave("C1", 0)])
    pr = r.employee("C1").problems[0]
    assert pr.code == "missing_attribute" and pr.where == "员工!F2 / Employees!F2"


# --------------------------------------------------------------------------- workbook-wide problems


def test_unknown_employee_on_an_event_blocks_everyone():
    r = run(SCHEME, employees=[emp("E1")], events=[ev(3, "E9", "ATT_LATE")], metrics=[leave("E1", 0)],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert not r.employee("E1").ok
    pr = next(p for p in r.problems if p.code == "unknown_employee")
    assert pr.where == "事件!B2 / Events!B2"


def test_unknown_rule_names_the_cell_and_the_fix():
    r = run(SCHEME, employees=[emp("E1")], events=[ev(3, "E1", "ATT_LAET")])
    pr = r.employee("E1").problems[0]
    assert (pr.code, pr.where) == ("unknown_rule", "事件!C2 / Events!C2")
    assert "ATT_LAET" in pr.en and pr.fix_en and pr.fix_zh
