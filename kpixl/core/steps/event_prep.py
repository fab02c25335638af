"""Event preparation steps, run before ``events``: they act on the period's valid event rows.

- ``classify``: a generic rule takes a class rule from an event field (S8 ``C_SIGN`` with
  ``restaurant_class`` A/B/other, R-CY-5); a class rule whose field names another class is a
  located error (the row contradicts itself).
- ``precedence``: of rules that describe the same fact on the same day, only the first listed
  counts (S8 R-CY-2: absent from the morning meeting beats late; R-G-7 "one event, one rule");
  the dropped row is reported as a warning naming it.
- ``qty_limit``: the summed qty of a rule per employee and day may not exceed a maximum (S7
  R-DC-13: at most 2 failing recordings a day); more is a located error naming the rows.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from ..errors import problem
from ..invisible import visible
from ..numbers import plain, to_decimal
from .base import Step


def _reset_counts(ctx) -> None:
    ctx._counts = None
    ctx._qty = None


# A class as contracts write it: one letter, with the words around it a clerk types (A类, A级, A档,
# (A), A-类, A类饭店, A类酒店, Class A); compared full-width, case and invisible characters ignored.
_CLASS = re.compile(r"[(\[（【〔<《\s]*(?:CLASS|TYPE|类别|類別|等级|等級)?[\s:：-]*([A-Z])[\s-]*(?:类|類|级|級|档|檔|等)?\s*"
                    r"(?:饭店|飯店|酒店|餐厅|餐廳|宾馆|賓館|酒楼|酒樓|HOTEL|RESTAURANT)?[)\]）】〕>》\s]*")
UNCLEAR = "?"


def class_text(value: str) -> str | None:
    """A class as the contract writes it, compared as its letter: ``A``, ``a``, ``Ａ`` (full width),
    ``A类``, ``A级``, ``(A)`` and ``A类饭店`` are all class A (R-CY-5; the seed writes "A类饭店");
    "" for an empty cell; None for a text written in no such way (``普通``, ``A类 连锁``)."""
    text = _shown(value)
    if not text:
        return ""
    m = _CLASS.fullmatch(text)
    return m.group(1) if m else None


def _shown(value: str) -> str:
    return unicodedata.normalize("NFKC", visible(value)).strip().upper()


class ClassifyStep(Step):
    kind = "classify"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.generic = self.rule(spec["rule"]).code
        self.field = spec["field"]
        self.classes = {class_text(str(k)): self.rule(v, "classes").code for k, v in spec["classes"].items()}
        self.other = self.rule(spec["other"], "other").code

    def target(self, cls: str) -> str:
        return self.classes.get(cls, self.other)

    def decide(self, value: str) -> str:
        """The class letter of a cell ("": none, any other class); UNCLEAR for a text that is no class
        as written but holds a paying class's letter or 甲/乙/丙 (``A类 连锁``, ``AB``, ``甲类``):
        asked, never taken as "other" (R-CY-5 pays A and B more)."""
        cls = class_text(value)
        if cls is not None:
            return cls
        text = _shown(value)
        return UNCLEAR if any(k in text for k in self.classes) or any(c in text for c in "甲乙丙") else ""

    def run(self, ctx) -> None:
        ev = ctx.events
        if ev.empty:
            return
        ev = ev.copy()
        raw = ev[self.field] if self.field in ev else pd.Series("", index=ev.index)
        texts = raw.fillna("").astype(str)
        cls = texts.map({t: self.decide(t) for t in texts.unique()})  # (each distinct text once)
        targets = set(self.classes.values()) | {self.other}
        unclear = (ev["rule"].isin(targets) | (ev["rule"] == self.generic)) & (cls == UNCLEAR)
        known = "、".join(self.classes)
        for r, text in zip(ev[unclear].itertuples(index=False), raw[unclear], strict=True):
            ctx.block(r.employee, problem(
                "class_unclear", ctx.inputs.events.ref(self.field, int(r.xl_row)),
                f"类别 “{text}” 看不出是哪一类（{known} 或其他）。", f"Class '{text}' does not say which class it is "
                f"({known.replace('、', ', ')} or another).",
                f"只写类别字母（如 {next(iter(self.classes), 'A')} 或 A类）；其他类别可写 C 或留空。",
                f"Write the class letter only (e.g. {next(iter(self.classes), 'A')} or A类); for any other class write "
                "C or leave it empty.", employee=r.employee))
        bad = unclear | (ev["rule"].isin(targets) & (cls != "") & (cls.map(self.target) != ev["rule"]))
        for r, c in zip(ev[bad].itertuples(index=False), cls[bad], strict=True):
            ctx.block(r.employee, problem(
                "class_contradicts_rule", ctx.inputs.events.ref(self.field, int(r.xl_row)),
                f"规则 {r.rule} 与类别 “{c}” 矛盾（该类别应记为 {self.target(c)}）。",
                f"Rule {r.rule} contradicts class '{c}' (that class is {self.target(c)}).",
                f"改用 {self.target(c)} 或 {self.generic}，或改正类别。", f"Use {self.target(c)} or {self.generic}, or correct the class.",
                employee=r.employee))
        generic = ev["rule"] == self.generic
        ev.loc[generic, "rule"] = cls[generic].map(self.target)
        rules = self.scheme.rules
        for col, attr in (("kind", "kind"), ("category", "category")):
            ev.loc[generic, col] = ev.loc[generic, "rule"].map(lambda c, a=attr: getattr(rules[c], a) or "")
        ev.loc[generic, "is_range"] = False
        ctx.events = ev[~bad].reset_index(drop=True)
        _reset_counts(ctx)


class PrecedenceStep(Step):
    kind = "precedence"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.order = [self.rule(c, "rules").code for c in spec["rules"]]

    def run(self, ctx) -> None:
        ev = ctx.events
        if ev.empty:
            return
        rank = ev["rule"].map({c: i for i, c in enumerate(self.order)})
        sub = ev[rank.notna()].assign(_rank=rank[rank.notna()])
        if sub.empty:
            return
        best = sub.groupby(["employee", "date"], sort=False)["_rank"].transform("min")
        drop = sub.index[sub["_rank"] > best]
        for i in drop:
            r = ev.loc[i]
            winner = self.order[int(best.loc[i])]
            rule = self.scheme.rules[r["rule"]]
            ctx.add_problem(problem(
                "superseded_event", ctx.inputs.events.ref("rule", int(r["xl_row"])),
                f"{r['employee']} 同日已有 {winner}，本行 {r['rule']}（{rule.zh}）不计（同一事实只计一条规则）。",
                f"{r['employee']} already has {winner} that day, so this {r['rule']} ({rule.en}) row is not counted (one fact, one rule).",
                "删除本行，或改正日期。", "Delete this row or correct its date.", employee=r["employee"], severity="warning"))
            ctx.note(r["employee"], self.kind, r["rule"], None,
                     f"{pd.Timestamp(r['date']).date()} {r['rule']} 不计：同日已有 {winner}。",
                     f"{pd.Timestamp(r['date']).date()} {r['rule']} not counted: {winner} the same day.",
                     [ctx.inputs.events.ref("rule", int(r["xl_row"]))])
        if len(drop):
            ctx.events = ev.drop(index=drop).reset_index(drop=True)
            _reset_counts(ctx)


class QtyLimitStep(Step):
    kind = "qty_limit"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.code = self.rule(spec["rule"]).code
        self.max = to_decimal(spec["max"])

    def run(self, ctx) -> None:
        ev = ctx.events
        if ev.empty:
            return
        sub = ev[ev["rule"] == self.code]
        if sub.empty:
            return
        total = sub.groupby(["employee", "date"], sort=False)["qty_units"].transform("sum")
        over = sub[total.to_numpy() > int(self.max * 10**4)]
        rule = self.scheme.rules[self.code]
        for (emp, day), grp in over.groupby(["employee", "date"], sort=False):
            rows = ", ".join(str(int(x)) for x in grp["xl_row"])
            q = plain(to_decimal(float(np.sum(grp["qty"]))))
            ctx.block(emp, problem(
                "qty_over_limit", ctx.inputs.events.ref("qty", int(grp["xl_row"].iloc[0])),
                f"{emp} 在 {pd.Timestamp(day).date()} 的 {self.code}（{rule.zh}）合计 {q}，超过每天 {plain(self.max)}（第 {rows} 行）。",
                f"{self.code} ({rule.en}) for {emp} on {pd.Timestamp(day).date()} totals {q}, more than {plain(self.max)} a day (rows {rows}).",
                f"核对这些行；每天最多 {plain(self.max)}。", f"Check these rows; at most {plain(self.max)} a day.", employee=emp))
