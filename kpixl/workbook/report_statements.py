"""考核单 Statements: one printable page per employee, Chinese first, English second.

Who, period, scheme and ledger version; every contribution with its rule, source cell, date,
quantity and points (before and after the category cap) or yuan; the category subtotals with
their caps; flags; every result value with the headline last; signature lines (员工签字 /
主管签字 / 日期). An employee without a result gets the problems to fix instead. A page break
before each employee; Excel allows 1,023 breaks per sheet, so every 1,000 employees start a
new sheet (考核单, 考核单 2, ...). Reports of more than STATEMENTS_MAX employees leave the
statements out unless asked (``write_report(..., statements=True)``) and say so on 总览 and 信息:
5,000 statements make writing a 5,000 x 100,000 report about six times slower.

The rows are built as columns, part by part (headers, ledger lines, money lines, subtotals,
flags, results, signatures), each part vectorised over all employees, then ordered by
(employee, part, line) and streamed (report_book.py): 5,000 statements cost about as much as
the detail sheet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpixl.core.frames import filled
from kpixl.core.numbers import plain
from kpixl.core.result import Result

from .report_book import ReportBook
from .report_data import LINE_PT, cut_text, direction_label, display_width, is_number, text_lines
from .xlsx_out import OutSheet, object_cells

PER_SHEET = 1000
STATEMENTS_MAX = 1000
COLUMNS = [("规则 / Rule", 21, "text"), ("项目 / Item", 40, "wrap"), ("来源 / Source", 12, "text"),
           ("日期 / Date", 11, "date"), ("数量 / Qty", 7, "number"), ("分值 / Points", 9, "points"),
           ("计入 / Counted", 9, "points"), ("金额(元) / Yuan", 11, "money")]
NCOL = len(COLUMNS)
HEIGHTS = {"title": 22.0, "header": 28.0, "total": 20.0}
ROW_HEIGHT = 15.5
WIDTH = sum(w for _, w, _ in COLUMNS) - 4  # display units of one printed line
# part order within one statement
HEAD, TABLE, LINES, MONEY, SUBTOTALS, FLAGS, RESULTS, TOTAL, SIGN = range(9)
MAX_PROBLEMS = 30
WHO_FIELD_LINES = 8  # a name, role, department or team of more than 8 lines (~460 CJK characters) ends in "…"
WHO_LINES = 10 ** 6  # the lines about the scheme are numbered after the (few) lines about the employee


FIELDS = ["pos", "part", "line", "style"] + [f"{k}{c}" for c in range(NCOL) for k in "vs"]


class _Parts:
    """Rows of every statement as columns: (employee position, part, line) and 8 cells with styles.

    A regular part is a block: one row for each employee of an array of positions, each cell a
    scalar (the same on every row) or a list aligned with the positions. Irregular rows (problems,
    subtotals, flags) are added one by one. The columns are plain arrays until :meth:`frame`."""

    def __init__(self):
        self.blocks: list[dict[str, np.ndarray]] = []
        self.rows: list[tuple] = []  # (pos, part, line, cells, style, styles) added one by one

    def add(self, pos: int, part: int, line: int, cells: dict | None = None, style: str = "",
            styles: dict | None = None) -> None:
        self.rows.append((pos, part, line, cells or {}, style, styles or {}))

    def block(self, pos: np.ndarray, part: int, line: int, cells: dict | None = None, style: str = "",
              styles: dict | None = None) -> None:
        n = len(pos)
        cells, styles = cells or {}, styles or {}
        data = {"pos": np.asarray(pos, dtype="int64"), "part": np.full(n, part, dtype="int64"),
                "line": np.full(n, line, dtype="int64"), "style": _full(style, n)}
        for c in range(NCOL):
            data[f"v{c}"] = _full(cells.get(c), n)
            data[f"s{c}"] = _full(styles.get(c, style), n)
        self.blocks.append(data)

    def add_columns(self, columns: dict | None) -> None:
        """Rows given as columns under the FIELDS' names: pos and line arrays, the rest arrays or scalars."""
        if columns is None:
            return
        n = len(columns["pos"])
        self.blocks.append({k: np.asarray(columns[k], dtype="int64") if k in ("pos", "line")
                            else np.full(n, columns[k], dtype="int64") if k == "part"
                            else _full(columns[k], n) for k in FIELDS})

    def frame(self) -> dict[str, np.ndarray]:
        """Every row's columns, ordered by (employee, part, line); rows added one by one come first
        among equals. Plain object arrays: a DataFrame would turn every text column into Arrow
        strings and back."""
        rows = self.rows
        first = {"pos": np.array([r[0] for r in rows], dtype="int64"), "part": np.array([r[1] for r in rows], dtype="int64"),
                 "line": np.array([r[2] for r in rows], dtype="int64"), "style": _full([r[4] for r in rows], len(rows))}
        for c in range(NCOL):
            first[f"v{c}"] = _full([r[3].get(c) for r in rows], len(rows))
            first[f"s{c}"] = _full([r[5].get(c, r[4]) for r in rows], len(rows))
        blocks = [first] + self.blocks
        columns = {k: np.concatenate([b[k] for b in blocks]) for k in FIELDS}
        order = np.lexsort((columns["line"], columns["part"], columns["pos"]))  # stable
        return {k: v[order] for k, v in columns.items()}


def _full(value, n: int) -> np.ndarray:
    """An object column: the list or array as it is (a cell holding a tuple stays one cell), or the
    scalar on every row."""
    return object_cells(value, n) if isinstance(value, (list, np.ndarray)) else filled(n, value)


def _cell(where) -> str:
    """The Chinese half of a bilingual cell reference (事件!C14 / Events!C14 -> 事件!C14)."""
    return where.split(" / ")[0] if isinstance(where, str) else ""


def _lines(result: Result, pos: dict[str, int]) -> dict | None:
    """Every ledger row of the employees with a result: rule, item, source, date, qty, points, counted."""
    led = result.ledger
    if led.empty:
        return None
    led = led[led["employee"].map(pos).notna()]
    scheme = result.scheme
    rule = led["rule"].astype(object)
    names = rule.map({k: f"{r.zh} {r.en}".strip() for k, r in scheme.rules.items()}).fillna(rule)
    zh = rule.map({k: r.zh for k, r in scheme.rules.items()}).fillna(rule)
    note = led["text_zh"].fillna("").astype(object)
    capped = (led["counted_e8"] != led["points_e8"]).to_numpy()
    cat = led["category"].fillna("").map({k: c.zh for k, c in scheme.categories.items()}).fillna("")
    event_item = (names + np.where(note != "", "（" + note + "）", "")
                  + np.where(capped, "（" + cat + "已达上限 cap reached）", ""))
    item = np.where(led["step"].to_numpy() == "events", event_item, np.where(note != "", note, zh))
    return {
        "pos": led["employee"].map(pos).astype("int64").to_numpy(), "part": LINES, "line": np.arange(len(led)),
        "style": "", "v0": rule.to_numpy(), "v1": item.astype(object),
        "v2": led["where"].map(_cell).to_numpy(dtype=object), "v3": led["date"].to_numpy(dtype=object),
        "v4": led["qty"].to_numpy(dtype="float64"), "v5": np.round(led["points_e8"].to_numpy("int64") / 1e8, 8),
        "v6": np.round(led["counted_e8"].to_numpy("int64") / 1e8, 8), "v7": np.nan,
        **{f"s{c}": "" for c in range(NCOL)}}


def _money(result: Result, pos: dict[str, int]) -> dict | None:
    money = result.money
    if money.empty:
        return None
    money = money[money["employee"].map(pos).notna()]
    # the amount as on 明细 and in the total (a fine of 50 is 50), the line labelled a deduction or an award
    label = money["direction"].map(direction_label).astype(object)
    text = label + "：" + money["text_zh"].fillna("").astype(object).where(money["text_zh"].fillna("") != "", money["rule"])
    return {
        "pos": money["employee"].map(pos).astype("int64").to_numpy(), "part": MONEY, "line": np.arange(len(money)),
        "style": "", "v0": money["rule"].to_numpy(dtype=object),
        "v1": text.to_numpy(dtype=object),
        "v2": money["where"].map(_cell).to_numpy(dtype=object),
        "v3": pd.to_datetime(money["date"], errors="coerce").to_numpy(dtype=object),
        "v4": pd.to_numeric(money["qty"], errors="coerce").to_numpy(dtype="float64"), "v5": np.nan, "v6": np.nan,
        "v7": np.array([float(a) for a in money["amount"]]), **{f"s{c}": "" for c in range(NCOL)}}


def _number(v):
    return float(v) if is_number(v) else v


def _title(e) -> str:
    """The page title: the name cut to fit, the employee ID always whole."""
    head, room = "考核单 KPI statement：", WIDTH * 2 // 3
    name = cut_text(" ".join(str(e.name).split()), max(room - display_width(head) - display_width(e.id) - 1, 8))
    return f"{head}{name} {e.id}"


def _who(emps) -> dict:
    """Who the page is about, every field whole: the fields joined on lines of WIDTH, a field too
    long for a line continued on the next ones (WHO_FIELD_LINES at most; the 工号 ID is never cut)."""
    pos, line, texts = [], [], []
    for i, e in enumerate(emps):
        fields = [("姓名 Name", e.name), ("工号 ID", e.id), ("岗位 Role", e.role), ("部门 Department", e.department)]
        fields += [("小组 Team", e.team)] if e.team else []
        rows = who_lines([f"{k}：{v}" for k, v in fields], WIDTH, keep=1)
        pos += [i] * len(rows)
        line += range(1, len(rows) + 1)
        texts += rows
    return {"pos": pos, "line": line, "part": HEAD, "style": "subtitle", "v0": texts,
            **{f"v{c}": None for c in range(1, NCOL)}, **{f"s{c}": "subtitle" for c in range(NCOL)}}


def who_lines(fields: list[str], width: int, keep: int | None = None) -> list[str]:
    """``fields`` packed on lines of ``width`` display units, four spaces apart; a field longer than
    a line is broken over lines (at most WHO_FIELD_LINES, ending in "…", except ``fields[keep]``)."""
    lines: list[str] = []
    for k, text in enumerate(fields):
        if lines and display_width(lines[-1]) + 4 + display_width(text) <= width:
            lines[-1] += f"    {text}"
            continue
        pieces = _broken(text, width)
        if k != keep and len(pieces) > WHO_FIELD_LINES:
            pieces = pieces[:WHO_FIELD_LINES - 1] + [cut_text("".join(pieces[WHO_FIELD_LINES - 1:]), width)]
        lines += pieces
    return lines


def _broken(text: str, width: int) -> list[str]:
    """``text`` broken into pieces of at most ``width`` display units."""
    pieces, piece, used = [], [], 0
    for ch in " ".join(str(text).split()):  # a line break inside a name is a space here
        w = display_width(ch)
        if piece and used + w > width:
            pieces.append("".join(piece))
            piece, used = [], 0
        piece.append(ch)
        used += w
    return pieces + ["".join(piece)]


def _statements(result: Result, ledger_version: str | None) -> dict[str, np.ndarray]:
    scheme, main = result.scheme, result.scheme.main_output
    emps = result.employees
    ok_pos = {e.id: i for i, e in enumerate(emps) if e.ok}
    parts = _Parts()
    title = f"方案 Scheme：{scheme.title['zh']} / {scheme.title['en']}"
    ids = f"方案代码 Scheme id：{scheme.id} v{scheme.version}    考核期 Period：{result.period.label}"
    ledger = f"账本版本 Ledger：{ledger_version or '未结账 not closed'}"
    header = {c: h.replace(" / ", "\n", 1) for c, (h, _, _) in enumerate(COLUMNS)}
    cat_order = {k: i for i, k in enumerate(scheme.categories)}
    every = np.arange(len(emps))
    ok = np.flatnonzero([e.ok for e in emps])
    parts.block(every, HEAD, 0, {0: [_title(e) for e in emps]}, "title")
    parts.add_columns(_who(emps))
    parts.block(every, HEAD, WHO_LINES + 1, {0: cut_text(title, WIDTH)}, "subtitle")
    if display_width(f"{ids}    {ledger}") <= WIDTH:
        parts.block(every, HEAD, WHO_LINES + 2, {0: f"{ids}    {ledger}"}, "subtitle")
        blank = WHO_LINES + 3
    else:  # a closed month's verdict (kpixl/ledger/standing.py) gets a line of its own, never cut
        parts.block(every, HEAD, WHO_LINES + 2, {0: cut_text(ids, WIDTH)}, "subtitle")
        parts.block(every, HEAD, WHO_LINES + 3, {0: cut_text(ledger, WIDTH)}, "subtitle")
        blank = WHO_LINES + 4
    parts.block(every, HEAD, blank)
    parts.block(every, SIGN, 0)
    parts.block(every, SIGN, 1)
    parts.block(every, SIGN, 2, {0: "员工签字 Employee", 2: "主管签字 Supervisor", 5: "日期 Date"},
                styles={0: "label", 1: "sign", 2: "label", 3: "sign", 4: "sign", 5: "label", 6: "sign", 7: "sign"})
    for i, e in enumerate(emps):
        if e.ok:
            continue
        parts.add(i, TABLE, 0, {0: "未出结果 No result", 1: "先修正以下问题 / Fix these problems first"}, "section")
        for k, p in enumerate(e.problems[:MAX_PROBLEMS]):
            parts.add(i, TABLE, k + 1, {0: p.code, 1: f"{p.zh}\n{p.en}\n修正 Fix：{p.fix_zh} / {p.fix_en}",
                                        2: _cell(p.where)}, styles={0: "flag"})
        if len(e.problems) > MAX_PROBLEMS:
            more = len(e.problems) - MAX_PROBLEMS
            parts.add(i, TABLE, MAX_PROBLEMS + 1, {1: f"… 另有 {more} 个问题 / {more} more (问题 Issues sheet)"}, "muted")
    scored = [emps[i] for i in ok]
    parts.block(ok, TABLE, 0, header, "header")
    for k, out in enumerate(o for o in scheme.outputs if o.value != main.value):
        col = 7 if out.format == "money" else 6
        parts.block(ok, RESULTS, k + 1, {0: "结果 Result", 1: f"{out.zh} / {out.en}",
                                         col: [_number(e.values.get(out.value)) for e in scored]}, styles={7: "money"})
    parts.block(ok, RESULTS, 0)
    col = 7 if main.format == "money" else 6
    parts.block(ok, TOTAL, 0, {0: "合计 Total", 1: f"{main.zh} / {main.en}",
                               col: [_number(e.values.get(main.value)) for e in scored]}, "total",
                styles={7: "total_money"})
    led = result.ledger
    if not led.empty:  # category subtotals: the scheme's category value, else the sum of the counted points
        sums = led[led["category"].fillna("") != ""].groupby(["employee", "category"], sort=False)["counted_e8"].sum()
        for (emp, code), total_e8 in sums.items():
            if emp not in ok_pos:
                continue
            cat = scheme.categories.get(code)
            value = result.employees[ok_pos[emp]].values.get(f"{code}.points", total_e8 / 1e8)
            cap = f"上限 cap {plain(cat.cap)}" if cat is not None and cat.cap is not None else ""
            parts.add(ok_pos[emp], SUBTOTALS, cat_order.get(code, len(cat_order)),
                      {0: "小计 Subtotal", 1: f"{cat.zh} / {cat.en}" if cat else code, 2: cap, 6: _number(value)},
                      "subtotal", styles={6: "subtotal_points"})
    for k, f in enumerate(result.flags):
        if f["employee"] in ok_pos:
            parts.add(ok_pos[f["employee"]], FLAGS, k, {0: "标记 Flag", 1: f"{f['label_zh']} / {f['label_en']}（{f['code']}）",
                                                       2: ", ".join(_cell(s) for s in f["sources"])},
                      styles={0: "flag", 1: "note"})  # (the flag text wraps, never cut)
    parts.add_columns(_lines(result, ok_pos))
    parts.add_columns(_money(result, ok_pos))
    return parts.frame()


def _heights(items: np.ndarray, styles: np.ndarray) -> list:
    """A row as high as its wrapped item text (Excel does not fit row heights when it opens a file);
    every row has its height, so LibreOffice's own fit of CJK rows cannot push a statement onto two pages."""
    codes, uniques = pd.factorize(pd.Series(items, dtype=object).fillna(""))
    lines = np.array([text_lines(u, COLUMNS[1][1]) if isinstance(u, str) else 1 for u in uniques])[codes]
    heights = np.where(lines > 1, LINE_PT * lines + 1, ROW_HEIGHT)
    style_codes, style_uniques = pd.factorize(styles)
    fixed = np.array([HEIGHTS.get(u, np.nan) for u in style_uniques] + [np.nan], dtype="float64")[style_codes]
    return np.where(np.isnan(fixed), heights, fixed).tolist()


def statement_sheets(book: ReportBook, result: Result, name: str, ledger_version: str | None = None) -> None:
    """One sheet per 1,000 employees, one page per employee."""
    frame = _statements(result, ledger_version)
    pos = frame["pos"]
    for start in range(0, max(len(result.employees), 1), PER_SHEET):
        lo, hi = np.searchsorted(pos, start), np.searchsorted(pos, start + PER_SHEET)
        chunk = {k: v[lo:hi] for k, v in frame.items()}
        p = chunk["pos"]
        breaks = (np.flatnonzero(p[1:] != p[:-1]) + 1).tolist()
        label = name if start == 0 else f"{name} {start // PER_SHEET + 1}"
        sheet = OutSheet(label, heights=_heights(chunk["v1"], chunk["style"]))
        for c, (header, width, kind) in enumerate(COLUMNS):
            sheet.add(header, chunk[f"v{c}"], kind, width, chunk[f"s{c}"])
        ws = book.sheet(label, landscape=False)
        for c, (_, width, _) in enumerate(COLUMNS):
            ws.set_column(c, c, width)
        ws.set_h_pagebreaks(breaks)
        book.stream(ws, sheet, first_row=1)
