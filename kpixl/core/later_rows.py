"""Metrics rows of a month after the period scored (R-G-19).

A Metrics row with a ``period`` is "a figure of another month", and a run reads earlier months
only (History likewise, ``history_not_earlier``): a row of a later month is never read, so a typo
(2026-12 for this month's 2026-11 exam) would leave an older figure, or none, standing in for it
with nothing said. Each such row is a located warning at its period cell, for its employee.
"""

from __future__ import annotations

from .errors import Problem, problem
from .inputs import Inputs, ledger_rows
from .periods import Period, parse_period


def later_metric_rows(inputs: Inputs, period: Period, known_ids) -> list[Problem]:
    """A warning per Metrics row whose period ends after the period scored (ledger rows exempt)."""
    table = inputs.metrics
    frame = table.frame
    if frame.empty or "period" not in frame:
        return []
    from_ledger = ledger_rows(table)  # rows the ledger supplied are kpixl's own record
    last = period.month_periods()[-1]
    out: list[Problem] = []
    parsed: dict[str, Period | None] = {}
    for row, bad, per, emp, code in zip(frame["xl_row"].tolist(), frame["xl_bad"].tolist(), frame["period"].tolist(),
                                        frame["employee"].tolist(), frame["metric"].tolist(), strict=True):
        if bad or not per or int(row) in from_ledger:
            continue
        if per not in parsed:
            try:
                parsed[per] = parse_period(per)
            except ValueError:
                parsed[per] = None
        month = parsed[per]
        if month is None or (month.end.year, month.end.month) <= (last.year, last.month):
            continue
        out.append(problem(
            "metric_period_later", table.ref("period", int(row)),
            f"指标表这一行的所属月份是 {month.label}，晚于考核期 {period.label}，不会被读取（只读取本期和以前月份的数据）。",
            f"This Metrics row is of {month.label}, later than the period {period.label}, so it is not read "
            "(a run reads this period's figures and earlier months' only).",
            f"如果是本期的 {code}，清空所属月份（或改为 {period.label}）；如果是以前月份的，改正月份；"
            f"否则删除本行，留到 {month.label} 的工作簿。",
            f"If it is this period's {code}, clear its period (or make it {period.label}); if it is an earlier "
            f"month's, correct the month; otherwise delete the row and enter it in the {month.label} workbook.",
            employee=emp if emp in known_ids else None, severity="warning"))
    return out
