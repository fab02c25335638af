"""openpyxl engine: the pure-Python fallback reader (read-only mode, cached values).

Each cell is converted by its own type: an error (``#N/A``) stays an error, an Excel boolean a
boolean, a percent-formatted number a :class:`~kpixl.workbook.cells.Percent`; formulas saved
without a value come from :mod:`.sheetxml`. The sheet's stated ``<dimension>`` is ignored (some
generators write a stale one), so every row is read.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from ..cells import CellError, Percent
from ..parse import RawSheet, column_letter
from .sheetxml import Package, number_sections, shown_as


def raw_from_rows(name: str, rows: list[tuple], first_row_number: int = 1, first_col: int = 0) -> RawSheet:
    """A RawSheet from a grid of cell values whose top-left cell is (first_row_number, first_col)."""
    start = next((i for i, r in enumerate(rows) if any(v not in (None, "") for v in r)), None)
    if start is None:
        return RawSheet(name, [], [], [], first_row_number + 1)
    header = list(rows[start])
    body = rows[start + 1:]
    while body and all(v in (None, "") for v in body[-1]):
        body.pop()
    width = max([len(header)] + [len(r) for r in body]) if body else len(header)
    header += [None] * (width - len(header))
    columns = []
    for j in range(width):
        columns.append(pd.Series([r[j] if j < len(r) else None for r in body], dtype="object"))
    letters = [column_letter(first_col + j) for j in range(width)]
    return RawSheet(name, [h if h is not None else "" for h in header], columns, letters,
                    first_row_number + start + 1)


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # OOXML's escape of a character in text: _x000D_ is a CR


def _value(cell):
    v = cell.value
    if v is None:
        return None
    t = cell.data_type
    if isinstance(v, str) and "_x" in v:  # openpyxl leaves them; Excel (and calamine) decode them, left to right
        return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), v)
    if t == "e":
        return CellError(str(v))
    if t == "n" and isinstance(v, (int, float)) and not isinstance(v, bool):
        fmt = cell.number_format
        if "percent" in number_sections(fmt) and shown_as(fmt, v) == "percent":  # (both cached by format)
            return Percent(float(v))
    return v


def _rows(ws) -> list[tuple]:
    """The sheet's cell values placed by their own row and column numbers. openpyxl's ``iter_rows``
    places them by order: a row written after a higher-numbered one was skipped, and a cell written
    after one to its right was cut off (calamine places them by number). Its parser, as ``iter_rows``
    drives it; the sheet's stated ``<dimension>`` plays no part (some generators write a stale one)."""
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import WorkSheetParser

    grid: dict[int, dict[int, object]] = {}
    wb = ws.parent
    with ws._get_source() as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for idx, row in parser.parse():
            cells = grid.setdefault(idx, {})
            for cell in row:
                cells[cell["column"]] = _value(ReadOnlyCell(ws, **cell))
    if not grid:
        return []
    width = max((max(c) for c in grid.values() if c), default=0)
    return [tuple(grid.get(r, {}).get(c) for c in range(1, width + 1)) for r in range(1, max(grid) + 1)]


class OpenpyxlBook:
    def __init__(self, path: Path):
        from openpyxl import load_workbook

        self.path = path
        self.source = path.name
        self._package = Package(path)
        try:
            self._package.sheet_names()  # the package's own refusals (e.g. Strict Open XML) first
            with warnings.catch_warnings():  # openpyxl's UserWarnings about parts it skips are not the clerk's concern
                warnings.simplefilter("ignore", UserWarning)
                self._wb = load_workbook(str(path), read_only=True, data_only=True)
        except BaseException:
            self._package.close()
            raise

    def sheet_names(self) -> list[str]:
        return self._package.sheet_names()

    def read(self, name: str) -> RawSheet:
        look = self._package.look(name)
        if look.stray:
            return RawSheet(name, [], [], [], 2, stray=look.stray, extent=look.extent)
        rows = _rows(self._wb[name])
        for (r, c), value in look.special.items():  # formulas without a value read as empty here
            if not isinstance(value, (bool, CellError, Percent)) and r <= len(rows):
                row = list(rows[r - 1]) + [None] * max(0, c + 1 - len(rows[r - 1]))
                row[c] = value
                rows[r - 1] = tuple(row)
        raw = raw_from_rows(name, rows, 1, 0)
        raw.hidden, raw.merged, raw.hidden_cols, raw.format_hidden = look.hidden, look.merged, look.hidden_cols, look.format_hidden
        return raw

    def close(self) -> None:
        self._wb.close()
        self._package.close()
