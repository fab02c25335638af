"""What the report sheets show, decided once: ranking order, labels, natural group order, widths.

Ranking follows SCHEMES.md R-G-2 (competition ranking: equal values share a place, the next
place is skipped: 1, 1, 3). The report ranks by the scheme's headline output, highest first;
employees without a result come last, without a place.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import pandas as pd

from kpixl.core.result import EmployeeResult, Result

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL_RUN = re.compile(r"\d+|[零〇一二两三四五六七八九十百千]+")


def cn_number(text: str) -> int:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十 -> 20, 一百零五 -> 105, 三〇 -> 30 (digit by digit)."""
    if not any(ch in _CN_UNITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def natural_key(text: str) -> tuple:
    """Sort key for group names: runs of digits or Chinese numerals compare as numbers (一组 < 二组 < 十组, G2 < G10)."""
    parts: list = []
    pos = 0
    for m in _NUMERAL_RUN.finditer(text):
        parts.append((0, text[pos:m.start()], 0))
        parts.append((1, "", int(m.group()) if m.group().isdigit() else cn_number(m.group())))
        pos = m.end()
    parts.append((0, text[pos:], 0))
    return tuple(parts)


@lru_cache(maxsize=8192)
def _char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def display_width(text: str) -> int:
    """Width in Excel column units: CJK (wide) characters count 2."""
    return len(text) if text.isascii() else sum(map(_char_width, text))


def fit_width(header: str, values, lo: float = 6, hi: float = 40, sample: int = 2000) -> float:
    """A column width that fits the header's widest part (zh or en) and the values (the first
    ``sample`` of them, each distinct one measured once)."""
    parts = [display_width(p) for p in header.split(" / ")] or [0]
    longest = max(parts)
    head = values[:sample] if hasattr(values, "__getitem__") else list(values)[:sample]
    for v in set(v for v in head if v is not None and v == v):
        longest = max(longest, display_width(v if isinstance(v, str) else format(v, "")))
    return float(min(hi, max(lo, longest + 2)))


LINE_PT = 15.0  # the height of one wrapped line (10-11 pt CJK text: LibreOffice's Noto CJK needs 15 pt)


def text_lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` units wide (each line break counts)."""
    usable = max(1.0, width - 1.5)
    return sum(max(1, math.ceil(display_width(part) * 0.9 / usable)) for part in str(text).split("\n"))


def cut_text(text: str, width: int) -> str:
    """``text`` cut to ``width`` display units, ending in "…" when cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        used += display_width(ch)
        if used > width - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


DIRECTIONS = {"deduction": "扣款 Deduction", "award": "奖励 Award"}


def direction_label(direction) -> str:
    """A money line's kind as the statement and 明细 name it: its amount is never signed."""
    return DIRECTIONS.get(direction, str(direction or ""))


def is_number(v) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) and v == v


def competition_ranks(values: list, highest_first: bool = True) -> list[int | None]:
    """R-G-2: the place of each value, ties sharing a place (1, 1, 3); None is unranked."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("decimal", "integer", "floating", "mixed-integer-float"):
        # numbers and None only: ranked as floats (values have <= 15 significant digits, so distinct
        # values stay distinct and in order); NaN is no number, unranked like None
        f = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
        ranks = f.rank(method="min", ascending=not highest_first)
        return [None if r != r else int(r) for r in ranks.tolist()]
    ordered = sorted((v for v in values if is_number(v)), reverse=highest_first)
    first: dict = {}
    for i, v in enumerate(ordered):
        first.setdefault(v, i + 1)
    return [first[v] if is_number(v) else None for v in values]


@dataclass
class Ranked:
    employee: EmployeeResult
    headline: object  # the headline value (None when blocked)
    rank: int | None


def highest_first(output) -> bool:
    """Place 1 is the best: the highest value, except for a deduction headline (S4's fines) where it is the lowest."""
    return not output.value.endswith(("deductions", "deduction"))


def ranked_employees(result: Result) -> list[Ranked]:
    """Employees in report order: by the headline, best first (R-G-2 places), blocked ones last."""
    main = result.scheme.main_output
    key = main.value
    heads = [e.values.get(key) if e.status != "error" else None for e in result.employees]
    ranks = competition_ranks(heads, highest_first(main))
    # places 1..n, then the unplaced (None) in their roster order: a stable sort by place
    order = sorted(range(len(heads)), key=lambda i: ranks[i] if ranks[i] is not None else len(heads) + 1)
    return [Ranked(result.employees[i], heads[i], ranks[i]) for i in order]


def bottom_three(ranked: list[Ranked]) -> list[Ranked]:
    """The last three places, ties included (fewer than three people are placed below each of them);
    nobody when fewer than six are placed (the bottom three would overlap the top three)."""
    placed = [r for r in ranked if r.rank is not None]
    if len(placed) < 6:
        return []
    ranks = sorted(r.rank for r in placed)
    return [r for r in placed if len(ranks) - bisect.bisect_right(ranks, r.rank) < 3]


def value_label(result: Result, key: str) -> tuple[str, str]:
    """A value key as people read it, (zh, en): the scheme's output label, or the metric, category
    or rule it belongs to (``GB_ITEM_1.points`` -> ``…项目1上的名次（得分） / … item 1 (points)``); the key itself only as a last resort."""
    scheme = result.scheme
    for out in scheme.outputs:
        if out.value == key:
            return out.zh, out.en
    base, _, suffix = key.rpartition(".")
    names = {**{k: (m.zh, m.en) for k, m in scheme.metrics.items()},
             **{k: (c.zh, c.en) for k, c in scheme.categories.items()},
             **{k: (r.zh, r.en) for k, r in scheme.rules.items()}}
    if base and base in names:
        zh, en = names[base]
        extra = {"points": ("（得分）", " (points)"), "deduction": ("（扣分）", " (deduction)"),
                 "raw": ("（原始分）", " (raw)"), "left": ("（剩余额度）", " (left)")}.get(suffix)
        if extra:
            return zh + extra[0], en + extra[1]
    if suffix == "label" and base:
        zh, en = value_label(result, base)
        return f"{zh}（名称）", f"{en} (label)"
    return key, key


def flag_labels(result: Result, emp: str) -> str:
    """The employee's flags as labels (严重警告), codes only where a flag has no label."""
    return "、".join(f.get("label_zh") or f["code"] for f in result.flags_of(emp))


def teams_in_order(teams) -> list[str]:
    return sorted({t for t in teams if t}, key=natural_key)
