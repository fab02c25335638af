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

The ranks are typed by the clerk, so each item's ranks must be a competition ranking of the
month's groups (R-G-2, R-GB-2: 1, 2, 2, 4; tied groups share a rank and the ranks they displace
are vacant): a group's rank is 1 + the number of groups ranked ahead of it, and never above the
number of groups. Ranks such as 1, 1, 2 (the tie displaces rank 2, so the third group is 3rd) or
1, 2, 4 are an error at the first cell that breaks it, withholding every group (as above).
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from decimal import Decimal

from ..errors import MissingInput, Problem, problem
from ..numbers import NotANumber, plain, to_decimal
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


def _row_of(where: str) -> int:
    """The sheet row of a cell reference such as ``指标!D5 / Metrics!D5`` (0 if none)."""
    m = re.search(r"![A-Z]+([0-9]+)", where)
    return int(m.group(1)) if m else 0


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
        problems = [pr for item in items if (pr := self._ranking_problem(ctx, item, sorted(teams)))]
        if problems:  # a wrong rank changes that group's total, and so every group's rank and grade
            for emp in ctx.ids:
                for pr in problems:
                    ctx.block(emp, pr)
            return
        for team in sorted(teams):
            self._team(ctx, team, items, members.get(team, []))

    def _ranking_problem(self, ctx, item: dict, teams: list[str]) -> Problem | None:
        """The first typed rank of ``item`` that is not a competition ranking of the month's groups
        (R-G-2): a rank above the number of groups, or, when every group has its rank, a rank that is
        not 1 + the number of groups ranked ahead of it. Ranks that are not whole numbers from 1 are
        the Metrics sheet's own errors (not_whole, out_of_range), so the item is not judged here."""
        code, n, typed = item["code"], len(teams), []
        for team in teams:
            hit = ctx.metric_of_period(team, code, ctx.period.label)
            if hit is None:
                continue  # a missing rank is reported (and withholds) in _team
            try:
                rank = to_decimal(hit[0])
            except (NotANumber, ValueError, TypeError, ArithmeticError):
                return None
            if rank != rank.to_integral_value() or rank < 1:
                return None
            typed.append((team, int(rank), hit[1]))
        if not typed:
            return None
        ahead = {r: sum(1 for _, other, _w in typed if other < r) for _, r, _w in typed}
        complete = len(typed) == n
        bad = [(t, r, w) for t, r, w in typed if r > n or (complete and r != 1 + ahead[r])]
        if not bad:
            return None
        team, rank, where = min(bad, key=lambda b: (b[1], _row_of(b[2]), b[0]))
        order = sorted(typed, key=lambda b: (b[1], _row_of(b[2]), b[0]))
        more = len(order) - SHOWN_GROUPS
        shown_zh = "、".join(f"{t} 第{r}名" for t, r, _w in order[:SHOWN_GROUPS]) + (f" …（另 {more} 个）" if more > 0 else "")
        shown_en = ", ".join(f"{t} {r}" for t, r, _w in order[:SHOWN_GROUPS]) + (f", ... ({more} more)" if more > 0 else "")
        label = code if item["name"] == code else f"{code}（{item['name']}）"
        label_en = code if item["name"] == code else f"{code} ({item['name']})"
        if rank > n:
            why_zh, why_en = (f"本月只有 {n} 个小组，名次最大为 {n}",
                              f"there are only {n} groups this month, so no rank is above {n}")
        else:
            k = ahead[rank]
            why_zh = f"排在它前面的小组有 {k} 个，所以它是第{k + 1}名（并列的小组名次相同，其后的名次空出）"
            why_en = (f"{k} group{'s are' if k != 1 else ' is'} ranked ahead of it, so it is rank {k + 1} "
                      f"(tied groups share a rank and the ranks they displace are vacant)")
        return problem(
            "bad_item_rank", where,
            f"小组 {team} 在评比项目 {label} 上填的是第{rank}名，但{why_zh}。本项名次：{shown_zh}。",
            f"Group {team} has rank {rank} on item {label_en}, but {why_en}. Ranks on this item: "
            f"{shown_en}.",
            f"按竞赛排名改正本项的名次（R-G-2）：第1名开始，并列的小组名次相同，其后的名次空出（如 1、2、2、4），"
            f"名次在 1–{n} 之间。",
            f"Correct this item's ranks as a competition ranking (R-G-2): from 1, tied groups share a rank and "
            f"the next rank skips the places they take (e.g. 1, 2, 2, 4), each between 1 and {n}.")

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
