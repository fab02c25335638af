"""S9 criteria bands carried by the workbook (issue 12 item 13; SCHEMES.md S9, R-CQ-1, R-CQ-6, R-CQ-7).

A criterion is code, name, max and bands (S9 Inputs, `CRITERIA`). The 规则 / Rules sheet's
评分档 / Bands cell holds each criterion's bands, one per line; the template writes the
scheme's default bands there. The workbooks below are made by the template and then edited
the way HR edits them in Excel (openpyxl, cell by cell).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import cli
from openpyxl import load_workbook

from kpixl.core.engine import score
from kpixl.workbook.read import read_workbook

SCHEME = "call_quality_rubric"
ENGINES = ["fastexcel", "openpyxl"]
CODES = ("CQ_EXPRESSION", "CQ_GREETING", "CQ_CLOSING", "CQ_HANGUP")
# R-CQ-1 (a): the partly surviving criterion "probably 倾听/理解"; HR supplies name, max 6 and the top band.
LISTENING_BANDS = "5-6 不能了解用户来电目的之外的表现良好\n3-4 能根据用户的问题给予回应，但重点不够突出\n0-2 出现有抢话，擅意打断对方陈述"


def call(scores, call_id="A", bands=None, listening=None):
    rows = [{"date": "2026-10-08", "employee": "L1", "rule": c, "value": v, "call_id": call_id}
            for c, v in zip(CODES, scores, strict=True)]
    if listening is not None:
        rows.append({"date": "2026-10-08", "employee": "L1", "rule": "CQ_LISTENING", "value": listening,
                     "call_id": call_id})
    for i, b in (bands or {}).items():
        rows[i]["band"] = b
    return rows


def rules_sheet(path, edits: dict[tuple[int, str], object]):
    """Edit 规则 cells by (row, header-prefix), as HR does in Excel."""
    wb = load_workbook(path)
    ws = wb["规则"]
    col = {str(c.value).split(" / ")[0]: c.column for c in ws[1] if c.value}
    for (row, head), value in edits.items():
        ws.cell(row=row, column=col[head], value=value)
    wb.save(path)
    return path


def add_listening(path, bands):
    row = 6  # after the four default criteria (rows 2-5)
    return rules_sheet(path, {(row, "规则代码"): "CQ_LISTENING", (row, "中文名"): "倾听/理解", (row, "类别"): "CQ",
                              (row, "类型"): "bonus", (row, "下限"): 0, (row, "上限"): 6, (row, "评分档"): bands})


def book(tmp_book, events):
    return tmp_book(SCHEME, employees=[{"id": "L1", "name": "林", "role": "话务员"}], events=events)


def result(path, engine="openpyxl"):
    return score(*read_workbook(path, engine=engine))


def codes(r):
    return sorted(p.code for p in r.problems if p.is_error)


def test_template_writes_the_default_bands(tmp_path):
    path = tmp_path / "t.xlsx"
    assert cli("new", SCHEME, "-o", path, "--period", "2026-10")[0] == 0
    ws = load_workbook(path)["规则"]
    col = next(c.column for c in ws[1] if str(c.value).startswith("评分档"))
    cells = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=col).value for r in range(2, 6)}
    # S9 rule 1: 表达能力 13-15 / 10-12 / 8-9 / 5-7 / 3-4 / 0-2; 后挂机 2 / 0 (R-CQ-4)
    assert [line.split()[0] for line in cells["CQ_EXPRESSION"].splitlines()] == ["13-15", "10-12", "8-9", "5-7", "3-4", "0-2"]
    assert [line.split()[0] for line in cells["CQ_HANGUP"].splitlines()] == ["2", "0"]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_added_criterion_with_its_bands(tmp_book, engine):
    # R-CQ-7: divisor 21 + 6 = 27; call 14 + 2 + 1 + 2 + 5 = 24; 24 / 27 = 88.888... -> 88.89
    path = add_listening(book(tmp_book, call((14, 2, 1, 2), listening=5, bands={4: "5-6"})), LISTENING_BANDS)
    r = result(path, engine)
    assert not r.problems
    assert r.employee("L1").values["score"] == Decimal("88.89")


@pytest.mark.parametrize("label", ["4-6", "3-4", "5-7"])
def test_a_label_that_is_not_one_of_hrs_bands_is_refused(tmp_book, label):
    # R-CQ-6: the recorded band must be one of the criterion's bands and contain the score.
    # "4-6" contains the score 5 but is not one of HR's bands: the old code accepted it.
    path = add_listening(book(tmp_book, call((14, 2, 1, 2), listening=5, bands={4: label})), LISTENING_BANDS)
    r = result(path)
    (pr,) = r.employee("L1").problems
    assert pr.code == "band_mismatch" and pr.where == "事件!H6 / Events!H6"
    assert "5-6, 3-4, 0-2" in pr.en


def test_a_label_for_a_criterion_without_bands_is_refused(tmp_book):
    # The old code took 0..max as one band and accepted any label containing the score.
    path = add_listening(book(tmp_book, call((14, 2, 1, 2), listening=5, bands={4: "5-6"})), None)
    r = result(path)
    assert [p.code for p in r.employee("L1").problems] == ["band_mismatch"]
    (w,) = [p for p in r.problems if p.code == "criterion_without_bands"]
    assert w.where == "规则!K6 / Rules!K6" and not w.is_error


def test_hr_changes_a_default_criterions_bands(tmp_book):
    # HR regroups 表达能力 as 11-15 / 6-10 / 0-5: the recorded 11-15 for a 14 is right, 13-15 no longer is.
    new_bands = "11-15 好\n6-10 中\n0-5 差"
    ok = rules_sheet(book(tmp_book, call((14, 2, 1, 2), bands={0: "11-15"})), {(2, "评分档"): new_bands})
    assert result(ok).employee("L1").values["score"] == Decimal("90.48")  # 19 / 21 (S9 worked example call 1)
    bad = rules_sheet(book(tmp_book, call((14, 2, 1, 2), bands={0: "13-15"})), {(2, "评分档"): new_bands})
    assert [p.code for p in result(bad).employee("L1").problems] == ["band_mismatch"]


@pytest.mark.parametrize("bands,code,named", [
    ("5-6\n0-2", "band_gap", "3-4"),            # the scores 3 and 4 are in no band
    ("5-6\n3-4", "band_gap", "0-2"),            # nothing from 0
    ("4-6\n0-4", "band_overlap", "4-6"),        # 4 is in two bands
    ("5-8\n0-4", "band_outside", "5-8"),        # above the maximum 6
    ("5-6\n3-4\n高", "band_text", "高"),
    ("0-2, 3-4, 5-6", "band_text", "0-2, 3-4"),  # several bands on one line
])
def test_bad_band_tables_are_located_errors(tmp_book, bands, code, named):
    path = add_listening(book(tmp_book, call((14, 2, 1, 2), listening=5)), bands)
    r = result(path)
    pr = next(p for p in r.errors if p.code == code)
    assert pr.where == "规则!K6 / Rules!K6" and named in pr.zh and pr.fix_zh and pr.fix_en
    assert r.employee("L1").status == "error"  # a bad rule-table edit stops everyone's result
    exit_code, out, _ = cli("validate", path)
    assert exit_code == 1 and "规则!K6" in out


def test_a_gap_is_allowed_only_where_the_scheme_leaves_the_score_out(tmp_book):
    # R-CQ-4: 后挂机 scores 2 or 0, never 1, so its "2 / 0" table is complete; the same table for a
    # criterion HR adds with max 2 leaves the score 1 in no band.
    path = rules_sheet(book(tmp_book, call((14, 2, 1, 2))), {(5, "评分档"): "2 挂机前询问\n0 先挂机"})
    assert not result(path).problems
    added = rules_sheet(book(tmp_book, call((14, 2, 1, 2), listening=2)), {
        (6, "规则代码"): "CQ_LISTENING", (6, "中文名"): "倾听", (6, "类别"): "CQ", (6, "类型"): "bonus",
        (6, "下限"): 0, (6, "上限"): 2, (6, "评分档"): "2 好\n0 差"})
    (pr,) = [p for p in result(added).errors if p.code == "band_gap"]
    assert "CQ_LISTENING" in pr.zh and "1" in pr.zh


def test_a_max_raised_without_bands_is_caught(tmp_book):
    # HR raises 表达能力 to 20 and clears its bands: the scheme's bands (up to 15) leave 16-20 out.
    path = rules_sheet(book(tmp_book, call((14, 2, 1, 2))), {(2, "上限"): 20, (2, "评分档"): None})
    (pr,) = [p for p in result(path).errors if p.code == "band_gap"]
    assert "16-20" in pr.zh and pr.where == "规则!K2 / Rules!K2"
