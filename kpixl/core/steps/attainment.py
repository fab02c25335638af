"""``attainment``: weighted attainment of actuals against targets (building block 12; R-MK-3).

For each item: higher is better, a = min(actual / target, 1); lower is better, a = 1 when
actual <= target, else target / actual; a never goes below 0 and is not rounded (R-MK-7,
R-G-15). The item score ``CODE.score`` = weight x a, rounded half-up to 2 decimals; the
optional ``output`` is the sum of the item scores. ``actual`` and ``target`` are
expressions (usually a metric code and a ``TARGET_<code>`` parameter); a missing target is
a located error (R-G-9) and a target <= 0 is an error naming its cell (R-MK-2), except a target
of 0 on a lower-is-better item where the step says ``"zero_target": "lower_is_better"`` (S5: no
complaints; a = 1 at an actual of 0, else 0, as R-MK-3's formula gives). ``full_when``
gives a = 1 when nothing was there to measure (S2 R-MK-4: no customer opinions received).

Item codes are unique (an item listed twice would count twice) and weights are not negative;
with an ``output`` the weights add up to 100, the full marks of the sum (S2: 20/15/15/15/10/5...),
so a typo can never score 105 of 100.
"""

from __future__ import annotations

from decimal import Decimal

from ..errors import problem
from ..expr import Expression
from ..numbers import HUNDRED, ONE, ZERO, plain, round2, to_decimal
from .base import Step


def attainment(actual: Decimal, target: Decimal, direction: str) -> Decimal:
    if direction == "higher":
        a = min(actual / target, ONE)
    else:  # (a target of 0, where allowed: 1 at an actual of 0, else 0 / actual = 0)
        a = ONE if actual <= target else target / actual
    return max(a, ZERO)


def ratio_text(a: Decimal) -> str:
    q = a.quantize(Decimal("0.000001"))
    return plain(a) if q == a else f"{plain(q)}…"


class AttainmentStep(Step):
    kind = "attainment"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.items = []
        for i, it in enumerate(spec["items"]):
            at = f"{where}.items[{i}]"
            if any(it["code"] == seen["code"] for seen in self.items):
                raise self.error(f"项目 {it['code']} 出现了两次（会被计两次分）。", f"Item {it['code']} is listed twice (it would count twice).",
                                 "删除重复的项目。", "Remove the duplicate item.", f".items[{i}].code")
            if to_decimal(it["weight"]) < 0:
                raise self.error(f"项目 {it['code']} 的权重 {plain(to_decimal(it['weight']))} 为负数。",
                                 f"Item {it['code']} has a negative weight {plain(to_decimal(it['weight']))}.",
                                 "权重用 0 以上的数（如 20、15）。", "Use a weight of 0 or more (e.g. 20, 15).", f".items[{i}].weight")
            self.items.append({
                "code": it["code"], "weight": to_decimal(it["weight"]), "direction": it["direction"],
                "actual": Expression(str(it["actual"]), f"{at}.actual"),
                "target": Expression(str(it["target"]), f"{at}.target"),
                "full_when": Expression(it["full_when"], f"{at}.full_when") if it.get("full_when") else None,
                "zh": it.get("zh") or (scheme.metrics[it["code"]].zh if it["code"] in scheme.metrics else it["code"]),
                "en": it.get("en") or (scheme.metrics[it["code"]].en if it["code"] in scheme.metrics else it["code"]),
            })
        self.output = spec.get("output")
        self.zero_target_lower = spec.get("zero_target") == "lower_is_better"
        total = sum((it["weight"] for it in self.items), ZERO)
        if self.output and total != HUNDRED:
            raise self.error(f"各项权重之和为 {plain(total)}，应为 100（{self.output} 是各项得分之和）。",
                             f"The item weights add up to {plain(total)}, not 100 ({self.output} is the sum of the item scores).",
                             "改正权重，使其合计 100。", "Correct the weights so that they add up to 100.", ".items")

    def outputs(self) -> list[str]:
        return [f"{it['code']}.score" for it in self.items] + ([self.output] if self.output else [])

    def run(self, ctx) -> None:
        for emp in ctx.ids:
            total, complete = ZERO, True
            for it in self.items:  # every item is tried, so every missing input is reported
                score = self._item(ctx, emp, it)
                if score is None:
                    complete = False
                    continue
                total += score
            if complete:
                if self.output:
                    total = round2(total)
                    ctx.values[emp][self.output] = total
                    ctx.note(emp, self.kind, self.output, total, f"{self.spec.get('zh', self.output)} = 各项得分之和 = {plain(total)}",
                             f"{self.spec.get('en', self.output)} = sum of the item scores = {plain(total)}")

    def _item(self, ctx, emp: str, it: dict) -> Decimal | None:
        code, w = it["code"], it["weight"]
        env = ctx.env(emp)
        if it["full_when"] is not None:
            ok, full = self.evaluate(ctx, emp, it["full_when"], env)
            if not ok:
                return None
            if full:
                score = round2(w)
                ctx.set(emp, f"{code}.score", score, env.read)
                ctx.note(emp, self.kind, f"{code}.score", score,
                         f"{code} {it['zh']}：{it['full_when'].text}，a = 1，{plain(w)} × 1 = {plain(score)}",
                         f"{code} {it['en']}: {it['full_when'].text}, a = 1, {plain(w)} x 1 = {plain(score)}", env.read)
                return score
        ok, target = self.evaluate(ctx, emp, it["target"], env)
        if not ok:
            return None
        target_where = env.read
        ok, actual = self.evaluate(ctx, emp, it["actual"], env)
        if not ok:
            return None
        target, actual = to_decimal(target), to_decimal(actual)
        if target < 0 or (target == 0 and not (self.zero_target_lower and it["direction"] == "lower")):
            where = ", ".join(target_where) or ctx.inputs.parameters_label
            ctx.block(emp, problem(
                "target_not_positive", where, f"{code} 的目标值 {it['target'].text} = {plain(target)}，目标必须大于 0。",
                f"The target of {code} ({it['target'].text}) is {plain(target)}; a target must be greater than 0.",
                "在参数表填写大于 0 的目标值。", "Enter a target greater than 0 on the Parameters sheet.", employee=emp))
            return None
        a = attainment(actual, target, it["direction"])
        score = round2(w * a)
        ctx.set(emp, f"{code}.score", score, env.read)
        if it["direction"] == "higher":
            how_zh, how_en = f"越高越好，a = min({plain(actual)}/{plain(target)}, 1)", f"higher is better, a = min({plain(actual)}/{plain(target)}, 1)"
        elif actual <= target:
            how_zh, how_en = f"越低越好，{plain(actual)} ≤ {plain(target)}，a", f"lower is better, {plain(actual)} <= {plain(target)}, a"
        else:
            how_zh, how_en = f"越低越好，a = {plain(target)}/{plain(actual)}", f"lower is better, a = {plain(target)}/{plain(actual)}"
        ctx.note(emp, self.kind, f"{code}.score", score,
                 f"{code} {it['zh']}：实际 {plain(actual)}，目标 {plain(target)}，{how_zh} = {ratio_text(a)}；{plain(w)} × a = {plain(score)}",
                 f"{code} {it['en']}: actual {plain(actual)}, target {plain(target)}, {how_en} = {ratio_text(a)}; {plain(w)} x a = {plain(score)}",
                 env.read)
        return score
