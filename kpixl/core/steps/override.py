"""``override``: a condition forces values and raises a flag (building block 23).

S14 R-GB-7: two or more penalty occurrences in the month set 绩效分 to 0 and the grade to E,
and raise 严重警告: ``{"when": "qty('PEN_*') >= 2", "set": {"performance_score": "0",
"grade": "'E'"}, "flag": {"code": "FLAG_SEVERE_WARNING", ...}}``. ``set`` maps value names to
expressions evaluated before any of them is changed. Later steps see the forced values (a
``grade_window`` keeps an overridden grade).
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import MissingInput
from ..expr import Expression
from ..numbers import plain
from .base import Step


class OverrideStep(Step):
    kind = "override"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.rule_def = self.rule(spec["rule"])
        self.when = self.expression("when")
        self.set = {k: Expression(v, f"{where}.set.{k}") for k, v in spec["set"].items()}
        self.flag = spec.get("flag")
        self.evidence = tuple(spec.get("evidence", ()))
        self.explain = spec.get("explain") or {"zh": self.when.text, "en": self.when.text}

    def outputs(self) -> list[str]:
        return list(self.set)

    def run(self, ctx) -> None:
        rule = self.scheme.rules[self.rule_def.code]
        for emp in ctx.ids:
            if ctx.is_blocked(emp):
                continue
            env = ctx.env(emp)
            try:
                if not self.when.evaluate(env):
                    continue
                new = {k: e.evaluate(env) for k, e in self.set.items()}
            except MissingInput as exc:
                ctx.block(emp, exc.problem if exc.problem.employee else replace(exc.problem, employee=emp))
                continue
            old = {k: ctx.values[emp].get(k) for k in new}
            ctx.values[emp].update(new)
            shown_zh = "，".join(f"{k} {_t(old[k])} → {_t(v)}" for k, v in new.items())
            shown_en = ", ".join(f"{k} {_t(old[k])} -> {_t(v)}" for k, v in new.items())
            ctx.note(emp, self.kind, rule.code, None, f"{rule.code} {rule.zh}：{self.explain['zh']}，{shown_zh}",
                     f"{rule.code} {rule.en}: {self.explain['en']}, {shown_en}", env.read)
            label = self.flag or rule.flag
            if label:
                ctx.add_flag(emp, (self.flag or {}).get("code", rule.code), label["zh"], label["en"],
                             self._evidence(ctx, emp) or env.read or ["条件 / condition"])

    def _evidence(self, ctx, emp) -> list[str]:
        """Source cells of the employee's event rows whose rule matches ``evidence`` patterns."""
        import fnmatch

        ev = ctx.events
        if not self.evidence or ev.empty:
            return []
        rows = ev[(ev["employee"] == emp) & ev["rule"].map(lambda r: any(fnmatch.fnmatchcase(r, p) for p in self.evidence))]
        return [ctx.inputs.events.ref("rule", int(r)) for r in rows["xl_row"]]


def _t(v) -> str:
    from decimal import Decimal

    return plain(v) if isinstance(v, Decimal) else ("-" if v is None else str(v))
