"""S11 kefu_rules_95: the four evaluator items are published (issue 12 item 10).

工作积极性 A_INITIATIVE, 同事评价 A_PEER, 协同解决问题 T_COLLAB and 分享经验 T_SHARE are S11 outputs
(SCHEMES.md S11 rule table; entered by the evaluator as metrics, 5 or 0, R-KR-6). The old code
added them into attitude/teamwork but left the items themselves null in JSON, the terminal and
the report. Expected values: SCHEMES.md S11 worked example E1 (total 65 / 95).
"""

from __future__ import annotations

import json
from decimal import Decimal

from conftest import cli
from openpyxl import load_workbook

SCHEME = "kefu_rules_95"
EMP = [{"id": "E1", "name": "甲", "role": "客服", "employment": "正式员工"}]
# E1: 满意率 92% -> 10; one issue 1.5 h late -> ceil 2 -> -10 -> 0; one handling error -> 5;
# norms 10 (quality 25). One task late -> 10; test 93 -> 10; overtime per rules -> 5 (quantity 25).
# One late arrival -> attendance 0; 积极性 5, 同事 5 (attitude 10). 协同 5, 分享 0 (team 5). Total 65.
METRICS = {"CSAT_RATE": 92, "KNOWLEDGE_TEST": 93, "OVERTIME_PER_RULES": "是", "A_INITIATIVE": 5, "A_PEER": 5,
           "T_COLLAB": 5, "T_SHARE": 0}
EVENTS = [{"date": "2026-10-06", "employee": "E1", "rule": "SPEED_LATE", "qty": 1.5},
          {"date": "2026-10-07", "employee": "E1", "rule": "ACCURACY_ERROR"},
          {"date": "2026-10-08", "employee": "E1", "rule": "TASK_LATE"},
          {"date": "2026-10-09", "employee": "E1", "rule": "LATE_EARLY"}]
ITEMS = {"A_INITIATIVE": 5, "A_PEER": 5, "T_COLLAB": 5, "T_SHARE": 0}


def book(tmp_book):
    return tmp_book(SCHEME, employees=EMP, events=EVENTS,
                    metrics=[{"employee": "E1", "metric": k, "value": v} for k, v in METRICS.items()])


def test_json_has_the_four_items_next_to_the_total(tmp_book):
    code, out, _ = cli("score", book(tmp_book), "--json")
    assert code == 0
    (rec,) = json.loads(out, parse_float=Decimal)
    assert rec["score"] == 65 and rec["attitude"] == 10 and rec["teamwork"] == 5
    assert {k: rec["outputs"][k] for k in ITEMS} == ITEMS
    assert {k: rec[k] for k in ITEMS} == ITEMS  # dot-free outputs are repeated at the top level
    # each item is explained with the cell it came from
    lines = {line["rule"]: line for line in rec["explanation"] if line["kind"] == "value"}
    assert all(lines[k]["source"].startswith("指标!") for k in ITEMS)


def test_terminal_table_shows_the_four_items(tmp_book):
    code, out, _ = cli("score", book(tmp_book), "--wide")  # the default table shows what fits in 120 columns
    assert code == 0
    header = next(line for line in out.splitlines() if "积极性" in line)
    assert header.split()[-6:-2] == ["积极性", "同事评价", "协同", "分享"]
    cells = next(line for line in out.splitlines() if line.startswith("E1")).split()
    assert cells[2] == "65" and "-" not in cells  # the old code showed "-" for the four items
    assert cells[-5:] == ["5", "5", "5", "0", "正常"]  # 积极性 同事评价 协同 分享, no flags, status


def test_report_shows_the_four_items(tmp_book, tmp_path):
    out = tmp_path / "r.xlsx"
    assert cli("report", book(tmp_book), "-o", out)[0] == 0
    ws = load_workbook(out)["报表"]
    head = [c.value for c in ws[1]]
    row = [c.value for c in ws[2]]
    for label, want in (("积极性", 5), ("同事评价", 5), ("协同", 5), ("分享", 0)):
        col = next(i for i, h in enumerate(head) if h and str(h).startswith(label))
        assert row[col] is not None and Decimal(str(row[col])) == want, label
