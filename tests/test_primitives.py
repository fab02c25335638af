"""The generic primitives on their own: a small made-up scheme per case, hand-computed values,
and every scheme-file error located by its JSON path (docs/steps.md)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from kpixl.core.engine import score
from kpixl.core.errors import SchemeError
from kpixl.core.scheme import parse_scheme
from kpixl.core.steps.bands import Band, parse_range, pick
from kpixl.workbook.read import inputs_from_records

BASE = {
    "id": "toy", "version": 1, "title": {"zh": "测试", "en": "Toy"}, "period": "month", "unit": "employee",
    "metrics": [{"code": "X", "zh": "X", "en": "X", "type": "number"}, {"code": "Y", "zh": "Y", "en": "Y", "type": "number"}],
    "parameters": [{"code": "T", "zh": "目标", "en": "Target", "type": "number"}],
    "rules": [{"code": "R_A", "zh": "甲", "en": "A", "kind": "derived"},
              {"code": "R_B", "zh": "乙", "en": "B", "kind": "derived", "flag": {"zh": "乙标记", "en": "B flag"}},
              {"code": "R_PAY", "zh": "奖金", "en": "Pay", "kind": "derived"},
              {"code": "R_DED", "zh": "扣分", "en": "Deduct", "kind": "deduct", "points": -1}],
    "steps": [], "outputs": [{"value": "money.awards", "zh": "奖", "en": "Award", "main": True}],
}


def toy(*steps, **extra):
    doc = copy.deepcopy(BASE)
    doc["steps"] = list(steps)
    doc.update(extra)
    return doc


def run_toy(doc, metrics=None, parameters=None, ratings=None, period="2026-10", **emp):
    scheme = parse_scheme(doc, "toy.json")
    employee = {"id": "E1", "name": "甲", **emp}
    rows = [{"employee": "E1", "metric": k, "value": v} for k, v in (metrics or {}).items()]
    _, inputs = inputs_from_records(scheme, period, employees=[employee], metrics=rows, parameters=parameters or {},
                                    ratings=ratings or [])
    result = score(scheme, inputs)
    return result, result.employee("E1")


def scheme_error(doc) -> list:
    with pytest.raises(SchemeError) as exc:
        parse_scheme(doc, "toy.json")
    return exc.value.problems


# ----------------------------------------------------------------------------- bands


def band(rng, points, i=0):
    lo, lo_incl, hi, hi_incl = parse_range(rng)
    return Band(lo, lo_incl, hi, hi_incl, Decimal(points), rng, i)


@pytest.mark.parametrize("text,parsed", [
    ("[95, 100)", (Decimal(95), True, Decimal(100), False)),
    ("(, 75]", (None, False, Decimal(75), True)),
    ("[1.5, )", (Decimal("1.5"), True, None, False)),
    ("95-100", None),
])
def test_parse_range(text, parsed):
    assert parse_range(text) == parsed


def test_favourable_band_on_an_overlap_and_in_a_gap():
    # R-G-1: "[80, 95]" and "[75, 80]" both claim 80 -> the one with more points
    bands = [band("[80, 95]", -2, 0), band("[75, 80]", -3, 1)]
    assert pick(bands, Decimal(80)) == (bands[0], "overlap")
    # R-G-1: "高于90%" / "低于90%" leave 90 unclaimed -> the favourable neighbour
    gap = [band("(90, )", 10, 0), band("(, 90)", 0, 1)]
    assert pick(gap, Decimal(90)) == (gap[0], "gap")
    assert pick(gap, Decimal("89.99")) == (gap[1], "one")


def test_gap_takes_the_nearest_bands_only():
    bands = [band("[0, 1]", 5, 0), band("[2, 3]", 1, 1), band("[5, 9]", 3, 2)]
    # 4 lies between [2, 3] (1 point) and [5, 9] (3 points), not next to [0, 1]
    assert pick(bands, Decimal(4))[0] is bands[2]
    assert pick(bands, Decimal(12))[0] is bands[2]  # above every band: the last one


def test_bands_step_rounds_then_looks_up():
    doc = toy({"step": "bands", "output": "B", "value": "X / 3", "base": 10,
               "bands": [{"range": "[1, )", "points": 0}, {"range": "(, 1)", "points": -4}]},
              outputs=[{"value": "B", "zh": "B", "en": "B", "main": True}])
    # 2.99 / 3 = 0.99666... -> judged 1.00 -> 10 (R-G-4)
    _, emp = run_toy(doc, {"X": "2.99"})
    assert (emp.values["B.value"], emp.values["B"]) == (Decimal("1.00"), Decimal(10))
    _, emp = run_toy(doc, {"X": "2.98"})
    assert (emp.values["B.value"], emp.values["B"]) == (Decimal("0.99"), Decimal(6))


@pytest.mark.parametrize("rng", ["95-100", "[100, 95]", "(5, 5]"])
def test_bad_band_range_is_located(rng):
    doc = toy({"step": "bands", "output": "B", "value": "X", "bands": [{"range": "[0, 1]", "points": 0}, {"range": rng, "points": 1}]})
    problems = scheme_error(doc)
    assert problems[0].where == "toy.json $.steps[0].bands[1].range"


# ----------------------------------------------------------------------------- attainment / aggregate


def test_attainment_and_weighted_mean():
    doc = toy(
        {"step": "attainment", "output": "S", "items": [
            {"code": "X", "actual": "X", "target": "T", "direction": "higher", "weight": 60},
            {"code": "Y", "actual": "Y", "target": "T", "direction": "lower", "weight": 40}]},
        {"step": "aggregate", "output": "M", "how": "mean", "terms": [{"value": "X.score", "weight": 3}, {"value": "Y.score", "weight": 1}]},
        outputs=[{"value": "S", "zh": "S", "en": "S", "main": True}])
    # X: 60 x 7/8 = 52.5; Y: 40 x 8/9 = 35.555... -> 35.56; S = 88.06; M = (3 x 52.5 + 35.56) / 4 = 48.265 -> 48.27
    _, emp = run_toy(doc, {"X": 7, "Y": 9}, {"T": 8})
    v = emp.values
    assert (v["X.score"], v["Y.score"], v["S"], v["M"]) == (Decimal("52.5"), Decimal("35.56"), Decimal("88.06"), Decimal("48.27"))


def test_aggregate_mean_needs_positive_weights():
    doc = toy({"step": "aggregate", "output": "M", "how": "mean", "terms": [{"value": "X", "weight": 0}]})
    assert scheme_error(doc)[0].where == "toy.json $.steps[0].terms"


def test_attainment_direction_is_checked_by_the_schema():
    doc = toy({"step": "attainment", "items": [{"code": "X", "actual": "X", "target": "T", "direction": "up", "weight": 1}]})
    assert scheme_error(doc)[0].where == "toy.json $.steps[0].items[0].direction"


# ----------------------------------------------------------------------------- raters


def test_raters_weights_must_add_up_to_one():
    doc = toy({"step": "raters", "output": "C", "components": [
        {"key": "self", "rater": "RATER_SELF", "count": "one", "weight": "0.2"}, {"key": "x", "value": "X", "weight": "0.7"}]})
    problems = scheme_error(doc)
    assert problems[0].where == "toy.json $.steps[0].components" and "0.9" in problems[0].en


def test_raters_superior_as_a_rating():
    # A scheme may take the superior's score as a rating (R-G-19): 0.5 x 80 + 0.5 x (70 + 75)/2 = 76.25
    doc = toy({"step": "raters", "output": "C", "components": [
        {"key": "superior", "rater": "RATER_SUPERIOR", "count": "one", "weight": "0.5"},
        {"key": "group", "rater": "RATER_GROUP", "count": "many", "weight": "0.5"}]},
        outputs=[{"value": "C", "zh": "C", "en": "C", "main": True}])
    ratings = [{"employee": "E1", "rater": "RATER_SUPERIOR", "score": 80}, {"employee": "E1", "rater": "RATER_GROUP", "score": 70},
               {"employee": "E1", "rater": "RATER_GROUP", "score": 75}]
    _, emp = run_toy(doc, ratings=ratings)
    assert emp.values["C"] == Decimal("76.25")


# ----------------------------------------------------------------------------- decision tables


def table(*rows, **kw):
    return {"step": "decision_table", "output": "G", "set": {"P": 0}, "rows": list(rows), **kw}


def test_first_matching_row_wins_and_raises_its_flag():
    doc = toy(table({"rule": "R_A", "when": "X >= 10", "set": {"P": "X * 2"}}, {"rule": "R_B", "when": "X >= 5"}, {"rule": "R_PAY"}),
              {"step": "payout", "rule": "R_PAY", "amount": "P - 1"})
    result, emp = run_toy(doc, {"X": 12})
    assert (emp.values["G"], emp.values["G.label"], emp.values["P"]) == ("R_A", "甲", Decimal(24))
    assert emp.values["money.awards"] == Decimal("23.00")
    result, emp = run_toy(doc, {"X": 6})
    assert (emp.values["G"], emp.values["P"]) == ("R_B", Decimal(0))
    assert [f["code"] for f in result.flags_of("E1")] == ["R_B"]
    assert emp.values["money.awards"] == Decimal("0.00")  # R-G-5: a payout never goes below 0


@pytest.mark.parametrize("rows,where", [
    ([{"rule": "R_A", "when": "X > 1"}, {"rule": "R_B", "when": "X > 0"}], "$.steps[0].rows[1]"),  # no fallback
    ([{"rule": "R_A"}, {"rule": "R_B"}], "$.steps[0].rows[0]"),                                     # fallback not last
    ([{"rule": "R_DED", "when": "X > 1"}, {"rule": "R_B"}], "$.steps[0].rows[0].rule"),            # not derived
    ([{"rule": "R_NOPE", "when": "X > 1"}, {"rule": "R_B"}], "$.steps[0].rows[0].rule"),           # unknown rule
    ([{"rule": "R_A", "when": "X >", "set": {}}, {"rule": "R_B"}], "$.steps[0].rows[0].when"),     # bad expression
])
def test_decision_table_errors_are_located(rows, where):
    problems = scheme_error(toy(table(*rows)))
    assert problems[0].where == f"toy.json {where}"


def test_every_row_sets_the_same_names():
    problems = scheme_error(toy({"step": "decision_table", "output": "G", "rows": [
        {"rule": "R_A", "when": "X > 1", "set": {"P": 1}}, {"rule": "R_B"}]}))
    assert problems[0].where == "toy.json $.steps[0].rows[1].set" and "P" in problems[0].en


def test_missing_input_in_a_condition_is_an_error_never_a_fallback():
    # R-G-9: a condition that needs Y blocks the employee instead of falling through to the last row
    doc = toy(table({"rule": "R_A", "when": "Y > 1"}, {"rule": "R_B"}))
    _, emp = run_toy(doc, {"X": 1})
    assert emp.status == "error" and [p.code for p in emp.problems] == ["missing_metric"]


# ----------------------------------------------------------------------------- formula, check, expressions


def test_formula_when_and_period_names():
    doc = toy({"step": "formula", "values": [
        {"name": "both", "expr": "has(X, Y)"},
        {"name": "ratio", "expr": "round2(X / Y)", "when": "both"},
        {"name": "weeks", "expr": "PERIOD_WEEKS"},
        {"name": "kind", "expr": "PERIOD_KIND"},
        {"name": "late_hire", "expr": "hire_date >= PERIOD_START and day_of_month(hire_date) > 10"}]},
        attributes=[{"code": "hire_date", "zh": "入职日期", "en": "Hire date", "type": "date"}], quarter=True)
    _, emp = run_toy(doc, {"X": 2}, hire_date="2026-10-11")
    v = emp.values
    # October 2026 is credited the weeks ending Sunday 4, 11, 18 and 25 October (R-G-3)
    assert (v["both"], v["ratio"], v["weeks"], v["kind"], v["late_hire"]) == (False, None, Decimal(4), "month", True)
    _, emp = run_toy(doc, {"X": 2, "Y": 3}, period="2026-Q4", hire_date="2026-10-10")
    v = emp.values
    # Q4 2026: 4 + 5 (Sundays 1-29 Nov) + 4 (6-27 Dec) = 13 weeks
    assert (v["ratio"], v["weeks"], v["kind"], v["late_hire"]) == (Decimal("0.67"), Decimal(13), "quarter", False)


def test_division_by_zero_is_a_located_error():
    doc = toy({"step": "formula", "values": [{"name": "q", "expr": "X / Y"}]})
    _, emp = run_toy(doc, {"X": 1, "Y": 0})
    pr = emp.problems[0]
    assert pr.code == "cannot_compute" and "指标!C" in pr.where


def test_check_require_unless_and_messages():
    doc = toy({"step": "check", "checks": [
        {"require": ["X", "Y"], "unless": "has(T)"},
        {"code": "X_BIG", "when": "has(X) and X > 100", "zh": "X={X}", "en": "X is {X}", "severity": "warning"}]})
    _, emp = run_toy(doc, {})
    assert sorted(p.en.split()[1] for p in emp.problems) == ["X", "Y"]  # each missing input reported
    _, emp = run_toy(doc, {}, {"T": 1})
    assert emp.status == "ok"
    result, emp = run_toy(doc, {"X": 101})
    assert emp.status == "error"  # Y is missing; the warning is reported as well
    assert [p.en for p in result.warnings] == ["Employee E1: X is 101"]


def test_latest_uses_the_latest_earlier_month():
    doc = toy({"step": "formula", "values": [{"name": "L", "expr": "latest(X)"}]},
              history=[{"code": "X", "zh": "X", "en": "X", "type": "number"}])
    scheme = parse_scheme(doc, "toy.json")
    _, inputs = inputs_from_records(scheme, "2026-10", employees=[{"id": "E1", "name": "甲"}],
                                    metrics=[{"employee": "E1", "metric": "X", "value": 7, "period": "2026-08"}],
                                    history=[{"employee": "E1", "period": "2026-09", "item": "X", "value": 8},
                                             {"employee": "E1", "period": "2026-11", "item": "X", "value": 9}])
    assert score(scheme, inputs).employee("E1").values["L"] == Decimal(8)


# ----------------------------------------------------------------------------- periods of a step, quarter sums


def test_a_step_runs_only_in_its_kinds_of_period():
    # R-G-19: S3/S5 score months and pay a quarterly award; a step that does not run leaves its values empty
    doc = toy({"step": "formula", "periods": ["month"], "values": [{"name": "M", "expr": "X + 1"}]},
              {"step": "formula", "periods": ["quarter"], "values": [{"name": "Q", "expr": "PERIOD_KIND"}]},
              {"step": "formula", "values": [{"name": "B", "expr": "PERIOD_KIND"}]})
    _, emp = run_toy(doc, {"X": 1})
    assert (emp.values["M"], emp.values["Q"], emp.values["B"]) == (Decimal(2), None, "month")
    _, emp = run_toy(doc, {}, period="2026-Q4")  # X is not needed: the month step does not run
    assert emp.status == "ok"
    assert (emp.values["M"], emp.values["Q"], emp.values["B"]) == (None, "quarter", "quarter")


@pytest.mark.parametrize("periods", [[], ["year"], ["month", "month"]])
def test_bad_periods_are_located(periods):
    problems = scheme_error(toy({"step": "formula", "periods": periods, "values": [{"name": "M", "expr": "1"}]}))
    assert problems[0].where.startswith("toy.json $.steps[0].periods")


def test_period_values_sum_and_add_days():
    # period_values: one value per month of the period (History, or a Metrics row with that month)
    doc = toy({"step": "formula", "values": [
        {"name": "V", "expr": "period_values('X')"},
        {"name": "S", "expr": "sum(period_values('X'))", "when": "None not in period_values('X')"},
        {"name": "D", "expr": "add_days(DUE_FROM, 4)"}]},
        history=[{"code": "X", "zh": "X", "en": "X", "type": "number"}], quarter=True,
        parameters=[{"code": "DUE_FROM", "zh": "日期", "en": "Date", "type": "date"}])
    scheme = parse_scheme(doc, "toy.json")
    history = [{"employee": "E1", "period": "2026-10", "item": "X", "value": "1.25"},
               {"employee": "E1", "period": "2026-12", "item": "X", "value": 3}]

    def values(period, metrics=()):
        # E2 has November (a month nobody has withholds everyone, engine.quarter_months_absent)
        _, inputs = inputs_from_records(scheme, period, employees=[{"id": "E1", "name": "甲"}, {"id": "E2", "name": "乙"}],
                                        history=history + [{"employee": "E2", "period": "2026-11", "item": "X", "value": 1}],
                                        metrics=list(metrics), parameters={"DUE_FROM": "2026-12-30"})
        return score(scheme, inputs).employee("E1").values

    v = values("2026-Q4")
    assert (v["V"], v["S"], v["D"]) == ((Decimal("1.25"), None, Decimal(3)), None, dt.date(2027, 1, 3))
    v = values("2026-Q4", [{"employee": "E1", "metric": "X", "value": 2, "period": "2026-11"}])
    assert v["S"] == Decimal("6.25")  # 1.25 + 2 + 3
    v = values("2026-11", [{"employee": "E1", "metric": "X", "value": 2}])  # a month: its own row
    assert (v["V"], v["S"]) == ((Decimal(2),), Decimal(2))


def test_a_date_parameter_must_be_a_date():
    doc = toy({"step": "formula", "values": [{"name": "D", "expr": "add_days(DUE_FROM, 1)"}]},
              parameters=[{"code": "DUE_FROM", "zh": "日期", "en": "Date", "type": "date"}])
    result, emp = run_toy(doc, parameters={"DUE_FROM": "soon"})
    pr = next(p for p in result.errors if p.code == "not_a_date")
    assert pr.where.startswith("参数!C") and emp.status == "error"


def test_condition_flag_params():
    # R-G-18: a flag carries the parameters the section gives it (S3/S5 due, R-BR-16)
    doc = toy({"step": "condition", "rule": "R_B", "when": "X > 1",
               "params": {"due": "add_days(DUE_FROM, 4) if has(DUE_FROM) else '4 days after'", "x": "X"}},
              parameters=[{"code": "DUE_FROM", "zh": "日期", "en": "Date", "type": "date"}])
    result, _ = run_toy(doc, {"X": 2}, {"DUE_FROM": "2026-11-28"})
    [flag] = result.flags_of("E1")
    assert flag["params"] == {"due": dt.date(2026, 12, 2), "x": Decimal(2)}
    assert any(s.startswith("参数!") for s in flag["sources"])
    result, _ = run_toy(doc, {"X": 2})
    assert result.flags_of("E1")[0]["params"]["due"] == "4 days after"
    result, _ = run_toy(doc, {"X": 1})
    assert not result.flags_of("E1")
    problems = scheme_error(toy({"step": "condition", "rule": "R_A", "when": "X > 1", "params": {"due": "1"}}))
    assert problems[0].where == "toy.json $.steps[0].params"  # R_A raises no flag


# ----------------------------------------------------------------------------- rank: order and empty values


def rank_toy(xs: dict, **ranking):
    doc = toy({"step": "formula", "values": [{"name": "V", "expr": "X", "when": "has(X)"}]},
              {"step": "rank", "bucket": "month", "participants": "all",
               "rankings": [{"code": "LOW", "value": {"value": "V", **ranking.pop("value", {})}, **ranking}]})
    scheme = parse_scheme(doc, "toy.json")
    rows = [{"employee": e, "metric": "X", "value": x} for e, x in xs.items() if x is not None]
    _, inputs = inputs_from_records(scheme, "2026-10", employees=[{"id": e, "name": e} for e in xs], metrics=rows)
    return score(scheme, inputs)


def test_rank_ascending_ranks_the_lowest_first():
    # bottom N (R-BR-12): competition ranking from the bottom, ties share the rank (R-G-2)
    r = rank_toy({"A": 5, "B": 1, "C": 3, "D": 3, "E": 9}, order="ascending")
    assert {e.id: e.values["LOW.rank"] for e in r.employees} == {"A": 4, "B": 1, "C": 2, "D": 2, "E": 5}
    r = rank_toy({"A": 5, "B": 1, "C": 3, "D": 3, "E": 9})
    assert {e.id: e.values["LOW.rank"] for e in r.employees} == {"A": 2, "B": 5, "C": 3, "D": 3, "E": 1}


def test_rank_empty_value_not_ranked_or_an_error():
    r = rank_toy({"A": 5, "B": None, "C": 7}, value={"empty": "not_ranked"})
    assert {e.id: (e.status, e.values.get("LOW.rank")) for e in r.employees} == {
        "A": ("ok", 2), "B": ("ok", None), "C": ("ok", 1)}
    r = rank_toy({"A": 5, "B": None, "C": 7})  # default: an empty value cannot be ranked (R-G-9)
    assert {p.code for p in r.employee("B").problems} == {"cannot_rank"}
    assert {p.code for p in r.employee("A").problems} == {"blocked_by_group"}  # the pool is blocked as a whole


def test_a_condition_line_names_each_cell_it_read_once():
    # a name read twice is one cell: the ledger line of a point condition, its flag and its
    # explanation name the Metrics cell of X once (the old line read "指标!C2, 指标!C2")
    rules = [*BASE["rules"], {"code": "R_PTS", "zh": "丙", "en": "C", "kind": "derived", "points": 2,
                              "flag": {"zh": "丙标记", "en": "C flag"}}]
    doc = toy({"step": "condition", "rule": "R_PTS", "when": "X > 1 and X < 5 and Y != X"}, rules=rules)
    result, emp = run_toy(doc, {"X": 2, "Y": 3})
    [line] = result.ledger[result.ledger["employee"] == "E1"].to_dict("records")
    cells = line["where"].split(", ")
    assert line["points_e8"] == 2 * 10**8 and len(cells) == 2 and len(set(cells)) == 2
    assert all(c.startswith("指标!") for c in cells)
    [flag] = result.flags_of("E1")
    assert flag["sources"] == cells


def test_an_award_line_names_the_cells_of_its_condition_and_its_amount():
    # every point is traceable: a formula amount's cells are named with the condition's, each once
    doc = toy({"step": "award", "rule": "R_PAY", "when": "X >= 1 and X < 9", "amount": "Y * 10 + X"})
    result, emp = run_toy(doc, {"X": 2, "Y": 3})
    [line] = result.money_of("E1").to_dict("records")
    assert Decimal(str(line["amount"])) == Decimal("32.00")
    cells = line["where"].split(", ")
    assert len(cells) == 2 and len(set(cells)) == 2 and all(c.startswith("指标!") for c in cells)
