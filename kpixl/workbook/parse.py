"""Shared parsing layer: raw sheet cells -> typed, located input tables.

Every reader engine (fastexcel, openpyxl, xlwings, in-memory records) only delivers a
:class:`RawSheet` (header texts, raw column values, column letters, first data row). All
typing, defaulting and cell-level problems are decided here, once, so every engine reports
the same thing for the same cell. Pure: pandas only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from kpixl.core.errors import Problem, problem
from kpixl.core.inputs import Table
from kpixl.core.invisible import first_invisible, visible
from kpixl.core.scheme import choice_of, spelling

from .cells import (
    CellError,
    Covered,
    NoValue,
    any_values,
    empty_mask,
    invisible_mask,
    is_percent,
    parse_bool,
    shown,
    to_dates,
    to_floats,
    to_periods,
    to_text,
    unreadable_mask,
)
from .contract import Column, SheetSpec, header_aliases, normalise_header
from .engines.sheetxml import col_index


@dataclass
class RawSheet:
    name: str
    header: list[object]
    columns: list[pd.Series]  # one per header cell, all the same length
    letters: list[str]  # absolute column letters of the header cells
    first_row: int  # Excel row number of the first data row
    # cells far outside the data that make the used range absurd (the engine refused the sheet)
    stray: list[tuple[int, int]] = field(default_factory=list)  # (row, 0-based column)
    extent: tuple[int, int] = (0, 0)  # (rows, columns) the used range would span
    hidden: list[int] = field(default_factory=list)  # Excel rows hidden by hand or by a filter (still read)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row1, col1, row2, col2), 0-based cols
    hidden_cols: list[int] = field(default_factory=list)  # columns hidden by hand (0-based; still read)
    format_hidden: list[tuple[int, int]] = field(default_factory=list)  # (row, 0-based col): a format shows nothing


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _split_ref(ref: str) -> tuple[str, int]:
    letters = ref.rstrip("0123456789")
    return letters, int(ref[len(letters):])


# ----------------------------------------------------------------------------- sheets


def _where(name: str, en: str, letter: str, row: int) -> str:
    cell = f"{letter}{row}"
    return f"{name}!{cell}" if name == en else f"{name}!{cell} / {en}!{cell}"


_KIND = {  # what a bad cell is not, and how to fix it, by column type
    "period": ("不是年月", "is not a month", "写成 2026-09 这样的年月（2026.1 不清楚：常规格式会把 2026.10 变成 2026.1，"
               "请写 2026-01 或 2026-10）。", "Write it as YYYY-MM, e.g. 2026-09 (2026.1 is unclear: a General cell turns "
               "2026.10 into 2026.1; write 2026-01 or 2026-10)."),
    "date": ("不是有效日期", "is not a valid date", "写成 2026-10-05 这样的日期，或把单元格设为日期格式。",
             "Type a date like 2026-10-05 or format the cell as a date."),
    "number": ("不是数字", "is not a number", "只填数字（不带单位）。", "Enter a plain number (no unit)."),
    "boolean": ("不是 是/否", "is not yes/no", "填 是 或 否。", "Enter 是/否 (yes/no)."),
    "text": ("是错误值", "is an error value", "改正公式或直接填写内容。", "Correct the formula or type the value."),
}
_KIND["integer"] = _KIND["money"] = _KIND["number"]
_KIND["id"] = _KIND["code"] = _KIND["any"] = _KIND["text"]


def _value_of(column_en: str) -> str:
    """``Qty value``, but ``Value`` alone for the Value column (not "Value value")."""
    return column_en if column_en.strip().lower() == "value" else f"{column_en} value"


def _columns(raw: RawSheet, spec: SheetSpec, problems: list[Problem]) -> dict[str, int]:
    """Header cell -> contract column; duplicated known headers are errors, unknown ones warnings."""
    by_alias: dict[str, Column] = {}
    for col in spec.columns:
        for a in header_aliases(col):
            by_alias.setdefault(a, col)
    found: dict[str, int] = {}
    unknown: list[int] = []
    unnamed: list[tuple[int, int]] = []  # columns without a header that hold values: (index, cells filled)
    header_row = raw.first_row - 1
    for i, h in enumerate(raw.header):
        col = by_alias.get(normalise_header(h))
        if col is None:
            if normalise_header(h):
                unknown.append(i)
            elif i < len(raw.columns) and (filled := int((~empty_mask(raw.columns[i])).sum())):
                unnamed.append((i, filled))
            continue
        if col.key in found:
            first = _where(raw.name, spec.en, raw.letters[found[col.key]], header_row)
            problems.append(problem(
                "duplicate_column", _where(raw.name, spec.en, raw.letters[i], header_row),
                f"列 “{col.header}” 出现了两次（另见 {first}）。", f"Column '{col.header}' appears twice (also {first}).",
                "删除或改名其中一列。", "Delete or rename one of them."))
            continue
        found[col.key] = i
    expected = "、".join(c.header for c in spec.columns if c.key not in found)
    for i in unknown:
        problems.append(problem(
            "unknown_column", _where(raw.name, spec.en, raw.letters[i], header_row),
            f"不认识的列标题 “{shown(raw.header[i])}”，这一列不会被读取。",
            f"Unknown column header '{shown(raw.header[i])}': this column is not read.",
            f"如果它是下列之一，请改成标准标题：{expected or '（无）'}。",
            f"If it is one of these, use the standard header: {expected or '(none)'}.", severity="warning"))
    for i, filled in unnamed:
        problems.append(problem(
            "unnamed_column", _where(raw.name, spec.en, raw.letters[i], header_row),
            f"{raw.letters[i]} 列没有标题，其中的 {filled} 个值不会被读取。",
            f"Column {raw.letters[i]} has no header: its {filled} {'value is' if filled == 1 else 'values are'} not read.",
            f"如果这些值应计入，请填写标准标题（{expected}）；否则删除这一列。" if expected else
            "如果这些值属于另一列，请移过去；否则删除这一列。",
            f"If they should count, give the column its standard header ({expected}); otherwise delete it." if expected
            else "If they belong in another column, move them there; otherwise delete the column.",
            severity="warning"))
    return found


def _cell_problems(raw: RawSheet, spec: SheetSpec, col: Column, letter: str, s: pd.Series, rows: pd.Series,
                   bad: np.ndarray) -> list[Problem]:
    out: list[Problem] = []
    if not bad.any():
        return out
    kind_zh, kind_en, fix_zh, fix_en = _KIND.get(col.type, _KIND["text"])
    values = s.to_numpy(dtype=object)
    for j in np.flatnonzero(bad):
        v = values[j]
        where = _where(raw.name, spec.en, letter, int(rows.iloc[j]))
        if isinstance(v, Covered):
            out.append(problem(
                "merged_hidden_value", where, f"“{col.zh}” 的值 “{shown(v)}” 被合并单元格 {v.merge} 盖住，Excel 中看不见。",
                f"{_value_of(col.en)} '{shown(v)}' is hidden under the merged cells {v.merge}: Excel does not show it.",
                f"取消合并 {v.merge}，再确认这个单元格该填的值（不需要就删除）。",
                f"Unmerge {v.merge}, then check the value this cell should hold (delete it if none).", scope="row"))
            continue
        if isinstance(v, NoValue):
            copied = not v.formula.strip()  # (a shared formula's copy: its text is in the cell it was copied from)
            what_zh, what_en = ("复制公式", "copied formula") if copied else (f"公式 “{shown(v)}”", f"formula '{shown(v)}'")
            out.append(problem(
                "formula_no_value", where, f"“{col.zh}” 的{what_zh}没有保存计算结果，kpixl 无法读取。",
                f"{col.en}: the {what_en} was saved without its value, so kpixl cannot read it.",
                "用 Excel 打开并保存该文件，或直接填写数值。", "Open and save the file in Excel, or type the value.",
                scope="row"))
            continue
        if isinstance(v, CellError) and col.type in ("text", "id", "code", "any"):
            kind_zh, kind_en, fix_zh, fix_en = _KIND["text"]
        if is_percent(v) and not col.takes_percent:
            out.append(problem(
                "percent_not_allowed", where, f"“{col.zh}” 的值 “{shown(v)}” 是百分数，而{col.zh}不是比率。",
                f"{_value_of(col.en)} '{shown(v)}' is a percent, but {col.en.lower()} is not a rate.",
                f"填写{col.zh}本身（如 12），不带 %；如果单元格设为百分比格式，请改为常规或数值格式。",
                f"Enter the {col.en.lower()} itself (e.g. 12) without %; if the cell has a percent format, make it General or Number.",
                scope="row"))
            continue
        out.append(problem(
            f"bad_{col.type}", where, f"“{col.zh}” 的值 “{shown(v)}” {kind_zh}。", f"{_value_of(col.en)} '{shown(v)}' {kind_en}.",
            fix_zh, fix_en, scope="row"))
    return out


def _stray_problem(raw: RawSheet, spec: SheetSpec) -> Problem:
    cells = [f"{column_letter(c)}{r}" for r, c in raw.stray]
    where = _where(raw.name, spec.en, column_letter(raw.stray[0][1]), raw.stray[0][0])
    rows, cols = raw.extent
    listed = "、".join(cells)
    return problem(
        "stray_cell", where,
        f"工作表 “{raw.name}” 在远离数据的位置有内容（{listed}），使表格范围变成 {rows:,} 行 × {cols:,} 列，无法读取。",
        f"Sheet '{raw.name}' has content far away from the data ({', '.join(cells)}), which makes it "
        f"{rows:,} rows x {cols:,} columns; it was not read.",
        "删除这些单元格（选中后按 Delete）并保存。", "Delete those cells (select them, press Delete) and save.")


TITLE_ROWS = 5  # a header row this far below row 1 is found (a title typed above it)


def _known(values, spec: SheetSpec) -> set[str]:
    """The contract columns a row of header texts names."""
    by_alias = {a: c.key for c in spec.columns for a in header_aliases(c)}
    return {by_alias[h] for h in map(normalise_header, values) if h in by_alias}


def _below_title(raw: RawSheet, spec: SheetSpec, problems: list[Problem]) -> RawSheet:
    """The sheet read from its real header row when a title (``2026年10月考核登记``) is typed above it:
    row 1 names fewer columns than a row just below it, which names at least two and every required one."""
    required = {c.key for c in spec.columns if c.required}
    now = _known(raw.header, spec)
    if not raw.columns or (len(now) >= 2 and required <= now):
        return raw
    n = len(raw.columns[0])
    for k in range(min(TITLE_ROWS, n)):
        row = [c.iat[k] for c in raw.columns]
        known = _known((v if isinstance(v, str) else None for v in row), spec)
        if len(known) >= 2 and required <= known and len(known) > len(now):
            header_row = raw.first_row + k
            above = "、".join(shown(v) for v in [*raw.header, *(c.iat[j] for j in range(k) for c in raw.columns)]
                             if v is not None and not (isinstance(v, float) and v != v) and str(v).strip())
            problems += [] if not above else [problem(
                "header_below_title", _where(raw.name, spec.en, raw.letters[0], header_row),
                f"表头在第 {header_row} 行，上面的内容（{above}）当作标题，不读取。",
                f"The headers are on row {header_row}; what is above them ({above}) is taken for a title and not read.",
                "无需处理；如果上面有数据，请移到表头下面。", "Nothing to do; if data is above, move it below the headers.",
                severity="warning")]  # (nothing above but empty texts: no title, nothing to say)
            return replace(raw, header=row, columns=[c.iloc[k + 1:].reset_index(drop=True) for c in raw.columns],
                           first_row=header_row + 1)
    return raw


_UNIT = re.compile(r"[(（][^()（）]{1,12}[)）]")  # (次) （分） (年-月-日) (是/否): a units row under the headers


def _below_units(raw: RawSheet, spec: SheetSpec, problems: list[Problem]) -> RawSheet:
    """The sheet without a row of units in brackets typed right under the headers (``(次)  (分)``)."""
    if not raw.columns or not len(raw.columns[0]):
        return raw
    row = [c.iat[0] for c in raw.columns]
    filled = [v for v in row if not (v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()))]
    if len(filled) < 2 or not all(isinstance(v, str) and _UNIT.fullmatch(v.strip()) for v in filled):
        return raw
    at = raw.first_row
    problems.append(problem(
        "units_row", _where(raw.name, spec.en, raw.letters[0], at),
        f"第 {at} 行是单位说明（{'、'.join(v.strip() for v in filled)}），不读取。",
        f"Row {at} holds units ({', '.join(v.strip() for v in filled)}) and is not read.",
        "无需处理；也可以删除这一行。", "Nothing to do; you may also delete the row.", severity="warning"))
    return replace(raw, columns=[c.iloc[1:].reset_index(drop=True) for c in raw.columns], first_row=at + 1)


# A totals or summary row a clerk adds below the data (合计 with a SUM formula, 人数, 平均): never a
# person's or a figure's row. Compared with spaces, width, case and a trailing colon ignored.
TOTAL_WORDS = frozenset({
    "合计", "总计", "小计", "汇总", "总和", "共计", "累计", "人数", "总人数", "合计人数", "平均", "平均值", "平均分",
    "合計", "總計", "小計", "匯總", "共計", "平均數", "total", "totals", "grandtotal", "subtotal", "sum", "average",
    "avg", "mean", "count"})
_CANDIDATES_MAX = 10_000  # rows without an owner looked at cell by cell (beyond: exact words only)


def _total_word(v) -> bool:
    if not isinstance(v, str) or len(v) > 20:
        return False
    return spelling(v).rstrip(":") in TOTAL_WORDS


def _totals_rows(raw: RawSheet, spec: SheetSpec, found: dict[str, int], problems: list[Problem]) -> np.ndarray:
    """Rows labelled 合计/总计/人数/Total whose owner cells (employee ID or code, and team) are empty or
    the label itself, and whose record code (rule, metric, item) is empty: one warning each at the
    label, and the row is not read. The label is looked for where a clerk writes it (the first
    column, the owner's or the name's), never in a note or a value: an event whose note says 累计 is
    an event."""
    n = len(raw.columns[0]) if raw.columns else 0
    owners = [k for k in ("employee", "id", "code") if k in found][:1] + (["team"] if "team" in found else [])
    if not n or not owners:
        return np.zeros(n, dtype=bool)
    ownerless = np.ones(n, dtype=bool)
    for key in ("rule", "metric", "item"):  # first: an events sheet's rows nearly all have a rule
        if key in found and key not in owners:
            ownerless &= empty_mask(raw.columns[found[key]])
    for key in owners:
        owner = raw.columns[found[key]]
        # the owner's words are looked up only where the row may still be a totals row
        maybe = owner if ownerless.all() else owner[ownerless]
        words = {u for u in pd.unique(maybe.dropna()) if _total_word(u)}
        ownerless &= empty_mask(owner) | (owner.isin(words).to_numpy(dtype=bool) if words else False)
    labels = sorted({0} | {found[k] for k in (*owners, "name") if k in found})
    rows = np.flatnonzero(ownerless)
    if len(rows) > _CANDIDATES_MAX:
        rows = rows[-_CANDIDATES_MAX:]  # the totals of a sheet are at its bottom
    hit = np.zeros(n, dtype=bool)
    for j in rows:
        at = next((i for i in labels if _total_word(raw.columns[i].iat[j])), None)
        if at is None:
            continue
        hit[j] = True
        row = raw.first_row + int(j)
        word = raw.columns[at].iat[j]
        problems.append(problem(
            "totals_row", _where(raw.name, spec.en, raw.letters[at], row),
            f"第 {row} 行是“{shown(word)}”行，不读取（kpixl 自己求和）。",
            f"Row {row} is a '{shown(word)}' row and is not read (kpixl does its own sums).",
            "无需处理；也可以删除这一行。", "Nothing to do; you may also delete the row.", severity="warning"))
    return hit


def _merged_filled(raw: RawSheet, spec: SheetSpec, problems: list[Problem]) -> RawSheet:
    """The data cells of merged ranges as Excel shows them: a range shows its top-left cell only.

    A cell merged down over data rows (one 工号 for a person's several events) is that value in each
    row it covers; one warning names the ranges. Any other covered cell (right of the top-left one,
    or under an empty top-left cell) shows nothing: a value the file still holds there (LibreOffice's
    "keep the contents of the hidden cells") is marked :class:`Covered`, a located problem."""
    position = {col_index(letter): i for i, letter in enumerate(raw.letters)}
    n = len(raw.columns[0]) if raw.columns else 0
    columns, ranges = list(raw.columns), []

    def own(i: int) -> pd.Series:
        if columns[i] is raw.columns[i]:
            s = columns[i]
            columns[i] = s.astype(object) if s.dtype != object else s.copy()
        return columns[i]

    for r1, c1, r2, c2 in raw.merged:
        lo, hi = max(r1 - raw.first_row, 0), min(r2 - raw.first_row, n - 1)
        if hi < lo:
            continue  # a header or title merge
        top = r1 - raw.first_row
        i = position.get(c1)
        value = columns[i].iat[top] if i is not None and 0 <= top < n else None
        filled = value is not None and not (isinstance(value, float) and value != value) and r2 > r1
        if filled:
            own(i).iloc[top + 1:hi + 1] = [value] * (hi - top)
            ranges.append(f"{raw.letters[i]}{r1}:{raw.letters[i]}{r2}")
        merge = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        for c in range(c1, c2 + 1):
            j = position.get(c)
            if j is None or (c == c1 and filled):
                continue
            first = max(lo, top + 1) if c == c1 else lo  # (the top-left cell is what the range shows)
            if first > hi:
                continue
            hidden = np.flatnonzero(~empty_mask(columns[j].iloc[first:hi + 1])) + first
            if len(hidden):
                s = own(j)
                s.iloc[hidden] = [Covered(v, merge) for v in s.iloc[hidden]]
    if ranges:
        listed = "、".join(ranges[:10]) + ("…" if len(ranges) > 10 else "")
        problems.append(problem(
            "merged_cells", _where(raw.name, spec.en, *_split_ref(ranges[0].split(":")[0])),
            f"合并单元格 {listed} 按其中每一行都填了合并单元格的值读取。",
            f"Merged cells {listed.replace('、', ', ')} are read as their value in every row they cover.",
            "无需处理；如果某行不是这个值，请取消合并并逐行填写。",
            "Nothing to do; if a row has another value, unmerge the cells and fill in each row.", severity="warning"))
    return replace(raw, columns=columns)


def _invisible_removed(raw: RawSheet, spec: SheetSpec, found: dict[str, int], problems: list[Problem]) -> RawSheet:
    """The contract columns' texts without their invisible characters (a zero-width space after
    商务一组 made a team of one, after KF002 a second person): read as they look in Excel, with one
    warning per column naming its cells."""
    columns, changed = list(raw.columns), False
    for key, i in sorted(found.items(), key=lambda kv: kv[1]):
        hit = np.flatnonzero(invisible_mask(columns[i]))
        if not len(hit):
            continue
        changed = True
        values = columns[i].to_numpy(dtype=object, copy=True)
        first = values[hit[0]]
        values[hit] = [visible(v) for v in values[hit]]
        columns[i] = pd.Series(values, index=columns[i].index, dtype=object)
        letter = raw.letters[i]
        cells = [f"{letter}{raw.first_row + int(j)}" for j in hit[:10]] + (["…"] if len(hit) > 10 else [])
        col = next(c for c in spec.columns if c.key == key)
        problems.append(problem(
            "invisible_characters", _where(raw.name, spec.en, letter, raw.first_row + int(hit[0])),
            f"“{col.zh}” 列有 {len(hit)} 个单元格含不可见字符（如 {first_invisible(first)}），已按看得见的内容读取："
            f"{'、'.join(cells)}。",
            f"{len(hit)} {'cell' if len(hit) == 1 else 'cells'} of the {col.en} column "
            f"{'holds' if len(hit) == 1 else 'hold'} invisible characters (e.g. {first_invisible(first)}), read as "
            f"{'it looks' if len(hit) == 1 else 'they look'}: {', '.join(cells)}.",
            "无需处理；这类字符多随网页或聊天工具中复制的文字而来，重新输入这些单元格即可清除。",
            "Nothing to do; such characters come with text copied from web pages or chat tools: retype the cells "
            "to clear them.", severity="warning"))
    return replace(raw, columns=columns) if changed else raw


def _note_rows(raw: RawSheet, spec: SheetSpec, letter: str, rows: np.ndarray) -> list[Problem]:
    if not len(rows):
        return []
    numbers = [raw.first_row + int(j) for j in rows]
    listed = "、".join(map(str, numbers[:10])) + ("…" if len(numbers) > 10 else "")
    return [problem(
        "note_only_rows", _where(raw.name, spec.en, letter, numbers[0]),
        f"第 {listed} 行只有备注/说明，没有其他内容，不读取。",
        f"Row(s) {listed.replace('、', ', ')} hold only a note and nothing else, so they are not read.",
        "无需处理；如果它们是要计入的记录，请补全这些行。", "Nothing to do; if they are records, complete them.",
        severity="warning")]


def _hidden_columns(raw: RawSheet, spec: SheetSpec, letters: dict[str, str]) -> list[Problem]:
    """Hidden columns that kpixl reads count like the others; a clerk who hid one to leave it out is told so."""
    hidden = set(raw.hidden_cols)
    read = [(c, letters[c.key]) for c in spec.columns if c.key in letters and col_index(letters[c.key]) in hidden]
    if not read:
        return []
    zh = "、".join(f"{letter}（{c.zh}）" for c, letter in read)
    en = ", ".join(f"{letter} ({c.en})" for c, letter in read)
    return [problem(
        "hidden_columns", _where(raw.name, spec.en, read[0][1], raw.first_row - 1),
        f"工作表 “{raw.name}” 的 {zh} 列被隐藏，照常计入。", f"Sheet '{raw.name}': column(s) {en} are hidden; they count like the others.",
        "如果这些列不应计入，请删除其中的值（隐藏不等于删除）；否则无需处理。",
        "If they should not count, delete their values (hiding is not deleting); otherwise nothing to do.", severity="warning")]


def _format_hidden(raw: RawSheet, spec: SheetSpec, letters: dict[str, str], data_rows: np.ndarray) -> list[Problem]:
    """Values in the columns kpixl reads whose number format shows nothing (``;;;``, or an empty
    section for zero or negatives) count as they are; the clerk, who sees an empty cell, is told."""
    read = {col_index(letter): letter for letter in letters.values()}
    rows = set(data_rows.tolist())
    cells = [f"{read[c]}{r}" for r, c in raw.format_hidden if c in read and r in rows]
    if not cells:
        return []
    listed = "、".join(cells[:10]) + ("…" if len(cells) > 10 else "")
    return [problem(
        "format_hidden_value", _where(raw.name, spec.en, *_split_ref(cells[0])),
        f"工作表 “{raw.name}” 有 {len(cells)} 个单元格（{listed}）的数字格式把值隐藏了（如 ;;;），单元格看起来是空的，但其中的值照常计入。",
        f"Sheet '{raw.name}' has {len(cells)} cell(s) ({listed.replace('、', ', ')}) whose number format hides the value "
        "(such as ;;;): they look empty, but their values count.",
        "选中这些单元格，设置单元格格式为“常规”，核对显示出来的值（不需要就删除）。",
        "Select the cells, set their format to General, and check the values they show (delete any that should not be there).",
        severity="warning")]


def _hidden_problem(raw: RawSheet, spec: SheetSpec, data_rows: np.ndarray) -> list[Problem]:
    """Hidden data rows are read like the others; a clerk who hid rows to leave them out is told so."""
    hidden = np.intersect1d(np.asarray(raw.hidden, dtype="int64"), data_rows)
    if not len(hidden):
        return []
    listed = "、".join(str(x) for x in hidden[:10]) + ("…" if len(hidden) > 10 else "")
    return [problem(
        "hidden_rows", _where(raw.name, spec.en, raw.letters[0] if raw.letters else "A", int(hidden[0])),
        f"工作表 “{raw.name}” 有 {len(hidden)} 行被隐藏或筛选掉（第 {listed} 行），这些行照常计入。",
        f"Sheet '{raw.name}' has {len(hidden)} hidden or filtered-out rows (rows {listed.replace('、', ', ')}); they count like the others.",
        "如果这些行不应计入，请删除它们（隐藏不等于删除）；否则无需处理。",
        "If they should not count, delete them (hiding is not deleting); otherwise nothing to do.", severity="warning")]


def parse_sheet(raw: RawSheet, spec: SheetSpec) -> tuple[Table, list[Problem]]:
    """Type the columns a contract sheet defines; collect a problem for every bad cell."""
    problems: list[Problem] = []
    if raw.stray:  # the engine refused the sheet: a stray cell far away makes it billions of cells
        table = empty_table(spec)
        return Table(table.frame, raw.name, spec.en, table.letters), [_stray_problem(raw, spec)]
    raw = _below_units(_below_title(raw, spec, problems), spec, problems)
    if raw.merged:
        raw = _merged_filled(raw, spec, problems)
    found = _columns(raw, spec, problems)
    raw = _invisible_removed(raw, spec, found, problems)
    totals = _totals_rows(raw, spec, found, problems)
    n = len(raw.columns[0]) if raw.columns else 0
    label = raw.name if raw.name == spec.en else f"{raw.name} / {spec.en}"
    for col in spec.columns:
        if col.required and col.key not in found:
            problems.append(problem(
                "missing_column", f"{label} 第{raw.first_row - 1}行 / row {raw.first_row - 1}",
                f"缺少列 “{col.header}”。", f"Column '{col.header}' is missing.",
                f"在表头行添加一列 “{col.header}”（可用 kpixl new 生成模板）。",
                f"Add a header cell '{col.header}' (kpixl new makes a template with every column)."))
    data: dict[str, pd.Series] = {}
    letters: dict[str, str] = {}
    index = pd.RangeIndex(n)
    rows = pd.Series(np.arange(raw.first_row, raw.first_row + n, dtype="int64"), index=index)
    any_filled = np.zeros(n, dtype=bool)
    for col in spec.columns:
        if col.key not in found:
            continue
        i = found[col.key]
        letters[col.key] = raw.letters[i]
        s = raw.columns[i].reset_index(drop=True)
        if col.key != "note":
            any_filled |= ~empty_mask(s)
        data[col.key] = s
    if "note" in data:  # a row of nothing but a note (a remark typed under the table) is no record
        problems += _note_rows(raw, spec, letters["note"], np.flatnonzero(~any_filled & ~empty_mask(data["note"])))
    any_filled &= ~totals
    keep = None if any_filled.all() else any_filled  # None: every row has something (no copy)
    frame_cols: dict[str, pd.Series] = {}
    row_bad = np.zeros(n if keep is None else int(keep.sum()), dtype=bool)
    percent_rows: frozenset[int] = frozenset()
    r = rows if keep is None else rows[keep].reset_index(drop=True)
    for col in spec.columns:
        if col.key not in data:
            continue
        s = data[col.key] if keep is None else data[col.key][keep].reset_index(drop=True)
        empty = empty_mask(s)
        unreadable = unreadable_mask(s)
        bad = unreadable
        if col.type in ("text", "id", "code"):
            out = to_text(s, upper=col.type == "code")
        elif col.type == "period":
            out, bad = to_periods(s)
        elif col.type == "date":
            out, bad = to_dates(s)
        elif col.type in ("number", "integer", "money"):
            out, bad = to_floats(s, percent=col.takes_percent)
        elif col.type == "boolean":
            out = s.astype("object").map(parse_bool, na_action="ignore")
            bad = (~empty) & out.isna().to_numpy()
        else:  # any: an empty cell is None (built as object, so pandas never turns None into NaN)
            out = any_values(s)
        if col.key == "value" and spec.value_choices and "metric" in frame_cols:
            out = _chosen(out, s, frame_cols["metric"], spec.value_choices, bad | empty)
        if col.key == "value" and not (isinstance(s.dtype, np.dtype) and s.dtype.kind in "biufcmM"):
            typed = np.fromiter((is_percent(v) for v in s.to_numpy(dtype=object)), dtype=bool, count=len(s))
            percent_rows = frozenset(int(x) for x in r[typed & ~bad])  # (texts: an object or string column)
        bad = bad | unreadable
        problems += _cell_problems(raw, spec, col, letters[col.key], s, r, bad)
        if col.required:
            for j in np.flatnonzero(empty):
                problems.append(problem(
                    "missing_value", _where(raw.name, spec.en, letters[col.key], int(r[j])),
                    f"“{col.zh}” 不能为空。", f"{col.en} must not be empty.",
                    f"填写{col.zh}，或删除整行。", f"Fill in the {col.en}, or delete the whole row.", scope="row"))
        frame_cols[col.key] = out
        row_bad |= bad
        if col.required:
            row_bad |= empty
    if raw.hidden:
        problems += _hidden_problem(raw, spec, r.to_numpy())
    if raw.hidden_cols:
        problems += _hidden_columns(raw, spec, letters)
    if raw.format_hidden:
        problems += _format_hidden(raw, spec, letters, r.to_numpy())
    frame = pd.DataFrame(frame_cols)
    frame["xl_row"] = r.to_numpy()
    frame["xl_bad"] = row_bad
    for col in spec.columns:
        if col.key not in frame:
            frame[col.key] = _default_column(col, len(frame))
    return Table(frame, raw.name, spec.en, letters, percent_rows), problems


def _chosen(values: pd.Series, cells: pd.Series, codes: pd.Series, value_choices, skip: np.ndarray) -> pd.Series:
    """The value of a row whose code has choices (a text: S14's member grade): the cell's text, as
    the choice it spells (``b``, ``Ｂ``, ``B级`` are B), else the text as typed, so an unknown one is
    reported as the clerk wrote it (``X``, never "FALSE")."""
    choices = dict(value_choices)
    hit = codes.isin(list(choices)).to_numpy(dtype=bool) & ~skip
    if not hit.any():
        return values
    out = values.to_numpy(dtype=object).copy()
    at = np.flatnonzero(hit)
    for j, code, text in zip(at, codes.to_numpy(dtype=object)[at], to_text(cells.iloc[at]).tolist(), strict=True):
        out[j] = choice_of(choices[code], text) or text
    return pd.Series(out, index=values.index, dtype=object)


def _default_column(col: Column, n: int) -> pd.Series:
    if col.type == "date":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if col.type in ("number", "integer", "money"):
        return pd.Series(np.nan, index=range(n), dtype="float64")
    if col.type in ("boolean", "any"):
        return pd.Series([None] * n, dtype="object")
    return pd.Series([""] * n, dtype="object")


def empty_table(spec: SheetSpec) -> Table:
    frame = pd.DataFrame({c.key: _default_column(c, 0) for c in spec.columns})
    frame["xl_row"] = pd.Series([], dtype="int64")
    frame["xl_bad"] = pd.Series([], dtype=bool)
    return Table(frame, spec.zh, spec.en, {c.key: column_letter(i) for i, c in enumerate(spec.columns)})


def raw_from_records(name: str, spec: SheetSpec, records: list[dict]) -> RawSheet:
    """A RawSheet laid out like the template, from plain dicts (tests, scheme examples, CSV import)."""
    keys = [c.key for c in spec.columns]
    for rec in records:
        for k in rec:
            if k not in keys:
                keys.append(k)
    columns = [pd.Series([rec.get(k) for rec in records], dtype="object") for k in keys]
    header = []
    for k in keys:
        col = next((c for c in spec.columns if c.key == k), None)
        header.append(col.header if col else k)
    return RawSheet(name, header, columns, [column_letter(i) for i in range(len(keys))], 2)
