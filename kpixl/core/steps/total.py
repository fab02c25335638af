"""``total``: output = base + sum(add) - sum(subtract), then floor, ceiling and rounding.

Floors and ceilings exist only where a scheme states them (R-G-5). ``round`` rounds half-up
(R-G-4); without it the value stays exact.
"""

from __future__ import annotations

import operator
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from itertools import repeat

from ..context import SharedNote
from ..errors import MissingInput
from ..numbers import ZERO, plain, to_decimal
from .base import Step


class TotalStep(Step):
    kind = "total"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.output = spec["output"]
        self.base = to_decimal(spec["base"]) if "base" in spec else ZERO
        self.add = list(spec.get("add", []))
        self.subtract = list(spec.get("subtract", []))
        self.floor = to_decimal(spec["floor"]) if "floor" in spec else None
        self.ceiling = to_decimal(spec["ceiling"]) if "ceiling" in spec else None
        self.round = spec.get("round")

    def outputs(self) -> list[str]:
        return [self.output]

    def run(self, ctx) -> None:
        """Column-wise where every term is an exact computed value (the common case), one by one
        where a term is an input or missing (it is then read and reported exactly as before)."""
        label_zh = self.spec.get("zh", self.output)
        label_en = self.spec.get("en", self.output)
        names = [(n, 1) for n in self.add] + [(n, -1) for n in self.subtract]
        ids = ctx.ids
        dicts = ctx.value_dicts
        cols = [list(map(dict.get, dicts, repeat(n))) for n, _ in names]
        exact = [set(map(type, col)) <= {Decimal} for col in cols]  # (a column of computed values)
        fast = [True] * len(ids)
        for col, ok in zip(cols, exact, strict=True):
            if not ok:
                fast = [f and type(v) is Decimal for f, v in zip(fast, col, strict=True)]
        sums = [self.base] * len(ids)
        for (_, sign), col, ok in zip(names, cols, exact, strict=True):
            terms = col if ok else [v if type(v) is Decimal else ZERO for v in col]
            sums = list(map(operator.add if sign > 0 else operator.sub, sums, terms))
        places = None if self.round is None else Decimal(1).scaleb(-self.round)
        shared = _TotalNote(self.kind, self.output, label_zh, label_en, self.base, names, cols, ctx.position)
        for i, (emp, values) in enumerate(zip(ids, dicts, strict=True)):
            if fast[i]:
                terms = None
                value = sums[i]
            else:
                terms = self._terms(ctx, emp, names)
                if terms is None:
                    continue
                value = self.base
                for _, sign, v in terms:
                    value = value + v if sign > 0 else value - v
            clamp = ""
            if self.floor is not None and value < self.floor:
                clamp, value = "floor", self.floor
            if self.ceiling is not None and value > self.ceiling:
                clamp, value = "ceiling", self.ceiling
            if places is not None:
                value = value.quantize(places, rounding=ROUND_HALF_UP)  # R-G-4
            values[self.output] = value
            if terms is None:  # the formula is read from the step's columns when it is shown
                shared.values[i] = value
                if clamp:
                    shared.clamps[emp] = clamp
                continue
            ctx.note(emp, self.kind, self.output, value,
                     partial(_formula, label_zh, self.base, terms, clamp, value, "zh"),
                     partial(_formula, label_en, self.base, terms, clamp, value, "en"))
        ctx.note_each([e for e, v in zip(ids, shared.values, strict=True) if v is not None], shared)

    def _terms(self, ctx, emp: str, names) -> list | None:
        """(name, sign, value) of every term, read one by one (inputs, missing values reported)."""
        values = ctx.values[emp]
        terms = []
        try:
            for n, sign in names:
                v = values.get(n)
                if v is None:
                    v = ctx.env(emp).get(n)
                terms.append((n, sign, v if type(v) is Decimal else to_decimal(v)))
        except MissingInput as exc:
            ctx.block_missing(emp, exc.problem)
            return None
        return terms


class _TotalNote(SharedNote):
    """The formula line of every employee whose terms are all computed values (one object: ctx.note_each);
    each one's terms are read from the step's columns when the text is built."""

    __slots__ = ("kind", "output", "zh", "en", "base", "names", "cols", "position", "values", "clamps")

    def __init__(self, kind, output, zh, en, base, names, cols, position):
        self.kind, self.output, self.zh, self.en, self.base = kind, output, zh, en, base
        self.names, self.cols, self.position = names, cols, position
        self.values: list = [None] * len(position)  # each employee's total, by position
        self.clamps: dict[str, str] = {}

    def line(self, employee: str) -> tuple:
        i = self.position[employee]
        terms, value, clamp = _Terms(self.names, self.cols, i), self.values[i], self.clamps.get(employee, "")
        return (self.kind, self.output, value, partial(_formula, self.zh, self.base, terms, clamp, value, "zh"),
                partial(_formula, self.en, self.base, terms, clamp, value, "en"), ())


class _Terms:
    """The terms of one employee's total, read from the step's columns when the text is built."""

    __slots__ = ("names", "cols", "i")

    def __init__(self, names, cols, i: int):
        self.names, self.cols, self.i = names, cols, i

    def __iter__(self):
        return iter([(n, sign, col[self.i]) for (n, sign), col in zip(self.names, self.cols, strict=True)])

    def __bool__(self) -> bool:
        return bool(self.names)


def _formula(label, base, terms, clamp, value, lang) -> str:
    """The explanation text of a total (built only when an explanation is read)."""
    parts = [plain(base)] if base or not terms else []
    for n, sign, v in terms:
        if v != ZERO:
            positive = (v >= 0) == (sign > 0)
            parts.append(f"{'+' if positive else '−'} {plain(abs(v))} ({n})")
    formula = " ".join(parts).lstrip("+ ") or "0"
    if clamp == "floor":
        formula += "，不低于下限" if lang == "zh" else ", floored"
    elif clamp == "ceiling":
        formula += "，不高于上限" if lang == "zh" else ", capped"
    return f"{label} = {formula} = {plain(value)}"


