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
