"""Group grades: ``grade_window`` (a member's grade bounded by the group's) and the group
environment that ``decision_table`` with ``"scope": "team"`` decides in (S14 R-GB-3).

``grade_window`` (building block 22): a member's grade must lie in the window allowed by the
group's grade (S14 R-GB-4, R-GB-5); the entered grade (a metric) defaults to the group's grade
(marked as a default); a grade outside the window is a located error naming the allowed
grades. A grade already set by an earlier ``override`` step is kept (R-GB-7 takes precedence).
"""

from __future__ import annotations

from ..context import NameEnv
from ..errors import MissingInput, problem
from .base import Step


class TeamEnv(NameEnv):
    """Expression names of one group: its values, team metrics and parameters."""

    def __init__(self, ctx, team: str):
        self.ctx, self.team, self._seen = ctx, team, {}

    def get(self, name):
        ctx = self.ctx
        group = ctx.groups.get(self.team, {})
        if name in group:
            return group[name]
        mdef = ctx.scheme.metrics.get(name)
        if mdef is not None:
            for key in (self.team, ""):
                hit = ctx.metric_of_period(key, name, ctx.period.label)
                if hit is not None:
                    self.saw(hit[1])
                    return hit[0]
            if mdef.default is not None:
                return mdef.default
            raise MissingInput(problem("missing_metric", ctx.inputs.metrics.label,
                                       f"缺少小组 {self.team} 的指标 {name}（{mdef.zh}）。",
                                       f"Metric {name} ({mdef.en}) is missing for group {self.team}.",
                                       f"在指标表加一行：小组 {self.team}，指标 {name}。",
                                       f"Add a Metrics row: team {self.team}, metric {name}."))
        if name in ctx.scheme.parameters or name in ctx.inputs.parameters:
            return ctx.param(name)
        raise MissingInput(problem(  # e.g. group.rank an earlier error left uncomputed (not a parameter)
            "unknown_name", ctx.scheme.path, f"名称 {name} 未定义。", f"Name {name} is not defined.",
            "在方案中定义该指标或参数。", "Define it as a metric or parameter in the scheme."))


def team_members(ctx) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    if "team" in ctx.employees:
        for emp in ctx.ids:
            team = str(ctx.employees.at[emp, "team"] or "")
            if team:
                members.setdefault(team, []).append(emp)
    return members


class GradeWindowStep(Step):
    kind = "grade_window"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.output = spec["output"]
        self.group = spec["group"]
        self.entered = spec.get("entered")
        self.windows = {k.upper(): [g.upper() for g in v] for k, v in spec["windows"].items()}

    def outputs(self) -> list[str]:
        return [self.output]

    def run(self, ctx) -> None:
        for emp in ctx.ids:
            values = ctx.values[emp]
            if ctx.is_blocked(emp) or self.group not in values:
                continue
            group = str(values[self.group]).upper()
            allowed = self.windows.get(group, [group])
            if self.output in values:
                ctx.note(emp, self.kind, self.output, values[self.output],
                         f"等级已由处罚规则定为 {values[self.output]}，不受小组等级 {group} 的范围限制（R-GB-7）。",
                         f"The grade was set to {values[self.output]} by the override, outside the group window (R-GB-7).")
                continue
            hit = ctx.metric_of_period(emp, self.entered, ctx.period.label) if self.entered else None
            if hit is None or str(hit[0]).strip() == "":
                values[self.output] = group
                ctx.note(emp, self.kind, self.output, group,
                         f"组长未录入等级，默认为小组等级 {group}（R-GB-5）。",
                         f"No grade entered by the group leader: the group's grade {group} is the default (R-GB-5).")
                continue
            grade = str(hit[0]).strip().upper()
            if grade not in allowed:
                shown = ", ".join(allowed)
                ctx.block(emp, problem(
                    "grade_outside_window", hit[1],
                    f"员工 {emp} 的等级 {grade} 不允许：小组等级为 {group}，只能评 {'、'.join(allowed)}（R-GB-4）。",
                    f"grade {grade} not allowed for a member of a group graded {group}; allowed: {shown} (R-GB-4).",
                    f"改为 {'、'.join(allowed)} 之一。", f"Enter one of {shown}.", employee=emp))
                continue
            values[self.output] = grade
            ctx.note(emp, self.kind, self.output, grade,
                     f"组长评定等级 {grade}，在小组等级 {group} 的范围 {'、'.join(allowed)} 内。",
                     f"Grade {grade} entered by the group leader, within the window {', '.join(allowed)} of group grade {group}.",
                     [hit[1]])
