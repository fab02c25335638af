"""``payout``: a computed amount booked as a money line (building block 7; R-G-5, R-G-8).

``{"step": "payout", "rule": "SQ_BONUS", "amount": "payout"}`` books the value of the
expression ``amount``, rounded to 0.01 yuan, in the money ledger as an ``award`` (default)
or a ``deduction``, under a ``derived`` rule of the rule table. ``explain`` (zh/en, with
``{NAME}`` placeholders) says how the amount came about on the detail sheet. A payout never goes below 0
(R-G-5): 0 books no line. Points are never touched (R-G-8).
"""

from __future__ import annotations

from ..numbers import ZERO, money, to_decimal
from .base import Step, fill


class PayoutStep(Step):
    kind = "payout"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        rule = self.rule(spec["rule"])
        if rule.kind != "derived":
            raise self.error(f"{rule.code} 的类型应为 derived（自动计算）。", f"{rule.code} must have kind 'derived'.",
                             "把该规则的 kind 改为 derived。", "Set the rule's kind to derived.", ".rule")
        self.amount = self.expression("amount")
        self.direction = spec.get("direction", "award")

    def run(self, ctx) -> None:
        rule = self.scheme.rules[self.spec["rule"]]
        for emp in ctx.ids:
            if ctx.is_blocked(emp):
                continue
            env = ctx.env(emp)
            ok, value = self.evaluate(ctx, emp, self.amount, env)
            if not ok or value is None:
                continue
            amount = money(max(to_decimal(value), ZERO))
            if amount == ZERO:
                continue
            how = self.spec.get("explain")
            how_zh = f"（{fill(how['zh'], env)}）" if how else ""
            how_en = f" ({fill(how['en'], env)})" if how else ""
            ctx.add_money(employee=emp, rule=rule.code, amount=amount, direction=self.direction,
                          where=", ".join(env.read) or "计算 / computed", row=-1, date=None, qty=1.0,
                          value=None, text_zh=f"{rule.zh}：{amount} 元{how_zh}", text_en=f"{rule.en}: {amount} yuan{how_en}")
