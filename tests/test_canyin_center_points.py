"""S8 canyin_center_points: daily top, weekly/monthly placements with last place 0, signings, top bonus.

Expectations computed by hand from SCHEMES.md S8. October 2026: the weeks credited to October
start on Sep 28 (its Sunday is Oct 4), Oct 5, 12 and 19 (R-G-3).
"""

from __future__ import annotations

import pytest
from conftest import D, run

SCHEME = "canyin_center_points"


def emps(ids, team="一组"):
    return [{"id": i, "name": i, "role": "客服", "team": team} for i in ids]


def col(date, **amounts):
    return [{"employee": e, "metric": "COLLECTIONS", "value": v, "date": date} for e, v in amounts.items()]


def score(metrics, employees, events=None, period="2026-10"):
    return run(SCHEME, period, employees=employees, metrics=metrics, events=events)


def values(result, name):
    return {e.id: e.values.get(name) for e in result.employees}


def test_worked_example_day():
    # R-CY-1: A has the highest 回款 (+2); B, C, D +1 each (D's 0 included). D absent -2, C late -1.
    events = [{"date": "2026-10-06", "employee": "D", "rule": "C_MEETING_ABSENT"},
              {"date": "2026-10-06", "employee": "C", "rule": "C_MEETING_LATE"}]
    result = score(col("2026-10-06", A=8000, B=5000, C=5000, D=0), emps("ABCD"), events)
    assert values(result, "day_points") == {"A": 2, "B": 1, "C": 1, "D": 1}
    assert values(result, "MEET.points") == {"A": 0, "B": 0, "C": -1, "D": -2}


@pytest.mark.parametrize("amounts,expected,clause", [
    ({"A": 0, "B": 0, "C": 0}, {"A": 1, "B": 1, "C": 1}, "R-CY-1: nobody collected, no highest: all +1"),
    ({"A": 8000, "B": 8000, "C": 100}, {"A": 2, "B": 2, "C": 1}, "R-CY-1 / R-G-2: tied at the top both +2"),
])
def test_daily_top(amounts, expected, clause):
    result = score(col("2026-10-06", **amounts), emps(list(amounts)))
    assert values(result, "day_points") == {e: D(v) for e, v in expected.items()}, clause


def test_week_and_month_places_last_gets_zero():
    # Rule table, R-CY-3: 40k/32k/25k/10k in one week -> 5/3/1/0 (D last); the month has the same totals
    # -> 8/3/1/0.
    result = score(col("2026-10-06", A=40000, B=32000, C=25000, D=10000), emps("ABCD"))
    assert values(result, "week_points") == {"A": 5, "B": 3, "C": 1, "D": 0}
    assert values(result, "month_points") == {"A": 8, "B": 3, "C": 1, "D": 0}
    assert values(result, "R_COLLECTIONS.rank") == {"A": 1, "B": 2, "C": 3, "D": 4}


def test_team_of_three_third_is_also_last():
    # Worked example variant, R-CY-3: with A, B, C only, C is 3rd and last, so C gets 0.
    result = score(col("2026-10-06", A=40000, B=32000, C=25000), emps("ABC"))
    assert values(result, "week_points") == {"A": 5, "B": 3, "C": 0}
    assert values(result, "month_points") == {"A": 8, "B": 3, "C": 0}


def test_everyone_tied_for_last_gets_zero():
    # R-CY-3: B and C tie for 2nd place, which is also the last place: both 0.
    result = score(col("2026-10-06", A=40000, B=30000, C=30000), emps("ABC"))
    assert values(result, "week_points") == {"A": 5, "B": 0, "C": 0}


def test_only_on_duty_people_are_ranked_in_a_week():
    # R-CY-7: D has no on-duty day in the week of Oct 12, so D is not ranked there and is not last:
    # A 5, B 3, C (3rd and last of the three) 0. In the week of Oct 5 all four worked.
    metrics = col("2026-10-06", A=1, B=1, C=1, D=1) + col("2026-10-13", A=30000, B=20000, C=10000)
    result = score(metrics, emps("ABCD"))
    # week of Oct 5: everyone 1 -> all tied 1st and all tied last -> 0 (R-CY-3).
    assert values(result, "week_points") == {"A": 5, "B": 3, "C": 0, "D": 0}


def test_week_with_days_of_the_previous_month():
    # R-G-3, R-CY-7: the week Sep 28 - Oct 4 is credited to October and its 回款 includes Sep 29:
    # A 1,000 + 10,000 = 11,000, B 5,000 + 1,000 = 6,000 -> A 5, B 0 (last). The month counts October
    # days only: A 10,000, B 1,000 -> A 8, B 0. The daily ranking has only Oct 2: A 2, B 1.
    metrics = col("2026-09-29", A=1000, B=5000) + col("2026-10-02", A=10000, B=1000)
    result = score(metrics, emps("AB"))
    assert values(result, "week_points") == {"A": 5, "B": 0}
    assert values(result, "month_points") == {"A": 8, "B": 0}
    assert values(result, "day_points") == {"A": 2, "B": 1}


def test_signings_by_class():
    # R-CY-5: class A 20, B 10, any other or missing 5 per restaurant; the generic C_SIGN takes the class.
    events = [{"date": "2026-10-20", "employee": "A", "rule": "C_SIGN", "restaurant_class": "a"},
              {"date": "2026-10-20", "employee": "A", "rule": "C_SIGN", "restaurant_class": "B", "qty": 2},
              {"date": "2026-10-21", "employee": "B", "rule": "C_SIGN"},
              {"date": "2026-10-21", "employee": "B", "rule": "C_SIGN_OTHER", "restaurant_class": "C"}]
    result = score(col("2026-10-06", A=1, B=1), emps("AB"), events)
    assert values(result, "SIGN.points") == {"A": 40, "B": 10}


def test_class_as_the_contract_writes_it():
    # R-CY-5 / the seed's "A类饭店": A类, full-width Ａ, "B 类" and "A类饭店" are classes A and B (they scored 5 as
    # "other" before): A 20 + 20 = 40; B 10 + 20 = 30.
    events = [{"date": "2026-10-20", "employee": "A", "rule": "C_SIGN", "restaurant_class": "A类"},
              {"date": "2026-10-20", "employee": "A", "rule": "C_SIGN", "restaurant_class": "Ａ"},
              {"date": "2026-10-21", "employee": "B", "rule": "C_SIGN", "restaurant_class": "B 类"},
              {"date": "2026-10-21", "employee": "B", "rule": "C_SIGN_A", "restaurant_class": "A类饭店"}]
    result = score(col("2026-10-06", A=1, B=1), emps("AB"), events)
    assert values(result, "SIGN.points") == {"A": 40, "B": 30}
    assert not [p for p in result.problems if p.severity == "error"]


def test_class_code_contradicting_the_class_is_an_error():
    # Inputs: a class code that contradicts the row's restaurant_class is a validation error.
    events = [{"date": "2026-10-20", "employee": "A", "rule": "C_SIGN_B", "restaurant_class": "A"}]
    result = score(col("2026-10-06", A=1), emps("A"), events)
    pr = next(p for p in result.employee("A").problems if p.code == "class_contradicts_rule")
    assert pr.where.startswith("事件!G2") and "C_SIGN_A" in pr.en


def test_absent_beats_late_on_the_same_day():
    # R-CY-2: absent and late for the same meeting are exclusive; absent (-2) counts, late is dropped
    # with a warning naming the row.
    events = [{"date": "2026-10-06", "employee": "A", "rule": "C_MEETING_LATE"},
              {"date": "2026-10-06", "employee": "A", "rule": "C_MEETING_ABSENT"},
              {"date": "2026-10-07", "employee": "A", "rule": "C_MEETING_LATE"}]
    result = score(col("2026-10-06", A=1), emps("A"), events)
    assert result.value("A", "MEET.points") == D(-3)  # -2 on the 6th, -1 on the 7th
    warn = next(p for p in result.problems if p.code == "superseded_event")
    assert warn.severity == "warning" and warn.where.startswith("事件!C2")


def test_month_top_bonus_ties_and_teams():
    # R-CY-4: +5 to the highest month total of the team; ties both get it. Teams rank separately.
    employees = emps("AB", "一组") + emps("CD", "二组")
    events = [{"date": "2026-10-20", "employee": "B", "rule": "C_SIGN_A"},
              {"date": "2026-10-20", "employee": "C", "rule": "C_SIGN_B"}]
    metrics = col("2026-10-06", A=9000, B=1000, C=0, D=0)
    result = score(metrics, employees, events)
    # 一组: day A 2, B 1; week A 5, B 0 (last); month A 8, B 0; B signed A-class 20.
    #   A = 2 + 5 + 8 = 15, B = 1 + 0 + 0 + 20 = 21 -> B +5.
    # 二组: both 0 collected: day 1 each; week and month: tied 1st and tied last -> 0; C signed B 10.
    #   C = 1 + 10 = 11, D = 1 -> C +5.
    assert values(result, "subtotal") == {"A": 15, "B": 21, "C": 11, "D": 1}
    assert values(result, "score") == {"A": 15, "B": 26, "C": 16, "D": 1}
    tied = score(col("2026-10-06", A=5000, B=5000), emps("AB"))
    assert values(tied, "top_bonus") == {"A": 5, "B": 5}


def test_category_points_include_the_rank_places_booked_after_the_categories_step():
    # The same month as test_month_top_bonus_ties_and_teams: the rank steps book their places under
    # DAY/WEEK/MONTH/TOP after the categories step, so C.points (score --json "categories",
    # KPI_POINTS) read 0 for those four. By hand: A day 2, week 5, month 8, top 0; B 1/0/0/5 and SIGN 20;
    # C 1/0/0/5 and SIGN 10; D 1/0/0/0. Each category adds up to the score.
    employees = emps("AB", "一组") + emps("CD", "二组")
    events = [{"date": "2026-10-20", "employee": "B", "rule": "C_SIGN_A"},
              {"date": "2026-10-20", "employee": "C", "rule": "C_SIGN_B"}]
    result = score(col("2026-10-06", A=9000, B=1000, C=0, D=0), employees, events)
    cats = ("DAY", "WEEK", "MONTH", "MEET", "SIGN", "TOP")
    got = {e.id: tuple(e.values[f"{c}.points"] for c in cats) for e in result.employees}
    assert got == {"A": (2, 5, 8, 0, 0, 0), "B": (1, 0, 0, 0, 20, 5), "C": (1, 0, 0, 0, 10, 5), "D": (1, 0, 0, 0, 0, 0)}
    assert all(sum(got[e.id]) == e.values["score"] for e in result.employees)


def test_collections_on_a_day_marked_off_duty_are_a_warning_at_their_cell():
    # R-G-3 / R-CY-7: B is marked ON_DUTY = no on Oct 6 but has 5000 collected that day, and is on duty
    # on Oct 8 (0 collected). Oct 6 is not ranked for B, but the 5000 still counts in the week and the
    # month: B 5000 > A 3000, so B is 1st (week 5, month 8) and A last (0). The contradiction is a
    # warning at B's COLLECTIONS cell (row 3); A's off day with 0 collected says nothing.
    metrics = col("2026-10-06", A=3000, B=5000) + col("2026-10-07", A=0) + col("2026-10-08", B=0)
    metrics += [{"employee": "B", "metric": "ON_DUTY", "value": False, "date": "2026-10-06"},
                {"employee": "A", "metric": "ON_DUTY", "value": False, "date": "2026-10-07"}]
    result = score(metrics, emps("AB"))
    assert values(result, "week_points") == {"A": 0, "B": 5} and values(result, "month_points") == {"A": 0, "B": 8}
    warned = [p for p in result.problems if p.code == "figure_off_duty"]
    assert [(p.employee, p.where, p.severity) for p in warned] == [("B", "指标!C3 / Metrics!C3", "warning")]
    assert "2026-10-06" in warned[0].en and "ON_DUTY" in warned[0].fix_en
