"""``bands``: a value looked up in an ordered band table (building blocks 10 and 11; R-G-1, R-G-4).

Each band has an interval with explicit edges, ``"[95, 100)"`` (95 included, 100 excluded),
``"(, 75]"`` (open below), ``"[0, 0]"`` (exactly 0), and the points it gives. The item score
is ``base + points``. The value (an expression) is first rounded half-up to ``round``
decimals (default 2: a rate is judged as the report shows it, R-G-4), and that judged value
is published as ``OUTPUT.value`` with the chosen band's label as ``OUTPUT.band``.

Bands are written as the seed states them. Where two bands claim a value (an overlap such
as "95%以下" / "95%~80%") or none does (a gap such as "高于90%" / "低于90%"), the value
belongs to the band more favourable to the employee, i.e. with more points (R-G-1): for a
gap, the more favourable of the nearest band below and the nearest band above.

A value below the lowest band or above the highest one is not in a gap *between* two bands,
so R-G-1 does not give it a band: the table must reach the ends of what it judges. A table
whose value is a metric (``CSAT_RATE`` or ``latest(CSAT_RATE)``) must cover the metric's
declared ``min``..``max`` (open ends where it has none), else the scheme is refused when it is
loaded; any other value outside the table is a located error for that employee, never the
nearest band's points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..errors import problem
from ..numbers import plain, round_half_up, to_decimal
from .base import Step, approx_text

_RANGE = re.compile(r"^\s*([\[(])\s*([+-]?\d+(?:\.\d+)?)?\s*,\s*([+-]?\d+(?:\.\d+)?)?\s*([\])])\s*$")


@dataclass(frozen=True)
class Band:
    lo: Decimal | None
    lo_incl: bool
    hi: Decimal | None
    hi_incl: bool
    points: Decimal
    label: str
    index: int

    def contains(self, v: Decimal) -> bool:
        if self.lo is not None and (v < self.lo or (v == self.lo and not self.lo_incl)):
            return False
        if self.hi is not None and (v > self.hi or (v == self.hi and not self.hi_incl)):
            return False
        return True

    def below(self, v: Decimal) -> bool:
        """The whole band lies below v."""
        return self.hi is not None and (self.hi < v or (self.hi == v and not self.hi_incl))

    def above(self, v: Decimal) -> bool:
        return self.lo is not None and (self.lo > v or (self.lo == v and not self.lo_incl))


def parse_range(text: str) -> tuple[Decimal | None, bool, Decimal | None, bool] | None:
    m = _RANGE.match(text)
    if not m:
        return None
    lo = Decimal(m.group(2)) if m.group(2) else None
    hi = Decimal(m.group(3)) if m.group(3) else None
    return lo, m.group(1) == "[" and lo is not None, hi, m.group(4) == "]" and hi is not None


def pick(bands: list[Band], v: Decimal) -> tuple[Band, str]:
    """The band of v and how it was chosen: "one", "overlap" or "gap" (R-G-1)."""
    claimed = [b for b in bands if b.contains(v)]
    if len(claimed) == 1:
        return claimed[0], "one"
    if claimed:
        return max(claimed, key=lambda b: (b.points, -b.index)), "overlap"
    below = [b for b in bands if b.below(v)]
    above = [b for b in bands if b.above(v)]
    near = []
    if below:
        edge = max(b.hi for b in below)
        near += [b for b in below if b.hi == edge]
    if above:
        edge = min(b.lo for b in above)
        near += [b for b in above if b.lo == edge]
    return max(near, key=lambda b: (b.points, -b.index)), "gap"


def outside(bands: list[Band], v: Decimal) -> bool:
    """v lies below the lowest band or above the highest one (not in a gap between two bands)."""
    return not any(b.contains(v) for b in bands) and (
        all(b.above(v) for b in bands) or all(b.below(v) for b in bands))


def _span_misses(bands: list[Band], low: Decimal | None, high: Decimal | None) -> list[str]:
    """The ends of low..high (None: unbounded) that the table does not reach: "low", "high"."""
    miss = []
    if not any(b.lo is None or (low is not None and (b.lo < low or (b.lo == low and b.lo_incl))) for b in bands):
        miss.append("low")
    if not any(b.hi is None or (high is not None and (b.hi > high or (b.hi == high and b.hi_incl))) for b in bands):
        miss.append("high")
    return miss


_METRIC_VALUE = re.compile(r"^\s*(?:latest\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)|([A-Za-z_][A-Za-z0-9_]*))\s*$")


class BandsStep(Step):
    kind = "bands"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.output = spec["output"]
        self.value = self.expression("value")
        self.base = to_decimal(spec.get("base", 0))
        self.round = spec.get("round", 2)
        self.bands: list[Band] = []
        for i, b in enumerate(spec["bands"]):
            parsed = parse_range(b["range"])
            if parsed is None:
                raise self.error(f"区间 “{b['range']}” 格式不正确。", f"Band range '{b['range']}' is not an interval.",
                                 "写成 \"[95, 100)\"、\"(, 75]\" 或 \"[0, 0]\"：[ ] 含端点，( ) 不含。",
                                 'Write it like "[95, 100)", "(, 75]" or "[0, 0]": [ ] include the edge, ( ) exclude it.',
                                 f".bands[{i}].range")
            lo, lo_incl, hi, hi_incl = parsed
            if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lo_incl and hi_incl))):
                raise self.error(f"区间 “{b['range']}” 是空的。", f"Band range '{b['range']}' is empty.",
                                 "下限应小于上限。", "The lower edge must be below the upper edge.", f".bands[{i}].range")
            self.bands.append(Band(lo, lo_incl, hi, hi_incl, to_decimal(b["points"]), b.get("label", b["range"]), i))
        self._check_span(scheme)

    def _check_span(self, scheme) -> None:
        """A table judging a metric covers the metric's declared min..max (R-G-1: no band above or
        below the whole table)."""
        m = _METRIC_VALUE.match(self.value.text)
        mdef = scheme.metrics.get(m.group(1) or m.group(2)) if m else None
        if mdef is None or not self.bands:
            return
        miss = _span_misses(self.bands, mdef.min, mdef.max)
        if miss:
            span = f"{'(' if mdef.min is None else '[' + plain(mdef.min)}, {')' if mdef.max is None else plain(mdef.max) + ']'}"
            ends_zh = "、".join({"low": "最低值", "high": "最高值"}[e] for e in miss)
            ends_en = " and ".join({"low": "lowest", "high": "highest"}[e] for e in miss)
            raise self.error(
                f"区间表没有覆盖 {mdef.code} 的取值范围 {span}：{ends_zh}不在任何区间内（R-G-1 的有利区间只用于两个区间之间的空档）。",
                f"The band table does not cover the range {span} of {mdef.code}: its {ends_en} values are in no band "
                "(R-G-1's favourable band is for a gap between two bands, not for values beyond the table).",
                "补上最高（或最低）的区间，例如 \"[90, )\"，或在 metrics 中给该指标合适的 min/max。",
                'Add the top (or bottom) band, e.g. "[90, )", or give the metric a matching min/max under metrics.', ".bands")

    def outputs(self) -> list[str]:
        return [self.output, f"{self.output}.value", f"{self.output}.band"]

    def guide_rows(self) -> list[tuple[str, str]]:
        zh, en = self.spec.get("zh", self.output), self.spec.get("en", self.output)
        rows = [(self.output, f"{zh} / {en}：{self.value.text}" + (f"（基础分 base {plain(self.base)}）" if self.base else ""))]
        for b in self.bands:
            rows.append(("", f"{b.label}  {self.spec['bands'][b.index]['range']}  →  {_signed(b.points)}"))
        rows.append(("", "边界重叠或空档时取对员工有利的区间 / overlaps and gaps go to the favourable band (R-G-1)"))
        return rows

    def run(self, ctx) -> None:
        zh, en = self.spec.get("zh", self.output), self.spec.get("en", self.output)
        unit = self.spec.get("unit", "")
        for emp in ctx.ids:
            env = ctx.env(emp)
            ok, raw = self.evaluate(ctx, emp, self.value, env)
            if not ok:
                continue
            v = to_decimal(raw)
            judged = round_half_up(v, int(self.round)) if self.round is not None else v
            if outside(self.bands, judged):
                ctx.block(emp, problem(
                    "band_outside", ", ".join(env.read) or f"{self.where}.bands",
                    f"员工 {emp}：{zh} 的值 {plain(judged)}{unit}（{self.value.text}）不在区间表的任何区间内，也不在两个区间之间。",
                    f"Employee {emp}: {en} value {plain(judged)}{unit} ({self.value.text}) is beyond every band of the table.",
                    "检查这些单元格的数值；若数值正确，请在方案的区间表中补上相应区间。",
                    "Check the values in these cells; if they are right, the scheme's band table needs a band for them.",
                    employee=emp))
                continue
            band, how = pick(self.bands, judged)
            score = self.base + band.points
            ctx.set(emp, self.output, score, env.read)
            ctx.set(emp, f"{self.output}.value", judged, env.read)
            ctx.set(emp, f"{self.output}.band", band.label, env.read)
            shown = plain(judged) + unit
            rounded_zh = f"（{approx_text(v)} 四舍五入为 {shown}）" if judged != v else ""
            rounded_en = f" ({approx_text(v)} rounded to {shown})" if judged != v else ""
            why_zh = {"one": "", "overlap": "；该值同属多个区间，取有利区间（R-G-1）",
                      "gap": "；该值不在任何区间内，取相邻的有利区间（R-G-1）"}[how]
            why_en = {"one": "", "overlap": "; claimed by several bands, the favourable one counts (R-G-1)",
                      "gap": "; in no band, the favourable neighbouring band counts (R-G-1)"}[how]
            base_zh = f"{plain(self.base)} {_signed(band.points)} = " if self.base else ""
            ctx.note(emp, self.kind, self.output, score,
                     f"{zh}：{shown}{rounded_zh} 属于 {band.label}{why_zh}，{base_zh}{plain(score)}",
                     f"{en}: {shown}{rounded_en} is in band {band.label}{why_en}: {base_zh}{plain(score)}",
                     env.read)


def _signed(d: Decimal) -> str:
    return f"− {plain(-d)}" if d < 0 else f"+ {plain(d)}"
