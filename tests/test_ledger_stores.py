"""Month after month through the ledger, on SQLite and on a real PostgreSQL: identical results,
equal to the values computed by hand from SCHEMES.md (the clause is cited on each row).

No History row is typed after the first month: every later month reads the ledger.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from conftest import D
from ledger_pg import fresh_database, start_cluster

from kpixl.demo import as_dates
from kpixl.ledger import close_book, open_ledger, score_month
from kpixl.workbook.read import inputs_from_records

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    url, why, stop = start_cluster()
    if url is None:
        pytest.skip(f"PostgreSQL ledger tests skipped: {why}")
    yield url
    stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = open_ledger(str(tmp_path / "kpixl.db"))
    else:
        s = open_ledger(fresh_database(request.getfixturevalue("pg_server"), f"kpixl_t{next(_counter)}"))
    yield s
    s.close()


def month(store, scheme_id, period, **sheets):
    """Close one month's workbook (plain rows) into the ledger; return its result."""
    scheme, raw = inputs_from_records(scheme_id, period, **{k: as_dates(v) if isinstance(v, list) else v
                                                             for k, v in sheets.items() if v is not None})
    _closed, result = close_book(store, scheme, raw, "test")
    for e in result.employees:
        assert e.ok, (period, e.id, [p.en for p in e.problems])
    return result


# --------------------------------------------------------------------------- S7: exchange and levels

S7_DEPT = "订餐部"


def s7_metrics(day, this, last=None):
    rows = [{"employee": "A", "metric": "ORDERS_SUCCESS", "value": 30, "date": day},
            {"employee": "A", "metric": "PARTNER_BOOKINGS", "value": 0, "date": day},
            {"employee": "A", "metric": "SUCCESS_RATE", "value": 60, "date": day},
            {"employee": "A", "metric": "SUCCESS_RATE", "value": 60},
            {"team": S7_DEPT, "metric": "M_ANSWER_RATE", "value": 96},
            {"team": S7_DEPT, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": this}]
    if last is not None:
        rows.append({"team": S7_DEPT, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": last, "period": "2026-08"})
    return rows


def test_s7_three_months_carry_over_and_levels(store):
    # A alone, one working day a month with 30 orders at 60%: daily 1st 3 + weekly 1st 5 + monthly 1st 10
    # = month_net 18 (R-DC-2/5/6, as in tests/test_dingcan_points.py). September starts from a typed
    # cumulative 50 and carry-out 0 (the whole account: ledger_state.py); October and November read carry-out, cumulative, level and last month's department
    # bookings from the ledger.
    emps = [{"id": "A", "name": "A", "role": "订餐师", "department": S7_DEPT}]
    want = [
        # balance = carry_in + 18; exchanged = floor(0.8 x balance), carry_out = the rest (R-DC-9);
        # rate = this / last month's department bookings (R-DC-10); cash = exchanged x rate;
        # cumulative = before + net (R-DC-11) -> 68 >= 60 LEVEL_1, 86 >= 80 LEVEL_2, 104 >= 100 LEVEL_3
        ("2026-09", "2026-09-08", 1000, 1000, (0, 18, 14, 4, "1", "14.00", 68, "LEVEL_1")),
        ("2026-10", "2026-10-06", 1100, None, (4, 22, 17, 5, "1.1", "18.70", 86, "LEVEL_2")),
        ("2026-11", "2026-11-10", 990, None, (5, 23, 18, 5, "0.9", "16.20", 104, "LEVEL_3")),
    ]
    for period, day, this, last, expected in want:
        hist = [{"employee": "A", "period": "2026-08", "item": "CUMULATIVE_POINTS", "value": 50},
                {"employee": "A", "period": "2026-08", "item": "CARRY_OUT", "value": 0}] if last else None
        r = month(store, "dingcan_points", period, employees=emps, metrics=s7_metrics(day, this, last), history=hist)
        v = r.employee("A").values
        got = tuple(v[k] for k in ("carry_in", "balance", "exchanged", "carry_out", "exchange_rate", "cash",
                                   "cumulative", "level"))
        c_in, bal, ex, co, rate, cash, cum, level = expected
        assert got == (D(c_in), D(bal), D(ex), D(co), Decimal(rate), Decimal(cash), D(cum), level), period
        if period > "2026-09":
            sources = {line["source"] for line in r.explanation("A")}
            prev = "2026-09" if period == "2026-10" else "2026-10"
            assert any(f"账本 {prev} v1 / ledger {prev} v1" in s for s in sources), sources


# --------------------------------------------------------------------------- S3: three months, then the quarter

PERFECT = {"M_COMPLAINT_RESOLVED_RATE": 100, "M_CALLBACK_COUNT": 4000, "M_SCHEDULED_DAYS": 20,
           "M_CALLBACK_UNTRUE": 0, "M_CSAT_RATE": 100}


def s3_month(store, period, xs):
    emps = [{"id": e, "name": e, "role": "客服"} for e in xs]
    metrics = [{"employee": e, "metric": k, "value": v} for e in xs for k, v in PERFECT.items()]
    ratings = [{"employee": e, "rater": rater, "score": x} for e, x in xs.items() for rater in ("RATER_SELF", "RATER_GROUP")]
    return month(store, "branch_cs_scorecard", period, employees=emps, metrics=metrics, ratings=ratings)


def test_s3_three_months_then_the_quarter_from_the_ledger(store):
    # A perfect month has total 100 (the superior's part); self = group = x, so the composite is
    # 0.15x + 0.60 x 100 + 0.25x = 60 + 0.4x (rule 5): x 100 -> 100, 90 -> 96, 80 -> 92, 50 -> 80.
    months = {"2026-10": {"A": 100, "B": 90, "C": 80}, "2026-11": {"A": 80, "B": 90, "C": 100},
              "2026-12": {"A": 90, "B": 50, "C": 90}}
    composites = {"2026-10": {"A": "100", "B": "96", "C": "92"}, "2026-11": {"A": "92", "B": "96", "C": "100"},
                  "2026-12": {"A": "96", "B": "80", "C": "96"}}
    for period, xs in months.items():
        r = s3_month(store, period, xs)
        assert {e.id: e.values["composite"] for e in r.employees} == {k: D(v) for k, v in composites[period].items()}
    # The quarter run has only the Employees sheet: sums A 288, B 272, C 288 (R-BR-11); A and C tie at 1st
    # and both get 500, rank 2 is vacant, B is 3rd and gets 200 (R-G-2, rule 6).
    scheme, raw = inputs_from_records("branch_cs_scorecard", "2026-Q4",
                                      employees=[{"id": e, "name": e, "role": "客服"} for e in "ABC"])
    r, _inputs, loaded = score_month(store, scheme, raw)
    assert {e.id: e.values["Q_SUM"] for e in r.employees} == {"A": D(288), "B": D(272), "C": D(288)}
    assert {e.id: e.values["Q_TOP3_AWARD.rank"] for e in r.employees} == {"A": 1, "B": 3, "C": 1}
    assert {e.id: e.values["money.awards"] for e in r.employees} == {"A": D("500.00"), "B": D("200.00"), "C": D("500.00")}
    assert len(loaded.read_ids) == 3


# --------------------------------------------------------------------------- S15: the ladder, four months

def test_s15_wang_four_months_from_the_ledger(store):
    # SCHEMES.md S15 worked example 王 (as in tests/test_houpin_ladder.py): January starts 初级 (typed);
    # 36W/16%, 40W/15%, 38W/17% qualify for 中级 three months running with approval -> PROMO_MID and
    # 中级 from 1 April (R-HP-3/4, R-G-10); April at 中级 (base 2500), the streak restarts at 1.
    figures = {"2026-01": (360000, 16), "2026-02": (400000, 15), "2026-03": (380000, 17), "2026-04": (720000, 21)}
    want = {"2026-01": ("LV_JUNIOR", 2000, 1, "LV_JUNIOR"), "2026-02": ("LV_JUNIOR", 2000, 2, "LV_JUNIOR"),
            "2026-03": ("LV_JUNIOR", 2000, 3, "LV_MID"), "2026-04": ("LV_MID", 2500, 1, "LV_MID")}
    for period, (sales, conv) in figures.items():
        metrics = [{"employee": "W", "metric": code, "value": v} for code, v in
                   (("M_SALES", sales), ("M_CONVERSION", conv), ("TASK_MET", True), ("HR_APPROVAL", True))]
        hist = [{"employee": "W", "period": "2026-01", "item": "LEVEL", "value": "LV_JUNIOR"}] if period == "2026-01" else None
        r = month(store, "houpin_ladder", period, employees=[{"id": "W", "name": "王", "role": "客服"}], metrics=metrics,
                  history=hist)
        v = r.employee("W").values
        level, base, streak, nxt = want[period]
        assert (v["level"], v["BASE_PAY"], v["streak"], v["next_level"]) == (level, D(base), streak, nxt), period
        flags = sorted(f["code"] for f in r.flags_of("W"))
        assert flags == (["PROMO_MID"] if period == "2026-03" else []), period


# --------------------------------------------------------------------------- S4: occurrences across a year boundary

def test_s4_occurrences_restart_with_the_calendar_year(store):
    # FINE_PRIVATE_CALL: 1st 通告批评 (no money), 2nd 50, 3rd and later 100 (R-KF-1, R-KF-2), counted within
    # the calendar year: November 1st; December 2nd + 3rd = 150; January 2027 is the 1st of a new year;
    # February the 2nd (50), counting January from the ledger.
    want = {"2026-11": (["2026-11-10"], "0.00"), "2026-12": (["2026-12-03", "2026-12-17"], "150.00"),
            "2027-01": (["2027-01-12"], "0.00"), "2027-02": (["2027-02-09"], "50.00")}
    for period, (days, fine) in want.items():
        events = [{"date": d, "employee": "K1", "rule": "FINE_PRIVATE_CALL"} for d in days]
        r = month(store, "kefu_fines", period, employees=[{"id": "K1", "name": "小李", "role": "客服"}], events=events)
        assert r.value("K1", "money.deductions") == Decimal(fine), period


def test_s7_an_absent_month_keeps_the_latest_state(store):
    # B works in September, is away in October (not on the Employees sheet), back in November: November's
    # carry-in is B's September carry-out (the latest earlier month, R-DC-9), named as ledger 2026-09 v1.
    # September: A and B tie on every ranking, so both get the first-place points: net 18 each
    # (R-G-2); balance 18 -> 14 exchanged, 4 carried.
    def rows(ids, day, this, last=None):
        out = [r for r in s7_metrics(day, this, last) if r.get("team")]
        for e in ids:
            out += [{**r, "employee": e} for r in s7_metrics(day, this) if r.get("employee")]
        return out

    def emps(ids):
        return [{"id": e, "name": e, "role": "订餐师", "department": S7_DEPT} for e in ids]

    r = month(store, "dingcan_points", "2026-09", employees=emps("AB"), metrics=rows("AB", "2026-09-08", 1000, 1000))
    assert [r.value(e, "carry_out") for e in "AB"] == [D(4), D(4)]
    month(store, "dingcan_points", "2026-10", employees=emps("A"), metrics=rows("A", "2026-10-06", 1000))
    r = month(store, "dingcan_points", "2026-11", employees=emps("AB"), metrics=rows("AB", "2026-11-10", 1000))
    # A: October carried 22 - 17 = 5; B: September's 4
    assert (r.value("A", "carry_in"), r.value("B", "carry_in")) == (D(5), D(4))
    sources = {line["source"] for line in r.explanation("B") if line["rule"] == "carry_in" or "ledger" in line["source"]}
    assert any("账本 2026-09 v1 / ledger 2026-09 v1" in s for s in sources), sources


def test_every_scheme_carry_section_names_what_the_scheme_defines():
    from kpixl.core.scheme import list_schemes, load_scheme
    from kpixl.ledger.carry import check_carries

    assert {sid: check_carries(load_scheme(sid)) for sid in list_schemes()} == {sid: [] for sid in list_schemes()}


def test_a_bad_carry_entry_is_a_located_scheme_error(tmp_path):
    import json

    from conftest import ROOT

    from kpixl.core.errors import SchemeError
    from kpixl.core.scheme import load_scheme

    doc = json.loads((ROOT / "schemes" / "dingcan_points.json").read_text(encoding="utf-8"))
    doc["carry"].append({"from": "output carry_out", "history": "CARRY_OUT"})  # no kind: before the colon
    path = tmp_path / "dingcan_points.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SchemeError) as err:
        load_scheme(str(path))
    assert "carry" in str(err.value)
