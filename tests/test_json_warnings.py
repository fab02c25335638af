"""Per-employee warnings and the "not assessed" status reach `score --json`, the terminal and the
report (issue 12 item 9; docs/json.md).

Hand-computed from SCHEMES.md S13 (worked example E3, R-QA-4), S9 (an agent with no monitored
call) and S10 (R-SQ-9, a hire after the 10th without QC figures).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from conftest import ROOT, cli
from openpyxl import load_workbook

S13 = "qa_accuracy"
EMPS = [{"id": "E3", "name": "丙", "role": "话务员"}, {"id": "E0", "name": "零", "role": "话务员"}]
# E3 (S13 worked example): N = 12 < 15 -> warning; F = 0 -> FA 100.00%; E = 5, K = 10 -> NFA 95.83%.
# E0: QA_CALL 0 and no complaint -> N = 0: "not assessed", no accuracy and no pass/fail (R-QA-4).
METRICS = [{"employee": "E3", "metric": "QA_CALL", "value": 12}, {"employee": "E3", "metric": "QA_FATAL", "value": 0},
           {"employee": "E3", "metric": "QA_NONFATAL", "value": 5}, {"employee": "E0", "metric": "QA_CALL", "value": 0}]


def s13_book(tmp_book):
    return tmp_book(S13, employees=EMPS, metrics=METRICS, parameters={"NF_OPPORTUNITIES_PER_CALL": 10})


def records(path) -> dict:
    code, out, err = cli("score", path, "--json")
    assert code == 0, err  # warnings only: exit 0
    return {r["employee_id"]: r for r in json.loads(out, parse_float=Decimal)}


def test_fewer_than_15_calls_is_a_warning_in_the_employees_object(tmp_book):
    rec = records(s13_book(tmp_book))["E3"]
    assert rec["status"] == "ok" and rec["errors"] == []
    assert (rec["FATAL_ACC"], rec["NONFATAL_ACC"], rec["PASS_FATAL"], rec["PASS_NONFATAL"]) == (
        Decimal("100"), Decimal("95.83"), True, True)
    (w,) = rec["warnings"]
    assert w["code"] == "few_monitored_calls" and w["severity"] == "warning" and w["employee"] == "E3"
    assert "指标!C2 / Metrics!C2" in w["where"]  # the QA_CALL cell that was read (row 2)
    assert "12" in w["message_zh"] and "15" in w["message_en"] and w["fix_zh"] and w["fix_en"]


def test_not_assessed_is_a_status_not_ok_with_empty_figures(tmp_book):
    rec = records(s13_book(tmp_book))["E0"]
    assert rec["status"] == "not_assessed"
    assert rec["FATAL_ACC"] is None and rec["PASS_FATAL"] is None and rec["values"]["assessed"] is False
    # QA_CALL 0 is also fewer than 15 monitored calls (R-QA-4, R-QA-6: the warning reads QA_CALL)
    assert [w["code"] for w in rec["warnings"]] == ["few_monitored_calls", "not_assessed"] and rec["errors"] == []


def test_terminal_and_report_show_not_assessed(tmp_book, tmp_path):
    path = s13_book(tmp_book)
    code, out, _ = cli("score", path)
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line[:2] in ("E0", "E3")}
    assert rows["E0"].endswith("未评估") and rows["E3"].endswith("正常")
    code, out, _ = cli("score", path, "--lang", "en")
    rows = {line.split()[0]: line for line in out.splitlines() if line[:2] in ("E0", "E3")}
    assert rows["E0"].endswith("not assessed") and rows["E3"].endswith("ok")
    report = tmp_path / "r.xlsx"
    assert cli("report", path, "-o", report)[0] == 0
    ws = load_workbook(report)["报表"]
    head = [c.value for c in ws[1]]
    col, idc = head.index("状态 / Status"), head.index("工号 / Employee ID")
    status = {ws.cell(row=r, column=idc + 1).value: ws.cell(row=r, column=col + 1).value for r in (2, 3)}
    assert status == {"E3": "正常 ok", "E0": "未评估 not assessed"}


def test_s9_agent_without_calls_is_not_assessed(tmp_book):
    # S9 rule 3: the month's score is a mean over the agent's calls; with none there is nothing to
    # average. L1: 14 + 2 + 1 + 2 = 19 / 21 = 90.48% (worked example call 1).
    calls = [{"date": "2026-10-05", "employee": "L1", "rule": c, "value": v, "call_id": "A"}
             for c, v in (("CQ_EXPRESSION", 14), ("CQ_GREETING", 2), ("CQ_CLOSING", 1), ("CQ_HANGUP", 2))]
    path = tmp_book("call_quality_rubric", employees=[{"id": "L1", "name": "林"}, {"id": "L2", "name": "王"}],
                    events=calls)
    recs = records(path)
    assert recs["L1"]["status"] == "ok" and recs["L1"]["score"] == Decimal("90.48") and recs["L1"]["warnings"] == []
    assert recs["L2"]["status"] == "not_assessed" and recs["L2"]["score"] is None
    assert [w["code"] for w in recs["L2"]["warnings"]] == ["not_assessed"]


def test_s10_hire_after_the_10th_without_figures_is_not_assessed(tmp_book):
    # R-SQ-9: grade "not assessed", payout 0 with NEW_HIRE_AFTER_10, and no validation error.
    path = tmp_book("service_quality_grade", employees=[{"id": "Q", "name": "新", "hire_date": "2026-10-12"}])
    rec = records(path)["Q"]
    assert rec["status"] == "not_assessed" and rec["errors"] == []
    assert rec["grade"] == "G_NOT_ASSESSED" and rec["payout"] == 0
    assert [f["code"] for f in rec["flags"]] == ["NEW_HIRE_AFTER_10"]


def test_every_field_of_the_record_is_documented(tmp_book):
    # docs/json.md is the format's contract: every top-level field a record has is in its table.
    doc = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", doc))
    rec = records(s13_book(tmp_book))["E3"]
    outputs = set(rec["outputs"])
    assert {k for k in rec if k not in outputs} - documented == set()
    assert "not_assessed" in documented


def test_kpi_status_says_not_assessed(tmp_book):
    from kpixl.xl import udfs

    path = str(s13_book(tmp_book))
    assert udfs.KPI_STATUS("E3", path) == "ok" and udfs.KPI_STATUS("E0", path) == "not_assessed"


def test_a_workbook_wide_warning_is_said_beside_the_json(tmp_book):
    # NF_OPPORTUNITIES_PER_CALL missing: its default stands in for everyone, a warning naming no
    # employee. It was printed nowhere under --json (in no record, and not on stderr).
    path = tmp_book(S13, employees=EMPS, metrics=METRICS)
    code, out, err = cli("score", path, "--json", "--lang", "en")
    assert code == 0 and json.loads(out)
    assert "NF_OPPORTUNITIES_PER_CALL" in err and "[warning]" in err
