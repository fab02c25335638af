"""``check``: scheme-specific validation rules written as expressions (building block 30).

A ``require`` item lists inputs that must be present (each missing one is its own located
error, R-G-9), ``unless`` a condition excuses them (S10: a new hire after the 10th, R-SQ-9;
S13: QA_FATAL only when QA_CALL > 0). Conditions elsewhere short-circuit, so without it a
missing input that no condition happened to read would go unnoticed.

Each check names a condition that is a *problem* when it holds, for example S2 "the
feedback rate is entered both as a rate and as counts" (R-MK-9), S3 "fewer spot checks
than weeks credited to the month" (a warning, R-BR-13) or S13 "fewer than 15 monitored
calls" (R-QA-4). An ``error`` blocks the employee's result; a ``warning`` is reported and
the score is unchanged. The problem names the cells the condition read, and the texts (fixes
too) may quote values as ``{NAME}`` and list absent inputs as ``{missing:A, B}``; ``at`` (an
employee attribute) names that attribute's cell first, where a blank one is the thing to fix.
"""

from __future__ import annotations

from ..errors import problem
from ..expr import Expression
from .base import Step, fill


class CheckStep(Step):
    kind = "check"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.checks = []
        self.requires = []
        for i, c in enumerate(spec["checks"]):
            at = f"{where}.checks[{i}]"
            if "require" in c:
                unless = Expression(c["unless"], f"{at}.unless") if c.get("unless") else None
                self.requires.append(([Expression(n, f"{at}.require") for n in c["require"]], unless))
            else:
                self.checks.append((c, Expression(c["when"], f"{at}.when")))

    def run(self, ctx) -> None:
        for emp in ctx.ids:
            for names, unless in self.requires:
                if unless is not None:
                    ok, excused = self.evaluate(ctx, emp, unless)
                    if not ok or excused:
                        continue
                for name in names:  # each is read on its own, so every missing input is reported (R-G-9)
                    self.evaluate(ctx, emp, name)
            for c, when in self.checks:
                env = ctx.env(emp)
                ok, holds = self.evaluate(ctx, emp, when, env)
                if not ok or not holds:
                    continue
                cells = env.read
                if c.get("at") and c["at"] in ctx.employees and "xl_row" in ctx.employees:  # the cell to fill in, first
                    at = ctx.inputs.employees.ref(c["at"], int(ctx.employees.at[emp, "xl_row"]))
                    cells = [at] + [w for w in cells if w != at]
                where = ", ".join(cells) or ctx.inputs.parameters_label
                severity = c.get("severity", "error")
                pr = problem(c["code"].lower(), where, f"员工 {emp}：{fill(c['zh'], env)}",
                             f"Employee {emp}: {fill(c['en'], env, ', ')}", fill(c.get("fix_zh", ""), env),
                             fill(c.get("fix_en", ""), env, ", "), employee=emp, severity=severity)
                if severity == "error":
                    ctx.block(emp, pr)
                else:
                    ctx.add_problem(pr)
