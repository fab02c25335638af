"""Descriptor bands of rubric criteria (S9, building block 26; R-CQ-1, R-CQ-6, R-CQ-7).

A criterion's bands are part of its definition (S9 Inputs: ``CRITERIA`` with code, name, max
and bands). The scheme file holds the default criteria's bands; the workbook's 规则 / Rules
sheet carries every criterion's bands as text in its 评分档 / Bands cell, one band per line
(or separated by ``;``): ``13-15 流畅、清楚`` · ``2 标准开头语`` · ``0-2``. The text is parsed
and checked here: a band must lie within 0..max, two bands may not overlap, and every score
from min to max lies in a band, unless the criterion's scheme definition leaves that score
out on purpose (R-CQ-4: 后挂机 scores 0 or 2, never 1).
"""

from __future__ import annotations

import re
from decimal import Decimal

from .errors import Problem, problem
from .numbers import plain

Band = tuple[Decimal, Decimal, str]  # low, high (both included, R-G-1), descriptor

_RANGE = r"(\d+(?:\.\d+)?)\s*(?:[-–—~～至到]\s*(\d+(?:\.\d+)?))?\s*分?"
_LABEL = re.compile(rf"^\s*{_RANGE}\s*$")
_PIECE = re.compile(rf"^\s*{_RANGE}\s*[:：,，]?\s*(.*?)\s*$", re.S)
_SPLIT = re.compile(r"[\r\n;；]+")
_NEXT = re.compile(r"^[、,，\s]*\d+(?:\.\d+)?\s*[-–—~～至到]")


def parse_label(text: str) -> tuple[Decimal, Decimal] | None:
    """'13-15', '13—15', '8~9', '2' -> (low, high), both included (R-G-1: A~B includes both ends)."""
    m = _LABEL.match(str(text))
    if not m:
        return None
    lo = Decimal(m.group(1))
    hi = Decimal(m.group(2)) if m.group(2) else lo
    return (lo, hi) if lo <= hi else None


def label(band: Band) -> str:
    lo, hi, _ = band
    return plain(lo) if lo == hi else f"{plain(lo)}-{plain(hi)}"


def labels(bands: tuple[Band, ...] | list[Band]) -> str:
    return ", ".join(label(b) for b in bands)


def bands_text(bands: tuple[Band, ...] | list[Band]) -> str:
    """The Bands cell text the template writes (one band per line, highest first)."""
    return "\n".join(f"{label(b)} {b[2]}".strip() for b in bands)


def parse_bands(text: str) -> tuple[tuple[Band, ...], list[str]]:
    """Bands from a Bands cell; the second item lists the pieces that are not ``low-high text``."""
    bands: list[Band] = []
    bad: list[str] = []
    for piece in _SPLIT.split(str(text or "")):
        if not piece.strip():
            continue
        m = _PIECE.match(piece)
        lo = Decimal(m.group(1)) if m else None
        hi = (Decimal(m.group(2)) if m.group(2) else lo) if m else None
        if m is None or hi < lo or _NEXT.match(m.group(3)):  # '0-2, 3-4' on one line: one band per line
            bad.append(piece.strip())
            continue
        bands.append((lo, hi, m.group(3)))
    return tuple(bands), bad


def holes(bands, low: Decimal, high: Decimal, decimals: int = 0) -> list[tuple[Decimal, Decimal]]:
    """Score intervals between ``low`` and ``high`` that no band covers."""
    step = Decimal(1).scaleb(-decimals)
    out = []
    expected = low
    for lo, hi, _ in sorted(bands, key=lambda b: (b[0], b[1])):
        if lo > expected:
            out.append((expected, min(lo - step, high)))
        expected = max(expected, hi + step)
    if expected <= high:
        out.append((expected, high))
    return out


def _overlaps(bands) -> list[tuple[Band, Band]]:
    ordered = sorted(bands, key=lambda b: (b[0], b[1]))
    return [(a, b) for a, b in zip(ordered, ordered[1:], strict=False) if b[0] <= a[1]]


def check_bands(code: str, bands, low: Decimal, high: Decimal, decimals: int, where: str,
                allowed: list[tuple[Decimal, Decimal]] = ()) -> list[Problem]:
    """Problems of one criterion's bands: outside 0..max, overlapping, or leaving scores out.

    ``allowed`` are the score intervals the scheme's own definition of the criterion leaves out
    on purpose (R-CQ-4); they may stay out.
    """
    out: list[Problem] = []

    def bad(kind, zh, en, fzh, fen):
        out.append(problem(kind, where, zh, en, fzh, fen))

    for b in bands:
        if b[0] < low or b[1] > high:
            bad("band_outside", f"{code} 的评分档 {label(b)} 超出 {plain(low)}–{plain(high)}。",
                f"Band {label(b)} of {code} lies outside {plain(low)}..{plain(high)}.",
                "评分档必须在下限与上限（满分）之间。", "Keep every band between Min and Max (the full marks).")
    for a, b in _overlaps(bands):
        bad("band_overlap", f"{code} 的评分档 {label(a)} 与 {label(b)} 重叠。",
            f"Bands {label(a)} and {label(b)} of {code} overlap.",
            "每个得分只能属于一个档：改正档的上下界。", "A score belongs to one band only: correct the band limits.")
    missing = [h for h in holes(bands, low, high, decimals) if not any(a <= h[0] and h[1] <= b for a, b in allowed)]
    if bands and missing:
        shown = "、".join(plain(a) if a == b else f"{plain(a)}-{plain(b)}" for a, b in missing)
        bad("band_gap", f"{code} 的得分 {shown} 不属于任何评分档（现有：{labels(bands)}）。",
            f"Scores {shown.replace('、', ', ')} of {code} are in no band (bands: {labels(bands)}).",
            f"补上缺少的档，使 {plain(low)}–{plain(high)} 的每个得分都有档（R-CQ-6）。",
            f"Add the missing bands so that every score from {plain(low)} to {plain(high)} has one (R-CQ-6).")
    return out
