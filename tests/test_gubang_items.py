"""S14 gubang_group_rank: the month's item list (ITEMS) and the group ranks it reads.

SCHEMES.md S14, Inputs: each item's level is 1-4, so a level 0, 5 or 4.5 is an error at the
ITEMS cell naming the entry (it gave totals such as 112 or 97 before). R-GB-1: a month with
fewer items is valid, but Metrics rows ranking an item the list leaves out are doubtful (the
clerk forgot the item, or forgot to delete its rows): an error at the first such row, and no
group total, rank or grade is given, since every group's grade depends on every group's
total. An unusable ITEMS reports only its own cell, with no follow-on about group values.

The workbook is the scheme's demo with the worked example's ranks (服务一组..服务八组 = G1..G8).
Expected totals are computed by hand with points = level x (9 - rank) (rule 2, R-GB-2).
"""

from __future__ import annotations

import json

import pytest
from conftest import cli, run
from openpyxl import load_workbook
from reader_fixtures import edit

ENGINES = ["fastexcel", "openpyxl"]
GROUPS = ["服务一组", "服务二组", "服务三组", "服务四组", "服务五组", "服务六组", "服务七组", "服务八组"]
RANKS = {  # SCHEMES.md S14 worked example, ranks on items 1-7
    "服务一组": [1, 2, 1, 1, 2, 1, 2], "服务二组": [2, 1, 3, 2, 1, 2, 1], "服务三组": [3, 3, 2, 4, 3, 3, 3],
    "服务四组": [4, 5, 4, 3, 4, 5, 4], "服务五组": [5, 4, 6, 5, 6, 4, 5], "服务六组": [6, 6, 5, 7, 5, 6, 7],
    "服务七组": [7, 8, 7, 6, 8, 7, 6], "服务八组": [8, 7, 8, 8, 7, 8, 8]}


@pytest.fixture
def book(tmp_path):
    """The demo workbook with the worked example's ranks; ``book(items)`` also sets ITEMS."""
    path = tmp_path / "gubang.xlsx"
    assert cli("new", "gubang_group_rank", "--demo", "-o", path)[0] == 0
    ws = load_workbook(path)["指标"]
    cells = {f"D{r}": RANKS[ws[f"B{r}"].value][int(ws[f"C{r}"].value[8:]) - 1]
             for r in range(2, ws.max_row + 1) if str(ws[f"C{r}"].value).startswith("GB_ITEM_")}
    edit(path, "指标", cells)

    def _make(items: str | None = None):
        if items is not None:
            edit(path, "参数", {items_cell(path): items})
        return path
    return _make


def items_cell(path) -> str:
    ws = load_workbook(path)["参数"]
    return next(f"C{r}" for r in range(2, ws.max_row + 1) if ws[f"A{r}"].value == "ITEMS")


def scored(path, engine):
    code, out, err = cli("score", path, "--json", "--no-explain", "--engine", engine)
    assert "Traceback" not in out + err
    return code, {e["employee_id"]: e for e in json.loads(out)}


def by_group(people, name):
    return {e["team"]: e["outputs"][name] for e in people.values()}


def only_error(people):
    """The one error every employee is withheld by (the same for all)."""
    assert {e["status"] for e in people.values()} == {"error"}
    assert all(e["outputs"]["group.total"] is None and e["outputs"]["group.grade"] is None for e in people.values())
    (one,) = {json.dumps(e["errors"], sort_keys=True) for e in people.values()}
    (error,) = json.loads(one)  # exactly one: no follow-on about group values or ranks
    return error


@pytest.mark.parametrize("engine", ENGINES)
def test_worked_example_default_items(book, engine):
    # Worked example: G1 105 (rank 1, A), G2 104 (rank 2 but >= 92: A), ... G7 31 (D), G8 17 (D).
    code, people = scored(book("1;1;1;2;2;3;4"), engine)
    assert code == 0
    assert by_group(people, "group.total") == dict(zip(GROUPS, [105, 104, 83, 68, 57, 39, 31, 17], strict=True))
    assert by_group(people, "group.grade") == dict(zip(GROUPS, "AACCCCDD", strict=True))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("items,entry", [
    ("1;1;1;2;2;3;5", "GB_ITEM_7 = 5"),    # was accepted: G1 112, G2 112
    ("0;1;1;2;2;3;4", "GB_ITEM_1 = 0"),    # was accepted: G1 97, G2 97
    ("1;1;1;2;2;3;4.5", "GB_ITEM_7 = 4.5"),  # a level is a whole number
])
def test_a_level_outside_1_to_4_is_an_error_at_the_items_cell(book, engine, items, entry):
    path = book(items)
    code, people = scored(path, engine)
    assert code == 1
    error = only_error(people)
    cell = items_cell(path)
    assert (error["code"], error["where"]) == ("bad_item_level", f"参数!{cell} / Parameters!{cell}")
    assert entry in error["message_en"] and entry in error["message_zh"]
    assert "1..4" in error["message_en"] and "1–4" in error["message_zh"]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_item_listed_twice_is_an_error_at_the_items_cell(book, engine):
    # GB_ITEM_1 twice would count its rank points twice.
    code, people = scored(book("GB_ITEM_1:1; GB_ITEM_1:2"), engine)
    error = only_error(people)
    assert code == 1 and error["code"] == "duplicate_item" and "GB_ITEM_1" in error["message_en"]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_unreadable_item_list_reports_only_its_cell(book, engine):
    path = book("1;1;1;x;2;3;4")
    code, people = scored(path, engine)
    error = only_error(people)
    cell = items_cell(path)
    assert code == 1 and (error["code"], error["where"]) == ("bad_items", f"参数!{cell} / Parameters!{cell}")
    code, out, _ = cli("validate", path, "--json", "--engine", engine)
    assert code == 1 and [p["code"] for p in json.loads(out)] == ["bad_items"]


@pytest.mark.parametrize("engine", ENGINES)
def test_rank_rows_of_an_item_not_listed_withhold_every_group(book, engine):
    # R-GB-1: six items are valid, but every group still has a GB_ITEM_7 rank row (8 rows; the
    # first on 指标!C8). Ignoring them gave G1 77 and G2 72 (G2 graded B instead of A).
    path = book("1;1;1;2;2;3")
    code, people = scored(path, engine)
    assert code == 1
    error = only_error(people)
    assert (error["code"], error["where"]) == ("item_not_listed", "指标!C8 / Metrics!C8")
    assert "8 Metrics rows rank groups on item GB_ITEM_7" in error["message_en"]
    assert "服务一组" in error["message_en"] and "服务八组" in error["message_zh"]
    assert "delete those rows" in error["fix_en"] and f"参数!{items_cell(path)}" in error["fix_zh"]


@pytest.mark.parametrize("engine", ENGINES)
def test_six_items_without_item_seven_rows(book, engine):
    # R-GB-1, levels 1,1,1,2,2,3, ranks on items 1-6 only: G1 8+7+8+16+14+24 = 77 (rank 1, A);
    # G2 7+8+6+14+16+21 = 72 (rank 2 and < 92, B); G3 59, G4 48, G5 41 (C); G6 31, G7 19, G8 13 (< 35, D).
    path = book("1;1;1;2;2;3")
    wb = load_workbook(path)
    ws = wb["指标"]
    for r in reversed([r for r in range(2, ws.max_row + 1) if ws[f"C{r}"].value == "GB_ITEM_7"]):
        ws.delete_rows(r)
    wb.save(path)
    code, people = scored(path, engine)
    assert code == 0
    assert by_group(people, "group.total") == dict(zip(GROUPS, [77, 72, 59, 48, 41, 31, 19, 13], strict=True))
    assert by_group(people, "group.grade") == dict(zip(GROUPS, "ABCCCDDD", strict=True))


def test_a_missing_rank_gives_no_parameter_problem():
    # R-G-9: G2 has no rank on item 2, so no rank is known; that is reported, not a "parameter group.rank".
    metrics = [{"team": "G1", "metric": "GB_ITEM_1", "value": 1}, {"team": "G1", "metric": "GB_ITEM_2", "value": 1},
               {"team": "G2", "metric": "GB_ITEM_1", "value": 2}, {"employee": "a", "metric": "WORK_POINTS", "value": 1},
               {"employee": "b", "metric": "WORK_POINTS", "value": 1}]
    employees = [{"id": "a", "name": "a", "role": "组员", "team": "G1"}, {"id": "b", "name": "b", "role": "组员", "team": "G2"}]
    result = run("gubang_group_rank", "2024-05", employees=employees, metrics=metrics, parameters={"ITEMS": "1;1"})
    assert [p.code for p in result.employee("a").problems] == ["group_value_missing"]
    assert [p.code for p in result.employee("b").problems] == ["missing_metric"]


@pytest.mark.parametrize("engine", ENGINES)
def test_typed_ranks_one_one_two_are_refused_at_the_cell(book, engine):
    # R-G-2 / R-GB-2: on item 1 the clerk ties 服务一组 and 服务二组 at 1st and types 2 for 服务三组
    # (ranks 1, 1, 2, 4, 5, 6, 7, 8). The tie displaces rank 2, so 服务三组 is 3rd (2 groups ahead of it).
    # Before, 服务三组 got 7 instead of 6 on item 1 (total 84, not 83) silently. Now: an error at its cell,
    # every group withheld (each grade depends on every group's total).
    path = book("1;1;1;2;2;3;4")
    ws = load_workbook(path)["指标"]
    rows = {(ws[f"B{r}"].value, ws[f"C{r}"].value): r for r in range(2, ws.max_row + 1)}
    two, three = rows[("服务二组", "GB_ITEM_1")], rows[("服务三组", "GB_ITEM_1")]
    edit(path, "指标", {f"D{two}": 1, f"D{three}": 2})
    code, people = scored(path, engine)
    assert code == 1
    error = only_error(people)
    assert (error["code"], error["where"]) == ("bad_item_rank", f"指标!D{three} / Metrics!D{three}")
    assert "so it is rank 3" in error["message_en"] and "第3名" in error["message_zh"]
    code, out, _ = cli("validate", path, "--json", "--engine", engine)
    assert code == 1 and [p["code"] for p in json.loads(out)] == ["bad_item_rank"]


def grade_cell(path, employee: str) -> str:
    ws = load_workbook(path)["指标"]
    return next(f"D{r}" for r in range(2, ws.max_row + 1)
                if ws[f"A{r}"].value == employee and ws[f"C{r}"].value == "GB_MEMBER_GRADE")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("typed", ["B级", "b级", "Ｂ级", " B 级 ", "Ｂ", "b"])
def test_a_letter_grade_with_ji_is_that_grade(book, engine, typed):
    # GB02 is in 服务一组: total 105, rank 1 -> A (worked example, R-GB-3); window A -> {A, B, C} (R-GB-4).
    # The leader's B级 (or b级, full-width Ｂ, spaces) is grade B (R-GB-10: the seed's letters are A-E);
    # it was refused as "grade B级 not allowed ...; allowed: A, B, C". Both engines read it alike.
    path = book("1;1;1;2;2;3;4")
    edit(path, "指标", {grade_cell(path, "GB02"): typed})
    code, people = scored(path, engine)
    assert code == 0 and people["GB02"]["status"] == "ok"
    assert people["GB02"]["outputs"]["grade"] == "B"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("typed", ["B等", "X", "乙"])
def test_an_unknown_grade_is_refused_with_the_accepted_forms(book, engine, typed):
    # Not one of A-E in any spelling: an error at its cell on GB02 alone (its grade is not known), as typed
    # (X was shown as FALSE), and the fix lists the accepted forms.
    path = book("1;1;1;2;2;3;4")
    cell = grade_cell(path, "GB02")
    edit(path, "指标", {cell: typed})
    code, people = scored(path, engine)
    assert code == 1 and people["GB02"]["status"] == "error"
    assert people["GB01"]["status"] == "ok" and people["GB01"]["outputs"]["grade"] == "A"
    (error,) = people["GB02"]["errors"]
    assert (error["code"], error["where"]) == ("not_a_choice", f"指标!{cell} / Metrics!{cell}")
    assert f"'{typed}' is not one of A, B, C, D, E" in error["message_en"] and f"“{typed}”" in error["message_zh"]
    assert "B (or B级)" in error["fix_en"] and "B（也可写 B级）" in error["fix_zh"]
