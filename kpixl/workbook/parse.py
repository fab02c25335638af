"""Shared parsing layer: raw sheet cells -> typed, located input tables.

Every reader engine (fastexcel, openpyxl, xlwings, in-memory records) only delivers a
:class:`RawSheet` (header texts, raw column values, column letters, first data row). All
typing, defaulting and cell-level problems are decided here, once, so every engine reports
the same thing for the same cell. Pure: pandas only.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from kpixl.core.errors import Problem, problem
from kpixl.core.inputs import Table
from kpixl.core.numbers import NotANumber, to_decimal

from .contract import Column, SheetSpec, header_aliases, normalise_header


@dataclass
class RawSheet:
    name: str
    header: list[object]
    columns: list[pd.Series]  # one per header cell, all the same length
    letters: list[str]  # absolute column letters of the header cells
    first_row: int  # Excel row number of the first data row


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ----------------------------------------------------------------------------- cells


def empty_mask(s: pd.Series) -> np.ndarray:
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        isna = s.isna().to_numpy()
        text = s.astype("object").map(lambda v: isinstance(v, str) and not v.strip(), na_action="ignore")
        return isna | text.fillna(False).to_numpy(dtype=bool)
    return s.isna().to_numpy()


def _id_text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()[:10]
    return str(v).strip()


def to_text(s: pd.Series, upper: bool = False) -> pd.Series:
    if pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
        out = s.astype("object").map(_id_text)
    elif pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        out = s.fillna("").astype("object").str.strip()
    else:
        out = s.astype("object").map(_id_text)
    out = out.fillna("")
    if upper:
        out = out.str.upper()
    return out


_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00(?:\.0+)?)?)?\s*$")


def parse_date_value(v) -> dt.date | None:
    """A date from a cell value; None if it is not one. Numbers are not dates (format the cell)."""
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
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def to_dates(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """datetime64 series (NaT where empty or bad) and a mask of bad (non-empty, non-date) cells."""
    empty = empty_mask(s)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = pd.to_datetime(s).dt.normalize().astype("datetime64[ns]")
        return out, np.zeros(len(s), dtype=bool)
    parsed = s.astype("object").map(parse_date_value, na_action="ignore")
    bad = (~empty) & parsed.isna().to_numpy()
    out = pd.to_datetime(parsed, errors="coerce").astype("datetime64[ns]")
    return out, bad


def _period_label(v) -> str | None:
    from kpixl.core.periods import parse_period

    if isinstance(v, pd.Timestamp):
        v = v.date()
    if isinstance(v, float) and v.is_integer():
        v = str(int(v))
    try:
        return parse_period(v).label
    except ValueError:
        return None


def to_periods(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Month labels (YYYY-MM, or YYYY-Qn) from text or date cells; "" where empty."""
    empty = empty_mask(s)
    labels = s.astype("object").map(lambda v: _period_label(v), na_action="ignore")
    bad = (~empty) & labels.isna().to_numpy()
    return labels.fillna("").where(~pd.Series(empty, index=s.index), ""), bad


def _float_or_nan(v) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool):
        raise NotANumber(str(v))
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and not v.strip():
        return math.nan
    return float(to_decimal(v))


def to_floats(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """float64 series (NaN where empty) and a mask of non-numeric cells."""
    if pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("float64"), np.zeros(len(s), dtype=bool)
    bad = np.zeros(len(s), dtype=bool)
    values = np.empty(len(s), dtype="float64")
    for i, v in enumerate(s.astype("object").tolist()):
        try:
            values[i] = _float_or_nan(None if (isinstance(v, float) and math.isnan(v)) else v)
        except (NotANumber, ValueError, TypeError):
            values[i] = math.nan
            bad[i] = True
    return pd.Series(values, index=s.index), bad


_TRUE = {"true", "yes", "y", "是", "1", "√", "✓", "对", "t"}
_FALSE = {"false", "no", "n", "否", "0", "×", "✗", "x", "错", "f"}


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


def parse_any(v):
    """A metric/parameter cell: Decimal for numbers, bool, date, or stripped text."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, Decimal)):
        return to_decimal(v)
    if isinstance(v, (dt.datetime, dt.date, pd.Timestamp)):
        return parse_date_value(v)
    text = str(v).strip()
    if not text:
        return None
    try:
        return to_decimal(text)
    except NotANumber:
        pass
    b = parse_bool(text)
    if b is not None:
        return b
    d = parse_date_value(text)
    return d if d is not None else text


# ----------------------------------------------------------------------------- sheets


def _where(name: str, en: str, letter: str, row: int) -> str:
    cell = f"{letter}{row}"
    return f"{name}!{cell}" if name == en else f"{name}!{cell} / {en}!{cell}"


def parse_sheet(raw: RawSheet, spec: SheetSpec) -> tuple[Table, list[Problem]]:
    """Type the columns a contract sheet defines; collect a problem for every bad cell."""
    problems: list[Problem] = []
    by_alias: dict[str, Column] = {}
    for col in spec.columns:
        for a in header_aliases(col):
            by_alias.setdefault(a, col)
    found: dict[str, int] = {}
    for i, h in enumerate(raw.header):
        col = by_alias.get(normalise_header(h))
        if col is None:
            continue
        if col.key in found:
            problems.append(problem(
                "duplicate_column", _where(raw.name, spec.en, raw.letters[i], raw.first_row - 1),
                f"列 “{col.header}” 出现了两次。", f"Column '{col.header}' appears twice.",
                "删除或改名其中一列。", "Delete or rename one of them."))
            continue
        found[col.key] = i
    n = len(raw.columns[0]) if raw.columns else 0
    label = raw.name if raw.name == spec.en else f"{raw.name} / {spec.en}"
    for col in spec.columns:
        if col.required and col.key not in found:
            problems.append(problem(
                "missing_column", f"{label} 第{raw.first_row - 1}行 / row {raw.first_row - 1}",
                f"缺少列 “{col.header}”。", f"Column '{col.header}' is missing.",
                f"在表头行添加一列 “{col.header}”（可用 kpixl new 生成模板）。",
                f"Add a header cell '{col.header}' (kpixl new makes a template with every column)."))
    data: dict[str, pd.Series] = {}
    letters: dict[str, str] = {}
    index = pd.RangeIndex(n)
    rows = pd.Series(np.arange(raw.first_row, raw.first_row + n, dtype="int64"), index=index)
    any_filled = np.zeros(n, dtype=bool)
    for col in spec.columns:
        if col.key not in found:
            continue
        i = found[col.key]
        letters[col.key] = raw.letters[i]
        s = raw.columns[i].reset_index(drop=True)
        any_filled |= ~empty_mask(s)
        data[col.key] = s
    keep = any_filled
    frame_cols: dict[str, pd.Series] = {}
    row_bad = np.zeros(int(keep.sum()), dtype=bool)
    for col in spec.columns:
        if col.key not in data:
            continue
        s = data[col.key][keep].reset_index(drop=True)
        r = rows[keep].reset_index(drop=True)
        letter = letters[col.key]
        empty = empty_mask(s)
        bad = np.zeros(len(s), dtype=bool)
        kind_zh, kind_en, fix_zh, fix_en = "", "", "", ""
        if col.type in ("text", "id", "code"):
            out = to_text(s, upper=col.type == "code")
        elif col.type == "period":
            out, bad = to_periods(s)
            kind_zh, kind_en = "不是年月", "is not a month"
            fix_zh, fix_en = "写成 2026-09 这样的年月。", "Write it as YYYY-MM, e.g. 2026-09."
        elif col.type == "date":
            out, bad = to_dates(s)
            kind_zh, kind_en = "不是有效日期", "is not a valid date"
            fix_zh, fix_en = "写成 2026-10-05 这样的日期，或把单元格设为日期格式。", "Type a date like 2026-10-05 or format the cell as a date."
        elif col.type in ("number", "integer", "money"):
            out, bad = to_floats(s)
            kind_zh, kind_en = "不是数字", "is not a number"
            fix_zh, fix_en = "只填数字（不带单位）。", "Enter a plain number (no unit)."
        elif col.type == "boolean":
            out = s.astype("object").map(parse_bool, na_action="ignore")
            bad = (~empty) & out.isna().to_numpy()
            kind_zh, kind_en = "不是 是/否", "is not yes/no"
            fix_zh, fix_en = "填 是 或 否。", "Enter 是/否 (yes/no)."
        else:  # any
            out = s.astype("object").map(parse_any, na_action="ignore")
            out = out.astype("object").where(~pd.Series(empty, index=out.index), None)  # empty cell -> None, not NaN
        for j in np.flatnonzero(bad):
            problems.append(problem(
                f"bad_{col.type}", _where(raw.name, spec.en, letter, int(r[j])),
                f"“{col.zh}” 的值 “{s.iloc[j]}” {kind_zh}。", f"{col.en} value '{s.iloc[j]}' {kind_en}.",
                fix_zh, fix_en, scope="row"))
        if col.required:
            for j in np.flatnonzero(empty):
                problems.append(problem(
                    "missing_value", _where(raw.name, spec.en, letter, int(r[j])),
                    f"“{col.zh}” 不能为空。", f"{col.en} must not be empty.",
                    f"填写{col.zh}，或删除整行。", f"Fill in the {col.en}, or delete the whole row.", scope="row"))
        frame_cols[col.key] = out
        row_bad |= bad
        if col.required:
            row_bad |= empty
    frame = pd.DataFrame(frame_cols)
    frame["xl_row"] = rows[keep].reset_index(drop=True).to_numpy()
    frame["xl_bad"] = row_bad
    for col in spec.columns:
        if col.key not in frame:
            frame[col.key] = _default_column(col, len(frame))
    return Table(frame, raw.name, spec.en, letters), problems


def _default_column(col: Column, n: int) -> pd.Series:
    if col.type == "date":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if col.type in ("number", "integer", "money"):
        return pd.Series(np.nan, index=range(n), dtype="float64")
    if col.type in ("boolean", "any"):
        return pd.Series([None] * n, dtype="object")
    return pd.Series([""] * n, dtype="object")


def empty_table(spec: SheetSpec) -> Table:
    frame = pd.DataFrame({c.key: _default_column(c, 0) for c in spec.columns})
    frame["xl_row"] = pd.Series([], dtype="int64")
    frame["xl_bad"] = pd.Series([], dtype=bool)
    return Table(frame, spec.zh, spec.en, {c.key: column_letter(i) for i, c in enumerate(spec.columns)})


def raw_from_records(name: str, spec: SheetSpec, records: list[dict]) -> RawSheet:
    """A RawSheet laid out like the template, from plain dicts (tests, scheme examples, CSV import)."""
    keys = [c.key for c in spec.columns]
    for rec in records:
        for k in rec:
            if k not in keys:
                keys.append(k)
    columns = [pd.Series([rec.get(k) for rec in records], dtype="object") for k in keys]
    header = []
    for k in keys:
        col = next((c for c in spec.columns if c.key == k), None)
        header.append(col.header if col else k)
    return RawSheet(name, header, columns, [column_letter(i) for i in range(len(keys))], 2)
