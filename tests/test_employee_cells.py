"""An unreadable cell on the Employees sheet is reported as itself, once, on its employee.

A hire date typed as ``10/11/2026`` (day and month cannot be told apart) or left as the serial
46306 in a General cell is not empty: the employee's errors say the date cannot be read, at its
cell, and nothing else ("has no Hire date" twice and "the row has errors (see above)" before).
"""

from __future__ import annotations

import pytest
from conftest import run


@pytest.mark.parametrize("typed", ["10/11/2026", "2026-13-01"])
def test_an_unreadable_hire_date_is_its_own_problem(typed):
    emps = [{"id": "T4", "name": "丁", "role": "客服", "hire_date": typed},
            {"id": "T5", "name": "戊", "role": "客服", "hire_date": "2026-10-12"}]
    r = run("service_quality_grade", "2026-10", employees=emps)
    found = [(p.code, p.where, p.en) for p in r.employee("T4").problems]
    assert found == [("bad_date", "员工!F2 / Employees!F2", f"Hire date value '{typed}' is not a valid date.")]
    assert not [p for p in r.employee("T5").problems if p.where.startswith("员工!F3")]


def test_an_id_whose_leading_zeros_excel_dropped_is_named_in_the_fix():
    # 员工 has 00123 as text; 事件 and 指标 have 123, a number cell that lost its zeros: the rows are
    # still used for nobody (an error, everyone withheld as before), and the fix says why and how.
    r = run("weikang_100", "2026-10", employees=[{"id": "00123", "name": "甲", "role": "客服"}],
            events=[{"date": "2026-10-05", "employee": 123, "rule": "ATT_LATE"}],
            metrics=[{"employee": 123, "metric": "LEAVE_DAYS", "value": 0}],
            parameters={"LEARNING_ACTIVITIES_HELD": 0})
    found = [p for p in r.problems if p.code == "unknown_employee"]
    assert len(found) == 2
    for p in found:
        assert "The Employees sheet has 00123: Excel dropped the leading zeros here" in p.fix_en
        assert "员工表中有工号 00123" in p.fix_zh
    # an ID that is simply not there keeps the usual fix
    r = run("weikang_100", "2026-10", employees=[{"id": "00123", "name": "甲", "role": "客服"}],
            events=[{"date": "2026-10-05", "employee": 124, "rule": "ATT_LATE"}], parameters={"LEARNING_ACTIVITIES_HELD": 0})
    (p,) = [p for p in r.problems if p.code == "unknown_employee"]
    assert "Pick an ID from the dropdown" in p.fix_en
