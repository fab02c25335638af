"""Attack E on the ledger: an employee dropped from a month read (F6), earlier-month Events rows that
disagree with the month's closed figures (F1), and a ladder start state typed in part (F3).

Expected values are computed by hand from SCHEMES.md (S4 R-KF-1/R-KF-4, S15 R-HP-3/R-HP-8); the
arithmetic is in the comments.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import cli, make_book

S4 = "kefu_fines"
MISS = "FINE_AFTERSALES_MISS"  # R-KF-4: 100 / 200 / 300 元 per customer for occurrences 1 / 2 / 3 of the year


def emp(eid: str) -> dict:
    return {"id": eid, "name": eid, "role": "客服", "department": "招生部", "hire_date": "2025-01-01"}


def ev(day: str, who: str, rule: str = MISS, **kw) -> dict:
    return {"date": day, "employee": who, "rule": rule, **kw}


def s4_book(folder: Path, period: str, emps, events=(), history=(), name: str | None = None) -> Path:
    return make_book(folder / (name or f"{period}.xlsx"), S4, period, employees=list(emps), events=list(events),
                     history=list(history))


def scored(book: Path) -> tuple[int, dict]:
    code, out, _err = cli("score", book, "--json", "--compact")
    return code, {r["employee_id"]: r for r in json.loads(out)}


def close(book: Path, *extra: str) -> str:
    code, out, err = cli("close", book, "--by", "qa", *extra)
    assert code == 0, err
    return out


def codes(items: list[dict]) -> list[str]:
    return [p["code"] for p in items]


# ------------------------------------------------------------------------------- F6 dropped by a re-close


def test_an_employee_dropped_from_a_month_read_is_withheld_like_one_left_out(tmp_path):
    emps = [emp("A"), emp("B")]
    close(s4_book(tmp_path, "2027-01", emps, [ev("2027-01-05", "B")]))
    close(s4_book(tmp_path, "2027-02", emps, [ev("2027-02-05", "B")]))
    out = close(s4_book(tmp_path, "2027-02", [emp("A")], name="2027-02b.xlsx"), "--reason", "B 已离职", "--drop", "B")
    assert "B" in out
    march = [ev("2027-03-05", "B")]
    code, recs = scored(s4_book(tmp_path, "2027-03", emps, march))
    # B's February is gone from the ledger (v2): counting only January would give occurrence 2 -> 200 元,
    # while R-KF-1 counts Jan 1 + Feb 1 + Mar = occurrence 3 -> 300 元. B is withheld; A is scored.
    assert code == 1 and recs["A"]["status"] == "ok"
    assert recs["B"]["status"] == "error" and codes(recs["B"]["errors"]) == ["ledger_dropped"]
    err = recs["B"]["errors"][0]
    assert err["where"] == "账本 2027-02 v2 / ledger 2027-02 v2" and "--drop" in err["message_en"]
    assert "原因：B 已离职" in err["message_zh"] and "(why: B 已离职" in err["message_en"]
    assert "History" in err["fix_en"] and "--reason" in err["fix_en"]
    # typing B's February on History: Jan 1 (ledger) + Feb 1 (typed) + Mar = occurrence 3 -> 300 元
    typed = [{"employee": "B", "period": "2027-02", "item": MISS, "value": 1}]
    code, recs = scored(s4_book(tmp_path, "2027-03", emps, march, typed, name="2027-03b.xlsx"))
    assert code == 0 and recs["B"]["money"]["deductions"] == 300
    # or re-closing February with B again: the same 300 元, nothing withheld
    close(s4_book(tmp_path, "2027-02", emps, [ev("2027-02-05", "B")], name="2027-02c.xlsx"), "--reason", "B 在岗")
    code, recs = scored(s4_book(tmp_path, "2027-03", emps, march))
    assert code == 0 and recs["B"]["money"]["deductions"] == 300


def test_an_employee_dropped_who_is_not_on_the_sheet_is_no_problem(tmp_path):
    emps = [emp("A"), emp("B")]
    close(s4_book(tmp_path, "2027-01", emps, [ev("2027-01-05", "A")]))
    close(s4_book(tmp_path, "2027-02", emps))
    close(s4_book(tmp_path, "2027-02", [emp("A")], name="2027-02b.xlsx"), "--reason", "B 已离职", "--drop", "B")
    code, recs = scored(s4_book(tmp_path, "2027-03", [emp("A")], [ev("2027-03-05", "A")]))
    # A: Jan 1 + Mar = occurrence 2 -> 200 元
    assert code == 0 and recs["A"]["money"]["deductions"] == 200 and "ledger_dropped" not in codes(recs["A"]["warnings"])


# ------------------------------------------------------------------------------- F3 a start state typed in part


def s15_book(folder: Path, period: str, sales: int, conv: int, history=(), name: str | None = None) -> Path:
    metrics = [{"employee": "W", "metric": code, "value": value} for code, value in
               (("M_SALES", sales), ("M_CONVERSION", conv), ("TASK_MET", True), ("HR_APPROVAL", True))]
    return make_book(folder / (name or f"{period}.xlsx"), "houpin_ladder", period,
                     employees=[{"id": "W", "name": "王", "role": "客服", "department": "网店客服部"}],
                     metrics=metrics, history=list(history))


def test_a_start_state_typed_in_part_uses_none_of_the_ledgers_rows_of_it(tmp_path):
    april = [{"employee": "W", "period": "2027-04", "item": "LEVEL", "value": "LV_MID"}]
    # April at 中级 (MISS, STREAK default 0, reported): 720,000 / 21% passes 中级's test (>= 700,000, >= 20%)
    # -> streak 1; May 750,000 / 20% -> streak 2. The ledger's June start state: 中级, MISS 0, STREAK 2.
    code, recs = scored(s15_book(tmp_path, "2027-04", 720000, 21, april))
    assert code == 0 and codes(recs["W"]["warnings"]).count("default_used") == 2  # MISS and STREAK of April
    close(s15_book(tmp_path, "2027-04", 720000, 21, april))
    close(s15_book(tmp_path, "2027-05", 750000, 20))
    code, recs = scored(s15_book(tmp_path, "2027-06", 690000, 25, name="2027-06a.xlsx"))
    # without the demotion: June at 中级, 690,000 < 700,000 breaks the streak -> 0
    assert code == 0 and recs["W"]["values"]["level"] == "LV_MID" and recs["W"]["values"]["streak"] == 0
    # HR demotes 王 by hand: June's History types only LEVEL = 初级. The start state is read whole from the
    # workbook: 初级, MISS 0, STREAK 0 (defaults). June 690,000 / 25% passes 初级's test (>= 350,000, >= 15%)
    # -> streak 1: no promotion (R-HP-3: 3 months at the current level; 中级's STREAK 2 does not count).
    june = [{"employee": "W", "period": "2027-06", "item": "LEVEL", "value": "LV_JUNIOR"}]
    code, recs = scored(s15_book(tmp_path, "2027-06", 690000, 25, june))
    values = recs["W"]["values"]
    assert code == 0 and recs["W"]["status"] == "ok"
    assert values["level"] == "LV_JUNIOR" and values["streak"] == 1 and values["next_level"] == "LV_JUNIOR"
    assert [f["code"] for f in recs["W"]["flags"]] == []
    warnings = codes(recs["W"]["warnings"])
    assert warnings.count("ledger_state_typed") == 2 and warnings.count("default_used") == 2
    state = [w for w in recs["W"]["warnings"] if w["code"] == "ledger_state_typed"]
    assert {w["where"] for w in state} == {"历史!E2 / History!E2"} and any("STREAK 2" in w["message_en"] for w in state)


# ------------------------------------------------------------------------------- F1 a register that disagrees


def test_earlier_month_events_rows_that_disagree_with_the_closed_month_withhold_the_employee(tmp_path):
    emps = [emp("A"), emp("B")]
    close(s4_book(tmp_path, "2027-01", emps, [ev("2027-01-05", "B"), ev("2027-01-06", "A", "FINE_DAILY_REPORT")]))
    # February's year-to-date register has TWO January rows for B (January is closed with 1) and one for A,
    # who is closed in January with no FINE_AFTERSALES_MISS (0).
    register = [ev("2027-01-05", "B"), ev("2027-01-20", "B"), ev("2027-01-09", "A"), ev("2027-02-05", "B")]
    code, recs = scored(s4_book(tmp_path, "2027-02", emps, register))
    # counting the register would make B's February occurrence 3 (300 元), A's nothing this month; neither is sure
    assert code == 1 and recs["A"]["status"] == "error" and recs["B"]["status"] == "error"
    assert codes(recs["B"]["errors"]) == ["ledger_events_differ"] and codes(recs["A"]["errors"]) == ["ledger_events_differ"]
    err = recs["B"]["errors"][0]
    assert err["where"] == "事件!C2 / Events!C2"  # B's first January row
    assert "2027-01 is closed with 1" in err["message_en"] and "count 2" in err["message_en"]
    assert "ledger 2027-01 v1" in err["message_en"] and "--reason" in err["fix_en"]
    assert "2027-01 is closed with 0" in recs["A"]["errors"][0]["message_en"]
    # rows that agree with the ledger: B Jan 1 (ledger and row) + Feb = occurrence 2 -> 200 元; A none -> 0 元
    agree = [ev("2027-01-05", "B"), ev("2027-02-05", "B")]
    code, recs = scored(s4_book(tmp_path, "2027-02", emps, agree, name="2027-02b.xlsx"))
    assert code == 0 and recs["B"]["money"]["deductions"] == 200 and recs["A"]["money"]["deductions"] == 0
    # January re-closed with B's second row: Jan 2 + Feb = occurrence 3 -> 300 元
    close(s4_book(tmp_path, "2027-01", emps, [ev("2027-01-05", "B"), ev("2027-01-20", "B"),
                                              ev("2027-01-06", "A", "FINE_DAILY_REPORT")], name="2027-01b.xlsx"),
          "--reason", "补录 B 1月20日")
    two = [ev("2027-01-05", "B"), ev("2027-01-20", "B"), ev("2027-02-05", "B")]
    code, recs = scored(s4_book(tmp_path, "2027-02", emps, two, name="2027-02c.xlsx"))
    assert code == 0 and recs["B"]["money"]["deductions"] == 300
