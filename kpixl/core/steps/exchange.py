"""``exchange``: a points account with carry-over and a cash exchange (building block 19; S7 R-DC-9/10/14).

balance = carry-in + the month's net points. If the balance is positive, floor(fraction x
balance) whole points are exchanged and the rest carries over (so the account never empties,
"保证积分不清零"); a balance of 0 or less is not exchanged and carries over as it is.
cash = exchanged x rate, rounded to 0.01 yuan, booked as an award line (the conversion the
section defines, R-G-8). The rate is an expression (S7: 1 yuan x this month's department
bookings / last month's, 1 when last month had none); an optional parameter may raise it but
never lower it (R-DC-14). The rate's inputs are needed only when something is exchanged.

The carry-in is the latest earlier History item named by ``carry_in`` (the S7 ledger state
``CARRY_OUT``); without one the account starts at 0, and the explanation says so. Missing rate
inputs leave the cash value empty with a warning: the points and the exchange stand.

Publishes ``carry_in``, ``balance``, ``exchanged``, ``carry_out``, ``exchange_rate``, ``cash``.
"""

from __future__ import annotations

from ..errors import MissingInput, problem
from ..numbers import ZERO, floor_int, money, plain, to_decimal
from .base import Step

OUTPUTS = ("carry_in", "balance", "exchanged", "carry_out", "exchange_rate", "cash")


def latest_history(ctx, emp: str, item: str):
    """(value, where, period) of the latest History row of ``item`` before the period, or None."""
    items = {p: v for p, v in ctx.history_items(emp, item).items() if p < ctx.period.label}
    if not items:
        return None
    per = max(items)
    return items[per][0], items[per][1], per


class ExchangeStep(Step):
    kind = "exchange"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.rule_def = self.rule(spec["rule"])
        self.cash_rule = self.rule(spec["cash_rule"], "cash_rule")
        self.fraction = to_decimal(spec["fraction"])
        self.rate = self.expression("rate")
        self.net = spec["net"]
        self.carry_item = spec["carry_in"]
        self.override = spec.get("override")

    def outputs(self) -> list[str]:
        return list(OUTPUTS)

    def run(self, ctx) -> None:
        rule, cash_rule = self.scheme.rules[self.rule_def.code], self.scheme.rules[self.cash_rule.code]
        ov = ctx.inputs.parameters.get(self.override) if self.override else None
        for emp in ctx.ids:
            if ctx.is_blocked(emp):
                continue
            env = ctx.env(emp)
            try:
                self._one(ctx, emp, env, rule, cash_rule, ov)
            except MissingInput as exc:
                pr = exc.problem
                if pr.employee is None:
                    from dataclasses import replace

                    pr = replace(pr, employee=emp)
                ctx.block(emp, pr)

    def _one(self, ctx, emp, env, rule, cash_rule, ov) -> None:
        net = to_decimal(env.get(self.net))
        prior = latest_history(ctx, emp, self.carry_item)
        if prior is None:
            carry_in, src = ZERO, []
            ctx.note(emp, self.kind, rule.code, ZERO, f"历史表没有上月末积分（{self.carry_item}），按新账户从 0 开始。",
                     f"No {self.carry_item} on the History sheet: the account starts at 0.")
        else:
            carry_in, src = to_decimal(prior[0]), [prior[1]]
        balance = carry_in + net
        exchanged = floor_int(self.fraction * balance) if balance > 0 else ZERO
        carry_out = balance - exchanged
        values = ctx.values[emp]
        values.update(carry_in=carry_in, balance=balance, exchanged=exchanged, carry_out=carry_out,
                      exchange_rate=None, cash=money(ZERO))
        ctx.note(emp, self.kind, rule.code, exchanged,
                 f"{rule.code} {rule.zh}：余额 {plain(carry_in)} {signed_term(net)} = {plain(balance)}；"
                 + (f"兑换 floor({plain(self.fraction)} × {plain(balance)}) = {plain(exchanged)}，结转 {plain(carry_out)}"
                    if balance > 0 else f"余额不大于 0，不兑换，结转 {plain(carry_out)}（R-DC-9）"),
                 f"{rule.code} {rule.en}: balance {plain(carry_in)} {signed_term(net)} = {plain(balance)}; "
                 + (f"exchanged floor({plain(self.fraction)} x {plain(balance)}) = {plain(exchanged)}, carried {plain(carry_out)}"
                    if balance > 0 else f"not positive, nothing exchanged, carried {plain(carry_out)} (R-DC-9)"), src)
        if exchanged <= 0:
            return
        try:
            floor_rate = to_decimal(self.rate.evaluate(env))
        except MissingInput as exc:  # the points stand; only the cash value cannot be computed
            pr = exc.problem
            ctx.add_problem(problem(
                "cash_not_computed", pr.where, f"{pr.zh} 因此无法计算兑换金额（积分结果不受影响）。",
                f"{pr.en} So the cash value cannot be computed (the points are not affected).",
                pr.fix_zh, pr.fix_en, employee=emp, severity="warning"))
            ctx.note(emp, self.kind, cash_rule.code, None, f"{cash_rule.code}：缺少兑换标准的输入，兑换金额未计算。",
                     f"{cash_rule.code}: the rate's inputs are missing, so no cash value is computed.")
            ctx.values[emp].update(cash=None)
            return
        rate, how_zh, how_en = floor_rate, f"兑换标准 {plain(floor_rate)} 元/分", f"rate {plain(floor_rate)} yuan per point"
        if ov is not None and ov.value is not None:
            over = to_decimal(ov.value)
            if over < floor_rate:
                raise MissingInput(problem(
                    "override_below_floor", ov.where,
                    f"{self.override} = {plain(over)} 低于按公式计算的兑换标准 {plain(floor_rate)}，不允许下调（R-DC-14）。",
                    f"{self.override} = {plain(over)} is below the computed floor rate {plain(floor_rate)}; it may only raise it (R-DC-14).",
                    f"填写不低于 {plain(floor_rate)} 的数，或清空。", f"Enter at least {plain(floor_rate)}, or clear it.",
                    employee=emp))
            rate = over
            how_zh = f"公式兑换标准 {plain(floor_rate)}，HR 上调为 {plain(over)} 元/分"
            how_en = f"floor rate {plain(floor_rate)}, raised by HR to {plain(over)} yuan per point"
            env.saw(ov.where)
        cash = money(exchanged * rate)
        sources = env.read
        ctx.values[emp].update(exchange_rate=rate, cash=cash)
        ctx.add_money(employee=emp, rule=cash_rule.code, amount=cash, direction="award",
                      where=", ".join(sources) or "公式 / formula", row=-1, date=None, qty=float(exchanged),
                      value=None, text_zh=f"{cash_rule.code} {cash_rule.zh}：{plain(exchanged)} 分 × {how_zh} = {cash} 元",
                      text_en=f"{cash_rule.code} {cash_rule.en}: {plain(exchanged)} points x {how_en} = {cash} yuan")


def signed_term(v) -> str:
    """``+ 5`` or ``- 4`` for a term added to a sum."""
    return f"+ {plain(v)}" if v >= 0 else f"- {plain(-v)}"
