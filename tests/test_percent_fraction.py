"""Issue 12 item 2: a percent figure typed as a fraction (0.62 for 62 %) is a warning at its cell;
the same number in a percent-formatted cell is 62 % (Excel stores 62 % as 0.62) and no warning."""

from __future__ import annotations

import json

import pytest
from conftest import cli
from openpyxl import load_workbook
from reader_fixtures import edit

ENGINES = ["fastexcel", "openpyxl"]


def first_rate_cell(path):
    ws = load_workbook(path)["指标"]
    head = [c.value for c in ws[1]]
    metric = next(i for i, h in enumerate(head) if h and str(h).startswith("指标代码"))
    value = next(i for i, h in enumerate(head) if h and str(h).startswith("数值"))
    for row in ws.iter_rows(min_row=2):
        if row[metric].value == "SUCCESS_RATE":
            return row[value].coordinate, row[value].value
    raise AssertionError("no SUCCESS_RATE row")


def problems(path, engine):
    code, out, _ = cli("validate", path, "--json", "--engine", engine)
    return code, json.loads(out)


@pytest.fixture
def demo(tmp_path):
    path = tmp_path / "dingcan.xlsx"
    assert cli("new", "dingcan_points", "--demo", "-o", path)[0] == 0
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_fraction_in_a_percent_metric_is_a_warning_at_its_cell(demo, engine):
    ref, typed = first_rate_cell(demo)  # the demo types percent units, e.g. 62.94
    edit(demo, "指标", {ref: float(typed) / 100})
    code, found = problems(demo, engine)
    hits = [p for p in found if p["code"] == "percent_as_fraction"]
    assert code == 0 and len(hits) == 1  # a warning: the number may really be a fraction of a percent
    assert hits[0]["severity"] == "warning" and hits[0]["where"] == f"指标!{ref} / Metrics!{ref}"
    assert str(typed) in hits[0]["message_en"]  # it says what was probably meant


@pytest.mark.parametrize("engine", ENGINES)
def test_percent_formatted_cell_is_read_as_percent_without_warning(demo, engine):
    ref, typed = first_rate_cell(demo)
    before = cli("score", demo, "--json", "--no-explain", "--engine", engine)[1]
    edit(demo, "指标", {ref: float(typed) / 100}, {ref: "0.00%"})
    code, found = problems(demo, engine)
    assert code == 0 and found == []
    assert cli("score", demo, "--json", "--no-explain", "--engine", engine)[1] == before
