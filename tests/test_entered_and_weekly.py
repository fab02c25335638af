"""Doubtful figures that were used silently (attack round 7, S6 and S2), now located at their cells.

- An amount HR enters (S6 WEEKLY_STAR cash, SEVERE_WARNING_DEDUCTION) is a positive magnitude
  (R-G-16, R-RP-6/7): a minus turned the deduction into a payment and the award into a charge.
- S6's 回访率 exists only per week (R-RP-3, R-G-3): a row without its week start was used for
  nothing, so the 1% callback award vanished with exit 0; a week credited to another month is
  not this month's and says so.
- A percent figure of 1000% or more (95 in a percent-formatted cell shows 9500%) was capped and
  scored as a full attainment.

Cells are those of the bundled demo months (cs_reward_pct, callcenter_manager_kpi).
"""

from __future__ import annotations

import json

import pytest
from conftest import cli
from reader_fixtures import edit

ENGINES = ["fastexcel", "openpyxl"]


def scored(path, engine="fastexcel"):
    code, out, err = cli("score", path, "--json", "--no-explain", "--engine", engine)
    assert "Traceback" not in out + err
    return code, {e["employee_id"]: e for e in json.loads(out)}


def codes_at(rec: dict, kind: str = "errors") -> list[tuple[str, str]]:
    return [(x["code"], x["where"]) for x in rec[kind]]


@pytest.fixture
def s6(tmp_path):
    path = tmp_path / "s6.xlsx"
    assert cli("new", "cs_reward_pct", "--demo", "-o", path)[0] == 0
    return path  # 事件!E2: HF05's WEEKLY_STAR 200; 事件!E3: HF08's deduction 300; 指标 rows 7-10: HF01's four weeks


@pytest.mark.parametrize("engine", ENGINES)
def test_a_negative_hr_amount_withholds_its_employee(s6, engine):
    edit(s6, "事件", {"E2": -200, "E3": -300})
    code, people = scored(s6, engine)
    assert code == 1
    assert codes_at(people["HF05"]) == [("value_negative", "事件!E2 / Events!E2")]
    assert codes_at(people["HF08"]) == [("value_negative", "事件!E3 / Events!E3")]
    assert people["HF05"]["status"] == "error" and people["HF08"]["status"] == "error"
    # the others keep the demo's own results: HF01 48 + 48 = 96.00 (DEPT 1% + callback 1% of 4,800)
    assert people["HF01"]["status"] == "ok" and people["HF01"]["money"]["awards"] == 96


@pytest.mark.parametrize("engine", ENGINES)
def test_a_weekly_rate_without_its_week_start_is_an_error_not_a_lost_award(s6, engine):
    edit(s6, "指标", {"F10": None})  # HF01's week of 2026-10-19, rate 90
    code, people = scored(s6, engine)
    assert code == 1 and people["HF01"]["status"] == "error"
    assert codes_at(people["HF01"]) == [("week_start_missing", "指标!F10 / Metrics!F10")]
    assert people["HF07"]["money"]["awards"] == 45  # 1% x 4,500, untouched


def test_a_weekly_rate_typed_in_the_date_column_says_where_it_belongs(s6):
    import datetime as dt

    edit(s6, "指标", {"E10": dt.datetime(2026, 10, 19), "F10": None})
    code, people = scored(s6)
    err = people["HF01"]["errors"]
    assert code == 1 and [e["code"] for e in err] == ["week_start_missing"]
    assert "Date column" in err[0]["message_en"] and "日期" in err[0]["message_zh"]


def test_a_week_credited_to_another_month_is_said(s6):
    import datetime as dt

    # HF01's week of 2026-10-05 typed as 2026-10-26: that week ends on Sunday 1 November (R-G-3)
    edit(s6, "指标", {"F7": dt.datetime(2026, 10, 26)})
    code, people = scored(s6)
    assert ("week_of_another_month", "指标!F7 / Metrics!F7") in codes_at(people["HF01"], "warnings")
    # October's week of 10-05 is now missing, so the callback award is not shown to hold (R-RP-3):
    # only the department's 1% of 4,800 = 48.00 remains
    assert people["HF01"]["money"]["awards"] == 48


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cell", [(95, "0%"), (9500, None)], ids=["in_a_percent_cell", "plain"])
def test_a_percent_of_ten_times_the_whole_is_refused(tmp_path, engine, cell):
    path = tmp_path / "s2.xlsx"
    assert cli("new", "callcenter_manager_kpi", "--demo", "-o", path)[0] == 0
    value, fmt = cell
    edit(path, "指标", {"C2": value}, {"C2": fmt} if fmt else None)  # HM001's K_BIZ_PLAN (100 in the demo)
    code, people = scored(path, engine)
    assert code == 1 and people["HM001"]["status"] == "error"
    assert codes_at(people["HM001"]) == [("percent_implausible", "指标!C2 / Metrics!C2")]
    assert people["HM002"]["status"] == "ok"


def test_a_value_below_a_lower_bound_only_names_that_bound(tmp_path):
    path = tmp_path / "s2.xlsx"
    assert cli("new", "callcenter_manager_kpi", "--demo", "-o", path)[0] == 0
    edit(path, "指标", {"C2": -5})  # K_BIZ_PLAN has a minimum of 0 and no maximum
    code, people = scored(path)
    (err,) = people["HM001"]["errors"]
    assert code == 1 and err["code"] == "out_of_range"
    assert "below its minimum 0" in err["message_en"] and "0–。" not in err["message_zh"]
