"""``award``: a derived money line and/or flag when a condition holds (building blocks 7, 11, 18).

S6 ``cs_reward_pct``: ``DEPT_GOOD_1PCT`` pays 1% of each member's own ``MONTHLY_TOTAL_WAGES``
when the department is rated 较好 or 优秀 (R-RP-2); ``BEST_CS_0_5PCT`` 0.5%; ``CALLBACK_90_1PCT``
1% when HR selected the employee *and* every week credited to the month has a callback rate of
at least 90% (``each_week``, R-RP-3); ``DEPT_EXCELLENT_WELFARE`` only raises a flag.

The percent is the rule's ``points`` and the base its ``percent_of`` (a metric or an employee
attribute), so a clerk's edit of the percent in the Rules sheet takes effect; ``amount`` gives a
formula instead. The amount is rounded to 0.01 yuan per line (R-G-4) and never below 0 (R-G-5).
Inputs are read only when needed: the wages only for an employee who gets the award (R-G-9).
"""

from __future__ import annotations

import numpy as np

from ..errors import MissingInput
from ..numbers import HUNDRED, ZERO, money, plain, round_half_up, to_decimal
from ..series import Codes, Rows, credited_mondays
from .base import Step


class AwardStep(Step):
    kind = "award"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.rule_def = self.rule(spec["rule"])
        if self.rule_def.kind != "derived":
            raise self.error(f"{self.rule_def.code} 的类型应为 derived（自动计算）。",
                             f"{self.rule_def.code} must have kind 'derived' to be given by an award step.",
                             "把该规则的 kind 改为 derived。", "Set the rule's kind to derived.", ".rule")
        self.when = self.expression("when") if "when" in spec else None
        self.amount = self.expression("amount") if "amount" in spec else None
        self.direction = spec.get("direction", "award")
        self.each_week = spec.get("each_week")
        if self.each_week and self.each_week["metric"] not in scheme.metrics:
            raise self.error(f"指标 {self.each_week['metric']} 未定义。", f"Metric {self.each_week['metric']} is not defined.",
                             "在 metrics 中定义它。", "Define it under metrics.", ".each_week.metric")
        self.flag = spec.get("flag")
        text = self.when.text if self.when else ""
        self.explain = spec.get("explain") or {"zh": text, "en": text}

    def outputs(self) -> list[str]:
        return [f"{self.rule_def.code}.amount"] if self._pays(self.rule_def) else []

    def priced_rules(self) -> set[str]:
        """The rule's percent is read from the rule table unless the step gives its own amount."""
        return {self.rule_def.code} if self.amount is None and self.rule_def.percent_of else set()

    def _pays(self, rule) -> bool:
        return self.amount is not None or (rule.points is not None and bool(rule.percent_of))

    def run(self, ctx) -> None:
        rule = self.scheme.rules[self.rule_def.code]
        weeks = self._weeks(ctx) if self.each_week else None
        for emp in ctx.ids:
            if self._pays(rule):
                ctx.values[emp][f"{rule.code}.amount"] = money(ZERO)
            env = ctx.env(emp)
            try:
                holds = bool(self.when.evaluate(env)) if self.when else True
                week_ok, week_zh, week_en, week_src = (True, "", "", [])
                if holds and weeks is not None:
                    week_ok, week_zh, week_en, week_src = self._check_weeks(ctx, emp, weeks)
                if not (holds and week_ok):
                    why_zh = week_zh or f"不满足“{self.explain['zh']}”"
                    why_en = week_en or f"it is not the case that {self.explain['en']}"
                    ctx.note(emp, self.kind, rule.code, None, f"{rule.code} {rule.zh}：{why_zh}，不给。",
                             f"{rule.code} {rule.en}: not given, because {why_en}.", env.read + week_src)
                    continue
                self._give(ctx, emp, env, rule, week_zh, week_en, week_src)
            except MissingInput as exc:
                pr = exc.problem
                if pr.employee is None:
                    from dataclasses import replace

                    pr = replace(pr, employee=emp)
                ctx.block(emp, pr)

    def _give(self, ctx, emp, env, rule, week_zh, week_en, week_src) -> None:
        amount = None
        if self.amount is not None:
            amount = max(ZERO, money(to_decimal(self.amount.evaluate(env))))
            zh = f"{self.amount.text} = {amount} 元"
            en = f"{self.amount.text} = {amount} yuan"
        elif rule.points is not None and rule.percent_of:
            base = to_decimal(env.get(rule.percent_of))
            amount = max(ZERO, money(rule.points / HUNDRED * base))
            zh = f"{plain(rule.points)}% × {rule.percent_of} {plain(base)} = {amount} 元"
            en = f"{plain(rule.points)}% x {rule.percent_of} {plain(base)} = {amount} yuan"
        env.saw(*week_src)
        sources = env.read  # the condition's cells, the amount's, then the weeks'
        if amount is not None:
            ctx.values[emp][f"{rule.code}.amount"] = amount
            because_zh = self.explain["zh"] + (f"；{week_zh}" if week_zh else "")
            because_en = self.explain["en"] + (f"; {week_en}" if week_en else "")
            ctx.add_money(employee=emp, rule=rule.code, amount=amount, direction=self.direction,
                          where=", ".join(sources) or "条件 / condition", row=-1, date=None, qty=1.0,
                          value=float(rule.points) if rule.points is not None else None,
                          text_zh=f"{rule.code} {rule.zh}（{because_zh}）：{zh}",
                          text_en=f"{rule.code} {rule.en} ({because_en}): {en}")
        label = (self.flag or {}).get("zh") and self.flag or rule.flag
        if label:
            code = (self.flag or {}).get("code", rule.code)
            ctx.add_flag(emp, code, label["zh"], label["en"], sources or ["条件 / condition"])

    # ------------------------------------------------------------------ every week credited to the month

    def _weeks(self, ctx):
        rows = Rows(ctx, self.each_week["metric"]).weeks(credited_mondays(ctx.period))
        names = Codes(ctx).names
        table = {(names[e], w): (u, r) for e, w, u, r in zip(rows["eid"], rows["week"], rows["units"], rows["row"], strict=True)}
        return credited_mondays(ctx.period), table

    def _check_weeks(self, ctx, emp, weeks):
        mondays, table = weeks
        import pandas as pd

        code = self.each_week["metric"]
        mn = to_decimal(self.each_week["min"])
        shown_zh, shown_en, missing, low, src = [], [], [], [], []
        percent = self.scheme.metrics[code].type == "percent"
        for m in mondays:
            hit = table.get((emp, pd.Timestamp(m)))
            if hit is None or np.isnan(hit[0]):
                missing.append(str(m))
                continue
            value = to_decimal(int(hit[0])).scaleb(-4)
            if percent:
                value = round_half_up(value, 2)
            src.append(ctx.inputs.metrics.ref("value", int(hit[1])))
            shown_zh.append(f"{m} 起 {plain(value)}")
            shown_en.append(f"week of {m} {plain(value)}")
            if value < mn:
                low.append(f"{m} ({plain(value)})")
        unit = "%" if percent else ""
        if missing:
            return (False, f"缺少 {code} 的周数据：" + "、".join(f"{m} 起的一周" for m in missing),
                    f"{code} is missing for the week(s) starting " + ", ".join(missing), src)
        if low:
            return (False, f"{code} 低于 {plain(mn)}{unit} 的周：" + "、".join(low),
                    f"{code} is below {plain(mn)}{unit} in the week(s) of " + ", ".join(low), src)
        return (True, f"每周 {code} ≥ {plain(mn)}{unit}：" + "、".join(shown_zh),
                f"every week's {code} >= {plain(mn)}{unit}: " + ", ".join(shown_en), src)
