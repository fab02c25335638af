"""An employee's points account from earlier months (S7 ledger state, R-G-19; R-DC-9, R-DC-11).

The exchange and level steps read the latest earlier History items of the account (``CARRY_OUT``,
``CUMULATIVE_POINTS``; a ledger close fills the same rows). Where an employee has none, the
account starts at 0, as SCHEMES.md's worked example reads an agent without a ledger row (R-DC-9:
carry-in 0); that stand-in is never silent:

- hired in the period (``hire_date`` on or after the period's first day): a new account, "since
  joining" (R-DC-11) starts at 0; an explanation line says so, nothing is reported;
- some items of the account there and others not: a warning at the first History cell of the
  account naming the items read as 0;
- other employees have an earlier month of the account (a close or History rows) and this one
  not (hired before the period, or the hire date blank): a warning at the hire-date cell naming
  the agent who has one, so a forgotten row or an unclosed month is seen;
- nobody has any earlier month (the first month of a new ledger): a warning per employee.

The holder of an account is looked up once per run (``account_holder``), never per employee.

A hire date is optional in the scheme; where it is given it decides "new" before anything else.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from ..errors import Problem, problem


def state_items(scheme) -> list[str]:
    """The History items of the scheme's points account: each exchange step's ``carry_in`` and each
    level step's ``cumulative``, in step order (the held ``LEVEL`` is optional: no level yet)."""
    out: list[str] = []
    for st in scheme.steps:
        for key in {"exchange": ("carry_in",), "level": ("cumulative",)}.get(st.kind, ()):
            item = st.spec.get(key)
            if item and item not in out:
                out.append(item)
    return out


def _earlier(ctx, emp: str, item: str) -> list[str]:
    return sorted(p for p in ctx.history_items(emp, item) if p < ctx.period.label)


def _hire(ctx, emp: str) -> tuple[date | None, str]:
    """(hire date or None, its cell; the ID cell where the sheet has no hire date column)."""
    row = int(ctx.employees.at[emp, "xl_row"]) if "xl_row" in ctx.employees else None
    if "hire_date" not in ctx.employees:
        return None, ctx.inputs.employees.ref("id", row)
    value = ctx.employees.at[emp, "hire_date"]
    where = ctx.inputs.employees.ref("hire_date", row)
    if value is None or value is pd.NaT or value == "" or (isinstance(value, float) and value != value):
        return None, where
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return (value if isinstance(value, date) else None), where


def missing_state(ctx, emp: str, items: list[str], holder: tuple[str, str] | None) -> Problem | None:
    """The warning of ``emp``'s missing or incomplete earlier account (None: present or a new hire);
    ``holder``: ``account_holder(ctx, items)``."""
    have = {item: _earlier(ctx, emp, item) for item in items}
    if all(have.values()):
        return None
    hire, hire_cell = _hire(ctx, emp)
    if hire is not None and hire >= ctx.period.start:
        return None  # joined in the period: the account starts at 0 by the rule (R-DC-11)
    names = "、".join(items)
    names_en = ", ".join(items)
    last = _last_month(ctx)
    present = [i for i, months in have.items() if months]
    if present:
        gone = [i for i, months in have.items() if not months]
        where = ctx.history_items(emp, present[0])[have[present[0]][-1]][1]
        return problem(
            "ledger_state_incomplete", where,
            f"员工 {emp} 的上月末积分账户不完整：有 {'、'.join(present)}，没有 {'、'.join(gone)}，"
            f"{'、'.join(gone)} 按 0 计算（R-DC-9、R-DC-11）。",
            f"Employee {emp}'s points account of earlier months is incomplete: {', '.join(present)} is there, "
            f"{', '.join(gone)} is not and is taken as 0 (R-DC-9, R-DC-11).",
            f"在历史表填写 {emp} 在 {last} 的 {'、'.join(gone)}，或关账上月（kpixl close）。",
            f"Type {emp}'s {', '.join(gone)} of {last} on the History sheet, or close last month (kpixl close).",
            employee=emp, severity="warning")
    others = holder
    hired = f"（入职日期 {hire.isoformat()}，早于本月）" if hire else "（入职日期未填）"
    hired_en = f" (hired {hire.isoformat()}, before this month)" if hire else " (no hire date)"
    if others:
        who, per = others
        return problem(
            "ledger_state_missing", hire_cell,
            f"员工 {emp}{hired} 没有上月末积分账户：历史表和账本都没有其 {names}，而同部门的 {who} 有 {per} 的记录；"
            "按结转积分 0、累计积分 0、无等级计算（R-DC-9、R-DC-11）。",
            f"Employee {emp}{hired_en} has no points account of earlier months: neither the History sheet nor the "
            f"ledger holds their {names_en}, while {who} has a row of {per}. Carry-in 0, cumulative points 0 and "
            "no level are used (R-DC-9, R-DC-11).",
            f"如 {emp} 本月入职：在员工表填写入职日期（本月内），账户从 0 开始。否则在历史表填写 {emp} 在 {last} 的 {names}"
            "（及已达到的 LEVEL），或关账上月（kpixl close）。",
            f"If {emp} joined this month, fill in the hire date (in this month) on the Employees sheet: the account "
            f"then starts at 0. Otherwise type {emp}'s {names_en} of {last} (and the LEVEL reached) on the History "
            "sheet, or close last month (kpixl close).", employee=emp, severity="warning")
    return problem(
        "ledger_state_assumed", hire_cell,
        f"员工 {emp}{hired}：历史表和账本中没有任何人的上月末积分账户，按积分账户的第一个月计算："
        f"结转积分 0、累计积分 0、无等级（R-DC-9、R-DC-11）。",
        f"Employee {emp}{hired_en}: no one has a points account of earlier months on the History sheet or in the "
        "ledger, so this is taken as the account's first month: carry-in 0, cumulative points 0, no level "
        "(R-DC-9, R-DC-11).",
        f"如 {emp} 以前已有积分，在历史表填写其 {last} 的 {names}（及 LEVEL）；如是本月新入职，填写入职日期。",
        f"If {emp} had points before, type their {names_en} of {last} (and LEVEL) on the History sheet; if they "
        "joined this month, fill in the hire date.", employee=emp, severity="warning")


def account_holder(ctx, items: list[str]) -> tuple[str, str] | None:
    """(employee, latest month) of the first employee with an earlier month of the account, or None."""
    for emp in ctx.ids:
        months = [m for item in items for m in _earlier(ctx, emp, item)]
        if months:
            return emp, max(months)
    return None


def _last_month(ctx) -> str:
    from ..periods import add_months

    return add_months(ctx.period.month_periods()[0], -1).label
