"""UDFs for ranks, points, grades and groups, called as plain Python with the workbook path as caller;
and the report workbook's 小组 Groups sheet (S14). Workbooks are real .xlsx files made by the template
builder, so they go through the same reader as Excel files."""

from __future__ import annotations

import pytest
from conftest import make_book

pytest.importorskip("xlwings")

from kpixl.xl import service, udfs  # noqa: E402


def gubang_book(path):
    metrics = [{"team": g, "metric": "GB_ITEM_1", "value": r} for g, r in (("G1", 1), ("G2", 2), ("G3", 3))]
    metrics += [{"employee": e, "metric": "WORK_POINTS", "value": 100} for e in ("a", "b", "c")]
    metrics += [{"employee": "b", "metric": "GB_MEMBER_GRADE", "value": "A"}]
    employees = [{"id": "a", "name": "甲", "team": "G1"}, {"id": "b", "name": "乙", "team": "G2"},
                 {"id": "c", "name": "丙", "team": "G3"}]
    return make_book(path, "gubang_group_rank", "2024-05", employees=employees, metrics=metrics,
                     parameters={"ITEMS": "4"})


def test_group_udfs(tmp_path):
    book = gubang_book(tmp_path / "g.xlsx")
    service.clear_cache()
    # Item level 4: ranks 1, 2, 3 -> 32, 28, 24 (R-GB-2); grades A (rank 1), B (rank 2), D (< 35) (R-GB-3).
    assert udfs.KPI_GROUP("a", "total", str(book)) == 32.0
    assert udfs.KPI_GROUP("b", "grade", str(book)) == "B"
    assert udfs.KPI_RANK("c", "group", str(book)) == 3
    assert udfs.KPI_GRADE("b", str(book)) == "A"  # within B's window A/B/C (R-GB-4)
    assert udfs.KPI_GRADE("c", str(book)) == "D"  # default = the group's grade (R-GB-5)
    assert udfs.KPI_POINTS("a", str(book)) == 100.0
    assert udfs.KPI_GROUP("zz", "grade", str(book)).startswith("#N/A")


def test_rank_udfs_daily_and_monthly(tmp_path):
    dept = "订餐部"
    employees = [{"id": e, "name": e, "department": dept} for e in ("A", "B")]
    metrics = []
    for e, orders, rate in (("A", 30, 60), ("B", 20, 70)):
        metrics += [{"employee": e, "metric": "ORDERS_SUCCESS", "value": orders, "date": "2026-10-06"},
                    {"employee": e, "metric": "PARTNER_BOOKINGS", "value": 0, "date": "2026-10-06"},
                    {"employee": e, "metric": "SUCCESS_RATE", "value": rate, "date": "2026-10-06"},
                    {"employee": e, "metric": "SUCCESS_RATE", "value": rate}]
    metrics += [{"team": dept, "metric": "M_ANSWER_RATE", "value": 90},
                {"team": dept, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": 10},
                {"team": dept, "metric": "M_PARTNER_BOOKINGS_DEPT", "value": 10, "period": "2026-09"}]
    book = make_book(tmp_path / "d.xlsx", "dingcan_points", "2026-10", employees=employees, metrics=metrics)
    service.clear_cache()
    assert udfs.KPI_RANK("A", "R_ORD", str(book), "2026-10-06") == 1   # that day
    assert udfs.KPI_RANK("B", "R_ORD", str(book), "2026-10-07") == 2   # the week of Oct 5 (same figures)
    assert udfs.KPI_RANK("B", "R_SUCCESS", str(book)) == 1             # the month: 70% beats 60%
    assert udfs.KPI_RANK("A", "R_ORD", str(book), "2026-10-20") == ""  # not ranked that day or week
    assert udfs.KPI_POINTS("A", str(book), "DAY") == 3.0               # DAY.points: 1st in R_ORD
    assert udfs.KPI_RANK("A", "R_ORD", str(book), 46301.0) == 1          # Excel's serial number of 2026-10-06


def test_report_has_a_groups_sheet(tmp_path):
    from openpyxl import load_workbook

    from kpixl.core.engine import score
    from kpixl.workbook.read import read_workbook
    from kpixl.workbook.report import write_report

    book = gubang_book(tmp_path / "g.xlsx")
    scheme, inputs = read_workbook(book)
    out = write_report(score(scheme, inputs), tmp_path / "report.xlsx", book)
    ws = load_workbook(out)["小组"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:4] == ["小组 / Group", "小组总得分 / Group total", "小组名次 / Group rank", "小组等级 / Group grade"]
    assert rows[1][:4] == ["G1", 32, 1, "A"] and rows[3][:4] == ["G3", 24, 3, "D"]
    assert rows[2][-1] == "b 乙"
