"""``rubric``: criteria scored per observed call, then averaged over the month (building block 26).

The criteria are the rules of one category (S9: ``CQ``), so HR adds a criterion by adding
a rule with its name and maximum on the 规则 / Rules sheet (R-CQ-1); an optional list
parameter (``criteria_parameter``, e.g. ``CRITERIA``) restricts the criteria in force for
the month. Each Events row gives one criterion's score for one call: ``value`` is the score
(0..max, checked like any range rule, R-CQ-6), the ``call_field`` column names the call, and
the optional ``band_field`` column holds the band label the evaluator chose ("13-15"),
which must be one of the criterion's bands and contain the score. A criterion's bands are
the Rules sheet's 评分档 / Bands cell when the workbook gives one (checked for overlaps and
gaps in kpixl/core/criteria.py), else the scheme's ``bands`` for it; a criterion with no
bands accepts no band label.

Call percentage = call total / sum of the maxima in force x 100, rounded to 2 decimals;
the month's score = mean of the call percentages, rounded to 2 decimals (R-CQ-7). Every
call needs exactly one score per criterion in force; a missing or duplicate one is an
error naming the call. An employee with no call in the month is "not assessed": the score
is empty and a warning says so.
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd

from ..criteria import Band, labels, parse_label
from ..errors import problem
from ..numbers import HUNDRED, SCALE, ZERO, plain, round2, to_decimal
from .base import Step

_SPLIT = re.compile(r"[\s,，、;；]+")


class RubricStep(Step):
    kind = "rubric"
    rule_bands = True  # the Rules sheet carries each criterion's bands (评分档 / Bands column)

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.output = spec["output"]
        self.category = spec["category"]
        if self.category not in scheme.categories:
            raise self.error(f"类别 {self.category} 不存在。", f"Category {self.category} does not exist.",
                             "在 categories 中定义它。", "Define it in categories.", ".category")
        self.call = spec.get("call_field", "call_id")
        self.band = spec.get("band_field", "band")
        self.bands: dict[str, tuple[Band, ...]] = {}  # the scheme's default bands per criterion
        for code, bands in spec.get("bands", {}).items():
            self.rule(code, f"bands.{code}")
            self.bands[code] = tuple((to_decimal(b["min"]), to_decimal(b["max"]), b.get("zh", "")) for b in bands)

    def bands_of(self, code: str) -> tuple[Band, ...]:
        """The criterion's bands in force: the Rules sheet's, else the scheme's (empty: none)."""
        rule = self.scheme.rules.get(code)
        if rule is not None and rule.bands is not None:
            return rule.bands
        return self.bands.get(code, ())

    def outputs(self) -> list[str]:
        return [self.output, f"{self.output}.calls"]

    def rule_codes(self) -> list[str]:
        return [c for c, r in self.scheme.rules.items() if r.category == self.category]

    def priced_rules(self) -> set[str]:
        return set(self.rule_codes())  # each criterion's range (its full marks) is read from the table

    def prices_new_rule(self, rule) -> bool:
        """A rule added in the criteria's category is a new criterion (HR adds one on the Rules sheet)."""
        return rule.category == self.category and rule.kind == "bonus"

    def guide_rows(self) -> list[tuple[str, str]]:
        out = [(self.category, f"{self.spec.get('zh', '评分项目')} / {self.spec.get('en', 'criteria')}"
                               "：每通电话每项一行（事件表：规则代码、取值=得分、通话编号）/ one Events row per criterion per call")]
        for code in self.rule_codes():
            rule = self.scheme.rules[code]
            out.append((code, f"{rule.zh} / {rule.en} · 满分 max {plain(rule.max) if rule.max is not None else '?'}"))
            for lo, hi, zh in self.bands_of(code):
                out.append(("", f"   {plain(lo)}–{plain(hi)}  {zh}" if lo != hi else f"   {plain(lo)}  {zh}"))
        return out

    # ------------------------------------------------------------------ run

    def _criteria(self, ctx) -> list[str] | None:
        rules = self.scheme.rules
        param = self.spec.get("criteria_parameter")
        p = ctx.inputs.parameters.get(param) if param else None
        if p is not None and p.value not in (None, ""):
            codes = [c.upper() for c in _SPLIT.split(str(p.value)) if c]
            bad = [c for c in codes if c not in rules]
            if bad or not codes:
                self._everyone(ctx, problem(
                    "unknown_criterion", p.where, f"{param} 中的评分项目 {bad} 不在规则表中。",
                    f"{param} names criteria {bad} that are not on the Rules sheet.",
                    "用逗号分隔规则表中的代码，或留空使用全部评分项目。",
                    "List Rules-sheet codes separated by commas, or leave it empty for every criterion."))
                return None
            twice = sorted({c for c in codes if codes.count(c) > 1})
            if twice:  # (each criterion's maximum would count twice in the denominator, R-CQ-7)
                self._everyone(ctx, problem(
                    "duplicate_criterion", p.where, f"{param} 中的评分项目 {'、'.join(twice)} 写了不止一次。",
                    f"{param} lists criteria {', '.join(twice)} more than once.",
                    "每个评分项目只写一次。", "List each criterion once."))
                return None
        else:
            codes = self.rule_codes()
        no_max = [c for c in codes if rules[c].max is None]
        if no_max:
            self._everyone(ctx, problem(
                "criterion_without_max", ctx.inputs.rules.label if ctx.inputs.rules is not None else self.where,
                f"评分项目 {no_max} 没有满分（上限）。", f"Criteria {no_max} have no maximum.",
                "在规则表填写下限 0 和上限（满分）。", "Fill in Min 0 and Max (the full marks) on the Rules sheet."))
            return None
        return codes

    def _everyone(self, ctx, pr) -> None:
        from dataclasses import replace

        for emp in ctx.ids:
            ctx.block(emp, replace(pr, employee=emp))

    def run(self, ctx) -> None:
        codes = self._criteria(ctx)
        if codes is None:
            return
        rules = self.scheme.rules
        max_sum = sum((rules[c].max for c in codes), ZERO)
        ev = ctx.events
        table = ctx.inputs.events
        mine = set(self.rule_codes()) | set(codes)
        rows = ev[ev["rule"].isin(list(mine))].copy() if not ev.empty else ev
        if rows.empty:
            rows = pd.DataFrame(columns=["employee", "rule", "xl_row", "value_units", "qty", self.call])
        if self.call not in rows:
            rows[self.call] = ""
        rows[self.call] = rows[self.call].fillna("").astype(str).str.strip()
        bad = np.zeros(len(rows), dtype=bool)

        def row_problem(mask, code, field, zh, en, fzh, fen):
            nonlocal bad
            for r in rows[mask].itertuples(index=False):
                ctx.block(r.employee, problem(code, table.ref(field, int(r.xl_row)), zh(r), en(r), fzh, fen,
                                              employee=r.employee))
            bad |= np.asarray(mask, dtype=bool)

        row_problem(~rows["rule"].isin(codes).to_numpy(), "criterion_not_in_force", "rule",
                    lambda r: f"{r.rule} 不在本月的评分项目（{self.spec.get('criteria_parameter', '')}）中。",
                    lambda r: f"{r.rule} is not a criterion in force this month.",
                    "删除本行，或把它加入评分项目表。", "Delete the row or add it to the criteria list.")
        row_problem((rows["qty"].to_numpy(dtype="float64") != 1), "criterion_qty", "qty",
                    lambda r: "评分行的数量必须为 1（每通电话每项一行）。",
                    lambda r: "A criterion row has qty 1 (one row per criterion per call).",
                    "清空数量，或拆成多行。", "Clear the qty or split the row.")
        row_problem((rows[self.call] == "").to_numpy(), "call_id_missing", self.call,
                    lambda r: f"{r.rule} 的评分行没有通话编号。", lambda r: f"The {r.rule} score has no call id.",
                    "填写被监听通话的编号。", "Fill in the id of the monitored call.")
        self._check_bands(ctx, rows, row_problem)

        ok_rows = rows[~bad & rows["rule"].isin(codes).to_numpy()]
        key = ["employee", self.call]
        refused = set(zip(rows.loc[bad, "employee"], rows.loc[bad, self.call], rows.loc[bad, "rule"], strict=True))
        calls = self._complete_calls(ctx, ok_rows, codes, key, refused)
        self._publish(ctx, ok_rows, calls, codes, max_sum, key)

    def _check_bands(self, ctx, rows, row_problem) -> None:
        value = rows["value_units"].to_numpy(dtype="int64") if len(rows) else np.zeros(0, dtype="int64")
        units = {c: [(int(lo * SCALE), int(hi * SCALE)) for lo, hi, _ in self.bands_of(c)]
                 for c in self.rule_codes() if self.bands_of(c)}
        rules = rows["rule"].to_numpy(dtype=object)
        # decided once per distinct (criterion, score), then mapped back to the rows
        pair = pd.Series(rules, dtype=object) + "|" + pd.Series(value).astype(str)
        verdict = {}
        for key in pair.unique().tolist():
            code, v = key.rsplit("|", 1)
            verdict[key] = code in units and not any(lo <= int(v) <= hi for lo, hi in units[code])
        outside = pair.map(verdict).to_numpy(dtype=bool) if len(pair) else np.zeros(0, dtype=bool)
        row_problem(outside, "score_not_in_band", "value",
                    lambda r: f"{r.rule} 的得分 {plain(Decimal(int(r.value_units)) / SCALE)} 不属于任何评分档（{self._labels(r.rule)}）。",
                    lambda r: f"The {r.rule} score {plain(Decimal(int(r.value_units)) / SCALE)} is in none of its bands ({self._labels(r.rule)}).",
                    "按评分档填写得分。", "Enter a score of one of the bands.")
        if self.band not in rows:
            return
        labels = rows[self.band].fillna("").astype(str).str.strip()
        given = (labels != "").to_numpy()
        parsed = labels.map(lambda t: parse_label(t) if t else None)
        wrong = np.zeros(len(rows), dtype=bool)
        for i, (g, rng, code, v) in enumerate(zip(given, parsed, rules, value, strict=True)):
            if not g:
                continue
            if rng is None:
                wrong[i] = True
                continue
            lo, hi = int(rng[0] * SCALE), int(rng[1] * SCALE)
            # the label must be one of the criterion's bands (a criterion without bands has none) and hold the score
            wrong[i] = (lo, hi) not in units.get(code, ()) or not lo <= v <= hi
        row_problem(wrong & ~outside, "band_mismatch", self.band,
                    lambda r: f"评分档 “{getattr(r, self.band)}” 与 {r.rule} 的得分 {plain(Decimal(int(r.value_units)) / SCALE)} 不符（可选：{self._labels(r.rule)}）。",
                    lambda r: f"Band '{getattr(r, self.band)}' does not fit the {r.rule} score {plain(Decimal(int(r.value_units)) / SCALE)} (bands: {self._labels(r.rule)}).",
                    "改正得分或评分档（得分必须在所选档内，R-CQ-6）；新增的评分项目请在规则表“评分档”列填写它的档。",
                    "Correct the score or the band (the score must lie in the chosen band, R-CQ-6); for an added "
                    "criterion, give its bands in the Rules sheet's Bands column.")

    def _labels(self, code: str) -> str:
        b = self.bands_of(code)
        if not b:
            return "无评分档 no bands"
        return labels(b)

    def _complete_calls(self, ctx, rows, codes, key, refused=frozenset()) -> pd.DataFrame:
        """Calls with exactly one score per criterion in force; block the employees of the others.

        A criterion whose row was refused (that problem names the row) is not reported missing again."""
        table = ctx.inputs.events
        if rows.empty:
            return pd.DataFrame(columns=key)
        counts = rows.groupby(key + ["rule"], sort=False).size().unstack("rule", fill_value=0)
        counts = counts.reindex(columns=codes, fill_value=0)
        first = rows.groupby(key, sort=False)["xl_row"].min()
        broken = (counts != 1).any(axis=1)
        for (emp, call), cnt in counts[broken].iterrows():
            missing = [c for c in codes if cnt[c] == 0 and (emp, call, c) not in refused]
            dup = [c for c in codes if cnt[c] > 1]
            if not missing and not dup:
                continue
            parts_zh = ([f"缺少 {'、'.join(missing)}"] if missing else []) + ([f"{'、'.join(dup)} 重复"] if dup else [])
            parts_en = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"{', '.join(dup)} entered twice"] if dup else [])
            ctx.block(emp, problem(
                "call_criteria", table.ref(self.call, int(first[(emp, call)])),
                f"员工 {emp} 的通话 {call}：{'；'.join(parts_zh)}（每通电话每个评分项目必须正好一行，R-CQ-7）。",
                f"Call {call} of employee {emp}: {'; '.join(parts_en)} (every call needs exactly one score per criterion, R-CQ-7).",
                "补齐或删除重复的评分行。", "Add the missing rows or delete the duplicates.", employee=emp))
        return counts[~broken].reset_index()[key]

    def _publish(self, ctx, rows, calls, codes, max_sum, key) -> None:
        table = ctx.inputs.events
        order = {c: i for i, c in enumerate(codes)}
        per_emp: dict[str, list[tuple[str, Decimal, str, str]]] = {}
        if not calls.empty:
            complete = set(zip(calls["employee"], calls[self.call], strict=True))
            keep = np.fromiter(((e, c) in complete for e, c in zip(rows["employee"].tolist(), rows[self.call].tolist(),
                                                                   strict=True)),
                               dtype=bool, count=len(rows))
            good = rows[keep]
            good = good.assign(_o=good["rule"].map(order)).sort_values(key + ["_o"], kind="stable")
            if not good.empty:
                units = good["value_units"].to_numpy(dtype="int64")
                text = pd.Series(units).map({u: plain(Decimal(int(u)) / SCALE) for u in np.unique(units)})
                pieces = (good["rule"].reset_index(drop=True) + " " + text).tolist()
                rows_n = good["xl_row"].to_numpy(dtype="int64")
                letter = table.letters.get("value", "")
                src = [table.ref("value", int(r)) for r in rows_n] if not letter else (
                    pd.Series(rows_n).astype(str).map(lambda r: f"{table.name}!{letter}{r}" + (
                        "" if table.name == table.en else f" / {table.en}!{letter}{r}"))).tolist()
                emps = good["employee"].tolist()
                calls_l = good[self.call].tolist()
                starts = [0] + [i for i in range(1, len(emps)) if emps[i] != emps[i - 1] or calls_l[i] != calls_l[i - 1]]
                totals = np.add.reduceat(units, starts)
                firsts = np.minimum.reduceat(rows_n, starts)
                bounds = starts[1:] + [len(emps)]
                found = []
                for a, b, tot, first in zip(starts, bounds, totals.tolist(), firsts.tolist(), strict=True):
                    total = Decimal(tot) / SCALE
                    pct = round2(total / max_sum * HUNDRED)
                    found.append((first, emps[a], calls_l[a], pct, f"{' + '.join(pieces[a:b])} = {plain(total)}",
                                  ", ".join(src[a:b])))
                for _first, emp, call, pct, formula, where in sorted(found, key=lambda f: f[0]):
                    per_emp.setdefault(emp, []).append((call, pct, formula, where))
        for emp in ctx.ids:
            values = ctx.values[emp]
            got = per_emp.get(emp, [])
            values[f"{self.output}.calls"] = Decimal(len(got))
            if ctx.is_blocked(emp):
                continue
            if not got:
                values[self.output] = None
                ctx.add_problem(problem(
                    "not_assessed", table.label, f"员工 {emp} 本月没有被监听的通话，未评估。",
                    f"Employee {emp} has no monitored call this month and is not assessed.",
                    "如有监听记录，请录入事件表。", "Enter the monitored calls on the Events sheet if there were any.",
                    employee=emp, severity="warning"))
                ctx.note(emp, self.kind, self.output, None, "本月没有被监听的通话：未评估", "No monitored call this month: not assessed")
                continue
            for call, pct, formula, src in got:
                ctx.note(emp, self.kind, f"call {call}", pct, f"通话 {call}：{formula} / {plain(max_sum)} = {plain(pct)}%",
                         f"Call {call}: {formula} / {plain(max_sum)} = {plain(pct)}%", [src])
            score = round2(sum((p for _, p, _, _ in got), ZERO) / len(got))
            values[self.output] = score
            shown = " + ".join(plain(p) for _, p, _, _ in got)
            ctx.note(emp, self.kind, self.output, score, f"月度得分 = ({shown}) / {len(got)} = {plain(score)}%",
                     f"Monthly score = ({shown}) / {len(got)} = {plain(score)}%")
