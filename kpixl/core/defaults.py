"""Defaults that stand in for missing inputs are said, never silent (issue 12 item 6); inputs a
scheme marks ``required`` are required every month.

A scheme's metric or parameter ``default`` (S14 ``WORK_POINTS`` 0, R-GB-6/8; S6 ``HR_POOR`` no)
or a step's own starting value (S4's occurrence count at 0 with no earlier month on record,
R-KF-1) gives a result, but the clerk must know it was assumed: a warning naming the employee
and the input (a parameter: one department-wide warning) and an explanation line per employee.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .errors import MissingInput, problem

if TYPE_CHECKING:  # pragma: no cover
    from .context import Context


def report_default(ctx: Context, employee: str | None, idef, where: str, zh: str = "", en: str = "",
                   fix_zh: str = "", fix_en: str = "", warn: bool = True) -> None:
    """Report once per (employee, input) that ``idef.default`` stands in for a missing input.

    ``employee`` None: a department-wide warning (a parameter). ``warn`` False: only the
    explanation line (the parameter's warning is given once, department-wide). ``zh``/``en``
    and the fixes override the standard texts.
    """
    key = (employee, idef.code)
    if key in ctx._defaults_noted:
        return
    ctx._defaults_noted.add(key)
    shown, shown_en = default_text(idef.default)
    clauses = ", ".join(dict.fromkeys(re.findall(r"R-[A-Z]+-\d+", idef.ruling or "")))
    ruling, ruling_en = (f"（{clauses}）", f" ({clauses})") if clauses else ("", "")
    who_zh = f"员工 {employee} " if employee else ""
    who_en = f" for employee {employee}" if employee else ""
    generic = shown_en == SCHEME_DEFAULT[1]
    zh = zh or f"{who_zh}没有 {idef.code}（{idef.zh}），按{shown if generic else '默认值 ' + shown}计算{ruling}。"
    en = en or f"{idef.code} ({idef.en}) is missing{who_en}; {shown_en if generic else 'the default ' + shown_en} is used{ruling_en}."
    if employee is None:
        ctx.add_problem(problem("default_used", where, zh, en, fix_zh or f"如不是 {shown}，请填写 {idef.code}。",
                                fix_en or f"If it is not {shown_en}, enter {idef.code}.", severity="warning"))
        return
    if warn:
        ctx.add_problem(problem("default_used", where, zh, en, fix_zh or f"如不是 {shown}，请为 {employee} 填写 {idef.code}。",
                                fix_en or f"If it is not {shown_en}, enter {idef.code} for {employee}.",
                                employee=employee, severity="warning"))
    ctx.note(employee, "default", idef.code, idef.default, zh, en, [where])


def default_text(value: Any) -> tuple[str, str]:
    """A default value as (Chinese, English) text."""
    if isinstance(value, bool):
        return ("是", "yes") if value else ("否", "no")
    if value == "" or value == []:
        return "空", "empty"
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) and "level" in v for v in value):
        levels = ";".join(str(v["level"]) for v in value)  # (S14 ITEMS: 7 items, levels 1;1;1;2;2;3;4)
        return f"{len(value)} 项，级别 {levels}", f"{len(value)} items, levels {levels}"
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return "、".join(map(str, value)), ", ".join(map(str, value))
    if isinstance(value, (list, tuple, dict)):
        return SCHEME_DEFAULT
    return str(value), str(value)


SCHEME_DEFAULT = ("方案中的默认值", "the scheme's default")


def require_metrics(ctx: Context) -> None:
    """Metrics the scheme marks ``required`` must be given every month for every employee (or
    their team/department), whether or not a step reads them this month (S7 R-DC-4)."""
    for code, mdef in ctx.scheme.metrics.items():
        if not mdef.required:
            continue
        for emp in ctx.ids:
            if ctx.metric_where(emp, code):
                continue
            try:
                ctx.metric(emp, code)
            except MissingInput as exc:
                ctx.block(emp, exc.problem)
