"""Every template's own cell validations accept every value the scheme puts in them (issue 12
item 11): a rule's current points / amount / range on the 规则 sheet is enterable in its cell,
and so is a deduction's (negative) points, in EVERY scheme's template."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from kpixl.core.scheme import load_scheme
from kpixl.workbook.template import build_workbook

SCHEME_IDS = sorted(p.stem for p in (ROOT / "schemes").glob("*.json"))


def accepts(dv, value) -> bool:
    """Would Excel accept ``value`` typed into a cell under ``dv``? (decimal/whole with their operators)"""
    if value is None or dv.type not in ("decimal", "whole"):
        return True
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return False
    f1 = float(dv.formula1) if dv.formula1 is not None else None
    f2 = float(dv.formula2) if dv.formula2 is not None else None
    op = dv.operator or "between"
    return {"between": lambda: f1 <= value <= f2, "notBetween": lambda: not f1 <= value <= f2,
            "equal": lambda: value == f1, "notEqual": lambda: value != f1, "greaterThan": lambda: value > f1,
            "lessThan": lambda: value < f1, "greaterThanOrEqual": lambda: value >= f1,
            "lessThanOrEqual": lambda: value <= f1}[op]()


def validation_of(ws, ref: str):
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            c1, r1, c2, r2 = range_boundaries(rng)
            col, row = ws[ref].column, ws[ref].row
            if c1 <= col <= c2 and r1 <= row <= r2:
                return dv
    return None


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    return {sid: load_workbook(build_workbook(load_scheme(sid), folder / f"{sid}.xlsx")) for sid in SCHEME_IDS}


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
def test_every_numeric_cell_of_the_rules_sheet_is_enterable(scheme_id, templates):
    ws = templates[scheme_id]["规则"]
    header = [c.value for c in ws[1]]
    cols = {key: header.index(h) + 1 for key, h in (("points", "分值/金额 / Points / amount"), ("min", "下限 / Min"),
                                                     ("max", "上限 / Max"))}
    rules = json.loads((ROOT / "schemes" / f"{scheme_id}.json").read_text(encoding="utf-8"))["rules"]
    refused = []
    for row, rule in enumerate(rules, start=2):
        assert ws.cell(row=row, column=1).value == rule["code"]
        for key, col in cols.items():
            cell = ws.cell(row=row, column=col)
            dv = validation_of(ws, cell.coordinate)
            # the scheme's own value (as the template wrote it) must be enterable again
            if not accepts(dv, cell.value) if dv else False:
                refused.append(f"{cell.coordinate} {rule['code']} {key}={cell.value}")
        # a deduction's points are negative (SCHEMES.md R-G-1 sign convention; the hint says so)
        dv = validation_of(ws, ws.cell(row=row, column=cols["points"]).coordinate)
        if rule.get("kind") == "deduct" and dv is not None and not accepts(dv, -3):
            refused.append(f"{rule['code']} deduction -3")
    assert not refused, refused


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
def test_every_prefilled_number_passes_its_validation(scheme_id, templates):
    """Whatever the template itself writes into a validated numeric cell, Excel accepts."""
    bad = []
    for ws in templates[scheme_id].worksheets:
        for dv in ws.data_validations.dataValidation:
            if dv.type not in ("decimal", "whole"):
                continue
            for rng in str(dv.sqref).split():
                for row in ws[rng]:
                    for cell in row:
                        if isinstance(cell.value, (int, float)) and not accepts(dv, cell.value):
                            bad.append(f"{ws.title}!{cell.coordinate}={cell.value}")
    assert not bad, bad


def test_the_checker_refuses_what_excel_refuses():
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    assert accepts(dv, 0) and not accepts(dv, -3)
    assert not accepts(DataValidation(type="decimal", operator="greaterThan", formula1="0"), 0)
