"""Issue 12 items 4 and 5: rows of another month, exact duplicates, implausible quantities.

SCHEMES.md R-G-7: events dated outside the period are ignored. Before, one count-only warning
said "3 event rows ... were ignored" with no cell, and a copied workbook whose events were all
of another month scored a perfect month with exit 0. An exact duplicate row was counted twice
with no word, and qty 300 overtime hours gave +300 points.
"""

from __future__ import annotations

import json

from conftest import cli, run

S1 = "weikang_100"
DEPT = "客服部"
EMPS = [{"id": "A01", "name": "甲", "role": "客服", "department": DEPT},
        {"id": "A02", "name": "乙", "role": "客服", "department": DEPT}]
LEAVE = [{"employee": e["id"], "metric": "LEAVE_DAYS", "value": 0} for e in EMPS]
PARAMS = {"LEARNING_ACTIVITIES_HELD": 0}


def ev(date, who, rule, **kw):
    return {"date": date, "employee": who, "rule": rule, **kw}


def s1(events, period="2026-10"):
    return run(S1, period, employees=EMPS, events=events, metrics=LEAVE, parameters=PARAMS)


def warnings(result, code):
    return [p for p in result.problems if p.code == code and p.severity == "warning"]


# --------------------------------------------------------------------------- out of period (R-G-7)


def test_each_out_of_period_row_is_listed_with_its_date_cell():
    # rows 2-5 (the first data row is 2): three October rows and one of September (row 5), a
    # minority, so the row is listed and ignored and nothing more
    events = [ev("2026-10-05", "A01", "ATT_LATE"), ev("2026-10-06", "A01", "ATT_LATE"),
              ev("2026-10-07", "A02", "ATT_EARLY"), ev("2026-09-30", "A01", "ATT_LATE")]
    r = s1(events)
    listed = warnings(r, "outside_period")
    assert [p.where for p in listed] == ["事件!A5 / Events!A5"]
    assert listed[0].employee == "A01" and "2026-09-30" in listed[0].en and "2026-10" in listed[0].en
    # the row is ignored: A01 has two ATT_LATE (-5 each, rule 3), not three
    assert r.employee("A01").values["ATT.raw"] == -10


def test_most_rows_outside_the_period_is_a_wrong_month_error():
    # a copied September workbook with PERIOD 2026-10: 3 of 4 rows are September's (> 50 %)
    events = [ev("2026-09-05", "A01", "ATT_LATE"), ev("2026-09-06", "A01", "ATT_LATE"),
              ev("2026-09-07", "A02", "ATT_EARLY"), ev("2026-10-07", "A02", "ATT_EARLY")]
    r = s1(events)
    err = next(p for p in r.problems if p.code == "wrong_month")
    assert err.is_error and err.employee is None
    assert "另一个月份" in err.zh and "another month" in err.en
    assert "PERIOD" in err.en and "2026-10" in err.en and "2026-09 (3 rows)" in err.en
    assert "PERIOD" in err.fix_en
    assert r.employee("A01").status == "error" and r.employee("A02").status == "error"
    assert len(warnings(r, "outside_period")) == 3  # still listed row by row


def test_half_outside_is_not_most():
    events = [ev("2026-09-05", "A01", "ATT_LATE"), ev("2026-10-06", "A01", "ATT_LATE")]
    r = s1(events)
    assert not any(p.code == "wrong_month" for p in r.problems)
    assert r.employee("A01").ok


def test_wrong_month_exits_1_in_validate(tmp_book):
    events = [ev("2026-09-05", "A01", "ATT_LATE"), ev("2026-09-06", "A02", "ATT_LATE")]
    book = tmp_book(S1, employees=EMPS, events=events, metrics=LEAVE, parameters=PARAMS)
    code, out, _ = cli("validate", book)
    assert code == 1
    assert "这看起来是另一个月份的工作簿" in out and "looks like another month's workbook" in out


def test_s4_earlier_rows_of_the_year_are_read_not_ignored():
    # S4 R-KF-1: February rows count occurrences in March; they are neither "ignored" nor make
    # the workbook another month's, even when they are most of the rows
    emp = [{"id": "K1", "name": "小李", "role": "客服"}]
    events = [{"date": f"2024-02-{d:02d}", "employee": "K1", "rule": "FINE_PLAN_ERROR"} for d in (1, 2, 3)]
    events.append({"date": "2024-03-04", "employee": "K1", "rule": "FINE_PLAN_ERROR"})
    r = run("kefu_fines", "2024-03", employees=emp, events=events)
    assert not any(p.code in ("wrong_month", "outside_period") for p in r.problems)
    # 4th occurrence of the year: FINE_PLAN_ERROR step 2 and later = 200 yuan (SCHEMES.md S4)
    assert str(r.value("K1", "money.deductions")) == "200.00"


# --------------------------------------------------------------------------- duplicates


def test_exact_duplicate_row_is_a_warning_naming_both_cells_and_still_counted():
    events = [ev("2026-10-05", "A01", "ATT_LATE"), ev("2026-10-06", "A02", "ATT_LATE"),
              ev("2026-10-05", "A01", "ATT_LATE")]
    r = s1(events)
    dup = warnings(r, "duplicate_event")
    assert len(dup) == 1
    assert dup[0].where == "事件!A4 / Events!A4" and dup[0].employee == "A01"
    assert "事件!A4 与 A2 相同" in dup[0].zh and "Events!A4 is identical to A2" in dup[0].en
    assert "counted" in dup[0].en
    # both counted: 2 x -5 (rule 3)
    assert r.employee("A01").values["ATT.raw"] == -10


def test_rows_differing_in_any_field_are_not_duplicates():
    events = [ev("2026-10-05", "A01", "ATT_LATE", note="早上"), ev("2026-10-05", "A01", "ATT_LATE", note="下午"),
              ev("2026-10-05", "A01", "BON_OVERTIME", qty=2), ev("2026-10-05", "A01", "BON_OVERTIME", qty=3)]
    assert not warnings(s1(events), "duplicate_event")


# --------------------------------------------------------------------------- qty_max


def test_qty_above_a_rules_qty_max_is_a_located_error():
    # 300 overtime hours in one row gave +300 points; BON_OVERTIME qty_max = 24 (one day's hours)
    r = s1([ev("2026-10-05", "A01", "BON_OVERTIME", qty=300)])
    a01 = r.employee("A01")
    assert a01.status == "error" and a01.values.get("score") is None
    pr = next(p for p in a01.problems if p.code == "qty_above_max")
    assert pr.where == "事件!D2 / Events!D2" and "split" in pr.fix_en.lower()


def test_every_event_rule_of_every_scheme_declares_qty_max():
    from kpixl.core.scheme import list_schemes, load_scheme

    for sid in list_schemes():
        for rule in load_scheme(sid).rules.values():
            if rule.kind != "derived":
                assert rule.qty_max is not None and rule.qty_max > 0, f"{sid} {rule.code}"


def test_period_chosen_over_the_workbooks_period_is_a_warning_not_an_error():
    # `kpixl score BOOK --period 2026-11` on an October book: the operator asked for November,
    # so October's rows are ignored (R-G-7) with a warning saying so, and November is scored
    from kpixl.core.engine import score
    from kpixl.core.periods import parse_period
    from kpixl.workbook.read import inputs_from_records

    events = [ev("2026-10-05", "A01", "ATT_LATE"), ev("2026-10-06", "A02", "ATT_LATE")]
    scheme, inputs = inputs_from_records(S1, "2026-10", employees=EMPS, events=events, metrics=LEAVE,
                                         parameters=PARAMS)
    r = score(scheme, inputs, parse_period("2026-11"))
    assert not any(p.code == "wrong_month" for p in r.problems)
    note = next(p for p in r.problems if p.code == "other_month_rows")
    assert note.severity == "warning" and "2026-11" in note.en and "PERIOD is 2026-10" in note.en
    assert r.employee("A01").ok and r.employee("A01").values["ATT.raw"] == 0


def test_a_period_chosen_against_the_workbooks_period_is_refused(tmp_path):
    """`kpixl close OCT.xlsx --period 2026-09` closed October's workbook as September (and again as
    December): its undated figures were taken as that month's. A --period that disagrees with
    PERIOD (and with the file name) is an error at the PERIOD cell; nothing is closed."""
    path = tmp_path / "dingcan.xlsx"
    assert cli("new", "dingcan_points", "--demo", "-o", path, "--period", "2026-10")[0] == 0
    code, out, _ = cli("score", path, "--period", "2026-09", "--json")
    assert code == 1
    people = json.loads(out)
    assert {e["status"] for e in people} == {"error"}
    assert {p["code"] for e in people for p in e["errors"]} == {"period_mismatch"}
    ledger = tmp_path / "l.db"
    assert cli("close", path, "--period", "2026-09", "--ledger", ledger)[0] == 1
    assert cli("close", path, "--period", "2026-10", "--ledger", ledger)[0] == 0  # its own month closes
    renamed = tmp_path / "dingcan_2026-09.xlsx"  # a file named for the month confirms it (a copied book)
    path.rename(renamed)
    code, out, _ = cli("score", renamed, "--period", "2026-09", "--json")
    assert not [p for e in json.loads(out) for p in e["errors"] if p["code"] == "period_mismatch"]


def test_a_workbook_of_daily_figures_of_another_month_is_a_wrong_month_error(tmp_path):
    """No events, every daily figure of October, PERIOD 2026-11: it scored November from October's
    undated figures. The daily Metrics rows count like event rows."""
    from openpyxl import load_workbook

    path = tmp_path / "dingcan.xlsx"
    assert cli("new", "dingcan_points", "--demo", "-o", path, "--period", "2026-10")[0] == 0
    wb = load_workbook(path)
    ws = wb["事件"]
    ws.delete_rows(2, ws.max_row)
    params = wb["参数"]
    next(r for r in params.iter_rows(min_row=2) if r[0].value == "PERIOD")[2].value = "2026-11"
    wb.save(path)
    code, out, _ = cli("validate", path, "--json")
    found = [p for p in json.loads(out) if p["code"] == "wrong_month"]
    assert code == 1 and len(found) == 1 and "2026-10" in found[0]["message_en"]
