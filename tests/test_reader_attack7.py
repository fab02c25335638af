"""Cells real tools write that one engine read differently (attack round 7), on both engines.

- ``=IF(G2="","",G2)``: a formula whose cached text result is empty (``t="str"``, ``<v></v>``, as
  Excel and LibreOffice save it) is an empty cell, not "a formula saved without its value";
- ``_x000D_`` (OOXML's escape of a CR, written by Excel and XlsxWriter for a pasted Windows line
  end) is decoded by both engines; ``_x005F_x000D_`` is the literal text;
- attributes in single quotes and a style index with a leading zero are read (a percent cell,
  an Excel boolean);
- a date typed into one Value cell (Excel turns ``1-2`` into a date) leaves the empty cells
  empty, so only that cell is an error;
- an ISO date cell (``t="d"``) ending in ``Z``;
- a Strict Open XML workbook is refused as such.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from conftest import cli
from reader_fixtures import edit, patch, rewrite_part, sheet_part

ENGINES = ["fastexcel", "openpyxl"]


def scored(path, engine):
    code, out, err = cli("score", path, "--json", "--no-explain", "--engine", engine)
    assert "Traceback" not in out + err
    return code, ({e["employee_id"]: e for e in json.loads(out)} if out.strip().startswith("[") else out + err)


def scores(people: dict) -> dict:
    return {k: (e["status"], e["score"]) for k, e in people.items()}


@pytest.fixture(scope="module")
def demos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demos")
    out = {}
    for scheme in ("weikang_100", "callcenter_manager_kpi"):
        path = folder / f"{scheme}.xlsx"
        assert cli("new", scheme, "--demo", "-o", path)[0] == 0
        out[scheme] = (path, scores(scored(path, "fastexcel")[1]))
    return out


def copy(demos, scheme, tmp_path):
    path = tmp_path / f"{scheme}.xlsx"
    path.write_bytes(demos[scheme][0].read_bytes())
    return path, demos[scheme][1]


def qty_cell(demos, tmp_path, xml: str):
    """The weikang demo with KF002's ATT_LATE qty (事件!D2, blank = 1 in the demo) written as ``xml``."""
    path, before = copy(demos, "weikang_100", tmp_path)
    edit(path, "事件", {"D2": 0})  # a placeholder cell for the patch to replace
    patch(path, "事件", {"D2": xml})
    return path, before


@pytest.mark.parametrize("engine", ENGINES)
def test_an_empty_text_formula_result_is_an_empty_cell(demos, tmp_path, engine):
    path, before = qty_cell(demos, tmp_path, '<c r="{r}" t="str"><f>IF(G2=&quot;&quot;,&quot;&quot;,G2)</f><v></v></c>')
    code, people = scored(path, engine)
    assert code == 0 and scores(people) == before


@pytest.mark.parametrize("engine", ENGINES)
def test_a_formula_without_any_saved_value_is_still_refused(demos, tmp_path, engine):
    path, _ = qty_cell(demos, tmp_path, '<c r="{r}"><f>IF(G2=&quot;&quot;,1,G2)</f></c>')
    code, people = scored(path, engine)
    assert code == 1 and people["KF002"]["status"] == "error"
    (err,) = people["KF002"]["errors"]
    assert err["where"] == "事件!D2 / Events!D2" and '=IF(G2="",1,G2)' in err["message_en"]  # no &quot;


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text,known", [("KF002_x000D_", True), ("KF002_x005F_x000D_", False)])
def test_an_escaped_carriage_return_is_decoded_by_both_engines(demos, tmp_path, engine, text, known):
    path, before = copy(demos, "weikang_100", tmp_path)
    patch(path, "事件", {"B2": f'<c r="{{r}}" t="inlineStr"><is><t>{text}</t></is></c>'})
    code, people = scored(path, engine)
    if known:  # KF002 + CR: the ID with a line end, which is stripped
        assert code == 0 and scores(people) == before
    else:  # the literal text "KF002_x000D_" typed by a clerk: not an ID on the Employees sheet
        assert code == 1 and [e["code"] for e in people["KF002"]["errors"]] == ["unknown_employee"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("form", ["single_quotes", "leading_zero"])
def test_a_percent_style_written_unusually_is_still_a_percent(demos, tmp_path, engine, form):
    path, before = copy(demos, "callcenter_manager_kpi", tmp_path)
    edit(path, "指标", {"C6": 0.93}, {"C6": "0%"})  # HM001's K_CSAT, 93 in the demo: 93% shown as a percent

    def change(data: bytes) -> bytes:
        cell = re.search(rb'<c r="C6" s="(\d+)"', data)
        new = b"<c r='C6' s='%s'" % cell.group(1) if form == "single_quotes" else b'<c r="C6" s="0%s"' % cell.group(1)
        return data.replace(cell.group(0), new)
    rewrite_part(path, sheet_part(path, "指标"), change)
    code, people = scored(path, engine)
    assert code == 0 and scores(people) == before


@pytest.mark.parametrize("engine", ENGINES)
def test_an_excel_boolean_in_single_quotes_is_not_a_number(demos, tmp_path, engine):
    path, _ = qty_cell(demos, tmp_path, "<c r='D2' t='b'><v>1</v></c>")
    code, people = scored(path, engine)
    assert code == 1 and [e["where"] for e in people["KF002"]["errors"]] == ["事件!D2 / Events!D2"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_date_in_one_value_cell_leaves_the_other_cells_empty(tmp_path, engine):
    # service_norms_100's demo has no Value in any Events row: one date makes calamine type the column as dates
    path = tmp_path / "s12.xlsx"
    assert cli("new", "service_norms_100", "--demo", "-o", path)[0] == 0
    before = scores(scored(path, "fastexcel")[1])
    owner = next(iter(load_cells(path, "事件", "B2")))
    edit(path, "事件", {"E2": dt.datetime(2026, 1, 2)}, {"E2": "yyyy-mm-dd"})  # "1-2" typed, made a date by Excel
    code, people = scored(path, engine)
    # only E2 is an error (calamine's column of dates gave every empty Value cell as "NaT is not a number")
    assert code == 1 and {e["where"] for p in people.values() for e in p["errors"]} == {"事件!E2 / Events!E2"}
    assert {k: v for k, v in scores(people).items() if k != owner} == {k: v for k, v in before.items() if k != owner}


def load_cells(path, sheet, *refs):
    from openpyxl import load_workbook

    ws = load_workbook(path)[sheet]
    return [ws[r].value for r in refs]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_iso_date_cell_ending_in_z_is_that_day(demos, tmp_path, engine):
    path, before = copy(demos, "weikang_100", tmp_path)
    patch(path, "事件", {"A2": '<c r="{r}" t="d"><v>2026-10-08T09:30:00Z</v></c>'})  # 46303 = 2026-10-08
    code, people = scored(path, engine)
    assert code == 0 and scores(people) == before


@pytest.mark.parametrize("engine", ENGINES)
def test_a_strict_open_xml_workbook_is_refused_as_such(demos, tmp_path, engine):
    path, _ = copy(demos, "weikang_100", tmp_path)
    rewrite_part(path, "xl/workbook.xml", lambda d: d.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                                              b"http://purl.oclc.org/ooxml/spreadsheetml/main"))
    code, out, err = cli("score", path, "--engine", engine)
    assert code == 2 and "Strict Open XML" in out + err and "Traceback" not in out + err


@pytest.mark.parametrize("engine", ENGINES)
def test_rows_and_cells_written_out_of_order_are_placed_by_their_numbers(demos, tmp_path, engine):
    path, before = copy(demos, "weikang_100", tmp_path)

    def change(data: bytes) -> bytes:
        row2 = re.search(rb'<row r="2".*?</row>', data, re.S).group(0)
        row3 = re.search(rb'<row r="3".*?</row>', data, re.S).group(0)
        cells = re.findall(rb"<c .*?</c>", row3, re.S)  # row 3's cells written right to left
        row3_reversed = row3[:row3.index(b">") + 1] + b"".join(reversed(cells)) + b"</row>"
        return data.replace(row2 + row3, row3_reversed + row2)  # and row 3 written before row 2
    rewrite_part(path, sheet_part(path, "事件"), change)
    code, people = scored(path, engine)
    assert code == 0 and scores(people) == before  # openpyxl's reader dropped row 2, then cut row 3 short
