"""S4 kefu_fines: escalation by occurrence within the calendar year, flags, status rules.

Expectations computed by hand from SCHEMES.md S4 (table "step 1 / 2 / 3 / later" and R-KF-*).
Earlier occurrences of the year come from earlier Events rows or from History rows
(item = the rule code, value = that month's occurrences).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

SCHEME = "kefu_fines"
EMP = [{"id": "K1", "name": "小李", "role": "客服"}]


def ev(date, rule, **kw):
    return {"date": date, "employee": "K1", "rule": rule, **kw}


def score(events, period="2024-03", history=None, metrics=None):
    return run(SCHEME, period, employees=EMP, events=events, history=history, metrics=metrics)


def fines(result):
    return result.value("K1", "money.deductions")


def flags(result):
    return [(f["code"], f["params"]) for f in result.flags_of("K1")]


@pytest.mark.parametrize("rule,prior,amounts,clause", [
    ("FINE_PRIVATE_CALL", 0, ["0", "50", "100", "100"], "steps 通告批评 / 50 / 100, later repeats 100 (R-KF-1)"),
    ("FINE_PRIVATE_CALL", 2, ["100", "100"], "3rd occurrence costs step 3: two earlier ones in February"),
    ("FINE_COLLISION_QUARREL", 0, ["100", "500", "500"], "100 then 500 (R-KF-6)"),
    ("FINE_PLAN_ERROR", 1, ["200", "200"], "2nd and later 200"),
    ("FINE_DAILY_REPORT", 0, ["0", "100", "500", "500"], "警告 / 100 / 500"),
    ("FINE_FALSE_ACCT_ADMITTED", 0, ["3000", "0"], "3,000 then 开除"),
    ("FINE_IDLE_PERSONAL", 3, ["100"], "always 100"),
])
def test_ladder_amounts(rule, prior, amounts, clause):
    history = [{"employee": "K1", "period": "2024-02", "item": rule, "value": prior}] if prior else None
    events = [ev(f"2024-03-{d:02d}", rule) for d in range(1, len(amounts) + 1)]
    result = score(events, history=history)
    lines = result.money_of("K1")
    got = [Decimal(0)] * len(amounts)
    for r in lines.itertuples():
        got[int(str(r.date)[8:10]) - 1] += r.amount
    assert got == [Decimal(a) for a in amounts], clause
    assert fines(result) == sum((Decimal(a) for a in amounts), Decimal(0))


def test_third_occurrence_from_earlier_event_rows_of_the_year():
    # R-KF-1: the February row is occurrence 1 (not priced again, R-G-7), March rows are 2 and 3.
    events = [ev("2024-02-15", "FINE_DUP_INVITE"), ev("2024-03-04", "FINE_DUP_INVITE"), ev("2024-03-05", "FINE_DUP_INVITE")]
    result = score(events)
    # step 2: 公司通告批评 + 2,000; step 3: 开除 (no money).
    assert fines(result) == Decimal("2000.00")
    assert flags(result) == [("FINE_DUP_INVITE", {"occurrence": 2}), ("FINE_DUP_INVITE", {"occurrence": 3})]
    assert any(p.code == "earlier_occurrences" for p in result.warnings)


def test_count_resets_on_first_of_january():
    # R-KF-1: December 2023 rows do not count in 2024; January's row is occurrence 1 (通告批评 only).
    events = [ev("2023-12-10", "FINE_PRIVATE_CALL"), ev("2023-12-11", "FINE_PRIVATE_CALL"), ev("2024-01-08", "FINE_PRIVATE_CALL")]
    result = score(events, period="2024-01")
    assert fines(result) == Decimal("0.00")
    assert flags(result) == [("FINE_PRIVATE_CALL", {"occurrence": 1})]


def test_events_of_a_month_win_over_history_of_that_month():
    # A month with Events rows of the rule counts those rows; its History row is not added again.
    events = [ev("2024-02-01", "FINE_PLAN_ERROR"), ev("2024-03-01", "FINE_PLAN_ERROR")]
    history = [{"employee": "K1", "period": "2024-02", "item": "FINE_PLAN_ERROR", "value": 1},
               {"employee": "K1", "period": "2024-01", "item": "FINE_PLAN_ERROR", "value": 1}]
    # January (History) 1 + February (Events) 1 -> March's row is occurrence 3: 200.
    assert fines(score(events, history=history)) == Decimal("200.00")


def test_a_month_typed_on_history_and_on_events_with_different_counts_withholds_the_employee():
    # R-KF-1/R-KF-4: History says February had 2 audits, Events holds one February audit row. Read
    # as Events, the March audit (3 customers) is occurrence 2 = 200 x 3 = 600; read as History it
    # is occurrence 3 = 300 x 3 = 900. kpixl took the Events row and dropped the History cell
    # silently; which is right cannot be told, so K1 is withheld at the History cell (历史!E2).
    events = [ev("2024-02-20", "FINE_AFTERSALES_MISS"), ev("2024-03-10", "FINE_AFTERSALES_MISS", qty=3)]
    history = [{"employee": "K1", "period": "2024-02", "item": "FINE_AFTERSALES_MISS", "value": 2}]
    emp = score(events, history=history).employee("K1")
    assert emp.status == "error"
    (pr,) = emp.problems
    assert pr.code == "history_events_differ" and pr.where.startswith("历史!E2")
    assert "History has 2 occurrence(s) in 2024-02, the Events rows of 2024-02 count 1" in pr.en
    # the same month agreeing (History 1, one Events row): occurrence 2, 600, nothing withheld
    history[0]["value"] = 1
    result = score(events, history=history)
    assert result.employee("K1").status == "ok" and fines(result) == Decimal("600.00")


def test_aftersales_per_customer_and_formula_beyond_step_three():
    # R-KF-4: one audit = one occurrence; the n-th costs 100 x n per customer. 3 earlier audits, so the
    # March audit with 3 customers is occurrence 4: 100 x 4 x 3 = 1,200.
    history = [{"employee": "K1", "period": "2024-01", "item": "FINE_AFTERSALES_MISS", "value": 3}]
    result = score([ev("2024-03-10", "FINE_AFTERSALES_MISS", qty=3)], history=history)
    assert fines(result) == Decimal("1200.00")


def test_qty_counts_occurrences_for_other_fines():
    # Inputs: one row per occurrence; a row with qty 2 is read as two occurrences (1st and 2nd).
    result = score([ev("2024-03-10", "FINE_COLLISION_QUARREL", qty=2)])
    assert fines(result) == Decimal("600.00")  # 100 + 500


def test_fund_error_shortfall_then_months_without_investment():
    # R-KF-10: occurrence 1 costs the entered shortfall; later ones are flags with months = n - 1.
    events = [ev("2024-03-01", "FINE_FUND_ERROR", value="1234.56"), ev("2024-03-02", "FINE_FUND_ERROR"),
              ev("2024-03-03", "FINE_FUND_ERROR"), ev("2024-03-04", "FINE_FUND_ERROR", value=99)]
    result = score(events)
    assert fines(result) == Decimal("1234.56")
    assert flags(result) == [("FINE_FUND_ERROR", {"occurrence": 2, "months": 1}),
                             ("FINE_FUND_ERROR", {"occurrence": 3, "months": 2}),
                             ("FINE_FUND_ERROR", {"occurrence": 4, "months": 3})]


def test_fund_error_first_occurrence_needs_the_shortfall():
    # R-KF-10: a first occurrence without the amount is a validation error at its Value cell.
    result = score([ev("2024-03-01", "FINE_FUND_ERROR")])
    pr = next(p for p in result.employee("K1").problems if p.code == "value_missing")
    assert pr.where == "事件!E2 / Events!E2"


def test_value_on_a_fixed_fine_is_an_error():
    result = score([ev("2024-03-01", "FINE_IDLE_PERSONAL", value=50)])
    assert any(p.code == "value_not_allowed" for p in result.employee("K1").problems)


def test_order_void_and_host_again_are_flags_without_money():
    result = score([ev("2024-03-01", "ORDER_VOID"), ev("2024-03-02", "HOST_AGAIN")])
    assert fines(result) == Decimal("0.00")
    assert sorted(c for c, _ in flags(result)) == ["HOST_AGAIN", "ORDER_VOID"]


@pytest.mark.parametrize("prior,sales,raised", [
    (50000, 10000, True),    # R-KF-8: reaches exactly 60,000 this month (R-G-1 includes it)
    (50000, 9999, False),    # 59,999
    (60000, 5000, False),    # R-KF-11: already reached before, not repeated
    (None, 60000, True),     # no earlier months on record
])
def test_regularisation(prior, sales, raised):
    history = [{"employee": "K1", "period": "2024-02", "item": "SALES", "value": prior}] if prior is not None else None
    result = score([], history=history, metrics=[{"employee": "K1", "metric": "SALES", "value": sales}])
    assert ("STATUS_REGULARIZE" in [c for c, _ in flags(result)]) is raised


@pytest.mark.parametrize("sales,investment,raised", [
    (10000, 301, True),   # R-KF-9: 3.01% > 3%
    (10000, 300, False),  # exactly 3% is not above it
    (0, 1, True),         # R-KF-11: investment with 0 sales
    (0, 0, False),
])
def test_promotion_exclusion(sales, investment, raised):
    metrics = [{"employee": "K1", "metric": "SALES", "value": sales},
               {"employee": "K1", "metric": "COMPANY_INVESTMENT", "value": investment}]
    result = score([], metrics=metrics)
    assert ("STATUS_PROMO_EXCLUDED" in [c for c, _ in flags(result)]) is raised


def test_no_sales_means_no_status_rules_and_no_error():
    # R-KF-11: SALES and COMPANY_INVESTMENT are optional here.
    result = score([], metrics=[{"employee": "K1", "metric": "COMPANY_INVESTMENT", "value": 500}])
    assert result.employee("K1").status == "ok" and flags(result) == []


def test_a_flag_names_each_cell_it_read_once():
    # R-KF-8 reads SALES twice and the earlier months twice (has(SALES), prior_sum('SALES') < ...,
    # prior_sum('SALES') + SALES >= ...): the flag names this month's cell and each earlier month's once
    history = [{"employee": "K1", "period": "2024-01", "item": "SALES", "value": 30000},
               {"employee": "K1", "period": "2024-02", "item": "SALES", "value": 25000}]
    result = score([], history=history, metrics=[{"employee": "K1", "metric": "SALES", "value": 5000}])
    (flag,) = [f for f in result.flags_of("K1") if f["code"] == "STATUS_REGULARIZE"]
    assert len(flag["sources"]) == 3 and len(set(flag["sources"])) == 3
    assert [s.split("!")[0] for s in flag["sources"]] == ["指标", "历史", "历史"]
