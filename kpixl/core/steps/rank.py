"""``rank``: rankings per day, week, month or quarter with placement points (building block 15).

One step ranks the participants of every bucket of the period on one or more values
(S7 ``R_ORD``/``R_PARTNER``, S8 回款, S14 group totals):

- competition ranking, ties share the rank and its points, displaced ranks are vacant (R-G-2);
- participants: the employees on duty that day (R-G-3), with at least one on-duty day in the
  week or month (R-CY-7, R-DC-6; for a month, a week's row of a week inside it counts too, but
  the month's own figure never does: it is then not ranked, with a warning at its cell), or
  everyone (``"participants": "all"``); ranked within a ``pool`` (an employee attribute such as
  ``team``; default: the whole workbook);
- an eligibility ``gate`` (a rate with a minimum, R-DC-3) applied *before* ranking: people
  below it are not ranked and earn no positive points of this step; a day's or week's
  ``ratio`` pair above the rate's maximum (more successes than attempts) is a located error;
- ``positive_only``: a value of 0 (or less) is never placed (R-DC-12, R-CY-1);
- ``last_zero``: whoever is tied for last place among the ranked gets 0 (R-CY-3);
- points from a table (``[3, 2]``) or a formula over ``rank`` and ``level`` (R-GB-2);
- ``combine``: ``max_plus_one`` gives max(placement points) + 1 to someone placed in two or
  more rankings of the bucket (R-DC-1); ``sum`` adds them;
- ``others``: every eligible participant who earned no placement points in a bucket gets the
  points of another rule, when a condition holds (R-DC-4, R-CY-1);
- ``order``: ``ascending`` ranks the lowest value first (S3/S5 bottom three, R-BR-12);
- a computed value that is empty is not ranked with ``"empty": "not_ranked"`` (S3/S5 quarter
  award: only employees with all three monthly composites, R-BR-11), else it is an error.

Values are read per bucket by :mod:`kpixl.core.series`; rates are rounded to 2 decimals of a
percent before the gate and the ranking (R-G-2, R-G-4). A participant without a figure is a
located error (R-G-9); because one missing or wrong figure can change everyone's places, a
pool with any blocked member is blocked as a whole.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from ..errors import MissingInput, problem
from ..expr import Expression
from ..numbers import SCALE_DIGITS, NotANumber, plain, round_half_up, to_decimal
from ..ranking import combine_max_plus_one, competition_ranks, last_place, points_for_ranks
from ..series import (
    BUCKETS,
    UNITS,
    Codes,
    Rows,
    bucket_of,
    credited_mondays,
    day_span,
    figures,
    implied_denominators,
)
from .base import Step
from .rank_explain import _BUCKET_ZH, _labels, _text, book, gate_notes, rank_notes


class _Names:
    """Expression names for a points formula: ``rank`` and ``level``."""

    def __init__(self, **values):
        self.values = values

    def get(self, name):
        if name not in self.values:
            raise KeyError(name)
        return self.values[name]

    def has(self, name):
        return name in self.values


class RankStep(Step):
    kind = "rank"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.bucket = spec.get("bucket", "month")
        self.unit = spec.get("unit", "employee")
        self.pool = spec.get("pool")
        self.combine = spec.get("combine", "sum")
        self.participants = spec.get("participants", "duty")
        self.output = spec.get("output")
        # "block" (default): a pool with a blocked member blocks everyone in it (their results depend
        # on the places); "warn": the pool is simply not ranked, with a warning (for rankings that
        # only raise flags, such as a bottom-three improvement plan)
        self.when_blocked = spec.get("when_blocked", "block")
        if self.bucket not in BUCKETS:
            raise self.error(f"未知的周期 {self.bucket}。", f"Unknown bucket {self.bucket}.", "用 day/week/month/quarter。",
                             "Use day, week, month or quarter.", ".bucket")
        periodic = self.bucket in ("month", "quarter")
        if (self.unit == "team" or self.participants == "all") and not periodic:
            raise self.error("按小组或全员排名只适用于月或季度。", "Team rankings and 'participants: all' need a month or quarter bucket.",
                             "把 bucket 改为 month。", "Set bucket to month.", ".bucket")
        self.rankings = []
        for i, r in enumerate(spec["rankings"]):
            at = f".rankings[{i}]"
            self._check_value(r["value"], f"{at}.value", periodic)
            formula = None
            if isinstance(r.get("points"), str):
                formula = Expression(r["points"], f"{self.where}{at}.points")
            table = [int(to_decimal(p) * UNITS) for p in r["points"]] if isinstance(r.get("points"), list) else None
            self.rankings.append({**r, "table": table, "formula": formula,
                                  "level": to_decimal(r.get("level", 1)),
                                  "rank_as": r.get("rank_as", f"{r['code']}.rank")})
        has_points = any(r["table"] or r["formula"] for r in self.rankings)
        self.rule_def = self.rule(spec["rule"]) if "rule" in spec else None
        if has_points and self.rule_def is None:
            raise self.error("有名次分的排名需要指定 rule（记账规则）。", "A ranking with points needs a 'rule' to book them under.",
                             "添加 \"rule\": \"DAY_PLACE\" 这样的规则代码。", "Add a rule code such as \"rule\": \"DAY_PLACE\".")
        self.gate = spec.get("gate")
        if self.gate:
            self._check_value(self.gate["value"], ".gate.value", periodic)
            self.rule(self.gate["rule"], "gate.rule")
        self.others = spec.get("others")
        self.others_when = None
        if self.others:
            self.rule(self.others["rule"], "others.rule")
            if self.others.get("when"):
                self.others_when = Expression(self.others["when"], f"{self.where}.others.when")
        duty = spec.get("duty", {})
        self.duty_metric = duty.get("metric")
        self.duty_rows = list(duty.get("rows_of", [])) or self._metric_codes()
        for code in ([self.duty_metric] if self.duty_metric else []) + self.duty_rows:
            self._metric(code, ".duty")

    # ------------------------------------------------------------------ config helpers

    def _metric(self, code, at):
        if code not in self.scheme.metrics:
            raise self.error(f"指标 {code} 未在方案中定义。", f"Metric {code} is not defined in the scheme.",
                             "在 metrics 中定义它。", "Define it under metrics.", at)

    def _check_value(self, v, at, periodic):
        if "metric" in v:
            self._metric(v["metric"], at)
            for code in v.get("ratio", []):
                self._metric(code, at)
        elif not periodic:
            raise self.error("按日/周排名的值必须是指标。", "A daily or weekly ranking value must be a metric.",
                             "使用 {\"metric\": CODE}。", "Use {\"metric\": CODE}.", at)

    def _metric_codes(self) -> list[str]:
        specs = [r["value"] for r in self.spec["rankings"]] + ([self.spec["gate"]["value"]] if self.spec.get("gate") else [])
        codes = []
        for v in specs:
            for c in ([v["metric"]] if "metric" in v else []) + list(v.get("ratio", [])):
                if c not in codes:
                    codes.append(c)
        return codes

    def priced_rules(self) -> set[str]:
        """The ``others`` rule's points are read from the rule table (S8 C_DAY_OTHER); the places' points
        are the step's own ``points`` lists, whatever the Rules sheet says of its ``rule``."""
        return {self.others["rule"]} if self.others else set()

    def outputs(self) -> list[str]:
        out = [self.output] if self.output else []
        if self.bucket in ("month", "quarter"):
            out += [r["rank_as"] for r in self.rankings]
        return out

    # ------------------------------------------------------------------ run

    def run(self, ctx) -> None:
        if self.unit == "team":
            from .rank_teams import run_team_ranking

            run_team_ranking(self, ctx)
            return
        for emp in ctx.ids:  # every employee has the outputs (0 / not ranked) unless blocked
            if self.output:
                ctx.values[emp][self.output] = Decimal(0)
        codes = Codes(ctx)
        pool_of = self._pools(ctx)
        frame = self._participants(ctx, codes, pool_of)
        self._check_ratios(ctx)
        missing: dict[tuple[int, str], list[str]] = {}
        for i, r in enumerate(self.rankings):
            self._values(ctx, frame, r["value"], f"v{i}", missing, codes)
        if self.gate:
            frame["no_rate"] = self._values(ctx, frame, self.gate["value"], "g", missing, codes,
                                            decide_at=float(to_decimal(self.gate["min"]) * UNITS))
        names = codes.array()
        self._report_missing(ctx, missing, names)
        if self._block_pools(ctx, pool_of):
            keep = np.array([pool_of.get(e) is not None for e in names], dtype=bool)[frame["eid"].to_numpy()]
            frame = frame[keep].reset_index(drop=True)
        emp = names[frame["eid"].to_numpy()] if len(frame) else np.array([], dtype=object)
        eligible = self._eligible(frame)
        frame["eligible"] = eligible
        points = np.zeros((len(frame), len(self.rankings)), dtype="int64")
        ranks = np.full((len(frame), len(self.rankings)), np.nan)
        lasts = np.zeros((len(frame), len(self.rankings)), dtype=bool)
        by = ["pool", "bucket"]
        for i, r in enumerate(self.rankings):
            v = frame[f"v{i}"].to_numpy()
            cand = eligible & ~np.isnan(v)
            if r.get("positive_only"):
                cand &= v > 0
            descending = r.get("order", "descending") == "descending"
            ranks[:, i] = competition_ranks(frame, by, f"v{i}", cand, descending)
            points[:, i] = points_for_ranks(ranks[:, i], r["table"], self._formula(r))
            if r.get("last_zero"):
                lasts[:, i] = last_place(frame, by, f"v{i}", cand, descending)
                points[lasts[:, i], i] = 0
        total = combine_max_plus_one(points, UNITS) if self.combine == "max_plus_one" else points.sum(axis=1)
        others, sources = np.zeros(len(frame), dtype="int64"), {}
        if self.others:
            others, sources = self._others(ctx, frame, emp, total)
        book(self, ctx, frame, emp, ranks, points, lasts, total, others, sources)
        self._publish(ctx, frame, emp, ranks, total + others)
        gate_notes(self, ctx, frame, emp)
        if self.bucket in ("month", "quarter"):
            rank_notes(self, ctx, frame, emp, ranks)

    def _eligible(self, frame) -> np.ndarray:
        if not self.gate:
            return np.ones(len(frame), dtype=bool)
        g = frame["g"].to_numpy()
        return (g >= float(to_decimal(self.gate["min"]) * UNITS)) & ~np.isnan(g)

    def _pools(self, ctx) -> dict[str, str | None]:
        """Pool of every employee; None for a pool blocked because a member has errors."""
        attr = self.pool
        col = ctx.employees[attr] if attr and attr in ctx.employees else pd.Series("", index=ctx.employees.index)
        pool_of: dict[str, str | None] = {e: str(v or "") for e, v in zip(ctx.ids, col.reindex(ctx.ids), strict=True)}
        self._block_pools(ctx, pool_of)
        return pool_of

    def _block_pools(self, ctx, pool_of) -> bool:
        """Block every pool that has a blocked member (its places cannot be known); True if any."""
        if not ctx.blocked:
            return False
        members: dict[str, list[str]] = {}
        for e, p in pool_of.items():
            if p is not None:
                members.setdefault(p, []).append(e)
        label = self.rankings[0]["code"]
        hit = False
        for ms in members.values():
            bad = [m for m in ms if ctx.is_blocked(m)]
            if not bad:
                continue
            hit = True
            if self.when_blocked == "warn":
                # the pool is not ranked (nobody gets a place from it) but its members keep their
                # results; each is told, and what depends on the places is "not decided" (never "no")
                first = ctx.blocked[bad[0]][0]
                why = (f"排名 {label} 未进行：{bad[0]} 的输入有错误，名次无法确定。",
                       f"Ranking {label} was not made: {bad[0]} has input errors, so the places cannot be known.")
                for m in ms:
                    ctx.unranked[m].update({r["code"]: why for r in self.rankings})
                    if not ctx.is_blocked(m):
                        ctx.add_problem(problem(
                            "ranking_skipped", first.where, f"{m}：{why[0]}依名次而定的结果（{label}）本月未判定。",
                            f"{m}: {why[1]} What depends on the places ({label}) is not decided this month.",
                            "先修正该员工的错误，再重新计算。", "Fix that employee's problems and score again.",
                            employee=m, severity="warning"))
            else:
                ctx.block_group(ms, f"排名 {label}", f"Ranking {label}")
            for m in ms:
                pool_of[m] = None
        return hit

    def _formula(self, r):
        if r["formula"] is None:
            return None
        expr, level = r["formula"], r["level"]
        return lambda rank: int(round_half_up(to_decimal(expr.evaluate(_Names(rank=Decimal(rank), level=level))), 4) * UNITS)

    # ------------------------------------------------------------------ participants and values

    def _span(self, period) -> tuple:
        """The first and last day whose daily rows the step reads (a week may reach into the next month)."""
        start, end = day_span(period, self.bucket)
        if self.bucket != "day":
            start, end = min(start, period.start), max(end, period.end)
        return start, end

    def _check_ratios(self, ctx) -> None:
        """A day's or week's numerator and denominator whose ratio is above the rate's maximum (9 successes
        of 3 attempts: 300 %) is impossible: an error at the numerator's cell that withholds the employee."""
        start, end = self._span(ctx.period)
        mondays = credited_mondays(ctx.period) if self.bucket == "week" else []
        names, ref = Codes(ctx).names, ctx.inputs.metrics.ref
        specs = [r["value"] for r in self.rankings] + ([self.gate["value"]] if self.gate else [])
        for v in specs:
            top = ctx.scheme.metrics[v["metric"]].max if "ratio" in v else None
            if top is None:
                continue
            num, den = v["ratio"]
            a, b = Rows(ctx, num), Rows(ctx, den)
            pairs = pd.concat([a.days(start, end).merge(b.days(start, end), on=["eid", "date"], suffixes=("", "_d")),
                               a.weeks(mondays).merge(b.weeks(mondays), on=["eid", "week"], suffixes=("", "_d"))])
            if "metric" in v:
                self._given_rate_differs(ctx, v, pairs, start, end, mondays)
            bad = pairs[pairs["units"] * 100 > pairs["units_d"] * float(top)]
            cols = ["eid", "date", "week", "units", "row", "units_d", "row_d"]
            for eid, day, week, n, row, d, row_d in bad[cols].itertuples(index=False):
                emp = names[eid]
                if emp not in ctx.position:
                    continue
                on_zh, on_en = (f"{day.date()}", f"on {day.date()}") if pd.notna(day) else (
                    f"{week.date()} 起的一周", f"in the week of {week.date()}")
                ctx.block(emp, problem(
                    "ratio_above_max", ref("value", int(row)),
                    f"员工 {emp} {on_zh}：{num}（{_text(n)}）÷ {den}（{_text(d)}，{ref('value', int(row_d))}）超过 {plain(top)}%，"
                    f"而 {v['metric']} 最高为 {plain(top)}%。",
                    f"Employee {emp} {on_en}: {num} ({_text(n)}) / {den} ({_text(d)}, {ref('value', int(row_d))}) is above "
                    f"{plain(top)}%, but {v['metric']} is at most {plain(top)}%.",
                    f"核对并改正这两个数（{num} 不能多于 {den}）。", f"Check and correct both figures ({num} cannot exceed {den}).",
                    employee=emp))

    def _given_rate_differs(self, ctx, v: dict, pairs: pd.DataFrame, start, end, mondays) -> None:
        """A rate typed for a day or week (SUCCESS_RATE) is used where given (R-G-17), but one that differs
        from the day's own counts by more than the rounding (45 for 15 of 30) is a warning at its cell."""
        given = Rows(ctx, v["metric"])
        typed = pd.concat([given.days(start, end).merge(pairs, on=["eid", "date"], suffixes=("_r", "")),
                           given.weeks(mondays).merge(pairs, on=["eid", "week"], suffixes=("_r", ""))])
        typed = typed[typed["units_d"] > 0]
        if typed.empty:
            return
        num, den = v["ratio"]
        names, ref = Codes(ctx).names, ctx.inputs.metrics.ref
        for eid, rate, n, d, row_r, row in zip(typed["eid"], typed["units_r"], typed["units"], typed["units_d"],
                                               typed["row_r"], typed["row"], strict=True):
            mine = round_half_up(Decimal(int(n)) * 100 / Decimal(int(d)), 2)  # (scaled units: the scale cancels)
            if mine == round_half_up(Decimal(int(rate)).scaleb(-SCALE_DIGITS), 2):
                continue
            emp = names[eid]
            if emp in ctx.position:
                ctx.add_problem(problem(
                    "rate_differs_from_counts", ref("value", int(row_r)),
                    f"员工 {emp} 填写的 {v['metric']} 为 {_text(rate)}%，而 {num}（{_text(n)}）÷ {den}（{_text(d)}）"
                    f"= {mine}%（{ref('value', int(row))}）；按填写的 {_text(rate)}% 计算。",
                    f"Employee {emp}'s {v['metric']} is typed as {_text(rate)}%, but {num} ({_text(n)}) / {den} ({_text(d)}) "
                    f"= {mine}% ({ref('value', int(row))}); the typed {_text(rate)}% is used.",
                    "核对这几个数；如果填写的成功率有误，改正或删除它（不填时按次数计算）。",
                    "Check the figures; if the typed rate is wrong, correct it or delete it (without it the counts are used).",
                    employee=emp, severity="warning"))

    def _participants(self, ctx, codes, pool_of) -> pd.DataFrame:
        """One row per (employee code, bucket) taking part: eid, bucket, pool (an integer code)."""
        period = ctx.period
        active = np.array([codes.index[e] for e, p in pool_of.items() if p is not None], dtype="int64")
        if self.participants == "all":
            key = pd.Timestamp(period.quarter.start if self.bucket == "quarter" else period.start)
            frame = pd.DataFrame({"eid": active, "bucket": key})
        else:
            start, end = self._span(period)
            parts = [Rows(ctx, c).days(start, end)[["eid", "date"]] for c in self.duty_rows]
            days = pd.concat(parts, ignore_index=True).drop_duplicates()
            if self.duty_metric:
                duty = Rows(ctx, self.duty_metric).days(start, end)
                on = duty.loc[duty["units"] == 1, ["eid", "date"]]
                off = duty.loc[duty["units"] == 0, ["eid", "date"]]
                days = pd.concat([days, on], ignore_index=True).drop_duplicates()
                if not off.empty:
                    if self.bucket == "day":  # (said once, by the day's ranking)
                        self._figures_off_duty(ctx, off, active, start, end)
                    days = days.merge(off.assign(_off=True), how="left", on=["eid", "date"])
                    days = days[days["_off"].isna()].drop(columns="_off")
            days = days[np.isin(days["eid"].to_numpy(), active)]
            if self.bucket == "day":
                days = days[(days["date"] >= pd.Timestamp(period.start)) & (days["date"] <= pd.Timestamp(period.end))]
                frame = days.rename(columns={"date": "bucket"})
            else:
                frame = pd.DataFrame({"eid": days["eid"], "bucket": bucket_of(days["date"], self.bucket, period)})
                frame = frame.drop_duplicates()
                if self.bucket == "week":
                    mondays = credited_mondays(period)
                    frame = frame[frame["bucket"].isin(pd.to_datetime(mondays))]
                    extra = [pd.DataFrame({"eid": g["eid"], "bucket": g["week"]})
                             for g in (Rows(ctx, c).weeks(mondays) for c in self._metric_codes()) if not g.empty]
                else:  # a week's row shows activity in the month only for a week inside it; the month's
                    # own figures (no date) show none, so they never make a participant (R-DC-6, R-CY-7)
                    key = pd.Timestamp(period.quarter.start if self.bucket == "quarter" else period.start)
                    inside = [m for m in credited_mondays(period) if m >= start]
                    extra = [pd.DataFrame({"eid": Rows(ctx, c).weeks(inside)["eid"], "bucket": key}) for c in self.duty_rows]
                extra = [x[np.isin(x["eid"].to_numpy(), active)] for x in extra]
                frame = pd.concat([frame, *extra], ignore_index=True).drop_duplicates()
                if self.bucket != "week":
                    self._not_on_duty(ctx, frame, active)
        frame = frame.sort_values(["bucket", "eid"], kind="stable").reset_index(drop=True)
        frame["bucket"] = pd.to_datetime(frame["bucket"])
        pool_codes = {p: i for i, p in enumerate(sorted({p for p in pool_of.values() if p is not None}))}
        lookup = np.full(len(codes.names) + 1, -1, dtype="int64")
        for e, p in pool_of.items():
            if p is not None:
                lookup[codes.index[e]] = pool_codes[p]
        frame["pool"] = lookup[frame["eid"].to_numpy()] if len(frame) else np.array([], dtype="int64")
        return frame

    def _figures_off_duty(self, ctx, off: pd.DataFrame, active, start, end) -> None:
        """A day's figure other than 0 on a day marked ON_DUTY = no contradicts it: the day is not ranked
        (R-G-3), but the figure still counts in the week's and the month's sums (R-CY-7, R-DC-6) and may
        decide their places, so it is a warning at its cell."""
        names = Codes(ctx).names
        for code in self.duty_rows:
            rows = Rows(ctx, code).days(start, end)
            if rows.empty:
                continue
            hit = rows.merge(off[["eid", "date"]], on=["eid", "date"])
            hit = hit[(hit["units"] != 0) & np.isin(hit["eid"].to_numpy(), active)]
            for eid, day, row in zip(hit["eid"].tolist(), hit["date"].tolist(), hit["row"].tolist(), strict=True):
                emp, shown = names[eid], pd.Timestamp(day).strftime("%Y-%m-%d")
                ctx.add_problem(problem(
                    "figure_off_duty", ctx.inputs.metrics.ref("value", int(row)),
                    f"员工 {emp} 在 {shown} 标为 ON_DUTY = 否（不上班），却有 {code}：当天不参加排名，但这个数仍计入周、月合计，"
                    "可能决定周、月名次。",
                    f"Employee {emp} is marked ON_DUTY = no on {shown} but has a {code} that day: the day is not ranked, "
                    "but the figure still counts in the week's and the month's sums and may decide their places.",
                    f"如果 {emp} 当天上班，把 ON_DUTY 改为 是；如果没有上班，删除或改正这个数。",
                    f"If {emp} worked that day, set ON_DUTY to yes; if not, delete or correct the figure.",
                    employee=emp, severity="warning"))

    def _not_on_duty(self, ctx, frame, active) -> None:
        """A figure of the month for someone with no on-duty day in it is not ranked: a warning at its cell."""
        specs = [r["value"] for r in self.rankings] + ([self.gate["value"]] if self.gate else [])
        metric_codes = dict.fromkeys(v["metric"] for v in specs if "metric" in v and v.get("from") != "days")
        taking_part, active = set(frame["eid"].tolist()), set(active.tolist())
        names = Codes(ctx).names
        what = _BUCKET_ZH[self.bucket]
        for code in metric_codes:
            rows = Rows(ctx, code).plain(ctx.period.label)
            for eid, row in zip(rows["eid"].tolist(), rows["row"].tolist(), strict=True):
                if eid in taking_part or eid not in active:
                    continue
                emp = names[eid]
                ctx.add_problem(problem(
                    "not_on_duty", ctx.inputs.metrics.ref("value", int(row)),
                    f"员工 {emp} 有本{what}的 {code}，但本{what}没有上班的日子（没有本{what}日期的数据，或都是 ON_DUTY = 否），"
                    f"不参加本{what}排名，没有名次分（R-DC-6）。",
                    f"Employee {emp} has a {code} for the {self.bucket} but no on-duty day in it (no row dated in it, "
                    f"or ON_DUTY = no on each), so {emp} is not ranked and gets no placement points (R-DC-6).",
                    f"若 {emp} 本{what}上班，补上各天的数据（或 ON_DUTY = 是）；否则删除这一行。",
                    f"If {emp} worked in the {self.bucket}, add the daily rows (or ON_DUTY = yes); otherwise delete this row.",
                    employee=emp, severity="warning"))

    def _values(self, ctx, frame, spec, col, missing, codes, decide_at: float | None = None) -> np.ndarray:
        """Fill ``frame[col]`` (units) and ``col_row``/``col_n``; return the rows whose ratio had a 0 denominator.
        ``decide_at`` (a gate's minimum): a rate built from attempts the daily rates imply is unknown
        where the fewest and the most attempts those rates allow fall on two sides of it."""
        zero_den = np.zeros(len(frame), dtype=bool)
        asked = np.zeros(len(frame), dtype=bool)  # rows reported as missing their attempts
        keys = frame[["eid", "bucket"]]
        if "value" in spec:
            values, sources, empty = [], [], []
            for eid in frame["eid"].to_numpy():
                emp = codes.names[eid]
                v, read, is_empty = self._computed(ctx, emp, spec)
                values.append(v)
                sources.append(read)
                empty.append(is_empty)
            frame[col] = np.array(values, dtype="float64")
            frame[f"{col}_row"], frame[f"{col}_n"] = -1, 0
            frame[f"{col}_src"] = pd.Series(sources, index=frame.index, dtype=object)
            frame[f"{col}_empty"] = np.array(empty, dtype=bool)
            return zero_den
        code = spec["metric"]
        merged = keys.merge(figures(ctx, code, self.bucket, spec.get("from", "auto")), how="left", on=["eid", "bucket"])
        units = merged["units"].to_numpy(dtype="float64")
        if ctx.scheme.metrics[code].type == "percent":
            units = _round_rate(units)
        rows, n = merged["row"].to_numpy(dtype="float64"), merged["n"].to_numpy(dtype="float64")
        if "ratio" in spec and np.isnan(units).any():
            num_code, den_code = spec["ratio"]
            num = keys.merge(figures(ctx, num_code, self.bucket, "auto"), how="left", on=["eid", "bucket"])
            den = keys.merge(figures(ctx, den_code, self.bucket, "auto"), how="left", on=["eid", "bucket"])
            nu, de = num["units"].to_numpy(dtype="float64"), den["units"].to_numpy(dtype="float64")
            fill = np.isnan(units) & ~np.isnan(nu) & ~np.isnan(de)
            zero_den = fill & (de == 0)
            ok = fill & (de > 0)
            units[ok] = _ratio_units(nu[ok], de[ok])
            rows = np.where(fill, num["row"].to_numpy(dtype="float64"), rows)
            n = np.where(fill, num["n"].to_numpy(dtype="float64") + den["n"].to_numpy(dtype="float64"), n)
            rest = np.isnan(units) & ~zero_den & ~np.isnan(nu)
            if rest.any() and self.bucket != "day":  # attempts implied by the daily rates (successes / rate)
                implied = keys.merge(implied_denominators(ctx, code, num_code, den_code, self.bucket), how="left",
                                     on=["eid", "bucket"], indicator=True)
                de2 = implied["units"].to_numpy(dtype="float64")
                ok = rest & ~np.isnan(de2) & (de2 > 0)
                zero_den = zero_den | (rest & (de2 == 0))
                # daily rows there, but a day's attempts cannot be told (0 successes at 0 %): that day's
                # ORDER_ATTEMPTS is what is missing, not the rate or the successes
                asked |= rest & np.isnan(de2) & (implied["_merge"] == "both").to_numpy()
                units[ok] = _implied_rate(nu[ok], de2[ok])
                if decide_at is not None:  # (lo, hi: the fewest and most whole attempts the daily rates allow)
                    lo, hi = implied["lo"].to_numpy(dtype="float64"), implied["hi"].to_numpy(dtype="float64")
                    with np.errstate(divide="ignore", invalid="ignore"):
                        split = ok & ((_implied_rate(nu, lo) >= decide_at) != (_implied_rate(nu, hi) >= decide_at))
                    units[split] = np.nan
                    ok &= ~split
                    asked |= split
                rows = np.where(ok, num["row"].to_numpy(dtype="float64"), rows)
                n = np.where(ok, num["n"].to_numpy(dtype="float64"), n)
                self._missing(missing, frame, asked, den_code)  # the attempts are what is missing
        frame[col] = units
        frame[f"{col}_row"] = np.nan_to_num(rows, nan=-1).astype("int64")
        frame[f"{col}_n"] = np.nan_to_num(n, nan=0).astype("int64")
        label = code if "ratio" not in spec else "/".join([code, *spec["ratio"]])
        self._missing(missing, frame, np.isnan(units) & ~zero_den & ~asked, label)
        return zero_den

    def _missing(self, missing: dict, frame, mask: np.ndarray, label: str) -> None:
        """Record ``label`` as missing for the masked rows' employees and buckets."""
        at = np.flatnonzero(mask)
        if len(at):
            for eid, lb in zip(frame["eid"].to_numpy()[at], _labels(frame["bucket"].iloc[at], self.bucket), strict=True):
                missing.setdefault((int(eid), label), []).append(str(lb))

    def _computed(self, ctx, emp, spec) -> tuple[float, tuple[str, ...], bool]:
        """(units or NaN, the cells it was computed from, empty?) of a computed value ``{"value": NAME}``.

        An empty value (a formula whose ``when`` did not hold) is not ranked with
        ``"empty": "not_ranked"`` (S3 R-BR-11: only employees with all three months), else it is
        a located error; a value that is not a number is an error too (R-G-9).
        """
        name = spec["value"]
        env = ctx.env(emp)
        try:
            raw = env.get(name)
        except MissingInput as exc:
            ctx.block(emp, exc.problem)
            return np.nan, (), False
        read = tuple(env.read)
        if raw is None and spec.get("empty") == "not_ranked":
            return np.nan, read, True
        try:
            v = to_decimal(raw)
        except NotANumber:
            shown = "空 / empty" if raw is None else str(raw)
            ctx.block(emp, problem(
                "cannot_rank", ", ".join(read) or self.where,
                f"员工 {emp} 的 {name}（{shown}）不是数字，无法排名。",
                f"Employee {emp}: {name} ({shown}) is not a number, so it cannot be ranked.",
                f"检查计算 {name} 所用的输入；不参加排名的人应在方案中写 \"empty\": \"not_ranked\"。",
                f"Check the inputs {name} is computed from; if such people are simply not ranked, "
                f"write \"empty\": \"not_ranked\" in the scheme.", employee=emp))
            return np.nan, read, False
        return float(round_half_up(v, 4) * UNITS), read, False

    def _report_missing(self, ctx, missing, names) -> None:
        what = _BUCKET_ZH[self.bucket]
        for (eid, code), buckets in missing.items():
            emp = names[eid]
            shown = "、".join(buckets[:5]) + (f" 等 {len(buckets)} 个" if len(buckets) > 5 else "")
            shown_en = ", ".join(buckets[:5]) + (f" and {len(buckets) - 5} more" if len(buckets) > 5 else "")
            day = self.bucket == "day"
            ctx.block(emp, problem(
                "missing_metric", ctx.inputs.metrics.label,
                f"员工 {emp} 参加{what}排名，但缺少 {code}：{shown}（R-G-9）。",
                f"Employee {emp} takes part in the {self.bucket} ranking but {code} is missing for {shown_en} (R-G-9).",
                f"在指标表为 {emp} 补齐 {code}" + ("（填日期）；若当天未上班，填 ON_DUTY = 否。" if day else "。"),
                f"Add {code} for {emp} on the Metrics sheet" + (" (or mark the day ON_DUTY = no)." if day else "."),
                employee=emp))

    # ------------------------------------------------------------------ others, ledger, values

    def _others(self, ctx, frame, emp, total) -> tuple[np.ndarray, dict[str, str]]:
        rule = self.scheme.rules[self.others["rule"]]
        pts = int((rule.points or 0) * UNITS)
        holds: dict[str, bool] = {}
        sources: dict[str, str] = {}
        cand = frame["eligible"].to_numpy() & (total == 0)
        for e in pd.unique(emp[cand]):
            if self.others_when is None:
                holds[e] = True
                continue
            env = ctx.env(e)
            try:
                holds[e] = bool(self.others_when.evaluate(env))
            except MissingInput as exc:
                ctx.block(e, exc.problem)
                holds[e] = False
            sources[e] = ", ".join(env.read)
            if not holds[e]:
                explain = self.others.get("explain", {}).get("zh", self.others_when.text)
                explain_en = self.others.get("explain", {}).get("en", self.others_when.text)
                ctx.note(e, self.kind, rule.code, None, f"{rule.code} {rule.zh}：不满足“{explain}”，本月不给。",
                         f"{rule.code} {rule.en}: not given this month, because it is not the case that {explain_en}.",
                         env.read)
        ok_emp = {e for e, h in holds.items() if h and not ctx.is_blocked(e)}
        eids = frame["eid"].to_numpy()
        mask = np.zeros(int(eids.max()) + 1 if len(eids) else 1, dtype=bool)
        for e, i in zip(emp.tolist(), eids.tolist(), strict=True):
            if e in ok_emp:
                mask[i] = True
        ok = cand & mask[eids] if len(eids) else cand
        return np.where(ok, pts, 0).astype("int64"), sources

    def _publish(self, ctx, frame, emp, ranks, points) -> None:
        if self.output and len(emp):
            sums = pd.Series(points).groupby(emp).sum()
            for e, u in sums.items():
                ctx.values[e][self.output] = Decimal(int(u)).scaleb(-4).normalize() + 0
        if self.bucket in ("month", "quarter"):
            for e in ctx.ids:
                for r in self.rankings:
                    ctx.values[e][r["rank_as"]] = None
            for i, r in enumerate(self.rankings):
                ok = ~np.isnan(ranks[:, i])
                src = frame[f"v{i}_src"].to_numpy(dtype=object)[ok] if f"v{i}_src" in frame else [()] * int(ok.sum())
                for e, rk, cells in zip(emp[ok], ranks[ok, i], src, strict=True):
                    ctx.set(e, r["rank_as"], int(rk), list(cells))  # the rank names the cells of its value

def _round_rate(units: np.ndarray) -> np.ndarray:
    """Round percent units (1e4 per percent point) half-up to 2 decimals of a percent (R-G-4)."""
    out = units.copy()
    ok = ~np.isnan(out)
    out[ok] = np.floor(np.abs(out[ok]) / 100 + 0.5) * 100 * np.sign(out[ok])
    return out


def _implied_rate(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """100 x num / den in percent units, half-up to 2 decimals of a percent, for a denominator that
    daily rates imply (it may be fractional; whole where the rates tell the attempts exactly)."""
    return np.floor(10000 * num / den + 0.5 + 1e-9) * 100


def _ratio_units(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """100 x num / den in percent units, rounded half-up to 2 decimals of a percent, exactly (integers)."""
    n = num.astype("int64")
    d = den.astype("int64")
    hundredths = (2 * 10000 * n + d) // (2 * d)  # percent x 100, half-up
    return (hundredths * 100).astype("float64")
