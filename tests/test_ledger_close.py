"""kpixl close and kpixl ledger ...: locks, versions, audit, appeals, robustness, the CLI.

Values are computed by hand from SCHEMES.md (S7 as in tests/test_ledger_stores.py).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, cli
from ledger_pg import fresh_database
from test_ledger_stores import S7_DEPT, pg_server, s7_metrics  # noqa: F401 (pg_server: a fixture)

from kpixl.ledger.frames import from_blob

EMPS = [{"id": "A", "name": "A", "role": "订餐师", "department": S7_DEPT}]


def s7_book(tmp_path: Path, period: str, day: str, this: int, last: int | None = None, name: str | None = None,
            history=None) -> Path:
    from conftest import make_book

    return make_book(tmp_path / (name or f"{period}.xlsx"), "dingcan_points", period, employees=EMPS,
                     metrics=s7_metrics(day, this, last), history=history or [])


def closes(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT period, version, closed_by, reason FROM kpixl_close ORDER BY id").fetchall()


def test_a_month_cycle_through_the_cli(tmp_path):
    # September closed; October's workbook has no History: score reads kpixl.db beside it automatically.
    sep = s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000)
    code, out, err = cli("close", sep, "--by", "王会计")
    assert code == 0, err
    assert "已关账 closed 2026-09 v1" in out and (tmp_path / "kpixl.db").is_file()
    oct_ = s7_book(tmp_path, "2026-10", "2026-10-06", 1100)
    code, out, err = cli("score", oct_, "--json", "--compact")
    assert code == 0, err
    rec = json.loads(out)[0]
    # R-DC-9: carry-in 4 from September; R-DC-10: 1100 / 1000 = 1.1; 17 exchanged -> 18.70
    assert (rec["values"]["carry_in"], rec["values"]["exchange_rate"], rec["values"]["cash"]) == (4, 1.1, 18.7)
    code, out, _ = cli("explain", oct_, "A")
    assert code == 0 and "账本 2026-09 v1 / ledger 2026-09 v1" in out
    # without a ledger (another folder, no KPIXL_LEDGER) the same workbook has no carry-in, and last
    # month's department bookings are missing: an error (R-G-9), the result withheld
    other = tmp_path / "other"
    other.mkdir()
    lone = s7_book(other, "2026-10", "2026-10-06", 1100)
    code, out, _ = cli("score", lone, "--json", "--compact")
    rec = json.loads(out)[0]
    assert code == 1 and rec["status"] == "error" and [e["code"] for e in rec["errors"]] == ["missing_prior"]


def test_closed_month_is_locked_and_a_reason_makes_a_new_version(tmp_path):
    sep = s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000)
    assert cli("close", sep, "--by", "王")[0] == 0
    oct_ = s7_book(tmp_path, "2026-10", "2026-10-06", 1100)
    assert cli("close", oct_, "--by", "王")[0] == 0
    code, _, err = cli("close", sep, "--by", "李")
    assert code == 1 and "locked" in err and "--reason" in err
    assert closes(tmp_path / "kpixl.db") == [("2026-09", 1, "王", ""), ("2026-10", 1, "王", "")]
    # corrected September: department bookings 1000 -> 1250 (an upheld appeal)
    sep2 = s7_book(tmp_path, "2026-09", "2026-09-08", 1250, 1000, name="2026-09b.xlsx")
    code, out, err = cli("close", sep2, "--by", "李", "--reason", "部门预订量更正 bookings corrected",
                         "--appeal", "AP-7", "--filed", "2026-10-02")
    assert code == 0, err
    # R-GB-11: filed Friday 2 Oct 2026, counting starts Monday 5 Oct: due by the 5th working day, Fri 9 Oct
    assert "v2" in out and "2026-10-09" in out
    assert "2026-10 v1" in out  # October read September v1: listed as affected, not recomputed
    db = str(tmp_path / "kpixl.db")
    code, out, _ = cli("ledger", "periods", "--ledger", db)
    assert code == 0 and "受影响 affected" in out and "2026-10 v1" in out and "AP-7" in out
    code, out, _ = cli("ledger", "show", "A", "--ledger", db, "--period", "2026-09")
    assert code == 0 and "v1" in out and "v2" in out and "李" in out and "bookings corrected" in out
    code, out, _ = cli("ledger", "diff", "2026-09", "--ledger", db)
    # only the department figure changed, so the rate 1250/1000 = 1.25 -> cash 14 x 1.25 = 17.50 (was 14.00)
    assert code == 0 and "A cash: 14 → 17.5" in out and "A exchange_rate: 1 → 1.25" in out
    assert "carry_out" not in out
    code, out, _ = cli("ledger", "export", "--ledger", db)
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["table"] for r in rows} >= {"kpixl_close", "kpixl_result", "kpixl_line", "kpixl_input", "kpixl_carry"}
    # the next October run reads the newest September version
    code, out, _ = cli("score", oct_, "--json", "--compact")
    assert json.loads(out)[0]["values"]["exchange_rate"] == 0.88  # 1100 / 1250 (R-DC-10)


def test_close_record_has_fingerprint_hash_and_inputs(tmp_path):
    import hashlib

    sep = s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000)
    assert cli("close", sep, "--by", "王")[0] == 0
    with sqlite3.connect(tmp_path / "kpixl.db") as conn:
        sha, fp, scheme_id, ver = conn.execute(
            "SELECT workbook_sha256, scheme_fingerprint, scheme_id, kpixl_version FROM kpixl_close").fetchone()
        sheets = {sheet: from_blob(data) for sheet, data in conn.execute("SELECT sheet, data FROM kpixl_input")}
        kinds = {r[0] for r in conn.execute("SELECT DISTINCT kind FROM kpixl_line")}
    assert sha == hashlib.sha256(sep.read_bytes()).hexdigest() and len(fp) == 64 and scheme_id == "dingcan_points"
    # the seven Metrics rows with their Excel rows 2..8, the employee, the parameters
    assert sheets["metrics"]["xl_row"].tolist() == list(range(2, 9)) and sheets["employees"]["id"].tolist() == ["A"]
    assert "PERIOD" in sheets["parameters"]["code"].tolist() and "points" in kinds and ver


def test_typed_history_row_wins_with_a_warning(tmp_path):
    sep = s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000)
    assert cli("close", sep)[0] == 0
    hist = [{"employee": "A", "period": "2026-09", "item": "CARRY_OUT", "value": 6}]
    oct_ = s7_book(tmp_path, "2026-10", "2026-10-06", 1100, history=hist)
    code, out, err = cli("score", oct_, "--json", "--compact")
    assert json.loads(out)[0]["values"]["carry_in"] == 6  # the clerk's correction, not the ledger's 4
    code, out, _ = cli("validate", oct_)
    assert "the workbook's 6 wins over ledger 2026-09 v1's 4" in out


def test_a_missing_month_is_reported_with_the_fix(tmp_path):
    sep = s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000)
    assert cli("close", sep)[0] == 0
    nov = s7_book(tmp_path, "2026-11", "2026-11-10", 990)
    code, out, err = cli("validate", nov)
    assert "2026-10" in out and "kpixl close" in out


def test_blocked_employee_refuses_close_unless_partial(tmp_path):
    from conftest import make_book

    # S4: K2's row names an unknown rule, so K2 has no result; K1's fine stands on its own
    emps = [{"id": k, "name": k, "role": "客服"} for k in ("K1", "K2")]
    events = [{"date": "2026-09-03", "employee": "K1", "rule": "FINE_PRIVATE_CALL"},
              {"date": "2026-09-04", "employee": "K2", "rule": "FINE_NOT_A_RULE"}]
    book = make_book(tmp_path / "2026-09.xlsx", "kefu_fines", "2026-09", employees=emps, events=events)
    code, _, err = cli("close", book)
    assert code == 1 and "--partial" in err and "not closed" in err and "FINE_NOT_A_RULE" in err
    assert not (tmp_path / "kpixl.db").exists()  # a refused first close leaves no ledger behind
    code, out, err = cli("close", book, "--partial", "--by", "王")
    assert code == 0, err
    assert "left out K2: 事件!C3 / Events!C3" in out
    with sqlite3.connect(tmp_path / "kpixl.db") as conn:
        (left, partial), = conn.execute("SELECT left_out, partial FROM kpixl_close").fetchall()
        carried = conn.execute("SELECT owner, item, period, value FROM kpixl_carry").fetchall()
    assert partial == 1 and [x["employee"] for x in json.loads(left)] == ["K2"]
    assert carried == [("K1", "FINE_PRIVATE_CALL", "2026-09", "1")]  # K1's occurrence, for the rest of the year


def test_not_a_ledger_and_newer_schema_exit_2(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all " * 100)
    sep = s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000)
    code, _, err = cli("close", sep, "--ledger", junk)
    assert code == 2 and "not a kpixl ledger" in err and "Traceback" not in err
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    code, _, err = cli("ledger", "periods", "--ledger", other)
    assert code == 2 and "not a kpixl ledger" in err
    assert cli("close", sep, "--ledger", tmp_path / "k.db")[0] == 0
    with sqlite3.connect(tmp_path / "k.db") as conn:
        conn.execute("INSERT INTO kpixl_schema_version VALUES (99, 'future')")
    code, _, err = cli("score", sep, "--ledger", tmp_path / "k.db")
    assert code == 2 and "newer" in err and "Upgrade kpixl" in err


def test_unreachable_server_exit_2(tmp_path, monkeypatch):
    monkeypatch.setenv("KPIXL_LEDGER_TIMEOUT", "2")
    sep = s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000)
    code, _, err = cli("close", sep, "--ledger", "postgresql://kpixl:secret@127.0.0.1:1/none")
    assert code == 2 and "Cannot connect" in err and "secret" not in err and "Traceback" not in err


def _close_proc(book: Path, db, sleep: str, by: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KPIXL_TEST_CLOSE_SLEEP": sleep}
    return subprocess.Popen([sys.executable, "-m", "kpixl.cli", "close", str(book), "--ledger", str(db), "--by", by],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_during_a_close_leaves_the_ledger_as_before(tmp_path):
    sep = s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000)
    db = tmp_path / "k.db"
    assert cli("close", sep, "--ledger", db)[0] == 0
    oct_ = s7_book(tmp_path, "2026-10", "2026-10-06", 1100)
    before = closes(db)
    proc = _close_proc(oct_, db, "30", "killed")
    deadline = time.time() + 60
    while time.time() < deadline and not (tmp_path / "k.db-journal").exists():
        time.sleep(0.05)  # the close is inside its transaction once SQLite's journal exists
    proc.kill()
    proc.wait()
    assert closes(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM kpixl_result WHERE close_id > 1").fetchone() == (0,)
    assert cli("close", oct_, "--ledger", db)[0] == 0  # the ledger works on


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_closes_of_the_same_month_at_once_one_wins(tmp_path, request, kind):
    sep = s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000)
    if kind == "sqlite":
        db = str(tmp_path / "k.db")
        assert cli("ledger", "periods", "--ledger", db)[0] == 2  # no ledger yet: a clear error
    else:
        db = fresh_database(request.getfixturevalue("pg_server"), "kpixl_race")
    procs = [_close_proc(sep, db, "1", by) for by in ("甲", "乙")]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    assert sorted(r[0] for r in results) == [0, 1], results
    loser = next(r for r in results if r[0] == 1)
    assert ("locked" in loser[2] or "won" in loser[2]) and "Traceback" not in loser[2]
    code, out, _ = cli("ledger", "periods", "--ledger", db)
    assert code == 0 and len(out.splitlines()) == 1 and "2026-09 v1" in out


def test_nightly_and_udfs_read_the_same_ledger(tmp_path):
    # the same October workbook gives the same ledger-fed carry-in (4, R-DC-9) in every front end
    from kpixl.batch import process_workbook
    from kpixl.xl import service

    sep = s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000)
    assert cli("close", sep)[0] == 0
    oct_ = s7_book(tmp_path, "2026-10", "2026-10-06", 1100)
    service.clear_cache()
    assert service.value(str(oct_), "A", "carry_in") == 4
    outcome = process_workbook(str(oct_), str(tmp_path / "oct.report.xlsx"))
    assert outcome.status == "ok" and outcome.warnings == 0, outcome
    # without the ledger, last month's department bookings are missing: the nightly run reports the error
    (tmp_path / "kpixl.db").rename(tmp_path / "moved.db")
    assert process_workbook(str(oct_), str(tmp_path / "oct2.report.xlsx")).status == "problems"


def test_s7_a_month_closed_before_the_month_it_carries_from_is_listed_and_withholds_the_next(tmp_path):
    # One working day a month, month_net 18 (as in test_ledger_stores). In month order: Sep carry-out 4,
    # cumulative 18; Oct carry-in 4, cumulative 36; Nov carry-in 5, cumulative 54; Dec carry-in 5,
    # balance 23, 18 exchanged, carry-out 5, cumulative 72 >= 60: LEVEL_1 (R-DC-9, R-DC-11).
    # November was closed before October: it lacked October's state, and so would December.
    def book(per, day, this, last_per=None, name=None):
        from conftest import make_book

        metrics = s7_metrics(day, this)
        if last_per:
            metrics.append({"team": S7_DEPT, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": 1000, "period": last_per})
        return make_book(tmp_path / (name or f"{per}.xlsx"), "dingcan_points", per, employees=EMPS, metrics=metrics)

    assert cli("close", s7_book(tmp_path, "2026-09", "2026-09-08", 1000, 1000))[0] == 0
    nov = book("2026-11", "2026-11-10", 1000, "2026-10")
    assert cli("close", nov, "--by", "qa")[0] == 0
    code, out, err = cli("close", book("2026-10", "2026-10-06", 1000), "--by", "qa")
    assert code == 0 and "受影响 affected: 2026-11 v1" in out, err
    dec = book("2026-12", "2026-12-07", 1000)
    code, out, _ = cli("score", dec, "--json", "--compact")
    rec = json.loads(out)[0]
    assert code == 1 and [e["code"] for e in rec["errors"]] == ["ledger_closed_out_of_order"]
    assert rec["errors"][0]["where"] == "账本 2026-11 v1 / ledger 2026-11 v1" and "2026-10" in rec["errors"][0]["message_en"]
    assert cli("close", book("2026-11", "2026-11-10", 1000, name="nov2.xlsx"), "--by", "qa", "--reason", "10月补关账")[0] == 0
    code, out, _ = cli("score", dec, "--json", "--compact")
    v = json.loads(out)[0]["values"]
    assert code == 0 and (v["carry_in"], v["balance"], v["exchanged"], v["carry_out"]) == (5, 23, 18, 5)
    assert (v["cumulative"], v["level"]) == (72, "LEVEL_1")
