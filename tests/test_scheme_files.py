"""Scheme files: every one validates; a broken one is reported by JSON path with a fix, never as raw
jsonschema text."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import ROOT

from kpixl.core.errors import SchemeError
from kpixl.core.scheme import list_schemes, load_scheme, parse_scheme

BASE = json.loads((ROOT / "schemes" / "weikang_100.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("scheme_id", sorted(p.stem for p in (ROOT / "schemes").glob("*.json")))
def test_every_scheme_file_is_valid(scheme_id):
    scheme = load_scheme(scheme_id)
    assert scheme.id == scheme_id
    assert scheme_id in list_schemes()


def test_the_json_schema_is_a_valid_draft_2020_12_schema():
    from jsonschema import Draft202012Validator

    from kpixl.core.scheme import SCHEMA_PATH

    Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_every_step_kind_accepts_periods():
    # R-G-19: any step may be limited to month or quarter runs ("periods"), so a new step kind must allow it too
    from kpixl.core.scheme import SCHEMA_PATH

    defs = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]
    kinds = defs["step"]["properties"]["step"]["enum"]
    assert [k for k in kinds if "periods" not in defs[f"step_{k}"]["properties"]] == []


def broken(mutate) -> SchemeError:
    doc = copy.deepcopy(BASE)
    mutate(doc)
    with pytest.raises(SchemeError) as exc:
        parse_scheme(doc, "schemes/x.json")
    return exc.value


def test_wrong_type_names_the_json_path():
    err = broken(lambda d: d["rules"][3].__setitem__("points", "five"))
    p = err.problems[0]
    assert p.where == "schemes/x.json $.rules[3].points"
    assert "five" in p.en and p.fix_en and p.zh
    assert "is not valid under any of the given schemas" not in p.en  # no raw jsonschema text


def test_unknown_property_and_missing_property():
    err = broken(lambda d: d["rules"][0].__setitem__("pionts", -5))
    assert err.problems[0].where == "schemes/x.json $.rules[0]" and "pionts" in err.problems[0].en
    err = broken(lambda d: d.pop("outputs"))
    assert err.problems[0].code == "scheme_required" and "outputs" in err.problems[0].en


def test_bad_kind_lists_the_allowed_ones():
    err = broken(lambda d: d["rules"][0].__setitem__("kind", "penalty"))
    p = err.problems[0]
    assert p.where == "schemes/x.json $.rules[0].kind" and '"deduct"' in p.fix_en


def test_semantic_checks():
    err = broken(lambda d: d["rules"][0].__setitem__("points", 5))  # a deduction with positive points
    assert err.problems[0].code == "rule_sign" and err.problems[0].where == "schemes/x.json $.rules[0]"
    err = broken(lambda d: d["rules"][0].__setitem__("category", "NOPE"))
    assert err.problems[0].code == "rule_category"
    err = broken(lambda d: d["rules"].append(copy.deepcopy(d["rules"][0])))
    assert err.problems[0].code == "rule_duplicate"


def test_choices_belong_to_a_text_and_each_spelling_to_one_choice():
    metric = {"code": "M_X", "zh": "某指标", "en": "Some metric", "type": "number", "choices": {"a": []}}
    err = broken(lambda d: d.setdefault("metrics", []).append(metric))
    assert err.problems[0].code == "choices_not_text" and err.problems[0].where.endswith(".choices")
    text = {**metric, "type": "text", "choices": {"month": ["月"], "quarter": [" 月 "]}}
    err = broken(lambda d: d.setdefault("metrics", []).append(text))
    assert err.problems[0].code == "choices_ambiguous" and "month" in err.problems[0].en


def test_bad_expression_is_located():
    err = broken(lambda d: d["steps"][1].__setitem__("when", "count('ATT_*') == 0 and import os"))
    p = err.problems[0]
    assert p.code == "expression" and p.where == "schemes/x.json $.steps[1].when"
    err = broken(lambda d: d["steps"][1].__setitem__("when", "__import__('os')"))
    assert err.problems[0].code == "expression"


def test_output_must_be_computed():
    err = broken(lambda d: d["outputs"].append({"value": "nothing", "zh": "无", "en": "none"}))
    assert err.problems[0].code == "output_unknown" and err.problems[0].where == "schemes/x.json $.outputs[9].value"


def test_unknown_scheme_id_lists_known_ones():
    with pytest.raises(SchemeError) as exc:
        load_scheme("no_such_scheme")
    assert "weikang_100" in exc.value.problems[0].fix_en
