"""``aggregate``: a sum, or a weighted mean, of named values (building block 13; R-G-4).

``how: "sum"`` gives sum(weight x value); ``how: "mean"`` gives sum(weight x value) /
sum(weight), so equal weights are the plain mean (S5's card: 16 items at 6.25 each, R-OL-1).
Terms are expressions (usually the names of item scores); weights default to 1. The result
is rounded half-up to ``round`` decimals (default 2), computed from the item scores as they
are published (already rounded), as R-G-4 requires.
"""

from __future__ import annotations

from ..expr import Expression
from ..numbers import ONE, ZERO, plain, round_half_up, to_decimal
from .base import Step


class AggregateStep(Step):
    kind = "aggregate"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.output = spec["output"]
        self.how = spec.get("how", "sum")
        self.round = spec.get("round", 2)
        self.terms = []
        for i, t in enumerate(spec["terms"]):
            t = {"value": t} if isinstance(t, str) else t
            self.terms.append((Expression(t["value"], f"{where}.terms[{i}].value"), to_decimal(t.get("weight", 1))))
        total_weight = sum((w for _, w in self.terms), ZERO)
        if self.how == "mean" and total_weight <= 0:
            raise self.error("权重之和必须大于 0。", "The weights must add up to more than 0.", "检查 weight。",
                             "Check the weights.", ".terms")
        self.total_weight = total_weight

    def outputs(self) -> list[str]:
        return [self.output]

    def run(self, ctx) -> None:
        zh, en = self.spec.get("zh", self.output), self.spec.get("en", self.output)
        for emp in ctx.ids:
            env = ctx.env(emp)
            acc, parts = ZERO, []
            for expr, w in self.terms:
                ok, v = self.evaluate(ctx, emp, expr, env)
                if not ok:
                    break
                v = to_decimal(v)
                acc += w * v
                parts.append(plain(v) if w == ONE else f"{plain(w)}×{plain(v)}")
            else:
                value = acc / self.total_weight if self.how == "mean" else acc
                if self.round is not None:
                    value = round_half_up(value, int(self.round))
                ctx.set(emp, self.output, value, env.read)
                formula = " + ".join(parts)
                if self.how == "mean":
                    formula = f"({formula}) / {plain(self.total_weight)}"
                ctx.note(emp, self.kind, self.output, value, f"{zh} = {formula} = {plain(value)}",
                         f"{en} = {formula} = {plain(value)}", env.read)
