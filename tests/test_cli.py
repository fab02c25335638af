"""The CLI: exact output lines and exit codes (0 ok, 1 problems, 2 usage or unreadable file)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, cli, make_book

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"


def test_validate_clean_workbook():
    code, out, _ = cli("validate", DEMO)
    assert code == 0
    assert out.strip().endswith("没有错误 no errors (0 个警告 warnings) · weikang_100 · 2026-10 · 12 名员工 employees")


def test_validate_lists_every_problem_with_cell_and_fix(tmp_path):
    path = make_book(tmp_path / "b.xlsx", "weikang_100",
                     employees=[{"id": "E1", "name": "甲", "role": "客服"}, {"id": "E2", "name": "乙", "role": "客服"}],
                     events=[{"date": "2026-10-03", "employee": "E1", "rule": "BIZ_SOP_ERROR", "value": 12},
                             {"date": "2026-10-04", "employee": "E2", "rule": "BIZ_COORD", "value": 2},
                             {"date": "2026-10-05", "employee": "E3", "rule": "ATT_LATE"}],
                     parameters={"LEARNING_ACTIVITIES_HELD": 1})
    code, out, _ = cli("validate", path)
    assert code == 1
    lines = out.splitlines()
    assert "事件!E2 / Events!E2  [错误 error]" in lines
    assert "    取值 12 超出 BIZ_SOP_ERROR 的范围 1–10（含两端）。 修正：填写 1 到 10 之间的数。" in lines
    assert "    Value 12 is outside the range 1..10 of BIZ_SOP_ERROR (both ends included). Fix: Enter a number from 1 to 10." in lines
    assert "事件!C3 / Events!C3  [错误 error]" in lines  # BIZ_COORD for a 客服 (R-WK-17)
    assert "事件!B4 / Events!B4  [错误 error]" in lines  # unknown employee E3
    assert lines[-1].startswith(f"{path}: 3 个错误 errors")


def test_validate_json(tmp_path):
    path = make_book(tmp_path / "b.xlsx", "weikang_100", employees=[{"id": "E1", "name": "甲"}],
                     events=[{"date": "2026-10-03", "employee": "E1", "rule": "NOPE"}])
    code, out, _ = cli("validate", path, "--json")
    assert code == 1
    problems = json.loads(out)
    assert problems[0] == {"code": "unknown_rule", "where": "事件!C2 / Events!C2", "severity": "error",
                           "employee": "E1", "message_zh": "未知的规则代码 “NOPE”。",
                           "message_en": "Unknown rule code 'NOPE'.",
                           "fix_zh": "从下拉列表选择规则代码（规则表 A 列）。",
                           "fix_en": "Pick a code from the dropdown (column A of the Rules sheet)."}


def test_score_table_and_json():
    code, out, _ = cli("score", DEMO)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "维康体检 客服部员工百分考核制度 · weikang_100 · 2026-10"  # --lang zh (the default)
    row = next(line for line in lines if line.startswith("KF005"))
    assert row.split()[:3] == ["KF005", "陈静", "114"] and "576.00" in row
    code, out, _ = cli("score", DEMO, "--json")
    data = json.loads(out)
    assert code == 0 and isinstance(data, list) and len(data) == 12
    kf002 = next(d for d in data if d["employee_id"] == "KF002")
    assert kf002["score"] == 88.8 and kf002["status"] == "ok" and kf002["period"] == "2026-10"
    assert kf002["categories"]["ATT"] == {"name_zh": "考勤", "name_en": "Attendance", "cap": 15, "raw": -15,
                                          "deduction": 15, "points": -15, "left": 0}
    assert kf002["bonus_points"] == 10 and kf002["money"]["deductions"] == 0
    first = kf002["explanation"][0]
    assert (first["rule"], first["source"], first["points"], first["counted"]) == ("ATT_LATE", "事件!C2", -5, -5)
    kf005 = next(d for d in data if d["employee_id"] == "KF005")
    assert kf005["money"]["deductions"] == 576.0
    assert [ln["amount"] for ln in kf005["money"]["lines"]] == [320.0, 256.0]


def test_score_period_override_against_period_is_refused():
    # Before, November was scored from October's workbook: none of October's events counted, and
    # LEAVE_DAYS and the parameters (no period column) were read as November's (KF002 got 106). The
    # undated figures are the workbook's PERIOD's, so a --period that disagrees is an error at the
    # PERIOD cell and nobody is scored.
    code, out, err = cli("score", DEMO, "--period", "2026-11", "--json", "--no-explain")
    data = json.loads(out)
    assert code == 1 and {d["status"] for d in data} == {"error"}
    assert {(p["code"], p["where"]) for d in data for p in d["errors"]} == {("period_mismatch", "参数!C3 / Parameters!C3")}
    assert cli("score", DEMO, "--period", "2026-10", "--json", "--no-explain")[0] == 0


def test_explain_one_employee():
    code, out, _ = cli("explain", DEMO, "KF002", "--lang", "en")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "KF002 李娜 · 总分 88.8 · 2026-10"
    assert "ATT_LATE_30 Late 30 minutes or more (replaces ATT_LATE) x1: -10 points [事件!C3]" in lines
    assert lines[-1] == "Score = 100 − 15 (ATT.points) − 2 (LRN.points) − 4.2 (BIZ.points) + 10 (bonus_points) = 88.8"


def test_unreadable_file_exit_code_2(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    code, _, err = cli("score", bad)
    assert code == 2 and "bad.xlsx" in err
    code, _, err = cli("score", tmp_path / "missing.xlsx")
    assert code == 2 and "does not exist" in err


def test_schemes_lists_weikang():
    code, out, _ = cli("schemes")
    assert code == 0 and "weikang_100" in out


def test_demo(tmp_path):
    out = tmp_path / "demo-report.xlsx"
    code, stdout, _ = cli("demo", "-o", out)
    assert code == 0 and out.is_file()
    assert "员工 employees 12 · 正常 scored 12 · 错误 errors 0" in stdout


def test_console_entry_flushes_everything_and_keeps_the_exit_code(tmp_path):
    """``kpixl`` leaves with os._exit after main (issue 8: no 0.3 s teardown): the whole output is
    still written, through a pipe, and the exit code is main's (1 here: the workbook has an error)."""
    import json as _json
    import subprocess
    import sys as _sys

    from kpixl.demo import demo_path

    demo = demo_path("weikang_100")
    ok = subprocess.run([_sys.executable, "-m", "kpixl.cli", "score", str(demo), "--json"],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    records = _json.loads(ok.stdout)  # complete JSON: every byte flushed before leaving
    assert len(records) >= 8 and all(r["scheme"] == "weikang_100" for r in records)
    bad = tmp_path / "bad_2026-10.xlsx"
    bad.write_bytes(b"not a workbook")
    fail = subprocess.run([_sys.executable, "-m", "kpixl.cli", "score", str(bad)], capture_output=True, text=True,
                          timeout=120)
    assert fail.returncode == 2 and "Traceback" not in fail.stderr and fail.stderr.strip()
    # the one-shot process runs without cyclic collection (core/gcpause.py: each collection between
    # reading, scoring and writing walked every object of the month; it leaves with os._exit)
    probe = subprocess.run([_sys.executable, "-c", "import gc, kpixl.cli as c\n"
                            "c.main = lambda: print('collecting', gc.isenabled()) or 3\nc.run()"],
                           capture_output=True, text=True, timeout=120)
    assert probe.returncode == 3 and probe.stdout.strip() == "collecting False"


@pytest.mark.parametrize("engine", ["fastexcel", "openpyxl"])
@pytest.mark.parametrize("qty,qty_code", [("abc", "bad_number"), (-1, "bad_qty"), ("1e12", "qty_too_large"),
                                          (0.00001, "qty_decimals")])
def test_validate_reports_an_unknown_rule_and_a_bad_qty_of_one_row(tmp_path, engine, qty, qty_code):
    # R-G-19: a rule code unknown to the scheme is an error naming its row; the qty (R-G-16: a count or
    # units, > 0, at most 4 decimals) is checked by itself. Row 2 has both wrong: both are reported, each
    # at its own cell (C2 the rule, D2 the qty); before, either one hid the other. Row 3, an unknown
    # employee beside an unreadable qty, likewise gets both (B3, D3). Row 4's rule cell is itself an
    # error value: only its cells' own problems, no "unknown rule '#N/A'".
    path = make_book(tmp_path / "b.xlsx", "weikang_100", employees=[{"id": "E1", "name": "甲", "role": "客服"}],
                     events=[{"date": "2026-10-03", "employee": "E1", "rule": "NOPE", "qty": qty},
                             {"date": "2026-10-04", "employee": "E9", "rule": "ATT_LATE", "qty": "abc"},
                             {"date": "2026-10-05", "employee": "E1", "rule": "#N/A", "qty": "abc"}],
                     parameters={"LEARNING_ACTIVITIES_HELD": 1})
    code, out, _ = cli("validate", path, "--json", "--engine", engine)
    assert code == 1
    found = {(p["code"], p["where"]) for p in json.loads(out) if p["where"].startswith("事件!")}
    assert ("unknown_rule", "事件!C2 / Events!C2") in found and (qty_code, "事件!D2 / Events!D2") in found
    assert ("unknown_employee", "事件!B3 / Events!B3") in found and ("bad_number", "事件!D3 / Events!D3") in found
    assert not any(c == "unknown_rule" and w.startswith("事件!C4 ") for c, w in found)
    assert ("bad_number", "事件!D4 / Events!D4") in found
