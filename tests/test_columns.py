"""Issue 8: conditions evaluated over whole columns give exactly what the per-employee evaluation
gives (values, problems, explanations, defaults reported), and category caps computed as frame
operations count the right rows for every employee, not only the first one."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from kpixl.core import columns
from kpixl.core.context import Context
from kpixl.core.engine import score
from kpixl.core.scheme import parse_scheme
from kpixl.core.steps import condition
from kpixl.workbook.read import inputs_from_records

BASE = {
    "id": "toy", "version": 1, "title": {"zh": "测试", "en": "Toy"}, "period": "month", "unit": "employee",
    "metrics": [{"code": "X", "zh": "X", "en": "X", "type": "number"},
                {"code": "Y", "zh": "Y", "en": "Y", "type": "number"},
                {"code": "Z", "zh": "Z", "en": "Z", "type": "number", "default": 0}],
    "parameters": [{"code": "T", "zh": "目标", "en": "Target", "type": "number"}],
    "rules": [{"code": "R_A", "zh": "甲", "en": "A", "kind": "derived", "points": 2, "category": "B"},
              {"code": "R_DED", "zh": "扣分", "en": "Deduct", "kind": "deduct", "points": -1, "category": "D"}],
    "categories": [{"code": "D", "zh": "扣", "en": "Ded", "cap": 3}, {"code": "B", "zh": "加", "en": "Bonus"}],
    "steps": [], "outputs": [{"value": "score", "zh": "分", "en": "Score", "main": True}],
}
EMPLOYEES = [{"id": f"E{i}", "name": f"员工{i}", "department": "D1" if i < 4 else "D2"} for i in range(1, 8)]
METRICS = {"E1": {"X": 2, "Y": 0}, "E2": {"X": 0}, "E3": {"Y": 1}, "E4": {"X": 5, "Y": 5, "Z": 1},
           "E6": {"X": 2, "Y": 3}, "E7": {"X": 1, "Y": 0}}
EVENTS = [("E1", 2), ("E4", 1), ("E6", 4)]
EXPRESSIONS = [
    "X > 1 and Y == 0", "X > 1 or Y == 0", "not X", "count('R_DED') == 0 and X >= T", "X + Y * 2 >= 3",
    "min(X, Y) < 2", "X in (0, 5)", "has(Y) and Y > 0", "1 < X <= 3", "qty('R_DED') >= 2",
    "dept_count('R_DED') == 0", "Z == 0 and X > 0", "X / Y > 1", "abs(X - 3) <= 1 or count('R_DED') > 3",
]


def scheme_for(when: str):
    doc = copy.deepcopy(BASE)
    doc["steps"] = [{"step": "events"}, {"step": "condition", "rule": "R_A", "when": when},
                    {"step": "categories"},
                    {"step": "total", "output": "score", "base": 100, "add": ["B.points"], "subtract": ["D.deduction"]}]
    return parse_scheme(doc, "toy.json")


def run(when: str, period: str = "2026-10"):
    scheme = scheme_for(when)
    metrics = [{"employee": e, "metric": k, "value": v} for e, ms in METRICS.items() for k, v in ms.items()]
    events = [{"date": f"2026-10-{d:02d}", "employee": e, "rule": "R_DED", "qty": 1}
              for e, n in EVENTS for d in range(1, n + 1)]
    _, inputs = inputs_from_records(scheme, period, employees=EMPLOYEES, metrics=metrics, events=events,
                                    parameters={"T": 2})
    return scheme, inputs, score(scheme, inputs)


def snapshot(result) -> dict:
    return {
        "employees": [(e.id, e.status, {k: str(v) for k, v in e.values.items()}, [p.as_dict() for p in e.problems],
                       [p.as_dict() for p in e.warnings]) for e in result.employees],
        "problems": [p.as_dict() for p in result.problems],
        "explained": {e.id: result.explain_text(e.id) for e in result.employees},
        "ledger": result.ledger.astype(str).values.tolist(),
    }


@pytest.mark.parametrize("when", EXPRESSIONS)
def test_columns_give_what_one_by_one_gives(when, monkeypatch):
    _, _, fast = run(when)
    monkeypatch.setattr(condition, "evaluate_columns", lambda expr, ctx: None)
    _, _, slow = run(when)
    assert snapshot(fast) == snapshot(slow)


def test_the_column_path_decides_most_employees():
    """Not a vacuous comparison: with every input present, every employee is decided by columns,
    and one with a missing input (which and only which needs the per-employee report) is not."""
    scheme, inputs, _ = run("X > 1 and Y == 0")
    from kpixl.core.validate import employees_frame, prepare_events

    employees, _ = employees_frame(inputs, scheme)
    ctx = Context(scheme, inputs, inputs.period, employees)
    ctx.events, _ = prepare_events(scheme, inputs, inputs.period, employees)
    ctx.index_metrics()
    values, decided = columns.evaluate_columns(scheme.steps[1].when, ctx)
    by = dict(zip(ctx.ids, zip(values.tolist(), decided.tolist(), strict=True), strict=True))
    # E1: 2 > 1 and 0 == 0; E2: 0 > 1 is false, so Y (missing) is never read: decided
    assert by["E1"] == (True, True) and by["E2"] == (False, True)
    # E3 has no X and E5 no metrics at all: the per-employee path reports the missing metric
    assert by["E3"][1] is False and by["E5"][1] is False
    assert by["E6"] == (False, True) and by["E7"] == (False, True)


def test_missing_input_is_still_reported_where_read():
    _, _, result = run("X > 1 and Y == 0")
    e3 = result.employee("E3")
    assert e3.status == "error" and [p.code for p in e3.problems] == ["missing_metric"]
    assert result.employee("E2").status == "ok"  # its missing Y is never read (and short-circuits)


def test_default_used_only_where_read_is_reported():
    """Z has a default (0): E1 reads it (X > 0 holds... Z == 0 comes first), so the default is
    reported for the employees without Z; E4 has Z = 1 and no report."""
    _, _, result = run("Z == 0 and X > 0")
    warned = {p.employee for p in result.problems if p.code.startswith("default")}
    assert "E4" not in warned and {"E1", "E2", "E6", "E7"} <= warned
    assert result.employee("E1").values["B.points"] == Decimal(2)  # Z = 0 (default), X = 2 > 0
    assert result.employee("E4").values["B.points"] == 0  # Z = 1


def test_category_cap_per_employee_in_date_order():
    """D caps deductions at 3 (R-G-5-style cap): E6 has four -1 rows dated 1..4 Oct, so rows 1-3
    count and the 4 Oct row counts 0; E1's two rows and E4's one row count in full. Hand-computed:
    E6 D.deduction = 3 (raw 4), E1 = 2, E4 = 1; score = 100 - deduction (+2 where R_A holds)."""
    _, _, result = run("X > 100")
    values = {e.id: e.values for e in result.employees if e.ok}
    assert values["E6"]["D.deduction"] == 3 and values["E6"]["D.raw"] == -4 and values["E6"]["D.left"] == 0
    assert values["E1"]["D.deduction"] == 2 and values["E1"]["D.left"] == 1
    assert values["E4"]["D.deduction"] == 1 and values["E4"]["D.left"] == 2
    assert values["E6"]["score"] == 97 and values["E1"]["score"] == 98
    led = result.ledger[result.ledger["employee"] == "E6"].sort_values("date")
    assert led["counted_e8"].tolist() == [-10**8, -10**8, -10**8, 0]
    assert "扣分合计 4" in result.explain_text("E6")


def test_category_cap_reached_exactly_or_by_a_larger_row_in_row_order():
    """Cap 3 on D. E1: a -2 and a -1 row on 1 Oct, exactly the cap: both count in full, nothing
    left, no cap line. E2: rows -1 (row 2), -3 (row 3) on 2 Oct and -2 (row 4) on 1 Oct: the
    1 Oct row counts -2 first, then row 2 -1 (3 reached), row 3 counts 0. E3 in another
    has no rows: nothing deducted. Hand-computed from the cap rule (date, then row order)."""
    scheme = scheme_for("X > 100")
    events = [{"date": "2026-10-01", "employee": "E1", "rule": "R_DED", "qty": 2},
              {"date": "2026-10-01", "employee": "E1", "rule": "R_DED", "qty": 1},
              {"date": "2026-10-02", "employee": "E2", "rule": "R_DED", "qty": 1},
              {"date": "2026-10-02", "employee": "E2", "rule": "R_DED", "qty": 3},
              {"date": "2026-10-01", "employee": "E2", "rule": "R_DED", "qty": 2}]
    metrics = [{"employee": e, "metric": "X", "value": 0} for e in ("E1", "E2", "E3")]
    _, inputs = inputs_from_records(scheme, "2026-10", employees=EMPLOYEES[:3], metrics=metrics, events=events,
                                    parameters={"T": 2})
    result = score(scheme, inputs)
    v1, v2 = result.employee("E1").values, result.employee("E2").values
    assert (v1["D.deduction"], v1["D.raw"], v1["D.left"]) == (3, -3, 0)
    assert (v2["D.deduction"], v2["D.raw"], v2["D.left"]) == (3, -6, 0)
    led = result.ledger
    assert led[led["employee"] == "E1"]["counted_e8"].tolist() == [-2 * 10**8, -10**8]
    e2 = led[led["employee"] == "E2"]
    assert dict(zip(e2["qty"].tolist(), e2["counted_e8"].tolist(), strict=True)) == {2.0: -2 * 10**8, 1.0: -10**8, 3.0: 0}
    assert result.employee("E3").values["D.deduction"] == 0
    assert "扣分合计 6" in result.explain_text("E2") and "扣分合计" not in result.explain_text("E1")


def test_garbage_collection_is_paused_only_while_scoring(monkeypatch):
    """gcpause.py: collection is off during a run (it walked every value of 5,000 people) and
    back as it was afterwards, also when the run fails."""
    import gc

    seen = []
    real = condition.evaluate_columns
    monkeypatch.setattr(condition, "evaluate_columns", lambda expr, ctx: seen.append(gc.isenabled()) or real(expr, ctx))
    assert gc.isenabled()
    run("X > 1")
    assert seen == [False] and gc.isenabled()

    def boom(expr, ctx):
        raise RuntimeError("a bug")
    monkeypatch.setattr(condition, "evaluate_columns", boom)
    with pytest.raises(RuntimeError):
        run("X > 1")
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(condition, "evaluate_columns", real)
        run("X > 1")
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_event_counts_per_employee_and_department_by_hand():
    """count/qty over the events (one sparse (employee, rule) table per run): E1 has 2 R_DED rows,
    E4 1, E6 4 (qty 1 each). R_A (2 points) is awarded where the condition holds."""
    def awarded(when):
        _, _, result = run(when)
        return sorted(e.id for e in result.employees if e.ok and e.values["B.points"] == 2)
    assert awarded("qty('R_DED') >= 2") == ["E1", "E6"]
    assert awarded("count('R_DED') == 1") == ["E4"]
    assert awarded("count('R_A', 'R_DED') == 4") == ["E6"]
    # departments: D1 = E1..E3 (2 rows), D2 = E4..E7 (5 rows)
    assert awarded("dept_count('R_DED') == 5") == ["E4", "E5", "E6", "E7"]


def test_a_nightly_workbook_runs_paused_and_its_cycles_are_collected_after():
    """gcpause.one_job (batch.process_job): no collection inside the job (between its read, score
    and write phases each collection walked the whole month), one when it ends, so a worker that
    scores workbook after workbook frees each one's reference cycles."""
    import gc
    import weakref

    from kpixl.core.gcpause import one_job

    class Node:
        pass

    assert gc.isenabled()
    with one_job():
        assert not gc.isenabled()
        with one_job():  # a paused block inside keeps it paused
            pass
        assert not gc.isenabled()
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: reference counting alone never frees it
        gone = weakref.ref(a)
        del a, b
        assert gone() is not None  # not collected while the job runs
    assert gc.isenabled() and gone() is None
