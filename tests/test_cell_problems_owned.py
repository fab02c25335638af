"""A bad cell on an event row blocks the row's employee with that cell's own problem, so the
employee's errors (score --json, the statement) name the cell to fix, not only the row."""

from __future__ import annotations

import json

from conftest import cli, run

EMPS = [{"id": "A1", "name": "甲", "role": "客服", "department": "客服部"},
        {"id": "A2", "name": "乙", "role": "客服", "department": "客服二部"}]  # (S1's department condition)
METRICS = [{"employee": e, "metric": "LEAVE_DAYS", "value": 0} for e in ("A1", "A2")]


def test_the_employees_errors_name_the_bad_cell():
    events = [{"date": "2026-10-13", "employee": "A1", "rule": "BON_OVERTIME", "qty": True},
              {"date": "2026-10-13", "employee": "A2", "rule": "BON_OVERTIME", "qty": 2}]
    r = run("weikang_100", employees=EMPS, events=events, metrics=METRICS, parameters={"LEARNING_ACTIVITIES_HELD": 0})
    a1 = r.employee("A1")
    assert a1.status == "error"
    assert [(p.code, p.where) for p in a1.problems] == [("bad_number", "事件!D2 / Events!D2")]
    assert sum(p.code == "bad_number" for p in r.problems) == 1  # listed once on the 问题 sheet
    assert r.employee("A2").ok


def test_score_json_lists_the_cell(tmp_book):
    events = [{"date": "2026-10-13", "employee": "A1", "rule": "BON_OVERTIME", "qty": "三"}]
    path = tmp_book("weikang_100", employees=EMPS, events=events, metrics=METRICS,
                    parameters={"LEARNING_ACTIVITIES_HELD": 0})
    code, out, _ = cli("score", path, "--json", "--no-explain")
    assert code == 1
    records = {r["employee_id"]: r for r in json.loads(out)}
    assert [e["where"] for e in records["A1"]["errors"]] == ["事件!D2 / Events!D2"]
    assert records["A2"]["status"] == "ok"


def test_a_row_whose_employee_is_unreadable_still_blocks_nobody_silently():
    # the bad cell is the ID itself: the row has no owner, the problem stands alone (as before)
    events = [{"date": "2026-10-13", "employee": "#N/A", "rule": "BON_OVERTIME", "qty": 2}]
    r = run("weikang_100", employees=EMPS, events=events, metrics=METRICS, parameters={"LEARNING_ACTIVITIES_HELD": 0})
    assert any(p.where.startswith("事件!B2") for p in r.problems)
