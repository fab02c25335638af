"""The template's 报表 sheet for Excel: one guarded dynamic-array formula instead of thousands of UDF
cells, blank (not #NAME?) where the add-in is absent, printable; `kpixl new --excel` adds the
xlwings.conf sheet the add-in reads."""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile

import pytest
from conftest import ROOT, cli
from openpyxl import load_workbook

TEMPLATES = ROOT / "workbook_templates"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def formulas(ws) -> dict:
    out = {}
    for row in ws.iter_rows():
        for c in row:
            text = getattr(c.value, "text", c.value)
            if isinstance(text, str) and text.startswith("="):
                out[c.coordinate] = text
    return out


@pytest.mark.parametrize("scheme_id", sorted(p.stem for p in (ROOT / "schemes").glob("*.json")))
def test_report_sheet_is_one_guarded_table_formula(scheme_id):
    ws = load_workbook(TEMPLATES / f"{scheme_id}.xlsx")["报表"]
    # ISERR is false for #N/A only: #NAME? (no add-in) -> blank, a blocked employee's #N/A stays.
    assert formulas(ws) == {"A2": '=IF(ISERR(KPI_TABLE()),"",KPI_TABLE())'}
    assert ws["A2"].value.ref == "A2"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0  # one page wide, as long as needed
    assert ws.print_title_rows == "$2:$2"


def test_the_table_formula_spills_in_excel_365():
    """Excel needs the dynamic-array cell metadata, or it opens the formula as =@... (first value only)."""
    with zipfile.ZipFile(TEMPLATES / "weikang_100.xlsx") as z:
        names = z.namelist()
        report = next(n for n in names if n.startswith("xl/worksheets/") and 'cm="1"' in z.read(n).decode())
        xml = z.read(report).decode()
        assert '<c r="A2" cm="1"><f t="array" ref="A2">' in xml
        meta = z.read("xl/metadata.xml").decode()
        assert 'name="XLDAPR"' in meta and 'fDynamic="1"' in meta
        assert "sheetMetadata" in z.read("xl/_rels/workbook.xml.rels").decode()
        assert "/xl/metadata.xml" in z.read("[Content_Types].xml").decode()


def test_new_excel_adds_the_xlwings_conf_sheet(tmp_path):
    plain, excel = tmp_path / "plain.xlsx", tmp_path / "excel.xlsx"
    assert cli("new", "weikang_100", "-o", plain)[0] == 0
    assert cli("new", "weikang_100", "--excel", "-o", excel)[0] == 0
    assert "xlwings.conf" not in load_workbook(plain).sheetnames
    ws = load_workbook(excel)["xlwings.conf"]
    keys = [ws.cell(row=r, column=1).value for r in range(1, 4)]
    # xlwings reads keys from A1 down to the first blank, values from column B (xlwings.bas GetConfigFromSheet).
    assert keys[:2] == ["UDF Modules", "#Interpreter_Win"] and keys[2] is None
    assert ws["B1"].value == "kpixl.xl.udfs"
    assert ws["B2"].value.endswith("pythonw.exe") and "where python" in ws["C2"].value  # a hint, inactive


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice not installed")
def test_report_sheet_is_blank_not_name_errors_without_the_add_in(tmp_path):
    """LibreOffice has no KPI_TABLE: a real client shows what a clerk without the add-in sees."""
    book = tmp_path / "demo.xlsx"
    shutil.copy(TEMPLATES / "demo" / "weikang_100_demo.xlsx", book)
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--norestore",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
         "--outdir", str(tmp_path), str(book)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "demo-报表.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0].startswith("报表由 =KPI_TABLE() 计算")
    cells = [c for r in rows[1:] for c in r]
    assert not any(c.startswith("#") for c in cells) and not any(cells)
