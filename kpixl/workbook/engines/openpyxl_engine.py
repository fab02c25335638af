"""openpyxl engine: the pure-Python fallback reader (read-only mode, cached values)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..parse import RawSheet, column_letter


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


class OpenpyxlBook:
    def __init__(self, path: Path):
        from openpyxl import load_workbook

        self.path = path
        self.source = path.name
        self._wb = load_workbook(str(path), read_only=True, data_only=True)

    def sheet_names(self) -> list[str]:
        return list(self._wb.sheetnames)

    def read(self, name: str) -> RawSheet:
        ws = self._wb[name]
        rows = list(ws.iter_rows(min_row=1, min_col=1, values_only=True))
        return raw_from_rows(name, rows, 1, 0)

    def close(self) -> None:
        self._wb.close()
