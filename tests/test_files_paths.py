"""Import and paths (issue 7): imported text stays text; no command writes onto one of its
inputs (also through a symlink or another spelling of the path); `report`/`import -o` onto
another kpixl input workbook needs --force; a workbook's SCHEME is a scheme id, never a path."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from conftest import ROOT, cli
from openpyxl import load_workbook

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"
EMPLOYEES = [{"id": "Q01", "name": "甲", "hire_date": "2025-01-01"}]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def book(tmp_book):
    return tmp_book("service_quality_grade", employees=EMPLOYEES)


def write_csv(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_writes_formula_like_text_as_text(book, tmp_path):
    hostile = '=HYPERLINK("http://evil.example/","点我")'
    csv_path = write_csv(tmp_path / "m.csv", ["工号,指标代码,数值,备注", f'Q01,I_AVG,96,"{hostile.replace(chr(34), 2 * chr(34))}"',
                                             "Q01,M_AVG,94,+cmd", "Q01,WORK_HOURS,170,@SUM(1)"])
    out = tmp_path / "out.xlsx"
    assert cli("import", book, csv_path, "-o", out)[0] == 0
    ws = load_workbook(out)["指标"]
    header = [c.value for c in ws[1]]
    note = next(i for i, h in enumerate(header) if h and h.startswith("备注"))
    notes = {r[0].value and r[1].value: r[note] for r in ws.iter_rows(min_row=2) if r[0].value}
    for metric, text in (("I_AVG", hostile), ("M_AVG", "+cmd"), ("WORK_HOURS", "@SUM(1)")):
        cell = notes[metric]
        assert cell.value == text and cell.data_type == "s", (metric, cell.data_type)  # text, not a formula


@pytest.mark.parametrize("target", ["csv", "book", "book_symlink", "book_dotdot", "csv_symlink"])
def test_import_refuses_to_write_onto_an_input(book, tmp_path, target):
    csv_path = write_csv(tmp_path / "m.csv", ["工号,指标代码,数值", "Q01,I_AVG,96"])
    (tmp_path / "link.xlsx").symlink_to(book)
    (tmp_path / "link.csv").symlink_to(csv_path)
    (tmp_path / "sub").mkdir()
    out = {"csv": csv_path, "book": book, "book_symlink": tmp_path / "link.xlsx",
           "book_dotdot": tmp_path / "sub" / ".." / book.name, "csv_symlink": tmp_path / "link.csv"}[target]
    before = digest(book), digest(csv_path)
    code, _, err = cli("import", book, csv_path, "-o", out)
    assert code == 2 and "must not overwrite the input" in err and "不能覆盖输入" in err
    assert (digest(book), digest(csv_path)) == before


def test_report_refuses_its_input_through_a_symlink(tmp_path):
    copy = tmp_path / "2026-10.xlsx"
    shutil.copy(DEMO, copy)
    (tmp_path / "alias.xlsx").symlink_to(copy)
    before = digest(copy)
    code, _, err = cli("report", copy, "-o", tmp_path / "alias.xlsx")
    assert code == 2 and "must not overwrite the input" in err and digest(copy) == before


def test_report_onto_another_kpixl_workbook_needs_force(tmp_path):
    october, november = tmp_path / "october.xlsx", tmp_path / "november.xlsx"
    shutil.copy(DEMO, october)
    shutil.copy(DEMO, november)
    before = digest(november)
    code, _, err = cli("report", october, "-o", november)
    assert code == 2 and "--force" in err and "kpixl input workbook" in err and digest(november) == before
    assert cli("report", october, "-o", november, "--force")[0] == 0
    assert load_workbook(november).sheetnames[0] == "总览"


def test_report_may_replace_an_earlier_report(tmp_path):
    out = tmp_path / "r.xlsx"
    assert cli("report", DEMO, "-o", out)[0] == 0
    assert cli("report", DEMO, "-o", out)[0] == 0  # a report is no input workbook


def test_import_onto_another_kpixl_workbook_needs_force(book, tmp_path, tmp_book):
    other = tmp_book("service_quality_grade", name="other.xlsx", employees=EMPLOYEES)
    csv_path = write_csv(tmp_path / "m.csv", ["工号,指标代码,数值", "Q01,I_AVG,96"])
    before = digest(other)
    code, _, err = cli("import", book, csv_path, "-o", other)
    assert code == 2 and "--force" in err and digest(other) == before
    assert cli("import", book, csv_path, "-o", other, "--force")[0] == 0


@pytest.fixture
def rogue_scheme(tmp_path):
    """A scheme file outside the schemes folder, and a workbook whose SCHEME points at it."""
    doc = json.loads((ROOT / "schemes" / "weikang_100.json").read_text(encoding="utf-8"))
    (tmp_path / "x.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    wb_path = tmp_path / "books" / "dept"
    wb_path.mkdir(parents=True)
    book = wb_path / "book.xlsx"
    shutil.copy(DEMO, book)
    wb = load_workbook(book)
    ws = wb["参数"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "SCHEME")
    row[2].value = "../../x.json"
    wb.save(book)
    return book, tmp_path / "x.json", row[2].coordinate


@pytest.mark.parametrize("value", ["../../x.json", "/etc/passwd", "weikang_100/../../x", "schemes/weikang_100.json"])
def test_scheme_in_the_workbook_must_be_an_id(rogue_scheme, value):
    book, _, ref = rogue_scheme
    wb = load_workbook(book)
    wb["参数"][ref].value = value
    wb.save(book)
    code, _, err = cli("validate", book)
    assert code == 2 and f"参数!{ref}" in err and "not a scheme id" in err and "--scheme" in err


def test_operator_may_name_a_scheme_file(rogue_scheme):
    book, path, _ = rogue_scheme
    code, out, _ = cli("validate", book, "--scheme", path)
    assert code == 0 and "weikang_100" in out


def test_unknown_scheme_id_names_its_cell(rogue_scheme):
    book, _, ref = rogue_scheme
    wb = load_workbook(book)
    wb["参数"][ref].value = "no_such_scheme"
    wb.save(book)
    code, _, err = cli("validate", book)
    assert code == 2 and f"参数!{ref}" in err and "no_such_scheme" in err
