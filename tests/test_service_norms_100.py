"""S12 service_norms_100 (客服中心服务规范考核条例), computed by hand from SCHEMES.md S12.

Base 100, per-finding deductions (rule 1), 加倍 = x2 once, only on SN08/SN09/SN10/SN17
(R-SN-2, R-SN-5), score floored at 0 (R-SN-1), SN16 raises its flag 后果自负 (R-G-18).
Every expected number is worked out beside it; none is copied from the program's output.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from conftest import ROOT, run

from kpixl.core.engine import score
from kpixl.core.errors import SchemeError
from kpixl.core.scheme import load_scheme, parse_scheme
from kpixl.workbook.read import inputs_from_records

SCHEME = "service_norms_100"
DOC = json.loads((ROOT / "schemes" / f"{SCHEME}.json").read_text(encoding="utf-8"))


def ev(day, who, rule, qty=None, aggravated=None, month="2026-10"):
    row = {"date": f"{month}-{day:02d}", "employee": who, "rule": rule}
    if qty is not None:
        row["qty"] = qty
    if aggravated is not None:
        row["aggravated"] = aggravated
    return row


def people(*ids):
    return [{"id": i, "name": i, "role": "客户代表"} for i in ids]


def score_of(events, who="A"):
    r = run(SCHEME, "2026-10", employees=people(who), events=events)
    e = r.employee(who)
    assert e.ok, [p.en for p in e.problems]
    return e.values["score"]


# --------------------------------------------------------------------------- rule table

POINTS = [  # (code, points per finding) -- rule 1's table
    ("SN01_TONE", 10), ("SN02_STAFF_ID", 10), ("SN03_MISGUIDE", 10), ("SN04_NOT_ENTERED", 10),
    ("SN05_WRONG_INFO_DISPUTE", 10), ("SN06_REVERSE_LOOKUP", 10), ("SN07_BLAME_OTHERS", 10),
    ("SN08_EARLY_HANGUP", 6), ("SN09_NUISANCE_CALL", 10), ("SN10_FAKE_PRAISE", 10), ("SN11_SPOT_CHECK", 10),
    ("SN12_WRONG_INFO_FLOW", 6), ("SN13_TICKET_TEXT", 5), ("SN14_TICKET_NEEDLESS", 5),
    ("SN15_TICKET_UNCHECKED", 5), ("SN16_FAKE_TICKET", 10), ("SN17_LATE_ENTRY", 6),
]
DOUBLING = {"SN08_EARLY_HANGUP", "SN09_NUISANCE_CALL", "SN10_FAKE_PRAISE", "SN17_LATE_ENTRY"}  # R-SN-2


def test_scheme_has_every_code_of_the_table():
    assert [r.code for r in load_scheme(SCHEME).rules.values()] == [c for c, _ in POINTS]


@pytest.mark.parametrize("code,points", POINTS)
def test_one_finding_deducts_the_table_points(code, points):
    # rule 1: one finding = the table's points off the base of 100
    assert score_of([ev(3, "A", code)]) == 100 - points


@pytest.mark.parametrize("code,points", POINTS)
def test_three_findings_on_one_row(code, points):
    # rule 1: each finding (发现一次 / 发现一单) deducts again; qty 3 = 3 findings
    assert score_of([ev(3, "A", code, qty=3)]) == 100 - 3 * points


@pytest.mark.parametrize("code,aggravated_points", [
    ("SN08_EARLY_HANGUP", 12),   # caused dissatisfaction or a complaint: -6 x 2
    ("SN09_NUISANCE_CALL", 20),  # 情况严重: -10 x 2
    ("SN10_FAKE_PRAISE", 20),    # 情况严重: -10 x 2
    ("SN17_LATE_ENTRY", 12),     # downstream effect OR customer dispute (R-SN-5): -6 x 2
])
def test_aggravated_finding_counts_twice(code, aggravated_points):
    assert score_of([ev(3, "A", code, aggravated=True)]) == 100 - aggravated_points


def test_doubling_is_applied_once_per_finding_never_compounded():
    # R-SN-2: x2 once. Two aggravated SN08 findings on one row: 2 x 12 = 24 (not 6 x 4 x 2)
    assert score_of([ev(3, "A", "SN08_EARLY_HANGUP", qty=2, aggravated=True)]) == 76
    # the same facts on two rows give the same total
    assert score_of([ev(3, "A", "SN08_EARLY_HANGUP", aggravated=True),
                     ev(4, "A", "SN08_EARLY_HANGUP", aggravated=True)]) == 76


@pytest.mark.parametrize("cell", [False, "否", "no", None])
def test_not_aggravated_cell_values(cell):
    # an empty cell or 否/no means no doubling: SN17 stays -6
    assert score_of([ev(3, "A", "SN17_LATE_ENTRY", aggravated=cell)]) == 94


@pytest.mark.parametrize("code", [c for c, _ in POINTS if c not in DOUBLING])
def test_aggravated_flag_on_other_codes_is_a_located_error(code):
    # R-SN-2: the flag on any other code is a validation error naming the cell
    r = run(SCHEME, "2026-10", employees=people("A", "B"),
            events=[ev(3, "A", code, aggravated=True), ev(4, "B", "SN01_TONE")])
    a = r.employee("A")
    assert a.status == "error"
    pr = next(p for p in a.problems if p.code == "aggravation_not_allowed")
    assert pr.where == "事件!G2 / Events!G2"  # column G is 加倍 / Aggravated, row 2 the first event
    assert code in pr.zh and code in pr.en and pr.fix_zh and pr.fix_en
    assert r.employee("B").values["score"] == 90  # only A's result is blocked


# --------------------------------------------------------------------------- worked example

def test_worked_example_e1_e2_e3():
    r = run(SCHEME, "2026-10", employees=people("E1", "E2", "E3"), events=[
        ev(5, "E1", "SN01_TONE"),                                   # -10
        ev(6, "E1", "SN08_EARLY_HANGUP"),                           # -6
        ev(7, "E1", "SN08_EARLY_HANGUP", aggravated=True),          # caused a complaint: -12
        ev(8, "E1", "SN13_TICKET_TEXT"),                            # -5          -> 100 - 33 = 67
        ev(9, "E2", "SN09_NUISANCE_CALL", aggravated=True),         # severe: -20
        ev(10, "E2", "SN17_LATE_ENTRY", aggravated=True),           # downstream: -12
        ev(11, "E2", "SN05_WRONG_INFO_DISPUTE"),                    # R-SN-3: SN05 only, -10 -> 58
        ev(12, "E3", "SN11_SPOT_CHECK", qty=11),                    # -110 -> floor 0 (R-SN-1)
    ])
    assert [r.employee(i).values["score"] for i in ("E1", "E2", "E3")] == [67, 58, 0]
    assert [r.employee(i).values["SN.deduction"] for i in ("E1", "E2", "E3")] == [33, 42, 110]


@pytest.mark.parametrize("findings,expected", [
    ([("SN01_TONE", 10)], 0),                       # exactly 100 off: 0 (R-SN-1)
    ([("SN01_TONE", 9), ("SN13_TICKET_TEXT", 1)], 5),  # 100 - 95 = 5
    ([("SN01_TONE", 9), ("SN13_TICKET_TEXT", 3)], 0),  # 100 - 105 floors at 0 (R-SN-1)
    ([], 100),                                      # no finding: the base (rule 2, no bonus items)
])
def test_floor_at_zero(findings, expected):
    assert score_of([ev(3, "A", c, qty=q) for c, q in findings]) == expected


def test_sn16_raises_its_flag_once_per_row():
    # R-G-18: code = the rule code, a Chinese label 后果自负; one row raises one flag
    r = run(SCHEME, "2026-10", employees=people("A"),
            events=[ev(3, "A", "SN16_FAKE_TICKET", qty=2), ev(9, "A", "SN16_FAKE_TICKET")])
    assert r.employee("A").values["score"] == 70  # 3 tickets x -10
    flags = r.flags_of("A")
    assert [f["code"] for f in flags] == ["SN16_FAKE_TICKET", "SN16_FAKE_TICKET"]
    assert all("后果自负" in f["label_zh"] for f in flags)
    assert flags[0]["sources"] == ["事件!C2 / Events!C2"]


def test_no_flag_without_sn16():
    r = run(SCHEME, "2026-10", employees=people("A"), events=[ev(3, "A", "SN10_FAKE_PRAISE", aggravated=True)])
    assert r.flags_of("A") == []


def test_events_of_another_month_are_ignored():
    # R-G-7, R-SN-1 (calendar month)
    assert score_of([ev(30, "A", "SN01_TONE", month="2026-09"), ev(1, "A", "SN13_TICKET_TEXT")]) == 95


def test_rulings_r_sn_3_and_4_are_written_on_the_rules():
    rules = load_scheme(SCHEME).rules
    assert "R-SN-3" in rules["SN05_WRONG_INFO_DISPUTE"].ruling and "R-SN-3" in rules["SN12_WRONG_INFO_FLOW"].ruling
    assert "R-SN-4" in rules["SN11_SPOT_CHECK"].ruling


def test_explanation_shows_the_doubling():
    r = run(SCHEME, "2026-10", employees=people("A"), events=[ev(3, "A", "SN09_NUISANCE_CALL", aggravated=True)])
    line = next(x for x in r.explanation("A") if x["kind"] == "points")
    assert line["points"] == -20 and "加倍 ×2" in line["text_zh"] and "aggravated x2" in line["text_en"]
    assert line["source"] == "事件!C2"


# --------------------------------------------------------------------------- the primitive, generically

def test_aggravation_needs_the_event_field():
    doc = copy.deepcopy(DOC)
    doc.pop("event_fields")
    with pytest.raises(SchemeError) as exc:
        parse_scheme(doc, "schemes/x.json")
    assert exc.value.problems[0].code == "rule_aggravation_field"
    assert exc.value.problems[0].where == "schemes/x.json $.rules[7].aggravation"


def test_aggravation_only_on_rules_with_an_amount():
    doc = copy.deepcopy(DOC)
    doc["rules"][0].update(kind="info", aggravation=2)
    doc["rules"][0].pop("points")
    with pytest.raises(SchemeError) as exc:
        parse_scheme(doc, "schemes/x.json")
    assert exc.value.problems[0].code == "rule_aggravation_kind"


def test_aggravation_of_a_money_rule():
    # building block 6 on a money rule: 50 yuan x qty 3, doubled once = 300.00 (R-G-14: one line)
    doc = copy.deepcopy(DOC)
    doc["rules"].append({"code": "FINE", "zh": "罚款", "en": "Fine", "kind": "money", "points": 50, "aggravation": 2})
    scheme = parse_scheme(doc, "schemes/x.json")
    _, inputs = inputs_from_records(scheme, "2026-10", employees=people("A"),
                                    events=[ev(3, "A", "FINE", qty=3, aggravated=True), ev(4, "A", "FINE")])
    r = score(scheme, inputs)
    assert r.employee("A").values["money.deductions"] == Decimal("350.00")  # 300.00 + 50.00
    assert r.employee("A").values["score"] == 100  # money never changes points (R-G-8)


@pytest.mark.parametrize("engine", ["fastexcel", "openpyxl"])
def test_workbook_aggravated_column(tmp_book, engine):
    # the template's 加倍 / Aggravated column: 是 doubles SN17 (-12), a 是 on SN13 is located (R-SN-2)
    from kpixl.core.engine import score
    from kpixl.workbook.read import read_workbook

    path = tmp_book(SCHEME, "2026-10", employees=people("A", "B"),
                    events=[ev(3, "A", "SN17_LATE_ENTRY", aggravated="是"), ev(4, "B", "SN13_TICKET_TEXT", aggravated="是")])
    r = score(*read_workbook(path, engine=engine))
    assert r.employee("A").values["score"] == 88
    assert [(p.code, p.where) for p in r.employee("B").problems] == [("aggravation_not_allowed", "事件!G3 / Events!G3")]
