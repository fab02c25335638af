"""xlwings engine: read a live Excel workbook (used by the UDFs).

Excel hands over Python values (float, str, bool, datetime, None), already computed: there is
no formula without a value in a live workbook. The other cell kinds are recovered here:

- error values arrive as ints on Windows (pywin32: -2146826246 is ``#N/A``) or, with
  ``err_to_str``, as their text; both become :class:`~kpixl.workbook.cells.CellError`
  (a text typed as exactly ``#N/A`` is read as that error too: it means the same);
- percent formats: a column whose cells all share one percent format is read as percents with
  one call; in a column of mixed formats each number's own format is asked (at most
  ``MAX_FORMAT_LOOKUPS`` cells per sheet; beyond that the numbers are read as typed).
"""

from __future__ import annotations

from ..cells import CellError, Percent
from .openpyxl_engine import raw_from_rows
from .sheetxml import is_percent_format

# Excel's COM error codes (CVErr values as pywin32 delivers them) and texts
COM_ERRORS = {-2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?", -2146826288: "#NULL!",
              -2146826252: "#NUM!", -2146826265: "#REF!", -2146826273: "#VALUE!", -2146826245: "#GETTING_DATA"}
ERROR_TEXTS = set(COM_ERRORS.values()) | {"#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!"}
MAX_FORMAT_LOOKUPS = 5000


def convert(v):
    """One live cell value as a cell kind."""
    if isinstance(v, int) and not isinstance(v, bool) and v in COM_ERRORS:
        return CellError(COM_ERRORS[v])
    if isinstance(v, str) and v.strip() in ERROR_TEXTS:
        return CellError(v.strip())
    return v


def _percent_columns(rng, rows: list[list]) -> None:
    """Numbers shown with a percent format become Percent cells, in place."""
    budget = MAX_FORMAT_LOOKUPS
    width = max((len(r) for r in rows), default=0)
    for j in range(width):
        numbers = [i for i, r in enumerate(rows) if j < len(r) and isinstance(r[j], (int, float))
                   and not isinstance(r[j], bool)]
        if not numbers:
            continue
        fmt = rng.columns[j].number_format
        if fmt is not None:  # one format for the whole column
            if is_percent_format(fmt):
                for i in numbers:
                    rows[i][j] = Percent(float(rows[i][j]))
            continue
        for i in numbers[:budget]:
            if is_percent_format(rng[i, j].number_format or ""):
                rows[i][j] = Percent(float(rows[i][j]))
        budget -= min(budget, len(numbers))


class XlwingsBook:
    def __init__(self, book):
        self.book = book
        self.source = book.name

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read(self, name: str):
        rng = self.book.sheets[name].used_range
        values = rng.options(ndim=2, err_to_str=True).value or [[]]
        rows = [[convert(v) for v in r] for r in values]
        _percent_columns(rng, rows)
        return raw_from_rows(name, [tuple(r) for r in rows], rng.row, rng.column - 1)

    def fingerprint(self) -> tuple:
        """Cheap change detector: the used range of every sheet (one call per sheet)."""
        return tuple((s.name, s.used_range.address) for s in self.book.sheets)

    def close(self) -> None:
        pass
