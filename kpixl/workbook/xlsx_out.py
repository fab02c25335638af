"""A small streaming .xlsx writer: the rows of big tables (values only, never formulas).

Why not openpyxl or XlsxWriter here: a report's detail sheet lists every contribution, e.g.
100k rows x 13 columns. openpyxl's write-only mode needs ~6.5 s and XlsxWriter's
constant-memory mode ~4 s for that on the reference machine; building the sheet XML
column-wise with numpy string operations takes ~0.5 s (bench/bench_report_writer.py). The
writer supports exactly what reports need: text, numbers, dates, booleans, a bold frozen
header row, column widths and number formats. Every text is an inline string, so text that
starts with ``=``, ``+``, ``-`` or ``@`` stays text and can never become a formula.

Report workbooks are made by XlsxWriter (kpixl/workbook/report_book.py: styles, charts,
conditional formats, print setup); this module only streams the data rows of their big tables
into the sheet XML XlsxWriter made (:func:`write_rows`), and writes plain value workbooks
(:func:`write_xlsx`, used by bench/make_workbook.py). Every text is clamped to Excel's 32,767
characters (ending in "…").

Files are written atomically: to a temporary file in the target folder, then renamed.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import re
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_target
from .parse import column_letter

# style ids in styles.xml
GENERAL, HEADER, DATE, NUMBER2, MONEY, WRAP = 0, 1, 2, 3, 4, 5
_KINDS = [None, "s", "n", "d", "b"]  # a cell's kind by its code: empty, inline text, number, date serial, boolean
_TEXT, _NUMBER, _DATE, _BOOL = 1, 2, 3, 4
_KIND_STYLE = {"text": GENERAL, "number": GENERAL, "date": DATE, "points": GENERAL, "money": MONEY,
               "percent": NUMBER2, "integer": GENERAL, "wrap": WRAP}
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_CELL_TEXT = 32767  # Excel's limit for one cell's text
_EPOCH = dt.date(1899, 12, 30)


@dataclass
class OutColumn:
    header: str
    values: Sequence  # any sequence; None/NaN/"" = empty cell
    kind: str = "text"  # text, number, points, money, percent, integer, date, wrap
    width: float = 12
    styles: Sequence | None = None  # optional per-cell style name (None/"" = the column's kind)


@dataclass
class OutSheet:
    name: str
    columns: list[OutColumn] = field(default_factory=list)
    heights: Sequence | None = None  # optional per-row height in points (None = automatic)

    def add(self, header: str, values: Sequence, kind: str = "text", width: float = 12,
            styles: Sequence | None = None) -> OutSheet:
        self.columns.append(OutColumn(header, values, kind, width, styles))
        return self

    @property
    def n_rows(self) -> int:
        return max((len(c.values) for c in self.columns), default=0)


def clamp_text(text: str) -> str:
    """Text that fits one cell: at most 32,767 characters, a longer one cut and ending in "…"."""
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "…"


def _escape_all(texts: list[str]) -> list[str]:
    """_escape_one of each text; one search over all of them when none needs it (the usual case)."""
    if _NEEDS_ESCAPE.search("".join(texts)) is None and max(map(len, texts), default=0) <= MAX_CELL_TEXT:
        return texts
    return [_escape_one(t) for t in texts]


def _escape_one(text: str) -> str:
    text = clamp_text(text)
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _ILLEGAL.sub("", text)




def _number_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return None
    if isinstance(v, Decimal):
        return None if not v.is_finite() else format(v, "f")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) or np.isinf(v) else repr(float(v))
    return None


def _classify(values, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(kind, text) per cell: the kind a code of _KINDS (0 empty, then text, number, date serial,
    boolean)."""
    kinds = np.zeros(n, dtype="int8")
    texts = np.full(n, "", dtype=object)
    if isinstance(values, (pd.Series, np.ndarray)) and len(values) == n:
        arr = values.to_numpy() if isinstance(values, pd.Series) else values
        if arr.dtype.kind in "iuf":
            f = arr.astype("float64")
            ok = np.isfinite(f)
            kinds[ok] = _NUMBER
            codes, uniques = pd.factorize(arr[ok])
            texts[ok] = np.asarray([_number_text(u) for u in uniques], dtype=object)[codes]
            return kinds, texts
        if arr.dtype.kind == "M":
            ts = pd.Series(arr)
            ok = ts.notna().to_numpy()
            days = (ts[ok].dt.normalize() - pd.Timestamp(_EPOCH)).dt.days.astype(str).to_numpy(dtype=object)
            kinds[ok], texts[ok] = _DATE, days
            return kinds, texts
        if arr.dtype.kind == "b":
            kinds[:], texts[:] = _BOOL, np.where(arr, "1", "0").astype(object)
            return kinds, texts
    if isinstance(values, np.ndarray) and values.dtype == object and len(values) == n:
        if pd.api.types.infer_dtype(values, skipna=False) == "string":  # all str: the common case
            filled = values != ""
            kinds[filled] = _TEXT
            texts[filled] = values[filled]
            return kinds, texts
    objects = object_cells(values, n)
    types = list(map(type, objects))
    distinct = list(dict.fromkeys(types))  # a few distinct types
    type_codes = np.fromiter(map({t: i for i, t in enumerate(distinct)}.__getitem__, types), dtype="int64", count=n)

    def of_type(*wanted) -> np.ndarray:
        return np.isin(type_codes, [i for i, t in enumerate(distinct) if t in wanted])

    is_str = of_type(str)
    if is_str.any():
        idx = np.flatnonzero(is_str)
        txt = objects[idx]
        nonempty = txt != ""
        kinds[idx[nonempty]], texts[idx[nonempty]] = _TEXT, txt[nonempty]
    is_float = of_type(float, np.float64)
    if is_float.any():  # numbers, vectorised: one text per distinct value
        idx = np.flatnonzero(is_float)
        f = objects[idx].astype("float64")
        ok = np.isfinite(f)
        codes, uniques = pd.factorize(f[ok])
        kinds[idx[ok]] = _NUMBER
        texts[idx[ok]] = np.asarray([repr(float(u)) for u in uniques], dtype=object)[codes]
    is_ts = of_type(pd.Timestamp)
    if is_ts.any():  # timestamps, vectorised (NaT has its own type and stays empty)
        idx = np.flatnonzero(is_ts)
        days = (pd.DatetimeIndex(objects[idx]).normalize() - pd.Timestamp(_EPOCH)).days
        kinds[idx], texts[idx] = _DATE, np.asarray([str(d) for d in days], dtype=object)
    rest = np.flatnonzero(~(is_str | is_float | is_ts | of_type(type(None))))  # None: empty
    for i in rest:
        v = objects[i]
        if v is None or v is pd.NaT:
            continue
        if isinstance(v, (bool, np.bool_)):
            kinds[i], texts[i] = _BOOL, "1" if v else "0"
        elif isinstance(v, (dt.datetime, pd.Timestamp, dt.date, np.datetime64)):
            d = pd.Timestamp(v)
            if not pd.isna(d):
                kinds[i], texts[i] = _DATE, str((d.date() - _EPOCH).days)
        else:
            num = _number_text(v)
            if num is not None:
                kinds[i], texts[i] = _NUMBER, num
            elif not (isinstance(v, float) and np.isnan(v)):
                kinds[i], texts[i] = _TEXT, str(v)
    return kinds, texts


def object_cells(values, n: int) -> np.ndarray:
    """``values`` as an object array of ``n`` cells (missing ones at the end are None)."""
    out = np.full(n, None, dtype=object)
    k = len(values)
    out[:k] = values if isinstance(values, np.ndarray) and values.dtype == object else \
        np.fromiter(iter(values), dtype=object, count=k)
    return out


def _cells(col: OutColumn, n: int, style_ids: dict[str, int]) -> np.ndarray:
    """XML of one column's cells, positional (no ``r`` attribute; an empty cell is ``<c/>``).

    Cells carry no reference, so a cell's XML depends only on its value and style: it is built
    once per distinct (kind, text, style) and repeated, which is what makes 100k-row sheets fast.
    ``style_ids`` maps a style name (a column kind or a per-cell style) to its index in styles.xml.
    """
    kinds, texts = _classify(col.values, n)
    default = style_ids.get(col.kind, 0)
    if col.styles is None:
        style_codes, style_uniques = np.zeros(n, dtype="int64"), [default]
    else:
        style_codes, names = pd.factorize(object_cells(col.styles, n))  # no style (None) -> -1
        style_codes = style_codes + 1
        style_uniques = [default] + [style_ids.get(u, default) if u else default for u in names]
    kind_codes, kind_uniques = kinds.astype("int64") - 1, _KINDS[1:]  # empty -> -1
    text_codes, text_uniques = pd.factorize(texts)
    nt, nk = len(text_uniques) + 1, len(kind_uniques) + 1
    combined = (style_codes.astype("int64") * nk + kind_codes + 1) * nt + text_codes + 1
    codes, uniques = pd.factorize(combined)
    sks, rest = np.divmod(np.asarray(uniques, dtype="int64"), nk * nt)
    kcs, tcs = np.divmod(rest, nt)
    all_texts = np.asarray(text_uniques, dtype=object)
    xml = np.empty(len(uniques), dtype=object)
    for sk, kc in set(zip(sks.tolist(), kcs.tolist(), strict=True)):  # a few (style, kind) groups
        sel = np.flatnonzero((sks == sk) & (kcs == kc))
        style = style_uniques[sk]
        sa = f' s="{style}"' if style else ""
        if kc == 0:
            xml[sel] = f"<c{sa}/>" if style != default else "<c/>"  # an explicitly styled empty cell keeps its style
            continue
        k, ts = kind_uniques[kc - 1], all_texts[tcs[sel] - 1].tolist()
        if k == "s":
            ts, pre, post = _escape_all(ts), f'<c{sa} t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>"
        elif k == "n":
            pre, post = f"<c{sa}><v>", "</v></c>"
        elif k == "d":
            date_style = style if col.kind == "date" or style != default else style_ids.get("date", 0)
            pre, post = f'<c s="{date_style}"><v>', "</v></c>"
        else:
            pre, post = f'<c{sa} t="b"><v>', "</v></c>"
        xml[sel] = [pre + t + post for t in ts]
    return xml[codes]


def write_rows(fh, sheet: OutSheet, style_ids: dict[str, int], first_row: int = 2, chunk: int = 20000) -> None:
    """Stream the ``<row>`` elements of ``sheet``'s data, starting at row ``first_row`` (1-based)."""
    n = sheet.n_rows
    if not n:
        return
    columns = [_cells(c, n, style_ids).tolist() for c in sheet.columns]
    heights = list(sheet.heights or [])[:n] + [None] * (n - len(sheet.heights or []))
    starts = [f'<row r="{r}" ht="{h}" customHeight="1">' if h else f'<row r="{r}">'
              for r, h in zip(range(first_row, first_row + n), heights, strict=True)]
    ends = ["</row>"] * n
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        parts = chain.from_iterable(zip(starts[lo:hi], *(c[lo:hi] for c in columns), ends[lo:hi], strict=True))
        fh.write("".join(parts).encode("utf-8"))


def _write_sheet(fh, sheet: OutSheet, chunk: int = 20000) -> None:
    """Stream one worksheet's XML into an open zip member."""
    n = sheet.n_rows
    cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{c.width}" customWidth="1"/>'
                   for i, c in enumerate(sheet.columns))
    header = "".join(
        f'<c s="{HEADER}" t="inlineStr"><is><t xml:space="preserve">{_escape_one(c.header)}</t></is></c>'
        for c in sheet.columns)
    fh.write((
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<dimension ref="A1:{column_letter(max(len(sheet.columns), 1) - 1)}{n + 1}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f'<sheetData><row r="1">{header}</row>').encode("utf-8"))
    write_rows(fh, sheet, _KIND_STYLE, chunk=chunk)
    fh.write(b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
             b'footer="0.3"/></worksheet>')


_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/><numFmt numFmtId="165" formatCode="0.00"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def _xml_attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


class BackgroundWriter:
    """Compress in a second thread (zlib releases the GIL) while the next chunk of XML is built."""

    def __init__(self, fh):
        self._fh = fh
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                return
            if self._error is None:
                try:
                    self._fh.write(data)
                except BaseException as exc:  # pragma: no cover - disk full etc.
                    self._error = exc

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error


def write_xlsx(path: str | os.PathLike, sheets: list[OutSheet]) -> Path:
    """Write ``sheets`` to ``path`` atomically (temp file in the same folder, then rename)."""
    target = Path(path)
    with atomic_target(target) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            overrides = "".join(
                f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(len(sheets)))
            z.writestr("[Content_Types].xml",
                       '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                       '<Default Extension="xml" ContentType="application/xml"/>'
                       '<Override PartName="/xl/workbook.xml" '
                       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                       '<Override PartName="/xl/styles.xml" '
                       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                       f"{overrides}</Types>")
            z.writestr("_rels/.rels",
                       '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       '<Relationship Id="rId1" '
                       'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                       'Target="xl/workbook.xml"/></Relationships>')
            sheet_entries = "".join(f'<sheet name="{_xml_attr(s.name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                                    for i, s in enumerate(sheets))
            z.writestr("xl/workbook.xml",
                       '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                       '<bookViews><workbookView activeTab="0"/></bookViews>'
                       f"<sheets>{sheet_entries}</sheets></workbook>")
            rels = "".join(f'<Relationship Id="rId{i + 1}" '
                           'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                           f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets)))
            rels += (f'<Relationship Id="rId{len(sheets) + 1}" '
                     'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
                     'Target="styles.xml"/>')
            z.writestr("xl/_rels/workbook.xml.rels",
                       '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       f"{rels}</Relationships>")
            z.writestr("xl/styles.xml", _STYLES)
            for i, s in enumerate(sheets):
                with z.open(f"xl/worksheets/sheet{i + 1}.xml", "w", force_zip64=True) as fh:
                    writer = BackgroundWriter(fh)
                    try:
                        _write_sheet(writer, s)
                    finally:
                        writer.close()
    return target
