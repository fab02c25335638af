"""A cheap, bounded look at an .xlsx package's XML, shared by the file engines.

What calamine (fastexcel) and openpyxl cannot tell us, or cannot survive, is found here, before
a sheet is handed to them:

- a DTD in any XML part (entity bombs, external entities): refused, never parsed;
- a sheet part too large to read, or whose used range is absurd (one stray cell at
  ``XFD1048576`` makes calamine allocate the whole grid): refused, naming the stray cells;
- the cells an engine would silently mistype: error values (``t="e"``), Excel booleans
  (``t="b"``), formulas saved without a value, numbers with a percent format (by the section
  their sign picks), and the cells whose format shows nothing (``;;;``).

The look is linear in the part's size and runs at C speed for a normal sheet of up to
1,048,576 rows (about 1.5 s for 1,000,000 rows): an upper bound of the used range from a few
searches (the column letters present, the longest row numbers, numpy counts of the cells per
row where cells are placed by counting), a lower bound of the cells that hold something, and a
cell-by-cell pass only when the bound could be absurd for that many cells (then the pass decides,
exactly). Special cells are located by reading only the rows where one may be; a part that
numbers no rows falls back to the pass.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import posixpath
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET
from xml.sax.saxutils import unescape as xml_unescape

import numpy as np

from ..cellkinds import CellError, NoValue, Percent

try:  # ISA-L's inflate: a 1M-row sheet part (208 MB of XML) in 0.18 s, against 1.5 s with zipfile
    from isal import isal_zlib as _inflate
except ImportError:  # (Pyodide, or not installed): the standard library's, the same bytes
    _inflate = zlib

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
MAX_PART_BYTES = 256 * 2**20  # an uncompressed sheet part beyond this is refused (about 1.2M rows)
MAX_CELLS = 8_000_000  # a used range (rows x columns) that may be this large is looked at cell by cell
MIN_ABSURD = 1_000_000  # ... and is absurd beyond this and beyond 50x the cells that hold something
_HEAD = 64 * 1024  # a DOCTYPE can only come before the root element

_END = re.compile(rb"</(?:\w+:)?worksheet>\s*$")
# Bounds of the used range, each a literal-led search (C speed): a larger match only loosens a bound.
_ROW_7 = re.compile(rb'r="[A-Z]*(\d{7,})')
_ROW_6 = re.compile(rb'r="[A-Z]*(\d{6})')
_COL_3 = re.compile(rb'r="([A-Z]{3,})')
_COL_1 = re.compile(rb'r="[A-Z]')
_COL_2 = re.compile(rb'r="[A-Z]{2}')
_IMPLICIT_ROW = re.compile(rb'<row\b(?![^>]*\br="\d+")')  # as the full pass reads a row number
_PLAIN_CELL = re.compile(rb'<c(?<=><c)\b[^<>]*(?<!/)>(?:<f\b[^<>]*(?:/>|>[^<]*</f>))?'  # literal-led: "<c" first
                         rb'(?:<v>[^<]*</v>|<is><t\b[^<>]*>[^<]*</t></is>)</c>()')
_WINDOW, _OVERLAP = 8 * 2**20, 8192  # a match longer than the overlap is not a real reference
_WORD = np.zeros(256, dtype=bool)  # the bytes a regex \w matches
_WORD[[*range(48, 58), *range(65, 91), *range(97, 123), 95]] = True
_ERROR_OR_BOOL = re.compile(rb't="[eb]"')
_FORMULA_AT = re.compile(rb"<f\b")
_ROW_TAG = re.compile(rb"<row\b([^>]*)>")
_NO_VALUE = re.compile(rb"<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")
_TOKEN = re.compile(rb"<row\b([^>]*)>|<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_ROW_R = re.compile(rb'\br="(\d+)"')
_CELL_R = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_BLANK_V = re.compile(rb"<v>[ \t\r\n]+</v>")
_BLANK_V_HEAD = re.compile(rb"<v>[ \t\r\n]")
_FORMULA = re.compile(rb"<f\b[^>]*>([^<]*)</f>")
_BUILTIN_PERCENT = {9, 10}
# ECMA-376 18.8.30: ids 27-36 and 50-58 are locale built-ins (zh-CN: 31 yyyy"年"m"月"d"日", 57 yyyy"年"m"月",
# 58 m"月"d"日"); 32-35, 55 and 56 are times of day there, the rest dates in every East Asian locale
_BUILTIN_EAST_ASIAN_DATES = {27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58}
_DATE_EPOCH = {"date": dt.datetime(1899, 12, 30), "date1904": dt.datetime(1904, 1, 1)}
_SINGLE_QUOTED = re.compile(rb"(\s[\w:]+)='([^'\"<>]*)'")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_COL_TAG = re.compile(rb'<(?:\w+:)?col\b([^>]*)>')


class PackageError(Exception):
    """The package cannot be read safely; ``zh``/``en`` say why."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def col_index(letters: str) -> int:
    """A -> 0, Z -> 25, AA -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def date_code_kind(code: str) -> str | None:
    """"date", "duration" or None: what a custom number format makes of a number, by Excel's rule
    as calamine reads it (the first section only; a quoted, escaped (``\\``), width (``_``) or
    fill (``*``) character is a literal; inside brackets only ``[h]``, ``[m]``, ``[s]`` count, as a
    duration; ``a`` followed by ``p``, ``m`` or ``/`` is AM/PM)."""
    escaped = quoted = ap = hms = False
    brackets, prev = 0, " "
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\*":
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return None
        elif ch == "[":
            brackets += 1
        elif ch == "]" and brackets == 1 and hms:
            return "duration"
        elif ch == "]":
            brackets = max(brackets - 1, 0)
        elif ch in "aA" and not ap and not brackets:
            ap = True
        elif ch in "pm/PM" and ap and not brackets:
            return "date"
        elif ch in "dmhysDMHYS" and not ap and not brackets:
            return "date"
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "mhsMHS"
        prev = ch
    return None


_OPENPYXL_LITERAL = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')


def _openpyxl_date(code: str) -> bool:
    """openpyxl's own reading of a format (``openpyxl.styles.numbers.is_date_format``), which differs
    from Excel's on escaped quotes and on AM/PM written ``a/p``."""
    return re.search(r"(?<![_\\])[dmhysDMHYS]", _OPENPYXL_LITERAL.sub("", code.split(";")[0])) is not None


_LITERAL = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]')  # quoted, escaped, width, fill; [colour], [condition]
_SECTION_SPLIT = re.compile(r'("[^"]*"|\\.|_.|\*.|\[[^\]]*\])|;')


@functools.lru_cache(maxsize=256)
def number_sections(code: str) -> tuple[str, str, str, str]:
    """What a number format shows of a positive number, a negative one, zero and a text, by
    Excel's sections (``pos;neg;zero;text``: one section serves all numbers, two give zero the
    first): "percent" (``0%``), "hidden" (an empty section, as in ``;;;``: the cell shows
    nothing) or "shown"."""
    parts = _sections(code)

    def kind(section: str, text: bool = False) -> str:
        bare = _LITERAL.sub("", section)
        if len(parts) > 1 and not bare.strip() and '"' not in section.replace('""', ""):
            return "hidden"
        return "percent" if "%" in bare and not text else "shown"

    pos = kind(parts[0])
    neg = kind(parts[1]) if len(parts) > 1 else pos
    zero = kind(parts[2]) if len(parts) > 2 else pos
    return pos, neg, zero, kind(parts[3], text=True) if len(parts) > 3 else "shown"


def _sections(code: str) -> list[str]:
    parts, start = [], 0
    for m in _SECTION_SPLIT.finditer(code or ""):
        if m.group(1) is None:
            parts.append(code[start:m.start()])
            start = m.end()
    parts.append((code or "")[start:])
    return parts


_CONDITION = re.compile(r"\[(<=|>=|<>|<|>|=)\s*(-?\d+(?:\.\d*)?|-?\.\d+)\s*\]")
_COMPARE = {"<": float.__lt__, ">": float.__gt__, "=": float.__eq__, "<=": float.__le__, ">=": float.__ge__,
            "<>": float.__ne__}


@functools.lru_cache(maxsize=256)
def _conditions(code: str) -> tuple:
    """Each number section's condition (``[>=100]``) as (op, bound), or None."""
    found = tuple((m.group(1), float(m.group(2))) if (m := _CONDITION.search(part)) else None
                  for part in _sections(code)[:3])
    return found if any(found) else ()


def shown_as(code: str, number: float) -> str:
    """"percent", "hidden" or "shown": how a number format shows this number, by the section
    Excel picks: by the sign, or where the format has conditions (``[<1]0.0%;0``), the first
    section whose condition holds, else the one after them."""
    sections, conditions = number_sections(code), _conditions(code)
    if not conditions:
        return sections[0 if number > 0 else 1 if number < 0 else 2]
    number = float(number)
    first = conditions[0]
    second = conditions[1] if len(conditions) > 1 else None
    if first is not None and _COMPARE[first[0]](number, first[1]):
        return sections[0]
    if second is not None:
        return sections[1] if _COMPARE[second[0]](number, second[1]) else sections[2]
    if len(_sections(code)) >= 3 and number < 0:
        return sections[1]
    return sections[2] if len(_sections(code)) >= 3 else sections[1]


@dataclass
class SheetLook:
    stray: list[tuple[int, int]] = field(default_factory=list)  # (row, col) of cells far outside the data
    extent: tuple[int, int] = (0, 0)  # (rows, columns) the used range would span
    special: dict[tuple[int, int], object] = field(default_factory=dict)  # (row 1-based, col 0-based) -> cell
    hidden: list[int] = field(default_factory=list)  # the rows hidden (by hand or by a filter), 1-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row1, col1, row2, col2): 1-based rows
    hidden_cols: list[int] = field(default_factory=list)  # the columns hidden, 0-based
    format_hidden: list[tuple[int, int]] = field(default_factory=list)  # (row, col) whose format shows nothing

    def split_hidden(self) -> SheetLook:
        """The cells whose number format shows nothing (``;;;``) out of ``special`` into ``format_hidden``."""
        self.format_hidden = sorted(k for k, v in self.special.items() if v is HIDDEN)
        for k in self.format_hidden:
            del self.special[k]
        return self


HIDDEN = object()  # a special cell whose format shows nothing: its value is the engine's own


class Package:
    """The zip parts of one workbook, opened once; every XML part is checked for a DTD first."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        self._file = path if isinstance(path, (str, os.PathLike)) else None
        names = set(self.zip.namelist())
        for info in self.zip.infolist():
            if info.filename.endswith((".xml", ".rels")):
                with self.zip.open(info) as fh:
                    head = fh.read(_HEAD)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise PackageError(f"{info.filename} 含有 DTD（可能是恶意文件）。",
                                       f"{info.filename} contains a DTD (a possibly hostile file).")
        self._paths: dict[str, str] | None = None
        self._lock = threading.Lock()
        self._date1904 = False
        self._percent: set[int] | None = None
        self._names = names
        self._pool: ThreadPoolExecutor | None = None
        self._looks: dict[str, Future] = {}
        self.largest: str | None = None  # the largest sheet part (prefetch looks at it first)
        self.largest_size = 0  # its inflated size

    def prefetch(self, on_safe: Callable[[str], None] | None = None) -> None:
        """Look at every sheet in two background threads while the engine reads: the largest
        sheet at once in one, the others smallest first in the other.

        ``on_safe(name, xml)`` is called (in the look's thread) as soon as the sheet is known to be
        safe to hand to an engine (its part complete, no stray cell), before its special cells are
        searched: the engine's read, which releases the GIL, then overlaps that search (``xml``: the
        sheet part as the look inflated it, which the engine may load in parts).
        ``look`` waits for its sheet."""
        sizes = {n: self.zip.getinfo(p).file_size for n in self.sheet_names()
                 if (p := self.sheet_path(n)) in self._names}
        order = sorted(sizes, key=sizes.get)
        self.largest = order[-1] if order else None
        self.largest_size = sizes[self.largest] if order else 0
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kpixl-look")
        self._looks = {n: self._pool.submit(self._look, n, on_safe) for n in order[-1:] + order[:-1]}

    def pending_look(self, name: str | None) -> Future | None:
        """The background look of ``name`` that nobody has waited for yet (None: none)."""
        return self._looks.get(name) if name is not None else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self.zip.close()

    def sheet_names(self) -> list[str]:
        """The sheets the workbook lists, in order (a listed sheet whose part is missing included)."""
        self.sheet_path("")
        return list(self._paths)

    def sheet_path(self, name: str) -> str | None:
        if self._paths is None:
            self._paths = {}
            wb = ET.fromstring(self.zip.read("xl/workbook.xml"))
            if wb.tag.startswith("{http://purl.oclc.org/ooxml/"):  # ISO 29500 Strict: other namespaces throughout
                self._paths = None
                raise PackageError("工作簿是“Strict Open XML 电子表格”格式，kpixl 不能读取。请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”。",
                                   "The workbook is in the Strict Open XML Spreadsheet format, which kpixl cannot read. "
                                   "Save it in Excel as an Excel Workbook (*.xlsx).")
            pr = wb.find("m:workbookPr", NS)
            self._date1904 = pr is not None and pr.get("date1904", "").strip().lower() in ("1", "true")
            rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target") or "" for r in rels.findall("rel:Relationship", NS)}
            for s in wb.findall("m:sheets/m:sheet", NS):
                target = targets.get(s.get(f"{{{NS['r']}}}id"), "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                self._paths[s.get("name")] = path
        return self._paths.get(name)

    @property
    def date1904(self) -> bool:
        """Whether the workbook counts its dates from 1904 (a Mac workbook: serial 0 is 1904-01-01)."""
        self.sheet_path("")
        return self._date1904

    def number_styles(self) -> dict[int, str | tuple[str, str]]:
        """The cell formats (``s="n"``) whose numbers the engines would mistype, by index: "percent"
        for a number format that shows a percent; its ``number_sections`` where that depends on the
        sign or a condition (``0;0%``, ``[<1]0%;0``) or a section hides the cell (``;;;``):
        ("sections", its code); "date" (or "date1904", by the workbook's date
        system) for one of the East Asian built-in date formats (ids 27-31, 36, 50-54, 57, 58: zh-CN
        Excel's ``yyyy"年"m"月"d"日"`` is id 31, written without its format code), which neither
        calamine nor openpyxl knows as a date."""
        with self._lock:  # (the looks run in two threads: neither may see a map still being filled)
            if self._percent is None:
                self._percent = self._number_styles()
        return self._percent

    def _number_styles(self) -> dict[int, str]:
        found: dict[int, str] = {}
        if "xl/styles.xml" in self._names:
            root = ET.fromstring(self.zip.read("xl/styles.xml"))
            custom = {int(f.get("numFmtId", -1)): f.get("formatCode", "") for f in root.findall("m:numFmts/m:numFmt", NS)}
            date = "date1904" if self.date1904 else "date"
            for i, xf in enumerate(root.findall("m:cellXfs/m:xf", NS)):
                fid = int(xf.get("numFmtId", 0))
                sections = number_sections(custom[fid]) if fid in custom else None  # (a file may redefine 9, 10)
                if sections is None and fid in _BUILTIN_PERCENT or sections is not None and sections[:3] == ("percent",) * 3:
                    found[i] = "percent"
                elif sections is not None and ("percent" in sections or "hidden" in sections):
                    found[i] = ("sections", custom[fid])  # (decided per cell, by its number: shown_as)
                elif fid not in custom and fid in _BUILTIN_EAST_ASIAN_DATES:
                    found[i] = date
                elif fid in custom and (kind := date_code_kind(custom[fid])) != "duration" \
                        and (kind == "date") != _openpyxl_date(custom[fid]):  # the engines would disagree
                    found[i] = date if kind == "date" else "number"
        return found

    def sheet_xml(self, name: str) -> bytes | None:
        path = self.sheet_path(name)
        if path is None:
            return None
        if path not in self._names:
            raise PackageError(f"工作表 “{name}” 的内容缺失（{path}）。", f"Sheet '{name}' has no content part ({path}).")
        if self.zip.getinfo(path).file_size > MAX_PART_BYTES:
            raise PackageError(f"工作表 “{name}” 太大，无法读取（超过 {MAX_PART_BYTES >> 20} MB）。",
                               f"Sheet '{name}' is too large to read (over {MAX_PART_BYTES >> 20} MB of XML).")
        return self._member(self.zip.getinfo(path))

    def _member(self, info: zipfile.ZipInfo) -> bytes:
        """A part's bytes, inflated by ``_inflate`` from its own file handle (thread-safe); anything
        unusual (not deflated, encrypted, a size or CRC that does not match) is left to zipfile,
        which reads it or raises as it always does."""
        if self._file is None or info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
            return self.zip.read(info)
        try:
            with open(self._file, "rb") as fh:
                fh.seek(info.header_offset)
                head = fh.read(30)
                if len(head) != 30 or head[:4] != b"PK\x03\x04":
                    return self.zip.read(info)
                name_len, extra_len = struct.unpack("<HH", head[26:30])
                fh.seek(info.header_offset + 30 + name_len + extra_len)
                packed = fh.read(info.compress_size)
            data = _inflate.decompressobj(-15).decompress(packed, MAX_PART_BYTES + 1)
        except (OSError, zlib.error, ValueError, getattr(_inflate, "error", zlib.error)):
            return self.zip.read(info)
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            return self.zip.read(info)
        return data

    def look(self, name: str) -> SheetLook:
        """What the engines need to know about a sheet before reading it (see the module doc)."""
        future = self._looks.pop(name, None)
        return future.result() if future is not None else self._look(name)

    def _look(self, name: str, on_safe: Callable[[str], None] | None = None) -> SheetLook:
        data = self.sheet_xml(name)
        if data is None:
            return SheetLook()
        if not _END.search(data[-256:]):  # calamine reads a cut-off part silently, up to the cut
            raise PackageError(f"工作表 “{name}” 的内容不完整（文件被截断）。", f"Sheet '{name}' is cut off (a truncated file).")
        if data.find(b"'") >= 0 and b"='" in data:  # attributes in single quotes (legal XML, rare): the look's searches read them too
            data = _SINGLE_QUOTED.sub(rb'\1="\2"', data)
        look = look_xml(data, self.number_styles(), (lambda: on_safe(name, data)) if on_safe else None)
        blank = blank_value(data)  # (after on_safe: the engine's load has started)
        if blank is not None:  # calamine reads it as empty or refuses the sheet, openpyxl refuses it
            raise PackageError(f"工作表 “{name}” 的单元格 {blank} 已损坏：它的值只有空格，不是数字。",
                               f"Sheet '{name}': cell {blank} is damaged: its value is only blanks, not a number.")
        return look


def look_xml(data: bytes, percent: set[int], on_safe: Callable[[], None] | None = None) -> SheetLook:
    """The stray cells and the special cells of one (complete) sheet part; ``on_safe()`` is
    called once the used range is known to be sane, before the special cells are searched.
    ``percent``: the styles whose numbers are special (``Package.number_styles``: style -> "percent",
    "date" or "date1904"; a plain set holds percent styles only)."""
    rows, cols = _extent_bound(data)
    area = rows * cols
    if area > MAX_CELLS and area > max(MIN_ABSURD, 50 * _value_cells(data, -(-area // 50))):
        look = _exact(data, percent)  # the used range may be absurd: every cell, by position
        if look.stray:
            look.special = {}
        else:
            look.hidden, look.merged, look.hidden_cols = hidden_rows(data), merged_ranges(data), hidden_columns(data)
            if on_safe is not None:
                on_safe()
        return look.split_hidden()
    if on_safe is not None:
        on_safe()
    look = SheetLook(hidden=hidden_rows(data), merged=merged_ranges(data), hidden_cols=hidden_columns(data))
    hits = _special_hits(data, percent)
    if hits:
        special = _located_specials(data, hits, percent)
        look.special = special if special is not None else _exact(data, percent).special
    return look.split_hidden()


def blank_value(data: bytes) -> str | None:
    """The reference of the first cell whose stored value (``<v> </v>``) is nothing but blanks in a
    cell that is not a text result (``t="str"``), or None; a literal-led search, window by window."""
    for at in _starts(_BLANK_V_HEAD, data):
        m = _BLANK_V.match(data, at)
        if m is None:
            continue
        head = data.rfind(b"<c", 0, at)
        tag = data[head:data.find(b">", head) + 1] if head >= 0 else b""
        if b't="str"' not in tag and b't="inlineStr"' not in tag:
            ref = _CELL_R.search(tag)
            return (ref.group(1) + ref.group(2)).decode() if ref else "?"
    return None


def merged_ranges(data: bytes) -> list[tuple[int, int, int, int]]:
    """The merged cell ranges (``<mergeCell ref="B3:B6"/>``, after the cells): (row1, col1, row2, col2)."""
    at = data.find(b"mergeCells")
    if at < 0:
        return []
    return [(int(r1), col_index(c1.decode()), int(r2), col_index(c2.decode()))
            for c1, r1, c2, r2 in _MERGE.findall(data, at)]


def hidden_columns(data: bytes) -> list[int]:
    """The columns (0-based) of ``<col min= max= hidden="1">`` (the column widths, before the cells)."""
    head = data[:max(data.find(b"<sheetData"), 0)]
    out: list[int] = []
    for m in _COL_TAG.finditer(head):
        attrs = dict(_ATTR.findall(m.group(1)))
        if attrs.get(b"hidden", b"").lower() in (b"1", b"true"):
            try:
                lo, hi = int(attrs.get(b"min", b"0")), int(attrs.get(b"max", b"0"))
            except ValueError:
                continue
            out.extend(range(max(lo, 1) - 1, min(hi, 16384)))
    return out


def hidden_rows(data: bytes) -> list[int]:
    """The row numbers of ``<row hidden="1">`` (a search only when a hidden attribute is there at all)."""
    if b'hidden="' not in data:
        return []
    out = []
    for m in _HIDDEN_ROW.finditer(data):
        r = _ROW_R.search(m.group(0))
        if r is not None:
            out.append(int(r.group(1)))
    return out


def _area(rc: np.ndarray) -> tuple[int, int]:
    return int(rc[:, 0].max() - rc[:, 0].min() + 1), int(rc[:, 1].max() - rc[:, 1].min() + 1)


def _stray(rc: np.ndarray) -> list[tuple[int, int]]:
    """The few cells that blow the used range up: the farthest first, until the rest is sane."""
    limit = max(MIN_ABSURD, 50 * len(rc))
    rows, cols = _area(rc)
    if rows * cols <= limit:
        return []
    keep = np.ones(len(rc), dtype=bool)
    far = np.argsort(-(rc[:, 0] - rc[:, 0].min() + 1) * (rc[:, 1] - rc[:, 1].min() + 1), kind="stable")
    out = []
    for i in far[:20]:
        keep[i] = False
        out.append((int(rc[i, 0]), int(rc[i, 1])))
        if not keep.any():
            break
        rows, cols = _area(rc[keep])
        if rows * cols <= limit:
            break
    return out


def _special_hits(data: bytes, percent: set[int]) -> list[int]:
    """Where a special cell may be: ``t="e"``/``t="b"``, a formula without a value, a percent
    style; three literal-led searches. A text that only looks like one is harmless (its row is
    read and holds no special cell)."""
    hits = _starts(_ERROR_OR_BOOL, data)
    hits += [at for at in _starts(_FORMULA_AT, data) if _NO_VALUE.match(data, at)]
    if percent:
        styles = re.compile(rb' s="0*(?:%s)"' % b"|".join(b"%d" % i for i in sorted(percent)))
        # (a style number with leading zeros may be longer than the windows' overlap: searched whole)
        hits += [m.start() for m in styles.finditer(data)] if b' s="00' in data else _starts(styles, data)
    return hits


def _starts(pattern: re.Pattern, data: bytes) -> list[int]:
    """Where ``pattern`` (a match at most _OVERLAP bytes long) matches, window by window: each
    search is a short C call that holds the interpreter briefly, so the engine's load, started
    before these searches, is never kept waiting for it (one whole-part search held it 0.1 s)."""
    out, n = [], len(data)
    for pos in range(0, n, _WINDOW):
        end = pos + _WINDOW
        for m in pattern.finditer(data, pos, min(end + _OVERLAP, n)):
            if m.start() >= end:
                break
            out.append(m.start())
    return out


def _max_found(pattern: re.Pattern, data: bytes, fixed: bool = False) -> bytes | None:
    """The largest group-1 text of ``pattern`` (longer first, then by bytes: digits or letters in
    number order; ``fixed``: all of one length), found window by window so that no part becomes
    one huge list of matches."""
    best = None
    for pos in range(0, len(data), _WINDOW):
        found = pattern.findall(data, max(0, pos - _OVERLAP), pos + _WINDOW)
        if found:
            top = max(found) if fixed else max(found, key=lambda t: (len(t), t))
            best = top if best is None or (len(top), top) > (len(best), best) else best
    return best


def _max_row(data: bytes) -> int:
    """An upper bound of the largest row number any ``r=`` attribute names (at least 99,999)."""
    top = _max_found(_ROW_7, data)
    if top is None:
        top = _max_found(_ROW_6, data, fixed=True)
    return 99_999 if top is None else int(top) if len(top) < 10 else 10**10


def _max_col(data: bytes) -> int:
    """An upper bound of the columns any ``r=`` attribute names: from the letters (0 when no
    ``r=`` names a column, as in a sheet whose cells are all placed by counting)."""
    named = _COL_1.search(data)
    if named is None:
        return 0
    if not _COL_2.search(data, named.start()):  # (column letters Z at most)
        return 26
    top = _max_found(_COL_3, data)
    if top is not None:
        return col_index(top.decode()) + 1
    lo, hi = 0, 25  # the largest first letter of a two-letter column, by halving the alphabet
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if re.search(rb'r="[%c-Z][A-Z]\d' % (65 + mid), data):
            lo = mid
        else:
            hi = mid - 1
    return (lo + 2) * 26


def _extent_bound(data: bytes) -> tuple[int, int]:
    """An upper bound of (rows, columns) of the used range (at least 99,999 rows), from C-speed
    searches and counts over the part, never a Python step per cell."""
    max_row, max_col = _max_row(data), _max_col(data)
    start = max(data.find(b"<sheetData"), 0)
    most, numbered = _tags_by_row(data, start)
    max_col += most  # cells placed by counting (no r=, or one the full pass cannot read): as wide as a row
    if not numbered and _IMPLICIT_ROW.search(data, start):  # rows placed by counting
        max_row += data.count(b"<row", start)
    return max_row, max_col


def _tags_by_row(data: bytes, start: int) -> tuple[int, bool]:
    """The most cell tags (``<c`` and no word character) between two ``</row>``, and whether every
    row tag starts ``<row r="``; with numpy, window by window: the cell tags as the pair ``<c``
    (half the hits of the letter ``c`` alone, which is also in ``</c>``), the row tags by the
    ``w`` of ``<row``/``</row>``."""
    a = np.frombuffer(data, dtype=np.uint8)
    n = len(a)
    cells, ends, numbered = [], [], True
    lt, ch = np.empty(_WINDOW, dtype=bool), np.empty(_WINDOW, dtype=bool)  # reused: no fresh pages per window
    for pos in range(start, n, _WINDOW):
        stop = min(pos + _WINDOW, n - 2)  # (a part ends with </worksheet>: no tag in its last two bytes)
        m, k = lt[:stop - pos], ch[:stop - pos]
        np.logical_and(np.equal(a[pos:stop], ord("<"), out=m), np.equal(a[pos + 1:stop + 1], ord("c"), out=k), out=m)
        c = np.flatnonzero(m) + pos
        cells.append(c[~_WORD[a[c + 2]]])
        end = min(pos + _WINDOW, n)
        w = np.flatnonzero(np.equal(a[pos:end], ord("w"), out=ch[:end - pos])) + pos
        w = w[(w >= 4) & (w + 5 < n)]
        is_row = (a[w - 2] == ord("r")) & (a[w - 1] == ord("o"))
        ends.append(w[is_row & (a[w - 4] == ord("<")) & (a[w - 3] == ord("/")) & (a[w + 1] == ord(">"))])
        heads = w[is_row & (a[w - 3] == ord("<")) & ~_WORD[a[w + 1]]]
        numbered = numbered and bool(((a[heads + 1] == ord(" ")) & (a[heads + 2] == ord("r")) & (a[heads + 3] == ord("="))
                                      & (a[heads + 4] == ord('"')) & (a[heads + 5] >= ord("0"))
                                      & (a[heads + 5] <= ord("9"))).all())
    tags, row_ends = np.concatenate(cells), np.concatenate(ends)
    before = np.concatenate(([0], np.searchsorted(tags, row_ends), [len(tags)]))
    return int(np.diff(before).max()), numbered


def _value_cells(data: bytes, enough: int) -> int:
    """A lower bound of the cells that hold something, counted until ``enough`` are found.

    Only plain cells are counted (``<c ..><v>..</v></c>``, an inline text, a formula with its
    value), each right after a tag, so none can be a fake inside another cell or tag."""
    count = 0
    for pos in range(0, len(data), _WINDOW):
        count += len(_PLAIN_CELL.findall(data, pos, pos + _WINDOW))
        if count >= enough:
            break
    return count


def _located_specials(data: bytes, hits: list[int], percent: set[int]) -> dict | None:
    """The special cells of the rows where a special-looking text was found, read row by row.

    None when a hit cannot be placed without counting from the top: it lies outside the sheet
    data, or in a row without a row number (``<row>`` without ``r=``)."""
    first, last = data.find(b"<sheetData"), data.rfind(b"</sheetData>")
    if first < 0 or last < 0 or min(hits) < first or max(hits) > last:
        return None
    special: dict = {}
    for row_start in sorted({data.rfind(b"<row", first, h) for h in hits}):
        m = _ROW_TAG.match(data, row_start) if row_start >= 0 else None
        r = _ROW_R.search(m.group(1)) if m else None
        if r is None or m.group(1).endswith(b"/"):
            return None
        nxt = _ROW_TAG.search(data, m.end(), last)  # a row's cells end where the next row begins
        end = nxt.start() if nxt else -1
        _scan(data, m.end(), end if end >= 0 else last, percent, special, None, int(r.group(1)))
    return special


def _scan(data: bytes, pos: int, end: int, percent: set[int], special: dict, cells: list | None, row: int = 0) -> None:
    """Every token from ``pos`` to ``end``: the special cells into ``special``, and (when given)
    the position of every cell that holds something into ``cells``."""
    col = -1
    for m in _TOKEN.finditer(data, pos, end):
        head = m.group(2)
        if head is None:  # a <row>
            r = _ROW_R.search(m.group(1))
            row, col = (int(r.group(1)) if r else row + 1), -1
            continue
        ref = _CELL_R.search(head)
        if ref:
            col, row = col_index(ref.group(1).decode()), int(ref.group(2))
        else:
            col += 1
        body = m.group(3)
        if not body or not body.strip():
            continue
        if cells is not None:
            cells.append((row, col))
        if b't="' in head or b"<f" in body or (percent and b's="' in head):
            cell = _special(dict(_ATTR.findall(head)), body, percent)
            if cell is not None:
                special[(row, col)] = cell


def _exact(data: bytes, percent: set[int]) -> SheetLook:
    """Every cell, by position: the used range of the cells that hold something, and the special cells."""
    look = SheetLook()
    cells: list[tuple[int, int]] = []
    _scan(data, 0, len(data), percent, look.special, cells)
    if cells:
        rc = np.array(cells, dtype=np.int64)
        look.extent = _area(rc)
        look.stray = _stray(rc)
    return look


def _special(attrs: dict, body: bytes, percent: set[int]):
    t = attrs.get(b"t", b"n")
    v = _VALUE.search(body)
    value = v.group(1).decode("utf-8", "replace") if v else ""
    if t == b"e" and value:
        return CellError(value)
    if b"<f" in body and not value.strip() and t != b"inlineStr" and not (t == b"str" and v is not None):
        f = _FORMULA.search(body)  # (a text result saved as <v></v> is the empty text of =IF(x="","",x): empty)
        return NoValue(xml_unescape(f.group(1).decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"}) if f else "")
    if t == b"b" and value in ("0", "1"):
        return value == "1"
    style = int(attrs.get(b"s", b"0") or 0) if percent else -1
    if style not in percent:
        return None
    kind = percent.get(style, "percent") if isinstance(percent, dict) else "percent"
    if isinstance(kind, tuple) and t in (b"s", b"str", b"inlineStr"):
        return HIDDEN if number_sections(kind[1])[3] == "hidden" else None
    if t == b"n" and value:
        try:
            number = float(value)
        except ValueError:
            return None
        if isinstance(kind, tuple):
            kind = shown_as(kind[1], number)
            if kind != "percent":
                return HIDDEN if kind == "hidden" else None
        if kind == "percent":
            return Percent(number)
        if kind == "number":
            return number
        if not 0 <= number < 2958466:  # (9999-12-31): beyond, a number the date column reports as such
            return None
        day = _DATE_EPOCH[kind] + dt.timedelta(days=number)
        return day + dt.timedelta(days=1) if kind == "date" and number < 60 else day  # (Excel counts a 1900-02-29: serial 1 is 1900-01-01)
    return None
