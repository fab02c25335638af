"""The special cell kinds an engine hands over (see :mod:`kpixl.workbook.cells`), without pandas.

They live apart so that opening a workbook and starting its background reads
(:mod:`kpixl.workbook.engines`) imports no pandas: the CLI starts reading before the heavy
imports (issue 8). :mod:`kpixl.workbook.cells` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpixl.core.numbers import ONE, to_decimal


@dataclass(frozen=True)
class CellError:
    """An Excel error value: ``#N/A``, ``#DIV/0!``, ``#VALUE!``, ``#REF!``, ``#NAME?``, ``#NUM!``, ``#NULL!``."""

    text: str


@dataclass(frozen=True)
class NoValue:
    """A formula cell saved without its computed value (written by a script, never opened in Excel)."""

    formula: str


@dataclass(frozen=True)
class Covered:
    """A value in a merged range's covered cell (any cell but the top-left one): Excel shows the
    merged range as its top-left cell, so nobody sees this value."""

    value: object
    merge: str  # the merged range, e.g. D5:E5


UNREADABLE = (CellError, NoValue, Covered)  # cells no column type reads: each is a located problem


@dataclass(frozen=True)
class Percent:
    """A number whose cell format is a percent: Excel stores ``62%`` as 0.62."""

    value: float

    def as_decimal(self) -> Decimal:
        """That many percent, exactly: 0.62 -> 62 (Decimal(str(v)) * 100, never float * 100)."""
        d = to_decimal(self.value) * 100
        return d.quantize(ONE) if d == d.to_integral_value() else d.normalize()
