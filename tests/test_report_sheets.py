"""What the report sheets say: 总览 summary, ranked 报表, 小组 labels and order, 考核单 statements,
print setup, text kept as text and clamped to Excel's cell limit (issue 9; issue 7's 1 MB text).

Expected values are computed by hand from SCHEMES.md: S1's worked example (KF002 甲: 100 - 15 - 2
- 4.2 + 10 = 88.8) and S14's worked example (members 张 70, 李 0, 赵 80, 钱 40; 周 blocked,
R-GB-4; 李 flagged 严重警告 and 试用三个月, R-GB-7/8).
"""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal

import pytest
from conftest import ROOT, make_book
from openpyxl import load_workbook

from kpixl.core.engine import score
from kpixl.workbook.read import read_workbook
from kpixl.workbook.report import write_report
from kpixl.workbook.report_book import ReportBook
from kpixl.workbook.report_data import competition_ranks, natural_key
from kpixl.workbook.report_summary import distribution, headline_stats
from kpixl.workbook.xlsx_out import MAX_CELL_TEXT, OutSheet

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"
CN_TEAMS = {f"G{i}": t for i, t in enumerate(["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"], 1)}


def s14_example_book(path, teams=CN_TEAMS):
    """S14's worked example (scheme file), with the groups renamed (G1 -> 一组 ...)."""
    example = json.loads((ROOT / "schemes" / "gubang_group_rank.json").read_text(encoding="utf-8"))["examples"][0]
    data = {k: example[k] for k in ("employees", "events", "metrics", "history", "parameters") if k in example}
    for rows in (data["employees"], data["metrics"], data.get("history", [])):
        for row in rows:
            if row.get("team"):
                row["team"] = teams[row["team"]]
    return make_book(path, "gubang_group_rank", example["period"], **data)


def report_of(book, out, **kw):
    return write_report(score(*read_workbook(book)), out, book, **kw)


def table(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def cells(ws) -> list:
    return [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]


@pytest.fixture(scope="module")
def s14(tmp_path_factory):
    d = tmp_path_factory.mktemp("s14")
    return report_of(s14_example_book(d / "g.xlsx"), d / "g.report.xlsx", ledger_version="2024-05 v2")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return report_of(DEMO, tmp_path_factory.mktemp("demo") / "demo.report.xlsx")


# ------------------------------------------------------------------ ranking and order (R-G-2)

def test_competition_ranking_shares_places_and_skips():
    # R-G-2: equal values share a place and the next place is skipped; no value, no place
    assert competition_ranks([5, 7, 7, None, 3]) == [3, 1, 1, None, 4]
    assert competition_ranks([5, 7, 7, None, 3], highest_first=False) == [2, 3, 3, None, 1]


def test_group_names_sort_by_their_numerals():
    names = ["三组", "十一组", "一组", "十组", "二组", "G10", "G2", "二十组"]
    assert sorted(names, key=natural_key) == ["一组", "二组", "三组", "十组", "十一组", "二十组", "G2", "G10"]


def test_report_is_ranked_by_the_headline_blocked_last(s14):
    rows = table(load_workbook(s14)["报表"])
    # S14 worked example: 赵 80, 张 70, 钱 40, 李 0; 周 has no result (R-GB-4 window)
    assert [(r["名次 / Rank"], r["工号 / Employee ID"]) for r in rows] == [
        (1, "M04"), (2, "M01"), (3, "M05"), (4, "M02"), (None, "M03")]
    assert rows[-1]["状态 / Status"] == "错误 error" and rows[-1]["绩效分 / Performance score"] is None
    assert rows[3]["标记 / Flags"] == "严重警告、试用三个月"  # labels, not FLAG_ codes


def test_ties_share_a_place_in_the_report(tmp_path):
    # S1: A and B have the same (empty) month, C one ATT_LATE (-5, R-WK-3): A = B > C -> places 1, 1, 3
    book = make_book(tmp_path / "b.xlsx", "weikang_100",
                     employees=[{"id": i, "name": i, "role": "客服"} for i in ("A", "B", "C")],
                     events=[{"date": "2026-10-05", "employee": "C", "rule": "ATT_LATE"}],
                     metrics=[{"employee": i, "metric": "LEAVE_DAYS", "value": 0} for i in ("A", "B", "C")],
                     parameters={"LEARNING_ACTIVITIES_HELD": 0})
    rows = table(load_workbook(report_of(book, tmp_path / "r.xlsx"))["报表"])
    assert [(r["名次 / Rank"], r["工号 / Employee ID"]) for r in rows] == [(1, "A"), (1, "B"), (3, "C")]
    assert rows[0]["总分 / Score"] - rows[2]["总分 / Score"] >= 5


def test_groups_sheet_has_labels_and_natural_order(s14):
    ws = load_workbook(s14)["小组"]
    header = [c.value for c in ws[1]]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == list(CN_TEAMS.values())
    assert not any("group." in h or h.endswith((".points", ".label")) for h in header), header
    assert header[:4] == ["小组 / Group", "小组总得分 / Group total", "小组名次 / Group rank", "小组等级 / Group grade"]
    rows = table(ws)
    # S14 worked example: G3 (三组) totals 83, third place, grade C (R-GB-2/3)
    assert (rows[2]["小组总得分 / Group total"], rows[2]["小组名次 / Group rank"], rows[2]["小组等级 / Group grade"]) == (83, 3, "C")


# ------------------------------------------------------------------ 总览 summary

def test_summary_is_first_with_counts_statistics_and_actions(s14):
    wb = load_workbook(s14)
    assert wb.sheetnames[:4] == ["总览", "报表", "小组", "考核单"]
    ws = wb["总览"]
    pairs = {r[0]: r[1] for r in ws.iter_rows(min_row=6, max_row=16, max_col=2, values_only=True) if r[0]}
    assert pairs["员工数 / Headcount"] == 5 and pairs["计分正常 / Scored"] == 4 and pairs["未出结果 / Blocked"] == 1
    assert pairs["标记 / Flags"] == 2
    # mean (70 + 0 + 80 + 40) / 4 = 47.5; median (40 + 70) / 2 = 55 (R-G-4, 2 decimals half-up)
    assert (pairs["  平均 / Mean"], pairs["  中位数 / Median"], pairs["  最低 / Min"], pairs["  最高 / Max"]) == (47.5, 55, 0, 80)
    text = "\n".join(str(v) for v in cells(ws))
    assert "M03 周" in text and "grade_outside_window" not in text and "R-GB-4" in text  # the reason, in words
    assert "M02 李" in text and "严重警告" in text and "试用三个月" in text


def test_summary_charts_show_grades_and_group_totals(s14):
    with zipfile.ZipFile(s14) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 2
        xml = [z.read(n).decode() for n in charts]
    assert "个人等级人数 / Member grade counts" in xml[0] and "小组总得分 / Group total" in xml[1]
    ws = load_workbook(s14)["总览"]
    data = {r[0]: r[1] for r in ws.iter_rows(min_row=2, min_col=14, max_col=15, values_only=True) if r[0]}
    assert data == {"A": 1, "B": 1, "D": 1, "E": 1}  # 赵 A, 张 B, 钱 D, 李 E; 周 has no grade
    groups = [r for r in ws.iter_rows(min_row=2, max_row=9, min_col=16, max_col=17, values_only=True)]
    assert groups[0] == ("一组", 105) and groups[7] == ("八组", 17)  # worked example totals, natural order


def test_statistics_round_half_up():
    stats = headline_stats([Decimal("1"), Decimal("2"), Decimal("2.005"), None])
    assert stats["mean"] == Decimal("1.67") and stats["median"] == Decimal("2.00")  # 5.005 / 3 = 1.668...
    assert headline_stats([None]) is None
    assert distribution([1, 1, 2]) == [("1", 2), ("2", 1)]
    bars = distribution(list(range(0, 100)))
    assert sum(n for _, n in bars) == 100 and len(bars) <= 6


def test_bottom_three_is_listed_for_action(demo):
    ws = load_workbook(demo)["总览"]
    text = "\n".join(str(v) for v in cells(ws))
    # S1 demo: KF002 (88.8, the worked example's 甲) and KF003 are among the three lowest scores
    assert "KF002 李娜" in text and "后三名 bottom three" in text


# ------------------------------------------------------------------ 考核单 statements

def test_one_statement_per_employee_with_page_breaks(demo):
    ws = load_workbook(demo)["考核单"]
    titles = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("考核单 KPI statement")]
    assert len(titles) == 12
    assert len(ws.row_breaks.brk) == 11  # a page break before every statement but the first


def test_statement_lists_contributions_subtotals_total_and_signatures(demo):
    ws = load_workbook(demo)["考核单"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "考核单 KPI statement：李娜 KF002")
    end = next(i for i in range(start + 1, len(rows)) if str(rows[i][0]).startswith("员工签字"))
    block = rows[start:end + 1]
    late = next(r for r in block if r[2] == "事件!C2")
    assert late[0] == "ATT_LATE" and late[5] == -5 and late[6] == -5
    att = next(r for r in block if r[0] == "小计 Subtotal" and r[1] == "考勤 / Attendance")
    assert att[2] == "上限 cap 15" and att[6] == -15  # capped at 15 (R-WK-2)
    total = next(r for r in block if r[0] == "合计 Total")
    assert total[1] == "总分 / Score" and total[6] == 88.8  # SCHEMES.md S1: 100 - 15 - 2 - 4.2 + 10
    assert "员工签字 Employee" in block[-1] and "主管签字 Supervisor" in block[-1] and "日期 Date" in block[-1]
    assert any("账本版本 Ledger：未结账 not closed" in str(r[0]) for r in block)


def test_statement_shows_ledger_version_and_blocked_problems(s14):
    ws = load_workbook(s14)["考核单"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert sum("账本版本 Ledger：2024-05 v2" in str(r[0]) for r in rows) == 5
    start = next(i for i, r in enumerate(rows) if r[0] == "考核单 KPI statement：周 M03")
    block = rows[start:start + 10]
    assert any(r[0] == "未出结果 No result" for r in block)
    assert any(r[0] == "grade_outside_window" and r[2] == "指标!D62" for r in block)


# ------------------------------------------------------------------ printing and looks

def test_every_sheet_prints_fit_to_width_with_titles_and_page_numbers(demo):
    wb = load_workbook(demo)
    for ws in wb.worksheets:
        # fit to one page wide (fitToWidth 1 is the file format's default, so it may be absent)
        assert ws.page_setup.fitToWidth in (None, 1) and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToHeight == (None if ws.title == "总览" else 0), ws.title  # None: the default, 1 page
        assert "维康体检" in ws.oddHeader.left.text and "&P" in ws.oddFooter.right.text, ws.title
    assert wb["总览"].page_setup.orientation == "landscape"
    assert wb["报表"].print_title_rows == "$1:$1" and wb["报表"].page_setup.orientation == "landscape"
    assert wb["考核单"].page_setup.orientation == "portrait"


def test_report_sheet_has_filter_frozen_header_colours_and_cjk_widths(demo):
    ws = load_workbook(demo)["报表"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:R13"
    rules = {r.type for cf in ws.conditional_formatting for r in cf.rules}
    assert {"expression", "notContainsBlanks"} <= rules  # blocked rows red, flag cells highlighted
    with zipfile.ZipFile(demo) as z:
        assert "<dataBar" in z.read("xl/worksheets/sheet2.xml").decode()  # the headline's data bar
    # 部门 values like VIP服务部 are 9 units wide (CJK counts 2): the column fits them
    assert ws.column_dimensions["E"].width >= 11


# ------------------------------------------------------------------ text stays text, and fits a cell

def test_formula_like_text_stays_text_everywhere(tmp_path):
    hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+86 138", "-5 分", "@SUM(1)"]
    emps = [{"id": f"E{i}", "name": n, "role": "客服", "team": t, "department": d}
            for i, (n, t, d) in enumerate(zip(hostile, reversed(hostile), hostile, strict=True))]
    book = make_book(tmp_path / "b.xlsx", "weikang_100", employees=emps,
                     metrics=[{"employee": e["id"], "metric": "LEAVE_DAYS", "value": i} for i, e in enumerate(emps)],
                     parameters={"LEARNING_ACTIVITIES_HELD": 0})
    out = report_of(book, tmp_path / "r.xlsx")
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode(), name
    wb = load_workbook(out)
    for sheet in ("总览", "报表", "考核单"):  # names on the report and statements; teams in the summary's chart data
        text = "\n".join(str(v) for v in cells(wb[sheet]))
        assert all(h in text for h in hostile), sheet


def test_no_cell_exceeds_excels_limit(tmp_path):
    # issue 7: a 1 MB text in a cell (here a rule code, echoed by the problem message) must not
    # give a 问题 cell above 32,767 characters; the writer clamps every text and ends it with "…"
    huge = "X" * 1_000_000
    book = make_book(tmp_path / "b.xlsx", "weikang_100", employees=[{"id": "E1", "name": "甲", "role": "客服"}],
                     events=[{"date": "2026-10-03", "employee": "E1", "rule": "ATT_LATE", "note": huge},
                             {"date": "2026-10-04", "employee": "E1", "rule": huge}])
    out = report_of(book, tmp_path / "r.xlsx")
    longest = max(len(str(v)) for ws in load_workbook(out).worksheets for v in cells(ws))
    assert longest <= MAX_CELL_TEXT

    sheet = OutSheet("T").add("t", ["y" * 40_000, "=" + "z" * 40_000])
    rb = ReportBook()
    rb.table("T", sheet)
    ws2 = rb.sheet("U")
    rb.text(ws2, 0, 0, "w" * 40_000)
    path = rb.save(tmp_path / "t.xlsx")
    wb = load_workbook(path)
    values = [r[0] for r in wb["T"].iter_rows(min_row=2, values_only=True)] + [wb["U"]["A1"].value]
    assert [len(v) for v in values] == [MAX_CELL_TEXT] * 3 and all(v.endswith("…") for v in values)
    assert values[1].startswith("=z")


def test_report_write_leaves_no_temp_file_on_failure(tmp_path, monkeypatch):
    import kpixl.workbook.report_book as rb

    r = score(*read_workbook(DEMO))
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old report")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(rb, "write_rows", boom)
    with pytest.raises(OSError):
        write_report(r, target, DEMO)
    assert target.read_bytes() == b"old report" and [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


def test_chart_titles_stay_text():
    from kpixl.workbook.report_book import _FORMULA_LIKE_NAME, chart_text

    # XlsxWriter reads a title like 总览!A1 (with or without "=") as a cell reference; kpixl keeps it text
    for title in ("=总览!$A$1", "Sheet1!A1", "=1+2", "+86", "@x"):
        assert not _FORMULA_LIKE_NAME.match(chart_text(title)) and chart_text(title).replace("\u200b", "") == title
    assert chart_text("总分分布 / Score distribution") == "总分分布 / Score distribution"


def test_big_reports_leave_statements_out_and_say_so(tmp_path, monkeypatch):
    import kpixl.workbook.report as report

    monkeypatch.setattr(report, "STATEMENTS_MAX", 5)  # the demo's 12 agents count as a big department
    wb = load_workbook(report_of(DEMO, tmp_path / "r.xlsx"))
    assert "考核单" not in wb.sheetnames
    assert "考核单未生成：12 名员工，超过 5" in wb["总览"]["A4"].value
    about = {r[0]: r[1] for r in wb["信息"].iter_rows(min_row=2, values_only=True)}
    assert "Statements left out: 12 employees, more than 5" in about["考核单 / Statements"]


def test_statements_asked_for_come_in_sheets_of_at_most_per_sheet(tmp_path, monkeypatch):
    import kpixl.workbook.report_statements as rs

    monkeypatch.setattr(rs, "PER_SHEET", 5)  # Excel's 1,023 page breaks per sheet, scaled down
    out = write_report(score(*read_workbook(DEMO)), tmp_path / "r.xlsx", DEMO, statements=True)
    wb = load_workbook(out)
    names = [n for n in wb.sheetnames if n.startswith("考核单")]
    assert names == ["考核单", "考核单 2", "考核单 3"]
    titles = [[c.value for c in wb[n]["A"] if str(c.value).startswith("考核单 KPI statement")] for n in names]
    assert [len(t) for t in titles] == [5, 5, 2] and [len(wb[n].row_breaks.brk) for n in names] == [4, 4, 1]
    assert titles[0][0] == "考核单 KPI statement：王芳 KF001" and titles[2][-1] == "考核单 KPI statement：孙杰 KF012"


def test_group_item_columns_are_named_after_their_metric(s14):
    header = [c.value for c in load_workbook(s14)["小组"][1]]
    # GB_ITEM_1.points: the points of metric GB_ITEM_1 (the group's rank on item 1, R-GB-2)
    assert "小组在评比项目1上的名次（得分） / Group rank on item 1 (points)" in header


def test_grade_chart_counts_grade_labels(tmp_path):
    # S10 worked example (SCHEMES.md S10): Q01 and Q06 优秀 (G_EXCELLENT), Q02 G_GOOD, Q03 G_FAIR, Q04 not assessed,
    # Q05 差; the chart counts labels (优秀 2), never codes like G_EXCELLENT
    example = json.loads((ROOT / "schemes" / "service_quality_grade.json").read_text(encoding="utf-8"))["examples"][0]
    data = {k: example[k] for k in ("employees", "events", "metrics", "history", "parameters") if k in example}
    book = make_book(tmp_path / "b.xlsx", "service_quality_grade", example["period"], **data)
    ws = load_workbook(report_of(book, tmp_path / "r.xlsx"))["总览"]
    bars = {r[0]: r[1] for r in ws.iter_rows(min_row=2, min_col=14, max_col=15, values_only=True) if r[0]}
    assert bars["优秀"] == 2 and bars["差"] == 1 and sum(bars.values()) == 6
    assert not any(str(k).startswith("G_") for k in bars)
    actions = [r[:2] for r in ws.iter_rows(min_row=33, max_col=2, values_only=True) if r[0]]
    assert len({who for who, _ in actions}) == len(actions)  # one line per person, reasons joined


def test_statement_rows_are_ordered_by_employee_part_and_line():
    import numpy as np

    import kpixl.workbook.report_statements as rs

    parts = rs._Parts()
    parts.block(np.array([1, 0]), rs.SIGN, 0, {0: "sign", 3: ["b1", "b0"]}, "label")  # a scalar and a list per row
    parts.add(1, rs.HEAD, 0, {0: "title 1"}, "title")
    parts.add(0, rs.SUBTOTALS, 9, {0: "row first"})  # the same key as the block below: rows come first
    parts.block(np.array([0]), rs.SUBTOTALS, 9, {0: "block second"})
    parts.add_columns({"pos": [0, 1], "part": rs.LINES, "line": [1, 0], "style": "", "v0": ["L0", "L1"],
                       **{f"v{c}": None for c in range(1, rs.NCOL)}, **{f"s{c}": "" for c in range(rs.NCOL)}})
    f = parts.frame()
    assert f["v0"].tolist() == ["L0", "row first", "block second", "sign", "title 1", "L1", "sign"]
    assert f["pos"].tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert f["v3"].tolist() == [None, None, None, "b0", None, None, "b1"]
    assert f["s0"].tolist() == ["", "", "", "label", "title", "", "label"]
