"""The seven schemes of issue 3 through real workbooks: templates, CLI commands, report, UDFs.

Each scheme's worked example (its ``examples``) is written into a workbook made by the
template builder and run through ``kpixl validate``, ``score --json`` and ``report``, so the
workbook route gives the same values as the records route.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT, cli, make_book
from openpyxl import load_workbook

SCHEMES = ["callcenter_manager_kpi", "branch_cs_scorecard", "online_cs_kpi", "call_quality_rubric",
           "service_quality_grade", "kefu_rules_95", "qa_accuracy"]
SHEETS = {
    "callcenter_manager_kpi": ["说明", "员工", "指标", "参数", "规则", "报表", "选项"],
    "branch_cs_scorecard": ["说明", "员工", "事件", "指标", "评分", "历史", "参数", "规则", "报表", "选项"],
    # the derived rules Q_TOP3_AWARD and M_BOTTOM3_PLAN give S5 a Rules table, hence an Events sheet (as S10)
    "online_cs_kpi": ["说明", "员工", "事件", "指标", "评分", "历史", "参数", "规则", "报表", "选项"],
    "call_quality_rubric": ["说明", "员工", "事件", "参数", "规则", "报表", "选项"],
    "service_quality_grade": ["说明", "员工", "事件", "指标", "参数", "规则", "报表", "选项"],
    "kefu_rules_95": ["说明", "员工", "事件", "指标", "历史", "参数", "规则", "报表", "选项"],
    "qa_accuracy": ["说明", "员工", "事件", "指标", "参数", "规则", "报表", "选项"],
}


def example(scheme_id: str, i: int = 0) -> dict:
    doc = json.loads((ROOT / "schemes" / f"{scheme_id}.json").read_text(encoding="utf-8"))
    return doc["examples"][i]


def cells(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


@pytest.mark.parametrize("scheme_id", SCHEMES)
def test_template_sheets(scheme_id, tmp_path):
    # (tests/test_templates.py checks that the committed templates equal what kpixl new writes)
    out = tmp_path / f"{scheme_id}.xlsx"
    code, stdout, _ = cli("new", scheme_id, "-o", out)
    assert code == 0 and "created" in stdout
    assert load_workbook(out).sheetnames == SHEETS[scheme_id]


def test_guide_lists_the_grade_table():
    guide = [r for r in cells(ROOT / "workbook_templates" / "service_quality_grade.xlsx")["说明"]]
    text = "\n".join(" ".join(str(c) for c in r if c) for r in guide)
    for code in ("G_EXCELLENT", "G_GOOD", "G_FAIR", "G_POOR", "NEW_HIRE_AFTER_10", "HOURS_SHORT_8H"):
        assert code in text
    assert "AVG ≥ 95" in text
    rules = [r[0] for r in cells(ROOT / "workbook_templates" / "service_quality_grade.xlsx")["规则"]]
    assert "G_EXCELLENT" in rules and "NEW_HIRE_AFTER_10" in rules


def test_guide_lists_the_band_tables():
    guide = cells(ROOT / "workbook_templates" / "branch_cs_scorecard.xlsx")["说明"]
    text = "\n".join(" ".join(str(c) for c in r if c) for r in guide)
    assert "95%~100%  [95, 100)  →  − 1" in text and "R-G-1" in text


EXAMPLES = [(s, i) for s in SCHEMES for i in range(2 if s == "qa_accuracy" else 1)]


@pytest.mark.parametrize("scheme_id,i", EXAMPLES)
def test_worked_example_through_a_workbook(scheme_id, i, tmp_path):
    ex = example(scheme_id, i)
    data = {k: ex[k] for k in ("employees", "events", "metrics", "ratings", "history") if k in ex}
    book = make_book(tmp_path / "book.xlsx", scheme_id, ex["period"], parameters=ex.get("parameters", {}), **data)
    code, out, _ = cli("validate", book)
    assert code == 0, out
    code, out, err = cli("score", book, "--json")
    assert code == 0, err
    records = {r["employee_id"]: r for r in json.loads(out)}
    for emp, expected in ex["expect"].items():
        rec = records[emp]
        assert rec["status"] == expected.get("status", "ok"), rec["errors"]
        for name, want in expected.items():
            if name == "status":
                continue
            if name == "flags":
                assert sorted(f["code"] for f in rec["flags"]) == sorted(want)
            elif isinstance(want, bool) or not isinstance(want, (int, float)):
                assert rec["values"][name] == want, name
            else:
                assert Decimal(str(rec["values"][name])) == Decimal(str(want)), name
    report = tmp_path / "report.xlsx"
    code, _, err = cli("report", book, "-o", report)
    assert code == 0, err
    sheet = cells(report)["报表"]
    ids = sheet[0].index("工号 / Employee ID")  # the report is ranked by the headline (issue 9)
    assert sorted(r[ids] for r in sheet[1:]) == sorted(e["id"] for e in ex["employees"])


def test_report_shows_the_judged_rate(tmp_path):
    # R-G-4: the report shows the rounded value that was judged (95.45%, not 95.4545...)
    ex = example("branch_cs_scorecard")
    data = {k: ex[k] for k in ("employees", "events", "metrics", "ratings")}
    book = make_book(tmp_path / "book.xlsx", "branch_cs_scorecard", ex["period"], **data)
    cli("report", book, "-o", tmp_path / "r.xlsx")
    sheet = cells(tmp_path / "r.xlsx")["报表"]
    col = sheet[0].index("回访完成率 % / Callback rate %")
    ids = sheet[0].index("工号 / Employee ID")
    assert {r[ids]: r[col] for r in sheet[1:]} == dict(zip([e["id"] for e in ex["employees"]], [95.45, 75, 68.18],
                                                            strict=True))


def test_udfs_answer_from_the_workbook(tmp_path):
    from kpixl.xl import service

    ex = example("service_quality_grade")
    book = make_book(tmp_path / "book.xlsx", "service_quality_grade", ex["period"],
                     employees=ex["employees"], metrics=ex["metrics"])
    service.clear_cache()
    assert service.value(str(book), "Q02") == 180.0  # the main output: the payout
    assert service.value(str(book), "Q02", "grade.label") == "良好"
    assert service.money(str(book), "Q02", "awards") == 180.0
    assert "NEW_HIRE_AFTER_10" in service.flags(str(book), "Q04")
    assert "G_GOOD" in service.explain(str(book), "Q02", "en")


def test_scheme_without_events_reads_a_workbook_without_an_events_sheet(tmp_path):
    # S2 has no event rules, so its workbook has no 事件 sheet and needs none
    ex = example("callcenter_manager_kpi")
    book = make_book(tmp_path / "book.xlsx", "callcenter_manager_kpi", ex["period"], employees=ex["employees"],
                     metrics=ex["metrics"], parameters=ex["parameters"])
    assert "事件" not in load_workbook(book).sheetnames
    code, out, _ = cli("score", book)
    assert code == 0 and "95.02" in out
