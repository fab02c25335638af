"""Attack round 8: S7 ledger state, S4 hire date, S2 whole counts, S10 "not assessed" wording.

Every expectation is computed by hand from SCHEMES.md (the clause is named on each test).
"""

from __future__ import annotations

from decimal import Decimal

from conftest import D, run

# --------------------------------------------------------------------------- S7: the points account (R-G-19)

S7 = "dingcan_points"
DEPT = "订餐部"


def s7_emps(**hires):
    return [{"id": i, "name": i, "role": "订餐师", "department": DEPT, "hire_date": h} for i, h in hires.items()]


def s7_day(emp, orders, partner, attempts, date="2026-10-06"):
    return [{"employee": emp, "metric": m, "value": v, "date": date}
            for m, v in (("ORDERS_SUCCESS", orders), ("PARTNER_BOOKINGS", partner), ("ORDER_ATTEMPTS", attempts))]


def s7_metrics():
    """Tue 2026-10-06: A 10 orders / 3 bookings / 20 attempts, B 8 / 4 / 16 (both 50.00%, pass R-DC-3); month
    rates A 55, B 52; 接通率 95 (R-DC-4, no unplaced day anyway); bookings 100 this month and last (rate 1).
    Day: R_ORD A 3, B 2; R_PARTNER B 3, A 2; both placed twice: max + 1 = 4 each (R-DC-1).
    Week Oct 5-11 (same sums): R_ORD A 5, B 4; R_PARTNER B 5, A 4: 6 each. Month R_SUCCESS: A 10, B 5.
    month_net: A 4 + 6 + 10 = 20, B 4 + 6 + 5 = 15."""
    return (s7_day("A", 10, 3, 20) + s7_day("B", 8, 4, 16)
            + [{"employee": "A", "metric": "SUCCESS_RATE", "value": 55},
               {"employee": "B", "metric": "SUCCESS_RATE", "value": 52},
               {"team": DEPT, "metric": "M_ANSWER_RATE", "value": 95},
               {"team": DEPT, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": 100},
               {"team": DEPT, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": 100, "period": "2026-09"}])


def a_account(carry=20, cumulative=70):
    return [{"employee": "A", "period": "2026-09", "item": "CARRY_OUT", "value": carry},
            {"employee": "A", "period": "2026-09", "item": "CUMULATIVE_POINTS", "value": cumulative}]


def s7(history, **hires):
    return run(S7, "2026-10", employees=s7_emps(**hires), metrics=s7_metrics(), history=history)


def test_s7_agent_without_account_beside_others_is_warned_at_the_hire_date():
    # R-DC-9 / R-DC-11: A's September account is there, B's is not and B was hired in 2025. The worked
    # example reads an agent without a ledger row as carry-in 0, so 0 stands in, but never silently: a
    # warning at B's hire-date cell (Employees row 3, column F) naming A's account. B: balance 0 + 15 = 15,
    # floor(0.8 x 15) = 12 exchanged, 12.00 元, carried 3, cumulative 15. A: balance 20 + 20 = 40,
    # floor(0.8 x 40) = 32 exchanged x rate 100/100 = 32.00 元, carried 8; cumulative 70 + 20 = 90 -> 二级 (>= 80).
    result = s7(a_account(), A="2024-05-01", B="2025-03-01")
    a, b = result.employee("A"), result.employee("B")
    assert a.status == "ok" and b.status == "ok"
    assert (a.values["balance"], a.values["exchanged"], a.values["carry_out"], a.values["cash"]) == (
        D(40), D(32), D(8), Decimal("32.00"))
    assert (a.values["cumulative"], a.values["level"]) == (D(90), "LEVEL_2")
    assert (b.values["carry_in"], b.values["exchanged"], b.values["cash"], b.values["cumulative"]) == (
        D(0), D(12), Decimal("12.00"), D(15))
    (pr,) = [p for p in result.problems if p.code == "ledger_state_missing"]
    assert pr.where == "员工!F3 / Employees!F3" and pr.employee == "B" and pr.severity == "warning"
    assert "CARRY_OUT" in pr.zh and "CUMULATIVE_POINTS" in pr.en and "2025-03-01" in pr.en and "A has" in pr.en
    assert "2026-09" in pr.fix_zh and "2026-09" in pr.fix_en and "kpixl close" in pr.fix_en


def test_s7_agent_without_account_and_hire_date_beside_others_is_warned():
    # The same with B's hire date blank: nothing says B is new, so the stand-in 0 is reported.
    result = s7(a_account(), A="2024-05-01", B="")
    assert result.employee("B").status == "ok"
    assert [p.where for p in result.problems if p.code == "ledger_state_missing"] == ["员工!F3 / Employees!F3"]


def test_s7_agent_hired_this_month_starts_at_zero():
    # R-DC-11 "since joining": B hired 2026-10-12 has no earlier account, so 0 is the rule, not a guess:
    # balance 0 + 15 = 15, floor(0.8 x 15) = 12 exchanged, 12.00 元, carried 3; cumulative 15, no level.
    result = s7(a_account(), A="2024-05-01", B="2026-10-12")
    b = result.employee("B")
    assert b.status == "ok"
    assert (b.values["carry_in"], b.values["balance"], b.values["exchanged"], b.values["carry_out"],
            b.values["cash"], b.values["cumulative"], b.values["level"]) == (
        D(0), D(15), D(12), D(3), Decimal("12.00"), D(15), "")
    assert not [p for p in result.problems if p.code.startswith("ledger_state")]


def test_s7_first_month_of_a_new_ledger_is_a_warning_per_agent():
    # No one has any earlier account (a new department's first month): the accounts start at 0 with a warning
    # naming each agent at their hire-date cell. A: balance 20, 16 exchanged, 16.00 元; B: 15, 12, 12.00 元.
    result = s7([], A="2025-01-01", B="")
    assert {e.id: e.status for e in result.employees} == {"A": "ok", "B": "ok"}
    assert (result.value("A", "exchanged"), result.value("A", "cash")) == (D(16), Decimal("16.00"))
    assert (result.value("B", "exchanged"), result.value("B", "cash")) == (D(12), Decimal("12.00"))
    warned = [(p.employee, p.where, p.severity) for p in result.problems if p.code == "ledger_state_assumed"]
    assert warned == [("A", "员工!F2 / Employees!F2", "warning"), ("B", "员工!F3 / Employees!F3", "warning")]


def test_s7_incomplete_account_is_warned_at_its_history_cell():
    # A's carry-out (20) is typed but not the cumulative points: they are taken as 0, with a warning at the
    # History cell of the carry-out (row 2, value column E). A: balance 20 + 20 = 40, 32 exchanged;
    # cumulative 0 + 20 = 20, no level (R-DC-9, R-DC-11).
    history = a_account()[:1] + [{"employee": "B", "period": "2026-09", "item": "CARRY_OUT", "value": 0},
                                 {"employee": "B", "period": "2026-09", "item": "CUMULATIVE_POINTS", "value": 0}]
    result = s7(history, A="2024-05-01", B="2024-05-01")
    a = result.employee("A")
    assert a.status == "ok" and result.employee("B").status == "ok"
    assert (a.values["exchanged"], a.values["cumulative"], a.values["level"]) == (D(32), D(20), "")
    (pr,) = [p for p in result.problems if p.code == "ledger_state_incomplete"]
    assert pr.where == "历史!E2 / History!E2" and "CUMULATIVE_POINTS" in pr.en and pr.severity == "warning"


# --------------------------------------------------------------------------- S2: counts are whole numbers (R-MK-9)

S2_TARGETS = {
    "TARGET_K_COST_BUDGET": 100, "TARGET_K_SURVEY_PLAN": 95, "TARGET_K_PROCESS_IMPROVE": 90, "TARGET_K_CSAT": 90,
    "TARGET_K_CALL_VOLUME": 20000, "TARGET_K_FEEDBACK_TIMELY": 95, "TARGET_K_DEPT_COOP": 85, "TARGET_K_FCR": 80,
    "TARGET_K_STAFF_MGMT": 85,
}
S2_ACTUALS = {"K_BIZ_PLAN": 100, "K_COST_BUDGET": 100, "K_SURVEY_PLAN": 95, "K_PROCESS_IMPROVE": 90, "K_CSAT": 90,
              "K_CALL_VOLUME": 20000, "K_DEPT_COOP": 85, "K_FCR": 80, "K_STAFF_MGMT": 85}


def s2(on_time, received):
    metrics = [{"employee": "M1", "metric": k, "value": v} for k, v in S2_ACTUALS.items()]
    metrics += [{"employee": "M1", "metric": "FEEDBACK_ON_TIME", "value": on_time},
                {"employee": "M1", "metric": "FEEDBACK_RECEIVED", "value": received}]
    return run("callcenter_manager_kpi", "2026-10", employees=[{"id": "M1", "name": "陈经理", "role": "呼叫中心经理"}],
               metrics=metrics, parameters={**S2_TARGETS, "ASSESSMENT_PERIOD": "month"})


def test_s2_fractional_opinion_count_is_one_error_at_its_cell():
    # R-MK-9(a): the two counts are opinions (条), whole numbers. 2.5 on time (Metrics row 11, value column C)
    # is one error at that cell; the feedback rate is not "missing" (both counts are entered), so no second
    # problem says it is.
    result = s2("2.5", 3)
    m1 = result.employee("M1")
    assert m1.status == "error"
    assert [(p.code, p.where) for p in m1.problems] == [("not_whole", "指标!C11 / Metrics!C11")]
    (pr,) = m1.problems
    assert "2.5" in pr.zh and "2.5" in pr.en and "whole number" in pr.en and pr.fix_zh and pr.fix_en
    assert not [p for p in result.problems if p.code == "feedback_missing"]


def test_s2_fractional_received_count_is_one_error_at_its_cell():
    result = s2(2, "3.5")
    assert [(p.code, p.where) for p in result.employee("M1").problems] == [("not_whole", "指标!C12 / Metrics!C12")]


def test_s2_whole_counts_still_score():
    # R-MK-9(a): 2 of 4 opinions = 50% unrounded; a = 50 / 95 = 0.526315...; 5 x a = 2.6315... -> 2.63.
    result = s2(2, 4)
    assert result.employee("M1").values["K_FEEDBACK_TIMELY.score"] == Decimal("2.63")


# --------------------------------------------------------------------------- S10: what "not assessed" lacks (R-SQ-9)

QC = ("I_FRAUD", "I_COMPLAINT", "I_BIZ_ERR", "I_FEE_ERR", "I_AVG", "M_FRAUD", "M_COMPLAINT", "M_BIZ_ERR", "M_FEE_ERR", "M_AVG")


def s10(qc: dict, hire="2026-10-12"):
    metrics = [{"employee": "E", "metric": k, "value": v} for k, v in qc.items()]
    return run("service_quality_grade", "2026-10", metrics=metrics,
               employees=[{"id": "E", "name": "甲", "role": "客服代表", "hire_date": hire}])


def test_s10_late_hire_with_some_qc_figures_names_the_missing_ones():
    # R-SQ-9: hired on the 12th (after the 10th, rule 4), nine of the ten QC figures entered and M_AVG not:
    # the grade is not assessed and the payout 0. The warning says which figure is missing (M_AVG only), not
    # "no QC figures", and names the hire date and the fix.
    qc = {k: (96 if k.endswith("AVG") else 0) for k in QC if k != "M_AVG"}
    result = s10(qc)
    e = result.employee("E")
    assert e.status == "not_assessed" and e.values["payout"] == Decimal(0)
    (pr,) = [p for p in result.problems if p.code == "not_assessed"]
    assert pr.severity == "warning" and pr.where.startswith("员工!F2 / Employees!F2")
    assert "M_AVG" in pr.zh and "M_AVG" in pr.en and "M_AVG" in pr.fix_zh and "M_AVG" in pr.fix_en
    assert "I_AVG" not in pr.en and "I_FRAUD" not in pr.en  # those are entered
    assert "没有质检数据" not in pr.zh and "without QC figures" not in pr.en
    assert "2026-10-12" in pr.zh and "2026-10-12" in pr.en


def test_s10_late_hire_without_qc_figures_lists_all_ten():
    result = s10({})
    (pr,) = [p for p in result.problems if p.code == "not_assessed"]
    assert pr.where == "员工!F2 / Employees!F2"
    assert all(code in pr.en and code in pr.fix_en for code in QC)
    assert ", ".join(QC) in pr.en and "、".join(QC) in pr.zh


# --------------------------------------------------------------------------- S4: before hire, blank hire date (R-KF-8)

S4 = "kefu_fines"


def s4(hire, history=None, events=None, sales=10000):
    return run(S4, "2024-03", employees=[{"id": "K1", "name": "小李", "role": "客服", "hire_date": hire}],
               history=history, events=events, metrics=[{"employee": "K1", "metric": "SALES", "value": sales}])


JAN_50K = [{"employee": "K1", "period": "2024-01", "item": "SALES", "value": 50000}]


def test_s4_sales_of_a_month_before_hire_are_an_error_at_the_period_cell():
    # R-KF-8: 转正 counts cumulative 业绩 *since hire*. Hired 2024-02-15, January's 50,000 cannot be K1's; with it,
    # 50,000 + 10,000 = 60,000 raised STATUS_REGULARIZE (R-G-1). It is an error at History row 2's period cell
    # (column C), and K1 is withheld: no flag is raised from it.
    result = s4("2024-02-15", history=JAN_50K)
    k1 = result.employee("K1")
    assert k1.status == "error" and result.flags_of("K1") == []
    (pr,) = [p for p in k1.problems if p.code == "before_hire"]
    assert pr.where == "历史!C2 / History!C2"
    assert "2024-01" in pr.en and "2024-02-15" in pr.en and "2024-01" in pr.zh and pr.fix_zh and pr.fix_en


def test_s4_sales_of_the_hire_month_count():
    # The hire month itself is after hire: hired 2024-01-20, January's 50,000 + March's 10,000 = 60,000 -> 转正.
    result = s4("2024-01-20", history=JAN_50K)
    assert result.employee("K1").status == "ok"
    assert [f["code"] for f in result.flags_of("K1")] == ["STATUS_REGULARIZE"]


def test_s4_an_event_dated_before_hire_is_an_error_at_its_date_cell():
    # Hired 2024-03-05: a FINE_DAILY_REPORT on 2024-03-04 cannot be K1's (it made the 2024-03-20 one the 2nd
    # occurrence, 100 元, instead of the 1st, a 警告, R-KF-1). Error at Events row 2's date cell (column A).
    events = [{"date": "2024-03-04", "employee": "K1", "rule": "FINE_DAILY_REPORT"},
              {"date": "2024-03-20", "employee": "K1", "rule": "FINE_DAILY_REPORT"}]
    result = s4("2024-03-05", events=events)
    k1 = result.employee("K1")
    assert k1.status == "error"
    assert [p.where for p in k1.problems if p.code == "before_hire"] == ["事件!A2 / Events!A2"]


def test_s4_blank_hire_date_with_earlier_sales_is_a_warning_at_the_hire_cell():
    # R-KF-8 needs the hire date to know which earlier months are "since hire"; blank, every month on record is
    # counted (50,000 + 10,000 = 60,000 -> 转正), and a warning at Employees!F2 says so.
    result = s4("", history=JAN_50K)
    assert result.employee("K1").status == "ok"
    assert [f["code"] for f in result.flags_of("K1")] == ["STATUS_REGULARIZE"]
    (w,) = [p for p in result.problems if p.code == "hire_date_missing"]
    assert w.severity == "warning" and w.employee == "K1" and w.where.startswith("员工!F2 / Employees!F2")
    assert "STATUS_REGULARIZE" in w.en and w.fix_zh and w.fix_en


def test_s4_blank_hire_date_without_earlier_sales_says_nothing():
    # Without earlier months the cumulative is this month's alone: the hire date decides nothing.
    result = s4("")
    assert not [p for p in result.problems if p.code == "hire_date_missing"]
