"""Committed template workbooks are exactly what `kpixl new` makes (cell values, formulas,
validations, frozen panes), and they carry what a clerk expects."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, cli
from openpyxl import load_workbook

TEMPLATES = ROOT / "workbook_templates"
SCHEME_IDS = sorted(p.stem for p in (ROOT / "schemes").glob("*.json"))


def snapshot(path) -> dict:
    wb = load_workbook(path)
    snap = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        cells = {c.coordinate: getattr(c.value, "text", c.value) for row in ws.iter_rows() for c in row
                 if c.value is not None}  # an array formula compares by its text
        dvs = sorted((str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.prompt or "", dv.operator or "")
                     for dv in ws.data_validations.dataValidation)
        snap[ws.title] = {"cells": cells, "validations": dvs, "freeze": ws.freeze_panes, "state": ws.sheet_state}
    return snap


def diff(a: dict, b: dict) -> list[str]:
    out = []
    if a["sheets"] != b["sheets"]:
        out.append(f"sheets: {a['sheets']} != {b['sheets']}")
    for name in a["sheets"]:
        if name not in b:
            continue
        sa, sb = a[name], b[name]
        for ref in sorted(set(sa["cells"]) | set(sb["cells"])):
            if sa["cells"].get(ref) != sb["cells"].get(ref):
                out.append(f"{name}!{ref}: committed {sa['cells'].get(ref)!r}, regenerated {sb['cells'].get(ref)!r}")
        for key in ("validations", "freeze", "state"):
            if sa[key] != sb[key]:
                out.append(f"{name} {key} differ")
    return out


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
def test_committed_template_matches_kpixl_new(scheme_id, tmp_path):
    committed = TEMPLATES / f"{scheme_id}.xlsx"
    assert committed.is_file(), f"run: kpixl new {scheme_id} -o workbook_templates/{scheme_id}.xlsx"
    fresh = tmp_path / f"{scheme_id}.xlsx"
    assert cli("new", scheme_id, "-o", fresh)[0] == 0
    problems = diff(snapshot(committed), snapshot(fresh))
    assert not problems, "\n".join(problems[:20])


def test_committed_demo_matches_kpixl_new_demo(tmp_path):
    fresh = tmp_path / "demo.xlsx"
    assert cli("new", "weikang_100", "--demo", "--period", "2026-10", "-o", fresh)[0] == 0
    problems = diff(snapshot(TEMPLATES / "demo" / "weikang_100_demo.xlsx"), snapshot(fresh))
    assert not problems, "\n".join(problems[:20])


def test_template_is_what_a_clerk_expects():
    wb = load_workbook(TEMPLATES / "weikang_100.xlsx")
    assert wb.sheetnames[:7] == ["说明", "员工", "事件", "指标", "参数", "规则", "报表"]
    events = wb["事件"]
    assert [c.value for c in events[1]][:6] == ["日期 / Date", "工号 / Employee ID", "规则代码 / Rule code",
                                               "数量 / Qty", "取值 / Value", "备注 / Note"]
    assert events.freeze_panes == "A2"
    dvs = {str(dv.sqref).split(":")[0]: dv for dv in events.data_validations.dataValidation}
    assert dvs["C2"].type == "list" and dvs["C2"].formula1 == "='规则'!$A$2:$A$501"   # rule codes
    assert dvs["B2"].type == "list" and dvs["B2"].formula1 == "='员工'!$A$2:$A$1001"  # employee ids
    assert dvs["A2"].type == "date"
    assert dvs["D2"].type == "decimal" and dvs["D2"].operator == "greaterThan"
    assert all(dv.prompt for dv in dvs.values())  # an input hint on every validated column
    rules = wb["规则"]
    codes = [r[0].value for r in rules.iter_rows(min_row=2) if r[0].value]
    scheme = json.loads((ROOT / "schemes" / "weikang_100.json").read_text(encoding="utf-8"))
    assert codes == [r["code"] for r in scheme["rules"]]
    assert [c.value for c in rules[1]][:9] == ["规则代码 / Code", "中文名 / Name (zh)", "英文名 / Name (en)", "类别 / Category",
                                              "类型 / Kind", "分值/金额 / Points / amount", "下限 / Min", "上限 / Max",
                                              "单位 / Unit"]
    report = wb["报表"]  # one guarded dynamic-array formula (tests/test_excel_template.py)
    assert report["A2"].value.text == '=IF(ISERR(KPI_TABLE()),"",KPI_TABLE())'
    params = {r[0].value: r[2].value for r in wb["参数"].iter_rows(min_row=2)}
    assert params["SCHEME"] == "weikang_100" and "LEARNING_ACTIVITIES_HELD" in params
    assert wb["选项"].sheet_state == "hidden"


def test_period_from_file_name(tmp_path):
    code, out, _ = cli("new", "weikang_100", "-o", tmp_path / "2026-11.xlsx")
    assert code == 0 and "2026-11" in out
    params = {r[0].value: r[2].value for r in load_workbook(tmp_path / "2026-11.xlsx")["参数"].iter_rows(min_row=2)}
    assert params["PERIOD"] == "2026-11"


def test_new_refuses_to_overwrite(tmp_path):
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"keep me")
    code, _, err = cli("new", "weikang_100", "-o", target)
    assert code == 2 and "--force" in err and target.read_bytes() == b"keep me"
