"""Checks of the Events sheet as a whole (issue 12 items 4 and 5): rows of another month and
exact duplicate rows. Vectorised; every problem names its row's cell.

- A row dated outside the period is ignored (R-G-7) and listed with its date cell, as a
  warning; rows of earlier months that a rule of the scheme reads (S4's occurrence count in
  the calendar year, R-KF-1) are not "ignored" and are not listed here.
- When most event rows (more than half, and at least two) lie outside the period, the
  workbook is another month's: an error no single employee owns, so nobody is scored; unless
  the operator chose the period over the workbook's own PERIOD (``--period``), then a warning.
- An exact duplicate row (every input column equal) is a warning naming both cells; both
  rows are still counted, since a second identical event can be real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import Problem, problem
from .inputs import Inputs
from .keyed import packed_key
from .periods import Period
from .scheme import Scheme

# the columns merged onto each row by validation; an exact duplicate compares only the sheet's own
_INTERNAL = {"xl_row", "xl_bad"}


def earlier_rows(scheme: Scheme, ev: pd.DataFrame, period: Period) -> tuple[np.ndarray, np.ndarray]:
    """(read, log): rows dated before the period whose rule a step reads from earlier months, and of
    those the ones in the period's calendar year, which the step counts (R-KF-1). A scheme like S4
    keeps a running log of such rows, so they never make a workbook look like another month's."""
    codes: set[str] = set()
    for step in scheme.steps:
        codes.update(step.reads_earlier_events())
    if not codes:
        none = np.zeros(len(ev), dtype=bool)
        return none, none
    log = (ev["rule"].isin(codes) & (ev["date"] < pd.Timestamp(period.start))).to_numpy()
    year = (ev["date"] >= pd.Timestamp(period.start.replace(month=1, day=1))).to_numpy()
    return log & year, log


def period_problems(inputs: Inputs, ev: pd.DataFrame, period: Period, outside: np.ndarray, dated: np.ndarray,
                    owners: np.ndarray) -> list[Problem]:
    """One warning per ``outside`` row (ignored, of another month); an error when most of the ``dated``
    rows are outside the period."""
    table = inputs.events
    problems: list[Problem] = []
    idx = np.flatnonzero(outside)
    # the Metrics sheet's daily figures count too (a workbook of daily figures and no events)
    daily = inputs.metrics.frame["date"].dropna() if "date" in inputs.metrics.frame else pd.Series([], dtype="datetime64[ns]")
    daily_out = daily[(daily < pd.Timestamp(period.start)) | (daily > pd.Timestamp(period.end))]
    if not len(idx) and not len(daily_out):
        return problems
    rows = ev["xl_row"].to_numpy(dtype="int64")
    days = dict(zip(idx.tolist(), ev["date"].iloc[idx].dt.strftime("%Y-%m-%d").tolist(), strict=True))
    for i in idx:
        day = days[i]
        problems.append(problem(
            "outside_period", table.ref("date", int(rows[i])),
            f"日期 {day} 不在考核期 {period.label} 内，本行已忽略（R-G-7）。",
            f"Date {day} is outside the period {period.label}; the row is ignored (R-G-7).",
            "如属本期，改正日期；如属其他月份，把本行移到那个月的工作簿。",
            "If it belongs to this period, correct the date; otherwise move the row to that month's workbook.",
            employee=owners[i], severity="warning"))
    n_out, n_dated = int((outside & dated).sum()) + len(daily_out), int(dated.sum()) + len(daily)
    if n_out >= 2 and n_out * 2 > n_dated:
        out_days = np.concatenate([ev["date"].to_numpy()[outside & dated], daily_out.to_numpy()])
        months = pd.Series(out_days).dt.strftime("%Y-%m").value_counts()
        shown = "、".join(f"{m}（{c} 行）" for m, c in months.head(3).items())
        shown_en = ", ".join(f"{m} ({c} rows)" for m, c in months.head(3).items())
        param = inputs.parameters.get("PERIOD")
        where = param.where if param is not None else inputs.parameters_label
        sheet = _label(param.value) if param is not None else None
        if sheet is not None and sheet != period.label:
            # the operator chose the period (--period) over the workbook's PERIOD: said, not refused
            problems.append(problem(
                "other_month_rows", where,
                f"{n_dated} 行事件中有 {n_out} 行不在所选考核期 {period.label} 内（{shown}；工作簿的 PERIOD 是 {sheet}），已忽略。",
                f"{n_out} of {n_dated} event rows are outside the chosen period {period.label} ({shown_en}; the "
                f"workbook's PERIOD is {sheet}) and are ignored.",
                "如果选错了月份，去掉 --period 或改正它。", "If the month is wrong, drop or correct --period.",
                severity="warning"))
            return problems
        problems.append(problem(
            "wrong_month", where,
            f"这看起来是另一个月份的工作簿：{n_dated} 行有日期的事件和日数据中有 {n_out} 行不在参数 PERIOD {period.label} 内"
            f"（{shown}）。本工作簿暂不计分。",
            f"This looks like another month's workbook: {n_out} of {n_dated} dated event and daily rows are outside "
            f"PERIOD {period.label} ({shown_en}). Nobody is scored until this is resolved.",
            "核对参数表的 PERIOD（或 --period）和这些行的日期。",
            "Check PERIOD on the Parameters sheet (or --period) and the dates of these rows."))
    return problems


def _label(value) -> str | None:
    from .periods import parse_period

    try:
        return parse_period(value if isinstance(value, str) else str(value)).label
    except (ValueError, TypeError):
        return None


def duplicate_problems(inputs: Inputs, ev: pd.DataFrame, counted: np.ndarray, owners: np.ndarray,
                       coded: dict[str, np.ndarray] | None = None) -> list[Problem]:
    """A warning for each counted row identical to an earlier counted row (both cells named).
    ``coded``: columns already factorised over every row of ``ev`` (their integer codes)."""
    coded = coded or {}
    table = inputs.events
    cols = [c for c in table.frame.columns if c not in _INTERNAL and c in ev]
    sub = ev.loc[counted, cols + ["xl_row"]]
    if len(sub) < 2:
        return []
    # each column as integer codes (empty = -1), then the rows as tuples of codes: no object copies.
    # Only rows sharing employee, rule and date can be identical: the other columns are coded for those.
    first = [c for c in ("employee", "rule", "date") if c in cols]
    codes = [coded[c][counted] if c in coded else pd.factorize(sub[c], use_na_sentinel=True)[0] for c in first]
    key = packed_key(*codes) if first else None  # the three codes as one integer: one hash per row
    if key is not None:
        maybe = pd.Series(key).duplicated(keep=False).to_numpy()
    else:
        maybe = pd.DataFrame(dict(enumerate(codes))).duplicated(keep=False).to_numpy() if first else np.ones(len(sub), dtype=bool)
    if not maybe.any():
        return []
    sub = sub[maybe]
    codes = pd.DataFrame({c: pd.factorize(sub[c], use_na_sentinel=True)[0] for c in cols})
    dup = codes.duplicated(keep="first").to_numpy()
    if not dup.any():
        return []
    group = codes.groupby(cols, sort=False).ngroup().to_numpy()
    rows = sub["xl_row"].to_numpy(dtype="int64")
    first_of = pd.Series(rows).groupby(group, sort=False).transform("first").to_numpy()
    owner_of = owners[np.flatnonzero(counted)[maybe]]
    letter = table.letters.get("date", "A")
    problems: list[Problem] = []
    for i in np.flatnonzero(dup):
        row, first = int(rows[i]), int(first_of[i])
        problems.append(problem(
            "duplicate_event", table.ref("date", row),
            f"{table.name}!{letter}{row} 与 {letter}{first} 相同（员工、日期、规则、数量、取值、备注都一样）；"
            "两行都已计入（可能确实发生了两次）。",
            f"{table.en}!{letter}{row} is identical to {letter}{first} (same employee, date, rule, qty, value and "
            "note); both rows are counted (it may be a real second event).",
            "如果是重复录入，删除其中一行。", "If it was entered twice, delete one of the two rows.",
            employee=owner_of[i], severity="warning"))
    return problems
