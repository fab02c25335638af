"""Property tests (weikang_100): row order never changes a score; deductions never take a score
below 0 or a category past its cap; a bonus event never lowers a score."""

from __future__ import annotations

from conftest import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpixl.core.scheme import load_scheme

SCHEME = load_scheme("weikang_100")
FIXED_DEDUCT = [r.code for r in SCHEME.rules.values() if r.kind == "deduct" and r.points is not None
                and not r.roles and r.book == "any"]
RANGE_DEDUCT = [r for r in SCHEME.rules.values() if r.kind == "deduct" and r.is_range and not r.roles]
BONUS = [r.code for r in SCHEME.rules.values() if r.kind == "bonus"]
EMPLOYEES = [{"id": f"E{i}", "name": f"n{i}", "role": "客服", "department": "D"} for i in range(3)]
METRICS = [{"employee": f"E{i}", "metric": "LEAVE_DAYS", "value": i % 2} for i in range(3)]

fixed_event = st.builds(lambda d, e, r, q: {"date": f"2026-10-{d:02d}", "employee": f"E{e}", "rule": r, "qty": q},
                        st.integers(1, 31), st.integers(0, 2), st.sampled_from(FIXED_DEDUCT), st.integers(1, 4))
range_event = st.sampled_from(RANGE_DEDUCT).flatmap(lambda r: st.builds(
    lambda d, e, v: {"date": f"2026-10-{d:02d}", "employee": f"E{e}", "rule": r.code, "value": v},
    st.integers(1, 31), st.integers(0, 2), st.integers(int(r.min), int(r.max))))
events = st.lists(st.one_of(fixed_event, range_event), max_size=25)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def scores(evs):
    r = run("weikang_100", employees=EMPLOYEES, events=evs, metrics=METRICS,
            parameters={"LEARNING_ACTIVITIES_HELD": 2})
    assert all(e.ok for e in r.employees), [p.en for p in r.problems]
    return r, {e.id: e.values["score"] for e in r.employees}


@SETTINGS
@given(events, st.randoms())
def test_row_order_never_changes_a_score(evs, rnd):
    shuffled = list(evs)
    rnd.shuffle(shuffled)
    assert scores(evs)[1] == scores(shuffled)[1]


@SETTINGS
@given(events)
def test_deductions_stay_within_caps_and_floor(evs):
    r, sc = scores(evs)
    for e in r.employees:
        for code, cat in SCHEME.categories.items():
            if cat.cap is not None:
                assert 0 <= e.values[f"{code}.deduction"] <= cat.cap
        assert sc[e.id] >= 0
        assert sc[e.id] <= 100 + e.values["bonus_points"]


@SETTINGS
@given(events, st.sampled_from(BONUS), st.integers(0, 2), st.integers(1, 3))
def test_a_bonus_event_never_lowers_a_score(evs, bonus, who, qty):
    _, before = scores(evs)
    _, after = scores(evs + [{"date": "2026-10-15", "employee": f"E{who}", "rule": bonus, "qty": qty}])
    assert all(after[k] >= before[k] for k in before)
    assert after[f"E{who}"] > before[f"E{who}"]
