"""Optional columns the month's rows need: a missing 数量 / 取值 column is an error, not qty 1.

The Events sheet's ``qty`` column may be left out when every row counts one occurrence (R-G-16:
qty defaults to 1), and ``value`` when no rule takes an evaluator-chosen amount. When a row's
rule counts something else per unit (hours, person-times, customers; ``qty`` other than
``count``), or is a range rule whose amount the row chooses, the column must be there: without it every such row would
silently count 1 (or be refused one by one).
"""

from __future__ import annotations

from kpixl.core.errors import Problem, problem
from kpixl.core.inputs import Table
from kpixl.core.scheme import Rule, Scheme

from .contract import SheetSpec

# units that name what the points or money are, not what qty counts
_NOT_A_QTY_UNIT = {"", "次", "元", "分", "元/月", "月", "employee", "team"}


def per_unit(rule: Rule) -> bool:
    """True when a row's qty counts units other than one occurrence (hours, person-times ...)."""
    return rule.qty != "count" or not (rule.unit in _NOT_A_QTY_UNIT or rule.unit.startswith("%"))


def needs_value(rule: Rule) -> bool:
    """A range rule takes the evaluator-chosen amount from the row (an ``entered`` amount is optional)."""
    return rule.is_range


def missing_needed_columns(scheme: Scheme, events: Table, spec: SheetSpec) -> list[Problem]:
    """A located error for each optional Events column that some of the month's rows need."""
    out: list[Problem] = []
    frame = events.frame
    if frame.empty:
        return out
    codes = set(frame["rule"].tolist())
    for key, need in (("qty", per_unit), ("value", needs_value)):
        if key in events.letters or key not in {c.key for c in spec.columns}:
            continue
        using = sorted(c for c in codes if c in scheme.rules and need(scheme.rules[c]))
        if not using:
            continue
        col = spec.column(key)
        rows = frame.loc[frame["rule"].isin(using), "xl_row"].tolist()
        listed = ", ".join(using[:5]) + (" …" if len(using) > 5 else "")
        where = f"{events.label} 第{rows[0]}行 / row {rows[0]}"
        out.append(problem(
            "needed_column_missing", where,
            f"缺少列 “{col.header}”，但有 {len(rows)} 行的规则（{listed}）需要它；没有这一列，每行都会按 1 计。",
            f"Column '{col.header}' is missing, but {len(rows)} rows use rules that need it ({listed}); "
            "without it every row would count as 1.",
            f"在表头行添加一列 “{col.header}” 并填写每行的{col.zh}。",
            f"Add a header cell '{col.header}' and fill in each row's {col.en}."))
    return out
