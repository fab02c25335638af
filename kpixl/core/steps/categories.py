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

from ..context import SharedNote
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
        cats = self.scheme.categories
        codes = list(cats)
        capped = {c.code: to_units(c.cap) * 10**4 for c in cats.values() if c.cap is not None}
        # everyone starts from the zero values (one dict update each); then the sums that exist
        zero: dict[str, object] = {}
        for code, cat in cats.items():
            zero.update({f"{code}.raw": ZERO_E8, f"{code}.points": ZERO_E8, f"{code}.deduction": ZERO_E8})
            if cat.cap is not None:
                zero[f"{code}.left"] = cat.cap - ZERO_E8
        values_of = ctx.values
        for emp in ctx.ids:
            values_of[emp].update(zero)
        if not ctx.ledger_parts:
            return
        column = ctx.ledger_column  # over every part: no copy of the whole ledger
        emp_codes, emps = pd.factorize(column("employee"))
        emps = emps.tolist()
        cat_at = pd.Index(codes).get_indexer(pd.Index(column("category"), dtype=object))  # -1: not a category
        points = column("points_e8").astype("int64")
        counted = column("counted_e8").astype("int64")  # a new array (astype copies)
        cap_of = np.array([capped.get(c, -1) for c in codes] + [-1], dtype="int64")
        caps = cap_of[cat_at]
        neg = np.flatnonzero((points < 0) & (caps >= 0))
        if len(neg):
            # date, then row order within each employee and category (np.lexsort: last key first)
            dates = ctx.ledger_dates()[neg]
            order = neg[np.lexsort((column("row")[neg], dates, cat_at[neg], emp_codes[neg]))]
            p = points[order]
            key = emp_codes[order] * (len(codes) + 1) + cat_at[order]
            start = np.r_[True, key[1:] != key[:-1]]
            cum = np.cumsum(p)
            first = np.maximum.accumulate(np.where(start, np.arange(len(p)), 0))  # each row's group start
            before = (cum - p) - (cum - p)[first]  # the group's deductions before this row
            remaining = np.clip(caps[order] + before, 0, None)  # before <= 0: deductions so far
            counted[order] = np.maximum(p, -remaining)
            ctx.set_ledger_column("counted_e8", counted)
        # per employee and category: raw, counted, counted deductions, raw deductions (exact integers)
        ok = cat_at >= 0
        if not ok.any():
            return
        key = emp_codes[ok] * len(codes) + cat_at[ok]
        order = np.argsort(key, kind="stable")
        key = key[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        sums = [np.add.reduceat(col[ok][order], starts) for col in
                (points, counted, np.minimum(counted, 0), np.minimum(points, 0))]
        pair = key[starts]
        dec = {u: _dec(u) for u in set(np.concatenate([sums[0], sums[1], -sums[2], -sums[3]]).tolist())}
        raw, cnt, ded, rded = ([dec[x] for x in col.tolist()] for col in (sums[0], sums[1], -sums[2], -sums[3]))
        keys = [(f"{c}.raw", f"{c}.points", f"{c}.deduction", f"{c}.left", cats[c]) for c in codes]
        known = ctx.values
        n = len(codes)
        who, which = (pair // n).tolist(), (pair % n).tolist()
        lefts: dict[tuple[str, object], object] = {}  # cap - deduction, one Decimal per distinct pair
        for e, c, r, cn, d in zip(who, which, raw, cnt, ded, strict=True):
            values = known.get(emps[e])
            if values is None:
                continue
            k_raw, k_points, k_ded, k_left, cat = keys[c]
            values[k_raw] = r
            values[k_points] = cn
            values[k_ded] = d
            if cat.cap is not None:
                left = lefts.get((k_left, d))  # d is one shared Decimal per distinct unit count
                if left is None:
                    left = lefts[(k_left, d)] = cat.cap - d
                values[k_left] = left
        # the cap was reached where more was deducted than counted (exact units; uncapped: never)
        reached: dict[str, list] = {code: [] for code in codes}
        for i in np.flatnonzero(sums[2] > sums[3]).tolist():
            if emps[who[i]] in known:
                reached[codes[which[i]]].append((emps[who[i]], rded[i], ded[i]))
        for code, hits in reached.items():  # per employee in the scheme's category order
            if hits:
                ctx.note_each([h[0] for h in hits], _CapNote(self.kind, cats[code], {h[0]: h[1:] for h in hits}))


class _CapNote(SharedNote):
    """"The cap was reached" for every employee of one category who reached it (one object)."""

    __slots__ = ("kind", "cat", "hits")

    def __init__(self, kind: str, cat, hits: dict):
        self.kind, self.cat, self.hits = kind, cat, hits  # employee -> (raw deduction, counted)

    def line(self, employee: str) -> tuple:
        rd, d = self.hits[employee]
        return (self.kind, self.cat.code, d, partial(_cap_text, self.cat, rd, d, "zh"),
                partial(_cap_text, self.cat, rd, d, "en"), ())


def _cap_text(cat, raw_deduction, counted, lang: str) -> str:
    if lang == "zh":
        return f"{cat.zh}（{cat.code}）扣分合计 {plain(raw_deduction)}，本类最多扣 {plain(cat.cap)}，计 {plain(counted)}。"
    return f"{cat.en} ({cat.code}) deductions total {plain(raw_deduction)}, capped at {plain(cat.cap)}: {plain(counted)} counted."
