"""``exchange``: a points account with carry-over and a cash exchange (building block 19; S7 R-DC-9/10/14).

balance = carry-in + the month's net points. If the balance is positive, floor(fraction x
balance) whole points are exchanged and the rest carries over (so the account never empties,
"保证积分不清零"); a balance of 0 or less is not exchanged and carries over as it is.
cash = exchanged x rate, rounded to 0.01 yuan, booked as an award line (the conversion the
section defines, R-G-8). The rate is an expression (S7: 1 yuan x this month's department
bookings / last month's, 1 when last month had none); an optional parameter may raise it but
never lower it (R-DC-14). The rate's inputs are needed only when something is exchanged.

The carry-in is the latest earlier History item named by ``carry_in`` (the S7 ledger state
``CARRY_OUT``). Without the account of earlier months it starts at 0: silently only for an agent
hired in the month, else with a located warning (ledger_state.py). A missing rate
input (this month's or last month's department bookings) is a located error that withholds the
employee (R-G-9): the exchanged points leave the account, so the month is not complete without
their cash value. Last month's figure is a Metrics row with that month in its period column
(a month that truly had none is entered as 0, which R-DC-10 turns into the rate 1).

Publishes ``carry_in``, ``balance``, ``exchanged``, ``carry_out``, ``exchange_rate``, ``cash``.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import MissingInput, problem
from ..numbers import ZERO, floor_int, money, plain, to_decimal
from ..periods import add_months
from .base import Step
from .ledger_state import account_holder, missing_state, state_items

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
        items = state_items(self.scheme)
        holder = account_holder(ctx, items)
        for emp in ctx.ids:
            if ctx.is_blocked(emp):
                continue
            pr = missing_state(ctx, emp, items, holder)
            if pr is not None:
                ctx.add_problem(pr)
            env = ctx.env(emp)
            try:
                self._one(ctx, emp, env, rule, cash_rule, ov)
            except MissingInput as exc:
                pr = exc.problem
                ctx.block(emp, pr if pr.employee else replace(pr, employee=emp))

    def _one(self, ctx, emp, env, rule, cash_rule, ov) -> None:
        net = to_decimal(env.get(self.net))
        prior = latest_history(ctx, emp, self.carry_item)
        if prior is None:
            carry_in, src = ZERO, []
            ctx.note(emp, self.kind, rule.code, ZERO, f"历史表没有上月末积分（{self.carry_item}），按新账户从 0 开始。",
                     f"No {self.carry_item} on the History sheet: the account starts at 0.")
        else:
            carry_in, src = to_decimal(prior[0]), [prior[1]]
            last = add_months(ctx.period.month_periods()[0], -1).label
            if prior[2] < last:  # a month between: its points would be lost silently if it was scored
                ctx.add_problem(problem(
                    "carry_gap", prior[1],
                    f"上月末积分（{self.carry_item}）取自 {prior[2]}，没有 {last} 的记录。如果 {last} 计过积分，结转会少算那个月。",
                    f"The carry-in ({self.carry_item}) is taken from {prior[2]}; there is no row of {last}. If {last} was "
                    "scored, the carry-over misses that month.",
                    f"如果 {last} 计过积分，关账（kpixl close）或在历史表填写 {last} 的 {self.carry_item}；员工该月不在岗则无需处理。",
                    f"If {last} was scored, close it (kpixl close) or type its {self.carry_item} on the History sheet; "
                    "if the agent was away that month, nothing to do.", employee=emp, severity="warning"))
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
            floor_rate = to_decimal(self.rate.evaluate(_RateEnv(ctx, emp, env)))
        except MissingInput as exc:  # exchanged points without their cash value: the month is not complete
            pr = exc.problem
            raise MissingInput(replace(
                pr, zh=f"{pr.zh} 本月兑换 {plain(exchanged)} 分，兑换金额（{cash_rule.code}）无法计算，结果暂不发布（R-G-9）。",
                en=f"{pr.en} {plain(exchanged)} points are exchanged this month, so their cash value ({cash_rule.code}) "
                   f"cannot be computed and the result is withheld (R-G-9).", employee=emp)) from None
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


class _RateEnv:
    """The rate's names (the employee's own), except that a missing earlier month names the fix the
    scheme accepts: a Metrics row with that month in its period column (not a History row)."""

    def __init__(self, ctx, emp, env):
        self.ctx, self.emp, self.env = ctx, emp, env

    def __getattr__(self, name):
        return getattr(self.env, name)

    def prior(self, code, months, *default):
        try:
            return self.env.prior(code, months, *default)
        except MissingInput as exc:
            period = self.ctx.period
            label = add_months(type(period)(period.year, period.month), -int(months)).label
            group = self.ctx.group_keys(self.emp, code)[0] or "（空 / blank）"
            mdef = self.ctx.scheme.metrics.get(code)
            zh, en = (mdef.zh, mdef.en) if mdef else (code, code)
            raise MissingInput(replace(
                exc.problem,
                fix_zh=f"在指标表加一行：小组/部门 {group}，指标代码 {code}，所属月份 {label}，数值填 {label} 的{zh}"
                       f"（该月确实为 0 时填 0，兑换标准按 1 计，R-DC-10）。",
                fix_en=f"Add a Metrics row: team {group}, metric {code}, period {label}, value = the {en} of {label} "
                       f"(if it truly was 0, enter 0: the rate is then 1, R-DC-10).")) from None


def signed_term(v) -> str:
    """``+ 5`` or ``- 4`` for a term added to a sum."""
    return f"+ {plain(v)}" if v >= 0 else f"- {plain(-v)}"
