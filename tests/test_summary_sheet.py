"""总览 Summary: what a manager reads the month from shows everyone it names (attack I).

- R-G-2: tied employees share a place. The top and bottom boxes list every holder of those
  places; beyond the rows above the charts, a line says how many more (before: five at most,
  with no word of the rest).
- 需要处理: each reason on its own line, whole (before: a flag and the bottom-three reason were
  joined and cut at the page width, so the bottom-three place was lost).
- S10's grade counts in the scheme's grade order 优秀, 良好, 一般, 差 (before: by the members' mean
  payout, which the eligibility gates can turn around).
"""

from __future__ import annotations

from conftest import ROOT, make_book
from openpyxl import load_workbook

from kpixl.core.engine import score
from kpixl.workbook.read import read_workbook
from kpixl.workbook.report import write_report

DEMO = ROOT / "workbook_templates" / "demo"


def summary(book, out):
    write_report(score(*read_workbook(book)), out, book)
    return load_workbook(out)["总览"]


def test_every_holder_of_the_top_places_is_listed_or_counted(tmp_path):
    # 12 agents without events: 100 + 5 全勤 + 3 学习 = 108, all place 1 (R-WK-10, R-WK-9, R-G-2);
    # 2 with one complaint: 108 - 5 = 103, place 13
    employees = [{"id": f"T{i:02d}", "name": f"员工{i}", "role": "客服", "department": "客服部"} for i in range(1, 15)]
    book = make_book(tmp_path / "2026-10.xlsx", "weikang_100", "2026-10", employees=employees,
                     events=[{"date": "2026-10-09", "employee": e, "rule": "DIS_COMPLAINT"} for e in ("T13", "T14")],
                     parameters={"LEARNING_ACTIVITIES_HELD": 1},
                     metrics=[{"employee": e["id"], "metric": "LEAVE_DAYS", "value": 0} for e in employees])
    ws = summary(book, tmp_path / "r.xlsx")
    box = [[ws.cell(r, c).value for c in range(4, 8)] for r in range(7, 18)]  # D7:G17, above the charts
    listed = [row for row in box if row[0] == 1]
    assert len(listed) == 10 and {row[3] for row in listed} == {108}
    assert {row[1] for row in listed} < {f"T{i:02d}" for i in range(1, 13)}
    assert box[10][0] == "… 另有 2 人 / 2 more（见 报表 / see 报表）"


def test_a_flagged_agent_in_the_bottom_three_keeps_both_reasons_whole(tmp_path):
    # S4 demo: ZS03's fines are the highest of 10 (500 元), so ZS03 holds place 10, ranked lowest
    # fines first; ZS03 is also flagged (通告批评)
    ws = summary(DEMO / "kefu_fines_demo.xlsx", tmp_path / "r.xlsx")
    rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(1, ws.max_row + 1)]
    at = rows.index(next(r for r in rows if r[0] == "ZS03 黄志伟"))
    assert rows[at][1].startswith("标记 flag：客服部通告批评")
    assert rows[at + 1] == (None, "后三名 bottom three：第 10 名 place 10（500）")


def test_grade_counts_follow_the_schemes_grade_order(tmp_path):
    ws = summary(DEMO / "service_quality_grade_demo.xlsx", tmp_path / "r.xlsx")
    grades = [ws.cell(r, 14).value for r in range(2, 8) if ws.cell(r, 14).value]  # N2..: the chart's data
    order = ["优秀", "良好", "一般", "差"]
    assert set(grades) >= {"良好", "一般"}
    assert grades == [g for g in order if g in grades]
