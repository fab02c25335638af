"""Rows dated before the employee's hire date (schemes with a ``hire_date`` attribute: S4, S10).

Nothing an employee did, sold or was fined for can predate their hire: such a row is most likely
a typo in its date or its employee ID, and counting it changes a result (S4: sales of a month
before hire counted toward 转正, R-KF-8 "cumulative 业绩 since hire"; a pre-hire fine moved the
occurrence count, R-KF-1). Each is an error at the row's date or period cell, owned by the
employee, so their result is withheld until the row or the hire date is corrected. Vectorised.

- Events rows dated before the hire date (the hire day itself counts).
- History rows, and Metrics rows with a period, of a month before the hire month.
- A hire date after the period ends (the whole month predates the hire: ``hired_after_period``).

Rows the ledger supplied (closed months) before the hire month belong to an earlier employment
(a re-hire): the clerk cannot edit them and "since hire" excludes them, so they are not read, with
one warning per employee at the hire date (``ledger_before_hire``) naming the months left out.
"""

from __future__ import annotations

from copy import copy
from dataclasses import replace

import numpy as np
import pandas as pd

from .errors import Problem, problem
from .inputs import Table, ledger_rows
from .scheme import Scheme


def before_hire(scheme: Scheme, inputs, employees: pd.DataFrame) -> tuple[list[Problem], object]:
    """The problems of rows before hire, and ``inputs`` without the ledger's rows before the hire month."""
    if "hire_date" not in {f.code for f in scheme.attributes} or "hire_date" not in employees:
        return [], inputs
    hires = pd.to_datetime(employees["hire_date"], errors="coerce").dropna()
    if hires.empty:
        return [], inputs
    def hired(emp: str) -> tuple[str, str]:
        """(the hire date as shown, its cell on the Employees sheet)."""
        row = int(employees.at[emp, "xl_row"]) if "xl_row" in employees else None
        return hires[emp].strftime("%Y-%m-%d"), inputs.employees.ref("hire_date", row)

    out: list[Problem] = _hired_after(inputs, hires, hired)
    ev = inputs.events
    if ev is not None and not ev.frame.empty and "date" in ev.frame:
        out += _dated_rows(ev, hires, hired)
    left_out: dict[str, set[str]] = {}
    tables = {}
    for key, what_zh, what_en in (("history", "历史表", "History"), ("metrics", "指标表", "Metrics")):
        table = getattr(inputs, key)
        if table is not None and not table.frame.empty and "period" in table.frame and "employee" in table.frame:
            problems, kept = _month_rows(table, hires, hired, what_zh, what_en, left_out)
            out += problems
            if kept is not table:
                tables[key] = kept
    out += [_ledger_left_out(emp, sorted(months), *hired(emp)) for emp, months in sorted(left_out.items())]
    return out, (replace(inputs, **tables) if tables else inputs)


def _hired_after(inputs, hires: pd.Series, hired) -> list[Problem]:
    """An employee hired after the period ends is scored for a month before their hire: the hire date
    (a year typed wrong) or the row on the Employees sheet is wrong. An error at the hire date."""
    period = getattr(inputs, "period", None)
    if period is None:
        return []
    end = pd.Timestamp(period.end)
    out = []
    for emp in hires.index[hires > end]:
        shown, cell = hired(emp)
        out.append(problem(
            "hired_after_period", cell,
            f"员工 {emp} 的入职日期 {shown} 晚于考核期 {period.label}：不能为入职前的月份计分，很可能年份或日期填错。",
            f"Employee {emp}'s hire date {shown} is after the period {period.label}: a month before hire cannot be "
            "scored; most likely the year or the date is wrong.",
            "改正入职日期；如该员工本期尚未入职，从员工表删除该行。",
            "Correct the hire date; if the employee was not yet hired in this period, delete their row on the "
            "Employees sheet.", employee=emp))
    return out


def _dated_rows(table: Table, hires: pd.Series, hired) -> list[Problem]:
    f = table.frame
    hire = f["employee"].map(hires)
    mask = (~f["xl_bad"].astype(bool) & hire.notna() & f["date"].notna() & (f["date"] < hire)).to_numpy()
    out = []
    for i in np.flatnonzero(mask):
        emp, day, row = f["employee"].iat[i], f["date"].iat[i].strftime("%Y-%m-%d"), int(f["xl_row"].iat[i])
        shown, cell = hired(emp)
        out.append(problem(
            "before_hire", table.ref("date", row),
            f"本行日期 {day} 早于员工 {emp} 的入职日期 {shown}（{cell}）：入职前的记录不能计入，很可能日期或工号填错。",
            f"This row's date {day} is before employee {emp}'s hire date {shown} ({cell}): a row from before hire "
            "cannot count; most likely its date or employee ID is wrong.",
            "改正本行的日期或工号；如入职日期有误，改正员工表的入职日期。",
            "Correct this row's date or employee ID; if the hire date is wrong, correct it on the Employees sheet.",
            employee=emp))
    return out


def _month_rows(table: Table, hires: pd.Series, hired, what_zh: str, what_en: str,
                left_out: dict[str, set[str]]) -> tuple[list[Problem], Table]:
    f = table.frame
    per = f["period"].fillna("").astype(str)
    month = f["employee"].map(hires.dt.strftime("%Y-%m"))
    monthly = per.str.fullmatch(r"\d{4}-\d{2}")
    mask = (~f["xl_bad"].astype(bool) & month.notna() & monthly & (per < month.fillna(""))).to_numpy()
    ledger = f["xl_row"].isin(list(ledger_rows(table))).to_numpy()
    if (mask & ledger).any():
        for i in np.flatnonzero(mask & ledger):
            left_out.setdefault(f["employee"].iat[i], set()).add(per.iat[i])
        table = copy(table)
        table.frame = f.assign(xl_bad=f["xl_bad"].astype(bool).to_numpy() | (mask & ledger))
    out = []
    for i in np.flatnonzero(mask & ~ledger):
        emp, p, row = f["employee"].iat[i], per.iat[i], int(f["xl_row"].iat[i])
        shown, cell = hired(emp)
        out.append(problem(
            "before_hire", table.ref("period", row),
            f"{what_zh}本行的月份 {p} 早于员工 {emp} 的入职月份（入职日期 {shown}，{cell}）：入职前的月份不能计入"
            "（例如入职以来的累计业绩），很可能月份或工号填错。",
            f"This {what_en} row's month {p} is before employee {emp}'s hire month (hired {shown}, {cell}): a month "
            "before hire cannot count (e.g. toward cumulative sales since hire); most likely its month or employee ID "
            "is wrong.",
            "改正本行的月份或工号，或删除本行；如入职日期有误，改正员工表的入职日期。",
            "Correct this row's month or employee ID, or delete the row; if the hire date is wrong, correct it on the "
            "Employees sheet.", employee=emp))
    return out, table


def _ledger_left_out(emp: str, months: list[str], shown: str, cell: str) -> Problem:
    listed = ", ".join(months)
    return problem(
        "ledger_before_hire", cell,
        f"账本中员工 {emp} 在 {listed} 的记录早于入职日期 {shown}（以前的一段任职，如重新入职），不计入本次计算。",
        f"The ledger's months {listed} of employee {emp} are before the hire date {shown} (an earlier employment, "
        "e.g. a re-hire), so they are not counted.",
        "如果入职日期有误，改正员工表的入职日期；否则无需处理。",
        "If the hire date is wrong, correct it on the Employees sheet; otherwise nothing to do.",
        severity="warning", employee=emp)

