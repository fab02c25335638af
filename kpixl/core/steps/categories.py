"""``categories``: category caps on deductions (building blocks 2 and 9; S1 R-WK-2).

For a category with a cap (its allocation), the deductions that count are limited to the
cap; bonuses in a category are not capped. Rows are applied in date and row order, so the
detail sheet shows which row reached the cap (``counted`` is 0 after it) and the counted
points of a category always add up to its capped total.

Publishes, for every category ``C`` and every employee:
``C.points`` (counted signed points), ``C.deduction`` (counted deductions as a positive
number), ``C.raw`` (signed points before the cap) and, for capped categories, ``C.left``
(cap - deduction; the points left of the allocation).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from ..numbers import from_e8 as _dec
from ..numbers import plain, to_units
from .base import Step

ZERO_E8 = _dec(0)


class CategoriesStep(Step):
    kind = "categories"

    def outputs(self) -> list[str]:
        out = []
        for c in self.scheme.categories.values():
            out += [f"{c.code}.points", f"{c.code}.deduction", f"{c.code}.raw"]
            if c.cap is not None:
                out.append(f"{c.code}.left")
        return out

    def run(self, ctx) -> None:
        ledger = ctx.ledger()
        cats = self.scheme.categories
        capped = {c.code: to_units(c.cap) * 10**4 for c in cats.values() if c.cap is not None}
        if not ledger.empty and capped:
            ledger = ledger.reset_index(drop=True)
            neg = ((ledger["points_e8"] < 0) & ledger["category"].isin(list(capped))).to_numpy()
            sub = ledger[neg]
            if not sub.empty:
                # date, then row order within each employee and category (np.lexsort: last key first)
                emp_codes = pd.factorize(sub["employee"])[0]
                cat_codes = pd.factorize(sub["category"])[0]
                dates = sub["date"].fillna(pd.Timestamp("2100-01-01")).to_numpy(dtype="datetime64[ns]")
                order = np.lexsort((sub["row"].to_numpy(), dates, cat_codes, emp_codes))
                sub = sub.iloc[order]
                points = sub["points_e8"].to_numpy(dtype="int64")
                cum = sub.groupby(["employee", "category"], sort=False)["points_e8"].cumsum().to_numpy(dtype="int64")
                cap = sub["category"].map(capped).to_numpy(dtype="int64")
                remaining = np.clip(cap + (cum - points), 0, None)  # cum - points <= 0
                ledger.loc[sub.index, "counted_e8"] = np.maximum(points, -remaining)
            ctx.ledger_parts = [ledger]
        # Per employee and category sums, as one frame of four exact columns.
        if ledger.empty:
            sums = pd.DataFrame(columns=["raw", "counted", "neg_counted", "neg_raw"], dtype="int64")
        else:
            led = ledger[["employee", "category", "points_e8", "counted_e8"]]
            sums = pd.DataFrame({
                "raw": led["points_e8"], "counted": led["counted_e8"],
                "neg_counted": led["counted_e8"].where(led["counted_e8"] < 0, 0),
                "neg_raw": led["points_e8"].where(led["points_e8"] < 0, 0),
                "employee": led["employee"], "category": led["category"],
            }).groupby(["employee", "category"], sort=False).sum()
        # everyone starts from the zero values (one dict update each); then the sums that exist
        zero: dict[str, object] = {}
        for code, cat in cats.items():
            zero.update({f"{code}.raw": ZERO_E8, f"{code}.points": ZERO_E8, f"{code}.deduction": ZERO_E8})
            if cat.cap is not None:
                zero[f"{code}.left"] = cat.cap - ZERO_E8
        values_of = ctx.values
        for emp in ctx.ids:
            values_of[emp].update(zero)
        if sums.empty:
            return
        known = set(ctx.ids)
        reached: dict[str, list] = {code: [] for code in cats}
        dec: dict[int, object] = {0: ZERO_E8}

        def d(units) -> object:
            hit = dec.get(units)
            if hit is None:
                hit = dec[units] = _dec(units)
            return hit
        for (emp, code), (r, c, nc, nr) in zip(sums.index, sums.itertuples(index=False, name=None), strict=True):
            cat = cats.get(code)
            if cat is None or emp not in known:
                continue
            values = values_of[emp]
            deduction = d(-nc)
            values[f"{code}.raw"] = d(r)
            values[f"{code}.points"] = d(c)
            values[f"{code}.deduction"] = deduction
            if cat.cap is not None:
                values[f"{code}.left"] = cat.cap - deduction
                if nr < nc:  # more deducted than counted: the cap was reached
                    reached[code].append((emp, d(-nr), deduction))
        for code, hits in reached.items():  # per employee in the scheme's category order
            cat = cats[code]
            for emp, raw, deduction in hits:
                ctx.note(emp, self.kind, code, deduction, partial(_cap_text, cat, raw, deduction, "zh"),
                         partial(_cap_text, cat, raw, deduction, "en"))


def _cap_text(cat, raw_deduction, counted, lang: str) -> str:
    if lang == "zh":
        return f"{cat.zh}（{cat.code}）扣分合计 {plain(raw_deduction)}，本类最多扣 {plain(cat.cap)}，计 {plain(counted)}。"
    return f"{cat.en} ({cat.code}) deductions total {plain(raw_deduction)}, capped at {plain(cat.cap)}: {plain(counted)} counted."
