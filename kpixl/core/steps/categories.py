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

import numpy as np

from ..numbers import from_e8 as _dec
from ..numbers import to_units
from .base import Step


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
            order = ledger.assign(_d=ledger["date"].fillna(np.datetime64("2100-01-01"))).sort_values(
                ["employee", "category", "_d", "row"], kind="stable").index
            led = ledger.loc[order]
            neg = (led["points_e8"] < 0) & led["category"].isin(list(capped))
            sub = led[neg]
            if not sub.empty:
                cum = sub.groupby(["employee", "category"], sort=False)["points_e8"].cumsum()
                before = cum - sub["points_e8"]
                cap = sub["category"].map(capped).astype("int64")
                remaining = (cap + before).clip(lower=0)  # before <= 0
                counted = np.maximum(sub["points_e8"], -remaining)
                ledger.loc[sub.index, "counted_e8"] = counted.astype("int64")
            ctx.ledger_parts = [ledger]
        # Per employee and category sums.
        raw = {}
        counted = {}
        neg_counted = {}
        neg_raw = {}
        if not ledger.empty:
            grp = ledger.groupby(["employee", "category"], sort=False)
            raw = grp["points_e8"].sum().to_dict()
            counted = grp["counted_e8"].sum().to_dict()
            neg_counted = ledger[ledger["counted_e8"] < 0].groupby(["employee", "category"], sort=False)[
                "counted_e8"].sum().to_dict()
            neg_raw = ledger[ledger["points_e8"] < 0].groupby(["employee", "category"], sort=False)[
                "points_e8"].sum().to_dict()
        for emp in ctx.ids:
            values = ctx.values[emp]
            for code, cat in cats.items():
                r = _dec(raw.get((emp, code), 0))
                c = _dec(counted.get((emp, code), 0))
                d = -_dec(neg_counted.get((emp, code), 0))
                values[f"{code}.raw"] = r
                values[f"{code}.points"] = c
                values[f"{code}.deduction"] = d
                if cat.cap is not None:
                    values[f"{code}.left"] = cat.cap - d
                    raw_ded = -_dec(neg_raw.get((emp, code), 0))
                    if raw_ded > d:
                        ctx.note(emp, self.kind, code, d,
                                 f"{cat.zh}（{code}）扣分合计 {raw_ded}，本类最多扣 {cat.cap}，计 {d}。",
                                 f"{cat.en} ({code}) deductions total {raw_ded}, capped at {cat.cap}: {d} counted.")
