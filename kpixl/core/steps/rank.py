"""``rank``: rankings per day, week, month or quarter with placement points (building block 15).

One step ranks the participants of every bucket of the period on one or more values
(S7 ``R_ORD``/``R_PARTNER``, S8 回款, S14 group totals):

- competition ranking, ties share the rank and its points, displaced ranks are vacant (R-G-2);
- participants: the employees on duty that day (R-G-3), with at least one on-duty day in the
  week or month (R-CY-7), or everyone (``"participants": "all"``); ranked within a ``pool``
  (an employee attribute such as ``team``; default: the whole workbook);
- an eligibility ``gate`` (a rate with a minimum, R-DC-3) applied *before* ranking: people
  below it are not ranked and earn no positive points of this step;
- ``positive_only``: a value of 0 (or less) is never placed (R-DC-12, R-CY-1);
- ``last_zero``: whoever is tied for last place among the ranked gets 0 (R-CY-3);
- points from a table (``[3, 2]``) or a formula over ``rank`` and ``level`` (R-GB-2);
- ``combine``: ``max_plus_one`` gives max(placement points) + 1 to someone placed in two or
  more rankings of the bucket (R-DC-1); ``sum`` adds them;
- ``others``: every eligible participant who earned no placement points in a bucket gets the
  points of another rule, when a condition holds (R-DC-4, R-CY-1).

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
from ..numbers import plain, round_half_up, to_decimal
from ..ranking import combine_max_plus_one, competition_ranks, last_place, points_for_ranks
from ..series import (
    BUCKETS,
    UNITS,
    Rows,
    bucket_end,
    bucket_label,
    bucket_of,
    day_span,
    figures,
    implied_denominators,
)
from .base import Step

_BUCKET_ZH = {"day": "日", "week": "周", "month": "月", "quarter": "季度"}


def _text(units: float) -> str:
    return plain(Decimal(int(units)).scaleb(-4))


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
        pool_of = self._pools(ctx)
        active = [e for e in ctx.ids if pool_of[e] is not None]
        frame = self._participants(ctx, active, pool_of)
        missing: dict[tuple[str, str], list[str]] = {}
        for i, r in enumerate(self.rankings):
            self._values(ctx, frame, r["value"], f"v{i}", missing, r["code"])
        if self.gate:
            frame["no_rate"] = self._values(ctx, frame, self.gate["value"], "g", missing, self.gate["rule"])
        self._report_missing(ctx, missing)
        if self._block_pools(ctx, pool_of):
            keep = frame["employee"].map(lambda e: pool_of.get(e) is not None).to_numpy(dtype=bool)
            frame = frame[keep].reset_index(drop=True)
            active = [e for e in active if pool_of[e] is not None]
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
            ranks[:, i] = competition_ranks(frame, by, f"v{i}", cand)
            points[:, i] = points_for_ranks(ranks[:, i], r["table"], self._formula(r))
            if r.get("last_zero"):
                lasts[:, i] = last_place(frame, by, f"v{i}", cand)
                points[lasts[:, i], i] = 0
        total = combine_max_plus_one(points, UNITS) if self.combine == "max_plus_one" else points.sum(axis=1)
        others, sources = np.zeros(len(frame), dtype="int64"), {}
        if self.others:
            others, sources = self._others(ctx, frame, total)
        self._book(ctx, frame, ranks, points, lasts, total, others, sources)
        self._publish(ctx, frame, ranks, total + others, active)
        self._gate_notes(ctx, frame)

    def _eligible(self, frame) -> np.ndarray:
        if not self.gate:
            return np.ones(len(frame), dtype=bool)
        g = frame["g"].to_numpy()
        return (g >= float(to_decimal(self.gate["min"]) * UNITS)) & ~np.isnan(g)

    def _pools(self, ctx) -> dict[str, str | None]:
        """Pool of every employee; None for a pool blocked because a member has errors."""
        attr = self.pool
        col = ctx.employees[attr] if attr and attr in ctx.employees else pd.Series("", index=ctx.employees.index)
        pool_of: dict[str, str | None] = {e: str(col.get(e, "") or "") for e in ctx.ids}
        self._block_pools(ctx, pool_of)
        return pool_of

    def _block_pools(self, ctx, pool_of) -> bool:
        """Block every pool that has a blocked member (its places cannot be known); True if any."""
        members: dict[str, list[str]] = {}
        for e, p in pool_of.items():
            if p is not None:
                members.setdefault(p, []).append(e)
        label = self.rankings[0]["code"]
        hit = False
        for ms in members.values():
            if ctx.block_group(ms, f"排名 {label}", f"Ranking {label}") or any(ctx.is_blocked(m) for m in ms):
                hit = True
                for m in ms:
                    pool_of[m] = None
        return hit

    def _formula(self, r):
        if r["formula"] is None:
            return None
        expr, level = r["formula"], r["level"]
        return lambda rank: int(round_half_up(to_decimal(expr.evaluate(_Names(rank=Decimal(rank), level=level))), 4) * UNITS)

    # ------------------------------------------------------------------ participants and values

    def _participants(self, ctx, active: list[str], pool_of) -> pd.DataFrame:
        period = ctx.period
        if self.participants == "all":
            key = pd.Timestamp(period.quarter.start if self.bucket == "quarter" else period.start)
            frame = pd.DataFrame({"employee": active, "bucket": key})
        else:
            start, end = day_span(period, self.bucket)
            if self.bucket != "day":
                start, end = min(start, period.start), max(end, period.end)
            parts = [Rows(ctx, c).days(start, end)[["employee", "date"]] for c in self.duty_rows]
            days = pd.concat(parts, ignore_index=True).drop_duplicates() if parts else pd.DataFrame(columns=["employee", "date"])
            if self.duty_metric:
                duty = Rows(ctx, self.duty_metric).days(start, end)
                off = duty.loc[duty["units"] == 0, ["employee", "date"]]
                on = duty.loc[duty["units"] == 1, ["employee", "date"]]
                days = pd.concat([days, on], ignore_index=True).drop_duplicates()
                if not off.empty:
                    days = days.merge(off.assign(_off=True), how="left", on=["employee", "date"])
                    days = days[days["_off"].isna()].drop(columns="_off")
            days = days[days["employee"].isin(active)]
            if self.bucket == "day":
                days = days[(days["date"] >= pd.Timestamp(period.start)) & (days["date"] <= pd.Timestamp(period.end))]
                frame = days.rename(columns={"date": "bucket"})
            else:
                b = bucket_of(days["date"], self.bucket, period)
                frame = pd.DataFrame({"employee": days["employee"], "bucket": b}).drop_duplicates()
                if self.bucket == "week":
                    from ..series import credited_mondays

                    frame = frame[frame["bucket"].isin(pd.to_datetime(credited_mondays(period)))]
                    given = [Rows(ctx, c).weeks(credited_mondays(period)) for c in self._metric_codes()]
                    extra = [pd.DataFrame({"employee": g["employee"], "bucket": g["week"]}) for g in given if not g.empty]
                else:
                    key = pd.Timestamp(period.quarter.start if self.bucket == "quarter" else period.start)
                    extra = [pd.DataFrame({"employee": Rows(ctx, c).plain(period.label)["employee"], "bucket": key})
                             for c in self._metric_codes()]
                extra = [x[x["employee"].isin(active)] for x in extra]
                frame = pd.concat([frame, *extra], ignore_index=True).drop_duplicates()
        frame = frame.sort_values(["bucket", "employee"], kind="stable").reset_index(drop=True)
        frame["bucket"] = pd.to_datetime(frame["bucket"])
        frame["pool"] = frame["employee"].map(pool_of)
        return frame

    def _values(self, ctx, frame, spec, col, missing, label) -> np.ndarray:
        """Fill ``frame[col]`` (units) and ``col_row``/``col_n``; return the rows whose ratio had a 0 denominator."""
        zero_den = np.zeros(len(frame), dtype=bool)
        if "value" in spec:
            values = []
            for emp in frame["employee"]:
                try:
                    v = to_decimal(ctx.env(emp).get(spec["value"]))
                    values.append(float(round_half_up(v, 4) * UNITS))
                except MissingInput as exc:
                    ctx.block(emp, exc.problem)
                    values.append(np.nan)
            frame[col] = np.array(values, dtype="float64")
            frame[f"{col}_row"], frame[f"{col}_n"] = -1, 0
            return zero_den
        code = spec["metric"]
        fig = figures(ctx, code, self.bucket, spec.get("from", "auto"))
        merged = frame[["employee", "bucket"]].merge(fig, how="left", on=["employee", "bucket"])
        units = merged["units"].to_numpy(dtype="float64")
        mdef = ctx.scheme.metrics[code]
        if mdef.type == "percent":
            units = _round_rate(units)
        rows, n = merged["row"].to_numpy(dtype="float64"), merged["n"].to_numpy(dtype="float64")
        if "ratio" in spec and np.isnan(units).any():
            num_code, den_code = spec["ratio"]
            num = frame[["employee", "bucket"]].merge(figures(ctx, num_code, self.bucket, "auto"), how="left",
                                                      on=["employee", "bucket"])
            den = frame[["employee", "bucket"]].merge(figures(ctx, den_code, self.bucket, "auto"), how="left",
                                                      on=["employee", "bucket"])
            nu, de = num["units"].to_numpy(dtype="float64"), den["units"].to_numpy(dtype="float64")
            fill = np.isnan(units) & ~np.isnan(nu) & ~np.isnan(de)
            zero_den = fill & (de == 0)
            ok = fill & (de > 0)
            units[ok] = _ratio_units(nu[ok], de[ok])
            rows = np.where(fill, num["row"].to_numpy(dtype="float64"), rows)
            n = np.where(fill, num["n"].to_numpy(dtype="float64") + den["n"].to_numpy(dtype="float64"), n)
            rest = np.isnan(units) & ~zero_den & ~np.isnan(nu)
            if rest.any() and self.bucket != "day":  # attempts implied by the daily rates (successes / rate)
                implied = frame[["employee", "bucket"]].merge(
                    implied_denominators(ctx, code, num_code, den_code, self.bucket), how="left", on=["employee", "bucket"])
                de2 = implied["units"].to_numpy(dtype="float64")
                ok = rest & ~np.isnan(de2) & (de2 > 0)
                zero_den = zero_den | (rest & (de2 == 0))
                units[ok] = np.floor(10000 * nu[ok] / de2[ok] + 0.5 + 1e-9) * 100
                rows = np.where(ok, num["row"].to_numpy(dtype="float64"), rows)
                n = np.where(ok, num["n"].to_numpy(dtype="float64"), n)
        frame[col] = units
        frame[f"{col}_row"] = np.nan_to_num(rows, nan=-1).astype("int64")
        frame[f"{col}_n"] = np.nan_to_num(n, nan=0).astype("int64")
        lost = np.isnan(units) & ~zero_den
        for emp, b in zip(frame.loc[lost, "employee"], frame.loc[lost, "bucket"], strict=True):
            missing.setdefault((emp, code if "ratio" not in spec else "/".join([code, *spec["ratio"]])), []).append(
                bucket_label(b, self.bucket))
        return zero_den

    def _report_missing(self, ctx, missing) -> None:
        what = _BUCKET_ZH[self.bucket]
        for (emp, code), buckets in missing.items():
            shown = "、".join(buckets[:5]) + (f" 等 {len(buckets)} 个" if len(buckets) > 5 else "")
            shown_en = ", ".join(buckets[:5]) + (f" and {len(buckets) - 5} more" if len(buckets) > 5 else "")
            fix_zh = (f"在指标表为 {emp} 补齐 {code} 的{what}数据" + ("（填日期）" if self.bucket == "day" else "")
                      + "；若当天未上班，填 ON_DUTY = 否。" if self.bucket == "day" else f"在指标表为 {emp} 补齐 {code}。")
            ctx.block(emp, problem(
                "missing_metric", ctx.inputs.metrics.label,
                f"员工 {emp} 参加{what}排名，但缺少 {code}：{shown}（R-G-9）。",
                f"Employee {emp} takes part in the {self.bucket} ranking but {code} is missing for {shown_en} (R-G-9).",
                fix_zh, f"Add {code} for {emp} on the Metrics sheet" + (" (or mark the day ON_DUTY = no)." if self.bucket == "day" else "."),
                employee=emp))

    # ------------------------------------------------------------------ others, ledger, values

    def _others(self, ctx, frame, total) -> tuple[np.ndarray, dict[str, str]]:
        rule = self.scheme.rules[self.others["rule"]]
        pts = int((rule.points or 0) * UNITS)
        holds: dict[str, bool] = {}
        sources: dict[str, str] = {}
        cand = frame["eligible"].to_numpy() & (total == 0)
        for emp in pd.unique(frame.loc[cand, "employee"]):
            if self.others_when is None:
                holds[emp] = True
                continue
            env = ctx.env(emp)
            try:
                holds[emp] = bool(self.others_when.evaluate(env))
            except MissingInput as exc:
                ctx.block(emp, exc.problem)
                holds[emp] = False
            sources[emp] = ", ".join(env.read)
            if not holds[emp]:
                explain = self.others.get("explain", {}).get("zh", self.others_when.text)
                explain_en = self.others.get("explain", {}).get("en", self.others_when.text)
                ctx.note(emp, self.kind, rule.code, None, f"{rule.code} {rule.zh}：不满足“{explain}”，本月不给。",
                         f"{rule.code} {rule.en}: not given this month, because it is not the case that {explain_en}.",
                         env.read)
        ok = cand & frame["employee"].map(lambda e: holds.get(e, False)).to_numpy(dtype=bool)
        ok &= ~frame["employee"].map(ctx.is_blocked).to_numpy(dtype=bool)
        return np.where(ok, pts, 0).astype("int64"), sources

    def _book(self, ctx, frame, ranks, points, lasts, total, others, srcs) -> None:
        metrics = ctx.inputs.metrics
        parts = []
        placed = np.flatnonzero(total > 0)
        if len(placed):
            rule = self.scheme.rules[self.rule_def.code]
            zh, en, where = [], [], []
            for j in placed:
                tz, te, src = [], [], []
                for i, r in enumerate(self.rankings):
                    if points[j, i] > 0:
                        v = frame[f"v{i}"].iat[j]
                        tz.append(f"{r['code']} 第{int(ranks[j, i])}名（{_text(v)}）{_text(points[j, i])}分")
                        te.append(f"{r['code']} rank {int(ranks[j, i])} ({_text(v)}) {_text(points[j, i])} points")
                        row = int(frame[f"v{i}_row"].iat[j])
                        if row > 0:
                            n = int(frame[f"v{i}_n"].iat[j])
                            src.append(metrics.ref("value", row) + (f" (+{n - 1})" if n > 1 else ""))
                k = int((points[j] > 0).sum())
                if self.combine == "max_plus_one" and k >= 2:
                    tz.append(f"多项均获名次：最高 {_text(points[j].max())} + 1 = {_text(total[j])} 分（R-DC-1）")
                    te.append(f"placed in {k} rankings: max {_text(points[j].max())} + 1 = {_text(total[j])} (R-DC-1)")
                label = bucket_label(frame["bucket"].iat[j], self.bucket)
                zh.append(f"{label} {rule.zh}：" + "；".join(tz))
                en.append(f"{label} {rule.en}: " + "; ".join(te))
                where.append(", ".join(src) or "排名 / ranking")
            parts.append(self._ledger_rows(ctx, frame.iloc[placed], rule, total[placed], where, zh, en))
        given = np.flatnonzero(others > 0)
        if len(given):
            rule = self.scheme.rules[self.others["rule"]]
            sub = frame.iloc[given]
            labels = [bucket_label(b, self.bucket) for b in sub["bucket"]]
            pts = _text(others[given[0]])
            col = "g" if self.gate else "v0"
            rows = sub[f"{col}_row"].to_numpy()
            where = [(metrics.ref("value", int(r)) if r > 0 else "排名 / ranking") + (f", {srcs[e]}" if srcs.get(e) else "")
                     for r, e in zip(rows, sub["employee"], strict=True)]
            zh = [f"{lb} {rule.zh}：有资格、未获名次，+{pts} 分" for lb in labels]
            en = [f"{lb} {rule.en}: eligible and not placed, +{pts} points" for lb in labels]
            parts.append(self._ledger_rows(ctx, sub, rule, others[given], where, zh, en))
        for j in np.flatnonzero(lasts.any(axis=1)):
            for i, r in enumerate(self.rankings):
                if lasts[j, i] and not np.isnan(ranks[j, i]):
                    emp = frame["employee"].iat[j]
                    label = bucket_label(frame["bucket"].iat[j], self.bucket)
                    ctx.note(emp, self.kind, r["code"], 0,
                             f"{label} {r['code']} 第{int(ranks[j, i])}名，但为最后一名，不积分（R-CY-3）。",
                             f"{label} {r['code']} rank {int(ranks[j, i])}, but last place: 0 points (R-CY-3).")
        for p in parts:
            ctx.add_ledger(p)
        if self.bucket in ("day", "week"):
            tables = ctx.extras.setdefault("ranks", {})
            for i, r in enumerate(self.rankings):
                ok = ~np.isnan(ranks[:, i])
                tables.setdefault(r["code"], {})[self.bucket] = pd.DataFrame({
                    "employee": frame.loc[ok, "employee"].to_numpy(), "bucket": frame.loc[ok, "bucket"].to_numpy(),
                    "rank": ranks[ok, i].astype("int64"), "value": frame.loc[ok, f"v{i}"].to_numpy() / UNITS})

    def _ledger_rows(self, ctx, sub, rule, units, where, zh, en) -> pd.DataFrame:
        e8 = np.asarray(units, dtype="int64") * 10**4
        ends = [bucket_end(b, self.bucket, ctx.period) for b in sub["bucket"]]
        return pd.DataFrame({
            "employee": sub["employee"].to_numpy(dtype=object), "rule": rule.code, "category": rule.category or "",
            "points_e8": e8, "counted_e8": e8, "where": where, "row": np.full(len(sub), -1, dtype="int64"),
            "date": pd.to_datetime(ends), "qty": 1.0, "value": np.nan, "step": self.kind, "text_zh": zh, "text_en": en})

    def _publish(self, ctx, frame, ranks, points, active) -> None:
        sums = pd.Series(points, index=frame.index).groupby(frame["employee"].to_numpy()).sum().to_dict() if len(frame) else {}
        for emp in active:
            if self.output:
                ctx.values[emp][self.output] = Decimal(int(sums.get(emp, 0))).scaleb(-4).normalize() + 0
            if self.bucket in ("month", "quarter"):
                for r in self.rankings:
                    ctx.values[emp][r["rank_as"]] = None
        if self.bucket in ("month", "quarter"):
            for i, r in enumerate(self.rankings):
                ok = ~np.isnan(ranks[:, i])
                for emp, rk in zip(frame.loc[ok, "employee"], ranks[ok, i], strict=True):
                    ctx.values[emp][r["rank_as"]] = int(rk)

    def _gate_notes(self, ctx, frame) -> None:
        if not self.gate or frame.empty:
            return
        rule = self.scheme.rules[self.gate["rule"]]
        out = frame[~frame["eligible"]]
        mn = plain(to_decimal(self.gate["min"]))
        for emp, grp in out.groupby("employee", sort=False):
            items_zh, items_en = [], []
            for b, g, z in zip(grp["bucket"], grp["g"], grp.get("no_rate", pd.Series(False, index=grp.index)), strict=True):
                label = bucket_label(b, self.bucket)
                items_zh.append(f"{label} 无数据（尝试为 0）" if z else f"{label} {_text(g)}%")
                items_en.append(f"{label} no attempts" if z else f"{label} {_text(g)}%")
            ctx.note(emp, self.kind, rule.code, None,
                     f"{rule.code} {rule.zh}：低于 {mn}%，不参加排名、不积正分：" + "、".join(items_zh),
                     f"{rule.code} {rule.en}: below {mn}%, not ranked and no positive points: " + ", ".join(items_en))


def _round_rate(units: np.ndarray) -> np.ndarray:
    """Round percent units (1e4 per percent point) half-up to 2 decimals of a percent (R-G-4)."""
    out = units.copy()
    ok = ~np.isnan(out)
    out[ok] = np.floor(np.abs(out[ok]) / 100 + 0.5) * 100 * np.sign(out[ok])
    return out


def _ratio_units(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """100 x num / den in percent units, rounded half-up to 2 decimals of a percent, exactly (integers)."""
    n = num.astype("int64")
    d = den.astype("int64")
    hundredths = (2 * 10000 * n + d) // (2 * d)  # percent x 100, half-up
    return (hundredths * 100).astype("float64")
