"""``item_points``: a group's points from its given rank on each monthly item x the item's level.

S14 (R-GB-1, R-GB-2): the department sets the month's items and their levels (a list
parameter, default 7 items with levels 1, 1, 1, 2, 2, 3, 4); each group's rank on item n is
the team metric with the item's code (``GB_ITEM_n``, ties share a rank). Points per item are a
formula over ``rank`` and ``level`` (``level * max(0, 9 - rank)``, also with fewer than 8
groups); the group total is their sum. Values are kept per team (``ctx.groups``) and on every
member (``output``, and ``CODE.points`` per item), so the report shows groups and members.
A group with a missing rank blocks its members (R-G-9); the group ranking then blocks everyone.

The list parameter's ``min``/``max`` bound each item's level (S14: a whole number 1-4); a level
outside them, an item listed twice, or Metrics rows ranking an item of the prefix that the list
leaves out (a forgotten item, or rows not deleted) is an error that withholds every group:
each group's grade depends on every group's total.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from decimal import Decimal

from ..errors import MissingInput, Problem, problem
from ..numbers import plain, to_decimal
from .base import Step

_PAIR = re.compile(r"^\s*(?:([A-Za-z][A-Za-z0-9_]*|[^:=：]+?)\s*[:=：]\s*)?([0-9]+(?:\.[0-9]+)?)\s*$")
SHOWN_GROUPS = 10


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
                name, level = m.group(1), Decimal(m.group(2))
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


def _level_ok(level: Decimal, lo: Decimal, hi: Decimal | None) -> bool:
    return level == level.to_integral_value() and level >= lo and (hi is None or level <= hi)


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
        items, problems = self._items(raw, where)
        problems = problems or self._unlisted_rows(ctx, items, where)
        if problems:  # every group's grade depends on every group's total: withhold all
            for emp in ctx.ids:
                for pr in problems:
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

    def _items(self, raw, where: str) -> tuple[list[dict], list[Problem]]:
        """The month's items, or the problem at the ITEMS cell that makes them unusable."""
        try:
            items = parse_items(raw, self.prefix)
            unknown = [i["code"] for i in items if i["code"] not in self.scheme.metrics]
            if unknown or not items:
                raise ValueError(", ".join(unknown))
        except (ValueError, SyntaxError, KeyError, TypeError) as exc:
            shown = ", ".join(m for m in self.scheme.metrics if m.startswith(self.prefix))
            return [], [problem("bad_items", where, f"评比项目 “{raw}” 无法识别（{exc}）。",
                                f"The item list '{raw}' cannot be read ({exc}).",
                                f"写成 1;1;1;2;2;3;4（各项级别），或 代码:级别；可用代码：{shown}。",
                                f"Write levels like 1;1;1;2;2;3;4, or CODE:level pairs; codes: {shown}.")]
        pdef = self.scheme.parameters[self.items_param]
        lo, hi = pdef.min if pdef.min is not None else Decimal(1), pdef.max
        bad = [f"{i['code']} = {plain(i['level'])}" for i in items if not _level_ok(i["level"], lo, hi)]
        if bad:
            zh, en = (f"{plain(lo)}–{plain(hi)}", f"{plain(lo)}..{plain(hi)}") if hi is not None else (f"≥ {plain(lo)}",) * 2
            return [], [problem("bad_item_level", where, f"评比项目 “{raw}” 中 {'、'.join(bad)}：评分级别须为 {zh} 的整数。",
                                f"The item list '{raw}' has {', '.join(bad)}: a level is a whole number {en}.",
                                f"把这些项目的级别改为 {zh} 的整数，如 1;1;1;2;2;3;4。",
                                f"Give those items a whole level {en}, e.g. 1;1;1;2;2;3;4.")]
        codes = [i["code"] for i in items]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            return [], [problem("duplicate_item", where, f"评比项目 “{raw}” 中 {'、'.join(twice)} 出现了不止一次。",
                                f"The item list '{raw}' lists {', '.join(twice)} more than once.",
                                "每个项目只写一次（名次分不能重复计算）。", "List each item once (its rank points count once).")]
        return items, []

    def _unlisted_rows(self, ctx, items: list[dict], where: str) -> list[Problem]:
        """This month's Metrics rows ranking an item (code with the prefix) that the list leaves out
        (R-GB-1: a shorter list is valid, but its leftover rows are doubtful, never silently dropped)."""
        listed, out = {i["code"] for i in items}, []
        at_zh, _, at_en = where.partition(" / ")
        for code in (m for m in self.scheme.metrics if m.startswith(self.prefix) and m not in listed):
            rows = ctx.metric_rows(code)
            if not rows.empty:  # this month's rows (a row of another month, day or week is not a rank)
                rows = rows[rows["date"].isna() & rows["week_start"].isna() & rows["period"].isin(["", ctx.period.label])]
            if rows.empty:
                continue
            cell = ctx.inputs.metrics.ref("metric", int(rows["xl_row"].min()))
            teams = list(dict.fromkeys(t for t in rows.sort_values("xl_row")["team"] if t)) if "team" in rows else []
            shown = "、".join(teams[:SHOWN_GROUPS]) + (f" …（共 {len(teams)} 个）" if len(teams) > SHOWN_GROUPS else "")
            shown_en = ", ".join(teams[:SHOWN_GROUPS]) + (f", ... ({len(teams)} groups)" if len(teams) > SHOWN_GROUPS else "")
            out.append(problem(
                "item_not_listed", cell,
                f"指标表有 {len(rows)} 行小组在评比项目 {code} 上的名次（小组 {shown}），但本月的评比项目 {self.items_param}"
                f"（{at_zh}）没有列出该项目，无法确定这些名次是否计分。",
                f"{len(rows)} Metrics rows rank groups on item {code} (groups {shown_en}), but the month's item list "
                f"{self.items_param} ({at_en or at_zh}) does not list it, so whether those ranks count is unknown.",
                f"本月不评该项目就删除这些行；否则在 {at_zh} 的 {self.items_param} 中加上该项目及其级别（如 1;1;1;2;2;3;4）。",
                f"If the item is not rated this month, delete those rows; otherwise add it and its level to "
                f"{self.items_param} at {at_en or at_zh} (e.g. 1;1;1;2;2;3;4)."))
        return out

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
