"""``condition``: a derived rule given once per period when a condition holds (R-G-13).

Examples: S1 全勤 ``count('ATT_*') == 0 and LEAVE_DAYS == 0`` (R-WK-10), 按时参加
(R-WK-9), the department-clean bonus ``dept_count(...) == 0`` (R-WK-11). The points come
from the rule table, so a clerk's edit of the rule's points takes effect. Inputs the
condition needs are required only where it reads them (``and`` short-circuits), and a
missing one is a located error for that employee (R-G-9, R-WK-19).

``params`` (optional) gives the raised flag its parameters (R-G-18) as expressions evaluated
when the flag is raised, e.g. S3/S5 ``M_BOTTOM3_PLAN``'s ``due`` (R-BR-16).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..columns import evaluate_columns
from ..context import SharedNote
from ..errors import MissingInput
from ..expr import Expression
from ..frames import frame
from ..numbers import plain, to_units
from .base import Step


class ConditionStep(Step):
    kind = "condition"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.rule_def = self.rule(spec["rule"])
        if self.rule_def.kind != "derived":
            raise self.error(f"{self.rule_def.code} 的类型应为 derived（自动计算）。",
                             f"{self.rule_def.code} must have kind 'derived' to be awarded by a condition.",
                             "把该规则的 kind 改为 derived。", "Set the rule's kind to derived.", ".rule")
        self.when = self.expression("when")
        self.explain = spec.get("explain") or {"zh": self.when.text, "en": self.when.text}
        self.params = [(k, Expression(str(v), f"{where}.params.{k}")) for k, v in spec.get("params", {}).items()]
        if self.params and not self.rule_def.flag:
            raise self.error(f"{self.rule_def.code} 没有 flag，不能有标记参数 params。",
                             f"{self.rule_def.code} raises no flag, so the step cannot give flag params.",
                             "给该规则加 flag {zh, en}，或删除 params。", "Give the rule a flag {zh, en} or remove params.",
                             ".params")

    def priced_rules(self) -> set[str]:
        return {self.rule_def.code}  # its points are read from the rule table in force

    def run(self, ctx) -> None:
        rule = self.scheme.rules[self.rule_def.code]  # the (possibly edited) rule of this run
        points = rule.points
        flag_only = points is None and rule.flag
        not_zh = f"{rule.code} {rule.zh}：不满足“{self.explain['zh']}”，{'不标记' if flag_only else '不加分'}。"
        not_en = (f"{rule.code} {rule.en}: not {'raised' if flag_only else 'awarded'}, because it is not the case "
                  f"that {self.explain['en']}.")
        # every employee at once where the inputs are all there (columns.py); the rest one by one
        columns = evaluate_columns(self.when, ctx)
        ids = ctx.ids
        undecided = self._undecided(ctx)
        rest = ids
        if columns is not None:
            values, decided = columns
            holds = np.array([bool(v) if d else False for v, d in zip(values.tolist(), decided.tolist(), strict=True)],
                             dtype=bool)
            out = decided & ~holds  # decided, not met: one shared line; the rest one by one
            if undecided:
                out &= ~np.isin(np.asarray(ids, dtype=object), list(undecided))
            ctx.note_each([ids[i] for i in np.flatnonzero(out).tolist()], _NotMet(self, ctx, rule.code, not_zh, not_en))
            rest = [ids[i] for i in np.flatnonzero(~out).tolist()]
        rows = []
        for emp in rest:
            env = ctx.env(emp)
            try:
                holds = bool(self.when.evaluate(env))
            except MissingInput as exc:
                pr = exc.problem
                if pr.employee is None:
                    from dataclasses import replace

                    pr = replace(pr, employee=emp)
                ctx.block(emp, pr)
                continue
            sources = env.read
            if not holds and emp in undecided:  # a place it reads was not given: neither yes nor no
                why_zh, why_en = undecided[emp]
                ctx.note(emp, self.kind, rule.code, None, f"{rule.code} {rule.zh}：未判定（{why_zh}）",
                         f"{rule.code} {rule.en}: not decided ({why_en})", sources)
                continue
            if not holds:
                ctx.note(emp, self.kind, rule.code, None, not_zh, not_en, sources)
                continue
            if rule.flag:
                params = {}
                for name, expr in self.params:
                    ok, params[name] = self.evaluate(ctx, emp, expr, env)
                    if not ok:
                        break
                else:
                    ctx.add_flag(emp, rule.code, rule.flag["zh"], rule.flag["en"], env.read or ["条件 / condition"], params)
            if points is None:
                continue
            e8 = to_units(points) * 10**4
            rows.append((emp, rule.code, rule.category or "", e8, ", ".join(sources) or "条件 / condition",
                         f"{rule.code} {rule.zh}：{self.explain['zh']}，{plain(points):s} 分",
                         f"{rule.code} {rule.en}: {self.explain['en']}, {plain(points)} points"))
        if rows:
            n = len(rows)
            ctx.add_ledger(frame({
                "employee": [r[0] for r in rows], "rule": rule.code, "category": rule.category or "",
                "points_e8": np.array([r[3] for r in rows], dtype="int64"),
                "counted_e8": np.array([r[3] for r in rows], dtype="int64"),
                "where": [r[4] for r in rows], "row": np.full(n, -1, dtype="int64"),
                "date": np.full(n, np.datetime64("NaT", "ns")), "qty": np.ones(n), "value": np.full(n, np.nan),
                "step": self.kind, "text_zh": [r[5] for r in rows], "text_en": [r[6] for r in rows],
            }))

    def _undecided(self, ctx) -> dict[str, tuple[str, str]]:
        """Employees for whom a ranking the condition reads was not made (rank.py ``when_blocked``
        "warn"), with why: "not met" would be a false statement for them."""
        codes = {name.split(".")[0] for name in self.when.names}
        out = {}
        for emp, skipped in ctx.unranked.items():
            why = next((skipped[c] for c in codes if c in skipped), None)
            if why is not None:
                out[emp] = why
        return out

    def read(self, ctx, emp: str) -> list[str]:
        """The cells the condition read for ``emp`` (a decided employee: every input is there)."""
        env = ctx.env(emp)
        self.when.evaluate(env)
        return env.read


class _NotMet(SharedNote):
    """"Not met" for every employee the columns decided against; the inputs read are named when the
    explanation is read (the same evaluation, again)."""

    __slots__ = ("step", "ctx", "code", "zh", "en")

    def __init__(self, step, ctx, code: str, zh: str, en: str):
        self.step, self.ctx, self.code, self.zh, self.en = step, ctx, code, zh, en

    def line(self, employee: str) -> tuple:
        return (self.step.kind, self.code, None, self.zh, self.en, partial(self.step.read, self.ctx, employee))
