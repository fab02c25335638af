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
from ..frames import filled
from ..keyed import pair_sums, stable_order
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

    def run(self, ctx, notes: bool = True) -> None:
        """``notes=False``: publish the sums again without the cap notes (engine: lines a later step
        booked into a category, S8's rank points, reach ``C.points`` too)."""
        cats = self.scheme.categories
        codes = list(cats)
        capped = {c.code: to_units(c.cap) * 10**4 for c in cats.values() if c.cap is not None}
        keys = [k for c in codes for k in (f"{c}.raw", f"{c}.points", f"{c}.deduction")
                + ((f"{c}.left",) if cats[c].cap is not None else ())]
        n_ids = len(ctx.ids)
        # one object column per published value over ctx.ids, zero where an employee has no lines
        columns = {k: filled(n_ids, ZERO_E8) for k in keys}
        for c in capped:
            columns[f"{c}.left"] = filled(n_ids, cats[c].cap - ZERO_E8)
        if ctx.ledger_parts:
            self._sums(ctx, cats, codes, capped, columns, notes)
        values_of = ctx.values
        if not keys:
            return
        for emp, row in zip(ctx.ids, zip(*(columns[k] for k in keys), strict=True), strict=True):
            values_of[emp].update(zip(keys, row, strict=True))

    def _sums(self, ctx, cats, codes, capped, columns, notes: bool = True) -> None:
        """Cap the counted points on the ledger and put each employee's category sums in ``columns``."""
        column = ctx.ledger_column  # over every part: no copy of the whole ledger
        emp_codes = column("emp_pos")  # each line's employee in ctx.ids (-1: none of the run)
        if len(emp_codes) and emp_codes.min() >= 0:
            emps = ctx.ids
        else:
            emp_codes, emps = pd.factorize(column("employee"))
        cat_at = pd.Index(codes).get_indexer(pd.Index(column("category"), dtype=object))  # -1: not a category
        points = column("points_e8").astype("int64")
        counted = column("counted_e8").astype("int64")  # a new array (astype copies)
        cap_of = np.array([capped.get(c, -1) for c in codes] + [-1], dtype="int64")
        caps = cap_of[cat_at]
        neg = np.flatnonzero((points < 0) & (caps >= 0))
        if len(neg):
            # only where an employee's deductions in a capped category exceed its cap does their order
            # matter (the cap is reached on a line); elsewhere every line counts in full
            key = emp_codes[neg] * (len(codes) + 1) + cat_at[neg]
            pairs, (total,) = pair_sums(key, len(emps) * (len(codes) + 1), [points[neg]])
            over = np.zeros(len(emps) * (len(codes) + 1), dtype=bool)
            over[pairs] = -total > cap_of[pairs % (len(codes) + 1)]
            neg = neg[over[key]]
        if len(neg):
            # date, then row order within each employee and category
            dates = ctx.ledger_dates()[neg]
            order = neg[stable_order(emp_codes[neg], cat_at[neg], dates, column("row")[neg])]
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
        n = len(codes)
        pair, (raw, cnt, ded, rded) = pair_sums(emp_codes[ok] * n + cat_at[ok], len(emps) * n, [
            col[ok] for col in (points, counted, np.minimum(counted, 0), np.minimum(points, 0))])
        ded, rded = -ded, -rded
        if emps is ctx.ids:
            at = pair // n  # the pair's employee in ctx.ids
        else:  # (-1: a line of no employee of the run)
            position = ctx.position
            at = np.array([position.get(e, -1) for e in emps.tolist()], dtype="int64")[pair // n]
        which = pair % n
        inverse, units = pd.factorize(np.concatenate([raw, cnt, ded, rded]))
        dec = np.array([_dec(u) for u in units.tolist()], dtype=object)  # one Decimal per distinct sum
        raw_d, cnt_d, ded_d, rded_d = np.split(dec[inverse], 4)
        reached = (ded < rded) & (at >= 0)  # more deducted than counted: the cap was reached
        for ci, code in enumerate(codes):
            sel = np.flatnonzero((which == ci) & (at >= 0))
            if not len(sel):
                continue
            rows = at[sel]
            columns[f"{code}.raw"][rows] = raw_d[sel]
            columns[f"{code}.points"][rows] = cnt_d[sel]
            columns[f"{code}.deduction"][rows] = ded_d[sel]
            cat = cats[code]
            if cat.cap is not None:  # cap - deduction, one Decimal per distinct deduction
                d_of, d_units = pd.factorize(ded[sel])
                left = np.array([cat.cap - _dec(u) for u in d_units.tolist()], dtype=object)
                columns[f"{code}.left"][rows] = left[d_of]
            hit = sel[reached[sel]] if notes else sel[:0]
            if len(hit):  # per employee in the scheme's category order
                ids = [ctx.ids[i] for i in at[hit].tolist()]
                hits = zip(ids, zip(rded_d[hit].tolist(), ded_d[hit].tolist(), strict=True), strict=True)
                ctx.note_each(ids, _CapNote(self.kind, cat, dict(hits)))



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
