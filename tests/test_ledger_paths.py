"""Which ledger a run reads, when the named one is not there, and that no output replaces it.

S6 cs_reward_pct (R-RP-5): 表现不佳 in September (closed) and again in October raises POOR_2M_REVIEW
in October; with a mistyped --ledger the September month was silently not read and the flag vanished.
"""

from __future__ import annotations

import json
import sqlite3

from conftest import cli, make_book


def s6_book(folder, period, poor=True):
    emps = [{"id": "C1", "name": "陈", "role": "客服", "base_salary": 3000}]
    metrics = [{"employee": "C1", "metric": "HR_POOR", "value": poor}]
    return make_book(folder / f"{period}.xlsx", "cs_reward_pct", period, employees=emps, metrics=metrics)


def flags(out: str) -> list[str]:
    return [f["code"] for f in json.loads(out)[0]["flags"]]


def test_a_mistyped_ledger_is_an_error_not_an_empty_ledger(tmp_path):
    db = tmp_path / "led.db"
    assert cli("close", s6_book(tmp_path, "2026-09"), "--ledger", db, "--by", "qa")[0] == 0
    octo = s6_book(tmp_path, "2026-10")
    code, out, err = cli("score", octo, "--ledger", db, "--json", "--compact")
    assert code in (0, 1) and "POOR_2M_REVIEW" in flags(out), err
    code, out, err = cli("score", octo, "--ledger", tmp_path / "lde.db", "--json", "--compact")
    assert code == 2 and out == "" and "lde.db" in err and "does not exist" in err and "Traceback" not in err


def test_a_ledger_named_by_the_environment_but_not_there_yet_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("KPIXL_LEDGER", str(tmp_path / "nothing-yet.db"))
    code, out, err = cli("validate", s6_book(tmp_path, "2026-10"))
    assert code == 0 and "nothing-yet.db" in out and "does not exist yet" in out


def test_report_never_writes_onto_the_ledger_it_reads(tmp_path):
    db = tmp_path / "led.xlsx"  # a ledger under an odd name
    assert cli("close", s6_book(tmp_path, "2026-09"), "--ledger", db, "--by", "qa")[0] == 0
    before = db.read_bytes()
    code, out, err = cli("report", s6_book(tmp_path, "2026-10"), "--ledger", db, "-o", db)
    assert code == 2 and "overwrite" in err and db.read_bytes() == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM kpixl_close").fetchone()[0] == 1
