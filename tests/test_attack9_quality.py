"""Attack round 9 (S9, S11, S13 and every scheme): a parameter that cannot be read, figures entered
against 0 monitored calls, a Metrics row of a later month, and the messages around them.

Expected values are worked out by hand from SCHEMES.md (R-G-9, R-G-19, R-QA-2, R-QA-4, R-QA-6,
R-KR-5); every test here fails on the code before this round.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import cli, run
from openpyxl import load_workbook

from kpixl.core.engine import score as score_inputs
from kpixl.workbook.read import read_workbook

S13 = "qa_accuracy"
AGENTS = [{"id": "Q1", "name": "郑", "role": "座席客服代表"}, {"id": "Q2", "name": "王", "role": "座席客服代表"}]
# Q1: N = 15, E = 12. Had K been 10: NFA = 1 - 12/150 = 92.00% (S13 E1); with the default K = 1 it is 20.00%
SAMPLE = [{"employee": e, "metric": m, "value": v}
          for e in ("Q1", "Q2") for m, v in (("QA_CALL", 15), ("QA_FATAL", 0), ("QA_NONFATAL", 12))]


def _set_parameter(path, code, value):
    """Type ``value`` (an error value like ``#N/A``, or a formula saved without its value) in the
    parameter's Value cell; the cell's address, e.g. ``C4``."""
    wb = load_workbook(path)
    ws = wb["参数"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == code)
    ws.cell(row, 3).value = value  # (openpyxl stores "#N/A" as an error cell, "=..." as a formula)
    wb.save(path)
    return f"C{row}"


def _scored(path):
    scheme, inputs = read_workbook(path)
    return score_inputs(scheme, inputs)


# ------------------------------------------------------------------ F1: an unreadable parameter


@pytest.mark.parametrize("value", ["#N/A", "#DIV/0!", "=VLOOKUP(\"K\",Z1:Z2,2,0)"])
def test_an_unreadable_parameter_withholds_everyone_with_one_error_at_its_cell(tmp_book, value):
    # R-G-9: K cannot be read, so no NFA can be known (92.00% if 10 was meant, not the default's 20.00%);
    # a parameter concerns everyone: every agent withheld, one error at the cell, no "missing, default used"
    path = tmp_book(S13, "2026-11", name="qa_2026-11.xlsx", employees=AGENTS, metrics=SAMPLE)
    cell = _set_parameter(path, "NF_OPPORTUNITIES_PER_CALL", value)
    r = _scored(path)
    where = f"参数!{cell} / Parameters!{cell}"
    assert [(p.where, p.severity) for p in r.problems] == [(where, "error")]
    (pr,) = r.problems
    assert "NF_OPPORTUNITIES_PER_CALL" in pr.zh and "NF_OPPORTUNITIES_PER_CALL" in pr.en and pr.fix_zh and pr.fix_en
    assert "is missing" not in pr.en and "no default is used" in pr.en
    assert "default_used" not in {p.code for p in r.problems}
    for emp in ("Q1", "Q2"):
        e = r.employee(emp)
        assert e.status == "error" and [p.where for p in e.problems] == [where]
        assert e.values.get("NONFATAL_ACC") is None


def test_an_unreadable_parameter_in_score_json(tmp_book):
    path = tmp_book(S13, "2026-11", name="qa_2026-11.xlsx", employees=AGENTS, metrics=SAMPLE)
    cell = _set_parameter(path, "NF_OPPORTUNITIES_PER_CALL", "#N/A")
    code, out, err = cli("score", path, "--json")
    assert code == 1
    records = {r["employee_id"]: r for r in json.loads(out)}
    for emp in ("Q1", "Q2"):
        assert records[emp]["status"] == "error"
        assert [e["where"] for e in records[emp]["errors"]] == [f"参数!{cell} / Parameters!{cell}"]
    assert "按默认值 1 计算" not in err and "the default 1 is used" not in err  # no "missing, default used"


def test_an_unreadable_criteria_list_withholds_the_s9_agent(tmp_book):
    # S9 R-CQ-7: CRITERIA #N/A is not "every criterion in force": the call % cannot be known
    events = [{"date": "2026-11-10", "employee": "R1", "rule": c, "value": v, "call_id": "1"}
              for c, v in (("CQ_EXPRESSION", 15), ("CQ_GREETING", 2), ("CQ_CLOSING", 2), ("CQ_HANGUP", 2))]
    path = tmp_book("call_quality_rubric", "2026-11", name="cq_2026-11.xlsx",
                    employees=[{"id": "R1", "name": "甲", "role": "客服"}], events=events)
    cell = _set_parameter(path, "CRITERIA", "#N/A")
    e = _scored(path).employee("R1")
    assert e.status == "error" and [p.where for p in e.problems] == [f"参数!{cell} / Parameters!{cell}"]


# ------------------------------------------------------------------ F3: counts with 0 monitored calls


def s13(calls, fatal=0, nonfatal=0, events=()):
    values = {"QA_CALL": calls, "QA_FATAL": fatal, "QA_NONFATAL": nonfatal}
    rows = [{"employee": "S", "metric": m, "value": v} for m, v in values.items() if v is not None]
    return run(S13, "2026-10", employees=[{"id": "S", "name": "孙", "role": "座席客服代表"}], metrics=rows,
               events=list(events))


COMPLAINT = {"date": "2026-10-20", "employee": "S", "rule": "QA_FATAL", "outside_sample": "是"}


@pytest.mark.parametrize("fatal,nonfatal,events,expected", [
    # QA_CALL 0 (指标!C2), QA_FATAL 指标!C3, QA_NONFATAL 指标!C4: 2 failed calls out of 0 and 3 errors out of
    # K x 0 = 0 opportunities are contradictory (R-QA-2, R-QA-6), complaint outside the sample or not
    (2, 3, [COMPLAINT], [("fatal_without_calls", "指标!C3"), ("nonfatal_without_calls", "指标!C4")]),
    (2, 3, [], [("fatal_without_calls", "指标!C3"), ("nonfatal_without_calls", "指标!C4")]),
    (2, None, [], [("fatal_without_calls", "指标!C3")]),
    (0, 5, [], [("nonfatal_without_calls", "指标!C4")]),
])
def test_counts_entered_with_no_monitored_call_are_errors_at_their_cells(fatal, nonfatal, events, expected):
    e = s13(0, fatal, nonfatal, events).employee("S")
    assert e.status == "error"
    got = [(p.code, p.where.split(" / ")[0]) for p in e.problems if p.is_error]
    assert got == expected
    assert all("指标!C2" in p.where for p in e.problems if p.is_error)  # the QA_CALL cell is named too


def test_zero_counts_with_no_monitored_call_are_fine():
    # R-QA-4: N = 0 -> not assessed; QA_FATAL 0 and QA_NONFATAL 0 contradict nothing
    assert s13(0, 0, 0).employee("S").status == "not_assessed"
    # R-QA-6: 0 monitored calls and one complaint outside the sample: N = 1, F = 1 -> FA 0.00%, NFA 100.00%
    v = s13(0, 0, 0, [COMPLAINT]).employee("S").values
    assert (v["N"], v["F"], v["FATAL_ACC"], v["NONFATAL_ACC"]) == (1, 1, Decimal(0), Decimal(100))


# ------------------------------------------------------------------ F4: a Metrics row of a later month

S11 = "kefu_rules_95"
K = [{"id": "P3", "name": "赵", "role": "客服", "employment": "正式员工"}]
GOOD = {"CSAT_RATE": 97, "OVERTIME_PER_RULES": "是", "A_INITIATIVE": 5, "A_PEER": 5, "T_COLLAB": 5, "T_SHARE": 5}


def s11(extra=(), history=()):
    rows = [{"employee": "P3", "metric": m, "value": v} for m, v in GOOD.items()] + list(extra)
    return run(S11, "2026-11", employees=K, metrics=rows, history=list(history))


HIST = [{"employee": "P3", "period": "2026-10", "item": "KNOWLEDGE_TEST", "value": 95}]


def test_a_metrics_row_of_a_later_month_is_a_located_warning():
    # R-G-19: a period row is another month's figure and a run reads earlier months only; 80 typed for
    # 2026-12 in the 2026-11 book is not read (as a History row of 2026-12 would not be): said at its cell
    later = {"employee": "P3", "metric": "KNOWLEDGE_TEST", "value": 80, "period": "2026-12"}
    r = s11([later], HIST)
    (w,) = [p for p in r.problems if p.code == "metric_period_later"]
    # the Metrics rows: 6 GOOD rows (2..7), then this one on row 8; 所属月份 is its period column
    assert w.where.startswith("指标!") and "8" in w.where.split(" / ")[0] and w.severity == "warning"
    assert w.employee == "P3" and "2026-12" in w.zh and "2026-11" in w.en and w.fix_zh and w.fix_en
    assert w in r.employee("P3").warnings and r.employee("P3").status == "ok"


def test_a_metrics_row_of_an_earlier_month_is_not_warned():
    earlier = {"employee": "P3", "metric": "KNOWLEDGE_TEST", "value": 80, "period": "2026-09"}
    r = s11([earlier], HIST)
    assert "metric_period_later" not in {p.code for p in r.problems}
    # R-KR-5: the latest earlier test is 2026-10's 95 -> V_KNOWLEDGE 10
    assert r.employee("P3").values["V_KNOWLEDGE"] == Decimal(10)


# ------------------------------------------------------------------ F5, F6, F7: messages


def test_outside_the_sample_no_says_no_and_the_fix_is_to_delete_the_row():
    # R-QA-6: a finding inside the sample is already in the QA_FATAL metric; typing 是 would add it twice
    r = s13(15, events=[dict(COMPLAINT, outside_sample="否")])
    pr = next(p for p in r.employee("S").problems if p.code == "field_required")
    assert pr.where.startswith("事件!") and "否" in pr.zh and "否" in pr.en
    assert "delete" in pr.fix_en and "删除" in pr.fix_zh and "Fill in" not in pr.fix_en


def test_a_not_assessed_agent_is_not_told_the_figures_are_computed(tmp_book):
    # R-QA-4: N = 0 -> not assessed, nothing is computed; the empty MONITORED_CALLS_TARGET cell (the
    # default 15 stood in, said once at 参数) is not cited as a cell that was read
    path = tmp_book(S13, employees=[{"id": "E0", "name": "零", "role": "座席客服代表"}],
                    metrics=[{"employee": "E0", "metric": "QA_CALL", "value": 0}])
    code, out, _ = cli("score", path, "--json")
    (rec,) = json.loads(out)
    assert code == 0 and rec["status"] == "not_assessed"
    few = next(w for w in rec["warnings"] if w["code"] == "few_monitored_calls")
    assert "still computed" not in few["message_en"] and "仍按实际计算" not in few["message_zh"]
    assert "not assessed" in few["message_en"]
    assert few["where"] == "指标!C2 / Metrics!C2"


def test_an_empty_value_cell_is_named_as_empty_not_unreadable():
    # the clerk left KNOWLEDGE_TEST's value blank: one error, at the cell, saying it is empty
    blank = {"employee": "P3", "metric": "KNOWLEDGE_TEST", "value": None}
    e = s11([blank], HIST).employee("P3")
    assert e.status == "error"
    assert [p.code for p in e.problems] == ["missing_value"]
    assert "unreadable" not in e.problems[0].en and e.problems[0].where.startswith("指标!C8")


@pytest.mark.parametrize("value,history", [("95分", ()), ("abc", ()), ("95分", HIST)])
def test_an_unreadable_test_score_is_one_error_not_also_never_tested(value, history):
    # R-KR-5 falls back to an earlier test only when none was held this month; this month's cell is
    # there but unreadable: its own error only, never "no KNOWLEDGE_TEST this month or in any earlier
    # month" (a test was held: it is the cell), whether or not History has an earlier one
    bad = {"employee": "P3", "metric": "KNOWLEDGE_TEST", "value": value}
    e = s11([bad], history).employee("P3")
    assert e.status == "error"
    assert [p.code for p in e.problems] == ["not_a_number"] and e.problems[0].where.startswith("指标!C8")


def test_an_error_value_metric_is_its_cells_error_only(tmp_book):
    rows = [{"employee": "P3", "metric": m, "value": v} for m, v in GOOD.items()]
    rows.append({"employee": "P3", "metric": "KNOWLEDGE_TEST", "value": "#N/A"})
    path = tmp_book(S11, "2026-11", name="k_2026-11.xlsx", employees=K, metrics=rows, history=HIST)
    e = _scored(path).employee("P3")
    assert e.status == "error"
    assert [p.where for p in e.problems] == ["指标!C8 / Metrics!C8"]
    assert "unreadable" not in e.problems[0].en and "earlier month" not in e.problems[0].en


def test_an_error_value_in_a_parameters_note_is_a_warning_and_holds_nobody_back(tmp_book):
    # A failed VLOOKUP in the 说明 Note column of a parameter row: the cell is never read, so it decides
    # nothing: a warning at its cell, both agents scored (exit 0 in the CLI).
    path = tmp_book(S13, "2026-11", name="qa_2026-11.xlsx", employees=AGENTS, metrics=SAMPLE,
                    parameters={"NF_OPPORTUNITIES_PER_CALL": 10})
    wb = load_workbook(path)
    ws = wb["参数"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "NF_OPPORTUNITIES_PER_CALL")
    ws.cell(row, 4).value = "#N/A"
    wb.save(path)
    r = _scored(path)
    assert [(p.where, p.severity) for p in r.problems if p.where.startswith(f"参数!D{row}")] == [
        (f"参数!D{row} / Parameters!D{row}", "warning")]
    assert all(r.employee(e).ok for e in ("Q1", "Q2")) and not r.errors
