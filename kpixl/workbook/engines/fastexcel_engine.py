"""fastexcel engine (Rust calamine via Arrow): typed columns at ~250k rows/s.

Columns are read with the type calamine finds in *every* row (``schema_sample_rows=None``),
and nothing is left to fastexcel's coercion: a cell that does not fit its column's type comes
back in the cell-error list and is handed over as what it is (an error value, or the text);
a text ``NaN`` that fastexcel parses into a float is handed over as text; Excel booleans,
formulas without a value and percent-formatted numbers come from :mod:`.sheetxml`.

Each sheet's calamine load (``load_sheet`` + ``to_arrow_with_errors``, Rust, the GIL released)
runs in a background thread, started as soon as the sheet's look (:mod:`.sheetxml`) has found
its used range sane: it overlaps the search for special cells, the other sheets' looks and the
caller's imports (the CLI opens the book before it imports pandas). ``read`` waits for its
sheet; a failure in the background is raised there, as if the load had run in ``read``.
Nothing here imports pandas until a sheet is converted.

fastexcel trims leading empty rows and columns. Column offsets come from its column info
(``absolute_index``); the header's absolute row comes from a streaming look at the sheet
XML (the first cell that holds a value), so every problem still names the right cell.
"""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from ..cellkinds import CellError
from .sheetxml import Package, SheetLook

if TYPE_CHECKING:
    import pandas as pd

    from ..parse import RawSheet

_CELL_ROW = re.compile(r"[A-Z]+(\d+)")
_DUPLICATE = re.compile(r"^(.*)_(\d+)$")
_ERROR_TEXT = {"Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
               "Ref": "#REF!", "Value": "#VALUE!", "GettingData": "#GETTING_DATA"}
_DETAIL = re.compile(r"""got '(?:Error\((\w+)\)|String\("((?:[^"\\]|\\.)*)"\))""")
# fastexcel logs a warning for every all-empty column ("falling back to string"); that is normal here.
logging.getLogger("fastexcel").setLevel(logging.ERROR)


class FastexcelBook:
    def __init__(self, path: Path, background: bool = True):
        """``background=False``: nothing runs ahead, each sheet is looked at and loaded when read
        (for a caller that reads one small sheet, e.g. to tell whether a file is a kpixl input)."""
        import fastexcel

        self.path = path
        self.source = path.name
        self._package = Package(path)
        self._loads: ThreadPoolExecutor | None = None
        self._loaded: dict[str, Future] = {}
        self._closing = False
        self._settled = threading.Event()  # the largest sheet's guard has decided (see settle)
        try:
            self._reader = fastexcel.read_excel(str(path))
            if background:
                self._loads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpixl-load")  # one reader: one load at a time
                self._package.prefetch(on_safe=self._start_load)
                look = self._package.pending_look(self._package.largest)
                if look is None:
                    self._settled.set()
                else:  # also when the guard refuses it (a stray cell) or fails
                    look.add_done_callback(lambda _: self._settled.set())
        except BaseException:
            self.close()
            raise

    def settle(self, timeout: float = 5.0) -> None:
        """Wait (at most ``timeout`` s) until the largest sheet's stray-cell guard has decided, so its
        calamine load, which releases the GIL, runs during the caller's imports; otherwise the
        guard's Python work and the imports take turns with the interpreter (at 5,000 x 100,000
        the guard took 0.64 s beside the pandas import instead of about 0.15 s)."""
        self._settled.wait(timeout)

    def sheet_names(self) -> list[str]:
        return self._package.sheet_names()

    def _start_load(self, name: str) -> None:
        """Called by the sheet's look once the sheet is safe to hand to calamine."""
        if not self._closing:  # (a book closed early, e.g. on a usage error, starts no new load)
            self._loaded[name] = self._loads.submit(self._load, name)
        if name == self._package.largest:
            self._settled.set()

    def _load(self, name: str) -> tuple[list, object, object]:
        """calamine's columns of one sheet: (column infos, Arrow batch, cell errors)."""
        sheet = self._reader.load_sheet(name, header_row=0, schema_sample_rows=None, dtype_coercion="coerce",
                                        skip_whitespace_tail_rows=True)
        infos = sheet.available_columns()
        if not infos:
            return infos, None, None
        batch, errors = sheet.to_arrow_with_errors()
        return infos, batch, errors  # calamine's own copy of the cells is dropped here: the peak stays lower

    def read(self, name: str) -> RawSheet:
        from ..parse import RawSheet, column_letter

        look = self._package.look(name)
        if look.stray:
            return RawSheet(name, [], [], [], 2, stray=look.stray, extent=look.extent)
        future = self._loaded.pop(name, None)
        if future is None and self._loads is not None:  # (the reader is never used by two threads at once)
            future = self._loads.submit(self._load, name)
        infos, batch, errors = future.result() if future is not None else self._load(name)
        del future
        if not infos:
            return RawSheet(name, [], [], [], 2)
        header = _header([c.name for c in infos])
        letters = [column_letter(c.absolute_index) for c in infos]
        columns = [_column(batch.column(i)) for i in range(batch.num_columns)]
        del batch
        header_row = self._first_value_row(name)
        for e in (errors.errors if errors is not None else []):
            row, col = e.offset_position
            m = _DETAIL.search(e.detail)
            value = (CellError(_ERROR_TEXT.get(m.group(1), f"#{m.group(1)}")) if m and m.group(1)
                     else m.group(2).encode().decode("unicode_escape") if m else None)
            _put(columns, col, row, value)
        _overlay(columns, [c.absolute_index for c in infos], [c.dtype for c in infos], look, header_row + 1)
        return RawSheet(name, header, columns, letters, header_row + 1)

    def _first_value_row(self, name: str) -> int:
        """Absolute row (1-based) of the first cell with a value, as calamine counts rows."""
        path = self._package.sheet_path(name)
        if path is None:
            return 1
        with self._package.zip.open(path) as fh:
            row_hint = 0
            for event, el in ET.iterparse(fh, events=("start", "end")):
                tag = el.tag.rsplit("}", 1)[-1]
                if event == "start" and tag == "row":
                    row_hint = int(el.get("r", row_hint + 1))
                elif event == "end" and tag == "c":
                    has_value = any(child.tag.rsplit("}", 1)[-1] in ("v", "is") and "".join(child.itertext()) != ""
                                    for child in el)
                    if has_value:
                        ref = el.get("r")
                        m = _CELL_ROW.match(ref) if ref else None
                        return int(m.group(1)) if m else row_hint
                    el.clear()
                elif event == "end" and tag == "sheetData":
                    break
        return 1

    def close(self) -> None:
        """Stop the background work (waiting for what runs: a look, one calamine load) and close."""
        self._closing = True
        self._package.close()  # first: a running look finishes (and starts no load)
        if self._loads is not None:
            self._loads.shutdown(wait=True, cancel_futures=True)
        self._loaded = {}
        self._reader = None


def _header(names: list[str]) -> list[str]:
    """Header texts as typed: fastexcel names blanks ``__UNNAMED__n`` and renames a repeat ``x_1``."""
    out: list[str] = []
    for n in names:
        m = _DUPLICATE.match(n)
        if n.startswith("__UNNAMED__"):
            n = ""
        elif m and m.group(1) in out:
            n = m.group(1)
        out.append(n)
    return out


def _column(arrow) -> pd.Series:
    """An Arrow column as pandas; in a float column a NaN (not a null) was a text such as ``NaN``."""
    import pyarrow.compute as pc

    s = arrow.to_pandas()
    if arrow.type in ("double", "float") and arrow.null_count < len(arrow) and pc.any(pc.is_nan(arrow)).as_py():
        nan = pc.is_nan(arrow).fill_null(False).to_numpy(zero_copy_only=False)
        s = s.astype(object)
        s[nan] = "NaN"
        s[~nan & s.isna().to_numpy()] = None
    return s


def _put(columns: list[pd.Series], col: int, row: int, value) -> None:
    s = columns[col]
    if s.dtype != object:
        s = columns[col] = s.astype(object).where(s.notna(), None)
    s.iat[row] = value


def _overlay(columns: list[pd.Series], absolute: list[int], dtypes: list[str], look: SheetLook, first_row: int) -> None:
    """Put the special cells the XML look found (booleans, formulas without a value, percents) in place."""
    if not look.special:
        return
    index = {a: i for i, a in enumerate(absolute)}
    length = len(columns[0]) if columns else 0
    need = max((r - first_row + 1 for r, c in look.special if c in index), default=0)
    if need > length:  # a row holding only a formula without a value is trimmed by calamine
        import pandas as pd

        for i, s in enumerate(columns):
            columns[i] = pd.concat([s.astype(object).where(s.notna(), None),
                                    pd.Series([None] * (need - length), dtype=object)], ignore_index=True)
    for (r, c), value in look.special.items():
        i = index.get(c)
        if i is None or r < first_row:
            continue
        if isinstance(value, bool) and dtypes[i] == "boolean":
            continue
        _put(columns, i, r - first_row, value)
