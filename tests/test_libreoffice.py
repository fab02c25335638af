"""A real spreadsheet application opens what we write: LibreOffice (headless) converts the
template and the report without error, and reads the report's values back. Skips only where
LibreOffice is not installed; .ci/run installs it."""

from __future__ import annotations

import csv
import shutil
import subprocess

import pytest
from conftest import ROOT, cli

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [pytest.mark.libreoffice, pytest.mark.skipif(SOFFICE is None, reason="LibreOffice not installed")]


def convert(path, fmt: str, outdir, profile) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", fmt,
         "--outdir", str(outdir), str(path)],
        capture_output=True, text=True, timeout=180)


def test_template_and_report_open_in_libreoffice(tmp_path):
    report = tmp_path / "report.xlsx"
    assert cli("report", ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx", "-o", report)[0] == 0
    template = ROOT / "workbook_templates" / "weikang_100.xlsx"
    profile = tmp_path / "lo-profile"
    for path in (template, report):
        done = convert(path, "ods", tmp_path, profile)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / f"{path.stem}.ods").stat().st_size > 0, done.stdout + done.stderr
    done = convert(report, "csv:Text - txt - csv (StarCalc):44,34,76,1", tmp_path, profile)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "report.csv", encoding="utf-8") as fh:
        rows = {r[0]: r for r in csv.reader(fh)}
    assert rows["KF002"][5] == "88.8"  # 总分 of the worked example's 甲 (SCHEMES.md S1)
    assert rows["KF005"][13] == "576.00"  # money format #,##0.00
