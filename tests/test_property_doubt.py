"""Issue 12, property: adding an input row that kpixl ignores or doubts never leaves the
affected employee ``ok`` with an unchanged result and no problem or warning naming that row.

For every scheme the base input is its first worked example (schemes/*.json). Hypothesis adds
one row for an employee the example scores ``ok``: an event dated after the period (ignored,
R-G-7), an unknown rule code, an exact duplicate of one of the employee's rows, a row above its
rule's ``qty_max``, a pasted phone number as qty, or a Metrics row for an unknown metric. Then
either the employee is no longer ``ok``, or a computed value changed, or a problem or warning
names the added row's cell.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache

import pytest
from conftest import ROOT, run
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kpixl.core.periods import parse_period
from kpixl.core.scheme import load_scheme

SCHEME_IDS = sorted(p.stem for p in (ROOT / "schemes").glob("*.json"))
KINDS = ["after_period", "unknown_rule", "duplicate", "above_qty_max", "phone_number_qty", "unknown_metric"]


@cache
def base(scheme_id: str):
    doc = json.loads((ROOT / "schemes" / f"{scheme_id}.json").read_text(encoding="utf-8"))
    ex = doc["examples"][0]
    result = score(scheme_id, ex, ex.get("events") or [], ex.get("metrics") or [])
    ok = [e["id"] for e in ex["employees"] if result.employee(e["id"]).ok]
    return ex, result, ok


def score(scheme_id, ex, events, metrics):
    return run(scheme_id, ex["period"], employees=ex["employees"], events=events, metrics=metrics,
               ratings=ex.get("ratings"), parameters=ex.get("parameters"), history=ex.get("history"))


def doubtful_row(scheme_id: str, ex: dict, emp: str, kind: str, day: int, pick: int):
    """(sheet, row) to append, or None when the kind does not apply to this scheme/employee."""
    period = parse_period(ex["period"])
    rules = [r for r in load_scheme(scheme_id).rules.values() if r.kind != "derived"]
    inside = min(period.start + dt.timedelta(days=day), period.end)
    if kind == "after_period":
        if not rules:
            return None
        after = period.end + dt.timedelta(days=1 + day)
        return "events", {"date": after.isoformat(), "employee": emp, "rule": rules[pick % len(rules)].code}
    if kind == "unknown_rule":
        if not rules:
            return None  # a scheme without event rules has no 事件 sheet to add the row to
        return "events", {"date": inside.isoformat(), "employee": emp, "rule": "NO_SUCH_RULE"}
    if kind == "duplicate":
        own = [e for e in ex.get("events") or [] if e.get("employee") == emp]
        return ("events", dict(own[pick % len(own)])) if own else None
    if kind in ("above_qty_max", "phone_number_qty"):
        if not rules:
            return None
        rule = rules[pick % len(rules)]
        qty = int(rule.qty_max) + 1 if kind == "above_qty_max" else 13800138000
        return "events", {"date": inside.isoformat(), "employee": emp, "rule": rule.code, "qty": qty}
    if not load_scheme(scheme_id).metrics:
        return None  # a scheme without metrics has no 指标 sheet to add the row to
    return "metrics", {"employee": emp, "metric": "NO_SUCH_METRIC", "value": 1}


def names_row(result, sheet_zh: str, row: int) -> bool:
    cell = re.compile(rf"{sheet_zh}![A-Z]+{row}(?!\d)")
    return any(cell.search(p.where) for p in result.problems)


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(kind=st.sampled_from(KINDS), who=st.integers(0, 50), day=st.integers(0, 27), pick=st.integers(0, 200))
def test_a_doubtful_row_never_passes_silently(scheme_id, kind, who, day, pick):
    ex, before, ok = base(scheme_id)
    if not ok:
        return
    emp = ok[who % len(ok)]
    made = doubtful_row(scheme_id, ex, emp, kind, day, pick)
    if made is None:
        return
    sheet, row = made
    events, metrics = list(ex.get("events") or []), list(ex.get("metrics") or [])
    target = events if sheet == "events" else metrics
    target.append(row)
    xl_row = len(target) + 1  # the first data row is row 2
    after = score(scheme_id, ex, events, metrics)
    e_before, e_after = before.employee(emp), after.employee(emp)
    silent = (e_after.ok and e_after.values == e_before.values
              and not names_row(after, "事件" if sheet == "events" else "指标", xl_row))
    assert not silent, f"{scheme_id} {kind} {row}: {emp} ok, unchanged, no problem naming row {xl_row}"
