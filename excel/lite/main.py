"""# kpixl 绩效计分 / KPI scoring (xlwings Lite)

1. 在 requirements.txt 标签页粘贴本文件夹的 requirements.txt（kpixl 轮子的网址由 IT 提供）。
   Paste this folder's requirements.txt into the requirements.txt tab (IT gives you the wheel URL).
2. 把本文件全部粘贴到 main.py 标签页。 Paste this whole file into the main.py tab.
3. 点 **计算本工作簿 / Score this workbook**：报表 表写入每位员工的结果。
   Click it: the 报表 sheet gets every employee's result. Run it again after editing the inputs.
4. 公式 =KPI_SCORE(A2) 等按上次计算的结果回答。 Formulas such as =KPI_SCORE(A2) answer from the last run.
"""

import xlwings as xw
from xlwings import func, script

from kpixl.xl import lite, service


@script(name="计算本工作簿 / Score this workbook", button="[kpixl_score]说明!D1")
def score_this_workbook(book: xw.Book):
    """读取本工作簿，计分，写入 报表 表。 Reads this workbook, scores it, writes the 报表 sheet."""
    lite.score_workbook(book)


@func
def KPI_SCORE(employee_id, text=False):
    """总分 / The employee's headline result."""
    return lite.answer(service.value, employee_id, text=text)


@func
def KPI_VALUE(employee_id, name, text=False):
    """任一输出值 / Any computed value by name, e.g. "bonus_points"."""
    return lite.answer(service.value, employee_id, name, text=text)


@func
def KPI_CATEGORY(employee_id, category, text=False):
    """类别扣分 / Capped deduction of a category, e.g. KPI_CATEGORY(A2, "ATT")."""
    return lite.answer(service.category, employee_id, category, text=text)


@func
def KPI_MONEY(employee_id, text=False):
    """扣款合计（元） / Money deductions in yuan."""
    return lite.answer(service.money, employee_id, text=text)


@func
def KPI_AWARD(employee_id, text=False):
    """奖金合计（元） / Money awards in yuan."""
    return lite.answer(service.money, employee_id, "awards", text=text)


@func
def KPI_RANK(employee_id, code, date=None, text=False):
    """名次 / Rank in a ranking; with a date, that day's or week's; "group" for the group's."""
    return lite.answer(service.rank, employee_id, code, date, text=text)


@func
def KPI_POINTS(employee_id, code=None, text=False):
    """积分 / The headline points, or KPI_POINTS(A2, "DAY") for a category or value."""
    return lite.answer(service.points, employee_id, code, text=text)


@func
def KPI_GRADE(employee_id, text=False):
    """个人等级 / The employee's grade."""
    return lite.answer(service.grade, employee_id, text=text)


@func
def KPI_GROUP(employee_id, what, text=False):
    """小组结果 / A value of the employee's group: "grade", "total" or "rank"."""
    return lite.answer(service.group, employee_id, what, text=text)


@func
def KPI_FLAGS(employee_id, text=False):
    """标记 / Flags raised for the employee."""
    return lite.answer(service.flags, employee_id, text=text)


@func
def KPI_EXPLAIN(employee_id, text=False):
    """得分说明 / Every contribution with its source cell, one per line."""
    return lite.answer(service.explain, employee_id, text=text)


@func
def KPI_STATUS(employee_id):
    """"ok", or why the employee has no result (the reason behind a #N/A)."""
    return lite.answer(service.status, employee_id, text=True)


@func
def KPI_TABLE(text=False):
    """整张报表 / The whole report of the last run as one dynamic array."""
    c = lite.caller()
    if c is None:
        return [[lite.out(lite.NOT_SCORED, True)]]
    return service.table(c, None if text else lite.lite_error)
