"""Numeric policy (SCHEMES.md R-G-4): Decimal everywhere, rounding half-up.

- event points are exact (no rounding);
- a rate compared with a band or threshold is rounded to 2 decimals of a percent first;
- item scores, weighted sums and means are rounded to 2 decimals;
- money is rounded to 0.01 yuan per line.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# Event quantities and values are aggregated as scaled integers (exact and vectorisable):
# a value v is held as round(v * SCALE). Four decimals cover every step in the catalogue
# (0.1 points, 0.5 points, 0.01 yuan, decimal hours).
SCALE_DIGITS = 4
SCALE = 10**SCALE_DIGITS

# Bounds on every number the core scales to integers or converts to Decimal (issue 7). Beyond
# them a cell is a pasted phone number or an exponent typo, never a real quantity or amount, and
# the scaled sums (qty x points in 1e-8 units, int64) would overflow. A rule may set a tighter,
# plausible per-row maximum (``qty_max``).
QTY_LIMIT = 10**6  # |qty| of one event row
POINTS_LIMIT = 10**4  # |points| per unit of a point rule (qty x points in 1e-8 units stays in int64)
# |value| of an event value, metric, parameter, attribute, history item: below a pasted phone
# number (a mobile number has 11 digits, about 1.3e10; a landline with its area code 10 or 11)
# and far above any wage, sales figure or count of one person's month
VALUE_LIMIT = 10**9


class NotANumber(ValueError):
    """Raised by :func:`to_decimal` for text that is not a number."""


# full-width ASCII (！ to ～) and the ideographic space as their ASCII; the typographic minus signs
_WIDE = {**{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}, 0x3000: 0x20, 0x2212: 0x2D, 0xFE63: 0x2D}
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:([,，])\d{3})(?:\1\d{3})*(?:\.\d+)?$")


def to_decimal(value: object) -> Decimal:
    """Convert a cell or JSON value to Decimal exactly as the clerk typed it.

    Floats are converted through their shortest repr, so a cell holding 0.1 becomes
    Decimal('0.1'), not the binary expansion. Booleans are rejected.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise NotANumber(str(value))
    if isinstance(value, int) or type(value).__name__.startswith(("int", "uint")):
        return Decimal(int(value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise NotANumber(str(value))
        d = Decimal(float.__repr__(float(value)))
        if d.adjusted() >= 27:  # beyond Decimal's 28 digits: keep the exponent form (the caller bounds it)
            return d
        return d.quantize(ONE) if d == d.to_integral_value() else d.normalize()
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii():  # full-width ８０．５ / －３ and the typographic minus −3, as typed in Chinese
            text = text.translate(_WIDE).strip()  # (never NFKC: it reads 12² as 122 and 3200¹ as 32001)
        if text.endswith(("%", "％")):  # (a rate in percent units, as a Chinese keyboard types it too)
            text = text[:-1].strip()
        if "_" in text:  # Decimal reads "1_5" as 15
            raise NotANumber(value)
        if "," in text or "，" in text:  # thousands only ("12,345.5"); "1,5" is a decimal comma, never 15
            if not _GROUPED.match(text):
                raise NotANumber(value)
            text = text.replace(",", "").replace("，", "")
        try:
            d = Decimal(text)
        except InvalidOperation as exc:
            raise NotANumber(value) from exc
        if not d.is_finite():
            raise NotANumber(value)
        return d
    raise NotANumber(repr(value))


def within(value: object, limit: int = VALUE_LIMIT) -> bool:
    """Whether a number's magnitude is within ``limit`` (NaN and infinities are not)."""
    try:
        d = value if isinstance(value, Decimal) else Decimal(float.__repr__(float(value)))
    except (TypeError, ValueError, InvalidOperation):
        return False
    return d.is_finite() and abs(d) <= limit


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """Round half-up to ``places`` decimals (R-G-4)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round2(value: Decimal) -> Decimal:
    return round_half_up(value, 2)


def money(value: Decimal) -> Decimal:
    """Round a money amount to the fen (0.01 yuan), half-up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def floor_int(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_FLOOR)


def ceil_int(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_CEILING)


def from_units(units: int, digits: int = SCALE_DIGITS) -> Decimal:
    """Exact Decimal of a scaled integer produced with ``digits`` decimals, without trailing zeros."""
    return tidy(Decimal(int(units)).scaleb(-digits))


@lru_cache(maxsize=8192)
def from_e8(units: int) -> Decimal:
    """Points held as 1e-8 units (qty units x point units) back to an exact Decimal."""
    return from_units(int(units), 2 * SCALE_DIGITS)


def tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form (5.000 -> 5, 100 stays 100)."""
    if value == value.to_integral_value():
        return value.quantize(ONE) if value.adjusted() < 27 else value
    return value.normalize()


def to_units(value: Decimal) -> int:
    """Scaled integer of a Decimal that has at most SCALE_DIGITS decimals."""
    scaled = value.scaleb(SCALE_DIGITS)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {SCALE_DIGITS} decimals")
    return int(scaled)


def plain(value: Decimal) -> str:
    """Text of a Decimal without exponent and without trailing zeros (88.80 -> 88.8)."""
    if value == value.to_integral_value():
        return format(value, "f") if value.adjusted() >= 27 else str(value.quantize(ONE))
    return format(value.normalize(), "f")


def json_number(value: Decimal) -> int | float:
    """A JSON number whose text is exactly the decimal value (values here have <= 15 digits)."""
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise ValueError(f"{value} cannot be written exactly as a JSON number")
    return number
