"""S14 gubang_group_rank: item points, group grades, bounded member grades, penalties, probation.

Expectations computed by hand from SCHEMES.md S14 (rules 2-8, R-GB-*).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import D, run

SCHEME = "gubang_group_rank"


def ranks(table: dict[str, list[int]]) -> list[dict]:
    return [{"team": g, "metric": f"GB_ITEM_{i + 1}", "value": r} for g, rs in table.items() for i, r in enumerate(rs)]


def member(i, team, work=100, grade=None):
    rows = [{"employee": i, "metric": "WORK_POINTS", "value": work}]
    if grade is not None:
        rows.append({"employee": i, "metric": "GB_MEMBER_GRADE", "value": grade})
    return {"id": i, "name": i, "role": "组员", "team": team}, rows


def score(groups, members, items="1", period="2024-05", events=None, history=None, extra=None):
    emps, rows = [], []
    for spec in members:
        e, r = member(*spec)
        emps.append(e)
        rows += r
    return run(SCHEME, period, employees=emps, metrics=ranks(groups) + rows + (extra or []), events=events,
               history=history, parameters={"ITEMS": items})


def group_values(result, name):
    return {e.team: e.values.get(name) for e in result.employees}


def test_fewer_than_eight_groups_keep_full_points():
    # R-GB-2: 3 groups, items with levels 2 and 1. G1 ranks (1, 2): 2 x 8 + 1 x 7 = 23; G2 (2, 1): 14 + 8 = 22;
    # G3 (3, 3): 12 + 6 = 18. R-GB-3: G1 rank 1 -> A; G2 rank 2 -> B (before "< 35"); G3 < 35 -> D.
    result = score({"G1": [1, 2], "G2": [2, 1], "G3": [3, 3]}, [("a", "G1"), ("b", "G2"), ("c", "G3")], items="2;1")
    assert group_values(result, "group.total") == {"G1": 23, "G2": 22, "G3": 18}
    assert group_values(result, "group.grade") == {"G1": "A", "G2": "B", "G3": "D"}


@pytest.mark.parametrize("item_ranks,grades,clause", [
    ({"G1": 1, "G2": 1, "G3": 3}, {"G1": "A", "G2": "A", "G3": "D"}, "R-G-2: tied 1st both A; rank 2 vacant, no B"),
    ({"G1": 1, "G2": 2, "G3": 2}, {"G1": "A", "G2": "B", "G3": "B"}, "R-G-2: tied 2nd both B"),
])
def test_ties_share_the_group_rank(item_ranks, grades, clause):
    # One item of level 4: points 4 x (9 - rank): rank 1 -> 32, rank 2 -> 28, rank 3 -> 24 (all < 35).
    groups = {g: [r] for g, r in item_ranks.items()}
    result = score(groups, [(g.lower(), g) for g in groups], items="4")
    assert group_values(result, "group.grade") == grades, clause


def test_eight_groups_rank_two_with_92_is_a():
    # Worked example: G1 105 (rank 1) and G2 104 (rank 2 but >= 92) are both A; nobody gets B.
    table = {"G1": [1, 2, 1, 1, 2, 1, 2], "G2": [2, 1, 3, 2, 1, 2, 1], "G3": [3, 3, 2, 4, 3, 3, 3],
             "G4": [4, 5, 4, 3, 4, 5, 4], "G5": [5, 4, 6, 5, 6, 4, 5], "G6": [6, 6, 5, 7, 5, 6, 7],
             "G7": [7, 8, 7, 6, 8, 7, 6], "G8": [8, 7, 8, 8, 7, 8, 8]}
    result = score(table, [(g.lower(), g) for g in table], items="1;1;1;2;2;3;4")
    assert group_values(result, "group.total") == {"G1": 105, "G2": 104, "G3": 83, "G4": 68, "G5": 57, "G6": 39,
                                                   "G7": 31, "G8": 17}
    assert group_values(result, "group.grade") == {"G1": "A", "G2": "A", "G3": "C", "G4": "C", "G5": "C", "G6": "C",
                                                   "G7": "D", "G8": "D"}


def test_e_needs_a_department_decision():
    # R-GB-3: below 35 is D unless the department recorded E for the group; a member's window is then C/D/E.
    groups = {"G1": [1], "G2": [2]}
    extra = [{"team": "G2", "metric": "GB_E_DECISION", "value": True}]
    result = score(groups, [("a", "G1"), ("b", "G2", 100, "C")], items="4", extra=extra)
    # G2: 4 x 7 = 28 < 35 but rank 2 -> B wins over E (precedence order).
    assert group_values(result, "group.grade")["G2"] == "B"
    groups3 = {"G1": [1], "G2": [2], "G3": [3]}
    extra3 = [{"team": "G3", "metric": "GB_E_DECISION", "value": True}]
    result = score(groups3, [("c", "G3", 100, "C")], items="4", extra=extra3)
    assert group_values(result, "group.grade") == {"G3": "E"}
    assert result.value("c", "grade") == "C"


def test_member_grade_outside_window_is_a_located_error():
    # R-GB-5: grade B for a member of a group graded D (window C/D/E).
    result = score({"G1": [1], "G2": [2], "G3": [3]}, [("z", "G3", 100, "b")], items="4")
    emp = result.employee("z")
    assert emp.status == "error"
    pr = emp.problems[0]
    assert pr.code == "grade_outside_window" and pr.where == "指标!D6 / Metrics!D6"
    assert "grade B not allowed for a member of a group graded D; allowed: C, D, E" in pr.en


def test_member_grade_defaults_to_the_group_grade():
    result = score({"G1": [1], "G2": [2]}, [("a", "G1"), ("b", "G1", 90, "c")], items="4")
    assert result.value("a", "grade") == "A"  # default (R-GB-5), marked in the explanation
    assert any("R-GB-5" in line["text_en"] for line in result.explanation("a"))
    assert result.value("b", "grade") == "C"  # lower-case accepted (R-GB-10)


@pytest.mark.parametrize("work,events,score_,grade,flags", [
    (120, ["PEN_ATTITUDE_COMPLAINT"], 70, "A", []),                     # rule 6: 120 - 50
    (40, ["PEN_ATTITUDE_COMPLAINT"], 0, "A", []),                       # R-GB-6: floored at 0
    (95, ["PEN_SLACK", "PEN_QUARREL"], 0, "E", ["FLAG_SEVERE_WARNING"]),  # R-GB-7: two penalties -> 0, E
    (200, [("PEN_SLACK", 2)], 0, "E", ["FLAG_SEVERE_WARNING"]),          # qty 2 = two occurrences
])
def test_penalties_and_override(work, events, score_, grade, flags):
    rows = [{"date": "2024-05-10", "employee": "a", "rule": e if isinstance(e, str) else e[0],
             "qty": 1 if isinstance(e, str) else e[1]} for e in events]
    result = score({"G1": [1], "G2": [2]}, [("a", "G1", work)], items="4", events=rows)
    assert result.value("a", "performance_score") == D(score_)
    assert result.value("a", "grade") == grade  # E even outside the A window (R-GB-7)
    assert [f["code"] for f in result.flags_of("a")] == flags


def _zero_history(*months):
    return [{"employee": "a", "period": p, "item": "PERFORMANCE_SCORE", "value": v} for p, v in months]


@pytest.mark.parametrize("period,history,work,probation_from,clause", [
    ("2024-05", [("2024-04", 0)], 0, "2024-06", "rule 8, R-GB-8: 0 last month and 0 now (no work points)"),
    ("2024-05", [("2024-04", 10)], 0, None, "one zero month"),
    ("2024-05", [("2024-03", 0)], 0, None, "April missing: not consecutive"),
    # R-GB-12: Jan+Feb zero -> probation Mar..May; zero months inside it do not count.
    ("2024-04", [("2024-01", 0), ("2024-02", 0), ("2024-03", 0)], 0, None, "R-GB-12: inside probation"),
    ("2024-06", [("2024-01", 0), ("2024-02", 0), ("2024-03", 0), ("2024-04", 0), ("2024-05", 0)], 0, None,
     "R-GB-12: June is the first month after probation"),
    ("2024-07", [("2024-01", 0), ("2024-02", 0), ("2024-03", 0), ("2024-04", 0), ("2024-05", 0), ("2024-06", 0)],
     0, "2024-08", "R-GB-12: June and July are a new pair"),
])
def test_probation(period, history, work, probation_from, clause):
    result = score({"G1": [1]}, [("a", "G1", work)], items="4", period=period, history=_zero_history(*history))
    got = [f["params"].get("from") for f in result.flags_of("a") if f["code"] == "FLAG_PROBATION"]
    assert got == ([probation_from] if probation_from else []), clause


@pytest.mark.parametrize("holidays,due", [("", "2024-03-08"), ("2024-03-04", "2024-03-11")])
def test_appeal_reply_due(holidays, due):
    # R-GB-11: filed Friday 2024-03-01; the filing day does not count; 5 working days (R-GB-9 calendar).
    events = [{"date": "2024-03-01", "employee": "a", "rule": "APPEAL"}]
    result = run(SCHEME, "2024-03", employees=[member("a", "G1")[0]], events=events,
                 metrics=ranks({"G1": [1]}) + member("a", "G1")[1], parameters={"ITEMS": "4", "HOLIDAYS": holidays})
    flag = next(f for f in result.flags_of("a") if f["code"] == "APPEAL")
    assert str(flag["params"]["due"]) == due
    assert result.value("a", "performance_score") == D(100)  # never changes a score (R-G-3)


def test_missing_item_rank_blocks_every_ranking():
    # R-G-9: G2 has no rank on item 2, so its total and every group's rank are unknown.
    metrics = ranks({"G1": [1, 1]}) + [{"team": "G2", "metric": "GB_ITEM_1", "value": 2}]
    result = run(SCHEME, "2024-05", employees=[member("a", "G1")[0]], metrics=metrics + member("a", "G1")[1],
                 parameters={"ITEMS": "1;1"})
    assert result.employee("a").status == "error"
    assert any("GB_ITEM_2" in p.en and "G2" in p.en for p in result.problems)


def test_bad_item_list_is_a_located_error():
    result = score({"G1": [1]}, [("a", "G1")], items="GB_ITEM_99:2")
    pr = result.employee("a").problems[0]
    assert pr.code == "bad_items" and pr.where.startswith("参数!C")


def test_default_items_and_groups_without_listed_members():
    # R-GB-1: without ITEMS the 7 default items apply; G2 has no member in the workbook but is ranked.
    table = {"G1": [2] * 7, "G2": [1] * 7}
    result = run(SCHEME, "2024-05", employees=[member("a", "G1")[0]], metrics=ranks(table) + member("a", "G1")[1])
    # G1: rank 2 everywhere: 7 x 14 = 98 (levels sum 14); rank 2 overall but >= 92 -> A.
    assert result.value("a", "group.total") == D(98) and result.value("a", "group.rank") == 2
    assert result.value("a", "group.grade") == "A"
    assert result.value("a", "performance_score") == Decimal(100)


def test_work_points_from_events_and_monthly_total():
    # R-GB-6: work points are a monthly total and/or events; 60 (total) + 25 + 12.5 (events) - 20 = 77.5.
    events = [{"date": "2024-05-03", "employee": "a", "rule": "WORK_ITEM", "value": 25},
              {"date": "2024-05-04", "employee": "a", "rule": "WORK_ITEM", "value": "12.5"},
              {"date": "2024-05-05", "employee": "a", "rule": "PEN_SLACK"}]
    result = score({"G1": [1]}, [("a", "G1", 60)], items="4", events=events)
    assert result.value("a", "performance_score") == Decimal("77.5")


def test_no_work_points_recorded_is_a_zero_month():
    # R-GB-8: a month counts as zero whatever caused the 0, including no work points at all.
    result = run(SCHEME, "2024-05", employees=[member("a", "G1")[0]], metrics=ranks({"G1": [1]}),
                 parameters={"ITEMS": "4"}, history=_zero_history(("2024-04", 0)))
    assert result.value("a", "performance_score") == D(0)
    assert [f["params"] for f in result.flags_of("a")] == [{"from": "2024-06"}]


@pytest.mark.parametrize("item_ranks,group,cell,should", [
    # R-G-2 / R-GB-2: a typed rank is 1 + the number of groups ranked ahead of it; tied groups share a
    # rank and the ranks they displace are vacant (1, 2, 2, 4). One level-4 item, rows on 指标!D2.. in order.
    ({"G1": 1, "G2": 1, "G3": 2}, "G3", "D4", "2 groups are ranked ahead of it, so it is rank 3"),
    # (old: G3 got 4 x 7 = 28 for a "2nd" place that the tie at 1st leaves vacant; it is 3rd: 24)
    ({"G1": 1, "G2": 2, "G3": 2, "G4": 3}, "G4", "D5", "3 groups are ranked ahead of it, so it is rank 4"),
    ({"G1": 1, "G2": 3, "G3": 3}, "G2", "D3", "1 group is ranked ahead of it, so it is rank 2"),
    ({"G1": 2, "G2": 2, "G3": 3}, "G1", "D2", "0 groups are ranked ahead of it, so it is rank 1"),
    ({"G1": 1, "G2": 2, "G3": 4}, "G3", "D4", "only 3 groups this month, so no rank is above 3"),
])
def test_typed_item_ranks_that_are_not_a_competition_ranking_withhold_every_group(item_ranks, group, cell, should):
    groups = {g: [r] for g, r in item_ranks.items()}
    result = score(groups, [(g.lower(), g) for g in groups], items="4")
    assert {e.status for e in result.employees} == {"error"}  # every group's grade depends on every total
    assert all(e.values.get("group.total") is None for e in result.employees)
    for e in result.employees:
        (pr,) = [p for p in e.problems if p.code == "bad_item_rank"]
        assert pr.where == f"指标!{cell} / Metrics!{cell}"
        assert f"Group {group} has rank {item_ranks[group]} on item GB_ITEM_1" in pr.en and should in pr.en
        assert f"小组 {group}" in pr.zh and "1、2、2、4" in pr.fix_zh and "1, 2, 2, 4" in pr.fix_en


def test_a_rank_above_the_number_of_groups_is_an_error_even_with_a_rank_missing():
    # 2 groups (G1 and G2, each with a member); G2 has no rank on item 1 (missing_metric), and G1's typed
    # 3 cannot be a rank among 2 groups (R-G-2): both are reported, nobody is scored.
    result = score({"G1": [3]}, [("a", "G1"), ("b", "G2")], items="4")
    assert {e.status for e in result.employees} == {"error"}
    assert "bad_item_rank" in {p.code for p in result.employee("a").problems}
    (pr,) = [p for p in result.problems if p.code == "bad_item_rank"]
    assert pr.where == "指标!D2 / Metrics!D2" and "only 2 groups" in pr.en
