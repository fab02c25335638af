"""``consecutive``: a flag after N consecutive qualifying months, with a lock-out (building block 24).

S14 rule 8 (R-GB-8, R-GB-12): two consecutive months with 绩效分 0 put the employee on 试用
for the next 3 months (``from`` = the month after the second zero month, R-G-10). The months
come from the History item (earlier months) and this month's computed value. A running
probation (the ``lasts`` months from its ``from`` month) is derived from the same history:
zero months inside it neither start nor complete a new pair, and counting starts again with
the first month after it. A month with no History row breaks a streak (it is not shown to
qualify).
"""

from __future__ import annotations

from ..numbers import to_decimal
from ..periods import add_months, parse_period
from .base import Step


class _Value:
    def __init__(self, value):
        self.value = value

    def get(self, name):
        if name != "value":
            raise KeyError(name)
        return self.value

    def has(self, name):
        return name == "value"


class ConsecutiveStep(Step):
    kind = "consecutive"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.when = self.expression("when")
        self.count = int(spec["count"])
        self.lasts = int(spec.get("lasts", 0))
        self.flag = spec["flag"]

    def run(self, ctx) -> None:
        current = ctx.period.month_periods()[-1]
        for emp in ctx.ids:
            if ctx.is_blocked(emp) or self.spec["value"] not in ctx.values[emp]:
                continue
            months, where = {}, {}
            for per, (value, cell) in ctx.history_items(emp, self.spec["history"]).items():
                if per < current.label:
                    months[per], where[per] = to_decimal(value), cell
            months[current.label] = to_decimal(ctx.values[emp][self.spec["value"]])
            where[current.label] = f"{self.spec['value']} {current.label}"
            run: list[str] = []
            first = parse_period(min(months))
            streak, lock_from, lock_to, m = 0, None, None, first
            while m <= current:
                label = m.label
                if lock_from is not None and lock_from <= label <= lock_to:
                    streak = 0
                    if label == current.label and self.when.evaluate(_Value(months[label])):
                        ctx.note(emp, self.kind, self.flag["code"], None,
                                 f"本月仍在试用期（{lock_from} 起 {self.lasts} 个月）内，不重新计算连续月份（R-GB-12）。",
                                 f"This month is inside the running probation (from {lock_from}, {self.lasts} months): "
                                 "it does not count toward a new pair (R-GB-12).")
                elif label in months and self.when.evaluate(_Value(months[label])):
                    streak += 1
                    run = (run if streak > 1 else []) + [where[label]]
                    if streak >= self.count:
                        start = add_months(m, 1)
                        lock_from, lock_to = start.label, add_months(m, self.lasts).label
                        streak = 0
                        if label == current.label:
                            ctx.add_flag(emp, self.flag["code"], self.flag["zh"], self.flag["en"], run, {"from": start.label})
                else:
                    streak = 0
                m = add_months(m, 1)
