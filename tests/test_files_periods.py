"""Periods and file names (issue 12 items 4 and 8): the period a file name states is
recognised in the clerk's usual spellings (and nothing else is taken for one); a PERIOD that
disagrees with the file name is an error at the PERIOD cell unless --period confirms one of them."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, cli, make_book
from openpyxl import load_workbook

from kpixl.core.periods import Period, period_from_name

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"


@pytest.mark.parametrize("name, expected", [
    ("2026-10", Period(2026, 10)), ("2026.10", Period(2026, 10)), ("2026_10", Period(2026, 10)),
    ("202610", Period(2026, 10)), ("客服部2026年10月", Period(2026, 10)), ("2026年9月考核", Period(2026, 9)),
    ("KPI 2026-9", Period(2026, 9)), ("2026-Q3", Period(2026, 7, 3)), ("2026Q4", Period(2026, 10, 3)),
    ("2026年第3季度", Period(2026, 7, 3)), ("客服部_2026_10_终版", Period(2026, 10)),
    ("2026-10-05 导出", Period(2026, 10)),  # a date: its month
])
def test_period_in_a_file_name(name, expected):
    assert period_from_name(name) == expected


@pytest.mark.parametrize("name", [
    "13800138000",       # a phone number
    "20261015",          # a date without separators: not a month
    "weikang_100_demo", "kefu_rules_95", "v2.1", "KF2026", "2026-13", "2026-Q5", "1999-10",
    "2026-10 vs 2026-09",  # two different periods: ambiguous
    "工号1202610",
])
def test_no_period_in_a_file_name(name):
    assert period_from_name(name) is None


@pytest.mark.parametrize("name, label", [("客服部2026年10月.xlsx", "2026-10"), ("2026.10.xlsx", "2026-10"),
                                         ("2026-Q3.xlsx", "2026-Q3"), ("202611.xlsx", "2026-11")])
def test_new_takes_the_period_from_the_file_name(tmp_path, name, label):
    code, out, _ = cli("new", "weikang_100", "-o", tmp_path / name)
    assert code == 0 and label in out
    params = {r[0].value: r[2].value for r in load_workbook(tmp_path / name)["参数"].iter_rows(min_row=2)}
    assert params["PERIOD"] == label


def test_new_says_when_the_file_name_has_no_period(tmp_path):
    code, out, _ = cli("new", "weikang_100", "-o", tmp_path / "客服部.xlsx")
    assert code == 0
    assert "没有考核期" in out and "No period found in the file name" in out and "--period" in out and "PERIOD" in out


def copied(tmp_path, name):
    """The October demo workbook copied under another month's name (PERIOD still 2026-10)."""
    path = tmp_path / name
    shutil.copy(DEMO, path)
    return path


def test_period_that_disagrees_with_the_file_name_is_an_error(tmp_path):
    book = copied(tmp_path, "客服部2026年11月.xlsx")
    code, out, _ = cli("validate", book)
    assert code == 1
    lines = out.splitlines()
    where = next(line for line in lines if "PERIOD" in line or "2026-11" in line)
    assert lines[lines.index(where) - 1].startswith("参数!C3 / Parameters!C3  [错误 error]")
    assert "参数 PERIOD 是 2026-10，但文件名 客服部2026年11月.xlsx 表示 2026-11" in out
    assert "PERIOD says 2026-10 but the file name 客服部2026年11月.xlsx says 2026-11" in out
    code, out, _ = cli("score", book, "--json", "--no-explain")
    assert code == 1 and '"status": "ok"' not in out  # nobody is scored from a doubtful month


@pytest.mark.parametrize("confirmed", ["2026-10", "2026-11"])
def test_period_option_confirms_one_of_them(tmp_path, confirmed):
    book = copied(tmp_path, "2026-11.xlsx")
    code, out, _ = cli("validate", book, "--period", confirmed, "--json")
    assert "period_mismatch" not in out


def test_period_option_that_confirms_neither_leaves_the_error(tmp_path):
    book = copied(tmp_path, "2026-11.xlsx")
    code, out, _ = cli("validate", book, "--period", "2026-12", "--json")
    assert code == 1 and "period_mismatch" in out


def test_month_inside_the_file_names_quarter_agrees(tmp_path):
    code, out, _ = cli("validate", copied(tmp_path, "2026-Q4.xlsx"))
    assert code == 0 and "2026-10" in out


def test_empty_period_is_taken_from_the_file_name_and_reported(tmp_path):
    book = make_book(tmp_path / "2026-10.xlsx", "weikang_100", period=None,
                     employees=[{"id": "E1", "name": "甲", "role": "客服"}],
                     events=[{"date": "2026-10-03", "employee": "E1", "rule": "ATT_LATE"}],
                     parameters={"LEARNING_ACTIVITIES_HELD": 0})
    wb = load_workbook(book)
    assert {r[0].value: r[2].value for r in wb["参数"].iter_rows(min_row=2)}["PERIOD"] in (None, "")
    code, out, _ = cli("validate", book)
    assert code == 0 and "2026-10" in out and "1 个警告 warnings" in out
    code, out, _ = cli("validate", book, "--json")
    assert '"code": "period_from_name"' in out and "taken from the file name" in out


def test_new_refuses_a_period_that_contradicts_the_file_name(tmp_path):
    code, _, err = cli("new", "weikang_100", "-o", tmp_path / "2026-10.xlsx", "--period", "2026-11")
    assert code == 2 and "2026-10" in err and "2026-11" in err and not (tmp_path / "2026-10.xlsx").exists()
    assert cli("new", "weikang_100", "-o", tmp_path / "2026-10.xlsx", "--period", "2026-10")[0] == 0
