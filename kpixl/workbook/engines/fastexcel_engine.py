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
sheet; a failure in the background is raised there, as if the load had run in ``read``. A sheet
of ``SPLIT_MIN_BYTES`` of XML or more is loaded in parts, one per core, from the XML the look
inflated (:mod:`.split_load`), where the parts add up to exactly the whole load.
Nothing here imports pandas until a sheet is converted.

A column whose type calamine cannot decide fails the whole load (a ``#NAME?`` or
``#GETTING_DATA`` value; a duration, ``[h]:mm``, beside numbers or texts). Then the sheet is loaded
again with that column forced to float, so that each odd cell comes back in the cell-error list
with calamine's own description of it (the error, the text, a date's or duration's serial), and
handed over as its cell kind: a duration as ``timedelta``, a date or time as ``datetime`` (a time
without a date on day 0, 1899-12-31, as calamine delivers it everywhere; :mod:`..cells` decides it
is a time). calamine reads a text such as ``001`` into a float column as 1, so the forced columns
are also loaded once as text, and a cell whose text is not how calamine writes its number stays
that text. Each retry forces one more column (never one twice); from ``MAX_RETRIES`` on, every
column at once: at most ``MAX_RETRIES + 3`` loads of a sheet. Any other failure is raised as is.

A column of numbers or dates with one text in it is typed as text by calamine, which writes the
numbers to nine decimals and the dates as ``2026-10-05 00:00:00``; where a text column may hold
such a rendering (:func:`_rendered`), the sheet is loaded again with it forced too, so each cell
comes back as what it is. In a 1904 workbook calamine puts a time without a date on 1904-01-01;
it is handed over on day 0 like every other time.

fastexcel trims leading empty rows and columns. Column offsets come from its column info
(``absolute_index``); the header's absolute row comes from a streaming look at the sheet
XML (the first cell that holds a value), so every problem still names the right cell.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from ..cellkinds import CellError
from .sheetxml import Package, SheetLook
from .split_load import SPLIT_MIN_BYTES, Column, kept_parts, load_parts

if TYPE_CHECKING:
    import pandas as pd

    from ..parse import RawSheet

_CELL_ROW = re.compile(r"[A-Z]+(\d+)")
_DUPLICATE = re.compile(r"^(.*)_(\d+)$")
_ERROR_TEXT = {"Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
               "Ref": "#REF!", "Value": "#VALUE!", "GettingData": "#GETTING_DATA"}
_DETAIL = re.compile(r"""got '(?:Error\((\w+)\)|(?:String|DateTimeIso)\("((?:[^"\\]|\\.)*)"\)"""
                     r"""|DateTime\(ExcelDateTime \{ value: ([^,]+), datetime_type: (\w+), is_1904: (\w+) \}\))""")
_RUST_ESCAPE = re.compile(r"\\(u\{([0-9a-fA-F]+)\}|.)", re.S)
_RUST_CHARS = {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}
_UNTYPED = re.compile(r"\n\s*0: could not determine dtype for column (.*)\n\Z", re.S)
_EPOCH = dt.datetime(1899, 12, 30)
MAX_RETRIES = 4  # columns forced one by one before all are
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
        self._kept: Future | None = None  # split_load.kept_parts, read ahead for a sheet loaded in parts
        self._settled = threading.Event()  # the largest sheet's load is under way, or it is refused (see settle)
        try:
            self._reader = fastexcel.read_excel(str(path))
            if background:
                self._loads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpixl-load")  # one reader: one load at a time
                self._package.prefetch(on_safe=self._start_load)
                if self._package.largest_size >= SPLIT_MIN_BYTES:  # it will be cut in parts: their common
                    # parts are read now, while the look's numpy work leaves the interpreter free
                    self._kept = self._loads.submit(kept_parts, self._package.zip)
                look = self._package.pending_look(self._package.largest)
                if look is None:
                    self._settled.set()
                else:  # also when the guard refuses it (a stray cell) or fails: no load to wait for
                    look.add_done_callback(lambda _: None if self._package.largest in self._loaded else self._settled.set())
        except BaseException:
            self.close()
            raise

    def settle(self, timeout: float = 5.0) -> None:
        """Wait (at most ``timeout`` s) until the largest sheet's calamine load, which releases the
        GIL, is under way (its guard has decided and its parts are built), so that it runs during
        the caller's imports; otherwise the guard's and the parts' Python work and the imports take
        turns with the interpreter (at 5,000 x 100,000 the guard took 0.64 s beside the pandas
        import instead of about 0.15 s; at 50,000 x 1,000,000 building the parts took 0.5 s instead
        of 0.15 s)."""
        self._settled.wait(timeout)

    def sheet_names(self) -> list[str]:
        return self._package.sheet_names()

    def _start_load(self, name: str, data: bytes) -> None:
        """Called by the sheet's look once the sheet is safe to hand to calamine (``data``: its XML).
        For the largest sheet it returns once its load is under way: the look's remaining searches
        then run beside calamine, not beside the Python work of building its parts."""
        if not self._closing:  # (a book closed early, e.g. on a usage error, starts no new load)
            self._loaded[name] = self._loads.submit(self._load, name, data if len(data) >= SPLIT_MIN_BYTES else None)
            if name == self._package.largest:
                self.settle()
        elif name == self._package.largest:
            self._settled.set()

    def _load(self, name: str, data: bytes | None = None) -> tuple[list[Column], object, list, dict]:
        """calamine's columns of one sheet: (columns, Arrow batch, cell errors as (row, column,
        detail), the texts of the columns forced to float by name). ``data``: the sheet's XML as
        the look inflated it, for a sheet large enough to load in parts (:mod:`.split_load`)."""
        largest = name == self._package.largest
        try:
            return self._loaded_columns(name, data, self._settled.set if largest else None)
        finally:
            if largest:
                self._settled.set()

    def _loaded_columns(self, name: str, data: bytes | None, started) -> tuple[list[Column], object, list, dict]:
        parts = None
        if data is not None:
            kept = self._kept.result() if self._kept is not None and self._kept.exception() is None else None
            parts = load_parts(self._package.zip, self._package.sheet_path(name), name, [data], started, kept)
            del data
        if parts is not None:
            infos, batch, errors = parts
            forced = []
        else:
            if started is not None:
                started()  # (loaded whole: calamine starts now)
            infos, batch, errors, forced = self._whole(name)
        if not infos:
            return infos, None, None, {}
        rendered = [c.name for j, c in enumerate(infos)
                    if forced is not None and c.name not in forced and c.dtype == "string" and _rendered(batch.column(j))]
        if rendered:  # numbers or dates that calamine wrote as text: their cells again, as what they are
            del batch, errors
            infos, batch, errors, forced = self._whole(name, forced + rendered)
        if forced is None:
            forced = [c.name for c in infos]
        texts = self._forced_texts(name, forced) if forced else {}
        return infos, batch, errors, texts

    def _whole(self, name: str, forced: list[str] | None = None) -> tuple[list[Column], object, list, list[str] | None]:
        """The sheet loaded whole (see :meth:`_typed_sheet`): columns, batch, cell errors, the names forced."""
        sheet, forced = self._typed_sheet(name, forced)
        infos = [Column(c.name, c.dtype, c.absolute_index, c.index) for c in sheet.available_columns()]
        if not infos:
            return infos, None, [], forced
        batch, errors = sheet.to_arrow_with_errors()
        del sheet  # calamine's own copy of the cells is dropped here: the peak stays lower
        return infos, batch, [(*e.offset_position, e.detail) for e in (errors.errors if errors is not None else [])], forced

    def _typed_sheet(self, name: str, forced: list[str] | None = None) -> tuple[object, list[str] | None]:
        """The sheet as calamine types it, with the columns ``forced`` and each column whose type it
        cannot decide forced to float (see the module doc); also the names forced (None: every column)."""
        import fastexcel

        forced = list(forced or ())
        while True:
            dtypes = "float" if len(forced) > MAX_RETRIES else {c: "float" for c in forced} or None
            try:
                sheet = self._reader.load_sheet(name, header_row=0, schema_sample_rows=None, dtype_coercion="coerce",
                                                skip_whitespace_tail_rows=True, dtypes=dtypes)
                return sheet, (None if dtypes == "float" else forced)
            except (fastexcel.CalamineCellError, fastexcel.UnsupportedColumnTypeCombinationError) as exc:
                m = _UNTYPED.search(str(exc))
                if m is None or m.group(1) in forced or dtypes == "float":
                    raise
                forced.append(m.group(1))

    def _forced_texts(self, name: str, forced: list[str]) -> dict[str, object]:
        """The forced columns loaded as text (Arrow string arrays, by column name)."""
        sheet = self._reader.load_sheet(name, header_row=0, schema_sample_rows=None, skip_whitespace_tail_rows=True,
                                        dtypes={c: "string" for c in forced}, use_columns=forced)
        batch = sheet.to_arrow()
        return {c.name: batch.column(j) for j, c in enumerate(sheet.selected_columns)}

    def read(self, name: str) -> RawSheet:
        from ..parse import RawSheet, column_letter

        look = self._package.look(name)
        if look.stray:
            return RawSheet(name, [], [], [], 2, stray=look.stray, extent=look.extent)
        future = self._loaded.pop(name, None)
        if future is None and self._loads is not None:  # (the reader is never used by two threads at once)
            future = self._loads.submit(self._load, name)
        infos, batch, errors, texts = future.result() if future is not None else self._load(name)
        del future
        if not infos:
            return RawSheet(name, [], [], [], 2)
        header = _header([c.name for c in infos])
        letters = [column_letter(c.absolute_index) for c in infos]
        columns = [_forced(batch.column(i), texts[c.name]) if c.name in texts else _column(batch.column(i))
                   for i, c in enumerate(infos)]
        if self._package.date1904:
            columns = [_times_1904(s) for s in columns]
        del batch, texts
        header_row = self._first_value_row(name)
        position = {c.index: i for i, c in enumerate(infos)}  # (calamine's column index: from the first column)
        for row, col, detail in errors:
            _put(columns, position.get(col, col), row, _cell(detail))
        _overlay(columns, [c.absolute_index for c in infos], [c.dtype for c in infos], look, header_row + 1)
        return RawSheet(name, header, columns, letters, header_row + 1, hidden=look.hidden, merged=look.merged,
                        hidden_cols=look.hidden_cols, format_hidden=look.format_hidden)

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
        self._settled.set()  # (a look waiting for its sheet's load to start goes on at once)
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


def _cell(detail: str) -> object:
    """The cell a cell-error detail describes (``Expected float but got 'Error(Name)'``); one that
    is not understood becomes an error value quoting it, never an empty cell."""
    m = _DETAIL.search(detail)
    if m is None:
        return CellError(detail.partition(" got ")[2].strip("'") or detail)
    if m.group(1):
        return CellError(_ERROR_TEXT.get(m.group(1), f"#{m.group(1)}"))
    if m.group(2) is not None:
        return _RUST_ESCAPE.sub(lambda e: chr(int(e.group(2), 16)) if e.group(2) else _RUST_CHARS.get(e.group(1), e.group(1)),
                                m.group(2))
    try:
        return _serial(float(m.group(3)), m.group(4) == "TimeDelta", m.group(5) == "true")
    except (ValueError, OverflowError):  # a serial beyond any date (calamine writes it as it is)
        return CellError(detail.partition(" got ")[2].strip("'"))


def _serial(value: float, duration: bool, is_1904: bool) -> dt.timedelta | dt.datetime:
    """An Excel date or duration serial, as calamine converts it (to the millisecond; the 1900
    leap-year bug: serials below 60 count from 1899-12-31)."""
    if duration:
        return dt.timedelta(milliseconds=round(value * 86_400_000))
    days = value + 1462 if is_1904 and value >= 1 else value  # (below 1: a time without a date, on day 0)
    return _EPOCH + dt.timedelta(milliseconds=round((days if days >= 60 else days + 1) * 86_400_000))


# How calamine writes a number (to nine decimals) or a date into a text column: a column of
# numbers or dates with one text cell in it becomes such a column.
_RENDERED = r"^-?\d+\.\d{9}$|^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"


def _rendered(arrow) -> bool:
    """Whether a string column may hold a number cut to nine decimals or a date that calamine wrote
    as text (a clerk's text like that too: the forced load tells them apart). The candidates are
    found on the Arrow buffers (a byte at a fixed place), the pattern tried on them only."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    if arrow.null_count == len(arrow) or not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return False
    width = np.int64 if pa.types.is_large_string(arrow.type) else np.int32
    offsets = np.frombuffer(arrow.buffers()[1], dtype=width)[arrow.offset:arrow.offset + len(arrow) + 1]
    data = np.frombuffer(arrow.buffers()[2], dtype=np.uint8)
    if not len(data):
        return False
    start, end = offsets[:-1], offsets[1:]
    size, last = end - start, len(data) - 1
    dot = (size >= 11) & (data[np.clip(end - 10, 0, last)] == ord("."))
    stamp = (size == 19) & (data[np.clip(start + 13, 0, last)] == ord(":")) & (data[np.clip(start + 10, 0, last)] == ord(" "))
    rows = np.flatnonzero(dot | stamp)
    return bool(len(rows)) and bool(pc.any(pc.match_substring_regex(arrow.take(pa.array(rows)), _RENDERED)).as_py())


def _number_text(x: float) -> str:
    """A float as calamine writes it into a text column (nine decimals, trailing zeros cut)."""
    return f"{x:.9f}".rstrip("0").rstrip(".")


def _forced(numbers, texts) -> pd.Series:
    """A column forced to float: calamine's floats, but a cell whose text is not how calamine
    writes that number was a text (``001``, ``1e3``, ``inf``) and stays that text."""
    import pandas as pd

    values = numbers.to_pylist()
    shown = texts.to_pylist()
    for i, f in enumerate(values):
        t = shown[i] if i < len(shown) else None
        if f is not None and (not math.isfinite(f) or (t is not None and t != _number_text(f))):
            values[i] = t if t is not None else str(f)
    return pd.Series(values, dtype=object)


def _duration(scalar):
    try:
        return scalar.as_py()
    except OverflowError:
        return CellError("#VALUE!")


def _column(arrow) -> pd.Series:
    """An Arrow column as pandas; in a float column a NaN (not a null) was a text such as ``NaN``;
    a duration column holds ``timedelta`` cells (and None where empty)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_duration(arrow.type):
        import pandas as pd

        try:
            return pd.Series(arrow.to_pylist(), dtype=object)
        except OverflowError:  # beyond a timedelta (999,999,999 days): Excel shows ####, openpyxl reads #VALUE!
            return pd.Series([_duration(x) for x in arrow], dtype=object)
    s = arrow.to_pandas()
    if arrow.type in ("double", "float") and arrow.null_count < len(arrow) and pc.any(pc.is_nan(arrow)).as_py():
        nan = pc.is_nan(arrow).fill_null(False).to_numpy(zero_copy_only=False)
        s = s.astype(object)
        s[nan] = "NaN"
        s[~nan & s.isna().to_numpy()] = None
    return s


_DAY_1904 = (dt.datetime(1904, 1, 1), dt.datetime(1904, 1, 2))


def _times_1904(s: pd.Series) -> pd.Series:
    """A time without a date in a 1904 workbook: calamine puts it on 1904-01-01 (serial 0 there);
    it is handed over on day 0, like every other time (see :func:`..cells.clock`)."""
    import pandas as pd

    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s
    on = ((s >= _DAY_1904[0]) & (s < _DAY_1904[1])).to_numpy()
    return s.where(~on, s - pd.Timedelta(days=1461)) if on.any() else s


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
