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

import hashlib
import io
import pickle

from .. import contract
from ..cells import CellError, Percent
from .openpyxl_engine import raw_from_rows
from .sheetxml import shown_as

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
            for i in numbers:
                if shown_as(fmt, rows[i][j]) == "percent":
                    rows[i][j] = Percent(float(rows[i][j]))
            continue
        for i in numbers[:budget]:
            if shown_as(rng[i, j].number_format or "", rows[i][j]) == "percent":
                rows[i][j] = Percent(float(rows[i][j]))
        budget -= min(budget, len(numbers))

_SCORED_SHEETS = {contract.normalise_header(name) for key, names in contract.SHEET_NAMES.items()
                  if key not in contract.OWN_SHEETS for name in names}


def digest(values) -> bytes:
    """A 128-bit digest of a sheet's values (a pickle keeps 1, 1.0 and TRUE apart)."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: ~40% faster on 100k rows, and a sheet's values have no cycles
    try:
        pickler.dump(values)
        data = buf.getvalue()
    except (pickle.PicklingError, TypeError, AttributeError, ValueError):  # an odd COM object: its text
        data = repr(values).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


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
        """What the scores depend on: the sheet names, and for every input sheet its used range
        and a digest of its values (one read per sheet). Any edit inside the sheets changes it;
        the guide, report and other sheets are left out (the report holds the UDFs' own output).
        The digest is over a pickle, which keeps types apart (1 and TRUE, -1 and -2 differ)."""
        parts: list = [tuple(s.name for s in self.book.sheets)]
        for s in self.book.sheets:
            if contract.normalise_header(contract.copied_from(s.name)) not in _SCORED_SHEETS:
                continue
            rng = s.used_range
            parts.append((s.name, rng.address, digest(rng.options(ndim=2, err_to_str=True).value)))
        return tuple(parts)

    def close(self) -> None:
        pass
