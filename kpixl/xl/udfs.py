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
def KPI_RANK(employee_id, code, caller, date=None):
    """名次 / Rank: KPI_RANK(A2, "R_SUCCESS") monthly; KPI_RANK(A2, "R_ORD", "2026-10-06") that day or week; "group"."""
    return service.rank(caller, employee_id, code, date)


@xw.func(category="kpixl", volatile=True)
def KPI_POINTS(employee_id, caller, code=None):
    """积分 / Points: the headline points, or KPI_POINTS(A2, "DAY") for a category or value."""
    return service.points(caller, employee_id, code)


@xw.func(category="kpixl", volatile=True)
def KPI_GRADE(employee_id, caller):
    """个人等级 / The employee's grade."""
    return service.grade(caller, employee_id)


@xw.func(category="kpixl", volatile=True)
def KPI_GROUP(employee_id, what, caller):
    """小组结果 / A value of the employee's group: "grade", "total" or "rank"."""
    return service.group(caller, employee_id, what)


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
    """"ok", "not_assessed", or the first problem that blocks the employee's result."""
    return service.status(caller, employee_id)


@xw.func(category="kpixl", volatile=True)
@xw.ret(expand="table")
def KPI_TABLE(caller):
    """整张报表（动态数组） / The whole report as one array; the fast way for thousands of rows."""
    return service.table(caller)
