"""Which schemes score a calendar quarter, and what a quarter run must have (R-G-19, R-MK-9, R-BR-11).

A quarter is one period only for a scheme that says so (``"quarter": true``, S2) or has steps that
run in quarters alone (the S3/S5 quarterly award); such a run needs every month's figure that its
``period_values`` read. Both checks withhold everyone (engine.py).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from .errors import Problem, problem
from .periods import Period
from .scheme import Scheme

if TYPE_CHECKING:
    from .context import Context


def spec_text(steps) -> str:
    """The steps' JSON as one text, to search for the names they read."""
    return " ".join(json.dumps(step.spec, ensure_ascii=False) for step in steps)


def quarter_steps(scheme: Scheme) -> list:
    """The steps that run in quarters alone (S3/S5: the quarter's sum, ranking and award)."""
    return [step for step in scheme.steps if tuple(step.periods) == ("quarter",)]


def quarter_only_items(scheme: Scheme) -> set[str]:
    """History items named by quarter-only steps and by no month step (S3/S5 ``COMPOSITE``): a month
    run never reads them, a quarter run reads its three months of them."""
    quarter = quarter_steps(scheme)
    if not quarter:
        return set()
    text = {"quarter": spec_text(quarter), "month": spec_text([s for s in scheme.steps if s.runs_in("month")])}

    def named(item: str, kind: str) -> bool:
        return re.search(rf"(?<![A-Za-z0-9_]){re.escape(item)}(?![A-Za-z0-9_])", text[kind]) is not None

    return {item for item in scheme.history if named(item, "quarter") and not named(item, "month")}


def scores_quarters(scheme: Scheme) -> bool:
    return scheme.document.get("quarter") is True or any("quarter" in step.spec.get("periods", ()) for step in scheme.steps)


_PERIOD_VALUES = re.compile(r"period_values\(\s*['\"]([A-Za-z0-9_.]+)['\"]\s*\)")


def quarter_not_scored(ctx: Context, scheme: Scheme, period: Period) -> list[Problem]:
    """A quarter run of a scheme that does not score quarters (``"quarter": true``, S2 R-MK-9) and none
    of whose steps declares one (``"periods"`` naming it, the S3/S5 quarterly award): its rules are
    monthly (R-G-19), and running them over three months at once would put a quarter's events under
    one month's caps. Nobody is scored."""
    if period.kind != "quarter" or scores_quarters(scheme):
        return []
    param = ctx.inputs.parameters.get("PERIOD")
    stated = str(param.value).strip().upper() if param is not None and param.value is not None else ""
    where = param.where if param is not None and stated == period.label.upper() else "--period"
    months = ", ".join(m.label for m in period.month_periods())
    return [problem(
        "quarter_not_scored", where,
        f"方案 {scheme.id} 按月计算，没有季度结果（只有分部/网络客服的季度奖按季度计算）；{period.label} 不能作为考核期。",
        f"Scheme {scheme.id} is scored by month and has no quarter result (only the S3/S5 quarterly award is); "
        f"{period.label} cannot be its period (R-G-19).",
        f"按月计分：PERIOD 或 --period 写成 {months} 中的一个月。",
        f"Score each month: set PERIOD or --period to one month ({months}).")]


def quarter_months_absent(ctx: Context, scheme: Scheme, period: Period) -> list[Problem]:
    """A quarter run whose steps read each month's figure (``period_values``, S3/S5 R-BR-11) while a
    month of the quarter has that figure for nobody (not closed, not typed): everyone would be left
    unranked and paid nothing, so nobody is scored."""
    if period.kind != "quarter":
        return []
    codes = sorted(set(_PERIOD_VALUES.findall(spec_text([s for s in scheme.steps if s.runs_in("quarter")]))))
    out = []
    for code in codes:
        have = ctx.months_on_record(code)
        lacking = [m.label for m in period.month_periods() if m.label not in have]
        if lacking:
            months = ", ".join(lacking)
            out.append(problem(
                "quarter_month_absent", ctx.inputs.history.label if ctx.inputs.history is not None else "历史 / History",
                f"{period.label} 季度结果需要每个月的 {code}，但 {months} 没有任何员工的 {code}（该月未关账，历史表也没有）；"
                "所有人都会不参加排名、奖励为 0，所以所有结果暂不计算。",
                f"The {period.label} result needs {code} for every month, but nobody has {code} for {months} (the month is "
                "not closed and not typed on History); everyone would be unranked and paid nothing, so no result is given.",
                f"先关账 {months}（kpixl close 该月的工作簿），再计算季度；或在历史表为每位员工填写 {months} 的 {code}。",
                f"Close {months} first (kpixl close on its workbook), then score the quarter; or type every employee's "
                f"{code} of {months} on the History sheet."))
    return out
