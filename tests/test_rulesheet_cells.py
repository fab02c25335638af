"""A bad Min or Max on the 规则 / Rules sheet is an error at the cell that holds it, and no
result is given (SCHEMES.md R-G-6, R-CQ-6, R-CQ-7).

Each workbook is ``kpixl new <scheme> --demo`` with one Rules cell edited as HR edits it in
Excel. Row 2 of call_quality_rubric is CQ_EXPRESSION (0..15, whole points). Its demo agent ZJ01
is the S9 worked example: calls of 19 and 10 points out of 21, (90.48 + 47.62) / 2 = 69.05 %.
With a max of 15.5 the denominator would be 21.5 (R-CQ-7) and 100 % out of reach: 67.44 %.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import cli
from openpyxl import load_workbook
from reader_fixtures import edit

from kpixl.core.rulesheet import apply_rules_sheet
from kpixl.workbook.read import read_workbook

ENGINES = ("fastexcel", "openpyxl")
RUBRIC = "call_quality_rubric"


def cell(ref: str) -> str:
    return f"规则!{ref} / Rules!{ref}"


def demo(tmp_path, scheme: str, cells: dict):
    path = tmp_path / f"{scheme}.xlsx"
    code, _, err = cli("new", scheme, "--demo", "-o", path)
    assert code == 0, err
    edit(path, "规则", cells)
    return path


def demo_rule(tmp_path, scheme: str, code: str, column: str, value) -> tuple[object, str]:
    """The demo workbook with ``value`` typed in ``column`` (D: Category, G: Min, H: Max) of rule
    ``code``'s row, and that cell."""
    path = demo(tmp_path, scheme, {})
    ws = load_workbook(path)["规则"]
    ref = f"{column}{next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == code)}"
    edit(path, "规则", {ref: value})
    return path, ref


def validate(path) -> tuple[int, list[dict]]:
    """``kpixl validate --json`` read by each engine; both must say the same."""
    seen = [cli("validate", path, "--json", "--engine", engine) for engine in ENGINES]
    assert seen[0] == seen[1]
    code, out, _ = seen[0]
    return code, json.loads(out)


def scores(path) -> dict[str, tuple[str, object, list[str]]]:
    """Each employee's status, score and the cells of its errors (``score --json``), both engines."""
    seen = []
    for engine in ENGINES:
        code, out, _ = cli("score", path, "--json", "--no-explain", "--engine", engine)
        seen.append((code, {r["employee_id"]: (r["status"], r["score"], [e["where"] for e in r["errors"]])
                            for r in json.loads(out)}))
    assert seen[0] == seen[1]
    return seen[0][1]


def only_error_at(path, ref: str, code: str) -> dict:
    """The workbook's errors are exactly one, ``code`` at ``ref``; it is bilingual and says the fix;
    every result is withheld and names that cell."""
    rc, found = validate(path)
    assert rc == 1
    assert [(p["code"], p["where"]) for p in found if p["severity"] == "error"] == [(code, cell(ref))]
    pr = found[0]
    assert pr["message_zh"] and pr["message_en"] and pr["fix_zh"] and pr["fix_en"]
    for status, score, wheres in scores(path).values():
        assert (status, score, wheres) == ("error", None, [cell(ref)])
    return pr


def test_the_unedited_demo_scores_the_worked_example(tmp_path):
    path = demo(tmp_path, RUBRIC, {})
    assert validate(path) == (0, [])
    assert scores(path)["ZJ01"][:2] == ("ok", 69.05)


# ------------------------------------------------------------------ problem 1: whole points (R-G-6)

@pytest.mark.parametrize(("ref", "value", "word"), [("H2", 15.5, "max"), ("G2", 0.5, "min")])
def test_a_criterion_range_end_that_is_not_whole_is_an_error_at_its_cell(tmp_path, ref, value, word):
    # scores are whole points (R-CQ-6, S9 rule 1): 15.5 would make 21.5 the denominator (67.44, not 69.05)
    pr = only_error_at(demo(tmp_path, RUBRIC, {ref: value}), ref, "rule_range_decimals")
    assert "CQ_EXPRESSION" in pr["message_en"] and str(value) in pr["message_en"] and word in pr["message_en"]
    assert "整数" in pr["message_zh"] and "R-G-6" in pr["message_en"]


def test_a_whole_max_written_as_a_decimal_number_is_whole(tmp_path):
    path = demo(tmp_path, RUBRIC, {"H2": 15.0})
    assert validate(path) == (0, [])
    assert scores(path)["ZJ01"][:2] == ("ok", 69.05)


@pytest.mark.parametrize(("scheme", "code", "column", "value"), [
    ("weikang_100", "BIZ_SOP_ERROR", "G", 1.5),      # 1-10 points, chosen in whole points (R-WK-8)
    ("weikang_100", "CONS_LECTURE", "H", 9.5),       # 5-10 % of the base salary, whole percent (R-WK-8)
    ("branch_cs_scorecard", "AUDIT_ISSUE", "H", 9.9),  # 2-10 points each (R-G-6)
    ("gubang_group_rank", "WORK_ITEM", "H", 999.25),   # values with one decimal (value_decimals 1)
])
def test_every_range_rule_takes_ends_of_its_own_precision(tmp_path, scheme, code, column, value):
    path, ref = demo_rule(tmp_path, scheme, code, column, value)
    pr = only_error_at(path, ref, "rule_range_decimals")
    assert code in pr["message_en"] and str(value) in pr["message_en"]


def test_a_range_with_decimals_is_kept_where_the_rule_has_decimals(tmp_path):
    # WORK_ITEM's values have one decimal (gubang_group_rank.json value_decimals 1): 999.5 is a valid max
    path, _ = demo_rule(tmp_path, "gubang_group_rank", "WORK_ITEM", "H", 999.5)
    assert validate(path) == (0, [])


# ------------------------------------------------------------------ problem 2: the cell that holds it

def test_a_blank_max_is_reported_at_the_max_cell(tmp_path):
    pr = only_error_at(demo(tmp_path, RUBRIC, {"H2": None}), "H2", "rule_range")
    assert "min and max" in pr["message_en"]


def test_a_negative_min_is_reported_at_the_min_cell_only(tmp_path):
    # (no band_gap for -5..-1 besides: the fix is the min, not the bands)
    pr = only_error_at(demo(tmp_path, RUBRIC, {"G2": -5}), "G2", "rule_range")
    assert "-5" in pr["message_en"]


def test_a_max_beyond_the_bound_is_reported_at_the_max_cell(tmp_path):
    only_error_at(demo(tmp_path, RUBRIC, {"H2": 20000}), "H2", "rule_number_too_large")


def test_an_unknown_category_is_reported_at_the_category_cell(tmp_path):
    path, ref = demo_rule(tmp_path, "weikang_100", "BIZ_SOP_ERROR", "D", "ZZ")
    _, found = validate(path)
    assert [p["where"] for p in found if p["code"] == "rule_category"] == [cell(ref)]
    assert not [p for p in found if p["where"] == cell("F" + ref[1:])]


def test_an_unreadable_max_is_reported_once_at_its_cell_and_deletes_no_rule(tmp_path):
    path = demo(tmp_path, RUBRIC, {"H2": "15分"})
    rc, found = validate(path)
    assert rc == 1
    assert [p["code"] for p in found if p["where"] == cell("H2")] == ["bad_number"]
    assert "15分" in found[0]["message_zh"] and "15分" in found[0]["message_en"]
    assert not [p for p in found if p["code"] == "rule_removed"]
    assert not [p for p in found if p["where"] in (cell("F2"), "规则 / Rules")]
    for status, score, _ in scores(path).values():  # the rule is not usable: no result
        assert (status, score) == ("error", None)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_rules_sheet_withholds_results_by_the_unreadable_cells_own_problem(tmp_path, engine):
    scheme, inputs = read_workbook(demo(tmp_path, RUBRIC, {"H2": "15分"}), engine=engine)
    _, problems = apply_rules_sheet(scheme, inputs.rules, inputs.problems)
    assert [(p.code, p.where, p.scope) for p in problems] == [("bad_number", cell("H2"), None)]


@pytest.mark.parametrize("engine", ENGINES)
def test_without_the_parsers_problems_the_row_names_its_rule(tmp_path, engine):
    scheme, inputs = read_workbook(demo(tmp_path, RUBRIC, {"H2": "15分"}), engine=engine)
    _, problems = apply_rules_sheet(scheme, inputs.rules)
    assert [(p.code, p.where) for p in problems] == [("bad_rule_row", cell("A2"))]
    assert "CQ_EXPRESSION" in problems[0].zh and "CQ_EXPRESSION" in problems[0].en


def test_the_checked_range_is_the_one_that_scores(tmp_path):
    # a valid edit still applies: CQ_GREETING max 2 -> 3 needs a band for 3; the rule's max is then 3
    path = demo(tmp_path, RUBRIC, {"H3": 3, "K3": "3 很好\n2 好\n1 一般\n0 差"})
    scheme, inputs = read_workbook(path, engine="openpyxl")
    effective, problems = apply_rules_sheet(scheme, inputs.rules, inputs.problems)
    assert problems == [] and effective.rules["CQ_GREETING"].max == Decimal(3)
