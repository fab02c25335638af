"""Mark formulas in a saved .xlsx as dynamic-array (spilling) formulas, as Excel 365 writes them.

openpyxl writes an array formula (``<f t="array" ref="A2">``) but not the cell metadata that tells
Excel it spills: without it Excel 365 opens the formula as a legacy one and shows only its first
value (with an implicit-intersection ``@``). The metadata is three small parts of the file format
(ECMA-376 with Microsoft's dynamic-array extension, [MS-XLSX] 2.6.xx "XLDAPR"): a metadata part
with one dynamic-array record, its relationship and content type, and ``cm="1"`` on each cell.
Excel versions without dynamic arrays ignore it and show the first value.
"""

from __future__ import annotations

import os
import re
import zipfile

METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" '
    'pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" '
    'coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>')
CONTENT_TYPE = ('<Override PartName="/xl/metadata.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/>')
RELATIONSHIP = ('<Relationship Id="rIdKpixlMeta" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata" '
                'Target="metadata.xml"/>')


def mark_dynamic_arrays(path: str | os.PathLike, sheet_number: int, cells: list[str]) -> None:
    """Rewrite ``path`` (an openpyxl-saved workbook) so the array formulas in ``cells`` of worksheet
    number ``sheet_number`` (1-based, openpyxl's ``xl/worksheets/sheetN.xml``) spill."""
    sheet_part = f"xl/worksheets/sheet{sheet_number}.xml"
    with zipfile.ZipFile(path) as zin:
        parts = {info.filename: (info, zin.read(info.filename)) for info in zin.infolist()}
    xml = parts[sheet_part][1].decode("utf-8")
    for ref in cells:
        xml, n = re.subn(rf'<c r="{ref}"(?![^>]*\bcm=)', f'<c r="{ref}" cm="1"', xml, count=1)
        if n != 1 or f'<f t="array" ref="{ref}"' not in xml:
            raise ValueError(f"{sheet_part}: no array formula in {ref}")
    changed = {sheet_part: xml.encode("utf-8")}
    types = parts["[Content_Types].xml"][1].decode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"][1].decode("utf-8")
    if "/xl/metadata.xml" not in types:
        changed["[Content_Types].xml"] = types.replace("</Types>", CONTENT_TYPE + "</Types>").encode("utf-8")
        changed["xl/_rels/workbook.xml.rels"] = rels.replace(
            "</Relationships>", RELATIONSHIP + "</Relationships>").encode("utf-8")
    tmp = f"{os.fspath(path)}.part"
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for name, (info, data) in parts.items():
                zout.writestr(info, changed.get(name, data))
            if "xl/metadata.xml" not in parts:
                zout.writestr("xl/metadata.xml", METADATA_XML)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
