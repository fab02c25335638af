"""Clerk text that looks right in Excel but is not what it looks (attack F): invisible format
characters (a zero-width space pasted after 客服部 or KF002), superscript digits read as digits,
one person listed under two spellings of an ID, and restaurant classes written as contracts write
them. Expected figures computed by hand from SCHEMES.md."""

from __future__ import annotations

import json
import unicodedata

import pytest
from conftest import cli, make_book, run

from kpixl.core.invisible import CF_RANGES, visible
from kpixl.core.numbers import NotANumber, to_decimal

ZWSP = "\u200b"
S1 = "weikang_100"
S1_PARAMS = {"LEARNING_ACTIVITIES_HELD": 1}


def test_the_ranges_are_every_format_character():
    listed = {c for a, b in CF_RANGES for c in range(a, b + 1)}
    known_cf = {c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}
    assert known_cf <= listed
    # the rest are Cf characters added after this Python's Unicode (U+13439..1343F, Unicode 15)
    assert all(unicodedata.category(chr(c)) in ("Cf", "Cn") for c in listed - known_cf)
    assert visible(f"KF{ZWSP}002\ufeff") == "KF002" and visible("商务\u00ad一组\u2060") == "商务一组"


def s1(depts, ids=None):
    ids = ids or [f"W{i}" for i in range(1, len(depts) + 1)]
    employees = [{"id": e, "name": f"员{e}", "role": "客服", "department": d} for e, d in zip(ids, depts, strict=True)]
    metrics = [{"employee": e.strip(ZWSP), "metric": "LEAVE_DAYS", "value": 0} for e in ids]
    events = [{"date": "2026-10-09", "employee": "W1", "rule": "DIS_COMPLAINT"}]
    return run(S1, "2026-10", employees=employees, events=events, metrics=metrics, parameters=S1_PARAMS)


@pytest.mark.parametrize("ch", [ZWSP, "\ufeff", "\u2060", "\u200c", "\u200d", "\u00ad"])
def test_an_invisible_character_after_a_department_does_not_make_a_department_of_one(ch):
    # R-WK-11: W1's complaint takes the +3 from all of 客服部. W1 100 - 5 + 5 (全勤) + 3 (学习) = 103;
    # W2 and W3 100 + 5 + 3 = 108. Before, W3's "客服部" + U+200B was a clean department of one: 111.
    r = s1(["客服部", "客服部", "客服部" + ch])
    assert [r.employee(e).values["score"] for e in ("W1", "W2", "W3")] == [103, 108, 108]
    (w,) = [p for p in r.problems if p.code == "invisible_characters"]
    assert w.severity == "warning" and w.where == "员工!D4 / Employees!D4"
    assert f"U+{ord(ch):04X}" in w.en and "D4" in w.zh


def test_an_invisible_character_in_an_event_id_is_the_visible_id():
    # the event's 工号 KF... + U+200B was "not on the Employees sheet" although it plainly is
    r = run(S1, "2026-10", employees=[{"id": "W1", "name": "甲", "role": "客服", "department": "客服部"}],
            events=[{"date": "2026-10-09", "employee": "W1" + ZWSP, "rule": "DIS_COMPLAINT"}],
            metrics=[{"employee": "W1", "metric": "LEAVE_DAYS", "value": 0}], parameters=S1_PARAMS)
    assert r.employee("W1").values["score"] == 103  # 100 - 5 + 5 + 3
    assert not [p for p in r.problems if p.code == "unknown_employee"]


@pytest.mark.parametrize("twin", ["kf002", "ＫＦ００２", "KF 002"])
def test_one_person_under_two_spellings_of_an_id_is_an_error_on_both(twin):
    # before: KF002 and kf002 were two people, each scored (the twin got 108 with no event of its own)
    r = s1(["客服部", "客服部", "客服部"], ids=["W1", "KF002", twin])
    for emp, row, other in (("KF002", 3, twin), (twin, 4, "KF002")):
        e = r.employee(emp)
        assert e.status == "error" and "score" not in e.values
        (p,) = [p for p in e.problems if p.code == "employee_ids_alike"]
        assert p.where == f"员工!A{row} / Employees!A{row}" and other in p.zh
    assert r.employee("W1").values["score"] == 103


def test_an_invisible_character_in_an_id_is_the_same_person_twice():
    r = s1(["客服部", "客服部", "客服部"], ids=["W1", "KF002", "KF002" + ZWSP])
    assert r.employee("KF002").status == "error"
    assert any(p.code == "duplicate_employee" for p in r.employee("KF002").problems)


@pytest.mark.parametrize("text", ["12²", "3²", "1¹", "①", "12⁰"])
def test_superscript_and_circled_digits_are_not_numbers(text):
    # Unicode NFKC read 12² as 122 (a qty) and 3200¹ as 32001 (a salary)
    with pytest.raises(NotANumber):
        to_decimal(text)


@pytest.mark.parametrize("text,value", [("１２", 12), ("８０．５", "80.5"), ("－３", -3), ("−3", -3), ("１，２３４", 1234)])
def test_full_width_numbers_still_read(text, value):
    assert to_decimal(text) == to_decimal(value)


def test_a_superscript_qty_is_an_error_at_its_cell():
    r = run(S1, "2026-10", employees=[{"id": "W1", "name": "甲", "role": "客服", "department": "客服部"}],
            events=[{"date": "2026-10-09", "employee": "W1", "rule": "DIS_COMPLAINT", "qty": "12²"}],
            metrics=[{"employee": "W1", "metric": "LEAVE_DAYS", "value": 0}], parameters=S1_PARAMS)
    e = r.employee("W1")
    assert e.status == "error"
    (p,) = [p for p in e.problems if p.code == "bad_number"]
    assert p.where.startswith("事件!D2") and "12²" in p.en


def test_both_engines_read_invisible_characters_alike(tmp_path):
    book = make_book(tmp_path / "2026-10.xlsx", S1, "2026-10", parameters=S1_PARAMS, employees=[
        {"id": "W1", "name": "甲", "role": "客服", "department": "客服部"},
        {"id": "W2", "name": "乙", "role": "客服", "department": "客服部" + ZWSP}],
        events=[{"date": "2026-10-09", "employee": "W1", "rule": "DIS_COMPLAINT"}],
        metrics=[{"employee": e, "metric": "LEAVE_DAYS", "value": 0} for e in ("W1", "W2")])
    outs = []
    for engine in ([], ["--engine", "openpyxl"]):
        code, out, _ = cli("score", book, "--json", *engine)
        assert code == 0
        outs.append({x["employee_id"]: x["score"] for x in json.loads(out)})
    assert outs[0] == outs[1] == {"W1": 103, "W2": 108}


# ----------------------------------------------------------------------------- S8 classes (R-CY-5)

def s8(events):
    employees = [{"id": i, "name": i, "role": "客服", "team": "一组"} for i in "AB"]
    metrics = [{"employee": e, "metric": "COLLECTIONS", "value": 1, "date": "2026-10-06"} for e in "AB"]
    return run("canyin_center_points", "2026-10", employees=employees, metrics=metrics, events=events)


@pytest.mark.parametrize("text,points", [
    ("A类酒店", 20), ("A级", 20), ("A档", 20), ("(A)", 20), ("（A）", 20), ("A-类", 20), ("Class A", 20),
    ("A类餐厅", 20), ("B级饭店", 10), ("C类", 5), ("普通", 5), ("D级", 5)])
def test_a_class_as_contracts_write_it(text, points):
    # R-CY-5: A 20, B 10, any other class 5. Before, A类酒店, A级, A档, (A), A-类 all scored 5 as "other".
    r = s8([{"date": "2026-10-20", "employee": "A", "rule": "C_SIGN", "restaurant_class": text}])
    assert r.employee("A").status == "ok"
    assert r.employee("A").values["SIGN.points"] == points


@pytest.mark.parametrize("text", ["甲类", "A类 连锁", "AB", "B2B"])
def test_a_class_text_that_may_name_a_paying_class_is_asked(text):
    # not taken as "other" (5): it may be class A or B (20 or 10)
    r = s8([{"date": "2026-10-20", "employee": "A", "rule": "C_SIGN", "restaurant_class": text}])
    a = r.employee("A")
    assert a.status == "error"
    (p,) = [p for p in a.problems if p.code == "class_unclear"]
    assert p.where.startswith("事件!G2") and text in p.zh
    # A's points are unknown, so the team's places are too (R-G-2): B is withheld by the ranking
    assert [p.code for p in r.employee("B").problems] == ["blocked_by_group"]


def test_a_class_code_agreeing_with_its_written_class_is_no_contradiction():
    # C_SIGN_A with "A类酒店" agrees (before: "contradicts class A类酒店")
    r = s8([{"date": "2026-10-20", "employee": "A", "rule": "C_SIGN_A", "restaurant_class": "A类酒店"}])
    assert r.employee("A").status == "ok" and r.employee("A").values["SIGN.points"] == 20


@pytest.mark.parametrize("engine", ["fastexcel", "openpyxl"])
def test_values_in_a_column_without_a_header_are_a_warning(tmp_path, engine):
    # before: a column of 3s beside the events, without a header, was dropped with no word
    import openpyxl

    from kpixl.core.engine import score
    from kpixl.workbook.read import read_workbook

    book = make_book(tmp_path / "2026-10.xlsx", S1, "2026-10", parameters=S1_PARAMS,
                     employees=[{"id": "W1", "name": "甲", "role": "客服", "department": "客服部"}],
                     events=[{"date": "2026-10-09", "employee": "W1", "rule": "DIS_COMPLAINT"},
                             {"date": "2026-10-10", "employee": "W1", "rule": "DIS_COMPLAINT"}],
                     metrics=[{"employee": "W1", "metric": "LEAVE_DAYS", "value": 0}])
    wb = openpyxl.load_workbook(book)
    ws = wb["事件"]
    col = ws.max_column + 2  # one empty column between, as a clerk's side note
    ws.cell(2, col).value, ws.cell(3, col).value = 3, 3
    wb.save(book)
    letter = openpyxl.utils.get_column_letter(col)
    scheme, inputs = read_workbook(book, engine=engine)
    (w,) = [p for p in inputs.problems if p.code == "unnamed_column"]
    assert w.severity == "warning" and w.where == f"事件!{letter}1 / Events!{letter}1" and "2 values" in w.en
    # the events still count: 100 - 5 - 5 + 5 (全勤) + 3 (学习) = 98 (no clean-department bonus, R-WK-11)
    assert score(scheme, inputs).employee("W1").values["score"] == 98


def test_an_event_id_in_another_case_names_the_employee_in_its_fix():
    r = run(S1, "2026-10", employees=[{"id": "KF002", "name": "甲", "role": "客服", "department": "客服部"}],
            events=[{"date": "2026-10-09", "employee": "kf002", "rule": "DIS_COMPLAINT"}],
            metrics=[{"employee": "KF002", "metric": "LEAVE_DAYS", "value": 0}], parameters=S1_PARAMS)
    (p,) = [p for p in r.problems if p.code == "unknown_employee"]
    assert p.where.startswith("事件!B2") and "type KF002" in p.fix_en and "改填 KF002" in p.fix_zh
