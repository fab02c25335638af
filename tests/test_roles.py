"""Job titles (岗位) are free text; only rules that depend on the role read it (issue 12 item 1).

SCHEMES.md R-G-16 / R-G-19 list the role as a plain employee attribute. Only S1 has rules that
depend on it: `BIZ_COORD` is for 组长 only (R-WK-17) and the money rules `CONS_REPORT_LATE` /
`CONS_LECTURE` are for 客服顾问 only (R-WK-15, rule 4), which also need a base salary (S1 Inputs).
S2 lists `role` (呼叫中心经理) as an attribute, but no S2 rule reads it. A clerk's own title blocks
nobody; where a rule depends on the role, the optional Employees column 方案岗位 / Scheme role
maps the title to one of the scheme's roles.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from conftest import ROOT, cli, run
from openpyxl import load_workbook

from kpixl.core.engine import score
from kpixl.workbook.read import read_workbook

SCHEMES = sorted((ROOT / "schemes").glob("*.json"))
ENGINES = ["fastexcel", "openpyxl"]
TITLES = ["话务员", "售后客服", "高级客服"]


def _examples():
    for path in SCHEMES:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for i, ex in enumerate(doc.get("examples", [])):
            yield pytest.param(doc, ex, id=f"{doc['id']}[{i}]")


def _run(scheme_id, ex, employees):
    return run(scheme_id, ex["period"], employees=employees, events=ex.get("events"), metrics=ex.get("metrics"),
               ratings=ex.get("ratings"), parameters=ex.get("parameters"), history=ex.get("history"))


def _same(a, b):
    for ea, eb in zip(a.employees, b.employees, strict=True):
        assert (ea.id, ea.status, ea.values) == (eb.id, eb.status, eb.values), ea.id
    assert sorted(p.code for p in a.problems) == sorted(p.code for p in b.problems)


def _depends_on_role(doc) -> set[str]:
    """The roles some rule or attribute of the scheme reads (S1 only, SCHEMES.md S1 Inputs)."""
    used = {r for rule in doc.get("rules", []) for r in rule.get("roles", [])}
    return used | {r for a in doc.get("attributes", []) for r in a.get("required_for_roles", [])}


@pytest.mark.parametrize("doc,ex", list(_examples()))
def test_a_free_title_mapped_to_the_scheme_role_scores_the_same(doc, ex):
    # Every worked example, each person retitled with a clerk's own title and mapped back through
    # the Scheme role column: the same statuses, values and problems as the example.
    before = _run(doc["id"], ex, ex["employees"])
    emps = copy.deepcopy(ex["employees"])
    for i, e in enumerate(emps):
        e["scheme_role"] = e.get("role")
        e["role"] = TITLES[i % len(TITLES)]
    _same(before, _run(doc["id"], ex, emps))


@pytest.mark.parametrize("doc,ex", [p for p in _examples() if not _depends_on_role(p.values[0])])
def test_a_free_title_blocks_nobody_where_no_rule_reads_it(doc, ex):
    # S2..S15: no rule depends on the role (R-G-16), so an unmapped title changes nothing.
    # Fails on the old code: 'unknown_role' blocked the person and, through rankings, everyone.
    before = _run(doc["id"], ex, ex["employees"])
    emps = copy.deepcopy(ex["employees"])
    for i, e in enumerate(emps):
        e["role"] = TITLES[i % len(TITLES)]
    after = _run(doc["id"], ex, emps)
    _same(before, after)
    assert "unknown_role" not in {p.code for p in after.problems}


# ------------------------------------------------------------------ S1: the rules that read the role

S1 = "weikang_100"


def s1(employees, events, metrics=None):
    return run(S1, "2026-10", employees=employees, events=events,
               metrics=metrics or [{"employee": e["id"], "metric": "LEAVE_DAYS", "value": 1} for e in employees],
               parameters={"LEARNING_ACTIVITIES_HELD": 0})


def leader(title="班长", scheme_role=None, dept="一组"):
    return {"id": "L1", "name": "组", "role": title, "department": dept, "scheme_role": scheme_role}


COORD = {"date": "2026-10-03", "employee": "L1", "rule": "BIZ_COORD", "value": 4}


def test_s1_biz_coord_for_a_title_mapped_to_group_leader():
    # R-WK-17: BIZ_COORD is for 组长; 班长 mapped to 组长 takes it. BIZ category: 4 (value 4, cap 40).
    # No full attendance (1 leave day, R-WK-10), no activity held (R-WK-9), BIZ_COORD is not one of
    # R-WK-11's error codes, so the department bonus +3 applies: 100 - 4 + 3 = 99.
    r = s1([leader(scheme_role="组长")], [COORD])
    e = r.employee("L1")
    assert e.ok and e.values["score"] == Decimal(99) and e.role == "班长"


def test_s1_biz_coord_for_an_unmapped_title_is_withheld_naming_the_rule_and_the_fix():
    # R-WK-17: "recording it for an employee whose role is not 组长 is a validation error".
    r = s1([leader()], [COORD])
    e = r.employee("L1")
    assert e.status == "error"
    (pr,) = e.problems
    assert pr.code == "role_restricted" and pr.where == "事件!C2 / Events!C2"
    assert "BIZ_COORD" in pr.zh and "R-WK-17" in pr.zh and "班长" in pr.zh
    assert "R-WK-17" in pr.en and "方案岗位" in pr.fix_zh and "Scheme role" in pr.fix_en


def test_s1_a_title_without_role_rules_blocks_nobody():
    # A 班长 with only ordinary events: ATT_LATE -5 (rule 3), dept clean +3 (R-WK-11) = 98.
    r = s1([leader()], [{"date": "2026-10-05", "employee": "L1", "rule": "ATT_LATE"}])
    assert r.employee("L1").values["score"] == Decimal(98) and not r.errors


def consultant(title="健康顾问", scheme_role="客服顾问", salary=3000):
    return {"id": "C1", "name": "丙", "role": title, "department": "二组", "scheme_role": scheme_role,
            "base_salary": salary}


REPORT_LATE = {"date": "2026-10-17", "employee": "C1", "rule": "CONS_REPORT_LATE", "qty": 2}


def test_s1_money_rules_for_a_title_mapped_to_consultant():
    # R-WK-15, R-WK-20: CONS_REPORT_LATE x2 = 2 x 5% x 3000 = 300.00 yuan off base salary.
    r = s1([consultant()], [REPORT_LATE])
    assert r.employee("C1").ok and r.money_total("C1", "deduction") == Decimal("300.00")


def test_s1_money_rules_for_an_unmapped_title_are_withheld():
    r = s1([consultant(scheme_role=None)], [REPORT_LATE])
    (pr,) = r.employee("C1").problems
    assert pr.code == "role_restricted" and "R-WK-15" in pr.zh and "客服顾问" in pr.fix_zh


def test_s1_a_consultant_title_mapped_to_group_leader_is_a_group_leader():
    # 方案岗位 decides the scheme role: titled 客服顾问 but mapped to 组长, the person takes BIZ_COORD
    # and not the consultants' money rules (R-WK-15); before, both were taken (300.00 yuan deducted).
    r = s1([consultant(title="客服顾问", scheme_role="组长")], [REPORT_LATE])
    (pr,) = r.employee("C1").problems
    assert pr.code == "role_restricted" and "CONS_REPORT_LATE" in pr.en
    coord = {**COORD, "employee": "C1"}
    assert r.employee("C1").status == "error"
    r = s1([consultant(title="客服顾问", scheme_role="组长")], [coord])
    assert r.employee("C1").ok  # 100 - 4 (BIZ_COORD value 4) + 3 (dept clean) = 99
    assert r.employee("C1").values["score"] == Decimal(99)


def test_s1_a_mapped_consultant_needs_a_base_salary():
    # S1 Inputs: base_salary "required for 客服顾问", read through the mapping.
    r = s1([consultant(salary=None)], [])
    (pr,) = r.employee("C1").problems
    assert pr.code == "missing_attribute"


def test_a_mapping_to_no_role_of_the_scheme_is_located_and_blocks_that_person():
    r = s1([leader(scheme_role="主管"), consultant()], [])
    (pr,) = r.employee("L1").problems
    assert pr.code == "unknown_scheme_role" and pr.employee == "L1"
    assert pr.where.startswith("员工!") and "主管" in pr.zh and "组长" in pr.fix_zh
    assert r.employee("C1").ok


# ------------------------------------------------------------------ workbooks

@pytest.mark.parametrize("engine", ENGINES)
def test_a_clerks_workbook_with_free_titles_and_a_mapping(tmp_book, engine):
    # Both reader engines honour the Scheme role column of a real workbook.
    path = tmp_book(S1, employees=[leader(title="值班长", scheme_role="组长"),
                                   {"id": "E2", "name": "乙", "role": "话务员", "department": "一组"}],
                    events=[COORD], metrics=[{"employee": "L1", "metric": "LEAVE_DAYS", "value": 1},
                                             {"employee": "E2", "metric": "LEAVE_DAYS", "value": 1}],
                    parameters={"LEARNING_ACTIVITIES_HELD": 0})
    r = score(*read_workbook(path, engine=engine))
    assert not r.problems
    assert r.employee("L1").values["score"] == Decimal(99)  # as above
    assert r.employee("E2").values["score"] == Decimal(103)  # 100 + dept clean 3 (R-WK-11)


def test_validate_a_branch_scorecard_book_with_titles_names_no_role(tmp_book):
    # S3: the old code gave unknown_role for 话务员 and exit 1.
    path = tmp_book("branch_cs_scorecard", employees=[{"id": "S1", "name": "甲", "role": "话务员"}])
    code, out, err = cli("validate", path)
    assert "unknown_role" not in out + err and "话务员" not in out + err


def test_template_role_dropdown_accepts_a_typed_title(tmp_path):
    # The 岗位 list only suggests (showErrorMessage off: Excel and LibreOffice then accept any
    # text); the 方案岗位 list is strict, since it must name a role of the scheme.
    path = tmp_path / "t.xlsx"
    assert cli("new", S1, "-o", path, "--period", "2026-10")[0] == 0
    ws = load_workbook(path)["员工"]
    header = {c.value: c.column_letter for c in ws[1]}
    by_col = {str(dv.sqref).split(":")[0][:-1]: dv for dv in ws.data_validations.dataValidation}
    role, mapped = by_col[header["岗位 / Role"]], by_col[header["方案岗位 / Scheme role"]]
    assert role.type == "list" and not role.showErrorMessage
    assert mapped.type == "list" and mapped.showErrorMessage


def test_the_rules_sheet_may_name_a_clerks_own_title(tmp_book):
    # The 规则 sheet's 适用岗位 is editable: HR writes 组长、班长 for BIZ_COORD; a 班长 then takes it
    # without a mapping (100 - 4 + 3 = 99, as above).
    path = tmp_book(S1, employees=[leader()], events=[COORD],
                    metrics=[{"employee": "L1", "metric": "LEAVE_DAYS", "value": 1}],
                    parameters={"LEARNING_ACTIVITIES_HELD": 0})
    wb = load_workbook(path)
    ws = wb["规则"]
    roles_col = next(c.column for c in ws[1] if str(c.value).startswith("适用岗位"))
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "BIZ_COORD")
    ws.cell(row=row, column=roles_col, value="组长、班长")
    wb.save(path)
    r = score(*read_workbook(path))
    assert not r.problems and r.employee("L1").values["score"] == Decimal(99)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_reads_the_title_list_as_a_suggestion(tmp_path):
    # A real client: LibreOffice imports the 岗位 list with its error alert off (it then accepts
    # any typed text) and the 方案岗位 list with a stop alert.
    path = tmp_path / "t.xlsx"
    assert cli("new", S1, "-o", path, "--period", "2026-10")[0] == 0
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless", "--norestore",
                           "--convert-to", "ods", "--outdir", str(tmp_path), str(path)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "t.ods") as z:
        content = z.read("content.xml").decode("utf-8")
    # the roles list both columns offer, as LibreOffice writes it ($选项.$A$2:.$A$4)
    ws = load_workbook(path)["员工"]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    sheet, cells = lists["C2"].lstrip("=").split("!")
    sheet = sheet.strip("'")
    first, last = cells.split(":")
    roles = f"[${sheet}.{first}:.{last}]"
    assert lists["G2"] == lists["C2"]
    rules = {}
    for chunk in content.split("<table:content-validation ")[1:]:
        # LibreOffice may name another sheet in base-cell-address; the cell and the list identify it
        cell = re.search(r'table:base-cell-address="[^".]+\.([A-Z]+)2"', chunk)
        alert = re.search(r'<table:error-message[^>]*table:display="(true|false)"', chunk)
        if cell and alert and roles in chunk:
            rules[cell.group(1)] = alert.group(1)
    assert rules["C"] == "false" and rules["G"] == "true"  # C 岗位, G 方案岗位 (the last column)
