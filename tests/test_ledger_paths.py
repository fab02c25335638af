"""Which ledger a run reads, when the named one is not there or is damaged, and that no output replaces it.

S6 cs_reward_pct (R-RP-5): 表现不佳 in September (closed) and again in October raises POOR_2M_REVIEW
in October; with a mistyped --ledger the September month was silently not read and the flag vanished.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
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


def _damage(db, kind: str) -> None:
    data = db.read_bytes()
    if kind == "empty":  # a copy that failed, a disk that filled up
        db.write_bytes(b"")
    elif kind == "cut_mid_page":
        db.write_bytes(data[:-1000])
    elif kind == "cut_in_half":
        db.write_bytes(data[: len(data) // 2 // 4096 * 4096])
    elif kind == "zeroed_pages":  # a bad sector: the pages after the schema page read as zeros
        db.write_bytes(data[:4096] + bytes(len(data) - 8192) + data[-4096:])
    elif kind == "no_tables":  # another program's empty database
        db.unlink()
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE t (x)")
            conn.execute("DROP TABLE t")
    elif kind == "table_missing":
        with sqlite3.connect(db) as conn:
            conn.execute("DROP TABLE kpixl_read")


@pytest.mark.parametrize("kind", ["empty", "cut_mid_page", "cut_in_half", "zeroed_pages", "no_tables", "table_missing"])
def test_a_damaged_or_foreign_ledger_file_is_refused_and_left_as_it_is(tmp_path, kind):
    # a 0-byte file or an empty SQLite database was taken for a new ledger (its months silently gone),
    # a file cut mid-page was read as if whole, a missing table was an unexplained "no such table"
    db = tmp_path / "led.db"
    assert cli("close", s6_book(tmp_path, "2026-09"), "--ledger", db, "--by", "qa")[0] == 0
    _damage(db, kind)
    before = db.read_bytes()
    octo = s6_book(tmp_path, "2026-10")
    for args in (["close", octo], ["ledger", "periods"], ["ledger", "show", "C1"], ["score", octo]):
        code, out, err = cli(*args, "--ledger", db)
        said = {"empty": "is not a kpixl ledger (空文件 / an empty file)",
                "no_tables": "is not a kpixl ledger (没有 kpixl 的表 / it has no kpixl tables)"}.get(kind, "is damaged (")
        assert code == 2 and said in err and "Traceback" not in err and "internal error" not in err, (args, err)
        assert str(db) in err and ("不是 kpixl 账本" in err or "已损坏" in err)
        assert db.read_bytes() == before, args


def test_a_ledger_with_a_damaged_index_page_is_refused_by_close_and_the_ledger_commands(tmp_path):
    # every table still reads (ledger periods printed the month); SQLite's page check finds the damage
    db = tmp_path / "led.db"
    assert cli("close", s6_book(tmp_path, "2026-09"), "--ledger", db, "--by", "qa")[0] == 0
    with sqlite3.connect(db) as conn:
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'kpixl_result_by_close'").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    data[(page - 1) * size + 3:(page - 1) * size + 5] = (2000).to_bytes(2, "big")  # more cells than a page holds
    db.write_bytes(bytes(data))
    for args in (["close", s6_book(tmp_path, "2026-10")], ["ledger", "periods"], ["ledger", "show", "C1"]):
        code, out, err = cli(*args, "--ledger", db)
        assert code == 2 and out == "" and f"The ledger {db} is damaged (" in err and "已损坏" in err, (args, err)
    assert db.read_bytes() == bytes(data)
