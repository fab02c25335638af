"""``formula``: named values computed by expressions (building blocks 11, 23, 25).

Used for derived figures (S10 AVG = round2((I_AVG + M_AVG) / 2), S13 fatal accuracy), for
all-or-nothing items (S11 ``5 if OVERTIME_PER_RULES else 0``) and for renaming a computed
value (S3 ``I_SKILL`` = ``I_SKILL.left``). Values are evaluated in order, so a later one may
read an earlier one. ``when`` (optional) guards a value: when it does not hold the value is
empty (None) and its inputs are not required, e.g. S10's QC average for a new hire without
QC figures (R-SQ-9). A missing input is a located error for the employee (R-G-9).
"""

from __future__ import annotations

from ..numbers import round_half_up
from .base import Step, value_text


class FormulaStep(Step):
    kind = "formula"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.values = []
        for i, v in enumerate(spec["values"]):
            at = f".values[{i}]"
            from ..expr import Expression

            expr = Expression(str(v["expr"]), f"{where}{at}.expr")
            when = Expression(v["when"], f"{where}{at}.when") if v.get("when") else None
            self.values.append((v, expr, when))

    def outputs(self) -> list[str]:
        return [v["name"] for v, _, _ in self.values]

    def run(self, ctx) -> None:
        for emp in ctx.ids:
            for v, expr, when in self.values:
                name = v["name"]
                label_zh, label_en = v.get("zh", name), v.get("en", name)
                if when is not None:
                    env = ctx.env(emp)
                    ok, holds = self.evaluate(ctx, emp, when, env)
                    if not ok:
                        break
                    if not holds:
                        ctx.set(emp, name, None, env.read)  # the cells that made it empty travel with it
                        ctx.note(emp, self.kind, name, None, f"{label_zh}：不适用（{when.text} 不成立）",
                                 f"{label_en}: not applicable ({when.text} does not hold)", env.read)
                        continue
                env = ctx.env(emp)
                ok, value = self.evaluate(ctx, emp, expr, env)
                if not ok:
                    break
                if v.get("round") is not None and value is not None and not isinstance(value, bool):
                    value = round_half_up(value, int(v["round"]))
                ctx.set(emp, name, value, env.read)
                shown = value_text(value)
                formula = "" if expr.text.strip() == shown else f"{expr.text} = "
                ctx.note(emp, self.kind, name, value, f"{label_zh} = {formula}{shown}",
                         f"{label_en} = {formula}{shown}", env.read)
