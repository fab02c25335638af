"""The ``rank`` step for ``"unit": "team"``: rank groups (S14 service groups) on a group value.

The groups are the teams that have group values (``ctx.groups``, e.g. ``group.total`` from
``item_points``) plus every team named on the Employees sheet, so a group is ranked even when
the workbook lists none of its members. Every member carries its group's rank (``rank_as``)
and points (``output``). A group whose value is unknown makes every rank unknown, so it blocks
everyone (R-G-9) not already blocked by the cause.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pandas as pd

from ..errors import problem
from ..numbers import round_half_up, to_decimal
from ..ranking import competition_ranks, last_place, points_for_ranks
from ..series import UNITS


def run_team_ranking(step, ctx) -> None:
    members: dict[str, list[str]] = {}
    for emp in ctx.ids:
        team = str(ctx.employees.at[emp, "team"] or "") if "team" in ctx.employees else ""
        if team:
            members.setdefault(team, []).append(emp)
    teams = sorted(set(ctx.groups) | set(members))
    frame = pd.DataFrame({"team": teams, "pool": "", "bucket": 0})
    unknown: list[tuple[str, str]] = []
    for i, r in enumerate(step.rankings):
        values = []
        for team in teams:
            v = _team_value(ctx, team, r["value"])
            if v is None:
                unknown.append((team, r["value"].get("value") or r["value"].get("metric")))
                values.append(np.nan)
            else:
                values.append(float(round_half_up(to_decimal(v), 4) * UNITS))
        frame[f"v{i}"] = values
    if unknown:
        team, name = unknown[0]
        pr = problem("group_value_missing", ctx.inputs.metrics.label,
                     f"小组 {team} 的 {name} 无法计算，所有小组的名次都无法确定。",
                     f"{name} of group {team} cannot be computed, so no group's rank can be known.",
                     f"先补齐小组 {team} 的指标。", f"Complete the metrics of group {team} first.")
        for emp in ctx.ids:
            if not ctx.is_blocked(emp):  # the others already carry the cause (a missing rank, a bad ITEMS)
                ctx.block(emp, replace(pr, employee=emp))
        return
    total = np.zeros(len(frame), dtype="int64")
    for i, r in enumerate(step.rankings):
        cand = ~np.isnan(frame[f"v{i}"].to_numpy())
        if r.get("positive_only"):
            cand &= frame[f"v{i}"].to_numpy() > 0
        descending = r.get("order", "descending") == "descending"
        ranks = competition_ranks(frame, ["pool", "bucket"], f"v{i}", cand, descending)
        pts = points_for_ranks(ranks, r["table"], step._formula(r))
        if r.get("last_zero"):
            pts[last_place(frame, ["pool", "bucket"], f"v{i}", cand, descending)] = 0
        total += pts
        name = r["value"].get("value") or r["value"].get("metric")
        for team, rk, v in zip(teams, ranks, frame[f"v{i}"], strict=True):
            rank = None if np.isnan(rk) else int(rk)
            ctx.groups[team][r["rank_as"]] = rank
            shown = Decimal(int(v)).scaleb(-4).normalize() + 0
            for emp in members.get(team, []):
                ctx.values[emp][r["rank_as"]] = rank
                ctx.note(emp, step.kind, r["code"], rank, f"小组 {team} 的 {name} 为 {shown}，在 {len(teams)} 个小组中排第 {rank} 名（并列同名次，R-G-2）。",
                         f"Group {team} has {name} {shown}: rank {rank} of {len(teams)} groups (ties share a rank, R-G-2).")
    rule = ctx.scheme.rules[step.rule_def.code] if step.rule_def else None
    rows = []
    for team, pts in zip(teams, total, strict=True):
        value = Decimal(int(pts)).scaleb(-4).normalize() + 0
        if step.output:
            ctx.groups[team][step.output] = value
        for emp in members.get(team, []):
            if step.output:
                ctx.values[emp][step.output] = value
            if pts and rule is not None:
                rows.append((emp, int(pts) * 10**4, f"小组 {team} {rule.zh}：{value} 分",
                             f"Group {team} {rule.en}: {value} points"))
    if rows:
        ctx.add_ledger(pd.DataFrame({
            "employee": [r[0] for r in rows], "rule": rule.code, "category": rule.category or "",
            "points_e8": np.array([r[1] for r in rows], dtype="int64"),
            "counted_e8": np.array([r[1] for r in rows], dtype="int64"), "where": "排名 / ranking",
            "row": np.full(len(rows), -1, dtype="int64"), "date": pd.Timestamp(ctx.period.end), "qty": 1.0,
            "value": np.nan, "step": step.kind, "text_zh": [r[2] for r in rows], "text_en": [r[3] for r in rows]}))


def _team_value(ctx, team: str, spec: dict):
    if "value" in spec:
        return ctx.groups.get(team, {}).get(spec["value"])
    hit = ctx.metric_of_period(team, spec["metric"], ctx.period.label)
    return None if hit is None else hit[0]
