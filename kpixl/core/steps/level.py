"""``level``: cumulative points against thresholds, keeping the highest level reached (building block 20).

S7 (R-DC-11): cumulative net points since joining, before exchange, evaluated at month end:
cumulative = the latest earlier ``cumulative`` History item + this month's ``add`` value; the
level is the highest threshold reached, and never below the level already held (the latest
earlier ``keep`` History item, a level code or its Chinese name), because the seed has no
demotion. Without History the employee starts at 0 with no level (noted) where that is the rule
(ledger_state.py; the exchange step checks the account when the scheme has one).

Publishes ``cumulative_before``, ``cumulative``, ``level`` (a level rule code, or "" for none)
and ``level_name`` (its Chinese name).
"""

from __future__ import annotations

from ..errors import MissingInput, problem
from ..numbers import ZERO, plain, to_decimal
from .base import Step
from .exchange import latest_history, signed_term
from .ledger_state import account_holder, missing_state, state_items


class LevelStep(Step):
    kind = "level"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.levels = []
        for i, lv in enumerate(spec["levels"]):
            self.rule(lv["rule"], f"levels[{i}].rule")
            self.levels.append((lv["rule"], to_decimal(lv["min"])))
        if [m for _, m in self.levels] != sorted(m for _, m in self.levels):
            raise self.error("等级门槛必须从低到高排列。", "Levels must be listed from the lowest threshold up.",
                             "按门槛升序排列。", "Sort them by min.", ".levels")

    def outputs(self) -> list[str]:
        return ["cumulative_before", "cumulative", "level", "level_name"]

    def run(self, ctx) -> None:
        rules = self.scheme.rules
        order = {code: i for i, (code, _) in enumerate(self.levels)}
        names = {rules[c].zh: c for c, _ in self.levels}
        checked = any(st.kind == "exchange" for st in self.scheme.steps)  # the account was checked there
        items = state_items(self.scheme)
        holder = None if checked else account_holder(ctx, items)
        for emp in ctx.ids:
            if ctx.is_blocked(emp):
                continue
            pr = None if checked else missing_state(ctx, emp, items, holder)
            if pr is not None:
                ctx.add_problem(pr)
            try:
                add = to_decimal(ctx.env(emp).get(self.spec["add"]))
            except MissingInput as exc:
                ctx.block(emp, exc.problem)
                continue
            prior = latest_history(ctx, emp, self.spec["cumulative"])
            before = to_decimal(prior[0]) if prior else ZERO
            after = before + add
            reached = ""
            for code, mn in self.levels:
                if after >= mn:
                    reached = code
            held = latest_history(ctx, emp, self.spec["keep"]) if self.spec.get("keep") else None
            kept = False
            if held is not None:
                text = str(held[0]).strip()
                code = text.upper() if text.upper() in order else names.get(text)
                if code is None and text:
                    shown = "、".join(f"{c}（{rules[c].zh}）" for c, _ in self.levels)
                    ctx.block(emp, problem("unknown_level", held[1], f"等级 “{text}” 无法识别。", f"Level '{text}' is not known.",
                                           f"填写 {shown} 之一。", f"Use one of {shown}.", employee=emp))
                    continue
                if code and (not reached or order[code] > order[reached]):
                    reached, kept = code, True
            values = ctx.values[emp]
            values.update(cumulative_before=before, cumulative=after, level=reached,
                          level_name=rules[reached].zh if reached else "")
            srcs = [p[1] for p in (prior, held) if p]
            name = f"{reached}（{rules[reached].zh}）" if reached else "无 / none"
            ctx.note(emp, self.kind, reached or "LEVEL", reached,
                     f"累计积分 {plain(before)} {signed_term(add)} = {plain(after)}；等级 {name}" + ("（保留已达到的最高等级）" if kept else ""),
                     f"Cumulative points {plain(before)} {signed_term(add)} = {plain(after)}; level {name}"
                     + (" (highest level already reached is kept)" if kept else ""), srcs)
