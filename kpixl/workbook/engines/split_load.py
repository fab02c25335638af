"""A large sheet loaded by calamine in parts, one per core (issue 8).

calamine parses a sheet in one thread: at 1,000,000 event rows that is most of the read. The
sheet XML the look has already inflated (:mod:`.sheetxml`) is cut at row tags into K parts; each
part becomes a small workbook of its own (the original package's workbook, relationships, styles
and shared strings, the sheet's XML up to ``<sheetData>``, a copy of the header row numbered just
before the part's first row, the part's rows; an anonymous in-memory file, Linux's memfd), and
the K parts are loaded at once, the GIL released. Where there is no memfd (macOS, Windows) a
sheet is loaded whole. The result is used only where it is exactly what the whole load gives, else the caller
loads the sheet whole as always:

- every part has the same columns (header names, positions) and the same column types. A type
  fastexcel decides from the set of cell types of a column (float, text, date ...) is then the
  whole column's type too; a part whose column holds nothing is given the other parts' type;
- every part but the last ends at or before its cut (it is padded to the cut with empty rows,
  as the whole sheet holds them); only the last part trims whitespace-only rows at its end, and
  it holds a row (else the rows before it may be the sheet's end, styled empty rows after the
  data as LibreOffice writes them, or whitespace the whole load trims);
- nothing failed: a column whose types cannot be combined, any other error, is left to the whole
  load, which retries, forces and reports as the engine always does.

A sheet with a namespace prefix, a cut that does not follow the end of a row, a row without a
number at a cut, or a header row whose cells name other rows is not cut. A cut inside a comment
or a CDATA section leaves a part that calamine cannot parse: the whole load decides then.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

SPLIT_MIN_BYTES = 16 * 2**20  # a sheet part smaller than this (about 80,000 rows) is loaded whole
MAX_PARTS = 4
# parts loaded at once (at most MAX_PARTS); 1 (no parts) without memfd (Linux only)
CORES = (os.cpu_count() or 1) if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd") else 1
HEADER_WITHIN = 2**20  # the header row's first value is looked for in the rows' first MB
_ROW_AT = re.compile(rb'<row r="(\d+)"')
_REF = re.compile(rb'\br="([A-Z]{0,3})(\d+)"')
_EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
_SKIPPED_DIRS = ("xl/worksheets/", "xl/chartsheets/", "xl/drawings/", "xl/media/", "xl/charts/", "xl/pivotCache/",
                 "xl/pivotTables/", "xl/externalLinks/", "xl/embeddings/", "xl/printerSettings/", "xl/richData/",
                 "xl/tables/", "xl/queryTables/", "customXml/", "docProps/")
_OPTIONS = dict(header_row=0, schema_sample_rows=None, dtype_coercion="coerce")


class Column(NamedTuple):
    """A loaded column: its header text (as fastexcel names it), type, absolute and calamine index."""
    name: str
    dtype: str
    absolute_index: int
    index: int


class Part(NamedTuple):
    start: int  # byte offset of the part's first row tag
    stop: int  # byte offset where its rows end
    first_row: int  # the row number of its first row (the header's own row for the first part)
    rows: int | None  # the rows it must hold (None: the last part, as many as it has)


def plan(data: bytes, parts: int) -> tuple[bytes, bytes, list[Part]] | None:
    """(the XML before the rows, the header row, the parts), or None when the sheet is not cut."""
    open_at = data.find(b"<sheetData>")
    stop = data.rfind(b"</sheetData>")
    if parts < 2 or open_at < 0 or stop < 0:
        return None
    start = open_at + len(b"<sheetData>")
    near = min(stop, start + HEADER_WITHIN)  # (a search to the end for a tag that is not there costs 0.2 s)
    found = [p for p in (data.find(b"<v>", start, near), data.find(b"<is>", start, near)) if p >= 0]
    if not found:
        return None
    head_at = data.rfind(b"<row ", start, min(found))
    head_end = data.find(b"</row>", min(found), stop)
    m = _ROW_AT.match(data, head_at) if head_at >= 0 else None
    if m is None or head_end < 0 or data.find(b"<row", head_at + 4, head_end) >= 0:
        return None
    header = data[head_at:head_end + len(b"</row>")]
    header_row = int(m.group(1))
    if any(int(r) != header_row for _, r in _REF.findall(header)):
        return None
    cuts, rows = [], [header_row]
    for i in range(1, parts):
        at = data.find(b"<row ", start + (stop - start) * i // parts, stop)
        m = _ROW_AT.match(data, at) if at > head_end and _after_row(data, at) else None
        if m is None or int(m.group(1)) <= rows[-1] + 1 or (cuts and at <= cuts[-1]):
            return None
        cuts.append(at)
        rows.append(int(m.group(1)))
    bounds = [head_at, *cuts, stop]
    out = [Part(bounds[i], bounds[i + 1], rows[i],
                None if i == len(cuts) else rows[i + 1] - rows[i] - (1 if i == 0 else 0)) for i in range(len(bounds) - 1)]
    return data[:start], header, out


def _after_row(data: bytes, at: int) -> bool:
    """Whether the row tag at ``at`` follows the end of a row (``</row>`` or ``<row .../>``, then spaces)."""
    end = at
    while end > 0 and data[end - 1] in b" \t\r\n":
        end -= 1
    return data.endswith((b"</row>", b"/>"), 0, end)


def _renumbered(header: bytes, row: int) -> bytes:
    """The header row's tag and cell references moved to ``row``."""
    return _REF.sub(lambda m: b'r="%s%d"' % (m.group(1), row), header)


def kept_parts(zf: zipfile.ZipFile) -> list[tuple[str, bytes]]:
    """The parts every part's workbook holds, inflated once: the package's own parts calamine reads
    to open a book and type its cells (workbook, relationships, styles, shared strings), and every
    sheet empty (the sheet being loaded is given its part's rows)."""
    kept: list[tuple[str, bytes]] = []
    for info in zf.infolist():
        name = info.filename
        if name.startswith(("xl/worksheets/", "xl/chartsheets/")) and name.endswith(".xml"):
            kept.append((name, _EMPTY_SHEET))
        elif not name.startswith(_SKIPPED_DIRS) and not name.endswith("/"):
            kept.append((name, zf.read(info)))
    return kept


def _opened(kept: list[tuple[str, bytes]], sheet_path: str, pieces: list):
    """A fastexcel reader of one part's workbook (``kept``, the sheet ``sheet_path`` being ``pieces`` joined), stored
    in an anonymous in-memory file (Linux's memfd: no file on disk, nothing left behind; calamine
    opens it by its /proc path and reads it through its own handle)."""
    import fastexcel

    fd = os.memfd_create("kpixl-part")
    try:
        with os.fdopen(fd, "wb", closefd=False) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as book:
            for name, data in kept:
                if name != sheet_path:
                    book.writestr(name, data)
                    continue
                with book.open(name, "w", force_zip64=True) as out:
                    for piece in pieces:
                        out.write(piece)
        return fastexcel.read_excel(f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)


def load_parts(zf: zipfile.ZipFile, sheet_path: str, sheet: str, xml: list[bytes],
               started: Callable[[], None] | None = None,
               kept: list[tuple[str, bytes]] | None = None) -> tuple[list[Column], object, list] | None:
    """The sheet loaded in parts: (columns, an Arrow table, the cell errors as (row, column, detail)),
    or None where the whole load must decide (see the module doc). ``xml``: the sheet part, in a
    list it is taken out of, so that it is freed once the parts are built. ``started()`` is called
    once every part's workbook is built and calamine, which releases the GIL, is loading them.
    ``kept``: the package's ``kept_parts``, where the caller has them already."""
    data = xml.pop()
    cut = plan(data, min(MAX_PARTS, CORES, len(data) // max(SPLIT_MIN_BYTES // 2, 1)))
    if cut is None:
        return None
    head, header, parts = cut
    shared = zf.NameToInfo.get("xl/sharedStrings.xml")
    if shared is not None and shared.file_size * 4 > len(data):  # each part would read them all again
        return None
    view, tail = memoryview(data), b"</sheetData>" + data[data.rfind(b"</"):]

    def book(view: memoryview, i: int, p: Part):
        pieces = [view[:p.stop]] if i == 0 else [view[:len(head)], _renumbered(header, p.first_row - 1), view[p.start:p.stop]]
        return _opened(kept, sheet_path, [*pieces, tail])

    try:
        if kept is None:
            kept = kept_parts(zf)
        with ThreadPoolExecutor(len(parts) - 1, thread_name_prefix="kpixl-part") as pool:
            futures = [pool.submit(_load, book(view, i, p), sheet, False) for i, p in enumerate(parts[:-1])]
            reader = book(view, len(parts) - 1, parts[-1])
            del data, view  # (the sheet's XML is in the parts now)
            if started is not None:
                started()
            last = _load(reader, sheet, True)
            loaded = [f.result() for f in futures] + [last]
    except Exception:  # (the whole load raises it, or retries as it does)
        return None
    return _joined(loaded, parts)


def _load(reader, sheet: str, last: bool) -> tuple[list[Column], object, list]:
    """One part loaded (``reader``: the part's workbook, open)."""
    loaded = reader.load_sheet(sheet, skip_whitespace_tail_rows=last, **_OPTIONS)
    columns = [Column(c.name, c.dtype, c.absolute_index, c.index) for c in loaded.available_columns()]
    batch, errors = loaded.to_arrow_with_errors()
    return columns, batch, [(*e.offset_position, e.detail) for e in (errors.errors if errors is not None else [])]


def _joined(loaded: list, parts: list[Part]) -> tuple[list[Column], object, list] | None:
    """The parts as one table, or None when they do not add up to the whole load."""
    import pyarrow as pa

    names = [[(c.name, c.absolute_index, c.index) for c in cols] for cols, _, _ in loaded]
    if any(n != names[0] for n in names) or not names[0] or not loaded[-1][1].num_rows:
        return None  # (the last part empty: whether the rows before it end the sheet is the whole load's to say)
    columns, chunks = [], [[] for _ in names[0]]
    for j in range(len(names[0])):
        typed = {(cols[j].dtype, str(batch.column(j).type)) for cols, batch, _ in loaded
                 if batch.column(j).null_count < batch.num_rows}
        if len(typed) > 1:
            return None
        dtype, _ = typed.pop() if typed else (loaded[0][0][j].dtype, None)
        columns.append(loaded[0][0][j]._replace(dtype=dtype))
    arrow_types = [None] * len(columns)
    for cols, batch, _ in loaded:
        for j in range(len(columns)):
            if cols[j].dtype == columns[j].dtype:
                arrow_types[j] = batch.column(j).type
    errors, offset = [], 0
    for (cols, batch, part_errors), part in zip(loaded, parts, strict=True):
        n = batch.num_rows
        if part.rows is not None and n > part.rows:
            return None
        pad = 0 if part.rows is None else part.rows - n
        for j in range(len(columns)):
            col = batch.column(j)
            if cols[j].dtype != columns[j].dtype:  # (nothing in it: empty cells of the whole column's type)
                col = pa.nulls(n, arrow_types[j])
            chunks[j].append(col)
            if pad:
                chunks[j].append(pa.nulls(pad, arrow_types[j]))
        errors += [(offset + r, c, d) for r, c, d in part_errors]
        offset += n + pad
    table = pa.Table.from_arrays([pa.chunked_array(c, type=arrow_types[j]) for j, c in enumerate(chunks)],
                                 names=[f"c{j}" for j in range(len(columns))])
    return columns, table, errors
