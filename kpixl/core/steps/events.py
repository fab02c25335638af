"""``events``: score every event row of the period with its rule (building blocks 3-7).

- fixed-point rule: points x qty (``ATT_LATE`` -5 per occurrence, ``BIZ_CALLBACK_SHORT``
  -0.1 per person-time);
- evaluator-range rule: the row's value (a positive magnitude, R-G-6) x qty, signed by the
  rule's kind;
- money rule: yuan per unit, or a percent (fixed or chosen) of an employee attribute such as
  ``base_salary``, x qty, rounded once per row to 0.01 yuan (R-G-14); a separate ledger from
  points (R-G-8);
- flag rule: an outcome carrying its row (R-G-11); info rule: recorded with 0 points;
- aggravation (building block 6): a row whose ``aggravated`` field is true counts x the
  rule's ``aggravation`` (加倍 = 2, applied once); validation allows the flag only on rules
  that have the field (R-SN-2).

Points are computed as exact scaled integers (1e-8 points) with pandas, so 100k rows cost
milliseconds; money rows use Decimal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import MissingInput, problem
from ..frames import frame, shared_text
from ..numbers import HUNDRED, SCALE, money, plain, to_decimal, to_units
from .base import Step


class EventsStep(Step):
    kind = "events"

    def priced_rules(self) -> set[str]:
        """Every deduct, bonus and money rule: its points, range or amount are read per row."""
        return {c for c, r in self.scheme.rules.items() if r.kind in ("deduct", "bonus", "money")}

    def prices_new_rule(self, rule) -> bool:
        """A new money rule is a deduction in yuan; a new flag or info rule is recorded. A new deduct or
        bonus rule books its points under its category, so it is priced only in a category where the
        scheme already has a rule of the same kind: there its points reach the score as those do (a
        bonus is never put in a category that only caps and prints deductions, S1 ATT)."""
        if rule.kind in ("money", "flag", "info"):
            return True
        return rule.kind in ("deduct", "bonus") and bool(rule.category) and any(
            r.kind == rule.kind and r.category == rule.category and r.code != rule.code
            for r in self.scheme.rules.values())

    def run(self, ctx) -> None:
        ev = ctx.events
        if ev.empty:
            return
        rules = self.scheme.rules
        kind = ev["kind"]
        is_points = kind.isin(["deduct", "bonus", "info"]).to_numpy()
        point_rows = ev if is_points.all() else ev[is_points]  # no copy of a 1M-row month of point rules
        if not point_rows.empty:
            # per rule code, looked up by position (no per-row objects): the positions prepare_events
            # found, else one hash look-up per row
            codes = list(rules)
            known = ctx.event_positions()  # positions in ctx.scheme's rules
            if known is not None and codes == ctx.rule_codes.tolist():
                emp_at, at = (p if is_points.all() else p[is_points] for p in known)
                employee = ctx.id_array[emp_at]  # ctx.ids' own strings, shared
                category = np.array([rules[c].category or "" for c in codes], dtype=object)[at]
                positions = {"emp_pos": emp_at, "rule_pos": at}
            else:
                at = pd.Index(codes).get_indexer(point_rows["rule"])
                employee = shared_text(point_rows["employee"])
                category = shared_text(point_rows["category"].fillna(""))
                positions = {}  # (ctx.add_ledger looks them up)
            fixed = np.array([to_units(rules[c].points) if rules[c].points is not None else 0 for c in codes] + [0],
                             dtype="int64")[at]
            kinds = np.array([rules[c].kind for c in codes] + [""], dtype=object)[at]
            sign = np.select([kinds == "deduct", kinds == "bonus"], [-1, 1], 0).astype("int64")
            is_range = point_rows["is_range"].fillna(False).to_numpy(dtype=bool)
            per_unit = np.where(is_range, sign * point_rows["value_units"].to_numpy(dtype="int64"), fixed)
            per_unit = np.where(kinds == "info", 0, per_unit)
            qty_units = point_rows["qty_units"].to_numpy(dtype="int64")
            # qty_rounding "ceil": a part unit counts as a whole one (S11 R-KR-3: 1.5 h late = 2 h)
            ceil = (point_rows["qty_rounding"].fillna("").to_numpy(dtype=object) == "ceil"
                    if "qty_rounding" in point_rows else np.zeros(len(point_rows), dtype=bool))
            rounded = -(-qty_units // SCALE) * SCALE
            ceil &= rounded != qty_units
            qty_units = np.where(ceil, rounded, qty_units)
            points_e8 = per_unit * qty_units
            where = _refs(ctx, point_rows)
            note_zh = np.full(len(point_rows), "", dtype=object)
            note_en = np.full(len(point_rows), "", dtype=object)
            if ceil.any():  # texts for the rounded rows only
                whole = (rounded[ceil] // SCALE).tolist()
                note_zh[ceil] = [f"数量向上取整为 {q}" for q in whole]
                note_en[ceil] = [f"qty rounded up to {q}" for q in whole]
            # aggravation (加倍, R-SN-2): the row counts x factor, once
            factor = point_rows["factor"].to_numpy(dtype="int64") if "factor" in point_rows else np.ones(len(point_rows), "int64")
            points_e8 = points_e8 * factor
            if (factor > 1).any():
                note_zh = _join_notes(note_zh, np.array([f"加倍 ×{f}" if f > 1 else "" for f in factor], dtype=object), "；")
                note_en = _join_notes(note_en, np.array([f"aggravated x{f}" if f > 1 else "" for f in factor], dtype=object), "; ")
            ctx.add_ledger(frame({
                "employee": employee,
                "rule": _rule_codes(codes, at, point_rows["rule"]),
                "category": category,
                "points_e8": points_e8,
                "counted_e8": points_e8,
                "where": where,
                "row": point_rows["xl_row"].to_numpy(dtype="int64"),
                "date": point_rows["date"].to_numpy(),
                "qty": point_rows["qty"].to_numpy(dtype="float64"),
                "value": point_rows["value"].to_numpy(dtype="float64"),
                "step": "events",
                "text_zh": note_zh,
                "text_en": note_en,
                **positions,
            }))
        for r in ev[kind == "money"].itertuples(index=False):
            self._money_row(ctx, r)
        flagged = {c for c, r in rules.items() if r.flag or r.kind == "flag"}
        if flagged:
            for r in ev[ev["rule"].isin(flagged)].itertuples(index=False):
                rule = rules[r.rule]
                label = rule.flag or {"zh": rule.zh, "en": rule.en}
                ctx.add_flag(r.employee, rule.code, label["zh"], label["en"],
                             [ctx.inputs.events.ref("rule", int(r.xl_row))], {"date": str(pd.Timestamp(r.date).date())})

    def _money_row(self, ctx, r) -> None:
        rule = self.scheme.rules[r.rule]
        qty = to_decimal(float(r.qty))
        where = ctx.inputs.events.ref("rule", int(r.xl_row))
        chosen = None if pd.isna(r.value) else to_decimal(float(r.value))
        rate = chosen if (rule.is_range or rule.points is None) else rule.points
        if rate is None:  # an HR-entered amount (rule.entered) left empty
            ctx.block(r.employee, problem(
                "value_missing", ctx.inputs.events.ref("value", int(r.xl_row)),
                f"{rule.code}（{rule.zh}）需要在“取值”列填写金额（元）。",
                f"{rule.code} ({rule.en}) needs the amount in yuan in the Value column.",
                "填写金额。", "Enter the amount.", employee=r.employee))
            return
        factor = int(getattr(r, "factor", 1) or 1)
        if factor > 1:  # aggravated row (加倍): the amount counts x factor, rounded once
            qty = qty * factor
        if rule.percent_of:
            try:
                base = to_decimal(ctx.attribute(r.employee, rule.percent_of))
            except MissingInput as exc:
                ctx.block_missing(r.employee, problem(
                    "missing_base", exc.problem.where,
                    f"{rule.code} 按{rule.percent_of}的百分比扣款，但员工 {r.employee} 没有填写{rule.percent_of}（{where}）。",
                    f"{rule.code} is a percent of {rule.percent_of}, but employee {r.employee} has none ({where}).",
                    "在员工表填写。", "Fill it in on the Employees sheet.", employee=r.employee))
                return
            if base <= 0:  # a percent of nothing: the deduction would vanish without a word
                label = next((a for a in self.scheme.attributes if a.code == rule.percent_of), None)
                zh_name, en_name = (label.zh, label.en) if label else (rule.percent_of, rule.percent_of)
                ctx.block(r.employee, problem(
                    "zero_base", ctx.inputs.employees.ref(rule.percent_of, int(ctx.employees.at[r.employee, "xl_row"])),
                    f"{rule.code} 按{zh_name}的 {rate}% 扣款（{where}），但员工 {r.employee} 的{zh_name}是 {plain(base)}，扣款无法计算。",
                    f"{rule.code} takes {rate}% of the {en_name} ({where}), but employee {r.employee}'s {en_name} is "
                    f"{plain(base)}: the deduction cannot be computed.",
                    f"在员工表填写{zh_name}的实际金额（元/月）。", f"Enter the actual {en_name} (yuan per month) on the Employees sheet.",
                    employee=r.employee))
                return
            amount = money(rate / HUNDRED * base * qty)
            zh = f"{rule.zh}：{rate}% × {rule.percent_of} {base} × {qty} = {amount} 元"
            en = f"{rule.en}: {rate}% x {rule.percent_of} {base} x {qty} = {amount} yuan"
        else:
            amount = money(rate * qty)
            zh = f"{rule.zh}：{rate} 元 × {qty} = {amount} 元"
            en = f"{rule.en}: {rate} yuan x {qty} = {amount} yuan"
        if factor > 1:
            zh += f"（加倍 ×{factor}，数量已含）"
            en += f" (aggravated x{factor}, included in the quantity)"
        ctx.add_money(employee=r.employee, rule=rule.code, amount=amount, direction="deduction", where=where,
                      row=int(r.xl_row), date=r.date, qty=float(r.qty), value=None if chosen is None else float(chosen),
                      text_zh=zh, text_en=en)


def _refs(ctx, rows: pd.DataFrame) -> pd.Series:
    """Source cell of each row (its rule cell, e.g. ``事件!C14``), built in Arrow storage: a 1M-row
    month's references take 18 MB there, 97 MB as Python strings (context.ARROW_TEXT)."""
    table = ctx.inputs.events
    prefix = f"{table.name}!{table.letters.get('rule', 'C')}"
    return prefix + pd.Series(rows["xl_row"].to_numpy(dtype="int64")).astype("str")


def _rule_codes(codes: list[str], at: np.ndarray, rule: pd.Series) -> np.ndarray:
    """Each row's rule code as the scheme's own string (one object per code, found by position);
    a row whose code the scheme does not have keeps its text."""
    out = np.array(codes + [None], dtype=object)[at]
    unknown = at < 0
    if unknown.any():
        out[unknown] = rule.to_numpy(dtype=object)[unknown]
    return out


def _join_notes(a, b, sep: str) -> np.ndarray:
    """Two per-row note columns joined (either may be empty on a row)."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    return np.array([x + sep + y if x and y else (x or y) for x, y in zip(a, b, strict=True)], dtype=object)
