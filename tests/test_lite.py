"""xlwings Lite: excel/lite/main.py called as plain Python over a stand-in of Lite's Book (the same
kind of stand-in as the xlwings tests): the script button scores the open workbook and writes the
报表 values; the custom functions have the Windows UDFs' names and answer from that run."""

from __future__ import annotations

import importlib.util
import inspect

import pytest
from conftest import ROOT
from xl_fakes import FakeBook, blocked_book, one_late_book

from kpixl.xl import lite, service

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"
MAIN = ROOT / "excel" / "lite" / "main.py"


@pytest.fixture
def main(monkeypatch):
    spec = importlib.util.spec_from_file_location("kpixl_lite_main", MAIN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setitem(lite._state, "caller", None)
    service.clear_cache()
    yield mod
    service.clear_cache()


def test_functions_before_the_script_ran_say_so(main):
    assert main.KPI_SCORE("KF002") == "#N/A"
    assert "计算本工作簿" in main.KPI_SCORE("KF002", True)
    assert "计算本工作簿" in main.KPI_STATUS("KF002")
    assert "计算本工作簿" in main.KPI_TABLE()[0][0]


def test_script_writes_the_report_and_functions_answer(main):
    book = FakeBook(DEMO)
    main.score_this_workbook(book)
    written = book.sheets["报表"].written
    assert written.get("cleared") is True                 # the old 报表 content is replaced
    assert "计算本工作簿" in written[(1, 1)]
    rows = written[(2, 1)]                                  # where the template's =KPI_TABLE() stands
    classic = service.table(str(DEMO))                      # the Windows UDFs' table of the same file
    assert rows == classic and len(rows) == 13
    assert rows[2][:3] == ["KF002", "李娜", 88.8]
    assert main.KPI_SCORE("KF002") == 88.8
    assert main.KPI_CATEGORY("KF002", "ATT") == 15.0
    assert main.KPI_MONEY("KF005") == 576.0
    assert main.KPI_EXPLAIN("KF002").splitlines()[0].startswith("ATT_LATE ")
    assert main.KPI_STATUS("KF002") == "ok"
    assert main.KPI_SCORE("NOBODY") == "#N/A"              # Lite turns "#N/A" into the error value
    assert main.KPI_SCORE("NOBODY", True).startswith("#N/A 工号 NOBODY")
    assert main.KPI_VALUE("KF002", "nothing") == "#VALUE!"


def test_blocked_rows_are_errors_and_formula_text_stays_text(main, tmp_path):
    path = blocked_book(tmp_path / "b.xlsx", name="=HYPERLINK(\"x\")")
    book = FakeBook(path)
    main.score_this_workbook(book)
    rows = book.sheets["报表"].written[(2, 1)]
    e1, e2 = rows[1], rows[2]
    assert e1[1] == "'=HYPERLINK(\"x\")"                   # written as text, never as a formula
    assert set(e1[2:-1]) == {"#N/A"} and e1[-1].startswith("#ERR 事件!C2 / Events!C2")
    assert e2[2] == 108.0                                  # 100 + 5 全勤 (R-WK-10) + 3 (R-WK-11)
    assert main.KPI_SCORE("E1") == "#N/A"
    assert main.KPI_STATUS("E1").startswith("#ERR 事件!C2")
    assert main.KPI_TABLE(True)[1][2].startswith("#ERR 事件!C2")


def test_a_new_run_sees_the_edit(main, tmp_path):
    path = one_late_book(tmp_path / "e.xlsx")
    book = FakeBook(path)
    main.score_this_workbook(book)
    assert main.KPI_SCORE("E1") == 98.0                    # 100 - 5 (ATT_LATE) + 3 (R-WK-11)
    book.sheets["事件"].set("D2", 3)
    main.score_this_workbook(book)
    assert main.KPI_SCORE("E1") == 88.0                    # 100 - 15 (ATT cap 15, R-WK-2) + 3


def test_same_functions_as_the_windows_udfs(main):
    """Every Windows UDF has a Lite custom function of the same name and Excel-visible arguments."""
    pytest.importorskip("xlwings")
    from kpixl.xl import udfs

    def excel_args(f):
        return [p for p in inspect.signature(f).parameters if p != "caller"]

    names = sorted(n for n in dir(udfs) if n.startswith("KPI_"))
    assert len(names) == 13
    for name in names:
        assert excel_args(getattr(main, name)) == excel_args(getattr(udfs, name)), name
    script = main.score_this_workbook
    assert list(inspect.signature(script).parameters) == ["book"]
    assert "计算本工作簿" in MAIN.read_text(encoding="utf-8")
    req = (MAIN.parent / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pkgs = [line.split("=")[0].split(">")[0].strip() for line in req if line and not line.startswith("#")]
    assert not {"fastexcel", "pyarrow"} & set(pkgs)
    assert any(p.endswith(".whl") for p in pkgs)
