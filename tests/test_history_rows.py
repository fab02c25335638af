"""History (历史) rows whose employee ID is not on the Employees sheet (QA finding F1, S4 kefu_fines).

Expectations computed by hand from SCHEMES.md S4: R-KF-1 (occurrences per rule per employee in the
calendar year; History item = the rule code, value = that month's occurrences) and R-KF-4 (the n-th
after-sales audit costs 100 x n per customer). 小李 (L), March 2024: the February private call is
occurrence 1 (通告批评, no money) and is known only from History; March's two calls are occurrences 2
(50) and 3 (100); the after-sales audit of March is occurrence 1 with 2 customers (2 x 100 = 200).
Fines 50 + 100 + 200 = 350.00 元.

A typed History row with an unknown ID is used for nobody and may be a typo of a current employee's
ID, so it is an error no employee owns (as an unknown ID on Events or Metrics): every result is
withheld. Rows the ledger supplies (a leaver's earlier months) are not reported.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import cli, run

SCHEME = "kefu_fines"
L = {"id": "L", "name": "小李", "role": "客服", "department": "招生客服部"}
MARCH = [{"date": "2024-03-05", "employee": "L", "rule": "FINE_PRIVATE_CALL"},
         {"date": "2024-03-06", "employee": "L", "rule": "FINE_PRIVATE_CALL"},
         {"date": "2024-03-07", "employee": "L", "rule": "FINE_AFTERSALES_MISS", "qty": 2}]


def history(feb_id: str) -> list[dict]:
    # row 2: a zero count the clerk records too; row 3: February's private call (occurrence 1 of 2024)
    return [{"employee": "L", "period": "2024-01", "item": "FINE_DAILY_REPORT", "value": 0},
            {"employee": feb_id, "period": "2024-02", "item": "FINE_PRIVATE_CALL", "value": 1}]


def score(hist, employees=None, events=None):
    return run(SCHEME, "2024-03", employees=employees or [L], events=MARCH if events is None else events, history=hist)


def test_the_history_row_with_the_right_id_counts():
    # R-KF-1, R-KF-4: 50 + 100 + 2 x 100 = 350.00
    result = score(history("L"))
    assert result.employee("L").ok
    assert result.value("L", "money.deductions") == Decimal("350.00")
    assert not result.errors


def test_a_mistyped_history_id_is_a_located_error_and_withholds_the_result():
    # F1: with 'XL' the February occurrence was silently dropped and L was fined 250.00 (50 lost).
    result = score(history("XL"))
    found = [p for p in result.problems if p.code == "unknown_employee"]
    assert len(found) == 1
    pr = found[0]
    assert (pr.where, pr.severity, pr.employee) == ("历史!A3 / History!A3", "error", None)
    assert "'XL'" in pr.en and "“XL”" in pr.zh and "not on the Employees sheet" in pr.en
    assert "used for nobody" in pr.en and "不会用于任何人" in pr.zh
    assert "correct it" in pr.fix_en and "has left, delete the row" in pr.fix_en and "离职" in pr.fix_zh
    e = result.employee("L")
    assert e.status == "error" and e.values.get("money.deductions") is None
    assert [p.code for p in e.problems] == ["unknown_employee"]


def test_every_row_of_one_unknown_id_is_one_problem_at_its_first_row():
    # a leaver's year on History: one problem naming all three cells, not three
    rows = [{"employee": "M", "period": f"2024-0{m}", "item": "FINE_CHATTING", "value": 1} for m in (1, 2)]
    rows.insert(1, {"employee": "L", "period": "2024-02", "item": "FINE_PRIVATE_CALL", "value": 1})
    rows.append({"employee": "M", "period": "2024-02", "item": "FINE_IDLE_PERSONAL", "value": 2})
    result = score(rows)
    found = [p for p in result.problems if p.code == "unknown_employee"]
    assert [(p.where, p.severity) for p in found] == [("历史!A2 / History!A2", "error")]
    assert "its 3 History rows (A2, A4, A5)" in found[0].en and "这 3 行" in found[0].zh
    assert result.employee("L").status == "error"


def test_a_leavers_history_from_the_ledger_is_read_for_nobody_and_reported_nowhere(tmp_book):
    # February: L has a private call (occurrence 1); M, who leaves at the end of February, two chats.
    # Closed in the ledger, March's workbook lists only L and has no History rows: L's March calls are
    # occurrences 2 and 3 (50 + 100 = 150.00, R-KF-1), the count read from the ledger; M's ledger rows
    # make no problem and block nobody.
    m = {"id": "M", "name": "小马", "role": "客服", "department": "招生客服部"}
    feb = tmp_book(SCHEME, "2024-02", name="2024-02.xlsx", employees=[L, m], events=[
        {"date": "2024-02-10", "employee": "L", "rule": "FINE_PRIVATE_CALL"},
        {"date": "2024-02-11", "employee": "M", "rule": "FINE_CHATTING"},
        {"date": "2024-02-12", "employee": "M", "rule": "FINE_CHATTING"}])
    code, out, err = cli("close", feb, "--by", "王会计")
    assert code == 0, err
    mar = tmp_book(SCHEME, "2024-03", name="2024-03.xlsx", employees=[L], events=MARCH[:2])
    code, out, err = cli("score", mar, "--json", "--compact")
    assert code == 0, err
    rec = json.loads(out)[0]
    assert rec["status"] == "ok" and rec["values"]["money.deductions"] == 150
    code, out, err = cli("validate", mar, "--json")
    assert (code, json.loads(out)) == (0, []), err
    # the ledger did hand M's February to March (so the check above saw a leaver's row and let it be)
    from kpixl.ledger import with_history
    from kpixl.workbook.read import read_workbook

    scheme, raw = read_workbook(mar)
    merged, _ = with_history(scheme, raw, mar)
    rows = merged.history.frame
    assert rows.loc[rows["employee"] == "M", ["period", "item"]].values.tolist() == [["2024-02", "FINE_CHATTING"]]


def test_a_typed_unknown_id_is_still_an_error_beside_the_ledger(tmp_book):
    feb = tmp_book(SCHEME, "2024-02", name="2024-02.xlsx", employees=[L],
                   events=[{"date": "2024-02-10", "employee": "L", "rule": "FINE_PRIVATE_CALL"}])
    assert cli("close", feb, "--by", "王会计")[0] == 0
    mar = tmp_book(SCHEME, "2024-03", name="2024-03.xlsx", employees=[L], events=MARCH[:2],
                   history=[{"employee": "XL", "period": "2024-01", "item": "FINE_PRIVATE_CALL", "value": 1}])
    code, out, _ = cli("validate", mar)
    assert code == 1
    assert "历史!A2 / History!A2  [错误 error]" in out and "Employee ID 'XL' is not on the Employees sheet" in out


@pytest.mark.parametrize("hid,code,shown", [
    ("L", 0, "350"),
    ("XL", 1, None),
])
def test_the_workbook_through_the_cli(tmp_book, hid, code, shown):
    book = tmp_book(SCHEME, "2024-03", employees=[L], events=MARCH, history=history(hid))
    rc, out, err = cli("score", book, "--json", "--compact")
    assert rc == code, err
    rec = json.loads(out)[0]
    if shown is None:
        assert rec["status"] == "error" and rec["values"].get("money.deductions") is None
        rc, out, _ = cli("validate", book)
        assert rc == 1 and "历史!A3 / History!A3  [错误 error]" in out and "'XL'" in out
    else:
        assert rec["status"] == "ok" and Decimal(str(rec["values"]["money.deductions"])) == Decimal(shown)


@pytest.mark.parametrize("month", ["2024-03", "2024-04"])
def test_a_history_row_of_the_scored_month_or_later_is_a_warning_at_its_cell(month):
    """February's call typed under March (the month scored) or April is read by no step (History
    holds earlier months, R-G-19): it was dropped silently and L paid 250.00 instead of 350.00.
    Now the row is a warning at its period cell, on L."""
    r = score([{"employee": "L", "period": month, "item": "FINE_PRIVATE_CALL", "value": 1}])
    (w,) = [p for p in r.employee("L").warnings if p.code == "history_not_earlier"]
    assert w.where == "历史!C2 / History!C2" and month in w.en
    assert r.employee("L").values["money.deductions"] == Decimal("250.00")  # March calls: occurrences 1 (0) and 2 (50); + 200


def test_a_start_state_under_the_scored_month_is_read_without_a_warning():
    """S15's start state is filed under the month whose 1st it describes (the ledger's "next")."""
    emps = [{"id": "W", "name": "王", "role": "客服"}]
    hist = [{"employee": "W", "period": "2026-10", "item": "LEVEL", "value": "LV_MID"}]
    r = run("houpin_ladder", "2026-10", employees=emps, history=hist, parameters={"TASK_TARGET": 400000},
            metrics=[{"employee": "W", "metric": "M_SALES", "value": 500000}, {"employee": "W", "metric": "M_CONVERSION", "value": 20}])
    assert not [p for p in r.problems if p.code == "history_not_earlier"]
    assert r.employee("W").values["level"] == "LV_MID"


def test_a_history_row_typed_twice_names_its_month_and_the_first_row():
    # February's count typed twice with different values: which one counts would be a silent choice
    hist = history("L") + [{"employee": "L", "period": "2024-02", "item": "FINE_PRIVATE_CALL", "value": 2}]
    r = score(hist)
    (pr,) = [p for p in r.problems if p.code == "duplicate_history"]
    assert pr.where == "历史!D4 / History!D4" and "2024-02" in pr.en and "历史!E3 / History!E3" in pr.en
    assert r.employee("L").status == "error" and r.employee("L").values.get("money.deductions") is None


@pytest.mark.parametrize("when,shown", [({"period": "2024-02"}, "of 2024-02"), ({"date": "2024-03-04"}, "of 2024-03-04"),
                                        ({}, "SALES for L is")])
def test_a_metric_typed_twice_names_its_day_or_month_and_the_first_row(when, shown):
    rows = [{"employee": "L", "metric": "SALES", "value": 1000, **when}, {"employee": "L", "metric": "SALES", "value": 1200, **when}]
    r = run(SCHEME, "2024-03", employees=[L], events=MARCH, metrics=rows)
    (pr,) = [p for p in r.problems if p.code == "duplicate_metric"]
    assert pr.where == "指标!B3 / Metrics!B3" and shown in pr.en and "指标!C2 / Metrics!C2" in pr.en
    assert r.employee("L").status == "error"


@pytest.mark.parametrize("history_value,error", [(1200, True), (1000, False)])
def test_one_months_figure_on_metrics_and_on_history(history_value, error):
    # February's sales typed as a Metrics row with a period (1000) and on History (1200): which one the
    # cumulative sum (R-KF-8/11) uses would be a silent choice; the same figure twice is harmless
    metrics = [{"employee": "L", "metric": "SALES", "value": 1000, "period": "2024-02"}]
    hist = [{"employee": "L", "period": "2024-02", "item": "SALES", "value": history_value}]
    r = run(SCHEME, "2024-03", employees=[L], events=MARCH, metrics=metrics, history=hist)
    found = [p for p in r.problems if p.code == "typed_twice"]
    assert bool(found) == error
    if error:
        (pr,) = found
        assert pr.where == "历史!E2 / History!E2" and "指标!C2 / Metrics!C2" in pr.en and "2024-02" in pr.en
        assert r.employee("L").status == "error"
    else:
        assert r.employee("L").ok
