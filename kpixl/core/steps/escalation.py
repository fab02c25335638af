"""``escalation``: the n-th occurrence of a rule selects a step of money and/or a flag (building block 8).

S4 ``kefu_fines`` (R-KF-1): occurrences are counted per rule and employee within the calendar
year (``"window": "year"``); the n-th occurrence costs the n-th step, and beyond the last step
the last step repeats (``"then": "repeat_last"``, the default) or a step with formulas over
``n`` applies (``100 * n`` per customer, R-KF-4; ``n - 1`` months, fund error). A ladder of one
step is the same outcome every time (S6 ``WEEKLY_STAR``: the HR-entered cash plus a 鼓励信).

Earlier occurrences of the year come from two places, so a clerk can keep one workbook per year
or start a new one each month: Events rows dated earlier in the same calendar year (R-G-7
ignores them for the period's own score; they only count here), and History rows whose item is
the rule code and whose value is that month's number of occurrences (used for a month that
has no Events rows of that rule and employee; a typed History row of a month that has Events rows
must count as many, else the employee is withheld: ``history_events_differ``).

A step's ``yuan`` is a number or an expression over ``n`` (the occurrence), ``qty``, ``value``
(the row's Value cell: an HR-entered amount, R-KF-10, R-RP-6) and ``date``. Money goes to the
money ledger rounded per line (R-G-8, R-G-14); flags carry ``occurrence`` (``year`` window) and
the step's ``params`` (R-G-18). One occurrence raises at most one flag.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..errors import MissingInput, problem
from ..expr import Expression
from ..inputs import ledger_rows
from ..numbers import money, plain, to_decimal
from .base import Step


class _RowEnv:
    """Names of one occurrence (``n``, ``qty``, ``value``, ``date``) over the employee's names."""

    def __init__(self, base, **names):
        self.base = base
        self.names = names

    def get(self, name):
        if name in self.names:
            if self.names[name] is None:
                raise KeyError(name)
            return self.names[name]
        return self.base.get(name)

    def has(self, name):
        return (name in self.names and self.names[name] is not None) or self.base.has(name)

    def __getattr__(self, attr):
        return getattr(self.base, attr)


def _amount(value, where: str):
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return to_decimal(value)
    try:
        return to_decimal(value)
    except Exception:  # not a number: an expression
        return Expression(str(value), where)


class EscalationStep(Step):
    kind = "escalation"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.window = spec.get("window", "year")
        self.ladders: dict[str, dict] = {}
        for i, lad in enumerate(spec["ladders"]):
            at = f".ladders[{i}]"
            self.rule(lad["rule"], f"ladders[{i}].rule")
            if lad["rule"] in self.ladders:
                raise self.error(f"规则 {lad['rule']} 有两个阶梯。", f"Rule {lad['rule']} has two ladders.",
                                 "合并为一个。", "Keep one.", at)
            steps = [self._step(s, f"{at}.steps[{j}]") for j, s in enumerate(lad["steps"])]
            then = lad.get("then", "repeat_last")
            self.ladders[lad["rule"]] = {
                "steps": steps, "then": None if then == "repeat_last" else self._step(then, f"{at}.then"),
                "units": lad.get("qty", "occurrences") == "units"}

    def _step(self, s: dict, at: str) -> dict:
        out = dict(s)
        out["yuan"] = _amount(s.get("yuan"), f"{self.where}{at}.yuan")
        out["params"] = {k: _amount(v, f"{self.where}{at}.params.{k}") for k, v in s.get("params", {}).items()}
        return out

    def reads_earlier_events(self) -> tuple[str, ...]:
        """Earlier rows of the calendar year count occurrences (R-KF-1)."""
        return tuple(self.ladders) if self.window == "year" else ()

    # ------------------------------------------------------------------ counting

    def _prior_counts(self, ctx) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], list[str]]]:
        """Occurrences earlier in the calendar year per (employee, rule), and where they were read."""
        counts: dict[tuple[str, str], int] = {}
        sources: dict[tuple[str, str], list[str]] = {}
        if self.window != "year":
            return counts, sources
        start = pd.Timestamp(ctx.period.start.replace(month=1, day=1))
        ev = ctx.inputs.events.frame
        seen_months: dict[tuple[str, str, str], tuple[int, str]] = {}  # (emp, rule, month) -> (count, first row)
        if not ev.empty:
            mask = (~ev["xl_bad"].astype(bool)) & ev["rule"].isin(list(self.ladders)) & ev["employee"].isin(ctx.ids)
            mask &= (ev["date"] >= start) & (ev["date"] < pd.Timestamp(ctx.period.start))
            for r in ev[mask].itertuples(index=False):
                key = (r.employee, r.rule)
                n = 1 if self.ladders[r.rule]["units"] or pd.isna(r.qty) else int(r.qty)
                counts[key] = counts.get(key, 0) + n
                sources.setdefault(key, []).append(ctx.inputs.events.ref("rule", int(r.xl_row)))
                month = (r.employee, r.rule, f"{r.date.year:04d}-{r.date.month:02d}")
                had, first = seen_months.get(month, (0, ctx.inputs.events.ref("date", int(r.xl_row))))
                seen_months[month] = (had + n, first)
        if sources:
            n_rows = sum(len(v) for v in sources.values())
            ctx.add_problem(problem(
                "earlier_occurrences", ctx.inputs.events.label,
                f"{n_rows} 行本年较早的事件只用于计算“本年第几次”（R-KF-1），不计入本期金额。",
                f"{n_rows} earlier event rows of the year are used only to count occurrences (R-KF-1), not priced again.",
                "无需处理。", "Nothing to do.", severity="warning"))
        year = f"{ctx.period.year:04d}-"
        typed = _typed_history_cells(ctx.inputs.history)
        for emp in ctx.ids:
            for rule in self.ladders:
                for per, (value, where) in ctx.history_items(emp, rule).items():
                    if not (per.startswith(year) and per < ctx.period.label):
                        continue
                    try:
                        n = int(to_decimal(value))
                    except Exception:
                        continue
                    on_events = seen_months.get((emp, rule, per))
                    if on_events is None:
                        counts[(emp, rule)] = counts.get((emp, rule), 0) + n
                        sources.setdefault((emp, rule), []).append(where)
                    elif where in typed and on_events[0] != n:  # (a closed month's figure: the ledger compares it)
                        ctx.block(emp, _typed_twice(emp, rule, per, n, where, on_events))
        return counts, sources

    # ------------------------------------------------------------------ run

    def run(self, ctx) -> None:
        prior, prior_src = self._prior_counts(ctx)
        ev = ctx.events
        rows = ev[ev["rule"].isin(list(self.ladders))] if not ev.empty else ev
        if not rows.empty:
            rows = rows.sort_values(["date", "xl_row"], kind="stable")
        seen: dict[tuple[str, str], int] = {}
        self._note_fresh_start(ctx, rows, prior)
        for (emp, rule_code), n in prior.items():
            rule = self.scheme.rules[rule_code]
            ctx.note(emp, self.kind, rule_code, n,
                     f"{rule_code} {rule.zh}：本年此前已有 {n} 次（R-KF-1）。",
                     f"{rule_code} {rule.en}: {n} earlier occurrence(s) this year (R-KF-1).", prior_src[(emp, rule_code)])
        for r in rows.itertuples(index=False):
            ladder = self.ladders[r.rule]
            key = (r.employee, r.rule)
            repeat = 1 if ladder["units"] else int(r.qty)
            for _ in range(repeat):
                seen[key] = seen.get(key, 0) + 1
                n = prior.get(key, 0) + seen[key]
                try:
                    self._occurrence(ctx, r, n, ladder)
                except MissingInput as exc:
                    ctx.block(r.employee, exc.problem)

    def _note_fresh_start(self, ctx, rows, prior) -> None:
        """An employee with an occurrence this period and no earlier month of the year on record
        (no earlier Events row, no History row of a ladder rule) starts counting at 0: a default
        that stands in for missing history, so it is said (issue 12 item 6)."""
        if self.window != "year" or ctx.period.start.month == 1 or rows.empty:
            return
        from ..defaults import report_default
        from ..scheme import InputDef

        known = {emp for emp, _ in prior}
        what = InputDef("EARLIER_OCCURRENCES", "本年以前月份的次数", "earlier occurrences this year", "integer",
                        default=0, ruling="R-KF-1")
        for emp in dict.fromkeys(rows["employee"]):
            if emp in known:
                continue
            report_default(
                ctx, emp, what, ctx.inputs.history.label if ctx.inputs.history is not None else ctx.inputs.events.label,
                f"员工 {emp}：本年以前月份没有记录（事件表和历史表都没有），“本年第几次”从 0 开始计（R-KF-1）。",
                f"Employee {emp}: no earlier month of the year is on record (Events or History), so the "
                "occurrence count starts at 0 (R-KF-1).",
                "如本年以前有过，在历史表填写各月次数（项目 = 规则代码），或保留以前月份的事件行。",
                "If there were earlier ones, enter each month's count on the History sheet (item = the rule code), "
                "or keep the earlier months' Events rows.")

    def _occurrence(self, ctx, r, n: int, ladder: dict) -> None:
        steps = ladder["steps"]
        step = steps[n - 1] if n <= len(steps) else (ladder["then"] or steps[-1])
        rule = self.scheme.rules[r.rule]
        where = ctx.inputs.events.ref("rule", int(r.xl_row))
        value = None if pd.isna(r.value) else to_decimal(float(r.value))
        qty = to_decimal(float(r.qty))
        env = _RowEnv(ctx.env(r.employee), n=Decimal(n), qty=qty, value=value, date=pd.Timestamp(r.date).date())
        nth_zh = f"本年第{n}次" if self.window == "year" else f"第{n}次"
        nth_en = f"occurrence {n} this year" if self.window == "year" else f"occurrence {n}"
        if step.get("yuan") is not None:
            amount = self._yuan(ctx, step, env, r, rule)
            if step.get("per_unit"):
                amount = amount * qty
            amount = money(amount)
            label = step.get("label", {})
            extra_zh = f"（{label['zh']}）" if label else ""
            extra_en = f" ({label['en']})" if label else ""
            unit_zh = f" × {plain(qty)}" if step.get("per_unit") else ""
            ctx.add_money(employee=r.employee, rule=rule.code, amount=amount,
                          direction=step.get("direction", "deduction"), where=where, row=int(r.xl_row), date=r.date,
                          qty=float(r.qty), value=None if value is None else float(value),
                          text_zh=f"{rule.code} {rule.zh} {nth_zh}{extra_zh}{unit_zh}：{amount} 元",
                          text_en=f"{rule.code} {rule.en}, {nth_en}{extra_en}{unit_zh.replace('×', 'x')}: {amount} yuan")
        if step.get("flag"):
            params = {"occurrence": n} if self.window == "year" else {}
            for k, expr in step["params"].items():
                v = expr.evaluate(env) if isinstance(expr, Expression) else expr
                params[k] = int(v) if isinstance(v, Decimal) and v == v.to_integral_value() else v
            flag = step["flag"]
            ctx.add_flag(r.employee, rule.code, flag["zh"], flag["en"], [where], params)

    def _yuan(self, ctx, step, env, r, rule) -> Decimal:
        yuan = step["yuan"]
        if not isinstance(yuan, Expression):
            return yuan
        try:
            return to_decimal(yuan.evaluate(env))
        except KeyError as exc:
            cell = ctx.inputs.events.ref("value", int(r.xl_row))
            raise MissingInput(problem(
                "value_missing", cell,
                f"{rule.code}（{rule.zh}）这一次需要在“取值”列填写金额（元）。",
                f"{rule.code} ({rule.en}) needs the amount in yuan in the Value column for this occurrence.",
                "填写金额（正数，可到分）。", "Enter the amount (a positive number, to the fen).",
                employee=r.employee)) from exc


def _typed_history_cells(table) -> set[str]:
    """The value cells of the History rows the workbook types (not the ledger's rows)."""
    if table is None or table.frame.empty:
        return set()
    ledger = ledger_rows(table)
    return {table.ref("value", int(r)) for r in table.frame["xl_row"].tolist() if int(r) not in ledger}


def _typed_twice(emp: str, rule: str, month: str, typed: int, where: str, on_events: tuple[int, str]):
    """A month's occurrences typed on History and on Events with different counts (R-KF-1)."""
    n, first = on_events
    return problem(
        "history_events_differ", where,
        f"员工 {emp} 的 {rule}：历史表记 {month} 为 {typed} 次，事件表中 {month} 的行计 {n} 次（从 {first} 起）；"
        "“本年第几次”不能确定（R-KF-1），该员工的结果暂不计算。",
        f"{rule} of employee {emp}: History has {typed} occurrence(s) in {month}, the Events rows of {month} count "
        f"{n} (from {first}); the occurrence of the year cannot be told (R-KF-1), so the result is withheld.",
        f"只在一处记录 {month}：删除历史表的这一行（以事件表为准），或删除事件表中 {month} 的行（以历史表为准）。",
        f"Record {month} in one place: delete this History row (the Events rows count), or delete the Events rows "
        f"of {month} (the History row counts).", employee=emp)
