"""Issue 12 item 6: every default that stands in for a missing input is reported (a validate
warning naming the employee and the input, and an explanation line), and inputs SCHEMES.md
marks required are required in every month.

Before: S14 WORK_POINTS missing was read as 0 with no word (R-GB-6/8: "no total recorded = 0"
is the ruling, but the clerk must be told); S4 with no earlier months started the occurrence
count at 0 silently; S7's department answer rate (R-DC-4, "required") was only asked for in a
month where some on-duty day had nobody unplaced... i.e. only when a step happened to read it.
"""

from __future__ import annotations

import json

from conftest import ROOT, run


def example(scheme_id: str, i: int = 0) -> dict:
    doc = json.loads((ROOT / "schemes" / f"{scheme_id}.json").read_text(encoding="utf-8"))
    return doc["examples"][i]


def run_example(scheme_id: str, ex: dict, **override):
    sheets = {k: ex.get(k) for k in ("employees", "events", "metrics", "ratings", "parameters", "history")}
    sheets.update(override)
    return run(scheme_id, ex["period"], **sheets)


def defaults(result, employee=None):
    return [p for p in result.problems if p.code == "default_used" and p.employee == employee]


# --------------------------------------------------------------------------- S14 WORK_POINTS


def test_s14_missing_work_points_is_reported_with_the_ruling():
    ex = example("gubang_group_rank")
    metrics = [m for m in ex["metrics"] if not (m["metric"] == "WORK_POINTS" and m.get("employee") == "M03")]
    r = run_example("gubang_group_rank", ex, metrics=metrics)
    warn = defaults(r, "M03")
    assert len(warn) == 1 and warn[0].severity == "warning"
    assert "WORK_POINTS" in warn[0].en and "M03" in warn[0].en and "default 0" in warn[0].en
    assert "R-GB-6" in warn[0].en and "R-GB-8" in warn[0].en
    assert "M03" in warn[0].zh and "WORK_POINTS" in warn[0].zh
    # the explanation says it too
    lines = [x for x in r.explanation("M03") if x["rule"] == "WORK_POINTS"]
    assert lines and "default 0" in lines[0]["text_en"]
    # members whose WORK_POINTS is on the sheet get no such warning
    assert not defaults(r, "M01")


def test_s14_worked_example_reports_no_member_default():
    r = run_example("gubang_group_rank", example("gubang_group_rank"))
    assert not [p for p in r.problems if p.code == "default_used" and p.employee]


def test_s14_missing_items_names_the_default_items_and_levels():
    # R-GB-1: without ITEMS the 7 default items count, levels 1,1,1,2,2,3,4; the warning said "the
    # default the scheme's default is used"
    ex = example("gubang_group_rank")
    params = {k: v for k, v in (ex.get("parameters") or {}).items() if k != "ITEMS"}
    r = run_example("gubang_group_rank", ex, parameters=params)
    (warn,) = [p for p in defaults(r) if "ITEMS" in p.en]
    assert "7 items, levels 1;1;1;2;2;3;4" in warn.en and "the default the" not in warn.en
    assert "7 项，级别 1;1;1;2;2;3;4" in warn.zh


# --------------------------------------------------------------------------- S4 occurrence count


EMP = [{"id": "K1", "name": "小李", "role": "客服"}]


def test_s4_no_earlier_month_on_record_says_the_count_starts_at_0():
    events = [{"date": "2024-03-04", "employee": "K1", "rule": "FINE_PLAN_ERROR"}]
    r = run("kefu_fines", "2024-03", employees=EMP, events=events)
    warn = defaults(r, "K1")
    assert len(warn) == 1 and "starts at 0" in warn[0].en and "R-KF-1" in warn[0].en
    assert any("starts at 0" in x["text_en"] for x in r.explanation("K1"))


def test_s4_history_or_january_needs_no_note():
    events = [{"date": "2024-03-04", "employee": "K1", "rule": "FINE_PLAN_ERROR"}]
    history = [{"employee": "K1", "period": "2024-02", "item": "FINE_PLAN_ERROR", "value": 0}]
    assert not defaults(run("kefu_fines", "2024-03", employees=EMP, events=events, history=history), "K1")
    jan = [{"date": "2024-01-04", "employee": "K1", "rule": "FINE_PLAN_ERROR"}]
    assert not defaults(run("kefu_fines", "2024-01", employees=EMP, events=jan), "K1")


# --------------------------------------------------------------------------- S7 answer rate


def test_s7_answer_rate_is_required_every_month():
    # R-DC-4 / S7 inputs: M_ANSWER_RATE "required". Without daily rows no step reads it, and the
    # month used to score "ok"; it is required regardless.
    ex = example("dingcan_points")
    metrics = [m for m in ex["metrics"] if m["metric"] != "M_ANSWER_RATE" and not m.get("date")]
    r = run_example("dingcan_points", ex, metrics=metrics)
    for emp in ("D1", "D2", "D3", "D4"):
        e = r.employee(emp)
        assert e.status == "error"
        assert any(p.code == "missing_metric" and "M_ANSWER_RATE" in p.en for p in e.problems)


def test_s7_worked_example_still_scores():
    r = run_example("dingcan_points", example("dingcan_points"))
    assert r.employee("D1").ok


# --------------------------------------------------------------------------- parameter defaults


def test_parameter_default_is_reported_once_and_explained_per_employee():
    # S3 CALLBACK_QUOTA_PER_DAY (R-BR-2) defaults to 200; the worked example leaves it out
    ex = example("branch_cs_scorecard")
    r = run_example("branch_cs_scorecard", ex)
    dept = [p for p in defaults(r) if "CALLBACK_QUOTA_PER_DAY" in p.en]
    assert len(dept) == 1 and "default 200" in dept[0].en and "R-BR-2" in dept[0].en
    assert dept[0].where == "参数 / Parameters"
    for emp in ("S01", "S02", "S03"):
        assert any(x["rule"] == "CALLBACK_QUOTA_PER_DAY" and "200" in x["text_en"] for x in r.explanation(emp))
        # the per-employee metric default (M_STAFF_ON_DUTY 1, R-BR-1) is a warning naming the employee
        assert any("M_STAFF_ON_DUTY" in p.en for p in defaults(r, emp))
