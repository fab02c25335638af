"""The cell kinds every reader engine hands the shared parsing layer, and their conversions.

An engine only converts a spreadsheet cell into one of these kinds; what a cell *means* in a
column (a number, a date, an id ...) is decided here and in :mod:`kpixl.workbook.parse`, once:

=============================  ================================================
kind                           Python value an engine delivers
=============================  ================================================
empty                          ``None`` (or NaN in a float column)
number                         ``int`` / ``float``
text                           ``str``
bool (Excel TRUE/FALSE)        ``bool``
date / datetime                ``datetime.datetime`` / ``datetime.date`` / datetime64
time of day (no date)          ``datetime.time`` (or a datetime on Excel's day 0, see :func:`clock`)
duration (``[h]:mm``)          ``datetime.timedelta`` / ``pd.Timedelta``
error (``#N/A``, ``#DIV/0!``)  :class:`CellError` (typed, or a formula's cached value)
formula without a saved value  :class:`NoValue`
percent-formatted number       :class:`Percent` (Excel shows 0.62 as ``62%``)
=============================  ================================================

The parsing layer (:mod:`.parse`) marks a value in a merged range's covered cell, which Excel does
not show, as :class:`Covered`; like an error value it is a located problem in every column type.

A time of day or a duration is never a date and never a number, on every engine: a date column
reports it as not a valid date, a number column as not a number, and every message quotes it as
Excel shows it (``08:47:00``, ``3:00:00``); a text column keeps that text.

Pure: pandas and numpy only. The special kinds live in :mod:`.cellkinds` (no pandas) and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

import numpy as np
import pandas as pd

from kpixl.core.invisible import CLASS as INVISIBLE_CLASS
from kpixl.core.invisible import has_invisible
from kpixl.core.numbers import NotANumber, to_decimal

from .cellkinds import UNREADABLE, CellError, Covered, NoValue, Percent

SPECIAL = (*UNREADABLE, Percent)
SHOWN_MAX = 60


def shown(v: object) -> str:
    """A cell value as a message quotes it: like Excel shows it, long texts cut to 60 characters."""
    if (c := clock(v)) is not None:
        text = clock_text(c)
    elif isinstance(v, bool):
        text = "TRUE" if v else "FALSE"
    elif isinstance(v, CellError):
        text = v.text
    elif isinstance(v, NoValue):
        text = v.formula if v.formula.startswith("=") else f"={v.formula}"
    elif isinstance(v, Covered):
        return shown(v.value)
    elif isinstance(v, Percent):
        text = f"{v.as_decimal()}%"
    elif isinstance(v, float) and v.is_integer():
        text = str(int(v))
    elif isinstance(v, (dt.datetime, pd.Timestamp)):
        text = v.isoformat(sep=" ")[:19].removesuffix(" 00:00:00")
    else:
        text = str(v)
    return text if len(text) <= SHOWN_MAX else text[:SHOWN_MAX] + "…"


def is_empty_value(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) or (
        isinstance(v, str) and not v.strip())


def empty_mask(s: pd.Series) -> np.ndarray:
    """True where a cell is empty: None/NaN, or text of only spaces."""
    isna = s.isna().to_numpy()
    if s.dtype == object:
        blank = np.fromiter((isinstance(v, str) and not v.strip() for v in s.to_numpy()), dtype=bool, count=len(s))
        return isna | blank
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":  # Arrow's spaces are Python's
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.array)
        blank = pc.or_(pc.utf8_is_space(arr), pc.equal(pc.utf8_length(arr), 0)).fill_null(True)
        return isna | blank.to_numpy(zero_copy_only=False)
    if pd.api.types.is_string_dtype(s.dtype):
        return isna | (s.fillna("x").str.strip() == "").to_numpy(dtype=bool)
    return isna


def invisible_mask(s: pd.Series) -> np.ndarray:
    """True where a cell is a text holding an invisible format character (kpixl.core.invisible)."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow" and (pc := _compute()) is not None:
        import pyarrow as pa

        arr = pa.array(s.array)
        if pc.all(pc.string_is_ascii(arr)).as_py() is not False:  # (ids and codes: a SIMD pass, no regex)
            return np.zeros(len(s), dtype=bool)
        return pc.match_substring_regex(arr, INVISIBLE_CLASS).fill_null(False).to_numpy(zero_copy_only=False)
    if s.dtype != object and not pd.api.types.is_string_dtype(s.dtype):
        return np.zeros(len(s), dtype=bool)
    return np.fromiter((type(v) is str and has_invisible(v) for v in s.to_numpy(dtype=object)), dtype=bool, count=len(s))


def unreadable_mask(s: pd.Series) -> np.ndarray:
    """True where a cell is an error value, a formula without a saved value or a value hidden under a
    merged range (object columns only)."""
    if s.dtype != object:
        return np.zeros(len(s), dtype=bool)
    return np.fromiter((isinstance(v, UNREADABLE) for v in s.to_numpy()), dtype=bool, count=len(s))


# ----------------------------------------------------------------------------- times

# Excel has no day before 1900-01-01: a serial below 1 (``8:47`` is 0.366) is a time without a
# date. Engines deliver it as ``datetime.time`` (openpyxl) or as a datetime on "day 0": calamine
# counts day 0 as 1899-12-31 (and writes it so when a column holds texts too), COM (xlwings) as
# 1899-12-30.
_DAY_ZERO = (dt.date(1899, 12, 30), dt.date(1899, 12, 31))
_DAY_ZERO_TEXT = re.compile(r"^\s*1899-12-3[01] (\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)\s*$")
_DAY_ZERO_ARROW = r"^\s*1899-12-3[01] \d{2}:\d{2}:\d{2}(\.\d+)?\s*$"


def clock(v: object) -> dt.time | dt.timedelta | None:
    """The time of day or the duration a cell holds (None: it holds neither).

    A duration (a ``[h]:mm`` cell) is a ``timedelta``; a time of day is a ``time``, or a datetime
    or datetime text on Excel's day 0 (see ``_DAY_ZERO``)."""
    if isinstance(v, dt.timedelta):  # (pd.Timedelta too; NaT is no timedelta)
        return v
    if isinstance(v, np.timedelta64):
        return None if np.isnat(v) else pd.Timedelta(v)
    if isinstance(v, dt.time):
        return v
    if isinstance(v, np.datetime64):
        v = None if np.isnat(v) else pd.Timestamp(v)
    if isinstance(v, dt.datetime) and v is not pd.NaT and v.date() in _DAY_ZERO:
        return v.time()
    if isinstance(v, str) and (m := _DAY_ZERO_TEXT.match(v)):
        return (dt.datetime.min + dt.timedelta(hours=int(m.group(1)), minutes=int(m.group(2)),
                                               seconds=float(m.group(3)))).time()
    return None


def clock_text(c: dt.time | dt.timedelta) -> str:
    """As Excel shows it, to the second: a time of day ``08:47:00``, a duration ``3:00:00``
    (hours beyond 24 kept, like ``[h]:mm:ss``: ``25:30:00``; negative ``-3:00:00``)."""
    if isinstance(c, dt.time):
        seconds = min(round(c.hour * 3600 + c.minute * 60 + c.second + c.microsecond / 1e6), 86399)
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    seconds = round(c.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# ----------------------------------------------------------------------------- text


_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")


def _text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if (c := clock(v)) is not None:
        return clock_text(c)
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.isoformat(sep=" ")[:19].removesuffix(" 00:00:00")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Percent):
        return shown(v)
    if isinstance(v, str):
        t = v.strip()
        m = _MIDNIGHT.match(t)  # a date cell that an engine handed over as text
        return m.group(1) if m else t
    return str(v).strip()


def to_text(s: pd.Series, upper: bool = False) -> pd.Series:
    """Cell text, stripped ("" for empty); whole-number floats lose their ".0" (ids typed as numbers).

    Works on the distinct values only: id and code columns repeat a few values many times.
    Errors and formulas without a value are reported by the caller (see :func:`unreadable_mask`).
    """
    keyed = _bools_apart(s)
    codes, uniques = pd.factorize(keyed, use_na_sentinel=True)
    if keyed is not s:
        uniques = pd.Index(_bools_back(uniques.to_numpy(dtype=object)), dtype=object)
    texts = _texts(uniques)
    if upper:
        texts = [t.upper() for t in texts]
    lookup = np.empty(len(texts) + 1, dtype=object)
    lookup[:-1], lookup[-1] = texts, ""
    return pd.Series(lookup[codes], index=s.index, dtype=object)


class _BoolKey(str):
    """A TRUE/FALSE cell while distinct values are found: pandas counts True equal to 1 (and
    False to 0), so a column holding both would otherwise give both cells one text."""


_BOOL_KEYS = {True: _BoolKey("\x00TRUE"), False: _BoolKey("\x00FALSE")}


def _bools_apart(s: pd.Series) -> pd.Series:
    if s.dtype != object or not pd.api.types.infer_dtype(s, skipna=True).startswith("mixed"):
        return s  # one kind of value (all text, all numbers, all booleans): nothing to tell apart
    values = s.to_numpy(dtype=object)
    is_bool = np.fromiter((type(v) is bool or type(v) is np.bool_ for v in values), dtype=bool, count=len(values))
    if not is_bool.any():
        return s
    values = values.copy()
    values[is_bool] = [_BOOL_KEYS[bool(v)] for v in values[is_bool]]
    return pd.Series(values, index=s.index, dtype=object)


def _bools_back(values: np.ndarray) -> np.ndarray:
    back = {k: v for v, k in _BOOL_KEYS.items()}
    values = values.copy()
    for i, v in enumerate(values):
        if type(v) is _BoolKey:
            values[i] = back[v]
    return values


# A text that begins and ends with a printable ASCII or Han character has nothing to strip (and
# is not a date written as text at midnight): it is its own cell text, decided at C speed.
_PLAIN_TEXT = r"(?s)^[!-~\p{Han}](?:.*[!-~\p{Han}])?$"
_MIDNIGHT_TEXT = r"^\d{4}-\d{2}-\d{2} 00:00:00$"
_EXACT_INT = 2.0**53


def _compute():
    """pyarrow.compute, or None where pyarrow is not installed (Pyodide): the bulk path needs it."""
    try:
        import pyarrow.compute as pc
    except ImportError:
        return None
    return pc


def _texts(uniques: pd.Index) -> np.ndarray:
    """:func:`_text` of each distinct value; texts and whole numbers in bulk, the rest one by one."""
    values = uniques.to_numpy(dtype=object)
    out = np.empty(len(values), dtype=object)
    todo = np.ones(len(values), dtype=bool)
    if pd.api.types.is_float_dtype(uniques.dtype):
        f = uniques.to_numpy(dtype="float64")
        whole = np.isfinite(f) & (np.abs(f) < _EXACT_INT) & (f == np.floor(f))
        out[whole] = f[whole].astype(np.int64).astype(str).astype(object)
        todo &= ~whole
    elif len(values) and (pc := _compute()) is not None and pd.api.types.infer_dtype(values, skipna=False) == "string":
        import pyarrow as pa

        arrow_backed = isinstance(uniques.dtype, pd.StringDtype) and uniques.dtype.storage == "pyarrow"
        arr = pa.array(uniques.array if arrow_backed else values, type=pa.large_string())
        plain = pc.and_(pc.match_substring_regex(arr, _PLAIN_TEXT),  # (a date or time written as text is not)
                        pc.invert(pc.match_substring_regex(arr, f"{_MIDNIGHT_TEXT}|{_DAY_ZERO_ARROW}")))
        plain = plain.to_numpy(zero_copy_only=False)
        out[plain] = values[plain]
        todo &= ~plain
    for i in np.flatnonzero(todo):
        v = values[i]
        out[i] = "" if isinstance(v, UNREADABLE) else _text(v)
    return out


# ----------------------------------------------------------------------------- dates

_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                        r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?Z?)?\s*$")  # (Z: an ISO t="d" cell)


def parse_date_value(v) -> dt.date | None:
    """A date from a cell value (a time of day is dropped); None if it is not one.

    Numbers are not dates (format the cell as a date), nor is a time without a date or a
    duration (:func:`clock`)."""
    if clock(v) is not None:
        return None
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.date()
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, np.datetime64):
        return pd.Timestamp(v).date()
    if isinstance(v, str):
        m = _DATE_TEXT.match(v)
        if m:
            try:
                if m.group(4) is not None:
                    dt.time(int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def to_dates(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """datetime64 series (NaT where empty or bad) and a mask of bad (non-empty, non-date) cells."""
    empty = empty_mask(s)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = pd.to_datetime(s).dt.normalize().astype("datetime64[ns]")
        bad = out.isin(pd.to_datetime(_DAY_ZERO)).to_numpy()  # times without a date
        return (out.mask(bad) if bad.any() else out), bad
    parsed = s.astype("object").map(parse_date_value, na_action="ignore")
    bad = (~empty) & parsed.isna().to_numpy()
    out = pd.to_datetime(parsed, errors="coerce").astype("datetime64[ns]")
    return out, bad


_TENTH = re.compile(r"\s*\d{4}\.1\s*")


def _period_label(v) -> str | None:
    from kpixl.core.periods import parse_period

    if isinstance(v, SPECIAL) or clock(v) is not None:
        return None
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        v = v.date()
    if isinstance(v, float):
        v = str(int(v)) if v.is_integer() else str(v)
    if isinstance(v, str) and _TENTH.fullmatch(v):  # 2026.10 in a General cell is 2026.1: October or January?
        return None
    try:
        return parse_period(v).label
    except (ValueError, TypeError):
        return None


def to_periods(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Month labels (YYYY-MM, or YYYY-Qn) from text or date cells; "" where empty."""
    empty = empty_mask(s)
    labels = [("" if e else (_period_label(v) or None)) for v, e in zip(s.to_numpy(dtype=object), empty, strict=True)]
    bad = np.array([lab is None for lab in labels], dtype=bool)
    return pd.Series([lab or "" for lab in labels], index=s.index, dtype=object), bad


# ----------------------------------------------------------------------------- numbers


def is_percent(v) -> bool:
    """A percent cell, or a text typed as a percent (``12%``, ``12％``)."""
    return isinstance(v, Percent) or (isinstance(v, str) and v.strip().endswith(("%", "％")))


def _float_or_nan(v, percent: bool) -> float:
    if v is None:
        return math.nan
    if not percent and is_percent(v):
        raise NotANumber(shown(v))
    if isinstance(v, Percent):
        return float(v.as_decimal())
    if isinstance(v, (bool, *UNREADABLE, dt.date, pd.Timestamp)):
        raise NotANumber(shown(v))
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and not v.strip():
        return math.nan
    return float(to_decimal(v))


def to_floats(s: pd.Series, percent: bool = True) -> tuple[pd.Series, np.ndarray]:
    """float64 series (NaN where empty) and a mask of non-numeric cells; a percent (in percent
    units: ``62%`` is 62) is one unless ``percent`` is False (see :func:`is_percent`)."""
    if pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("float64"), np.zeros(len(s), dtype=bool)
    bad = np.zeros(len(s), dtype=bool)
    values = np.empty(len(s), dtype="float64")
    for i, v in enumerate(s.astype("object").tolist()):
        try:
            values[i] = _float_or_nan(None if v is pd.NaT or (isinstance(v, float) and math.isnan(v)) else v, percent)
        except (NotANumber, ValueError, TypeError, ArithmeticError):
            values[i] = math.nan
            bad[i] = True
    return pd.Series(values, index=s.index), bad


_TRUE = {"true", "yes", "y", "是", "1", "√", "✓", "对", "t"}
_FALSE = {"false", "no", "n", "否", "0", "×", "✗", "错", "f"}  # (a Latin x: a tick in a tick column, or a cross? asked)


def parse_bool(v) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
        if v in (0, 1):
            return bool(v)
        return None
    if isinstance(v, str):
        t = v.strip().lower()
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
    return None


def any_values(s: pd.Series) -> pd.Series:
    """:func:`parse_any` of every cell (object series); a plain numeric column converts each
    distinct number once (no ``-0.0``, which pandas would merge with 0)."""
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiu":
        values = s.to_numpy()
        if not np.any((values == 0) & np.signbit(values)):
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
            lookup = np.empty(len(uniques) + 1, dtype=object)
            lookup[:-1] = [parse_any(v) for v in uniques.tolist()]
            return pd.Series(lookup[codes], index=s.index, dtype=object)
    return pd.Series([parse_any(v) for v in s.astype("object").tolist()], index=s.index, dtype=object)


def parse_any(v):
    """A metric/parameter cell: Decimal for numbers, bool, date, or stripped text.

    Errors and formulas without a value are reported by the caller before this is asked."""
    if is_empty_value(v) or isinstance(v, UNREADABLE):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, Percent):
        return v.as_decimal()
    if isinstance(v, (int, float, Decimal)):
        return to_decimal(v)
    if (c := clock(v)) is not None:  # a time or a duration is its text (never a date or empty)
        return clock_text(c)
    if isinstance(v, (dt.datetime, dt.date, pd.Timestamp)):
        return parse_date_value(v)
    text = str(v).strip()
    try:
        return to_decimal(text)
    except NotANumber:
        pass
    b = parse_bool(text)
    if b is not None:
        return b
    d = parse_date_value(text)
    return d if d is not None else text
