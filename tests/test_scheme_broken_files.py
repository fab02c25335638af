"""Broken scheme files (the QA attack, findings F7-F9) are refused when the scheme is loaded, with a
located bilingual problem and a fix: never an internal error, never scored with a wrong number.

Each case writes one broken copy of a shipped scheme and asserts the problem code and where it
is reported (the JSON path, or line and column where the file cannot be read as JSON)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from conftest import ROOT, cli

from kpixl.core.engine import score
from kpixl.core.errors import SchemeError
from kpixl.core.scheme import load_scheme, parse_scheme
from kpixl.workbook.read import inputs_from_records

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"


def shipped(scheme_id: str) -> dict:
    return json.loads((ROOT / "schemes" / f"{scheme_id}.json").read_text(encoding="utf-8"))


WK = shipped("weikang_100")
WK_TEXT = json.dumps(WK, ensure_ascii=False)


def refused(tmp_path, content, name: str = "broken.json") -> list:
    """The problems of a scheme file with ``content`` (a document, text or bytes)."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    problems = caught.value.problems
    assert all(p.zh and p.en and p.fix_zh and p.fix_en for p in problems)  # bilingual, with a fix
    return problems


def where(problems, code: str) -> list[str]:
    return [p.where.split(" ", 1)[1] for p in problems if p.code == code]


def edited(doc: dict, change) -> dict:
    doc = copy.deepcopy(doc)
    change(doc)
    return doc


# ----------------------------------------------------------------------------- F7: unreadable files


def test_invalid_utf8_is_located(tmp_path):
    raw = WK_TEXT.encode("utf-8").replace("维康".encode(), b"\xff\xfe\xfa", 1)
    (pr,) = refused(tmp_path, raw)
    at = raw.index(b"\xff")
    assert pr.code == "scheme_encoding" and pr.where.endswith(f"line 1 column {at + 1}")


@pytest.mark.parametrize("depth", [100_000, 3_000, 41])
def test_deep_nesting_is_refused(tmp_path, depth):
    text = WK_TEXT[:-1] + ', "examples": ' + "[" * depth + "]" * depth + "}"
    problems = refused(tmp_path, text)
    assert [p.code for p in problems][:1] == ["scheme_nesting"]


@pytest.mark.parametrize("literal", ["NaN", "-Infinity", "Infinity"])
def test_nan_and_infinity_points_are_not_numbers(tmp_path, literal):
    problems = refused(tmp_path, WK_TEXT.replace('"points": -5,', f'"points": {literal},', 1))
    assert where(problems, "scheme_not_a_number") == ["$.rules[0].points"]
    assert literal in problems[0].en


def test_nan_cap_is_not_a_number(tmp_path):
    problems = refused(tmp_path, WK_TEXT.replace('"cap": 15', '"cap": NaN', 1))
    assert where(problems, "scheme_not_a_number") == ["$.categories[0].cap"]


@pytest.mark.parametrize("terms", [20_000, 150])
def test_very_long_expression_is_refused(tmp_path, terms):
    doc = edited(WK, lambda d: d["steps"][1].__setitem__("when", "1" + "+1" * terms + " > 0"))
    problems = refused(tmp_path, doc)
    assert where(problems, "expression_too_deep") == ["$.steps[1].when"]


def test_flat_long_condition_is_still_accepted(tmp_path):
    # many terms joined by `and` nest one level: not refused
    cond = " and ".join(["LEAVE_DAYS == 0"] * 300)
    path = tmp_path / "flat.json"
    path.write_text(json.dumps(edited(WK, lambda d: d["steps"][1].__setitem__("when", cond)), ensure_ascii=False), encoding="utf-8")
    assert load_scheme(path).id == "weikang_100"


@pytest.mark.parametrize("extra", [lambda d: dict(d["outputs"][1]), lambda d: dict(d["outputs"][0])])
def test_an_output_listed_twice_is_refused(tmp_path, extra):
    doc = edited(WK, lambda d: d["outputs"].append(extra(d)))
    problems = refused(tmp_path, doc)
    assert where(problems, "output_duplicate") == [f"$.outputs[{len(doc['outputs']) - 1}].value"]


def test_two_main_outputs_are_refused(tmp_path):
    doc = edited(WK, lambda d: d["outputs"][1].__setitem__("main", True))
    assert where(refused(tmp_path, doc), "output_main_twice") == ["$.outputs[1].main"]


def test_duplicate_output_cannot_reach_the_report(tmp_path):
    # it crashed `kpixl report -o` (AttributeError in report.py); now the scheme is refused first
    doc = edited(WK, lambda d: d["outputs"].append(dict(d["outputs"][1])))
    path = tmp_path / "out_twice.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, err = cli("report", DEMO, "--scheme", path, "-o", tmp_path / "r.xlsx")
    assert code == 2 and "$.outputs[9].value" in err + out
    assert "internal error" not in err + out and "Traceback" not in err + out
    assert not (tmp_path / "r.xlsx").exists()


# ----------------------------------------------------------------------------- F8: wrong numbers


@pytest.mark.parametrize("cap", [-5, "-0.5", "0.00001", "10000000000"])
def test_invalid_category_cap_is_refused(tmp_path, cap):
    doc = edited(WK, lambda d: d["categories"][0].__setitem__("cap", cap))
    assert where(refused(tmp_path, doc), "category_cap") == ["$.categories[0].cap"]


def test_category_code_twice_is_refused(tmp_path):
    doc = edited(WK, lambda d: d["categories"].append({**d["categories"][0], "cap": 99}))
    assert where(refused(tmp_path, doc), "category_duplicate") == [f"$.categories[{len(doc['categories']) - 1}].code"]


@pytest.mark.parametrize("kind", ["events", "categories"])
def test_a_step_that_may_run_once_listed_twice_is_refused(tmp_path, kind):
    at = next(i for i, s in enumerate(WK["steps"]) if s["step"] == kind)
    doc = edited(WK, lambda d: d["steps"].insert(at + 1, {"step": kind}))
    assert where(refused(tmp_path, doc), "step_twice") == [f"$.steps[{at + 1}].step"]


def test_a_value_published_twice_is_refused(tmp_path):
    doc = edited(WK, lambda d: d["steps"][5].__setitem__("output", "ATT.points"))
    assert where(refused(tmp_path, doc), "value_twice") == ["$.steps[5]"]


def test_count_pattern_matching_no_rule_is_refused(tmp_path):
    doc = edited(WK, lambda d: d["steps"][1].__setitem__("when", "count('ATX_*') == 0 and LEAVE_DAYS == 0"))
    problems = refused(tmp_path, doc)
    assert where(problems, "expression_no_rule") == ["$.steps[1].when"] and "'ATX_*'" in problems[0].en


@pytest.mark.parametrize("when", ["count('ATT_*') == 0 and LEAVE_DAYZ == 0", "has(LEAVE_DAYZ)", "ATT.pointz < 0"])
def test_unknown_name_in_an_expression_is_refused_at_load(tmp_path, when):
    # short-circuit evaluation scored some employees before the unknown name was reached
    doc = edited(WK, lambda d: d["steps"][1].__setitem__("when", when))
    problems = refused(tmp_path, doc)
    assert where(problems, "expression_unknown_name") == ["$.steps[1].when"]


def test_step_local_names_are_known_only_where_the_step_binds_them(tmp_path):
    doc = shipped("gubang_group_rank")
    assert load_scheme(ROOT / "schemes" / "gubang_group_rank.json").id == "gubang_group_rank"
    # `rank` and `level` are the only names of a points formula; elsewhere `rank` is unknown
    doc["steps"][0]["points"] = "level * max(0, 9 - rank) + LEAVE_DAYS"
    assert where(refused(tmp_path, doc), "expression_unknown_name") == ["$.steps[0].points"]


def test_duplicate_json_key_is_refused(tmp_path):
    problems = refused(tmp_path, WK_TEXT.replace('"points": -5,', '"points": 5, "points": -5,', 1))
    assert where(problems, "scheme_key_twice") == ["$.rules[0].points"]


def test_id_must_match_the_file_name_in_a_schemes_folder(tmp_path, monkeypatch):
    folder = tmp_path / "schemes"
    folder.mkdir()
    monkeypatch.setenv("KPIXL_SCHEMES", str(folder))
    doc = edited(WK, lambda d: d.__setitem__("id", "something_else"))
    (folder / "my_copy.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme("my_copy")
    assert [p.code for p in caught.value.problems] == ["scheme_id_file"]
    assert caught.value.problems[0].where.endswith("$.id")
    # the operator's own --scheme file outside a schemes folder may have any name (tests/test_files_paths.py)
    (tmp_path / "mine.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert load_scheme(tmp_path / "mine.json").id == "something_else"


S2 = shipped("callcenter_manager_kpi")


@pytest.mark.parametrize("change,code_at", [
    (lambda items: items[0].__setitem__("weight", 25), ".items"),  # 105 of 100
    (lambda items: items[0].__setitem__("weight", -20), ".items[0].weight"),
    (lambda items: items.append(dict(items[0])), ".items[10].code"),  # counted twice
])
def test_s2_attainment_weights_and_items(tmp_path, change, code_at):
    doc = edited(S2, lambda d: change(d["steps"][1]["items"]))
    problems = refused(tmp_path, doc)
    assert f"$.steps[1]{code_at}" in where(problems, "step_invalid")


# ----------------------------------------------------------------------------- F9: band table ends


S11 = shipped("kefu_rules_95")
BI = next(i for i, s in enumerate(S11["steps"]) if s["step"] == "bands")


def test_band_table_without_its_top_band_is_refused(tmp_path):
    # Q_CSAT bands only "(, 90)": 95 % is above the whole table, not in a gap between two bands (R-G-1)
    doc = edited(S11, lambda d: d["steps"][BI].__setitem__("bands", [d["steps"][BI]["bands"][1]]))
    problems = refused(tmp_path, doc)
    assert f"$.steps[{BI}].bands" in where(problems, "step_invalid")
    assert "CSAT_RATE" in problems[0].en and "[0, 100]" in problems[0].en


def test_band_table_with_a_gap_still_takes_the_favourable_band(tmp_path):
    doc = edited(S11, lambda d: d["steps"][BI].__setitem__("bands", [{"range": "[95, )", "points": 10},
                                                                     {"range": "(, 90)", "points": 0}]))
    assert parse_scheme(doc, "gap.json").id == "kefu_rules_95"


TOY = {
    "id": "toy", "version": 1, "title": {"zh": "测试", "en": "Toy"}, "period": "month", "unit": "employee",
    "metrics": [{"code": "X", "zh": "X", "en": "X", "type": "number"}],
    "rules": [{"code": "R_A", "zh": "甲", "en": "A", "kind": "derived"}],
    "steps": [{"step": "bands", "output": "B", "value": "X * 2",
               "bands": [{"range": "[0, 10)", "points": 1}, {"range": "[10, 20]", "points": 5}]}],
    "outputs": [{"value": "B", "zh": "B", "en": "B", "main": True}],
}


@pytest.mark.parametrize("x,expected", [("3", Decimal(1)), ("10", Decimal(5)), ("11", None), ("-1", None)])
def test_a_value_beyond_the_band_table_is_a_located_error(x, expected):
    scheme = parse_scheme(copy.deepcopy(TOY), "toy.json")
    _, inputs = inputs_from_records(scheme, "2026-10", employees=[{"id": "E1", "name": "甲"}],
                                    metrics=[{"employee": "E1", "metric": "X", "value": x}], parameters={}, ratings=[])
    result = score(scheme, inputs)
    emp = result.employee("E1")
    if expected is not None:
        assert emp.values["B"] == expected
        return
    assert "B" not in emp.values
    assert [p.code for p in result.problems if p.employee == "E1"] == ["band_outside"]


# ----------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("content", [
    WK_TEXT.encode("utf-8").replace("维康".encode(), b"\xff", 1),
    WK_TEXT[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    WK_TEXT.replace('"points": -5,', '"points": NaN,', 1),
    WK_TEXT.replace('"cap": 15', '"cap": "0.00001"', 1),
])
def test_cli_reports_a_broken_scheme_without_a_traceback(tmp_path, content):
    path = tmp_path / "broken.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    code, out, err = cli("score", DEMO, "--scheme", path)
    assert code == 2
    assert "internal error" not in out + err and "Traceback" not in out + err
    assert "broken.json" in out + err
