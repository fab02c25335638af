"""The state one scoring run shares between steps: inputs, values, ledgers and explanations."""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from .defaults import report_default
from .errors import MissingInput, Problem, problem
from .event_counts import EventCounts
from .frames import frame, object_text
from .inputs import Inputs
from .keyed import stable_order
from .numbers import VALUE_LIMIT, ZERO
from .periods import Period
from .scheme import Scheme

_MISSING = object()
# problems of a number beyond the sane bound: the number is withheld from the steps, so the
# "missing" that follows for the same employee is a cascade, not a second problem
BOUND_CODES = frozenset({"number_too_large"})


def missing_metric(where: str, employee: str, code: str, mdef, period: str | None = None) -> Problem:
    """The located, bilingual problem for a required metric that is not on the Metrics sheet (R-G-9)."""
    zh, en = (mdef.zh, mdef.en) if mdef is not None else (code, code)
    if period is None:
        return problem("missing_metric", where, f"缺少员工 {employee} 的指标 {code}（{zh}）。",
                       f"Metric {code} ({en}) is missing for employee {employee}.",
                       f"在指标表加一行：工号 {employee}，指标代码 {code}，数值。",
                       f"Add a row to the Metrics sheet: employee {employee}, metric {code}, value.", employee=employee)
    return problem("missing_metric", where, f"缺少员工 {employee} 在 {period} 的指标 {code}（{zh}）。",
                   f"Metric {code} ({en}) of {period} is missing for employee {employee}.",
                   f"在指标表加一行：工号 {employee}，指标代码 {code}，数值，所属月份 {period}。",
                   f"Add a Metrics row: employee {employee}, metric {code}, value, period {period}.", employee=employee)

LEDGER_COLUMNS = [
    "employee", "rule", "category", "points_e8", "counted_e8", "where", "row", "date", "qty", "value", "step",
    "text_zh", "text_en",
]
# Ledger text kept in Arrow storage (pandas ``str``): one distinct text per line (the source cell of
# each of 1M event rows), built and reordered in bulk and read per line only for the lines shown.
# The other text columns repeat a few values and are read element by element: object columns.
ARROW_TEXT = frozenset({"where"})
# Ledger columns for the steps only: each line's position in ``ids`` and in the scheme's rules (-1:
# none), so the caps and the final sort index by them instead of hashing 1M texts; not in the result.
POSITIONS = ("emp_pos", "rule_pos")
MONEY_COLUMNS = ["employee", "rule", "amount", "direction", "where", "row", "date", "qty", "value", "text_zh", "text_en"]


def _typed(mdef, value: Any, percent: bool) -> bool:
    """Whether a Metrics value has its metric's type and range (a number within min..max for a
    number metric, yes/no for a yes/no one; typed as a percent only for a percent metric), as
    ``validate.check_value`` requires; an unknown code is reported elsewhere."""
    if mdef is None:
        return True
    if mdef.type in ("number", "integer", "percent", "money"):
        return (isinstance(value, Decimal) and (mdef.type == "percent" or not percent)
                and (mdef.min is None or value >= mdef.min) and (mdef.max is None or value <= mdef.max)
                and (mdef.type != "integer" or value == value.to_integral_value()))
    if mdef.type == "boolean":
        return isinstance(value, bool)
    return True


def _within(value: Any) -> bool:
    """False for a Decimal beyond the sane bound (issue 7); other values are not numbers to bound."""
    return not isinstance(value, Decimal) or (value.is_finite() and abs(value) <= VALUE_LIMIT)


class Context(EventCounts):
    def __init__(self, scheme: Scheme, inputs: Inputs, period: Period, employees: pd.DataFrame):
        self.scheme = scheme
        self.inputs = inputs
        self.period = period
        self.employees = employees  # indexed by id, first occurrence of each id
        self.ids: list[str] = list(employees.index)
        # the same as arrays for the steps that index by position (the ids' own strings)
        self.id_array = np.array(self.ids, dtype=object)
        self.rule_codes = np.array(list(scheme.rules), dtype=object)  # the scheme's rules, in order
        self.values: dict[str, dict[str, Any]] = {i: {} for i in self.ids}
        self.blocked: dict[str, list[Problem]] = defaultdict(list)
        self.problems: list[Problem] = []
        self._problem_keys: set[tuple] = set()
        self._blocked_keys: set[tuple] = set()  # (employee, problem): block() stays O(1) per problem
        self._defaults_noted: set[tuple[str, str]] = set()  # (employee, input) whose default was reported
        self.ledger_parts: list[pd.DataFrame] = []
        self.money_lines: list[dict] = []
        self.flags: list[dict] = []
        self.notes: dict[str, list[tuple]] = defaultdict(list)  # (step, code, value, zh, en, sources) or SharedNote
        self._position: dict[str, int] | None = None
        self._value_dicts: list[dict[str, Any]] | None = None
        # input cells a computed value was made from, so a value read later still names them
        self.sources: dict[tuple[str, str], list[str]] = {}
        self.events = pd.DataFrame()  # valid events of the period, with their rule joined
        # employees with an event row that could not be scored: counts over them are unknown
        self.events_uncertain: set[str] = set()
        self._metrics: dict[tuple[str, str], tuple[Any, str]] = {}
        self._metrics_other: dict[tuple[str, str, str], tuple[Any, str]] = {}
        self._withheld: dict[tuple[str, str], str] = {}  # (who, code) -> the cell of a value validation refused
        self._dated: dict[tuple[str, str], str] = {}  # (who, code) -> the date cell of its first daily/weekly row
        self._history: dict[tuple[str, str, str], tuple[Any, str]] = {}
        self._earlier: dict[tuple[str, str], list] | None = None
        self._counts: dict[tuple, list] = {}  # (patterns, measure) -> [by employee, over ids]
        self._group_counts: dict[tuple, dict[Any, Decimal]] = {}
        self._patterns: dict[tuple[str, ...], frozenset[str]] = {}
        self._groups: dict[str, dict[Any, list[str]]] = {}  # employees by attribute value
        self._columns: dict[str, dict[str, Any]] = {}
        self._count_refs: dict[tuple[str, ...], tuple] = {}
        self._metrics_other_by: dict | None = None
        self._history_by: dict[tuple[str, str], dict[str, tuple[Any, str]]] = defaultdict(dict)
        self.groups: dict[str, dict[str, Any]] = defaultdict(dict)  # team-level values (S14 groups)
        self.extras: dict[str, Any] = {}  # step tables that are not per-employee values (rank tables)
        # rankings not made for an employee (a member of the pool has errors): code -> why (zh, en)
        self.unranked: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)

    def seal(self) -> None:
        """After the result is made, keep only what explanation lines built later read (values,
        metric indexes, the event rows' cells): a 1M-row department's input frames, events and
        ledger parts are freed before the report is written (issue 8: memory)."""
        self.ledger_parts = []
        self.money_lines = []
        if not self.events.empty:
            self.events = self.events[["employee", "rule", "xl_row", "qty_units"]]
        inputs = self.inputs

        def empty(table):
            if table is None:
                return None
            slim = copy.copy(table)  # a table subclass (the ledger's History) keeps its class
            slim.frame = table.frame.iloc[:0]
            return slim
        self.inputs = replace(inputs, events=empty(inputs.events), metrics=empty(inputs.metrics),
                              ratings=empty(inputs.ratings), history=empty(inputs.history))

    # ------------------------------------------------------------------ problems

    def add_problem(self, pr: Problem) -> None:
        key = (pr.code, pr.where, pr.en, pr.severity)
        if key not in self._problem_keys:
            self._problem_keys.add(key)
            self.problems.append(pr)

    def block(self, employee: str, pr: Problem) -> None:
        """Stop ``employee`` from getting a result because of ``pr`` (it is reported once)."""
        self.add_problem(pr)
        key = (employee, pr)
        if key not in self._blocked_keys:
            self._blocked_keys.add(key)
            self.blocked[employee].append(pr)

    def block_missing(self, employee: str, pr: Problem) -> None:
        """Block for a missing input, unless it is only a value an earlier error left uncomputed."""
        if pr.code == "unknown_name" and self.is_blocked(employee):
            return  # a cascade of a problem already reported for this employee
        if any(p.code in BOUND_CODES for p in self.blocked.get(employee, ())[:50]):
            return  # the input was withheld because it is beyond the bound (reported at its cell)
        self.block(employee, pr)

    def is_blocked(self, employee: str) -> bool:
        return bool(self.blocked.get(employee))

    def block_group(self, members: list[str], reason_zh: str, reason_en: str) -> bool:
        """If any member is blocked, block every member (a shared result cannot be known)."""
        bad = [m for m in members if self.is_blocked(m)]
        if not bad:
            return False
        first = self.blocked[bad[0]][0]
        for m in members:
            if not self.is_blocked(m):
                self.block(m, problem(
                    "blocked_by_group", first.where,
                    f"{reason_zh}：同组员工 {bad[0]} 的输入有错误，共享结果无法计算。",
                    f"{reason_en}: {bad[0]} in the same group has input errors, so the shared result cannot be computed.",
                    "先修正该员工的错误。", "Fix that employee's problems first.", employee=m))
        return True

    # ------------------------------------------------------------------ inputs

    def index_metrics(self) -> None:
        """Index the period's metric rows (no date, no week, no other period), other months' rows and history."""
        frame = self.inputs.metrics.frame
        if not frame.empty:
            self._withhold_bad_rows(frame[frame["xl_bad"]])
            frame = frame[~frame["xl_bad"]]
            team = frame["team"] if "team" in frame else frame["employee"]
            who = frame["employee"].where(frame["employee"] != "", team)
            plain_rows = frame["date"].isna() & frame["week_start"].isna()
            current = plain_rows & ((frame["period"] == "") | (frame["period"] == self.period.label))
            metrics = self.scheme.metrics
            percent_rows = self.inputs.metrics.percent_rows
            for w, code, value, row, per, cur, pl in zip(who, frame["metric"], frame["value"], frame["xl_row"],
                                                          frame["period"], current, plain_rows, strict=True):
                where = self.inputs.metrics.ref("value", int(row))
                if not (_within(value) and _typed(metrics.get(code), value, int(row) in percent_rows)):
                    if cur:  # beyond the bound or not of the metric's type: reported by validation,
                        self._withheld[(w, code)] = where  # withheld from the steps (never a default)
                    continue
                if cur:
                    self._metrics[(w, code)] = (value, where)
                elif pl:
                    self._metrics_other[(w, code, per)] = (value, where)
                else:
                    self._dated.setdefault((w, code), self.inputs.metrics.ref("date", int(row)))
        hist = self.inputs.history
        if hist is not None and not hist.frame.empty:
            h = hist.frame[~hist.frame["xl_bad"]]
            who = h["employee"].where(h["employee"] != "", h["team"])
            for w, item, per, value, row in zip(who, h["item"], h["period"], h["value"], h["xl_row"], strict=True):
                if not _within(value):
                    continue
                self._history[(w, item, str(per))] = (value, hist.ref("value", int(row)))
                self._history_by[(w, item)][str(per)] = self._history[(w, item, str(per))]

    def _withhold_bad_rows(self, bad: pd.DataFrame) -> None:
        """This period's Metrics rows validation could not read (an empty value, ``#N/A``): the figure
        is there but unknown, so it is withheld (its cell's problem), never missing (a default, or an
        earlier month's figure, would stand in for it)."""
        if bad.empty:
            return
        team = bad["team"] if "team" in bad else bad["employee"]
        who = bad["employee"].where(bad["employee"] != "", team)
        plain = bad["date"].isna() & bad["week_start"].isna() & ((bad["period"] == "") | (bad["period"] == self.period.label))
        for w, code, row, cur in zip(who, bad["metric"], bad["xl_row"], plain, strict=True):
            if cur and w and code in self.scheme.metrics:
                self._withheld.setdefault((w, code), self.inputs.metrics.ref("value", int(row)))

    def metrics_other_of(self, who: str, code: str) -> dict[tuple[str, str, str], tuple[Any, str]]:
        """Metrics rows of other months (``period`` set) of one employee or team and code."""
        if self._metrics_other_by is None:
            self._metrics_other_by = defaultdict(dict)
            for key, hit in self._metrics_other.items():
                self._metrics_other_by[(key[0], key[1])][key] = hit
        return self._metrics_other_by.get((who, code), {})

    def metric_of_period(self, who: str, code: str, period_label: str) -> tuple[Any, str] | None:
        """(value, where) of a metric for another month (a Metrics row with that period), or None."""
        if period_label == self.period.label:
            return self._metrics.get((who, code))
        return self._metrics_other.get((who, code, period_label))

    def history(self, who: str, item: str, period_label: str) -> tuple[Any, str] | None:
        """(value, where) of a History row (employee or team, item, period), or None."""
        return self._history.get((who, item, period_label))

    def months_on_record(self, code: str) -> set[str]:
        """Labels of the months for which anyone has ``code`` on record (a Metrics row with that period
        or a History row, typed or from the ledger)."""
        return ({per for (_w, c, per) in self._metrics_other if c == code}
                | {per for (_w, c, per) in self._history if c == code})

    def history_items(self, who: str, item: str) -> dict[str, tuple[Any, str]]:
        """Every period's (value, where) of one history item for one employee or team."""
        return dict(self._history_by.get((who, item), {}))

    def latest_metric(self, who: str, code: str) -> tuple[Any, str, str] | None:
        """(value, where, period label) of a metric this period, else of the latest earlier month.

        Earlier months come from Metrics rows with a period and from History rows of the same
        code (R-OL-3, R-KR-5); a Metrics row wins over a History row of the same month.
        """
        hit = self._metrics.get((who, code))
        if hit is not None:
            return hit[0], hit[1], self.period.label
        from .periods import parse_period

        if self._earlier is None:  # indexed once: (who, code) -> [(period, (value, where))], History first
            self._earlier = defaultdict(list)
            for source in (self._history, self._metrics_other):
                for (w, c, per), v in source.items():
                    self._earlier[(w, c)].append((per, v))
        best: tuple[Any, str, str] | None = None
        best_start = None
        for per, (value, where) in self._earlier.get((who, code), ()):
            try:
                p = parse_period(per)
            except ValueError:
                continue
            if p.end >= self.period.start:
                continue
            if best_start is None or p.start >= best_start:
                best, best_start = (value, where, p.label), p.start
        return best

    def metric_rows(self, code: str) -> pd.DataFrame:
        """All valid Metrics rows of one code (daily, weekly, other months included)."""
        frame = self.inputs.metrics.frame
        if frame.empty:
            return frame
        return frame[(frame["metric"] == code) & ~frame["xl_bad"]]

    def group_keys(self, employee: str, code: str) -> list[str]:
        """Where a metric of ``employee`` is looked up: the employee, or for a team/department metric
        (``"scope": "team"``) the employee's team, then department, then a row naming no team."""
        mdef = self.scheme.metrics.get(code)
        if mdef is None or mdef.scope == "employee":
            return [employee]
        cache = self.__dict__.get("_group_attrs")
        if cache is None:
            cols = [a for a in ("team", "department") if a in self.employees.columns]
            values = {a: self.employees[a].reindex(self.ids).tolist() for a in cols}
            cache = self._group_attrs = {e: {a: str(values[a][i] or "") for a in cols} for i, e in enumerate(self.ids)}
        attrs = cache.get(employee)
        if attrs is None:
            return [employee]
        order = ("team", "department") if mdef.scope == "team" else ("department", "team")
        return [attrs[a] for a in order if attrs.get(a)] + [""]

    def _metric_hit(self, employee: str, code: str) -> tuple[Any, str] | None:
        for key in self.group_keys(employee, code):
            hit = self._metrics.get((key, code))
            if hit is not None:
                return hit
        return None

    def prior_value(self, employee: str, code: str, months_back: int) -> tuple[Any, str] | None:
        """(value, where) of a metric or history item ``months_back`` months before the period:
        a Metrics row with that ``period`` first, else a History row (item = the code)."""
        from .periods import add_months

        label = add_months(type(self.period)(self.period.year, self.period.month), -months_back).label
        for key in self.group_keys(employee, code):
            hit = self._metrics_other.get((key, code, label)) or self._history.get((key, code, label))
            if hit is not None:
                return hit
        return None

    def metric(self, employee: str, code: str) -> Any:
        hit = self._metric_hit(employee, code)
        if hit is not None:
            return hit[0]
        withheld = next((w for key in self.group_keys(employee, code) if (w := self._withheld.get((key, code)))), None)
        if withheld is not None:
            raise MissingInput(self._refused(employee, withheld))
        mdef = self.scheme.metrics.get(code)
        if mdef is not None and mdef.default is not None:
            report_default(self, employee, mdef, self.inputs.metrics.label)
            return mdef.default
        zh = mdef.zh if mdef else code
        if mdef is not None and mdef.scope != "employee":
            group = self.group_keys(employee, code)[0] or "（空 / blank）"
            raise MissingInput(problem(
                "missing_metric", self.inputs.metrics.label,
                f"缺少员工 {employee} 所在小组/部门 {group} 的指标 {code}（{zh}）。",
                f"Metric {code} ({mdef.en}) is missing for {group}, the team/department of employee {employee}.",
                f"在指标表加一行：小组/部门 {group}，指标代码 {code}，数值。",
                f"Add a row to the Metrics sheet: team {group}, metric {code}, value.", employee=employee))
        dated = next((d for key in self.group_keys(employee, code) if (d := self._dated.get((key, code)))), None)
        if dated is not None:  # only daily or weekly rows: a month's figure typed with a date is no month's figure
            pr = missing_metric(dated, employee, code, mdef)
            raise MissingInput(replace(
                pr, zh=pr.zh + f"指标表中 {code} 只有带日期的行（如 {dated}），那是每日/每周的数据，不是本月的数值。",
                en=pr.en + f" The Metrics sheet has only dated rows of {code} (e.g. {dated}): daily or weekly figures, "
                           "not the month's.",
                fix_zh=f"如果这一行就是本月的数值，清空它的日期；否则加一行不带日期的本月 {code}。",
                fix_en=f"If that row is the month's figure, clear its date; otherwise add an undated row of {code} for the month."))
        raise MissingInput(missing_metric(self.inputs.metrics.label, employee, code, mdef))

    def refused_cell(self, employee: str, code: str) -> str | None:
        """The cell of ``employee``'s value of ``code`` this period that validation refused, or None."""
        if code not in self.scheme.metrics:
            return None
        return next((w for key in self.group_keys(employee, code) if (w := self._withheld.get((key, code)))), None)

    def _refused(self, employee: str, where: str) -> Problem:
        """The problem validation reported at the refused cell (blocking with it again adds nothing),
        else one that names the cell."""
        mine = self.blocked.get(employee, ())
        for pr in mine:
            if pr.where == where:
                return pr
        row = _sheet_row(where)
        for pr in mine:  # a bad row's other cell (its date, its team): that cell's problem
            if row is not None and _sheet_row(pr.where) == row:
                return pr
        return problem("refused_value", where, f"员工 {employee} 需要的这个单元格的值有错误（见该单元格的问题），无法使用。",
                       f"Employee {employee} needs this cell, whose value has an error (see the cell's problem).",
                       "修正该单元格。", "Fix the cell.", employee=employee)

    def metric_where(self, employee: str, code: str) -> str:
        hit = self._metric_hit(employee, code)
        return hit[1] if hit else ""

    def param(self, code: str, employee: str | None = None) -> Any:
        """A parameter's value; its default (reported, with a note for ``employee``) when absent."""
        p = self.inputs.parameters.get(code)
        if p is not None and p.value is not None:
            return p.value
        pdef = self.scheme.parameters.get(code)
        if pdef is not None and pdef.default is not None:
            report_default(self, None, pdef, self.inputs.parameters_label)
            if employee is not None:  # the department-wide warning above; an explanation line here
                report_default(self, employee, pdef, self.inputs.parameters_label, warn=False)
            return pdef.default
        zh = pdef.zh if pdef else code
        raise MissingInput(problem(
            "missing_parameter", self.inputs.parameters_label,
            f"缺少参数 {code}（{zh}）。", f"Parameter {code} ({pdef.en if pdef else code}) is missing.",
            f"在参数表加一行：参数代码 {code}，数值。", f"Add a row to the Parameters sheet: {code} and its value."))

    def attribute(self, employee: str, name: str) -> Any:
        value = self.employees.at[employee, name]
        if value is None or (isinstance(value, float) and value != value) or value == "" or value is pd.NaT:
            where = self.inputs.employees.ref(name, int(self.employees.at[employee, "xl_row"]))
            for pr in self.blocked.get(employee, ()):
                if pr.where == where:  # an unreadable cell, not an empty one: its own problem again
                    raise MissingInput(pr)
            raise MissingInput(problem(
                "missing_attribute", where,
                f"员工 {employee} 的 “{name}” 为空。", f"Employee {employee} has no {name}.",
                "在员工表填写。", "Fill it in on the Employees sheet.", employee=employee))
        return value

    def groups_by(self, attribute: str) -> dict[Any, list[str]]:
        """Employees grouped by an attribute (department, team, ...), computed once per run."""
        cached = self._groups.get(attribute)
        if cached is None:
            col = self.employees[attribute] if attribute in self.employees else pd.Series("", index=self.employees.index)
            cached = {k: list(v) for k, v in col.groupby(col, sort=False).groups.items()}
            self._groups[attribute] = cached
        return cached

    def group_of(self, attribute: str, employee: str) -> Any:
        col = self._columns.get(attribute)
        if col is None:
            col = self.employees[attribute].to_dict() if attribute in self.employees else {}
            self._columns[attribute] = col
        return col.get(employee, "")

    def members(self, attribute: str, employee: str) -> list[str]:
        return self.groups_by(attribute).get(self.group_of(attribute, employee), [employee])

    # ------------------------------------------------------------------ ledgers

    def add_ledger(self, frame: pd.DataFrame) -> None:
        """Add the ledger lines of a step; a part without POSITIONS gets them (one look-up per line)."""
        if frame.empty:
            return
        if "emp_pos" not in frame:
            at = self.position
            frame["emp_pos"] = np.array([at.get(e, -1) for e in frame["employee"].tolist()], dtype="int64")
        if "rule_pos" not in frame:
            at = self._rule_position()
            frame["rule_pos"] = np.array([at.get(r, -1) for r in frame["rule"].tolist()], dtype="int64")
        self.ledger_parts.append(object_text(frame, keep=ARROW_TEXT))

    def _rule_position(self) -> dict[str, int]:
        made = self.__dict__.get("_rule_at")
        if made is None:
            made = self._rule_at = {code: i for i, code in enumerate(self.rule_codes.tolist())}
        return made

    def ledger(self) -> pd.DataFrame:
        if not self.ledger_parts:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in LEDGER_COLUMNS}).astype(
                {"points_e8": "int64", "counted_e8": "int64", "where": "str"})
        return pd.concat(self.ledger_parts, ignore_index=True).drop(columns=list(POSITIONS))

    def ledger_column(self, name: str) -> np.ndarray:
        """One column over every ledger part, without copying the others."""
        parts = self.ledger_parts
        if len(parts) == 1:
            return parts[0][name].to_numpy()
        return np.concatenate([p[name].to_numpy() for p in parts])

    def set_ledger_column(self, name: str, values: np.ndarray) -> None:
        """Replace one column over every part (``values`` in part order)."""
        at = 0
        for p in self.ledger_parts:  # the parts are the context's own: replaced in place, no copy
            p[name] = values[at:at + len(p)]
            at += len(p)

    def ledger_dates(self) -> np.ndarray:
        """Each ledger line's date for ordering; an undated line (a condition's award) sorts last."""
        dates = self.ledger_column("date").astype("datetime64[ns]")
        return np.where(np.isnat(dates), np.datetime64("2100-01-01", "ns"), dates)

    def take_ledger(self) -> pd.DataFrame:
        """The whole ledger in date, then row order (undated lines last), built column by column while
        the parts give their columns up: at 1M lines one copy exists at a time, not two."""
        if not self.ledger_parts:
            return self.ledger()
        dates = self.ledger_dates()
        order = stable_order(dates, self.ledger_column("row"))
        del dates
        # texts gathered through integer codes where they are known: an object array gathered in
        # random order costs 3-4x the integer gather plus a take from the few distinct texts
        by_code = self._ledger_codes()
        out = {}
        for name in self.ledger_parts[0].columns:
            if name in POSITIONS:
                pass
            elif name in by_code:
                codes, texts = by_code[name]
                out[name] = texts[codes[order]]
            elif name in ARROW_TEXT:
                out[name] = pd.concat([p[name] for p in self.ledger_parts], ignore_index=True).take(order)
            else:
                out[name] = self.ledger_column(name)[order]
            for p in self.ledger_parts:  # one block per column (frames.frame): this frees it
                del p[name]
        self.ledger_parts = []
        return frame(out, len(order))

    def detach_ledger(self) -> Callable[[], pd.DataFrame]:
        """A function that builds the ledger (``take_ledger``) later, holding the ledger's parts and
        names only, not the rest of the context (its events, values): a result's ledger is built
        when something reads it (a report, an explanation), never for a run that shows scores."""
        lines = _LedgerLines(self.scheme, self.rule_codes, self.id_array, self.ledger_parts)
        self.ledger_parts = []
        return lines.take_ledger

    def _ledger_codes(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """(codes, texts) per ledger text column whose lines can be named by an integer: employee and
        rule by their positions (where every line has one); the category by the rule's, where every
        line's is its rule's; a column with one text per part (the step; the notes of event lines)
        by the part. Checked on the lines, never assumed."""
        parts = self.ledger_parts
        out = {}
        categories = np.array([self.scheme.rules[c].category or "" for c in self.rule_codes.tolist()], dtype=object)
        for name, pos, texts in (("employee", "emp_pos", self.id_array), ("rule", "rule_pos", self.rule_codes),
                                 ("category", "rule_pos", categories)):
            at = self.ledger_column(pos)
            if len(at) and at.min() >= 0:
                if name != "category" or (texts[at] == self.ledger_column(name)).all():
                    out[name] = (at, texts)
        part = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        for name in parts[0].columns:
            if name in out or name in POSITIONS or name in ARROW_TEXT:
                continue
            firsts = []
            for p in parts:
                col = p[name].to_numpy()
                first = col[0] if col.dtype == object else None
                # (a str equals nothing but an equal str, so every line is that text)
                if type(first) is not str or not (col[:64] == first).all() or not (col == first).all():
                    break
                firsts.append(first)
            else:
                out[name] = (part, np.array(firsts, dtype=object))
        return out

    def add_money(self, **line) -> None:
        self.money_lines.append(line)

    def add_flag(self, employee: str, code: str, label_zh: str, label_en: str, sources: list[str],
                 params: dict | None = None) -> None:
        self.flags.append({"employee": employee, "code": code, "label_zh": label_zh, "label_en": label_en,
                           "params": params or {}, "sources": list(dict.fromkeys(sources))})  # each cell once

    def note(self, employee: str, step: str, code: str, value: Any, text_zh, text_en,
             sources: list[str] | None = None) -> None:
        """An explanation line for a computed value. The texts and the sources may be zero-argument
        callables (built only when an explanation is read, which keeps scoring thousands of people fast)."""
        self.notes[employee].append((step, code, value, text_zh, text_en, sources or ()))

    def note_each(self, employees, shared: SharedNote) -> None:
        """One explanation line of the same form for each of ``employees``: the one ``shared`` object
        goes into each list and builds that employee's line when it is read (no tuple, texts or
        builders per employee: 50,000 people x a few steps)."""
        notes = self.notes
        for emp in employees:
            notes[emp].append(shared)

    @property
    def value_dicts(self) -> list[dict[str, Any]]:
        """Each employee's values dict, in the order of ``ids`` (the dicts themselves: columns of
        names are read from them with one ``dict.get`` each)."""
        if self._value_dicts is None:
            self._value_dicts = [self.values[e] for e in self.ids]
        return self._value_dicts

    @property
    def position(self) -> dict[str, int]:
        """Each employee's position in ``ids`` (the order of the steps' per-employee columns)."""
        if self._position is None:
            self._position = {emp: i for i, emp in enumerate(self.ids)}
        return self._position

    def set(self, employee: str, name: str, value: Any, sources: list[str] | None = None) -> None:
        """Publish a computed value and the input cells it was computed from."""
        self.values[employee][name] = value
        if sources:
            self.sources[(employee, name)] = list(dict.fromkeys(sources))

    def env(self, employee: str) -> EmployeeEnv:
        return EmployeeEnv(self, employee)


_CELL = re.compile(r"^([^!]*)![A-Z]+(\d+)\b")


def _sheet_row(where: str) -> tuple[str, str] | None:
    """(sheet, row) of a located problem's first cell (``指标!C68 / Metrics!C68`` -> ("指标", "68"))."""
    m = _CELL.match(where)
    return (m.group(1), m.group(2)) if m else None


PERIOD_NAMES = ("PERIOD_START", "PERIOD_END", "PERIOD_KIND", "PERIOD_WEEKS")


class SharedNote:
    """An explanation line many employees have in the same form (a condition not met, a total's
    formula); ``line(emp)`` is that employee's ``(step, code, value, zh, en, sources)``."""

    __slots__ = ()

    def line(self, employee: str) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError


def period_value(period: Period, name: str) -> Any:
    """Reserved expression names about the period being scored (docs/expressions.md)."""
    if name == "PERIOD_START":
        return period.start
    if name == "PERIOD_END":
        return period.end
    if name == "PERIOD_KIND":
        return period.kind
    from .periods import weeks_credited

    return Decimal(sum(len(weeks_credited(m)) for m in period.month_periods()))


class NameEnv:
    """Base of the expression environments: ``has(name)`` is "``get(name)`` finds a value";
    ``read`` names the cells read so far, each once, in the order first read (a name read twice,
    or two names from one cell, is one cell)."""

    _seen: dict[str, None]

    @property
    def read(self) -> list[str]:
        return list(self._seen)

    def saw(self, *where: str) -> None:
        for w in where:
            self._seen[w] = None

    def get(self, name: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def has(self, name: str) -> bool:
        try:
            self.get(name)
            return True
        except MissingInput:
            return False


class EmployeeEnv(NameEnv):
    """Name resolution for expressions: computed values, metrics, attributes, parameters."""

    def __init__(self, ctx: Context, employee: str):
        self.ctx = ctx
        self.employee = employee
        self._seen = {}

    def get(self, name: str) -> Any:
        ctx = self.ctx
        value = ctx.values[self.employee].get(name, _MISSING)
        if value is not _MISSING:
            self.saw(*ctx.sources.get((self.employee, name), ()))
            return value
        if name in ctx.scheme.metrics:
            value = ctx.metric(self.employee, name)
            where = ctx.metric_where(self.employee, name)
            if where:
                self.saw(where)
            return value
        if name in ctx.employees.columns and not name.startswith("xl_"):
            value = ctx.attribute(self.employee, name)
            if "xl_row" in ctx.employees:
                self.saw(ctx.inputs.employees.ref(name, int(ctx.employees.at[self.employee, "xl_row"])))
            return value.date() if isinstance(value, pd.Timestamp) else value
        if name in ctx.scheme.parameters or name in ctx.inputs.parameters:
            value = ctx.param(name, self.employee)
            p = ctx.inputs.parameters.get(name)
            if p is not None and p.value is not None:  # (an empty cell gave the default: nothing read there)
                self.saw(p.where)
            return value
        if name in PERIOD_NAMES:
            return period_value(ctx.period, name)
        raise MissingInput(problem(
            "unknown_name", ctx.scheme.path, f"名称 {name} 未定义。", f"Name {name} is not defined.",
            "在方案中定义该指标或参数。", "Define it as a metric or parameter in the scheme.", employee=self.employee))

    def has(self, name: str) -> bool:
        """Whether ``name`` has a value; a value validation refused at its cell (2.5 opinions for a
        count) is neither there nor absent, so it raises that cell's problem: a condition on it is not
        decided, and no second, misleading problem ("neither ... nor ...") follows the first."""
        try:
            self.get(name)
            return True
        except MissingInput as exc:
            if exc.problem.where and self.ctx.refused_cell(self.employee, name) == exc.problem.where:
                raise
            if name in self.ctx.employees.columns and exc.problem.code != "missing_attribute":
                raise  # an unreadable Employees cell (a hire date 2026-13-01): not an empty one
            return False

    def latest(self, name: str) -> Any:
        """The metric of this period, else the latest earlier month's (R-OL-3, R-KR-5); never 0."""
        ctx = self.ctx
        refused = ctx.refused_cell(self.employee, name)
        if refused and ctx.metric_where(self.employee, name) == "":  # this period's cell is unreadable: not
            raise MissingInput(ctx._refused(self.employee, refused))  # absent, so no earlier month stands in
        hit = ctx.latest_metric(self.employee, name)
        if hit is None:
            mdef = ctx.scheme.metrics.get(name)
            zh, en = (mdef.zh, mdef.en) if mdef else (name, name)
            raise MissingInput(problem(
                "missing_metric", ctx.inputs.metrics.label,
                f"员工 {self.employee} 本月和以前月份都没有 {name}（{zh}）。",
                f"Employee {self.employee} has no {name} ({en}) this month or in any earlier month.",
                f"在指标表填写本月的 {name}，或填写以前月份的成绩（所属月份列，或历史表）。",
                f"Enter this month's {name} on the Metrics sheet, or an earlier month's (Period column, or the History sheet).",
                employee=self.employee))
        value, where, _ = hit
        self.saw(where)
        return value
    def prior(self, code: str, months: Any, default: Any = _MISSING) -> Any:
        """The value of ``code`` ``months`` months before the period (Metrics ``period`` row or History)."""
        k = int(months)
        hit = self.ctx.prior_value(self.employee, code, k)
        if hit is not None:
            self.saw(hit[1])
            return hit[0]
        if default is not _MISSING:
            return default
        from .periods import add_months

        label = add_months(type(self.ctx.period)(self.ctx.period.year, self.ctx.period.month), -k).label
        raise MissingInput(problem(
            "missing_prior", self.ctx.inputs.metrics.label,
            f"缺少 {label} 的 {code}（员工 {self.employee}）。", f"{code} of {label} is missing (employee {self.employee}).",
            f"在指标表加一行（所属月份 {label}），或在历史表加一行（月份 {label}，项目 {code}）。",
            f"Add a Metrics row with period {label}, or a History row (period {label}, item {code}).",
            employee=self.employee))

    def quarter_prior(self, code: str) -> tuple:
        """Values of ``code`` in the earlier months of the period's calendar quarter (None if absent)."""
        before = (self.ctx.period.month - 1) % 3
        return tuple(self.prior(code, k, None) for k in range(before, 0, -1))

    def period_values(self, code: str) -> tuple:
        """Values of ``code`` in each month of the period being scored (one for a month, three for a
        quarter; None where absent): the month's own Metrics row, a Metrics row with that month in
        its Period column, else a History row (S3/S5 quarterly award: History ``COMPOSITE``, R-BR-11)."""
        ctx = self.ctx
        out = []
        for month in ctx.period.month_periods():
            hit = None
            for key in ctx.group_keys(self.employee, code):
                hit = ctx.metric_of_period(key, code, month.label) or ctx.history(key, code, month.label)
                if hit is not None:
                    break
            if hit is not None:
                self.saw(hit[1])
            out.append(None if hit is None else hit[0])
        return tuple(out)

    def prior_sum(self, code: str) -> Decimal:
        """Sum of ``code`` over every earlier month on record (Metrics ``period`` rows and History rows;
        a month on both counts once, from the Metrics row)."""
        ctx = self.ctx
        label = ctx.period.label
        months: dict[str, tuple[Any, str]] = {}
        for key in ctx.group_keys(self.employee, code):
            for per, hit in ctx.history_items(key, code).items():
                if per < label:
                    months.setdefault(per, hit)
            for (_w, _c, per), hit in ctx.metrics_other_of(key, code).items():
                if per < label:
                    months[per] = hit
            if months:
                break
        total = ZERO
        for _per, (value, where) in sorted(months.items()):
            total += Decimal(value) if not isinstance(value, Decimal) else value
            self.saw(where)
        return total

    def count(self, patterns: tuple[str, ...], scope: str, measure: str) -> Decimal:
        ctx = self.ctx
        if scope == "employee":
            n = ctx.count(self.employee, patterns, measure)
            if n:
                self.saw(*ctx.count_sources(self.employee, patterns))
            return n
        bad = []
        if ctx.events_uncertain:
            bad = [m for m in ctx.members(scope, self.employee) if m != self.employee and m in ctx.events_uncertain]
        if bad:
            first = ctx.blocked[bad[0]][0]
            raise MissingInput(problem(
                "blocked_by_group", first.where,
                f"同{'部门' if scope == 'department' else '小组'}员工 {bad[0]} 的输入有错误，无法判断整组条件。",
                f"{bad[0]} in the same {scope} has input errors, so the {scope}-wide condition cannot be decided.",
                "先修正该员工的错误。", "Fix that employee's problems first.", employee=self.employee))
        return ctx.group_count(scope, self.employee, patterns, measure)


class _LedgerLines:
    """The ledger's parts detached from their context, with the context's own ledger methods."""

    def __init__(self, scheme, rule_codes: np.ndarray, id_array: np.ndarray, parts: list[pd.DataFrame]):
        self.scheme, self.rule_codes, self.id_array, self.ledger_parts = scheme, rule_codes, id_array, parts

    ledger = Context.ledger
    ledger_column = Context.ledger_column
    ledger_dates = Context.ledger_dates
    take_ledger = Context.take_ledger
    _ledger_codes = Context._ledger_codes
