"""fastexcel engine (Rust calamine via Arrow): typed columns at ~250k rows/s.

fastexcel trims leading empty rows and columns. Column offsets come from its column info
(``absolute_index``); the header's absolute row comes from a streaming look at the sheet
XML (the first cell that holds a value), so every problem still names the right cell.
"""

from __future__ import annotations

import logging
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from ..parse import RawSheet, column_letter

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_CELL_ROW = re.compile(r"[A-Z]+(\d+)")
# fastexcel logs a warning for every all-empty column ("falling back to string"); that is normal here.
logging.getLogger("fastexcel").setLevel(logging.ERROR)


class FastexcelBook:
    def __init__(self, path: Path):
        import fastexcel

        self.path = path
        self.source = path.name
        self._reader = fastexcel.read_excel(str(path))
        self._paths: dict[str, str] | None = None

    def sheet_names(self) -> list[str]:
        return list(self._reader.sheet_names)

    def read(self, name: str) -> RawSheet:
        sheet = self._reader.load_sheet(name, header_row=0, dtype_coercion="coerce",
                                                skip_whitespace_tail_rows=True)
        infos = sheet.available_columns()
        if not infos:
            return RawSheet(name, [], [], [], 2)
        frame = sheet.to_pandas()
        header = [c.name if not c.name.startswith("__UNNAMED__") else "" for c in infos]
        letters = [column_letter(c.absolute_index) for c in infos]
        columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
        header_row = self._first_value_row(name)
        return RawSheet(name, header, columns, letters, header_row + 1)

    def _sheet_path(self, name: str) -> str | None:
        if self._paths is None:
            self._paths = {}
            with zipfile.ZipFile(self.path) as z:
                wb = ET.fromstring(z.read("xl/workbook.xml"))
                rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
                targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _NS)}
                for s in wb.findall("m:sheets/m:sheet", _NS):
                    target = targets.get(s.get(f"{{{_NS['r']}}}id"), "")
                    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                    self._paths[s.get("name")] = path
        return self._paths.get(name)

    def _first_value_row(self, name: str) -> int:
        """Absolute row (1-based) of the first cell with a value, as calamine counts rows."""
        path = self._sheet_path(name)
        if path is None:
            return 1
        with zipfile.ZipFile(self.path) as z, z.open(path) as fh:
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
        self._reader = None


def frame_dtypes(frame: pd.DataFrame) -> dict:  # pragma: no cover - debugging aid
    return {c: str(t) for c, t in frame.dtypes.items()}
