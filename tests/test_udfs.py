"""xlwings UDFs called as plain Python over a workbook file, and xlwings' own VBA wrapper
generation for the UDF module (pywin32 stubbed so it runs on Linux)."""

from __future__ import annotations

import importlib
import io
import sys
import types

import pytest
from conftest import ROOT, make_book

DEMO = str(ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx")


@pytest.fixture
def udfs():
    from kpixl.xl import service, udfs

    service.clear_cache()
    return udfs


def test_score_category_money_value(udfs):
    assert udfs.KPI_SCORE("KF002", DEMO) == 88.8
    assert udfs.KPI_CATEGORY("KF002", "ATT", DEMO) == 15.0
    assert udfs.KPI_CATEGORY("KF002", "biz", DEMO) == 4.2
    assert udfs.KPI_VALUE("KF002", "bonus_points", DEMO) == 10.0
    assert udfs.KPI_MONEY("KF005", DEMO) == 576.0
    assert udfs.KPI_STATUS("KF005", DEMO) == "ok"


def test_ids_typed_as_numbers_and_empty_cells(udfs, tmp_path):
    book = str(make_book(tmp_path / "b.xlsx", "weikang_100",
                         employees=[{"id": 1001, "name": "甲", "role": "客服"}],
                         metrics=[{"employee": 1001, "metric": "LEAVE_DAYS", "value": 0}],
                         parameters={"LEARNING_ACTIVITIES_HELD": 0}))
    assert udfs.KPI_SCORE(1001.0, book) == 108  # 100 + 5 (全勤) + 3 (department clean)
    assert udfs.KPI_SCORE(None, book) == ""
    assert udfs.KPI_SCORE("", book) == ""


def test_errors_become_short_cell_texts(udfs, tmp_path):
    assert udfs.KPI_SCORE("NOBODY", DEMO).startswith("#N/A")
    assert udfs.KPI_VALUE("KF002", "nothing", DEMO).startswith("#VALUE!")
    book = str(make_book(tmp_path / "b.xlsx", "weikang_100", employees=[{"id": "E1", "name": "甲"}],
                         events=[{"date": "2026-10-02", "employee": "E1", "rule": "NOPE"}]))
    text = udfs.KPI_SCORE("E1", book)
    assert text.startswith("#ERR 事件!C2 / Events!C2") and "NOPE" in text
    assert udfs.KPI_SCORE("E1", str(tmp_path / "gone.xlsx")).startswith("#KPIXL!")


def test_errors_are_excel_errors_unless_text_is_asked(udfs, monkeypatch):
    """Blocked or unknown employees must not be blanks that SUM/AVERAGE skip (issue 10)."""
    from kpixl.xl.service import CellError

    monkeypatch.setattr(udfs, "excel_error", lambda err: ("XLERR", err.code))
    assert udfs.KPI_SCORE("NOBODY", DEMO) == ("XLERR", "#N/A")
    assert udfs.KPI_EXPLAIN("NOBODY", DEMO) == ("XLERR", "#N/A")
    assert udfs.KPI_RANK("KF002", "R_X", DEMO, "not a date") == ("XLERR", "#VALUE!")
    text = udfs.KPI_SCORE("NOBODY", DEMO, True)
    assert isinstance(text, CellError) and text.startswith("#N/A 工号 NOBODY")
    assert udfs.KPI_STATUS("NOBODY", DEMO).startswith("#N/A 工号 NOBODY")
    assert udfs.KPI_SCORE("KF002", DEMO) == 88.8


def test_windows_error_value_is_a_vt_error_variant(udfs, monkeypatch):
    """On Windows the error is pywin32's VARIANT(VT_ERROR, scode), the value VBA's CVErr(xlErrNA) gives."""
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.VT_ERROR = 10
    client = types.ModuleType("win32com.client")
    client.VARIANT = lambda vt, value: ("VARIANT", vt, value)
    monkeypatch.setitem(sys.modules, "pythoncom", pythoncom)
    monkeypatch.setitem(sys.modules, "win32com", types.ModuleType("win32com"))
    monkeypatch.setitem(sys.modules, "win32com.client", client)
    monkeypatch.setattr(udfs, "_variants", {})
    assert udfs.KPI_SCORE("NOBODY", DEMO) == ("VARIANT", 10, -2146826246)  # 0x800A07FA = xlErrNA 2042
    assert udfs.KPI_VALUE("KF002", "nothing", DEMO) == ("VARIANT", 10, -2146826273)  # xlErrValue 2015


def test_explain_flags_and_table(udfs):
    text = udfs.KPI_EXPLAIN("KF002", DEMO)
    assert text.splitlines()[0] == "ATT_LATE 无故迟到（5分钟以上不足30分钟，或5分钟内但影响工作） ×1：-5 分 [事件!C2]"
    table = udfs.KPI_TABLE(DEMO)
    assert table[0][:3] == ["工号 / Employee ID", "姓名 / Name", "总分 / Score"]
    assert len(table) == 13 and table[2][:3] == ["KF002", "李娜", 88.8]
    assert udfs.KPI_FLAGS("KF002", DEMO) == ""


def test_one_scoring_run_per_workbook_version(udfs, monkeypatch, tmp_path):
    from kpixl.xl import service

    calls = []
    real = service._score_book
    monkeypatch.setattr(service, "_score_book", lambda book: calls.append(1) or real(book))
    for emp in ["KF001", "KF002", "KF003"] * 100:
        udfs.KPI_SCORE(emp, DEMO)
    assert len(calls) == 1


def test_explain_is_built_once_per_scored_workbook(udfs, monkeypatch):
    """KPI_EXPLAIN used to build the text on every call (2.4-2.8 ms each, issue 8)."""
    from kpixl.core.result import Result

    built = []
    real = Result.explain_text
    monkeypatch.setattr(Result, "explain_text", lambda self, emp, lang="zh": built.append(emp) or real(self, emp, lang))
    first = udfs.KPI_EXPLAIN("KF002", DEMO)
    assert all(udfs.KPI_EXPLAIN("KF002", DEMO) == first for _ in range(100))
    assert built == ["KF002"]


def test_a_bad_file_is_not_reopened_for_every_cell(udfs, monkeypatch, tmp_path):
    from kpixl.workbook import engines

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    opened = []
    real = engines.open_book
    monkeypatch.setattr(engines, "open_book", lambda p, *a: opened.append(p) or real(p, *a))
    assert all(str(udfs.KPI_SCORE("E1", str(bad), True)).startswith("#KPIXL!") for _ in range(50))
    assert len(opened) == 1


@pytest.fixture
def windows_xlwings(monkeypatch):
    """Make xlwings' Windows UDF machinery importable: stub pywin32 and use its real decorators."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["win32com.client"].Dispatch = lambda *a, **k: None
    sys.modules["win32com"].client = sys.modules["win32com.client"]
    import xlwings

    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    xu = importlib.import_module("xlwings.udfs")
    monkeypatch.setattr(xlwings, "func", xu.xlfunc)
    monkeypatch.setattr(xlwings, "ret", xu.xlret)
    monkeypatch.setattr(xlwings, "arg", xu.xlarg)
    import kpixl.xl.udfs as mod

    mod = importlib.reload(mod)
    yield xu, mod
    monkeypatch.undo()
    importlib.reload(mod)


def test_vba_wrapper_generation(windows_xlwings):
    xu, mod = windows_xlwings

    class Workbook:
        Name = "kpixl.xlsm"

    out = io.StringIO()
    xu.generate_vba_wrapper("kpixl.xl.udfs", mod, out, Workbook())
    vba = out.getvalue()
    assert "Function KPI_CATEGORY(employee_id, category, Optional text)" in vba
    assert ('XLPy.CallUDF("kpixl.xl.udfs", "KPI_SCORE", Array(employee_id, Nothing, text), ThisWorkbook, '
            "Application.Caller)") in vba
    assert "Function KPI_TABLE(Optional text)" in vba
    assert "Function KPI_SCORE(employee_id, Optional text)" in vba
    assert "Function KPI_RANK(employee_id, code, Optional date, Optional text)" in vba
    exported = sorted(n for n in dir(mod) if hasattr(getattr(mod, n), "__xlfunc__"))
    assert len(exported) == 13
    for name in exported:  # every exported function gets a wrapper that calls it
        assert f'XLPy.CallUDF("kpixl.xl.udfs", "{name}", ' in vba
    # Only the table is volatile (one content check per recalculation); nothing uses expand.
    assert vba.count("Application.Volatile") == 1
    table = vba[vba.index("Function KPI_TABLE("):]
    assert table[:table.index("End Function")].count("Application.Volatile") == 1
    assert not any(getattr(mod, n).__xlfunc__["ret"]["options"].get("expand") for n in exported)
