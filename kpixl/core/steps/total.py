"""``total``: output = base + sum(add) - sum(subtract), then floor, ceiling and rounding.

Floors and ceilings exist only where a scheme states them (R-G-5). ``round`` rounds half-up
(R-G-4); without it the value stays exact.
"""

from __future__ import annotations

from ..errors import MissingInput
from ..numbers import ZERO, plain, round_half_up, to_decimal
from .base import Step


class TotalStep(Step):
    kind = "total"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.output = spec["output"]
        self.base = to_decimal(spec["base"]) if "base" in spec else ZERO
        self.add = list(spec.get("add", []))
        self.subtract = list(spec.get("subtract", []))
        self.floor = to_decimal(spec["floor"]) if "floor" in spec else None
        self.ceiling = to_decimal(spec["ceiling"]) if "ceiling" in spec else None
        self.round = spec.get("round")

    def outputs(self) -> list[str]:
        return [self.output]

    def run(self, ctx) -> None:
        label_zh = self.spec.get("zh", self.output)
        label_en = self.spec.get("en", self.output)
        for emp in ctx.ids:
            env = ctx.env(emp)
            try:
                adds = [(n, to_decimal(env.get(n))) for n in self.add]
                subs = [(n, to_decimal(env.get(n))) for n in self.subtract]
            except MissingInput as exc:
                ctx.block_missing(emp, exc.problem)
                continue
            value = self.base + sum((v for _, v in adds), ZERO) - sum((v for _, v in subs), ZERO)
            terms = [plain(self.base)] if self.base or not adds else []
            for n, v in adds:
                if v != ZERO:
                    terms.append(f"{'+' if v >= 0 else '−'} {plain(abs(v))} ({n})")
            for n, v in subs:
                if v != ZERO:
                    terms.append(f"{'−' if v >= 0 else '+'} {plain(abs(v))} ({n})")
            formula = " ".join(terms).lstrip("+ ") or "0"
            clamp_zh = clamp_en = ""
            if self.floor is not None and value < self.floor:
                clamp_zh, clamp_en = f"，不低于 {plain(self.floor)}", f", floored at {plain(self.floor)}"
                value = self.floor
            if self.ceiling is not None and value > self.ceiling:
                clamp_zh, clamp_en = f"，不高于 {plain(self.ceiling)}", f", capped at {plain(self.ceiling)}"
                value = self.ceiling
            if self.round is not None:
                value = round_half_up(value, self.round)
            ctx.values[emp][self.output] = value
            ctx.note(emp, self.kind, self.output, value,
                     f"{label_zh} = {formula}{clamp_zh} = {plain(value)}",
                     f"{label_en} = {formula}{clamp_en} = {plain(value)}")
