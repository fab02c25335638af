"""Workbooks made the way a clerk, a script or an attacker makes them, for the reader tests.

``book()`` is a real template workbook (``kpixl new`` + rows typed in); ``edit()`` types cells the
way Excel stores them (openpyxl), ``patch()`` replaces a cell's XML the way another generator or
Excel itself writes it (an error value, a formula with or without a cached value).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from openpyxl import load_workbook

EMPLOYEES = [{"id": "E1", "name": "甲", "role": "客服", "department": "客服部"},
             {"id": "1002", "name": "乙", "role": "客服顾问", "department": "客服部", "base_salary": 3000}]
EVENTS = [
    {"date": "2026-10-08", "employee": "E1", "rule": "ATT_LATE"},
    {"date": "2026-10-09", "employee": "E1", "rule": "BIZ_SOP_ERROR", "value": 4},
    {"date": "2026-10-10", "employee": "1002", "rule": "CONS_REPORT_LATE"},
]
METRICS = [{"employee": "1002", "metric": "LEAVE_DAYS", "value": 0}]


def book(tmp_book, **over) -> Path:
    data = {"employees": EMPLOYEES, "events": EVENTS, "metrics": METRICS,
            "parameters": {"LEARNING_ACTIVITIES_HELD": 2}}
    data.update(over)
    return tmp_book("weikang_100", **data)


def edit(path: Path, sheet: str, cells: dict, number_formats: dict | None = None) -> None:
    wb = load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
    for ref, fmt in (number_formats or {}).items():
        wb[sheet][ref].number_format = fmt
    wb.save(path)


def rewrite_part(path: Path, part: str, change) -> None:
    """Rewrite one zip part with ``change(bytes) -> bytes`` (every other part copied as is)."""
    tmp = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, change(data) if info.filename == part else data)
    shutil.move(tmp, path)


def sheet_part(path: Path, sheet: str) -> str:
    """The zip part of a sheet written by openpyxl (sheets in workbook order: sheet1.xml ...)."""
    names = load_workbook(path, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def patch(path: Path, sheet: str, cells: dict[str, str]) -> None:
    """Replace existing cells (type a placeholder with ``edit`` first) by raw ``<c>`` XML."""
    def change(data: bytes) -> bytes:
        for ref, xml in cells.items():
            pattern = re.compile(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref.encode(), re.S)
            data, n = pattern.subn(xml.replace("{r}", ref).encode(), data, count=1)
            assert n == 1, f"no cell {ref} to patch"
        return data
    rewrite_part(path, sheet_part(path, sheet), change)
