"""The report workbook as a file: XlsxWriter makes every sheet, kpixl streams the big tables' rows.

XlsxWriter (the reference for Excel fidelity) writes the styles, charts, conditional formats,
autofilters, frozen panes, print setup and all small sheets. Its cell-by-cell API costs ~9x
kpixl's column-wise writer on a 100k-row detail sheet (bench/bench_report_writer.py), so the
data rows of big tables are registered with :meth:`ReportBook.stream` and spliced into the
worksheet XML XlsxWriter wrote when the file is saved: XlsxWriter still owns everything around
the rows (the header row, the column widths, the filter, the print titles), and the streamed
cells use XlsxWriter's own style indexes.

Text is always written as text (never a formula or a link) and clamped to 32,767 characters.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from contextlib import nullcontext
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .atomic import atomic_target
from .parse import column_letter
from .report_data import LINE_PT, text_lines
from .xlsx_out import BackgroundWriter, OutSheet, clamp_text, write_rows

FONT = "等线"  # Excel's default CJK font; LibreOffice substitutes a CJK font (Noto Sans CJK) where it is absent
BASE = {"font_name": FONT, "font_size": 10}
HEAD = {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top", "bottom": 1}
# named cell styles: column kinds (streamed tables) and the layout styles of summary and statements
STYLES: dict[str, dict] = {
    "text": {}, "number": {}, "points": {}, "integer": {"num_format": "0"},
    "money": {"num_format": "#,##0.00"}, "percent": {"num_format": "0.00"},
    "date": {"num_format": "yyyy-mm-dd"}, "wrap": {"text_wrap": True, "valign": "top"},
    "header": HEAD,
    "title": {"bold": True, "font_size": 15},
    "subtitle": {"font_size": 10, "font_color": "#404040"},
    "label": {"bold": True, "font_color": "#404040"},
    "section": {"bold": True, "font_size": 11, "bottom": 1, "font_color": "#1F4E79"},
    "big": {"bold": True, "font_size": 12, "align": "left"},
    "big_points": {"bold": True, "font_size": 12, "align": "left", "num_format": "0.##"},
    "subtotal": {"bold": True, "top": 1},
    "subtotal_points": {"bold": True, "top": 1},
    "total": {"bold": True, "font_size": 12, "top": 1, "bottom": 6},
    "total_money": {"bold": True, "font_size": 12, "top": 1, "bottom": 6, "num_format": "#,##0.00"},
    "flag": {"font_color": "#9C0006", "bg_color": "#FFC7CE"},
    "note": {"font_color": "#9C0006", "bg_color": "#FFC7CE", "text_wrap": True},
    "muted": {"font_color": "#595959", "italic": True},
    "sign": {"bottom": 1},
    # conditional formats (dxf)
    "blocked_row": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "flag_cell": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
}
_SHEET_DATA = re.compile(r"<sheetData/>|</sheetData>")
_DIMENSION = re.compile(r'<dimension ref="([A-Z]+\d+)(?::([A-Z]+)(\d+))?"/>')
_FORMULA_LIKE_NAME = re.compile(r"^=?[^!]+!\$?[A-Z]+\$?\d+")  # what XlsxWriter would take as a cell reference


def header_footer_text(text: str, limit: int = 80) -> str:
    """Text for a page header or footer: ``&`` is a control code there, and Excel allows 255 characters."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("&", "&&")


def chart_text(text: str) -> str:
    """A chart or series title that XlsxWriter keeps as text (it reads ``X!A1`` as a cell reference)."""
    text = clamp_text(text)[:255]
    # a zero-width space after the "!" breaks the reference pattern; the title reads the same
    return re.sub(r"!(?=\$?[A-Z]+\$?\d)", "!\u200b", text) if _FORMULA_LIKE_NAME.match(text) else text


class ReportBook:
    """One report workbook being built in memory; :meth:`save` writes it atomically."""

    def __init__(self, page_header: str = "", page_footer: str = ""):
        self._buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self._buf, {
            "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "default_format_properties": dict(BASE)})
        self.formats = {name: self.wb.add_format({**BASE, "valign": "top", **props}) for name, props in STYLES.items()}
        self.page_header, self.page_footer = page_header, page_footer
        self._bodies: dict[str, tuple[OutSheet, int]] = {}

    def fmt(self, name: str):
        return self.formats[name]

    def sheet(self, name: str, *, landscape: bool = True, repeat_rows: int | None = None,
              fit_pages: tuple[int, int] = (1, 0)) -> Worksheet:
        """A new worksheet with the print setup every report sheet has."""
        ws = self.wb.add_worksheet(name)
        ws.set_paper(9)  # A4
        ws.set_landscape() if landscape else ws.set_portrait()
        ws.fit_to_pages(*fit_pages)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_header(f"&L{self.page_header}&R{header_footer_text(name)}", {"margin": 0.25})
        ws.set_footer(f"&L{self.page_footer}&R第 &P 页 / 共 &N 页  Page &P of &N", {"margin": 0.25})
        if repeat_rows is not None:
            ws.repeat_rows(0, repeat_rows)
        return ws

    def text(self, ws: Worksheet, row: int, col: int, value, style: str | None = None) -> None:
        """One cell: text stays text (clamped), numbers are numbers, None is blank."""
        fmt = self.formats[style] if style else None
        if value is None or value == "":
            if fmt is not None:
                ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_string(row, col, "是 yes" if value else "否 no", fmt)
        elif isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
            ws.write_number(row, col, float(value), fmt)
        else:
            ws.write_string(row, col, clamp_text(str(value)), fmt)

    def table(self, name: str, sheet: OutSheet, *, landscape: bool = True, autofilter: bool = True,
              fit_pages: tuple[int, int] = (1, 0)) -> Worksheet:
        """A table sheet: XlsxWriter writes the header row, widths, filter and print setup; the rows stream.
        The header row is as high as its longest wrapped header (zh / en, CJK counting double)."""
        ws = self.sheet(name, landscape=landscape, repeat_rows=0, fit_pages=fit_pages)
        lines = 1
        for i, col in enumerate(sheet.columns):
            ws.write_string(0, i, clamp_text(col.header), self.formats["header"])
            ws.set_column(i, i, col.width)
            lines = max(lines, text_lines(col.header.replace(" / ", "\n", 1), col.width))
        ws.set_row(0, LINE_PT * min(lines, 6) + 2)
        ws.freeze_panes(1, 0)
        if autofilter and sheet.columns:
            ws.autofilter(0, 0, max(sheet.n_rows, 1), len(sheet.columns) - 1)
        self.stream(ws, sheet, first_row=2)
        return ws

    def stream(self, ws: Worksheet, sheet: OutSheet, first_row: int) -> None:
        """Rows of ``sheet`` (its headers are not written) go into ``ws`` from row ``first_row`` (1-based)."""
        self._bodies[f"xl/worksheets/sheet{ws.index + 1}.xml"] = (sheet, first_row)

    def save(self, path: str | os.PathLike, atomic: bool = True) -> Path:
        """Write the workbook to ``path`` atomically; ``atomic=False``: straight into ``path``, a
        temporary file the caller renames (the report beside its companion)."""
        # the xf index XlsxWriter gives each named style, for the streamed cells
        style_ids = {name: fmt._get_xf_index() for name, fmt in self.formats.items()
                     if not name.endswith(("_row", "_cell"))}
        self.wb.close()
        target = Path(path)
        with atomic_target(target) if atomic else nullcontext(target) as tmp:
            with zipfile.ZipFile(io.BytesIO(self._buf.getvalue())) as src, \
                    zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                for info in src.infolist():
                    body = self._bodies.get(info.filename)
                    if body is None:
                        z.writestr(info.filename, src.read(info))
                        continue
                    with z.open(info.filename, "w", force_zip64=True) as fh:
                        writer = BackgroundWriter(fh)
                        try:
                            _splice(writer, src.read(info).decode("utf-8"), *body, style_ids)
                        finally:
                            writer.close()
        return target


def _splice(fh, xml: str, sheet: OutSheet, first_row: int, style_ids: dict[str, int]) -> None:
    """Write XlsxWriter's worksheet XML with ``sheet``'s rows inserted at the end of its sheetData."""
    cut = _SHEET_DATA.search(xml)
    head, tail = xml[:cut.start()], xml[cut.end():]
    last_row = first_row + sheet.n_rows - 1
    dim = _DIMENSION.search(head)
    if dim and sheet.n_rows:
        cols = max(len(sheet.columns), _column_count(dim.group(2) or re.sub(r"\d+", "", dim.group(1))))
        rows = max(last_row, int(dim.group(3) or re.sub(r"[A-Z]+", "", dim.group(1))))
        head = head[:dim.start()] + f'<dimension ref="A1:{column_letter(cols - 1)}{rows}"/>' + head[dim.end():]
    fh.write((head + "<sheetData>" if cut.group() == "<sheetData/>" else head).encode("utf-8"))
    write_rows(fh, sheet, style_ids, first_row=first_row)
    fh.write(("</sheetData>" + tail).encode("utf-8"))


def _column_count(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n
