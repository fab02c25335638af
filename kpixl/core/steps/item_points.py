"""``item_points``: a group's points from its given rank on each monthly item x the item's level.

S14 (R-GB-1, R-GB-2): the department sets the month's items and their levels (a list
parameter, default 7 items with levels 1, 1, 1, 2, 2, 3, 4); each group's rank on item n is
the team metric with the item's code (``GB_ITEM_n``, ties share a rank). Points per item are a
formula over ``rank`` and ``level`` (``level * max(0, 9 - rank)``, also with fewer than 8
groups); the group total is their sum. Values are kept per team (``ctx.groups``) and on every
member (``output``, and ``CODE.points`` per item), so the report shows groups and members.
A group with a missing rank blocks its members (R-G-9); the group ranking then blocks everyone.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from decimal import Decimal

from ..errors import MissingInput, problem
from ..numbers import plain, to_decimal
from .base import Step

_PAIR = re.compile(r"^\s*(?:([A-Za-z][A-Za-z0-9_]*|[^:=：]+?)\s*[:=：]\s*)?([0-9]+)\s*$")


def parse_items(value, prefix: str) -> list[dict]:
    """Items from a parameter: a list of {code, name, level}, a list of levels, or text such as
    ``1;1;1;2;2;3;4`` or ``GB_ITEM_1:1; 走访客户:2`` (entries separated by ; 、 | or new lines)."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "[(":
            value = ast.literal_eval(text)
        else:
            parts = [p for p in re.split(r"[;；、|\n]+" if re.search(r"[;；、|\n]", text) else r"[,，\s]+", text) if p.strip()]
            value = []
            for i, p in enumerate(parts, start=1):
                m = _PAIR.match(p)
                if not m:
                    raise ValueError(p)
                name, level = m.group(1), int(m.group(2))
                code = name.upper() if name and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) else f"{prefix}{i}"
                value.append({"code": code, "name": name if name and code != name.upper() else code, "level": level})
    if isinstance(value, (int, Decimal)):
        value = [value]
    out = []
    for i, item in enumerate(value, start=1):
        if isinstance(item, dict):
            code = str(item.get("code") or f"{prefix}{i}").upper()
            out.append({"code": code, "name": str(item.get("name") or code), "level": to_decimal(item["level"])})
        else:
            out.append({"code": f"{prefix}{i}", "name": f"{prefix}{i}", "level": to_decimal(item)})
    return out


class _Names:
    def __init__(self, **values):
        self.values = values

    def get(self, name):
        return self.values[name]

    def has(self, name):
        return name in self.values


class ItemPointsStep(Step):
    kind = "item_points"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.items_param = spec["items"]
        self.formula = self.expression("points")
        self.output = spec["output"]
        self.prefix = spec["prefix"]  # the item metrics' code prefix, e.g. "GB_ITEM_" (their ranks)
        if self.items_param not in scheme.parameters:
            raise self.error(f"参数 {self.items_param} 未定义。", f"Parameter {self.items_param} is not defined.",
                             "在 parameters 中定义它。", "Define it under parameters.", ".items")

    def outputs(self) -> list[str]:
        return [self.output] + [f"{m}.points" for m in self.scheme.metrics if m.startswith(self.prefix)]

    def run(self, ctx) -> None:
        try:
            raw = ctx.param(self.items_param)
        except MissingInput as exc:
            for emp in ctx.ids:
                ctx.block(emp, exc.problem)
            return
        p = ctx.inputs.parameters.get(self.items_param)
        where = p.where if p else ctx.inputs.parameters_label
        try:
            items = parse_items(raw, self.prefix)
            unknown = [i["code"] for i in items if i["code"] not in self.scheme.metrics]
            if unknown or not items:
                raise ValueError(", ".join(unknown))
        except (ValueError, SyntaxError, KeyError, TypeError) as exc:
            shown = ", ".join(m for m in self.scheme.metrics if m.startswith(self.prefix))
            pr = problem("bad_items", where, f"评比项目 “{raw}” 无法识别（{exc}）。", f"The item list '{raw}' cannot be read ({exc}).",
                         f"写成 1;1;1;2;2;3;4（各项级别），或 代码:级别；可用代码：{shown}。",
                         f"Write levels like 1;1;1;2;2;3;4, or CODE:level pairs; codes: {shown}.")
            for emp in ctx.ids:
                ctx.block(emp, pr)
            return
        members: dict[str, list[str]] = {}
        for emp in ctx.ids:
            try:
                members.setdefault(str(ctx.attribute(emp, "team")), []).append(emp)
            except MissingInput as exc:
                ctx.block(emp, exc.problem)
        teams = set(members)
        for code in (i["code"] for i in items):
            rows = ctx.metric_rows(code)
            if not rows.empty and "team" in rows:
                teams |= {t for t in rows["team"] if t}
        for team in sorted(teams):
            self._team(ctx, team, items, members.get(team, []))

    def _team(self, ctx, team, items, members) -> None:
        total, parts_zh, parts_en, sources, per_item = Decimal(0), [], [], [], {}
        for item in items:
            hit = ctx.metric_of_period(team, item["code"], ctx.period.label)
            if hit is None:
                pr = problem("missing_metric", ctx.inputs.metrics.label,
                             f"缺少小组 {team} 在评比项目 {item['code']}（{item['name']}）上的名次。",
                             f"The rank of group {team} on item {item['code']} ({item['name']}) is missing.",
                             f"在指标表加一行：小组 {team}，指标 {item['code']}，名次。",
                             f"Add a Metrics row: team {team}, metric {item['code']}, the rank.")
                ctx.add_problem(pr)
                ctx.groups[team].pop(self.output, None)  # the group exists, its total is unknown
                for emp in members:
                    ctx.block(emp, replace(pr, employee=emp))
                return
            rank = to_decimal(hit[0])
            pts = to_decimal(self.formula.evaluate(_Names(rank=rank, level=item["level"])))
            total += pts
            per_item[f"{item['code']}.points"] = pts
            sources.append(hit[1])
            parts_zh.append(f"{item['name']} 第{plain(rank)}名 × {plain(item['level'])}级 = {plain(pts)}")
            parts_en.append(f"{item['name']} rank {plain(rank)} x level {plain(item['level'])} = {plain(pts)}")
        group = ctx.groups[team]
        group.update(per_item)
        group[self.output] = total
        for emp in members:
            ctx.values[emp].update(per_item)
            ctx.values[emp][self.output] = total
            ctx.note(emp, self.kind, self.output, total,
                     f"小组 {team}：" + "；".join(parts_zh) + f"；合计 {plain(total)}（R-GB-2）",
                     f"Group {team}: " + "; ".join(parts_en) + f"; total {plain(total)} (R-GB-2)", sources)
