"""What a closed month hands to later months, and how a later month reads it back.

A scheme declares it in its optional ``carry`` section (docs/schemes.md), one entry per item:
``{"from": "output:composite", "history": "COMPOSITE", "window": "quarter"}`` keeps each
employee's computed ``composite`` as the History item ``COMPOSITE`` of the closed month;
``"metric:SALES"`` keeps the month's Metrics value, ``"events:FINE_X"`` the month's number of
occurrences of a rule (as R-KF-1 counts them); ``"metric": CODE`` instead of ``"history"``
hands it back as a Metrics row with the 所属月份 period (S7 R-DC-10). ``"month": "next"``
files it under the next month (a ladder's start state, R-G-10). ``window`` bounds what a later
month reads: ``latest`` (per owner), ``quarter``, ``year``, a number of months, or ``all``.

Reading fills the same ``Inputs`` tables the core reads today (History rows, Metrics rows
with a period); each row names its source as ``账本 2026-09 v1 / ledger 2026-09 v1``. A row
typed in the workbook for the same owner, item and month wins, with a warning showing both. A
start state (a ladder's ``state`` items of one owner and month, S15) is one whole: when any of
its items is typed, none of the ledger's rows of it is used, with a warning for each.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import pandas as pd

from kpixl.core.errors import Problem, problem
from kpixl.core.inputs import Inputs, Table
from kpixl.core.periods import Period, add_months, parse_period
from kpixl.core.result import Result
from kpixl.core.scheme import Scheme

from . import codec

FIRST_LEDGER_ROW = 10_000_000  # synthetic row numbers of ledger rows (never an Excel row)


@dataclass(frozen=True)
class Carry:
    kind: str  # "output", "metric" or "events"
    name: str  # the output value, metric code or rule code it is taken from
    target: str  # "history" or "metrics"
    item: str  # the History item or Metrics code it becomes
    shift: int  # 0: filed under the closed month; 1: under the next month
    window: str  # "latest", "quarter", "year", "all" or a number of months


def carries(scheme: Scheme) -> list[Carry]:
    out = []
    for entry in scheme.document.get("carry", []):
        kind, _, name = entry["from"].partition(":")
        target = "history" if "history" in entry else "metrics"
        out.append(Carry(kind, name, target, entry.get("history") or entry["metric"],
                         1 if entry.get("month") == "next" else 0, str(entry.get("window", "all"))))
    return out


def month_carries(scheme: Scheme, cs: list[Carry]) -> list[Carry]:
    """The carries a month run reads: all but those into items only quarter-only steps name (S3/S5
    ``COMPOSITE``, read by the quarter's ``period_values`` and by no month step): a month closed
    before such a month was closed lacks nothing."""
    from kpixl.core.quarters import quarter_only_items

    quarter = quarter_only_items(scheme)
    return [c for c in cs if not (c.target == "history" and c.item in quarter)]


def check_carries(scheme: Scheme) -> list[str]:
    """Names in the carry section that the scheme does not define (empty when all resolve)."""
    bad = []
    values = {o.value for o in scheme.outputs} | {n for st in scheme.steps for n in st.outputs()}
    for c in carries(scheme):
        known = {"output": values, "metric": set(scheme.metrics), "events": set(scheme.rules)}.get(c.kind, set())
        if c.name not in known:
            bad.append(f"{c.kind}:{c.name}")
        if c.target == "history" and c.item not in scheme.history:
            bad.append(f"history:{c.item}")
        if c.target == "metrics" and c.item not in scheme.metrics:
            bad.append(f"metric:{c.item}")
    return bad


# ------------------------------------------------------------------------------- closing


def carry_rows(scheme: Scheme, inputs: Inputs, result: Result, previous: list[tuple] = ()) -> list[tuple]:
    """(target, owner, team, item, period, value, source) rows a close hands to later months (ok employees
    only; ``source`` is "" for this close's own figures). For a ``latest`` item, an owner without a figure
    this month keeps the one the run read (``previous``, with its original source), so a later month
    reads the latest state from the newest close alone."""
    period = result.period
    ok = [e for e in result.employees if e.ok]
    ok_ids = {e.id for e in ok}
    rows: list[tuple[str, str, str, str, str, str]] = []
    for c in carries(scheme):
        label = add_months(Period(period.year, period.month), c.shift).label if period.kind == "month" else period.label
        if c.kind == "output":
            for e in ok:
                value = e.values.get(c.name)
                if value is not None:
                    rows.append((c.target, e.id, "", c.item, label, codec.dumps(value), ""))
        elif c.kind == "metric":
            rows += _metric_carry(inputs, c, label, ok_ids)
        elif c.kind == "events":
            rows += _event_carry(scheme, inputs, c, period, label, ok_ids)
    latest = {(c.target, c.item) for c in carries(scheme) if c.window == "latest"}
    have = {(r[0], r[1], r[2], r[3]) for r in rows}
    for target, owner, team, item, per, value, source, _cper in previous:
        if (target, item) in latest and (target, owner, team, item) not in have:
            rows.append((target, owner, team, item, per, value, source))
    if period.kind == "month":
        rows += _typed_carry(scheme, inputs, period, ok_ids)
    return rows


def _typed_carry(scheme: Scheme, inputs: Inputs, period: Period, ok_ids: set[str]) -> list[tuple]:
    """Earlier months the workbook typed for the windowed carry items (History rows, Metrics rows with a
    period, Events rows dated in an earlier month of the window), filed under their own months with their
    cell as ``source``: a ledger that starts in March with January and February typed on March's sheets
    hands them on to April too. Where a month has both, its Events rows win, as they do when scoring."""
    label = period.label
    out: dict[tuple, tuple] = {}
    for c in carries(scheme):
        if c.window == "latest":
            continue
        if c.kind == "events":
            for row in _earlier_event_carry(scheme, inputs, c, period, ok_ids):
                out.setdefault(row[:5], row)
        sources = [(inputs.history, "item", c.item)] if c.target == "history" else []
        metric = c.item if c.target == "metrics" else (c.name if c.kind == "metric" else None)
        if metric:
            sources.append((inputs.metrics, "metric", metric))
        for table, code_col, code in sources:
            if table is None or table.frame.empty or "period" not in table.frame:
                continue
            f = table.frame
            per = f["period"].fillna("").astype(str)
            sub = f[~f["xl_bad"] & (f[code_col] == code) & (per != "") & (per < label) & (f["xl_row"] < FIRST_LEDGER_ROW)]
            team = sub["team"] if "team" in sub else pd.Series("", index=sub.index)
            for emp, tm, p, value, row in zip(sub["employee"], team, sub["period"], sub["value"], sub["xl_row"], strict=True):
                if (emp and emp not in ok_ids) or value is None or (isinstance(value, float) and pd.isna(value)):
                    continue
                key = (c.target, emp or "", tm or "", c.item, str(p))
                out.setdefault(key, (*key, codec.dumps(value), table.ref("value", int(row))))
    return list(out.values())


def _metric_carry(inputs: Inputs, c: Carry, label: str, ok_ids: set[str]) -> list[tuple]:
    frame = inputs.metrics.frame
    if frame.empty:
        return []
    plain_rows = (frame["metric"] == c.name) & ~frame["xl_bad"] & frame["date"].isna() & frame["week_start"].isna()
    plain_rows &= (frame["period"] == "") | (frame["period"] == label)
    sub = frame[plain_rows]
    team = sub["team"] if "team" in sub else pd.Series("", index=sub.index)
    out = []
    for emp, tm, value in zip(sub["employee"], team, sub["value"], strict=True):
        if emp and emp not in ok_ids:
            continue
        out.append((c.target, emp or "", tm or "", c.item, label, codec.dumps(value), ""))
    return out


def _event_rows(scheme: Scheme, inputs: Inputs, c: Carry, start, end, ok_ids: set[str]) -> tuple[pd.DataFrame, pd.Series]:
    """The good Events rows of ``c``'s rule dated in [start, end) of ok employees, and each row's count
    of occurrences as R-KF-1 counts them (one per row for a ladder counted in units, else its qty)."""
    frame = inputs.events.frame
    if frame.empty:
        return frame, pd.Series(dtype="int64")
    units = any(getattr(st, "ladders", {}).get(c.name, {}).get("units") for st in scheme.steps)
    sub = frame[(frame["rule"] == c.name) & ~frame["xl_bad"] & (frame["date"] >= start) & (frame["date"] < end)
                & frame["employee"].isin(ok_ids)]
    n = pd.Series(1, index=sub.index) if units else sub["qty"].fillna(1).astype("int64")
    return sub, n


def _event_carry(scheme: Scheme, inputs: Inputs, c: Carry, period: Period, label: str, ok_ids: set[str]) -> list[tuple]:
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end) + pd.Timedelta(days=1)
    sub, n = _event_rows(scheme, inputs, c, start, end, ok_ids)
    if sub.empty:
        return []
    counts = n.groupby(sub["employee"], sort=True).sum()
    return [(c.target, emp, "", c.item, label, codec.dumps(int(k)), "") for emp, k in counts.items()]


def _earlier_event_carry(scheme: Scheme, inputs: Inputs, c: Carry, period: Period, ok_ids: set[str]) -> list[tuple]:
    """Events rows dated in an earlier month of ``c``'s window (S4: earlier in the calendar year, which
    the escalation counts), one row per employee and month, its source the month's first row's cell."""
    first = window_start(c.window, period)
    start = pd.Timestamp(parse_period(first).start) if first else pd.Timestamp.min
    sub, n = _event_rows(scheme, inputs, c, start, pd.Timestamp(period.start), ok_ids)
    if sub.empty:
        return []
    parts = pd.DataFrame({"employee": sub["employee"], "month": sub["date"].dt.strftime("%Y-%m"), "n": n,
                          "row": sub["xl_row"]})
    per = parts.groupby(["employee", "month"], sort=True).agg(n=("n", "sum"), row=("row", "min"))
    return [(c.target, emp, "", c.item, month, codec.dumps(int(k)), inputs.events.ref("rule", int(row)))
            for (emp, month), k, row in zip(per.index, per["n"], per["row"], strict=True)]


# ------------------------------------------------------------------------------- reading


class LedgerTable(Table):
    """A sheet's rows plus rows read from the ledger; a ledger row's cell is its close."""

    def __init__(self, base: Table, frame: pd.DataFrame, sources: dict[int, str]):
        super().__init__(frame, base.name, base.en, dict(base.letters), base.percent_rows)
        self.sources = sources

    def ref(self, key: str | None, row: int | None) -> str:
        if row is not None and row >= FIRST_LEDGER_ROW:
            return self.sources.get(row, "账本 / ledger")
        return super().ref(key, row)


def source_label(period: str, version: int) -> str:
    return f"账本 {period} v{version} / ledger {period} v{version}"


def row_source(source: str, period: str, version: int) -> str:
    """A carried row's source as shown: the close it was read from, and the cell a typed row came from
    (``账本 2027-03 v1 历史!E5 / ledger 2027-03 v1 History!E5``); a label kept from an earlier close as is."""
    if source.startswith("账本"):
        return source
    if not source:
        return source_label(period, version)
    zh, _, en = source.partition(" / ")
    return f"账本 {period} v{version} {zh} / ledger {period} v{version} {en or zh}"


@dataclass
class Loaded:
    """What the ledger holds for one month's run: rows to merge, the closes read, months missing."""

    rows: list[tuple]  # (target, owner, team, item, period, value, source label, period of the close read)
    read_ids: list[int]
    missing: list[str]
    problems: list[Problem] = field(default_factory=list)  # the chain's problems (chain.py)
    left_out: list[tuple] = field(default_factory=list)  # (period, version, record) left out of a month read
    members: dict[str, tuple[int, set[str]]] = field(default_factory=dict)  # month -> (version, employees ok)
    seen: dict[str, int] = field(default_factory=dict)  # month -> id of its newest close, as this run found the ledger


def window_start(window: str, period: Period) -> str | None:
    """The first month label a carry window reaches from ``period`` (None: no bound)."""
    month = Period(period.year, period.month)
    if window == "quarter":
        return Period(month.year, (month.month - 1) // 3 * 3 + 1).label
    if window == "year":
        return Period(month.year, 1).label
    if window.isdigit():
        return add_months(month, -int(window)).label
    return None


def needed(scheme: Scheme, period: Period, closed: dict[str, tuple[int, int]], rows: list[tuple]) -> Loaded:
    """Keep each carry's window of rows (``closed``: close period -> (id, version) of its newest version)."""
    # a month run reads only what its steps read: not S3/S5's COMPOSITE, which the quarter alone ranks (so
    # a month close records no read of the months before it, and their re-close affects no later month)
    read = carries(scheme) if period.kind == "quarter" else month_carries(scheme, carries(scheme))
    windows = {(c.target, c.item): c.window for c in read}
    end_label = period.month_periods()[-1].label
    kept: list[tuple] = []
    latest: dict[tuple, tuple] = {}
    for r in _own_first(rows, windows):
        target, owner, team, item, per = r[:5]
        window = windows.get((target, item))
        if window is None or per > end_label:
            continue
        if window == "latest":
            key = (target, owner, team, item)
            if key not in latest or per > latest[key][4]:
                latest[key] = r
            continue
        start = window_start(window, period)
        if start is None or per >= start:
            kept.append(r)
    kept += latest.values()
    used = {r[7] for r in kept}
    read_ids = sorted(closed[p][0] for p in used if p in closed)
    missing = []
    if closed and windows:
        first = parse_period(min(closed))
        last = period.month_periods()[-1] if period.kind == "quarter" else add_months(Period(period.year, period.month), -1)
        m = Period(first.year, first.month)
        while m.start <= last.start:
            if m.label not in closed:
                missing.append(m.label)
            m = add_months(m, 1)
    return Loaded(kept, read_ids, missing)


def _own_first(rows: list[tuple], windows: dict) -> list[tuple]:
    """One row per owner, item and month of a windowed item: the closed month's own figure, else the one
    typed in the newest close that recorded it (a typed row is filed under an earlier month than its close)."""
    best: dict[tuple, tuple] = {}
    out = []
    for r in rows:
        if windows.get((r[0], r[3])) in (None, "latest"):
            out.append(r)
            continue
        rank = (r[4] >= r[7], r[7])
        if r[:5] not in best or rank > best[r[:5]][0]:
            best[r[:5]] = (rank, r)
    return out + [r for _rank, r in best.values()]


def merge(scheme: Scheme, inputs: Inputs, loaded: Loaded) -> Inputs:
    """``inputs`` with the ledger's rows added to History and Metrics (typed rows win, with a warning)."""
    warnings: list[Problem] = list(loaded_warnings(loaded, inputs)) + list(loaded.problems)
    warnings += _left_out_problems(scheme, inputs, loaded)
    warnings += _event_disagreements(scheme, inputs, loaded)
    history, metrics = inputs.history, inputs.metrics
    by_target: dict[str, list[tuple]] = {"history": [], "metrics": []}
    for r in loaded.rows:
        by_target[r[0]].append(r)
    if by_target["history"] and history is not None:
        history = _merged(history, by_target["history"], "item", warnings, scheme)
    if by_target["metrics"]:
        metrics = _merged(metrics, by_target["metrics"], "metric", warnings, scheme)
    return replace(inputs, history=history, metrics=metrics, problems=list(inputs.problems) + warnings,
                   unknown_months=tuple(loaded.missing))


def _merged(table: Table, rows: list[tuple], code_col: str, warnings: list[Problem], scheme: Scheme) -> LedgerTable:
    frame = table.frame
    typed = {}
    if not frame.empty:
        good = frame[~frame["xl_bad"]]
        team = good["team"] if "team" in good else pd.Series("", index=good.index)
        for emp, tm, code, per, value, row in zip(good["employee"], team, good[code_col], good["period"], good["value"],
                                                  good["xl_row"], strict=True):
            if per:
                typed[(emp or "", tm or "", code, str(per))] = (value, int(row))
    if typed:
        kept = []
        groups = state_groups(scheme) if code_col == "item" else []
        for r in rows:
            hit = typed.get((r[1], r[2], r[3], r[4]))
            whole = next((g for g in groups if r[3] in g), None) if hit is None else None
            typed_part = sorted(c for c in whole if (r[1], r[2], c, r[4]) in typed) if whole else []
            if typed_part:  # a start state is one unit: typed in part, none of the ledger's rows of it is used
                first = min(typed[(r[1], r[2], c, r[4])][1] for c in typed_part)
                _t, owner, team, item, per, value_text, label, _c = r
                shown = codec.shown(codec.loads(value_text))
                parts = ", ".join(typed_part)
                warnings.append(problem(
                    "ledger_state_typed", table.ref("value", first),
                    f"{owner or team} 在 {per} 的起始状态：工作簿只填写了 {parts}；起始状态是一个整体，"
                    f"{label.split(' / ')[0]}的 {item} {shown} 不使用（未填写的项目按默认值计算）。",
                    f"The start state of {owner or team} as of {per}: the workbook types only {parts}; a start state "
                    f"is one whole, so {label.split(' / ')[1]}'s {item} {shown} is not used (an item not typed takes "
                    "its default).",
                    f"在历史表填写该起始状态的全部项目（{', '.join(sorted(whole))}）；如果账本的起始状态正确，删除这些行。",
                    f"Type every item of the start state on History ({', '.join(sorted(whole))}); delete these rows if "
                    "the ledger's start state is right.", employee=owner or None, severity="warning"))
                continue
            if hit is None:
                kept.append(r)
                continue
            _t, owner, team, item, per, value_text, label, _c = r
            value = codec.loads(value_text)
            warnings.append(problem(
                "ledger_overridden", table.ref("value", hit[1]),
                f"{owner or team} 在 {per} 的 {item}：工作簿填写的 {codec.shown(hit[0])} 优先于{label.split(' / ')[0]}的 {codec.shown(value)}。",
                f"{item} of {per} for {owner or team}: the workbook's {codec.shown(hit[0])} wins over "
                f"{label.split(' / ')[1]}'s {codec.shown(value)}.",
                "如果账本的值正确，删除这一行。", "Delete this row if the ledger's value is right.", severity="warning"))
        rows = kept
    defs = scheme.history if code_col == "item" else scheme.metrics
    numbers = {code for code, d in defs.items() if d.type in ("number", "integer", "percent", "money")}
    row_nos = range(FIRST_LEDGER_ROW, FIRST_LEDGER_ROW + len(rows))
    sources = dict(zip(row_nos, (r[6] for r in rows), strict=True))
    columns = {"employee": [r[1] for r in rows], "period": [r[4] for r in rows], code_col: [r[3] for r in rows],
               "value": [_typed(codec.loads(r[5]), r[3] in numbers) for r in rows], "xl_row": list(row_nos),
               "xl_bad": [False] * len(rows)}
    if "team" in frame.columns:
        columns["team"] = [r[2] for r in rows]
    records = columns
    extra = pd.DataFrame(records)
    for col in frame.columns:
        if col not in extra:
            extra[col] = pd.NaT if col in ("date", "week_start") else ""
    if frame.empty:
        merged = extra.reindex(columns=list(frame.columns) or list(extra.columns))
    else:
        merged = pd.concat([frame, extra[frame.columns]], ignore_index=True)
    merged["xl_bad"] = merged["xl_bad"].astype(bool)
    merged["xl_row"] = merged["xl_row"].astype("int64")
    return LedgerTable(table, merged, sources)


def state_groups(scheme: Scheme) -> list[set[str]]:
    """The History items that together make one start state (a ladder's ``state``: S15 LEVEL, MISS, STREAK)."""
    return [set(st.state_items.values()) for st in scheme.steps if isinstance(getattr(st, "state_items", None), dict)]


def _typed(value, numeric: bool):
    """A kept value as the workbook parser would have typed it (numbers are Decimals)."""
    if numeric and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def _left_out_problems(scheme: Scheme, inputs: Inputs, loaded: Loaded) -> list[Problem]:
    """An employee of this workbook left out of a month read is withheld, unless the workbook types a
    History row (or a Metrics row with a period) of theirs for that month."""
    if not loaded.left_out:
        return []
    from .chain import left_out_problem

    here = set(inputs.employees.frame["id"])
    typed = typed_months(inputs)
    shifts = {c.shift for c in carries(scheme)}
    out = []
    for per, ver, rec in loaded.left_out:
        emp = rec["employee"]
        months = {add_months(parse_period(per), s).label for s in shifts}
        if emp in here and not any((emp, m) in typed for m in months):
            out.append(left_out_problem(per, ver, rec))
    return out


def _event_disagreements(scheme: Scheme, inputs: Inputs, loaded: Loaded) -> list[Problem]:
    """Events rows dated in an earlier month of an ``events`` carry's window (S4: the year's register, which
    R-KF-1 counts instead of the ledger's figure of that month) whose count differs from what the ledger
    holds for that employee and month (a closed month without a row of theirs holds 0): the employee is
    withheld, located at the month's first row, until the month is closed again or the rows agree."""
    period = inputs.period
    if period is None or period.kind != "month" or (not loaded.members and not loaded.rows):
        return []
    ids = {e for e in inputs.employees.frame["id"] if e}
    held = {r[:5]: r for r in loaded.rows}
    out = []
    for c in carries(scheme):
        if c.kind != "events" or c.window == "latest":
            continue
        for _t, emp, _tm, item, month, text, where in _earlier_event_carry(scheme, inputs, c, period, ids):
            count = codec.loads(text)
            row = held.get((c.target, emp, "", item, month))
            if row is not None:
                closed, label = codec.loads(row[5]), row[6].split(" / ")
            elif month in loaded.members and emp in loaded.members[month][1]:
                closed, label = 0, source_label(month, loaded.members[month][0]).split(" / ")
            else:
                continue
            try:
                same = int(closed) == int(count)
            except (TypeError, ValueError):
                same = False
            if same:
                continue
            out.append(problem(
                "ledger_events_differ", where,
                f"员工 {emp} 的 {item}：{month} 已关账为 {codec.shown(closed)} 次（{label[0]}），本工作簿中 {month} 的事件行"
                f"计 {count} 次；“本年第几次”不能确定（R-KF-1），该员工的结果暂不计算。",
                f"{item} of employee {emp}: {month} is closed with {codec.shown(closed)} occurrence(s) ({label[-1]}), "
                f"but this workbook's Events rows of {month} count {count}; the occurrence of the year cannot be told "
                "(R-KF-1), so their result is withheld.",
                f"如果本工作簿正确：用更正后的 {month} 工作簿重新关账（kpixl close {month} 的工作簿 --reason \"...\"）；"
                f"如果账本正确：删除（或改正）本工作簿中该员工 {month} 的多余行。",
                f"If this workbook is right: close {month} again from a corrected workbook (kpixl close <the {month} "
                f"workbook> --reason \"...\"); if the ledger is right: delete (or correct) the extra rows of {month} "
                "for this employee in this workbook.", employee=emp))
    return out


def typed_months(inputs: Inputs) -> set[tuple[str, str]]:
    """(employee, month) of the rows the workbook itself types for a month (History, Metrics with a
    period); not the ledger's own rows."""
    out: set[tuple[str, str]] = set()
    for table in (inputs.history, inputs.metrics):
        f = table.frame if table is not None else None
        if f is not None and not f.empty and "period" in f:
            good = f[~f["xl_bad"] & (f["xl_row"] < FIRST_LEDGER_ROW)]
            out |= set(zip(good["employee"], good["period"].fillna("").astype(str), strict=True))
    return out


def loaded_warnings(loaded: Loaded, inputs: Inputs) -> list[Problem]:
    typed = {m for _emp, m in typed_months(inputs)}
    missing = [m for m in loaded.missing if m not in typed]  # a month typed on History is there
    if not missing:
        return []
    months = ", ".join(missing)
    period = inputs.period
    if period is not None and period.kind == "quarter":
        own = [m.label for m in period.month_periods() if m.label in missing]
        if own:  # the quarter's own months: every employee's result says it is incomplete
            quarter = ", ".join(own)
            return [problem(
                "ledger_month_missing", "账本 / ledger",
                f"账本中没有 {quarter} 的关账记录；员工 {emp} 的 {period.label} 季度结果不含这些月份。",
                f"The ledger has no close of {quarter}; {emp}'s {period.label} result lacks those months.",
                "先关账该月（kpixl close 该月的工作簿），再计算季度。",
                "Close that month first (kpixl close on its workbook), then score the quarter.",
                employee=emp, severity="warning") for emp in inputs.employees.frame["id"] if emp]
    return [problem(
        "ledger_month_missing", "账本 / ledger", f"账本中没有 {months} 的关账记录；需要这些月份数据的规则会报告缺失。",
        f"The ledger has no close of {months}; rules that need those months report them as missing.",
        "关账该月（kpixl close 该月的工作簿），或在历史表填写该月的行。",
        "Close that month (kpixl close on its workbook), or type its rows on the History sheet.", severity="warning")]
