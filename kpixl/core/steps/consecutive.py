"""``consecutive``: a flag after N consecutive qualifying months, with a lock-out (building block 24).

S14 rule 8 (R-GB-8, R-GB-12): two consecutive months with 绩效分 0 put the employee on 试用
for the next 3 months (``from`` = the month after the second zero month, R-G-10). The months
come from the History item (earlier months) and this month's computed value. A running
probation (the ``lasts`` months from its ``from`` month) is derived from the same history:
zero months inside it neither start nor complete a new pair, and counting starts again with
the first month after it. A month with no History row breaks a streak (it is not shown to
qualify), except a month the ledger has no close of (``Inputs.unknown_months``: nobody's figure
is known): the month is decided both ways, and where the answer for this month depends on it the
employee is withheld (closing or typing that month decides it).
"""

from __future__ import annotations

from itertools import product

from ..errors import problem
from ..numbers import to_decimal
from ..periods import add_months, parse_period
from .base import Step

MAX_UNKNOWN = 8  # months decided both ways (2**8 runs of a few months each); more: withheld


class _Value:
    def __init__(self, value):
        self.value = value

    def get(self, name):
        if name != "value":
            raise KeyError(name)
        return self.value

    def has(self, name):
        return name == "value"


def _flagged(outcome: tuple) -> tuple:
    """What a month's outcome puts on its result: the flag and its from month (a running lock only notes)."""
    return (outcome[0] == "flag", outcome[1] if outcome[0] == "flag" else None)


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
        unknown_months = [m for m in getattr(ctx.inputs, "unknown_months", ()) if m < current.label]
        for emp in ctx.ids:
            if ctx.is_blocked(emp) or self.spec["value"] not in ctx.values[emp]:
                continue
            qualifies, where = {}, {}
            for per, (value, cell) in ctx.history_items(emp, self.spec["history"]).items():
                if per < current.label:
                    qualifies[per], where[per] = bool(self.when.evaluate(_Value(to_decimal(value)))), cell
            qualifies[current.label] = bool(self.when.evaluate(_Value(to_decimal(ctx.values[emp][self.spec["value"]]))))
            where[current.label] = f"{self.spec['value']} {current.label}"
            first = min(qualifies)
            unknown = [m for m in unknown_months if m not in qualifies and m > first]
            outcome = self._decide(qualifies, where, current)
            if unknown and (len(unknown) > MAX_UNKNOWN or any(
                    _flagged(self._decide({**qualifies, **dict(zip(unknown, guess, strict=True))}, where, current))
                    != _flagged(outcome) for guess in product((False, True), repeat=len(unknown)))):
                ctx.block(emp, self._unknown_problem(emp, unknown))
                continue
            kind, start, run = outcome
            if kind == "inside":
                ctx.note(emp, self.kind, self.flag["code"], None,
                         f"本月仍在试用期（{start} 起 {self.lasts} 个月）内，不重新计算连续月份（R-GB-12）。",
                         f"This month is inside the running probation (from {start}, {self.lasts} months): "
                         "it does not count toward a new pair (R-GB-12).")
            elif kind == "flag":
                ctx.add_flag(emp, self.flag["code"], self.flag["zh"], self.flag["en"], run, {"from": start})

    def _decide(self, qualifies: dict[str, bool], where: dict[str, str], current) -> tuple[str | None, str | None, list]:
        """This month's outcome from the months' yes/no: ("flag", from, cells), ("inside", the running
        lock's from, []) for a qualifying month inside a running lock, or (None, None, [])."""
        run: list[str] = []
        streak, lock_from, lock_to, m = 0, None, None, parse_period(min(qualifies))
        while m <= current:
            label = m.label
            if lock_from is not None and lock_from <= label <= lock_to:
                streak = 0
                if label == current.label and qualifies[label]:
                    return "inside", lock_from, []
            elif qualifies.get(label):
                streak += 1
                run = (run if streak > 1 else []) + [where.get(label, f"{self.spec['history']} {label}")]
                if streak >= self.count:
                    start = add_months(m, 1)
                    lock_from, lock_to = start.label, add_months(m, self.lasts).label
                    streak = 0
                    if label == current.label:
                        return "flag", start.label, run
            else:
                streak = 0
            m = add_months(m, 1)
        return None, None, []

    def _unknown_problem(self, emp: str, months: list[str]):
        shown = ", ".join(months)
        item = self.spec["history"]
        return problem(
            "ledger_month_unknown", f"账本 {shown} / ledger {shown}",
            f"账本中没有 {shown} 的关账记录，工作簿也没有填写；员工 {emp} 本月是否{self.flag['zh']}取决于该月的 {item}"
            f"（连续 {self.count} 个月），所以本月结果暂不计算。",
            f"The ledger has no close of {shown} and the workbook does not type it; whether {emp} gets "
            f"'{self.flag['en']}' this month depends on that month's {item} ({self.count} months in a row), so the "
            "result is withheld.",
            f"关账 {shown}（kpixl close 该月的工作簿），或在历史表填写该员工 {shown} 的 {item}。",
            f"Close {shown} (kpixl close on its workbook), or type the employee's {item} of {shown} on the History sheet.",
            employee=emp)
