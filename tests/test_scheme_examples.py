"""Every scheme file carries its worked examples (SCHEMES.md); one test runs them all.

An example's ``expect`` maps employee ids to expected values by output name (numbers are
compared exactly as decimals), plus optional ``status`` ("ok"/"error"), ``flags`` (a list of
flag codes, order ignored) and ``errors`` (a list of problem codes).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import ROOT, run

SCHEMES = sorted((ROOT / "schemes").glob("*.json"))


def _examples():
    for path in SCHEMES:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for i, ex in enumerate(doc.get("examples", [])):
            yield pytest.param(doc["id"], ex, id=f"{doc['id']}[{i}] {ex['name']}")


def test_every_scheme_has_an_example():
    for path in SCHEMES:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc.get("examples"), f"{path.name} has no worked example"


@pytest.mark.parametrize("scheme_id,example", list(_examples()))
def test_worked_example(scheme_id, example):
    result = run(scheme_id, example["period"], employees=example["employees"], events=example.get("events"),
                 metrics=example.get("metrics"), ratings=example.get("ratings"),
                 parameters=example.get("parameters"), history=example.get("history"))
    for emp_id, expected in example["expect"].items():
        emp = result.employee(emp_id)
        want_status = expected.get("status", "ok")
        assert emp.status == want_status, f"{emp_id}: status {emp.status}, problems {[p.en for p in emp.problems]}"
        for name, want in expected.items():
            if name == "status":
                continue
            if name == "flags":
                got = sorted(f["code"] for f in result.flags_of(emp_id))
                assert got == sorted(want), f"{emp_id} flags"
                continue
            if name == "errors":
                assert sorted({p.code for p in emp.problems}) == sorted(want), f"{emp_id} errors"
                continue
            got = emp.values.get(name)
            if isinstance(want, (int, float)) and not isinstance(want, bool):
                assert got is not None, f"{emp_id}.{name} missing"
                assert Decimal(str(got)) == Decimal(str(want)), f"{emp_id}.{name}: expected {want}, got {got}"
            else:
                assert got == want, f"{emp_id}.{name}: expected {want!r}, got {got!r}"
