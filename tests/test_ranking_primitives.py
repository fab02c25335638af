"""The ranking, escalation, award, ledger and grade primitives on their own: the pure ranking helpers
(R-G-2), and the located scheme errors each step raises for bad configuration."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from kpixl.core.errors import SchemeError
from kpixl.core.ranking import combine_max_plus_one, competition_ranks, last_place, points_for_ranks
from kpixl.core.scheme import parse_scheme


@pytest.mark.parametrize("values,ranks,points", [
    ([95, 90, 90, 88], [1, 2, 2, 4], [500, 300, 300, 0]),  # R-G-2's own example
    ([5, 5, 5], [1, 1, 1], [500, 500, 500]),
    ([3, 2, 1, 1], [1, 2, 3, 3], [500, 300, 200, 200]),
])
def test_competition_ranking_and_table(values, ranks, points):
    frame = pd.DataFrame({"g": 0, "v": np.array(values, dtype="float64")})
    got = competition_ranks(frame, ["g"], "v", np.ones(len(values), dtype=bool))
    assert got.tolist() == ranks
    assert points_for_ranks(got, [500, 300, 200]).tolist() == points


def test_gate_candidates_and_last_place():
    frame = pd.DataFrame({"g": 0, "v": [10.0, 8.0, 8.0, 20.0]})
    cand = np.array([True, True, True, False])  # the 20 is gated out before ranking (R-G-2)
    assert competition_ranks(frame, ["g"], "v", cand)[:3].tolist() == [1, 2, 2]
    assert last_place(frame, ["g"], "v", cand).tolist() == [False, True, True, False]


def test_formula_points_and_max_plus_one():
    ranks = np.array([1.0, 8.0, 9.0, np.nan])
    assert points_for_ranks(ranks, formula=lambda r: 2 * max(0, 9 - r)).tolist() == [16, 2, 0, 0]  # R-GB-2
    pts = np.array([[3, 3], [2, 3], [2, 0], [0, 0]])
    assert combine_max_plus_one(pts, 1).tolist() == [4, 4, 2, 0]  # R-DC-1


def _doc(scheme_id):
    return json.loads((ROOT / "schemes" / f"{scheme_id}.json").read_text(encoding="utf-8"))


def _broken(scheme_id, edit):
    doc = copy.deepcopy(_doc(scheme_id))
    edit(doc)
    with pytest.raises(SchemeError) as info:
        parse_scheme(doc, f"schemes/{scheme_id}.json")
    return info.value.problems


def _step(doc, kind, n=0):
    return [s for s in doc["steps"] if s["step"] == kind][n]


@pytest.mark.parametrize("scheme_id,edit,where,code", [
    ("dingcan_points", lambda d: _step(d, "rank")["rankings"][0]["value"].update(metric="NO_SUCH"),
     "$.steps[2].rankings[0].value", "step_invalid"),
    ("dingcan_points", lambda d: _step(d, "rank").update(bucket="day", participants="all"), "$.steps[2].bucket",
     "step_invalid"),
    ("dingcan_points", lambda d: _step(d, "rank").pop("rule"), "$.steps[2]", "step_invalid"),
    ("dingcan_points", lambda d: _step(d, "rank").update(bucket="fortnight"), "$.steps[2].bucket", "scheme_enum"),
    ("dingcan_points", lambda d: _step(d, "level")["levels"].reverse(), "$.steps[8].levels", "step_invalid"),
    ("dingcan_points", lambda d: _step(d, "exchange").update(rate="prior(M_ANSWER_RATE, 1)"), "$.steps[7].rate",
     "expression"),
    ("kefu_fines", lambda d: _step(d, "escalation")["ladders"].append(_step(d, "escalation")["ladders"][0]),
     "$.steps[0].ladders[16]", "step_invalid"),
    ("kefu_fines", lambda d: _step(d, "escalation")["ladders"][0].update(rule="FINE_NOPE"), "$.steps[0].ladders[0].rule",
     "step_invalid"),
    ("cs_reward_pct", lambda d: _step(d, "award").update(rule="WEEKLY_STAR"), "$.steps[1].rule", "step_invalid"),
    ("gubang_group_rank", lambda d: _step(d, "decision_table")["rows"].pop(), "$.steps[2]", "step_invalid"),
    ("gubang_group_rank", lambda d: _step(d, "item_points").update(items="NOPE"), "$.steps[0].items", "step_invalid"),
    ("canyin_center_points", lambda d: _step(d, "classify")["classes"].update(A="C_SIGN_Z"), "$.steps[1]",
     "step_invalid"),
])
def test_bad_step_configuration_is_located(scheme_id, edit, where, code):
    problems = _broken(scheme_id, edit)
    assert any(p.code == code and where in p.where for p in problems), [(p.code, p.where) for p in problems]
    assert all(p.zh and p.en for p in problems)


@pytest.mark.parametrize("scheme_id", ["dingcan_points", "canyin_center_points", "gubang_group_rank", "kefu_fines"])
def test_row_order_never_changes_a_result(scheme_id):
    """Shuffling the Metrics, Events and History rows gives the same values and money (style: property tests)."""
    import random

    from conftest import run

    ex = _doc(scheme_id)["examples"][0]
    sheets = {k: ex.get(k) for k in ("employees", "events", "metrics", "history")}
    base = run(scheme_id, ex["period"], parameters=ex.get("parameters"), **sheets)
    rng = random.Random(4)
    for _ in range(3):
        shuffled = {k: (rng.sample(v, len(v)) if v and k != "employees" else v) for k, v in sheets.items()}
        other = run(scheme_id, ex["period"], parameters=ex.get("parameters"), **shuffled)
        for e in base.employees:
            assert other.employee(e.id).values == e.values, e.id
