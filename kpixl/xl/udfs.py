"""xlwings UDFs: ``=KPI_SCORE(A2)`` and friends, computed by the same core from the caller's workbook.

Set the xlwings add-in's "UDF Modules" to ``kpixl.xl.udfs`` and click "Import Functions" (the
``xlwings.conf`` sheet of ``kpixl new --excel`` does the first part). Each function is a thin
call into :mod:`kpixl.xl.service`; the workbook is scored once per change and every cell is a
lookup. From plain Python (tests, notebooks) pass the workbook's path as ``caller``:
``KPI_SCORE("KF001", "2026-10.xlsx")``.

Only ``KPI_TABLE`` is volatile: it is the one formula that must follow every edit of the input
sheets, and it costs one content check per recalculation. The per-employee functions recompute
when their arguments change (or on Ctrl+Alt+F9). A blocked or unknown employee gives a real
``#N/A`` error (``KPI_STATUS`` says why); a trailing ``text=TRUE`` returns the reason as text.
"""

from __future__ import annotations

import xlwings as xw

from . import service

# Excel's error values as COM SCODEs (0x800A0000 + xlErr*): what xlwings' Windows engine reads
# back as "#N/A" / "#VALUE!" (xlwings._xlwindows.cell_errors).
_SCODES = {"#N/A": -2146826246, "#VALUE!": -2146826273}
_variants: dict[str, object] = {}


def excel_error(err: service.CellError):
    """The Excel error value for ``err`` on Windows (a VT_ERROR variant); elsewhere the text itself."""
    if err.code not in _variants:
        try:
            import pythoncom
            from win32com.client import VARIANT
        except ImportError:  # not Windows (tests, plain Python): keep the text
            return err
        _variants[err.code] = VARIANT(pythoncom.VT_ERROR, _SCODES[err.code])
    return _variants[err.code]


def _out(value, text=False):
    if isinstance(value, service.CellError) and not text:
        return excel_error(value)
    return value


@xw.func(category="kpixl")
def KPI_SCORE(employee_id, caller, text=False):
    """总分 / The employee's headline result (the scheme's main output)."""
    return _out(service.value(caller, employee_id), text)


@xw.func(category="kpixl")
def KPI_VALUE(employee_id, name, caller, text=False):
    """任一输出值 / Any computed value by name, e.g. "bonus_points", "ATT.deduction", "grade"."""
    return _out(service.value(caller, employee_id, name), text)


@xw.func(category="kpixl")
def KPI_CATEGORY(employee_id, category, caller, text=False):
    """类别扣分 / Capped deduction of a category, e.g. KPI_CATEGORY(A2, "ATT")."""
    return _out(service.category(caller, employee_id, category), text)


@xw.func(category="kpixl")
def KPI_MONEY(employee_id, caller, text=False):
    """扣款合计（元） / Money deductions in yuan (R-G-8: a separate ledger from points)."""
    return _out(service.money(caller, employee_id), text)


@xw.func(category="kpixl")
def KPI_AWARD(employee_id, caller, text=False):
    """奖金合计（元） / Money awards in yuan."""
    return _out(service.money(caller, employee_id, "awards"), text)


@xw.func(category="kpixl")
def KPI_RANK(employee_id, code, caller, date=None, text=False):
    """名次 / Rank: KPI_RANK(A2, "R_SUCCESS") monthly; KPI_RANK(A2, "R_ORD", "2026-10-06") that day or week; "group"."""
    return _out(service.rank(caller, employee_id, code, date), text)


@xw.func(category="kpixl")
def KPI_POINTS(employee_id, caller, code=None, text=False):
    """积分 / Points: the headline points, or KPI_POINTS(A2, "DAY") for a category or value."""
    return _out(service.points(caller, employee_id, code), text)


@xw.func(category="kpixl")
def KPI_GRADE(employee_id, caller, text=False):
    """个人等级 / The employee's grade."""
    return _out(service.grade(caller, employee_id), text)


@xw.func(category="kpixl")
def KPI_GROUP(employee_id, what, caller, text=False):
    """小组结果 / A value of the employee's group: "grade", "total" or "rank"."""
    return _out(service.group(caller, employee_id, what), text)


@xw.func(category="kpixl")
def KPI_FLAGS(employee_id, caller, text=False):
    """标记 / Flags raised for the employee (codes and labels)."""
    return _out(service.flags(caller, employee_id), text)


@xw.func(category="kpixl")
def KPI_EXPLAIN(employee_id, caller, text=False):
    """得分说明 / Every contribution with its source cell, one per line."""
    return _out(service.explain(caller, employee_id), text)


@xw.func(category="kpixl")
def KPI_STATUS(employee_id, caller):
    """"ok", "not_assessed", or why the employee has no result (the reason behind a #N/A), as text."""
    return service.status(caller, employee_id)


@xw.func(category="kpixl", volatile=True)
def KPI_TABLE(caller, text=False):
    """整张报表（动态数组） / The whole report as one dynamic array; blocked rows are #N/A."""
    return service.table(caller, None if text else excel_error)
