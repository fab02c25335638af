"""S7 dingcan_points: daily/weekly/monthly rankings, gate, ties, max+1, participation, ledger, levels.

Every expectation is computed by hand from SCHEMES.md S7 and the clause named on the row.
October 2026: the 1st is a Thursday; the weeks credited to October start on Sep 28, Oct 5,
12 and 19; the week Oct 26 - Nov 1 belongs to November (R-G-3).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import D, run

SCHEME = "dingcan_points"
DEPT = "订餐部"


def emps(*ids):
    return [{"id": i, "name": i, "role": "订餐师", "department": DEPT} for i in ids]


def day(emp, date, orders, partner=0, rate=None, attempts=None):
    rows = [{"employee": emp, "metric": "ORDERS_SUCCESS", "value": orders, "date": date},
            {"employee": emp, "metric": "PARTNER_BOOKINGS", "value": partner, "date": date}]
    if rate is not None:
        rows.append({"employee": emp, "metric": "SUCCESS_RATE", "value": rate, "date": date})
    if attempts is not None:
        rows.append({"employee": emp, "metric": "ORDER_ATTEMPTS", "value": attempts, "date": date})
    return rows


def month_rates(**rates):
    return [{"employee": e, "metric": "SUCCESS_RATE", "value": r} for e, r in rates.items()]


def dept(answer=96, this=1000, last=1000, period_before="2026-09"):
    return [{"team": DEPT, "metric": "M_ANSWER_RATE", "value": answer},
            {"team": DEPT, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": this},
            {"team": DEPT, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": last, "period": period_before}]


def score(metrics, ids, period="2026-10", events=None, history=None, parameters=None):
    return run(SCHEME, period, employees=emps(*ids), metrics=metrics, events=events, history=history,
               parameters=parameters)


def values(result, name):
    return {e.id: e.values.get(name) for e in result.employees}


# --------------------------------------------------------------------------- daily rankings


@pytest.mark.parametrize("orders,expected,clause", [
    # R-G-2 / R-DC-2: two tied for 1st both get 3; 2nd place is vacant, so C (rank 3) gets no placement
    # and, being eligible and unplaced, gets the participation point (R-DC-4, answer rate 96%).
    ({"A": 30, "B": 30, "C": 20}, {"A": 3, "B": 3, "C": 1}, "tie at 1st"),
    # R-G-2: A 1st (3); B and C tied for 2nd both get 2; D is 4th, unplaced: +1.
    ({"A": 30, "B": 20, "C": 20, "D": 10}, {"A": 3, "B": 2, "C": 2, "D": 1}, "tie at 2nd"),
    # R-G-2: A 1st, B 2nd; C and D tied 3rd: beyond the 3/2 table, so both unplaced: +1 each.
    ({"A": 30, "B": 20, "C": 10, "D": 10}, {"A": 3, "B": 2, "C": 1, "D": 1}, "tie at 3rd"),
])
def test_daily_ties(orders, expected, clause):
    metrics = [r for e, o in orders.items() for r in day(e, "2026-10-06", o, 0, rate=60)]
    result = score(metrics + month_rates(**{e: 60 for e in orders}) + dept(), list(orders))
    assert values(result, "day_points") == {e: D(v) for e, v in expected.items()}, clause


def test_gated_person_who_would_win_is_not_ranked():
    # R-DC-3: A has the most orders but a 45% success rate: removed before ranking, so B moves up to
    # 1st (3) and C to 2nd (2); A gets no positive points and no participation point.
    metrics = (day("A", "2026-10-06", 50, 9, rate=45) + day("B", "2026-10-06", 30, 0, rate=60)
               + day("C", "2026-10-06", 20, 0, rate="50"))  # exactly 50% passes (rule 6)
    result = score(metrics + month_rates(A=60, B=60, C=60) + dept(), ["A", "B", "C"])
    assert values(result, "day_points") == {"A": 0, "B": 3, "C": 2}
    gate_notes = [n for n in result.notes["A"] if n["code"] == "GATE_SUCCESS_50"]
    assert gate_notes and "2026-10-06" in gate_notes[0]["text_en"]


@pytest.mark.parametrize("succ,attempts,passes", [
    (10, 20, True),        # 50.00% passes (rule 6, R-G-1)
    (10, 21, False),       # 47.62% gated
    (9999, 20000, True),   # 49.995% rounds half-up to 50.00% before the gate (R-G-4)
    (9998, 20000, False),  # 49.99%
])
def test_gate_from_successes_over_attempts(succ, attempts, passes):
    # Inputs table: where SUCCESS_RATE is not given for a day, the rate is successes / attempts.
    metrics = day("A", "2026-10-06", succ, 0, attempts=attempts) + day("B", "2026-10-06", 1, 0, attempts=1)
    result = score(metrics + month_rates(A=60, B=60) + dept(), ["A", "B"])
    # A has more orders than B; if A passes the gate A is 1st (3) and B 2nd (2).
    assert result.value("A", "day_points") == (D(3) if passes else D(0))
    assert result.value("B", "day_points") == (D(2) if passes else D(3))


@pytest.mark.parametrize("rate,warned,a_points", [
    (45, True, 0),       # 15 / 30 = 50.00%, typed 45%: the typed rate is used (gated: 0), and said at its cell
    ("50", False, 3),    # the same as the counts: A passes (50% passes, rule 6) and is 1st: 3
    ("50.004", False, 3),  # within the rounding (50.00%)
])
def test_a_typed_rate_that_differs_from_the_days_counts_is_said(rate, warned, a_points):
    # Inputs: successes / attempts is the rate where SUCCESS_RATE is not given; given, it is used. A rate
    # that contradicts the day's counts cost A the day's 3 places without a word.
    metrics = (day("A", "2026-10-06", 15, 0, rate=rate, attempts=30) + day("B", "2026-10-06", 1, 0, attempts=1))
    result = score(metrics + month_rates(A=60, B=60) + dept(), ["A", "B"])
    assert result.value("A", "day_points") == D(a_points)
    said = [p for p in result.employee("A").warnings if p.code == "rate_differs_from_counts"]
    assert bool(said) == warned
    if warned:
        assert "SUCCESS_RATE is typed as 45%, but ORDERS_SUCCESS (15) / ORDER_ATTEMPTS (30) = 50.00%" in said[0].en


def test_max_plus_one_for_first_and_second():
    # R-DC-1: A is 1st in R_ORD (3) and 2nd in R_PARTNER (2): max(3, 2) + 1 = 4. B is 2nd in R_ORD (2)
    # and 1st in R_PARTNER (3): 4 too. C is unplaced: +1.
    metrics = (day("A", "2026-10-06", 30, 5, rate=60) + day("B", "2026-10-06", 20, 8, rate=60)
               + day("C", "2026-10-06", 10, 1, rate=60))
    result = score(metrics + month_rates(A=60, B=60, C=60) + dept(), ["A", "B", "C"])
    assert values(result, "day_points") == {"A": 4, "B": 4, "C": 1}


def test_zero_is_never_placed():
    # R-DC-12: only A booked anything; B's 0 bookings are not "2nd", so B (2nd in orders, 2) is placed
    # in one ranking only: 2, not max + 1.
    metrics = day("A", "2026-10-06", 30, 3, rate=60) + day("B", "2026-10-06", 20, 0, rate=60)
    result = score(metrics + month_rates(A=60, B=60) + dept(), ["A", "B"])
    assert values(result, "day_points") == {"A": 4, "B": 2}


@pytest.mark.parametrize("answer,point", [("95", 1), ("94.995", 1), ("94.99", 0), ("96", 1)])
def test_answer_rate_participation(answer, point):
    # R-DC-4: >= 95% includes 95%; the rate is rounded to 2 decimals first (R-G-4: 94.995 -> 95.00).
    metrics = day("A", "2026-10-06", 30, 0, rate=60) + day("B", "2026-10-06", 20, 0, rate=60) + day(
        "C", "2026-10-06", 10, 0, rate=60)
    result = score(metrics + month_rates(A=60, B=60, C=60) + dept(answer=answer), ["A", "B", "C"])
    assert result.value("C", "day_points") == D(point)


def test_on_duty_no_excludes_a_day():
    # R-G-3: only employees on duty take part in a daily ranking; ON_DUTY = no overrides the rows.
    metrics = (day("A", "2026-10-06", 50, 0, rate=60) + day("B", "2026-10-06", 20, 0, rate=60)
               + [{"employee": "A", "metric": "ON_DUTY", "value": False, "date": "2026-10-06"}])
    result = score(metrics + month_rates(A=60, B=60) + dept(answer=90), ["A", "B"])
    assert values(result, "day_points") == {"A": 0, "B": 3}


# --------------------------------------------------------------------------- weeks


def test_weekly_ties_at_third_and_vacant_fourth():
    # Rule 4, R-G-2: weekly places 5/4/2/1. C and D tie for 3rd: 2 each; 4th is vacant; E (rank 5) 0.
    week = {"A": 50, "B": 40, "C": 30, "D": 30, "E": 20}
    metrics = [{"employee": e, "metric": m, "value": v, "week_start": "2026-10-05"}
               for e, o in week.items() for m, v in (("ORDERS_SUCCESS", o), ("PARTNER_BOOKINGS", 0), ("SUCCESS_RATE", 60))]
    metrics += [r for e in week for r in day(e, "2026-10-06", 1, 0, rate=60)]
    result = score(metrics + month_rates(**{e: 60 for e in week}) + dept(), list(week))
    assert values(result, "week_points") == {"A": 5, "B": 4, "C": 2, "D": 2, "E": 0}


def test_week_spanning_two_months_is_credited_to_its_sunday():
    # R-G-3, R-DC-5: the week Mon 2026-10-26 .. Sun 2026-11-01 belongs to November. Its figure is the sum
    # of its days in both months: A 30 + 5 = 35, B 10 + 20 = 30 -> A 5, B 4 in November.
    metrics = (day("A", "2026-10-27", 30, 0, rate=60) + day("B", "2026-10-27", 10, 0, rate=60)
               + day("A", "2026-11-01", 5, 0, rate=60) + day("B", "2026-11-01", 20, 0, rate=60))
    nov = score(metrics + month_rates(A=60, B=60) + dept(answer=90, period_before="2026-10"), ["A", "B"], "2026-11")
    assert values(nov, "week_points") == {"A": 5, "B": 4}
    # November's own days: only 11-01 (the October row serves the week only, R-G-19): B 1st, A 2nd.
    assert values(nov, "day_points") == {"A": 2, "B": 3}
    # Scored as October, the same week is not credited, and 10-27 is an October day: A 3, B 2.
    octo = score(metrics + month_rates(A=60, B=60) + dept(answer=90), ["A", "B"], "2026-10")
    assert values(octo, "week_points") == {"A": 0, "B": 0}
    assert values(octo, "day_points") == {"A": 3, "B": 2}


# --------------------------------------------------------------------------- month, negatives


def test_month_ranking_ties_and_gate():
    # Rule 5, R-DC-3, R-G-2: rates 61, 61, 53, 47: A and B tie 1st (10 each), 2nd vacant, C 3rd (2),
    # D gated (47% < 50%).
    ids = ["A", "B", "C", "D"]
    metrics = [r for e in ids for r in day(e, "2026-10-06", 0, 0, rate=60)]
    result = score(metrics + month_rates(A=61, B=61, C=53, D=47) + dept(answer=90), ids)
    assert values(result, "month_points") == {"A": 10, "B": 10, "C": 2, "D": 0}
    assert values(result, "R_SUCCESS.rank") == {"A": 1, "B": 1, "C": 3, "D": None}


def test_negative_points_are_not_gated_and_recordings_limited():
    # Rule 7, R-DC-3: A is gated all month but still loses 2 x 5 (two failing recordings) and 10 (cheating).
    metrics = day("A", "2026-10-06", 10, 0, rate=40) + month_rates(A=40) + dept(answer=90)
    events = [{"date": "2026-10-06", "employee": "A", "rule": "NEG_RECORDING", "qty": 2},
              {"date": "2026-10-07", "employee": "A", "rule": "NEG_CHEATING"}]
    result = score(metrics, ["A"], events=events)
    assert result.value("A", "NEG.points") == D(-20)
    assert result.value("A", "month_net") == D(-20)


def test_more_than_two_failing_recordings_a_day_is_an_error():
    # R-DC-13: 2 + 1 failing recordings on one day is a validation error naming the rows.
    metrics = day("A", "2026-10-06", 10, 0, rate=60) + month_rates(A=60) + dept()
    events = [{"date": "2026-10-06", "employee": "A", "rule": "NEG_RECORDING", "qty": 2},
              {"date": "2026-10-06", "employee": "A", "rule": "NEG_RECORDING"}]
    result = score(metrics, ["A"], events=events)
    emp = result.employee("A")
    assert emp.status == "error"
    pr = next(p for p in emp.problems if p.code == "qty_over_limit")
    assert pr.where.startswith("事件!D2") and "rows 2, 3" in pr.en


def test_missing_daily_figure_is_located_and_blocks_the_ranking():
    # R-G-9: A is on duty (ON_DUTY yes) but has no PARTNER_BOOKINGS that day; the rankings of that day
    # cannot be known, so everyone ranked with A is blocked too.
    metrics = ([{"employee": "A", "metric": "ON_DUTY", "value": True, "date": "2026-10-06"},
                {"employee": "A", "metric": "ORDERS_SUCCESS", "value": 30, "date": "2026-10-06"},
                {"employee": "A", "metric": "SUCCESS_RATE", "value": 60, "date": "2026-10-06"}]
               + day("B", "2026-10-06", 20, 0, rate=60) + month_rates(A=60, B=60) + dept())
    result = score(metrics, ["A", "B"])
    a = result.employee("A")
    assert a.status == "error" and any("PARTNER_BOOKINGS" in p.en and "2026-10-06" in p.en for p in a.problems)
    assert result.employee("B").status == "error"


def test_missing_monthly_rate_is_an_error():
    # Inputs table: the month's system SUCCESS_RATE is required for the monthly ranking (R-G-9).
    metrics = day("A", "2026-10-06", 30, 0, rate=60) + day("B", "2026-10-06", 20, 0, rate=60) + month_rates(A=60) + dept()
    result = score(metrics, ["A", "B"])
    assert any("SUCCESS_RATE" in p.en for p in result.employee("B").problems)


# --------------------------------------------------------------------------- ledger and levels


def _ledger(nets: dict, history: list, this=1260, last=1200, parameters=None):
    """Run the scheme's exchange and level steps on given month nets (the worked example gives totals)."""
    from kpixl.core.context import Context
    from kpixl.core.engine import score as engine_score
    from kpixl.core.scheme import load_scheme
    from kpixl.core.validate import employees_frame
    from kpixl.workbook.read import inputs_from_records

    scheme = load_scheme(SCHEME)
    _, inputs = inputs_from_records(scheme, "2026-10", employees=emps(*nets), history=history,
                                    metrics=dept(this=this, last=last), parameters=parameters)
    engine_score(scheme, inputs)  # validates the same inputs
    employees, _ = employees_frame(inputs, scheme)
    ctx = Context(scheme, inputs, inputs.period, employees)
    ctx.index_metrics()
    for emp, net in nets.items():
        ctx.values[emp]["month_net"] = D(net)
    for step in scheme.steps:
        if step.kind in ("exchange", "level"):
            step.run(ctx)
    return ctx


def test_worked_example_ledger():
    # S7 worked example ledger: rate 1260 / 1200 = 1.05 (R-DC-10); floor(0.8 x balance) (R-DC-9);
    # cumulative before exchange (R-DC-11).
    hist = [{"employee": e, "period": "2026-09", "item": item, "value": v}
            for e, c, cum in (("甲", 3, 45), ("乙", 0, 70), ("丁", 2, 30))
            for item, v in (("CARRY_OUT", c), ("CUMULATIVE_POINTS", cum))]
    ctx = _ledger({"甲": 67, "乙": 92, "丁": -7}, hist)
    want = {  # balance, exchanged, carry-out, cash, cumulative after, level
        "甲": (70, 56, 14, "58.80", 112, "LEVEL_3"),
        "乙": (92, 73, 19, "76.65", 162, "LEVEL_SPECIAL"),
        "丁": (-5, 0, -5, "0.00", 23, ""),
    }
    for emp, (bal, ex, co, cash, cum, level) in want.items():
        v = ctx.values[emp]
        assert (v["balance"], v["exchanged"], v["carry_out"], v["cash"], v["cumulative"], v["level"]) == (
            D(bal), D(ex), D(co), Decimal(cash), D(cum), level), emp


def test_rate_is_one_when_last_month_had_no_bookings():
    # R-DC-10: last month's department total 0 -> ratio 1. Net 10 -> exchanged 8, cash 8.00.
    ctx = _ledger({"A": 10}, [], this=500, last=0)
    assert ctx.values["A"]["exchange_rate"] == 1 and ctx.values["A"]["cash"] == Decimal("8.00")


def test_rate_below_one_and_override():
    # R-DC-10: 900 / 1000 = 0.9 may be below 1: net 10 -> 8 points x 0.9 = 7.20.
    ctx = _ledger({"A": 10}, [], this=900, last=1000)
    assert ctx.values["A"]["cash"] == Decimal("7.20")
    # R-DC-14: HR raises it to 1.2: 8 x 1.2 = 9.60.
    ctx = _ledger({"A": 10}, [], this=900, last=1000, parameters={"EXCH_RATE_OVERRIDE": "1.2"})
    assert ctx.values["A"]["cash"] == Decimal("9.60")
    # R-DC-14: an override below the floor rate is an error at the parameter's cell.
    ctx = _ledger({"A": 10}, [], this=900, last=1000, parameters={"EXCH_RATE_OVERRIDE": "0.5"})
    assert ctx.is_blocked("A") and ctx.blocked["A"][0].code == "override_below_floor"


def test_highest_level_is_kept():
    # R-DC-11: cumulative falls from 85 to 75 (below 80), but 二级 was reached: it is kept. (The account's
    # carry-out is there too: an account with only some of its items is withheld, ledger_state.py.)
    hist = [{"employee": "A", "period": "2026-09", "item": "CUMULATIVE_POINTS", "value": 85},
            {"employee": "A", "period": "2026-09", "item": "CARRY_OUT", "value": 0},
            {"employee": "A", "period": "2026-09", "item": "LEVEL", "value": "二级订餐师"}]
    ctx = _ledger({"A": -10}, hist)
    assert ctx.values["A"]["cumulative"] == D(75) and ctx.values["A"]["level"] == "LEVEL_2"


def test_odd_balance_keeps_a_remainder():
    # R-DC-9: balance 1 -> floor(0.8) = 0 exchanged, 1 carried (never emptied while positive).
    ctx = _ledger({"A": 1}, [])
    assert (ctx.values["A"]["exchanged"], ctx.values["A"]["carry_out"]) == (D(0), D(1))


@pytest.mark.parametrize("rate2,passes", [(40, True), (39, False)])
def test_weekly_gate_from_daily_rates(rate2, passes):
    # Inputs table: the week's rate is sum(successes) / sum(attempts). Without attempts, each day's
    # attempts are its successes / its rate: 30 / 60% = 50 and 20 / 40% = 50, so 50 / 100 = 50.00%
    # (passes); with 39% on day 2: 50 / (50 + 51.28) = 49.37% (gated; R-DC-3, R-DC-5).
    metrics = (day("A", "2026-10-06", 30, 0, rate=60) + day("A", "2026-10-07", 20, 0, rate=rate2)
               + day("B", "2026-10-06", 10, 0, rate=60) + day("B", "2026-10-07", 10, 0, rate=60))
    result = score(metrics + month_rates(A=60, B=60) + dept(answer=90), ["A", "B"])
    # A (50 orders) beats B (20) in the week if A passes: A 5, B 4; else B alone is 1st: 5.
    assert values(result, "week_points") == ({"A": 5, "B": 4} if passes else {"A": 0, "B": 5})


def test_missing_department_bookings_withhold_the_result():
    # R-DC-10 needs this month's and last month's department bookings for the cash value, and R-G-9
    # makes a missing input an error (never 0): A has points to exchange, so A's result is withheld
    # (a month closed without its payout looked complete before), and the fix names the Metrics row
    # with a period that the scheme accepts (the History row it suggested was refused).
    metrics = day("A", "2026-10-06", 30, 0, rate=60) + month_rates(A=60) + dept()[:1]
    result = score(metrics, ["A"])
    a = result.employee("A")
    assert a.status == "error"
    (p,) = [p for p in a.problems if p.code == "missing_prior"]
    assert "period 2026-09" in p.fix_en


@pytest.mark.parametrize("month,gap", [("2026-08", True), ("2026-09", False)])
def test_a_carry_in_from_before_last_month_is_a_warning(month, gap):
    # R-DC-9: the carry-in is the latest earlier carry-out. With only August's (3), October's account
    # still starts from it (balance 3 + 10 = 13, exchanged floor(0.8 x 13) = 10, carried 3), but if
    # September was scored its points are missing, so the agent is warned at the History cell. (The account
    # has its cumulative points too: one with only some of its items is withheld, ledger_state.py.)
    hist = [{"employee": "A", "period": month, "item": "CARRY_OUT", "value": 3},
            {"employee": "A", "period": month, "item": "CUMULATIVE_POINTS", "value": 3}]
    ctx = _ledger({"A": 10}, hist)
    assert (ctx.values["A"]["balance"], ctx.values["A"]["exchanged"], ctx.values["A"]["carry_out"]) == (D(13), D(10), D(3))
    found = [p for p in ctx.problems if p.code == "carry_gap"]
    assert bool(found) == gap
    if gap:
        (w,) = found
        assert w.severity == "warning" and w.employee == "A" and w.where == "历史!E2 / History!E2"
        assert "2026-08" in w.en and "2026-09" in w.en


# --------------------------------------------------------------------------- week rate from daily rates

def test_week_rate_from_daily_rates_uses_whole_attempts():
    # "rate = Σ successes ÷ Σ attempts" (S7 inputs) with only the days' system rates typed: A made 1 order at
    # 2.17 % (46 attempts: 1/46 = 2.1739 %) and 45 at 97.83 % (46 attempts: 45/46 = 97.826 %), so the week of
    # Apr 6-12 is 46 / 92 = 50.00 %, which passes (R-DC-3). Successes / rate gave 46.083 + 45.998 attempts,
    # 49.96 %, and gated A: week points A 0, B 5. Rule 6: A 46 orders 1st (5), B 20 2nd (4).
    metrics = (day("A", "2026-04-07", 1, rate="2.17") + day("A", "2026-04-08", 45, rate="97.83")
               + day("B", "2026-04-07", 10, rate=50) + day("B", "2026-04-08", 10, rate=50)
               + month_rates(A=50, B=50) + dept(answer=90, period_before="2026-03"))
    result = score(metrics, ["A", "B"], period="2026-04")
    assert values(result, "week_points") == {"A": 5, "B": 4}


def test_week_rate_that_daily_rates_cannot_decide_is_asked():
    # 100 orders at "50" %: 199 to 202 attempts round to 50 %, a week of 49.50 % to 50.25 %: the gate
    # cannot be decided without ORDER_ATTEMPTS (it was taken as exactly 200: 50.00 %, passed).
    metrics = (day("C", "2026-04-07", 100, rate=50) + day("D", "2026-04-07", 10, rate=60)
               + month_rates(C=50, D=60) + dept(answer=90, period_before="2026-03"))
    result = score(metrics, ["C", "D"], period="2026-04")
    c = result.employee("C")
    assert c.status == "error"
    (p,) = [p for p in c.problems if p.code == "missing_metric"]
    assert "ORDER_ATTEMPTS" in p.en and "2026-04-06" in p.en and "SUCCESS_RATE/" not in p.en
    # with the attempts typed the week is known: 100 / 201 = 49.75 %, gated
    metrics += day("C", "2026-04-07", 0, attempts=201)[2:] + day("D", "2026-04-07", 0, attempts=17)[2:]
    result = score(metrics, ["C", "D"], period="2026-04")
    assert result.employee("C").status == "ok" and values(result, "week_points") == {"C": 0, "D": 5}


def test_a_day_of_no_orders_at_zero_percent_asks_for_its_attempts():
    # 0 successes at 0 %: the day's attempts cannot be told from its rate, so the week's rate is unknown;
    # the message said SUCCESS_RATE/ORDERS_SUCCESS/ORDER_ATTEMPTS were missing although two were there
    metrics = (day("E", "2026-04-07", 0, rate=0) + day("E", "2026-04-08", 12, rate=60)
               + month_rates(E=40) + dept(answer=90, period_before="2026-03"))
    e = score(metrics, ["E"], period="2026-04").employee("E")
    (p,) = [p for p in e.problems if p.code == "missing_metric"]
    assert "ORDER_ATTEMPTS is missing for 2026-04-06..2026-04-12" in p.en and "SUCCESS_RATE/" not in p.en
