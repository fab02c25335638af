"""Run a scheme over one workbook's inputs: validate, run the steps, collect the result."""

from __future__ import annotations

from decimal import Decimal

from .bounds import check_attributes
from .context import Context
from .defaults import require_metrics
from .errors import InputError, Problem, more_problems, problem
from .gcpause import paused_gc
from .hire_checks import before_hire
from .inputs import Inputs
from .later_rows import later_metric_rows
from .periods import Period
from .quarters import quarter_months_absent, quarter_not_scored
from .result import Result
from .rulesheet import apply_rules_sheet
from .scheme import Scheme
from .validate import (
    check_history,
    check_metrics,
    check_parameters,
    check_ratings,
    employees_frame,
    prepare_events,
)

CENT_ZERO = Decimal("0.00")


def effective_scheme(scheme: Scheme, inputs: Inputs) -> tuple[Scheme, list[Problem]]:
    """The scheme with the workbook's edited rule table applied (if the workbook has one)."""
    if inputs.rules is None:
        return scheme, []
    return apply_rules_sheet(scheme, inputs.rules, inputs.problems)


def score(scheme: Scheme, inputs: Inputs, period: Period | None = None) -> Result:
    """Score every employee (garbage collection paused: gcpause.py); see :func:`_score`."""
    with paused_gc():
        return _score(scheme, inputs, period)


PERIOD_CODES = frozenset({"bad_period", "period_is_number"})


def _score(scheme: Scheme, inputs: Inputs, period: Period | None = None) -> Result:
    """Score every employee. Problems never raise: they block the employees they concern.

    An employee with any error gets status "error" and no values; others are scored, unless
    a problem concerns everyone (an unknown employee id, a missing parameter, an invalid
    rule-table edit), in which case nobody is.
    """
    period = period or inputs.period
    if period is None:  # the PERIOD cell's own problem where it has one (a number, a bad text), else none given
        raise InputError([p for p in inputs.problems if p.code in PERIOD_CODES] or [problem(
            "no_period", inputs.parameters_label, "没有指定考核期。", "No period is given.",
            "在参数表的 PERIOD 行填写考核月份（如 2026-10），或使用 --period。",
            "Fill in PERIOD on the Parameters sheet (e.g. 2026-10) or pass --period.")])
    scheme, problems = effective_scheme(scheme, inputs)
    problems = list(inputs.problems) + problems
    employees, more = employees_frame(inputs, scheme)
    problems += more
    problems += check_attributes(scheme, inputs, employees)
    events, event_problems = prepare_events(scheme, inputs, period, employees)
    problems += event_problems
    problems += check_metrics(scheme, inputs, employees)
    problems += later_metric_rows(inputs, period, employees.index)
    problems += check_parameters(scheme, inputs)
    if not inputs.ratings.frame.empty:
        problems += check_ratings(inputs, employees)
    problems += check_history(scheme, inputs, period)
    hire_problems, inputs = before_hire(scheme, inputs, employees)
    problems += hire_problems

    ctx = Context(scheme, inputs, period, employees)
    everyone: list[Problem] = []
    for pr in problems:
        if pr.scope == "row" or not pr.is_error:
            ctx.add_problem(pr)
        elif pr.employee is not None and pr.employee in employees.index:
            ctx.block(pr.employee, pr)
        else:
            everyone.append(pr)
            ctx.add_problem(pr)
    if everyone:
        _block_everyone(ctx, everyone)
        return Result.from_context(ctx)
    ctx.events = events
    ctx.events_uncertain = {p.employee for p in event_problems if p.is_error and p.employee}
    ctx.index_metrics()
    require_metrics(ctx)
    absent = quarter_not_scored(ctx, scheme, period) or quarter_months_absent(ctx, scheme, period)
    if absent:
        _block_everyone(ctx, absent)
        return Result.from_context(ctx)
    categories, booked = None, 0
    for step in scheme.steps:
        if step.runs_in(period.kind):
            _run_step(ctx, step)
            if step.kind == "categories":
                categories, booked = step, len(ctx.ledger_parts)
        else:
            _not_this_period(ctx, step)
    if categories is not None and _booked_in_categories(ctx, booked):
        categories.run(ctx, notes=False)  # the category sums include the lines booked after them
    _money_totals(ctx)
    result = Result.from_context(ctx)
    ctx.seal()
    return result


def _booked_in_categories(ctx: Context, first: int) -> bool:
    """Whether the ledger parts from ``first`` on hold a line of a category (a rank step after the
    categories step books its places there, S8 DAY/WEEK/MONTH/TOP)."""
    codes = list(ctx.scheme.categories)
    return bool(codes) and any(bool(part["category"].isin(codes).any()) for part in ctx.ledger_parts[first:]
                               if "category" in part and len(part))


EVERYONE_PER_EMPLOYEE = 50


def _block_everyone(ctx: Context, everyone: list[Problem]) -> None:
    """Block every employee by the problems no single employee owns. Each employee lists the first
    EVERYONE_PER_EMPLOYEE and one "and N more" (all are in ``problems``): 100k rows with an unknown
    employee id in a 5,000-person department stay linear."""
    shown = everyone[:EVERYONE_PER_EMPLOYEE]
    more = None
    if len(everyone) > EVERYONE_PER_EMPLOYEE:  # on the employees only: ``problems`` lists every one
        more = more_problems(None, len(everyone) - EVERYONE_PER_EMPLOYEE, shown[-1].where)
    for emp in ctx.ids:
        for pr in shown:
            ctx.block(emp, pr)
        if more is not None:
            ctx.blocked[emp].append(more)


def _run_step(ctx: Context, step) -> None:
    """Run one step; an arithmetic failure (a number beyond Decimal's 28 digits that slipped past the
    input bounds, e.g. a ratio over a tiny target) withholds every result with a located problem
    instead of a traceback: which employee's number caused it is not known here."""
    try:
        step.run(ctx)
    except ArithmeticError as exc:
        pr = problem(
            "cannot_compute", step.where, f"步骤 {step.kind} 无法计算（{type(exc).__name__}）：输入中有超出范围的数值。",
            f"Step {step.kind} cannot be computed ({type(exc).__name__}): an input number is out of range.",
            "检查指标、参数和员工表中特别大或特别小的数值。",
            "Check the Metrics, Parameters and Employees sheets for extremely large or small numbers.")
        for emp in ctx.ids:
            ctx.block(emp, pr)


def _not_this_period(ctx: Context, step) -> None:
    """A step that does not run in this kind of period (its ``periods``) leaves its values empty,
    so every output is defined in a month run and in a quarter run (S3/S5 quarterly award)."""
    names = step.outputs()
    for emp in ctx.ids:
        values = ctx.values[emp]
        for name in names:
            values.setdefault(name, None)


def _money_totals(ctx: Context) -> None:
    """Publish money.deductions and money.awards: sums of the rounded lines (R-G-4, R-WK-20)."""
    totals: dict[tuple[str, str], Decimal] = {}
    for line in ctx.money_lines:
        key = (line["employee"], line["direction"])
        totals[key] = totals.get(key, CENT_ZERO) + line["amount"]
    for emp in ctx.ids:
        ctx.values[emp]["money.deductions"] = totals.get((emp, "deduction"), CENT_ZERO)
        ctx.values[emp]["money.awards"] = totals.get((emp, "award"), CENT_ZERO)


def validate(scheme: Scheme, inputs: Inputs, period: Period | None = None) -> list[Problem]:
    """Every problem of a workbook (errors and warnings), in sheet order."""
    return score(scheme, inputs, period).problems
