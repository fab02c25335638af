"""``ladder``: a level ladder driven by monthly counters (building block 24; S15).

Each employee starts a month in a state read from the History sheet: a level, MISS (the
consecutive months in which the monthly task was not met) and a streak (the consecutive
months at the current level that passed the level's promotion tests). One month then runs:

1. pay in the month: the level's pay, or a pay-cut amount while MISS has reached the cut's
   count at that level (the cut ends with a met month or a level change);
2. the task expression decides "task met"; a met month resets MISS to 0, a missed one adds 1;
3. the promotion tests (all evaluated, every one must hold) extend or reset the streak;
4. the level's miss table is read with the new MISS: each entry raises its flag at exactly
   its count (or at every count from it on, with ``repeat``); an entry with ``to`` demotes
   (MISS and streak reset), ``blocks_promotion`` stops a promotion that month;
5. a streak of ``months`` plus the approval expression promotes (streak reset, MISS kept),
   unless a demotion or a blocking entry fired that month.

Changes take effect next month (R-G-10): the step publishes the month's outcome and the next
month's start state (``next_level``, ``next_miss``, ``next_streak``), which the next workbook's
History takes as its rows. The start state is the latest History state at or before the
scored month; when it is older, every month from it to the scored month is replayed in order
from the Metrics rows carrying those months in their ``period`` column. Only the scored
month's flags are raised; earlier months appear in the explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ..context import NameEnv, missing_metric
from ..errors import MissingInput, problem
from ..expr import Expression
from ..numbers import money, plain, to_decimal
from ..periods import add_months, parse_period
from .base import Step

VALUES = ["level", "task_met", "miss", "qualifies", "streak", "next_level", "next_miss", "next_streak", "next_pay"]


class MonthEnv(NameEnv):
    """Expression names for one month of one employee: Metrics rows of that month (a row whose
    ``period`` is the month, or the scored month's own rows); everything else as usual."""

    def __init__(self, ctx, employee: str, label: str):
        self.ctx, self.employee, self.label = ctx, employee, label
        self.base = ctx.env(employee)
        self._seen = {}

    def get(self, name: str) -> Any:
        ctx = self.ctx
        mdef = ctx.scheme.metrics.get(name)
        if mdef is None:
            value = self.base.get(name)
            self.saw(*self.base.read)
            return value
        hit = ctx.metric_of_period(self.employee, name, self.label)
        if hit is not None:
            self.saw(hit[1])
            return hit[0]
        if mdef.default is not None:
            return mdef.default
        raise MissingInput(missing_metric(ctx.inputs.metrics.label, self.employee, name, mdef, self.label))

    def count(self, patterns, scope, measure) -> Decimal:
        if self.label != self.ctx.period.label:
            raise MissingInput(problem(
                "events_of_other_month", self.ctx.inputs.events.label, f"{self.label} 的事件不在本工作簿中。",
                f"The events of {self.label} are not in this workbook.", "只在考核月使用 count()。",
                "Use count() for the scored month only.", employee=self.employee))
        return self.base.count(patterns, scope, measure)


@dataclass
class State:
    level: str
    miss: int
    streak: int
    miss_src: list[str] = field(default_factory=list)
    streak_src: list[str] = field(default_factory=list)
    level_src: str = ""


class LadderStep(Step):
    kind = "ladder"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.state_items = spec["state"]
        for key, code in self.state_items.items():
            if code not in scheme.history:
                raise self.error(f"历史项目 {code} 未定义。", f"History item {code} is not defined.",
                                 "在 history 中定义它。", "Define it under history.", f".state.{key}")
        self.levels = {lv["code"]: lv for lv in spec["levels"]}
        if len(self.levels) != len(spec["levels"]):
            raise self.error("级别代码重复。", "A level code is used twice.", "每个级别用不同的代码。",
                             "Give every level its own code.", ".levels")
        self.task = {None: self.expression("task")}
        self.tests: dict[str, list[Expression]] = {}
        self.approval: dict[str, Expression] = {}
        self.pay_rule = self.derived(spec["pay_rule"], "pay_rule")
        for i, lv in enumerate(spec["levels"]):
            at = f"{where}.levels[{i}]"
            if "task" in lv:
                self.task[lv["code"]] = Expression(lv["task"], f"{at}.task")
            promo = lv.get("promote")
            if promo:
                self._level(promo["to"], f".levels[{i}].promote.to")
                self.derived(promo["rule"], f"levels[{i}].promote.rule")
                self.tests[lv["code"]] = [Expression(t, f"{at}.promote.tests[{j}]") for j, t in enumerate(promo["tests"])]
                if "approval" in promo:
                    self.approval[lv["code"]] = Expression(promo["approval"], f"{at}.promote.approval")
            for j, entry in enumerate(lv.get("miss", [])):
                self.derived(entry["rule"], f"levels[{i}].miss[{j}].rule")
                for key in ("to", "pay_of"):
                    if key in entry:
                        self._level(entry[key], f".levels[{i}].miss[{j}].{key}")
        self.commission = spec.get("commission")
        if self.commission:
            self.derived(self.commission["rule"], "commission.rule")
            if self.commission["rate"] not in scheme.parameters or self.commission["of"] not in scheme.metrics:
                raise self.error("提成的比例须为参数、基数须为指标。", "Commission rate must be a parameter and its base a metric.",
                                 "在 parameters / metrics 中定义它们。", "Define them under parameters / metrics.", ".commission")

    def derived(self, code: str, key: str) -> str:
        rule = self.rule(code, key)
        if rule.kind != "derived":
            raise self.error(f"{code} 的类型应为 derived（由阶梯计算，不能手工录入）。",
                             f"{code} must have kind 'derived' (computed by the ladder, never recorded).",
                             "把该规则的 kind 改为 derived。", "Set the rule's kind to derived.", f".{key}")
        return code

    def _level(self, code: str, at: str) -> None:
        if code not in self.levels:
            raise self.error(f"级别 {code} 不存在。", f"Level {code} does not exist.",
                             f"使用：{', '.join(self.levels)}", f"Use one of: {', '.join(self.levels)}", at)

    def outputs(self) -> list[str]:
        return VALUES + [self.pay_rule] + ([self.commission["rule"]] if self.commission else [])

    # ------------------------------------------------------------------ helpers

    def label(self, code: str, lang: str = "zh") -> str:
        return self.levels[code][lang]

    def pay(self, level: str, miss: int) -> tuple[Decimal, dict | None]:
        """Pay of a month started at ``level`` with ``miss``: the level's pay, or the deepest pay cut reached."""
        cut = None
        for entry in self.levels[level].get("miss", []):
            if ("pay_of" in entry or "pay" in entry) and miss >= entry["at"] and (cut is None or entry["at"] > cut["at"]):
                cut = entry
        if cut is None:
            return to_decimal(self.levels[level]["pay"]), None
        amount = self.levels[cut["pay_of"]]["pay"] if "pay_of" in cut else cut["pay"]
        return to_decimal(amount), cut

    def _level_code(self, value) -> str | None:
        text = str(value or "").strip()
        for code, lv in self.levels.items():
            names = {code.upper(), lv["zh"], lv["en"].upper(), *lv.get("aliases", ())}
            if text.upper() in names or text in names:
                return code
        return None

    # ------------------------------------------------------------------ start state

    def start(self, ctx, emp: str) -> tuple[str, State]:
        period = ctx.period.label
        items = {key: ctx.history_items(emp, code) for key, code in self.state_items.items()}
        months = sorted({p for d in items.values() for p in d if len(p) == 7 and p <= period})
        hist = ctx.inputs.history
        label = hist.label if hist is not None else "历史 / History"
        if not months:
            code = self.state_items["level"]
            raise MissingInput(problem(
                "ladder_no_start", label, f"员工 {emp} 没有 {period} 或更早的起始状态（{code} 等）。",
                f"Employee {emp} has no start state ({code} ...) at or before {period}.",
                f"在历史表加行：工号 {emp}，月份（起始月），项目 {', '.join(self.state_items.values())}，数值。",
                f"Add History rows: employee {emp}, the start month, items {', '.join(self.state_items.values())}, values.",
                employee=emp))
        as_of = months[-1]

        def item(key):
            code = self.state_items[key]
            hit = items[key].get(as_of)
            if hit is not None:
                return hit
            default = self.scheme.history[code].default
            if default is None:
                raise MissingInput(problem(
                    "ladder_state_missing", label, f"员工 {emp} 在 {as_of} 的起始状态缺少 {code}。",
                    f"The start state of employee {emp} as of {as_of} has no {code}.",
                    f"在历史表加一行：工号 {emp}，月份 {as_of}，项目 {code}。",
                    f"Add a History row: employee {emp}, period {as_of}, item {code}.", employee=emp))
            from ..defaults import report_default

            # a default standing in for a start-state item not typed (MISS/STREAK absent = 0) is reported
            report_default(ctx, emp, self.scheme.history[code], label,
                           f"员工 {emp} 在 {as_of} 的起始状态没有 {code}（{self.scheme.history[code].zh}），按默认值 {default} 计算。",
                           f"The start state of employee {emp} as of {as_of} has no {code} "
                           f"({self.scheme.history[code].en}); the default {default} is used.",
                           f"如不是 {default}，在历史表加一行：工号 {emp}，月份 {as_of}，项目 {code}。",
                           f"If it is not {default}, add a History row: employee {emp}, period {as_of}, item {code}.")
            return default, f"{code} = {default}（默认 / default）"

        raw, level_src = item("level")
        level = self._level_code(raw)
        if level is None:
            shown = ", ".join(f"{c} {lv['zh']}" for c, lv in self.levels.items())
            raise MissingInput(problem(
                "ladder_bad_level", level_src, f"级别 “{raw}” 无效。", f"Level '{raw}' is not a level of this scheme.",
                f"填写：{shown}", f"Use one of: {shown}", employee=emp))
        (miss, miss_src), (streak, streak_src) = item("miss"), item("streak")
        miss, streak = int(to_decimal(miss)), int(to_decimal(streak))
        for entry in self.levels[level].get("miss", []):
            if "to" in entry and miss >= entry["at"]:
                raise MissingInput(problem(
                    "ladder_bad_state", miss_src,
                    f"{self.label(level)} 的 MISS 不可能是 {miss}：MISS 到 {entry['at']} 时已降级。",
                    f"MISS {miss} is impossible at {self.label(level, 'en')}: MISS {entry['at']} demotes.",
                    "核对起始状态（上月结束时的 next_level / next_miss）。",
                    "Check the start state (last month's next_level / next_miss).", employee=emp))
        state = State(level, miss, streak, [miss_src] if miss else [], [streak_src] if streak else [], level_src)
        return as_of, state

    # ------------------------------------------------------------------ run

    def run(self, ctx) -> None:
        for emp in ctx.ids:
            try:
                self.run_employee(ctx, emp)
            except MissingInput as exc:
                pr = exc.problem if exc.problem.employee else replace(exc.problem, employee=emp)
                ctx.block(emp, pr)

    def run_employee(self, ctx, emp: str) -> None:
        as_of, state = self.start(ctx, emp)
        # every input is read before anything is recorded, so a blocked employee leaves no flag or money line
        commission, line = self.commission_of(ctx, emp) if self.commission else (None, None)
        month = parse_period(as_of)
        ctx.note(emp, self.kind, self.state_items["level"], state.level,
                 f"起始状态（{as_of} 月初）：{self.label(state.level)}，MISS {state.miss}，连续达标 {state.streak} 个月。",
                 f"Start state (1st of {as_of}): {self.label(state.level, 'en')}, MISS {state.miss}, streak {state.streak}.",
                 [s for s in (state.level_src, *state.miss_src, *state.streak_src) if s])
        while True:
            last = month.label == ctx.period.label
            state, out = self.month(ctx, emp, month.label, state, last)
            if last:
                break
            month = add_months(month, 1)
        values = ctx.values[emp]
        values.update({k: out[k] for k in VALUES})
        values[self.pay_rule] = money(out["pay"])
        if self.commission:
            values[self.commission["rule"]] = commission
            if line is not None:
                ctx.add_money(**line)

    def month(self, ctx, emp: str, label: str, st: State, last: bool) -> tuple[State, dict]:
        lv = self.levels[st.level]
        pay, cut = self.pay(st.level, st.miss)
        env = MonthEnv(ctx, emp, label)
        task = self.task.get(st.level, self.task[None])
        met = bool(task.evaluate(env))
        task_src = env.read
        miss = 0 if met else st.miss + 1
        miss_src = [] if met else st.miss_src + task_src
        qualifies, streak, streak_src, test_src = None, 0, [], []
        if st.level in self.tests:
            env = MonthEnv(ctx, emp, label)
            results = [bool(t.evaluate(env)) for t in self.tests[st.level]]  # every test is read (R-G-9)
            qualifies = all(results)
            test_src = env.read
            streak = st.streak + 1 if qualifies else 0
            streak_src = st.streak_src + test_src if qualifies else []
        fired = [e for e in lv.get("miss", []) if miss == e["at"] or (e.get("repeat") and miss >= e["at"])]
        demote = next((e for e in fired if "to" in e), None)
        blocked = demote is not None or any(e.get("blocks_promotion") for e in fired)
        promo, approved, approval_src = lv.get("promote"), None, []
        if promo and streak >= promo["months"] and not blocked:
            approved = True
            if st.level in self.approval:
                env = MonthEnv(ctx, emp, label)
                approved = bool(self.approval[st.level].evaluate(env))
                approval_src = env.read
        promoted = bool(approved)
        nxt = self.month_end(st, miss, streak, miss_src, streak_src, demote, promo if promoted else None)
        next_pay, _ = self.pay(nxt.level, nxt.miss)
        effective = add_months(parse_period(label), 1).start.isoformat()
        if last:
            for e in fired:
                params: dict[str, Any] = {"miss": miss}
                if "to" in e:
                    params.update(to=e["to"], effective=effective)
                if "pay_of" in e or "pay" in e:
                    params.update(pay=next_pay, effective=effective)
                self.flag(ctx, emp, e["rule"], miss_src or task_src, params)
            if promoted:
                self.flag(ctx, emp, promo["rule"], streak_src + approval_src, {"to": promo["to"], "effective": effective})
            self.pay_line(ctx, emp, label, st, pay, cut)
        ctx.note(emp, self.kind, label, nxt.level,
                 *self.month_texts(label, st, pay, cut, met, miss, qualifies, streak, fired, promo, approved, blocked, nxt,
                                   next_pay), task_src + test_src + approval_src)
        out = {"level": st.level, "pay": pay, "task_met": met, "miss": miss, "qualifies": qualifies, "streak": streak,
               "next_level": nxt.level, "next_miss": nxt.miss, "next_streak": nxt.streak, "next_pay": money(next_pay)}
        return nxt, out

    @staticmethod
    def month_end(st: State, miss, streak, miss_src, streak_src, demote, promo) -> State:
        if demote is not None:  # R-HP-8: a demotion resets MISS and the streak
            return State(demote["to"], 0, 0)
        if promo is not None:  # R-HP-3, R-HP-12: a promotion resets the streak, not MISS
            return State(promo["to"], miss, 0, miss_src, [])
        return State(st.level, miss, streak, miss_src, streak_src, st.level_src)

    # ------------------------------------------------------------------ outputs

    def flag(self, ctx, emp: str, code: str, sources: list[str], params: dict) -> None:
        rule = self.scheme.rules[code]
        label = rule.flag or {"zh": rule.zh, "en": rule.en}
        ctx.add_flag(emp, code, label["zh"], label["en"], sources or ["历史 / History"], params)

    def pay_line(self, ctx, emp: str, label: str, st: State, pay: Decimal, cut: dict | None) -> None:
        rule = self.scheme.rules[self.pay_rule]
        why_zh = f"，降薪中（MISS {st.miss} ≥ {cut['at']}）" if cut else ""
        why_en = f", pay cut (MISS {st.miss} >= {cut['at']})" if cut else ""
        ctx.add_money(employee=emp, rule=rule.code, amount=money(pay), direction="award",
                      where=st.level_src or f"{label}（重算 / replayed）",
                      row=-1, date=None, qty=1.0, value=None,
                      text_zh=f"{rule.zh}：{label} {self.label(st.level)}{why_zh}，{plain(pay)} 元",
                      text_en=f"{rule.en}: {label} {self.label(st.level, 'en')}{why_en}, {plain(pay)} yuan")

    def commission_of(self, ctx, emp: str):
        spec = self.commission
        rule = self.scheme.rules[spec["rule"]]
        p = ctx.inputs.parameters.get(spec["rate"])
        pdef = self.scheme.parameters[spec["rate"]]
        if (p is None or p.value is None) and pdef.default is None:
            ctx.note(emp, self.kind, rule.code, None, f"{rule.zh}：未配置提成比例 {spec['rate']}，只报底薪。",
                     f"{rule.en}: no rate {spec['rate']} configured; base pay only.")
            return "未配置 / not configured", None
        rate = to_decimal(p.value if p is not None and p.value is not None else pdef.default)
        env = MonthEnv(ctx, emp, ctx.period.label)
        base = to_decimal(env.get(spec["of"]))
        amount = money(base * rate)
        where = ", ".join(env.read + [p.where] if p is not None else env.read) or ctx.inputs.metrics.label
        return amount, dict(employee=emp, rule=rule.code, amount=amount, direction="award", where=where, row=-1,
                            date=None, qty=1.0, value=None,
                            text_zh=f"{rule.zh}：{spec['of']} {plain(base)} × {plain(rate)} = {amount} 元",
                            text_en=f"{rule.en}: {spec['of']} {plain(base)} x {plain(rate)} = {amount} yuan")

    def month_texts(self, label, st, pay, cut, met, miss, qualifies, streak, fired, promo, approved, blocked, nxt,
                    next_pay) -> tuple[str, str]:
        zh = [f"{label}：{self.label(st.level)}，底薪 {plain(pay)} 元" + ("（降薪）" if cut else ""),
              f"任务{'完成' if met else '未完成'}，MISS {miss}"]
        en = [f"{label}: {self.label(st.level, 'en')}, pay {plain(pay)}" + (" (cut)" if cut else ""),
              f"task {'met' if met else 'missed'}, MISS {miss}"]
        if met and st.miss:  # rule 5: a met month resets MISS and ends any review
            zh.append(f"MISS 由 {st.miss} 清零，审查结束")
            en.append(f"MISS reset from {st.miss}, any review ends")
        if qualifies is not None:
            zh.append(f"晋升条件{'达到' if qualifies else '未达到'}，连续 {streak} 个月")
            en.append(f"promotion tests {'passed' if qualifies else 'failed'}, streak {streak}")
        for e in fired:
            zh.append(f"{e['rule']}")
            en.append(f"{e['rule']}")
        if promo and streak >= promo["months"]:
            if blocked:
                zh.append(f"不晋升（降级/淘汰优先）→ {promo['rule']} 未执行")
                en.append(f"no promotion (demotion/elimination wins over {promo['rule']})")
            elif approved:
                zh.append(f"{promo['rule']} 晋升为{self.label(promo['to'])}")
                en.append(f"{promo['rule']}: promoted to {self.label(promo['to'], 'en')}")
            else:
                zh.append("未记录审批，不晋升，连续月数继续累计")
                en.append("no approval recorded: not promoted, the streak keeps counting")
        zh.append(f"下月：{self.label(nxt.level)}，MISS {nxt.miss}，连续 {nxt.streak}，底薪 {plain(next_pay)} 元")
        en.append(f"next month: {self.label(nxt.level, 'en')}, MISS {nxt.miss}, streak {nxt.streak}, pay {plain(next_pay)}")
        return "；".join(zh) + "。", "; ".join(en) + "."
