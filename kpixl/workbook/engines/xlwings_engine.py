"""xlwings engine: read a live Excel workbook (used by the UDFs)."""

from __future__ import annotations

from .openpyxl_engine import raw_from_rows


class XlwingsBook:
    def __init__(self, book):
        self.book = book
        self.source = book.name

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read(self, name: str):
        rng = self.book.sheets[name].used_range
        values = rng.options(ndim=2).value or [[]]
        return raw_from_rows(name, [tuple(r) for r in values], rng.row, rng.column - 1)

    def fingerprint(self) -> tuple:
        """Cheap change detector: the used range of every sheet (one call per sheet)."""
        return tuple((s.name, s.used_range.address) for s in self.book.sheets)

    def close(self) -> None:
        pass
