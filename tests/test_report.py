"""Report workbooks: a NEW file with values, a detail row per contribution, atomic writes, the
input untouched, text never turned into a formula."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import zipfile
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, cli
from openpyxl import load_workbook

from kpixl.core.engine import score
from kpixl.workbook.read import read_workbook
from kpixl.workbook.report import write_report
from kpixl.workbook.xlsx_out import OutSheet, write_xlsx

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_report_is_a_new_workbook_and_the_input_is_untouched(tmp_path):
    before = sha(DEMO)
    out = tmp_path / "report.xlsx"
    code, stdout, _ = cli("report", DEMO, "-o", out)
    assert code == 0 and sha(DEMO) == before
    wb = load_workbook(out)
    assert wb.sheetnames == ["总览", "报表", "考核单", "明细", "标记", "问题", "信息"]
    rep = wb["报表"]
    header = [c.value for c in rep[1]]
    rows = {r[1]: dict(zip(header, r, strict=False)) for r in rep.iter_rows(min_row=2, values_only=True)}
    assert header[:2] == ["名次 / Rank", "工号 / Employee ID"]
    # KF002 (李娜) is the worked example's 甲: 100 - 15 - 2 - 4.2 + 10 = 88.8
    assert rows["KF002"]["总分 / Score"] == pytest.approx(88.8)
    assert rows["KF005"]["扣基础工资（元） / Base-salary deductions (yuan)"] == pytest.approx(576.0)
    assert rep.freeze_panes == "A2"
    assert "报表 report:" in stdout


def test_detail_lists_every_contribution_with_its_source_and_cap(tmp_path):
    r = score(*read_workbook(DEMO))
    out = write_report(r, tmp_path / "r.xlsx", DEMO)
    ws = load_workbook(out)["明细"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]
    kf002 = [x for x in rows if x["工号 / Employee ID"] == "KF002" and x["分值 / Points"] is not None]
    by_source = {x["来源 / Source"]: x for x in kf002}
    assert by_source["事件!C2"]["规则代码 / Rule"] == "ATT_LATE"
    assert by_source["事件!C2"]["计入(封顶后) / Counted"] == -5
    money = [x for x in rows if x["金额(元) / Yuan"] is not None]
    assert sorted(x["金额(元) / Yuan"] for x in money) == [150.0, 256.0, 320.0]  # KF009 5% x 3000; KF005 8%, 2 x 5% of 3200
    # every point counted in the report adds up to the employee's score: 100 + sum(counted) for S1
    total = sum(Decimal(str(x["计入(封顶后) / Counted"])) for x in rows
                if x["工号 / Employee ID"] == "KF002" and x["计入(封顶后) / Counted"] is not None)
    assert 100 + total == Decimal("88.8")


def test_report_refuses_to_overwrite_its_input(tmp_path):
    copy = tmp_path / "book.xlsx"
    copy.write_bytes(DEMO.read_bytes())
    code, _, err = cli("report", copy, "-o", copy)
    assert code == 2 and "must not overwrite the input" in err
    assert copy.read_bytes() == DEMO.read_bytes()


def test_text_starting_like_a_formula_is_written_as_text(tmp_path):
    sheet = OutSheet("S").add("t", ["=1+2", "+86 138", "-5 分", "@home", "a & <b>"])
    path = write_xlsx(tmp_path / "t.xlsx", [sheet])
    values = [r[0] for r in load_workbook(path)["S"].iter_rows(min_row=2, values_only=True)]
    assert values == ["=1+2", "+86 138", "-5 分", "@home", "a & <b>"]
    with zipfile.ZipFile(path) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


def test_a_column_of_mixed_values_keeps_each_cells_type(tmp_path):
    # texts, numbers of every kind, booleans, dates and every kind of empty in one object column
    values = ["a", 1.5, np.float64(2.25), 3, Decimal("4.10"), True, pd.Timestamp("2026-10-05 13:00"),
              dt.date(2026, 10, 6), None, float("nan"), pd.NaT, "", "=x"]
    path = write_xlsx(tmp_path / "m.xlsx", [OutSheet("S").add("v", np.array(values, dtype=object))])
    got = [r[0] for r in load_workbook(path)["S"].iter_rows(min_row=2, max_row=len(values) + 1, values_only=True)]
    assert got == ["a", 1.5, 2.25, 3, 4.1, True, dt.datetime(2026, 10, 5), dt.datetime(2026, 10, 6),
                   None, None, None, None, "=x"]


def test_write_is_atomic_when_it_fails(tmp_path, monkeypatch):
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old report")

    class Boom:
        def __len__(self):
            return 1

        def __iter__(self):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_xlsx(target, [OutSheet("S").add("x", Boom())])
    assert target.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]  # no temp file left behind


def test_issues_sheet_lists_problems_with_cells(tmp_path):
    from conftest import make_book

    path = make_book(tmp_path / "b.xlsx", "weikang_100", employees=[{"id": "E1", "name": "甲"}],
                     events=[{"date": "2026-10-03", "employee": "E1", "rule": "ATT_LAET"}])
    out = tmp_path / "r.xlsx"
    code, _, err = cli("report", path, "-o", out)
    assert code == 1 and "问题" in err
    ws = load_workbook(out)["问题"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert ("事件!C2 / Events!C2", "错误 error", "E1") == rows[0][:3]
    assert "ATT_LAET" in rows[0][4]
    assert os.path.getsize(out) > 0
