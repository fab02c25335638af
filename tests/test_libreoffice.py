"""A real spreadsheet application opens what we write: LibreOffice (headless) converts the
template and the report without error, reads the report's values back, and prints the reports:
the summary on one page, one page per statement (issue 9). Skips only where LibreOffice is not
installed; .ci/run installs it. bench/render_reports.py makes the PNGs of these pages for people.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile

import pytest
from conftest import ROOT, cli
from test_report_sheets import s14_example_book

from bench.render_reports import page_texts, to_pdf

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [pytest.mark.libreoffice, pytest.mark.skipif(SOFFICE is None, reason="LibreOffice not installed")]
DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def convert(path, fmt: str, outdir, profile) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", fmt,
         "--outdir", str(outdir), str(path)],
        capture_output=True, text=True, timeout=180)


def test_template_and_report_open_in_libreoffice(tmp_path):
    report = tmp_path / "report.xlsx"
    assert cli("report", DEMO, "-o", report)[0] == 0
    template = ROOT / "workbook_templates" / "weikang_100.xlsx"
    profile = tmp_path / "lo-profile"
    for path in (template, report):
        done = convert(path, "ods", tmp_path, profile)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / f"{path.stem}.ods").stat().st_size > 0, done.stdout + done.stderr
    # the 12th CSV filter token picks the sheet: 2 = 报表 (the summary is sheet 1)
    done = convert(report, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,2", tmp_path,
                   profile)
    assert done.returncode == 0, done.stderr
    out = next(tmp_path.glob("report*.csv"))
    with open(out, encoding="utf-8") as fh:
        rows = {r[1]: r for r in csv.reader(fh)}
    header = rows["工号 / Employee ID"]
    assert rows["KF002"][header.index("总分 / Score")] == "88.8"  # 总分 of the worked example's 甲 (SCHEMES.md S1)
    money = header.index("扣基础工资（元） / Base-salary deductions (yuan)")
    assert rows["KF005"][money] == "576.00"  # money format #,##0.00


def sheet_pages(texts: list[str], sheet: str) -> list[str]:
    """The pages of one sheet: the page header's right part is the sheet's name."""
    return [t for t in texts if t.strip() and t.strip().splitlines()[0].split()[-1] == sheet]


def statement_pages(texts: list[str]) -> list[int]:
    """Statements per printed page of the 考核单 sheet (a statement running onto a second page shows as a 0)."""
    return [t.count("考核单 KPI statement：") for t in sheet_pages(texts, "考核单")]


@needs_poppler
def test_demo_report_prints_summary_on_one_page_and_one_page_per_statement(tmp_path):
    report = tmp_path / "demo.report.xlsx"
    assert cli("report", DEMO, "-o", report)[0] == 0
    texts = page_texts(to_pdf(report, tmp_path))
    summary = sheet_pages(texts, "总览")
    assert len(summary) == 1 and "KPI 月度总览 / Monthly KPI summary" in summary[0]
    assert "需要处理 / Needs action" in summary[0] and "KF003" in summary[0]  # the last line of the page printed
    assert statement_pages(texts) == [1] * 12  # 12 agents, one statement on each page
    assert "第 1 页 / 共" in texts[0] and "2026-10" in texts[0]  # footer page number, header period
    with zipfile.ZipFile(report) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 2


@needs_poppler
def test_ranking_scheme_report_prints_the_same_way(tmp_path):
    # S14 gubang_group_rank, the scheme file's worked example: 5 members in 8 groups
    book = s14_example_book(tmp_path / "g.xlsx")
    report = tmp_path / "g.report.xlsx"
    assert cli("report", book, "-o", report)[0] == 1  # 周 (M03) has a problem (R-GB-4): exit 1, report written
    texts = page_texts(to_pdf(report, tmp_path))
    summary = sheet_pages(texts, "总览")
    assert len(summary) == 1 and "一组" in summary[0] and "八组" in summary[0]  # the group chart's axis
    assert statement_pages(texts) == [1] * 5
    with zipfile.ZipFile(report) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2 and any("小组总得分" in c for c in charts)
