"""A figure that is not in percent units, typed as a percent, is refused at its cell.

SCHEMES.md R-G-19: percentages are given in percent units (96.5 means 96.5 %), so kpixl reads a
percent-formatted cell or a text like ``1%`` as that many percent. That is right for a percent
figure, and wrong for anything else: S13's commission rate is a decimal fraction (R-HP-9:
0.02 = 2 %), so ``1%`` read as 1 paid a 100 % commission (HP01: 332,000.00 yuan instead of
3,320.00); S6's wages typed into a ``0%`` cell (0.48 shown as 48%) paid 10 % of 48 yuan. Such a
cell is now an error at the cell (the result withheld, never guessed), on both engines; a percent
figure typed into a percent cell is taken as meant, without the "fraction?" warning.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import cli
from reader_fixtures import edit

ENGINES = ["fastexcel", "openpyxl"]


def scored(path, engine):
    code, out, err = cli("score", path, "--json", "--no-explain", "--engine", engine)
    assert "Traceback" not in out + err
    return code, {e["employee_id"]: e for e in json.loads(out)}


@pytest.fixture
def houpin(tmp_path):
    path = tmp_path / "houpin.xlsx"
    assert cli("new", "houpin_ladder", "--demo", "-o", path)[0] == 0
    return path  # 参数!C4 is COMMISSION_RATE; HP01's M_NET_SALES is 332,000


COMMISSION_CELLS = {"text": ({"C4": "1%"}, None, "1%"), "full_width": ({"C4": "0.5％"}, None, "0.5%"),
                    "percent_cell": ({"C4": 0.01}, {"C4": "0%"}, "1%")}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", list(COMMISSION_CELLS))
def test_a_fraction_rate_typed_as_a_percent_withholds_everyone(houpin, engine, case):
    cells, formats, shown = COMMISSION_CELLS[case]
    edit(houpin, "参数", cells, formats)
    code, people = scored(houpin, engine)
    assert code == 1
    assert {e["status"] for e in people.values()} == {"error"}
    (p,) = {json.dumps(x, sort_keys=True) for e in people.values() for x in e["errors"]}
    p = json.loads(p)
    assert (p["code"], p["where"]) == ("percent_not_allowed", "参数!C4 / Parameters!C4")
    fraction = str(Decimal(shown[:-1]) / 100)
    assert f"'{shown}'" in p["message_en"] and f"{shown} is {fraction}" in p["fix_en"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_fraction_rate_typed_as_a_fraction_pays_that_fraction(houpin, engine):
    edit(houpin, "参数", {"C4": 0.02})
    code, people = scored(houpin, engine)
    commission = next(x for x in people["HP01"]["money"]["lines"] if x["rule"] == "COMMISSION")
    assert code == 0 and commission["amount"] == 6640  # 332,000 x 0.02 (R-HP-9)


@pytest.mark.parametrize("engine", ENGINES)
def test_money_typed_into_a_percent_cell_withholds_that_employee(tmp_path, engine):
    path = tmp_path / "cs.xlsx"
    assert cli("new", "cs_reward_pct", "--demo", "-o", path)[0] == 0
    before = scored(path, engine)[1]
    edit(path, "指标", {"D2": 0.48}, {"D2": "0%"})  # HF01's MONTHLY_TOTAL_WAGES, shown as 48%
    code, people = scored(path, engine)
    assert code == 1 and people["HF01"]["status"] == "error"
    assert [(x["code"], x["where"]) for x in people["HF01"]["errors"]] == [("percent_not_allowed", "指标!D2 / Metrics!D2")]
    assert {k: (e["status"], e["score"]) for k, e in people.items() if k != "HF01"} == \
        {k: (e["status"], e["score"]) for k, e in before.items() if k != "HF01"}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_small_percent_in_a_percent_cell_is_meant(tmp_path, engine):
    """0.5% in a percent cell says 0.5 %: no "typed as a fraction?" warning (a plain 0.005 still gets one)."""
    path = tmp_path / "dingcan.xlsx"
    assert cli("new", "dingcan_points", "--demo", "-o", path)[0] == 0
    from test_percent_fraction import first_rate_cell

    ref, _ = first_rate_cell(path)
    edit(path, "指标", {ref: 0.005}, {ref: "0.00%"})
    found = json.loads(cli("validate", path, "--json", "--engine", engine)[1])
    assert not [p for p in found if p["code"] == "percent_as_fraction"]
    edit(path, "指标", {ref: 0.005}, {ref: "General"})
    found = json.loads(cli("validate", path, "--json", "--engine", engine)[1])
    assert [p["where"] for p in found if p["code"] == "percent_as_fraction"] == [f"指标!{ref} / Metrics!{ref}"]
