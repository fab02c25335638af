"""考核单 Statements: one printable page per employee, Chinese first, English second.

Who, period, scheme and ledger version; every contribution with its rule, source cell, date,
quantity and points (before and after the category cap) or yuan; the category subtotals with
their caps; flags; every result value with the headline last; signature lines (员工签字 /
主管签字 / 日期). An employee without a result gets the problems to fix instead. A page break
before each employee; Excel allows 1,023 breaks per sheet, so every 1,000 employees start a
new sheet (考核单, 考核单 2, ...). Rows are built as columns and streamed (report_book.py).
"""

from __future__ import annotations

import pandas as pd

from kpixl.core.numbers import plain
from kpixl.core.result import EmployeeResult, Result

from .report_book import ReportBook
from .report_data import cut_text, is_number, text_lines
from .xlsx_out import OutSheet

PER_SHEET = 1000
COLUMNS = [("规则 / Rule", 21, "text"), ("项目 / Item", 40, "wrap"), ("来源 / Source", 12, "text"),
           ("日期 / Date", 11, "date"), ("数量 / Qty", 7, "number"), ("分值 / Points", 9, "points"),
           ("计入 / Counted", 9, "points"), ("金额(元) / Yuan", 11, "money")]
NCOL = len(COLUMNS)
HEIGHTS = {"title": 22.0, "header": 28.0, "total": 20.0}
WIDTH = sum(w for _, w, _ in COLUMNS) - 4  # display units of one printed line


class _Rows:
    """Statement rows as columns (values and per-cell styles), appended row by row."""

    def __init__(self):
        self.values: list[list] = [[] for _ in range(NCOL)]
        self.styles: list[list] = [[] for _ in range(NCOL)]
        self.heights: list[float | None] = []

    def __len__(self) -> int:
        return len(self.values[0])

    def add(self, cells: dict[int, object] | None = None, style: str = "", styles: dict[int, str] | None = None):
        cells, styles = cells or {}, styles or {}
        for c in range(NCOL):
            self.values[c].append(cells.get(c))
            self.styles[c].append(styles.get(c, style))
        # a row as high as its wrapped text (Excel does not fit row heights when it opens a file)
        lines = max([text_lines(v, COLUMNS[c][1]) for c, v in cells.items()
                     if isinstance(v, str) and (c == 1 or style == "header")] or [1])
        self.heights.append(HEIGHTS.get(style) or (13.5 * lines + 1 if lines > 1 else None))

    def sheet(self, name: str) -> OutSheet:
        out = OutSheet(name, heights=self.heights)
        for c, (header, width, kind) in enumerate(COLUMNS):
            out.add(header, self.values[c], kind, width, self.styles[c])
        return out


def _frame_arrays(frame: pd.DataFrame, cols: list[str]) -> tuple[dict, dict]:
    if frame.empty:
        return {}, {}
    return {c: frame[c].to_numpy(dtype=object) for c in cols}, frame.groupby("employee", sort=False).indices


def _cell(where) -> str:
    """The Chinese half of a bilingual cell reference (事件!C14 / Events!C14 -> 事件!C14)."""
    return where.split(" / ")[0] if isinstance(where, str) else ""


def _header(rows: _Rows, e: EmployeeResult, result: Result, ledger_version: str | None) -> None:
    s = result.scheme
    rows.add({0: cut_text(f"考核单 KPI statement：{e.name} {e.id}", WIDTH * 2 // 3)}, "title")
    rows.add({0: cut_text(f"姓名 Name：{e.name}    工号 ID：{e.id}    岗位 Role：{e.role}    部门 Department："
                          f"{e.department}" + (f"    小组 Team：{e.team}" if e.team else ""), WIDTH)}, "subtitle")
    rows.add({0: cut_text(f"方案 Scheme：{s.title['zh']} / {s.title['en']}", WIDTH)}, "subtitle")
    rows.add({0: cut_text(f"方案代码 Scheme id：{s.id} v{s.version}    考核期 Period：{result.period.label}    "
                          f"账本版本 Ledger：{ledger_version or '未结账 not closed'}", WIDTH)}, "subtitle")
    rows.add()


def _employee(rows: _Rows, e: EmployeeResult, result: Result, led: tuple, money: tuple) -> None:
    scheme = result.scheme
    if not e.ok:
        rows.add({0: "未出结果 No result", 1: "先修正以下问题 / Fix these problems first"}, "section")
        for p in e.problems[:30]:
            rows.add({0: p.code, 1: f"{p.zh}\n{p.en}\n修正 Fix：{p.fix_zh} / {p.fix_en}", 2: p.where.split(" / ")[0]},
                     styles={0: "flag"})
        if len(e.problems) > 30:
            rows.add({1: f"… 另有 {len(e.problems) - 30} 个问题 / {len(e.problems) - 30} more (问题 Issues sheet)"}, "muted")
        return
    rows.add({c: h.replace(" / ", "\n", 1) for c, (h, _, _) in enumerate(COLUMNS)}, "header")
    (la, li), (ma, mi) = led, money
    cats: dict[str, int] = {}
    for i in li.get(e.id, ()):
        rule = scheme.rules.get(la["rule"][i])
        points, counted = la["points_e8"][i], la["counted_e8"][i]
        note = la["text_zh"][i] if isinstance(la["text_zh"][i], str) else ""
        if la["step"][i] == "events":
            item = f"{rule.zh if rule else la['rule'][i]} {rule.en if rule else ''}".strip()
            item += f"（{note}）" if note else ""
            if counted != points:
                cat = scheme.categories.get(la["category"][i])
                item += f"（{cat.zh if cat else ''}已达上限 cap reached）"
        else:
            item = note or (rule.zh if rule else "")
        cat = la["category"][i]
        if cat:
            cats[cat] = cats.get(cat, 0) + int(counted)
        qty = la["qty"][i]
        rows.add({0: la["rule"][i], 1: item, 2: _cell(la["where"][i]), 3: la["date"][i],
                  4: None if qty != qty else float(qty), 5: points / 1e8, 6: counted / 1e8})
    for i in mi.get(e.id, ()):
        sign = -1 if ma["direction"][i] == "deduction" else 1
        rows.add({0: ma["rule"][i], 1: ma["text_zh"][i] or ma["rule"][i], 2: _cell(ma["where"][i]), 3: ma["date"][i],
                  4: None if ma["qty"][i] != ma["qty"][i] else float(ma["qty"][i]), 7: sign * float(ma["amount"][i])})
    for code, total_e8 in cats.items():
        cat = scheme.categories.get(code)
        value = e.values.get(f"{code}.points", total_e8 / 1e8)
        cap = f"上限 cap {plain(cat.cap)}" if cat is not None and cat.cap is not None else ""
        rows.add({0: "小计 Subtotal", 1: f"{cat.zh} / {cat.en}" if cat else code, 2: cap,
                  6: float(value) if is_number(value) else value},
                 styles={c: "subtotal" for c in range(NCOL)} | {6: "subtotal_points"})
    for f in result.flags_of(e.id):
        rows.add({0: "标记 Flag", 1: f"{f['label_zh']} / {f['label_en']}（{f['code']}）",
                  2: ", ".join(s.split(" / ")[0] for s in f["sources"])}, styles={0: "flag", 1: "flag"})
    rows.add()
    main = scheme.main_output
    for out in scheme.outputs:
        if out.value == main.value:
            continue
        v = e.values.get(out.value)
        col = 7 if out.format == "money" else 6
        rows.add({0: "结果 Result", 1: f"{out.zh} / {out.en}", col: float(v) if is_number(v) else v},
                 styles={col: "money" if col == 7 else ""})
    v = e.values.get(main.value)
    col = 7 if main.format == "money" else 6
    rows.add({0: "合计 Total", 1: f"{main.zh} / {main.en}", col: float(v) if is_number(v) else v},
             "total", styles={7: "total_money"} if col == 7 else {})


def _signatures(rows: _Rows) -> None:
    rows.add()
    rows.add()
    rows.add({0: "员工签字 Employee", 2: "主管签字 Supervisor", 5: "日期 Date"},
             styles={0: "label", 1: "sign", 2: "label", 3: "sign", 4: "sign", 5: "label", 6: "sign", 7: "sign"})


def statement_sheets(book: ReportBook, result: Result, name: str, ledger_version: str | None = None) -> None:
    """One sheet per 1,000 employees, one page per employee."""
    led = _frame_arrays(result.ledger, ["rule", "category", "points_e8", "counted_e8", "where", "date", "qty",
                                        "step", "text_zh"])
    money = _frame_arrays(result.money, ["rule", "amount", "direction", "where", "date", "qty", "text_zh"])
    for start in range(0, max(len(result.employees), 1), PER_SHEET):
        rows, breaks = _Rows(), []
        for e in result.employees[start:start + PER_SHEET]:
            if len(rows):
                breaks.append(len(rows))
            _header(rows, e, result, ledger_version)
            _employee(rows, e, result, led, money)
            _signatures(rows)
        label = name if start == 0 else f"{name} {start // PER_SHEET + 1}"
        ws = book.sheet(label, landscape=False)
        for c, (_, width, _) in enumerate(COLUMNS):
            ws.set_column(c, c, width)
        ws.set_h_pagebreaks(breaks)
        book.stream(ws, rows.sheet(label), first_row=1)

