"""Command-line guards found by a CLI attack: no command writes onto the ledger or a clerk's workbook
without --force, an unknown employee or a version that does not exist is not a silent empty answer,
and a period outside any plausible year is a usage error, never an internal error."""

from __future__ import annotations

import hashlib
import json

import openpyxl
import pytest
from conftest import cli


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def demo_book(tmp_path):
    path = tmp_path / "2026-10.xlsx"
    assert cli("new", "weikang_100", "--demo", "-o", path)[0] == 0
    return path


def test_demo_never_replaces_a_clerks_workbook_without_force(demo_book):
    before = sha(demo_book)
    code, _, err = cli("demo", "online_cs_kpi", "-o", demo_book)
    assert code == 2 and "--force" in err and sha(demo_book) == before


def test_ledger_export_never_writes_onto_the_ledger_or_a_workbook(demo_book, tmp_path):
    ledger = tmp_path / "l.db"
    assert cli("close", demo_book, "--ledger", ledger, "--by", "qa")[0] == 0
    books, ledgers = sha(demo_book), sha(ledger)
    for target in (demo_book, ledger, tmp_path / "backup.xlsx"):
        code, _, err = cli("ledger", "export", "--ledger", ledger, "-o", target)
        assert code == 2, target
    assert (sha(demo_book), sha(ledger)) == (books, ledgers)
    assert not (tmp_path / "backup.xlsx").exists()
    code, _, _ = cli("ledger", "export", "--ledger", ledger, "-o", tmp_path / "backup.jsonl")
    assert code == 0 and (tmp_path / "backup.jsonl").read_text(encoding="utf-8").strip()
    assert cli("ledger", "periods", "--ledger", ledger)[0] == 0


def test_ledger_diff_of_a_missing_version_or_a_bad_period_is_not_ok(demo_book, tmp_path):
    ledger = tmp_path / "l.db"
    cli("close", demo_book, "--ledger", ledger, "--by", "qa")
    assert cli("ledger", "diff", "2026-10", "--ledger", ledger, "--v2", "9")[0] == 1
    assert cli("ledger", "diff", "2026-13", "--ledger", ledger)[0] == 2


def test_score_of_an_unknown_employee_is_not_an_empty_table(demo_book):
    for extra in ((), ("--json",)):
        code, out, err = cli("score", demo_book, "--employee", "KF0O1", *extra)
        assert code == 2 and "KF0O1" in err and out == ""


@pytest.mark.parametrize("period", ["202610", "2026_10"])
def test_period_forms_of_file_names_are_accepted_on_the_command_line(demo_book, period):
    code, out, err = cli("score", demo_book, "--period", period, "--json", "--no-explain")
    assert code == 0 and json.loads(out)[0]["period"] == "2026-10"


@pytest.mark.parametrize("period", ["0000-10", "9999-12", "1899-12"])
def test_a_period_outside_any_plausible_year_is_a_usage_error(demo_book, period):
    code, _, err = cli("score", demo_book, "--period", period)
    assert code == 2 and "internal error" not in err


def test_a_period_cell_of_year_9999_is_a_located_error(demo_book):
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["参数"]
    cell = next(r[2] for r in ws.iter_rows(min_row=2) if r[0].value == "PERIOD")
    cell.value = "9999-12"
    wb.save(demo_book)
    code, out, err = cli("validate", demo_book.rename(demo_book.with_name("book.xlsx")))
    assert code in (1, 2) and "internal error" not in out + err and f"参数!{cell.coordinate}" in out + err
