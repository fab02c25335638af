"""xlwings UDFs: ``=KPI_SCORE(A2)`` and friends, computed by the same core from the caller's workbook.

Set the xlwings add-in's "UDF Modules" to ``kpixl.xl.udfs`` and click "Import Functions".
Each function is a thin call into :mod:`kpixl.xl.service`; the workbook is scored once per
change and every cell is a lookup. From plain Python (tests, notebooks) pass the workbook's
path as ``caller``: ``KPI_SCORE("KF001", "2026-10.xlsx")``.
"""

from __future__ import annotations

import xlwings as xw

from . import service


@xw.func(category="kpixl", volatile=True)
def KPI_SCORE(employee_id, caller):
    """总分 / The employee's headline result (the scheme's main output)."""
    return service.value(caller, employee_id)


@xw.func(category="kpixl", volatile=True)
def KPI_VALUE(employee_id, name, caller):
    """任一输出值 / Any computed value by name, e.g. "bonus_points", "ATT.deduction", "grade"."""
    return service.value(caller, employee_id, name)


@xw.func(category="kpixl", volatile=True)
def KPI_CATEGORY(employee_id, category, caller):
    """类别扣分 / Capped deduction of a category, e.g. KPI_CATEGORY(A2, "ATT")."""
    return service.category(caller, employee_id, category)


@xw.func(category="kpixl", volatile=True)
def KPI_MONEY(employee_id, caller):
    """扣款合计（元） / Money deductions in yuan (R-G-8: a separate ledger from points)."""
    return service.money(caller, employee_id)


@xw.func(category="kpixl", volatile=True)
def KPI_AWARD(employee_id, caller):
    """奖金合计（元） / Money awards in yuan."""
    return service.money(caller, employee_id, "awards")


@xw.func(category="kpixl", volatile=True)
def KPI_FLAGS(employee_id, caller):
    """标记 / Flags raised for the employee (codes and labels)."""
    return service.flags(caller, employee_id)


@xw.func(category="kpixl", volatile=True)
def KPI_EXPLAIN(employee_id, caller):
    """得分说明 / Every contribution with its source cell, one per line."""
    return service.explain(caller, employee_id)


@xw.func(category="kpixl", volatile=True)
def KPI_STATUS(employee_id, caller):
    """"ok", or the first problem that blocks the employee's result."""
    return service.status(caller, employee_id)


@xw.func(category="kpixl", volatile=True)
@xw.ret(expand="table")
def KPI_TABLE(caller):
    """整张报表（动态数组） / The whole report as one array; the fast way for thousands of rows."""
    return service.table(caller)
