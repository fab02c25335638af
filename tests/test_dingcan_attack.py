"""S7 dingcan_points, QA attack round 3: who takes part in the monthly ranking (R-DC-6), successes
above attempts, and last month's department bookings (R-DC-10, R-G-9).

Every expectation is computed by hand from SCHEMES.md S7. October 2026: the 1st is a Thursday; the
weeks credited to October start on Sep 28, Oct 5, 12 and 19; the week Oct 26 - Nov 1 belongs to
November (R-G-3). Metrics rows are numbered from Excel row 2, in list order.

The base month (department 订餐部, 接通率 95%): on Tue 2026-10-06 A has 10 orders, 3 agreement
bookings and 20 attempts, B 8 / 4 / 16 and C 5 / 1 / 10, so each day and the week are at 50.00%
(passes, R-DC-3); the month's system rates are A 55, B 52, C 50.
- Day: R_ORD A 1st (3), B 2nd (2); R_PARTNER B 1st (3), A 2nd (2); A and B are placed in both:
  max + 1 = 4 each (R-DC-1); C is eligible and unplaced: +1 (R-DC-4, 95% >= 95%).
- Week Oct 5-11 (the same sums): R_ORD A 5, B 4, C 2; R_PARTNER B 5, A 4, C 2: A 6, B 6, C 3.
- Month R_SUCCESS: A 10, B 5, C 2 (Rule 5).
So month_net is A 4 + 6 + 10 = 20, B 15, C 6.
"""

from __future__ import annotations

import pytest
from conftest import D, run

SCHEME = "dingcan_points"
DEPT = "订餐部"


def emps(*ids):
    return [{"id": i, "name": i, "role": "订餐师", "department": DEPT} for i in ids]


def day(emp, date, orders, partner, attempts, rate=None):
    rows = [{"employee": emp, "metric": "ORDERS_SUCCESS", "value": orders, "date": date},
            {"employee": emp, "metric": "PARTNER_BOOKINGS", "value": partner, "date": date},
            {"employee": emp, "metric": "ORDER_ATTEMPTS", "value": attempts, "date": date}]
    if rate is not None:
        rows.append({"employee": emp, "metric": "SUCCESS_RATE", "value": rate, "date": date})
    return rows


def week(emp, monday, orders, partner, attempts):
    return [{"employee": emp, "metric": code, "value": v, "week_start": monday}
            for code, v in (("ORDERS_SUCCESS", orders), ("PARTNER_BOOKINGS", partner), ("ORDER_ATTEMPTS", attempts))]


def month_rate(emp, rate):
    return [{"employee": emp, "metric": "SUCCESS_RATE", "value": rate}]


def dept(last=100):
    rows = [{"team": DEPT, "metric": "M_ANSWER_RATE", "value": 95},
            {"team": DEPT, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": 120}]
    if last is not None:
        rows.append({"team": DEPT, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": last, "period": "2026-09"})
    return rows


def base(c_day=None):
    """The base month above; ``c_day`` replaces C's rows of 2026-10-06."""
    c_rows = c_day if c_day is not None else day("C", "2026-10-06", 5, 1, 10)
    return (day("A", "2026-10-06", 10, 3, 20) + day("B", "2026-10-06", 8, 4, 16) + c_rows
            + month_rate("A", 55) + month_rate("B", 52) + month_rate("C", 50) + dept())


def score(metrics, ids=("A", "B", "C"), history=None):
    return run(SCHEME, "2026-10", employees=emps(*ids), metrics=metrics, history=history)


def values(result, name):
    return {e.id: e.values.get(name) for e in result.employees}


def cell(index):
    return f"指标!D{index + 2} / Metrics!D{index + 2}"


# --------------------------------------------------------------------------- F1: monthly participants (R-DC-6)

@pytest.mark.parametrize("d_days", [
    [],  # a month's rate and no daily row at all
    day("D", "2026-11-01", 5, 1, 8),  # a November day (its week is November's too)
    day("D", "2026-09-30", 5, 1, 8),  # a September day (its week Sep 28 is October's, the day is not)
    day("D", "2026-10-06", 5, 1, 8) + [{"employee": "D", "metric": "ON_DUTY", "value": False, "date": "2026-10-06"}],
], ids=["no_daily_rows", "only_2026_11_01", "only_2026_09_30", "october_day_off_duty"])
def test_month_ranking_leaves_out_who_had_no_on_duty_day_in_the_month(d_days):
    # R-DC-6: only people with an order attempt (an on-duty day) in October are ranked, so D's system rate
    # of 80 is not ranked and A, B, C keep 10 / 5 / 2 (Rule 5). D's row gets a warning at its cell.
    result = score(month_rate("D", 80) + d_days + base(), ids=("A", "B", "C", "D"))
    assert all(e.status == "ok" for e in result.employees)
    assert values(result, "month_points") == {"A": D(10), "B": D(5), "C": D(2), "D": D(0)}
    assert values(result, "R_SUCCESS.rank") == {"A": 1, "B": 2, "C": 3, "D": None}
    warned = [p for p in result.problems if p.code == "not_on_duty"]
    assert [(p.employee, p.where, p.severity) for p in warned] == [("D", cell(0), "warning")]
    assert "SUCCESS_RATE" in warned[0].zh and "R-DC-6" in warned[0].en


def test_month_ranking_leaves_out_an_agent_off_duty_every_day():
    # R-G-3 / R-DC-6: C's only day is marked ON_DUTY = no, so C has no on-duty day and is not ranked in the
    # month: A 10, B 5, C 0 (C is not in the day's ranking either: R_PARTNER A 2nd, as in the base).
    c_off = day("C", "2026-10-06", 5, 1, 10) + [{"employee": "C", "metric": "ON_DUTY", "value": False,
                                                  "date": "2026-10-06"}]
    result = score(base(c_day=c_off))
    assert values(result, "month_points") == {"A": D(10), "B": D(5), "C": D(0)}
    assert values(result, "R_SUCCESS.rank")["C"] is None


def test_a_week_of_the_month_given_by_week_rows_counts_as_activity():
    # R-DC-6 with the Inputs table's week figures: D's week of Oct 5-11 lies inside October, so D had order
    # attempts in the month and is ranked on the system rate 80: D 10, A 5, B 2, C 0.
    result = score(base() + week("D", "2026-10-05", 100, 50, 120) + month_rate("D", 80), ids=("A", "B", "C", "D"))
    assert values(result, "month_points") == {"A": D(5), "B": D(2), "C": D(0), "D": D(10)}


# --------------------------------------------------------------------------- F6: successes above attempts

@pytest.mark.parametrize("rate", [None, 60], ids=["rate_computed", "rate_given"])
def test_more_successes_than_attempts_is_an_error_at_the_cell(rate):
    # 9 successes of 3 attempts (300%) cannot be: an error at C's ORDERS_SUCCESS cell naming the ORDER_ATTEMPTS
    # cell, whether or not the day's rate is typed. C is withheld, and so are A and B, whose day and week places
    # depend on C's figures (the scheme's blocked-pool rule).
    c_rows = day("C", "2026-10-06", 9, 2, 3, rate=rate)
    metrics = base(c_day=c_rows)
    orders, attempts = metrics.index(c_rows[0]), metrics.index(c_rows[2])
    result = score(metrics)
    assert {e.id: e.status for e in result.employees} == {"A": "error", "B": "error", "C": "error"}
    (pr,) = [p for p in result.employee("C").problems if p.code == "ratio_above_max"]
    assert pr.where == cell(orders)
    assert cell(attempts) in pr.zh and cell(attempts) in pr.en
    assert "ORDERS_SUCCESS（9）" in pr.zh and "ORDERS_SUCCESS (9)" in pr.en and "ORDER_ATTEMPTS (3" in pr.en
    assert pr.fix_zh and pr.fix_en


def test_successes_with_no_attempts_is_an_error():
    # 5 successes of 0 attempts cannot be either.
    c_rows = day("C", "2026-10-06", 5, 1, 0)
    metrics = base(c_day=c_rows)
    result = score(metrics)
    assert result.employee("C").status == "error"
    assert [p.where for p in result.employee("C").problems if p.code == "ratio_above_max"] == [cell(metrics.index(c_rows[0]))]


def test_a_week_row_with_more_successes_than_attempts_is_an_error():
    # The Inputs table's week figures: 50 successes of 40 attempts in the week of Oct 5 (125%).
    rows = week("D", "2026-10-05", 50, 1, 40)
    metrics = base() + rows + month_rate("D", 60)
    result = score(metrics, ids=("A", "B", "C", "D"))
    assert result.employee("D").status == "error"
    (pr,) = [p for p in result.employee("D").problems if p.code == "ratio_above_max"]
    assert pr.where == cell(metrics.index(rows[0])) and "2026-10-05" in pr.en


def test_all_attempts_successful_is_fine():
    # 3 successes of 3 attempts is 100%, the metric's maximum: no problem. C's 100% passes the gate and C,
    # with 3 orders and 1 booking, is still unplaced on the day (A 10 / B 8 orders, B 4 / A 3 bookings): +1.
    result = score(base(c_day=day("C", "2026-10-06", 3, 1, 3)))
    assert all(e.status == "ok" for e in result.employees)
    assert values(result, "day_points") == {"A": D(4), "B": D(4), "C": D(1)}


# --------------------------------------------------------------------------- F5: last month's department bookings

def test_missing_last_month_bookings_withhold_whoever_exchanges_points():
    # R-DC-10 needs last month's department bookings; R-G-9: a missing input is an error, never read as 0 (only a
    # typed 0 gives the rate 1). A (balance 20, 16 exchanged) and B (15, 12) are withheld; C, whose History
    # carry-out -100 gives a balance of -94, exchanges nothing and needs no rate (R-DC-9): C stands. (Everyone's
    # September account is typed: an agent without one, beside others who have one, is withheld for that.)
    metrics = [r for r in base() if r.get("period") != "2026-09"]
    history = [{"employee": e, "period": "2026-09", "item": item, "value": v}
               for e, carry in (("A", 0), ("B", 0), ("C", -100))
               for item, v in (("CARRY_OUT", carry), ("CUMULATIVE_POINTS", carry))]
    result = score(metrics, history=history)
    assert {e.id: e.status for e in result.employees} == {"A": "error", "B": "error", "C": "ok"}
    c = result.employee("C").values
    assert (c["balance"], c["exchanged"], c["carry_out"], c["cash"]) == (D(-94), D(0), D(-94), D(0))
    (pr,) = result.employee("A").problems
    assert pr.is_error and "兑换 16 分" in pr.zh and "16 points are exchanged" in pr.en
    # the fix names what the scheme accepts: a Metrics row with the month in its period column (a History row
    # with item M_PARTNER_BOOKINGS_DEPT is rejected as an unknown History item)
    for text in (pr.fix_zh, pr.fix_en):
        assert "M_PARTNER_BOOKINGS_DEPT" in text and DEPT in text and "2026-09" in text
    assert "所属月份 2026-09" in pr.fix_zh and "period 2026-09" in pr.fix_en
    assert "历史" not in pr.fix_zh and "History" not in pr.fix_en


def test_following_the_fix_with_last_month_zero_gives_the_rate_1():
    # R-DC-10: a typed 0 for 2026-09 gives the ratio 1, so A's 16 exchanged points are worth 16.00 元
    # (balance 20, floor(0.8 x 20) = 16, carry-out 4, R-DC-9).
    result = score(base()[:-1] + [{"team": DEPT, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": 0, "period": "2026-09"}])
    a = result.employee("A")
    assert a.status == "ok"
    assert (a.values["exchanged"], a.values["carry_out"], a.values["exchange_rate"], a.values["cash"]) == (
        D(16), D(4), D(1), D("16.00"))
