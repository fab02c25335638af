"""S13 qa_accuracy: fatal / non-fatal accuracy with targets (SCHEMES.md S13).

FA = 1 - F/N and NFA = 1 - E/(K·N) in percent, 2 decimals; the targets apply to the error
rates F/N <= 1.5% and E/(K·N) <= 15% (R-QA-1), each rounded to 2 decimals before the
comparison (R-G-4). Expected values are computed by hand.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import run

SCHEME = "qa_accuracy"
EMP = [{"id": "S", "name": "孙", "role": "座席客服代表", "seat_type": "GSM综合座席"}]


def score(calls, fatal=0, nonfatal=0, events=(), k=None):
    values = {"QA_CALL": calls, "QA_FATAL": fatal, "QA_NONFATAL": nonfatal}
    rows = [{"employee": "S", "metric": m, "value": v} for m, v in values.items() if v is not None]
    params = {"NF_OPPORTUNITIES_PER_CALL": k} if k is not None else {}
    return run(SCHEME, "2026-10", employees=EMP, metrics=rows, events=list(events), parameters=params)


def values(*args, **kw):
    r = score(*args, **kw)
    emp = r.employee("S")
    assert emp.status == "ok", [p.en for p in emp.problems]
    return emp.values


@pytest.mark.parametrize("calls,fatal,rate,acc,passed", [
    (200, 3, "1.5", "98.5", True),      # F/N = 1.5% exactly: target met (≤)
    (200, 4, "2", "98", False),
    (133, 2, "1.5", "98.5", True),      # R-G-4: 1.5037...% is judged as 1.50% -> met
    (199, 3, "1.51", "98.49", False),   # 1.5075...% -> 1.51%
    (15, 0, "0", "100", True),
])
def test_fatal_target(calls, fatal, rate, acc, passed):
    v = values(calls, fatal)
    assert v["FATAL_RATE"] == Decimal(rate) and v["FATAL_ACC"] == Decimal(acc)
    assert v["PASS_FATAL"] is passed


@pytest.mark.parametrize("calls,errors,k,rate,acc,passed", [
    (100, 15, 1, "15", "85", True),       # E/(K·N) = 15% exactly: met
    (100, 16, 1, "16", "84", False),
    (15, 12, 10, "8", "92", True),        # worked example E1
    (12, 5, 10, "4.17", "95.83", True),   # worked example E3: 5/120 = 4.1666...%
])
def test_nonfatal_target(calls, errors, k, rate, acc, passed):
    v = values(calls, 0, errors, k=k)
    assert v["NONFATAL_RATE"] == Decimal(rate) and v["NONFATAL_ACC"] == Decimal(acc)
    assert v["PASS_NONFATAL"] is passed


def complaint(qty=None, outside="是"):
    row = {"date": "2026-10-20", "employee": "S", "rule": "QA_FATAL", "outside_sample": outside}
    if qty is not None:
        row["qty"] = qty
    return row


def test_complaints_outside_the_sample_add_to_f_and_n():
    # R-QA-3, R-QA-6: 20 calls, 0 failed, 2 complaints: N = 22, F = 2; FA = 1 - 2/22 = 90.909...% -> 90.91
    v = values(20, 0, 0, events=[complaint(), complaint()])
    assert (v["N"], v["F"], v["FATAL_ACC"], v["PASS_FATAL"]) == (22, 2, Decimal("90.91"), False)


def test_complaint_without_the_outside_sample_mark_is_an_error():
    # R-QA-6: sample findings are already in the metric
    r = score(15, events=[complaint(outside="否")])
    pr = next(p for p in r.employee("S").problems if p.code == "field_required")
    assert pr.where.startswith("事件!")


def test_no_call_assessed_is_not_assessed():
    # R-QA-4: N = 0: no accuracy and no pass/fail; QA_FATAL / QA_NONFATAL are then not required
    r = score(0, fatal=None, nonfatal=None)
    emp = r.employee("S")
    assert emp.status == "not_assessed"  # issue 12 item 9: not "ok" with empty figures
    assert emp.values["FATAL_ACC"] is None and emp.values["PASS_FATAL"] is None and emp.values["assessed"] is False
    assert "not_assessed" in {p.code for p in r.warnings}


def test_only_complaints_are_assessed():
    # R-QA-6: "not assessed" means N = 0 after the complaints are added: N = 1, F = 1 -> FA 0.00%
    v = values(0, None, None, events=[complaint()])
    assert (v["N"], v["FATAL_ACC"], v["PASS_FATAL"], v["NONFATAL_ACC"]) == (1, Decimal(0), False, Decimal(100))


@pytest.mark.parametrize("calls,warned", [(14, True), (15, False), (30, False)])
def test_fewer_than_15_monitored_calls_is_a_warning(calls, warned):
    # R-QA-4: a warning; the figures are still computed
    r = score(calls)
    assert r.employee("S").status == "ok"
    assert ("few_monitored_calls" in {p.code for p in r.warnings}) is warned


def test_warning_counts_monitored_calls_only():
    # R-QA-6: complaints outside the sample are not monitored calls: 14 + 1 still warns
    r = score(14, events=[complaint()])
    assert "few_monitored_calls" in {p.code for p in r.warnings}


@pytest.mark.parametrize("fatal,nonfatal,missing", [(None, 0, "QA_FATAL"), (0, None, "QA_NONFATAL")])
def test_counts_are_required_when_calls_were_assessed(fatal, nonfatal, missing):
    r = score(15, fatal, nonfatal)
    emp = r.employee("S")
    assert emp.status == "error" and any(p.code == "missing_metric" and missing in p.en for p in emp.problems)


def test_calls_assessed_is_required():
    r = score(None)
    assert any(p.code == "missing_metric" and "QA_CALL" in p.en for p in r.employee("S").problems)


def test_more_failures_than_calls_is_an_error():
    assert "fatal_above_calls" in {p.code for p in score(10, 11).employee("S").problems}


def test_more_errors_than_opportunities_is_an_error():
    # R-QA-2: with K = 1 at most one error per call
    assert "nonfatal_above_opportunities" in {p.code for p in score(10, 0, 11).employee("S").problems}
