"""Import metrics from a call-centre system's CSV export into a NEW workbook (``kpixl import``).

The CSV has a header row with the 指标 / Metrics sheet's columns (``工号 / Employee ID`` or
``employee``, ``指标代码 / Metric`` or ``metric``, ``数值 / Value`` or ``value``, and optionally
team, date, week_start, period and note; Chinese, English or key names, as on the sheet).
Its rows are typed and validated exactly like Metrics-sheet rows (unknown metric, unknown
employee, bad number, duplicate, out of range), and a row that repeats a figure already on
the workbook's Metrics sheet is a duplicate too. Every problem names the CSV line and
column. Only when there is no error is a new workbook written: a copy of the input with the
CSV's rows appended to its Metrics sheet. The input workbook is never changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import pandas as pd

from kpixl.core.errors import Problem, WorkbookError, problem
from kpixl.core.inputs import Table
from kpixl.core.validate import check_metrics, employees_frame

from . import contract
from .atomic import save_workbook
from .outputs import check_output
from .parse import RawSheet, column_letter, parse_sheet
from .read import find_sheet, read_workbook

ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class ImportResult:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    output: Path | None = None

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def read_csv_text(path: Path, encoding: str | None = None) -> str:
    """The CSV's text: UTF-8 (with or without BOM) or, as Chinese Excel saves it, GB18030."""
    check_encoding(encoding)
    data = path.read_bytes()
    for enc in ([encoding] if encoding else ENCODINGS):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    if encoding:
        raise WorkbookError([problem(
            "csv_encoding", str(path), f"{path.name} 不是 {encoding} 编码。", f"{path.name} is not {encoding}-encoded.",
            f"改用其他编码（{KNOWN_ENCODINGS}），或省略 --encoding 自动识别。",
            f"Use another encoding ({KNOWN_ENCODINGS}), or leave out --encoding to have it recognised.")])
    raise WorkbookError([problem(
        "csv_encoding", str(path), f"{path.name} 的编码无法识别。", f"The encoding of {path.name} is not recognised.",
        "另存为 UTF-8 编码的 CSV。", "Save it as a UTF-8 CSV.")])


KNOWN_ENCODINGS = "utf-8, utf-8-sig, gb18030, gbk, big5, utf-16"


def check_encoding(encoding: str | None) -> None:
    """``--encoding`` must name a text encoding Python knows (a usage error otherwise, exit 2)."""
    if not encoding:
        return
    try:
        b"a".decode(encoding, "ignore")  # (not b"": that is decoded without looking the codec up)
    except LookupError:
        raise WorkbookError([problem(
            "bad_encoding", "--encoding", f"不认识的编码 “{encoding}”。", f"Unknown encoding '{encoding}'.",
            f"改用可用的编码之一：{KNOWN_ENCODINGS}；或省略 --encoding（自动识别 UTF-8 和 GB18030）。",
            f"Use one that works: {KNOWN_ENCODINGS}; or leave out --encoding (UTF-8 and GB18030 are recognised "
            "by themselves).")]) from None


class CsvTable(Table):
    """A parsed CSV: problems name the line (the header is line 1) and the column."""

    headers: dict[str, str] = {}

    def ref(self, key: str | None, row: int | None) -> str:
        column = self.headers.get(key or "", key or "")
        return f"{self.name} 第{row}行 / line {row}" + (f"（{column}）" if column else "")


def csv_sheet(path: Path, spec: contract.SheetSpec, encoding: str | None = None) -> tuple[CsvTable, list[Problem]]:
    text = read_csv_text(path, encoding)
    records, header_line = _records(path, text, spec)
    if not records:
        raise WorkbookError([problem("csv_empty", str(path), f"{path.name} 没有表头行。", f"{path.name} has no header row.",
                                     "第一行写列名：工号、指标代码、数值 ……", "Put the column names on line 1: employee, metric, value, ...")])
    header = [h.strip() for h in records[0]]
    body = records[1:]
    width = max([len(header)] + [len(r) for r in body])
    header += [""] * (width - len(header))
    columns = [pd.Series([(r[j].strip() or None) if j < len(r) else None for r in body], dtype="object")
               for j in range(width)]
    raw = RawSheet(path.name, [_standard_header(h, spec) for h in header], columns,
                   [column_letter(j) for j in range(width)], header_line + 1)
    table, problems = parse_sheet(raw, spec)
    csv_table = CsvTable(table.frame, path.name, path.name, table.letters, table.percent_rows)
    csv_table.headers = {c.key: header[ord_of(table.letters[c.key])] for c in spec.columns if c.key in table.letters}
    return csv_table, [_relocate(p, csv_table) for p in problems]


DELIMITERS = (",", ";", "\t", "|")
_SEP_LINE = re.compile(r"\A\s*sep=(.)[ \t]*(?:\r\n|\r|\n|\Z)", re.IGNORECASE)  # Excel's "sep=;" first line
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Other names a call-centre system's export gives the team column (the sheet's header is 小组/部门).
TEAM_HEADERS = {"小组", "小組", "部门", "部門", "班组", "班組", "组别", "組別", "group", "department", "dept"}
EXCEL_CELL_CHARS = 32767  # the most characters an Excel cell holds


def _standard_header(cell: str, spec: contract.SheetSpec) -> str:
    """The sheet's own header for another documented spelling (``小组`` -> ``小组/部门``)."""
    team = next((c for c in spec.columns if c.key == "team"), None)
    if team is not None and contract.normalise_header(cell) in TEAM_HEADERS:
        return team.zh
    return cell


def _delimiter(text: str, spec: contract.SheetSpec) -> str:
    """, ; tab or |: the one that splits the first lines into the most known column names (else ,)."""
    aliases = {a for c in spec.columns for a in contract.header_aliases(c)} | TEAM_HEADERS
    lines = [ln for ln in _NEWLINE.split(text[:65536], 20)[:20] if ln.strip()][:10]
    best, best_score = ",", 0
    for d in DELIMITERS:
        score = max((sum(contract.normalise_header(c) in aliases for c in next(csv.reader([ln], delimiter=d), []))
                     for ln in lines), default=0)
        if score > best_score:
            best, best_score = d, score
    return best


def _records(path: Path, text: str, spec: contract.SheetSpec) -> tuple[list[list[str]], int]:
    """The CSV's records from the header on, and the header's line number.

    Any line ending (Windows, Unix, old Mac CR) is read; leading blank lines and Excel's ``sep=;``
    line are skipped; the delimiter is , ; tab or | (``sep=`` or the header tells). A field may be
    as large as the file."""
    offset = 0
    m = _SEP_LINE.match(text)
    if m:
        delimiter = m.group(1)
        offset = len(_NEWLINE.findall(text, 0, m.end()))
        text = text[m.end():]
    else:
        delimiter = _delimiter(text, spec)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, min(len(text) + 1, 2**31 - 1)))
    records: list[list[str]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for rec in reader:
            if records or any(c.strip() for c in rec):
                records.append(rec)
            lines.append(reader.line_num)
    except csv.Error as e:
        line = offset + max(reader.line_num, 1)
        raise WorkbookError([problem(
            "csv_unreadable", f"{path.name} 第{line}行 / line {line}", f"{path.name} 第 {line} 行无法按 CSV 读取（{e}）。",
            f"Line {line} of {path.name} cannot be read as CSV ({e}).",
            "检查这一行的引号是否成对；用 Excel 打开后重新另存为 CSV。",
            "Check that the quotes on this line are paired; open it in Excel and save it as CSV again.")]) from None
    finally:
        csv.field_size_limit(limit)
    skipped = len(lines) - len(records)
    return records, offset + (lines[skipped - 1] if skipped else 0) + 1


def ord_of(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


_CELL = re.compile(r"^(?P<name>.+?)!(?P<col>[A-Z]+)(?P<row>\d+)(?: / .*)?$")


def _relocate(pr: Problem, table: CsvTable) -> Problem:
    """``metrics.csv!C5 / Metrics!C5`` -> ``metrics.csv 第5行 / line 5（数值）``."""
    m = _CELL.match(pr.where)
    if not m or m.group("name") != table.name:
        return pr
    key = next((k for k, v in table.letters.items() if v == m.group("col")), None)
    return replace(pr, where=table.ref(key, int(m.group("row"))))


def _ownerless(table: CsvTable, problems: list[Problem]) -> list[Problem]:
    """A duplicate of a row with neither employee nor team says so (not "GB_ITEM_1 for  is already ...")."""
    frame = table.frame
    if frame.empty:
        return problems
    blank = frame["employee"].fillna("").astype(str).str.strip() == ""
    if "team" in frame:
        blank &= frame["team"].fillna("").astype(str).str.strip() == ""
    first: dict[str, int] = {}
    rows: dict[str, tuple[str, int]] = {}
    for k, row, metric, b in zip(_key(frame), frame["xl_row"], frame["metric"], blank, strict=True):
        first.setdefault(k, int(row))
        if b:
            rows[table.ref("metric", int(row))] = (metric, first[k])
    out = []
    for pr in problems:
        if pr.code == "duplicate_metric" and pr.where in rows:
            metric, on = rows[pr.where]
            pr = replace(pr, zh=f"本行既没有工号也没有小组/部门；第 {on} 行也没有，两行的 {metric} 重复。",
                         en=f"This line has neither an employee ID nor a team, nor has line {on}: the two {metric} "
                            "figures are duplicates.",
                         fix_zh="填写工号，或在小组/部门列（标题 小组、小组/部门 或 team）填写小组名称。",
                         fix_en="Fill in the employee ID, or the team in the team column (header 小组, 小组/部门 or team).")
        out.append(pr)
    return out


def _too_long(table: CsvTable) -> list[Problem]:
    """A text longer than an Excel cell holds (the new workbook could not keep it)."""
    out = []
    for key in table.letters:
        if key not in table.frame or table.frame[key].dtype != object:
            continue
        for text, row in zip(table.frame[key], table.frame["xl_row"], strict=True):
            if isinstance(text, str) and len(text) > EXCEL_CELL_CHARS:
                out.append(problem(
                    "text_too_long", table.ref(key, int(row)), f"这一格有 {len(text)} 个字符，Excel 单元格最多 {EXCEL_CELL_CHARS} 个。",
                    f"This cell has {len(text)} characters; an Excel cell holds at most {EXCEL_CELL_CHARS}.",
                    "把它缩短或删除。", "Shorten or delete it."))
    return out


def _key(frame: pd.DataFrame) -> list[str]:
    """employee|team|metric|date|week_start|period of every row (what makes a figure unique)."""
    cols = [frame[c].tolist() for c in ("employee", "team", "metric", "date", "week_start", "period") if c in frame]
    return ["|".join("" if v is None or pd.isna(v) else str(v) for v in vals) for vals in zip(*cols, strict=True)]


def import_metrics(book: str | os.PathLike, csv_path: str | os.PathLike, out: str | os.PathLike,
                   scheme: str | None = None, encoding: str | None = None, force: bool = False) -> ImportResult:
    """Validate the CSV's metric rows against the workbook; if clean, write ``out`` with them appended.

    ``out`` is never the workbook or the CSV, nor (unless ``force``) another kpixl input workbook."""
    book, csv_path, out = Path(book), Path(csv_path), Path(out)
    check_encoding(encoding)
    check_output(out, [book, csv_path], force=force)
    if not csv_path.is_file():
        raise WorkbookError([problem("no_file", str(csv_path), f"找不到文件 {csv_path}。", f"File {csv_path} does not exist.",
                                     "检查路径。", "Check the path.")])
    the_scheme, inputs = read_workbook(book, scheme=scheme)
    if not the_scheme.metrics:
        raise WorkbookError([problem("no_metrics", str(book), f"方案 {the_scheme.id} 没有指标，无法导入。",
                                     f"Scheme {the_scheme.id} has no metrics to import.", "检查工作簿的方案。",
                                     "Check the workbook's scheme.")])
    spec = contract.metrics_sheet(the_scheme)
    table, problems = csv_sheet(csv_path, spec, encoding)
    if any(p.code == "missing_column" for p in problems):
        return ImportResult(rows=len(table.frame), problems=problems)
    problems += _too_long(table)
    employees, _ = employees_frame(inputs, the_scheme)
    problems += _ownerless(table, [_relocate(p, table) for p in check_metrics(the_scheme, replace(inputs, metrics=table),
                                                                              employees)])
    existing = inputs.metrics.frame
    if not existing.empty and not table.frame.empty:
        known = dict(zip(_key(existing), existing["xl_row"], strict=True))
        for k, row in zip(_key(table.frame), table.frame["xl_row"], strict=True):
            if k in known:
                where = table.ref("metric", int(row))
                emp = k.split("|", 1)[0]
                problems.append(problem(
                    "duplicate_metric", where, f"该指标已在工作簿指标表第 {known[k]} 行。",
                    f"This figure is already on the workbook's Metrics sheet (row {known[k]}).",
                    "删除 CSV 中的这一行，或先删除工作簿中的那一行。", "Remove the line from the CSV or the row from the workbook.",
                    employee=emp or None))
    result = ImportResult(rows=len(table.frame), problems=problems)
    if result.ok:
        result.output = _write(book, out, the_scheme, table)
    return result


def _cell(value):
    """A typed value as a cell: numbers as numbers (exact), dates as dates, the rest as text."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        f = float(value)
        return f if Decimal(repr(f)) == value else str(value)
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _write(book: Path, out: Path, scheme, table: CsvTable) -> Path:
    from openpyxl import load_workbook

    from .template import _write_cell as write_cell

    wb = load_workbook(book, keep_vba=book.suffix.lower() == ".xlsm")
    name = find_sheet(wb.sheetnames, "metrics")
    spec = contract.metrics_sheet(scheme)
    if name is None:
        ws = wb.create_sheet(spec.zh)
        for j, col in enumerate(spec.columns, start=1):
            ws.cell(row=1, column=j, value=col.header)
    ws = wb[name or spec.zh]
    aliases = {a: c.key for c in spec.columns for a in contract.header_aliases(c)}
    columns: dict[str, int] = {}
    for cell in ws[1]:
        key = aliases.get(contract.normalise_header(cell.value))
        if key and key not in columns:
            columns[key] = cell.column
    for col in spec.columns:  # a column the sheet lacks is added at the end
        if col.key not in columns and col.key in table.frame and table.frame[col.key].map(_cell).notna().any():
            columns[col.key] = ws.max_column + 1
            ws.cell(row=1, column=columns[col.key], value=col.header)
    last = 1
    for r in range(ws.max_row, 1, -1):
        if any(ws.cell(row=r, column=c).value not in (None, "") for c in columns.values()):
            last = r
            break
    frame = table.frame[~table.frame["xl_bad"]]
    for i, rec in enumerate(frame.to_dict("records"), start=last + 1):
        for key, col in columns.items():
            v = _cell(rec.get(key))
            if v not in (None, ""):
                write_cell(ws, i, col, v)  # text that starts with = + - @ stays text
                if isinstance(v, dt.date):
                    ws.cell(row=i, column=col).number_format = "yyyy-mm-dd"
    save_workbook(wb, out)
    return out
