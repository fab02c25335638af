"""总览 Summary: the report's first sheet, one printed page a manager reads the month from.

Scheme, period, headcount, scored / blocked / warnings / flags; the headline's mean, median,
minimum and maximum (2 decimals, half-up, R-G-4); the top and bottom places (R-G-2); a chart of
the headline's distribution (grade counts where the scheme grades) and one of the group totals
or team averages; the people who need action (no result, flagged, bottom three) with the reason.
The charts' data sits right of the printed area (columns N on).
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from kpixl.core.numbers import plain
from kpixl.core.result import Result

from .report_book import ReportBook, chart_text
from .report_data import (
    LINE_PT,
    bottom_three,
    cut_text,
    flag_labels,
    is_number,
    natural_key,
    ranked_employees,
    teams_in_order,
    text_lines,
)
from .xlsx_out import clamp_text

WIDTHS = [24, 12, 2, 7, 10, 10, 12, 2, 7, 10, 10, 12]  # A..L, the printed area
DATA_COL = 13  # N: chart data
ACTION_ROWS = 14
PLACE_ROWS = 11  # Excel rows 7..17 of the place boxes, above the charts (row 18)
LINE = 118  # display units of the printed width (A..L)
ROW_HEIGHT = 15.5
NOTE_ROW = 3
LABELLED_BARS = 24
CENT = Decimal("0.01")


def _dec(v) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(str(v))


def headline_stats(values: list) -> dict[str, Decimal] | None:
    """Mean and median to 2 decimals, half-up (R-G-4); min and max as they are. None without numbers."""
    nums = [_dec(v) for v in values if is_number(v)]
    if not nums:
        return None
    mean = (sum(nums, Decimal(0)) / len(nums)).quantize(CENT, ROUND_HALF_UP)
    median = _dec(statistics.median(nums)).quantize(CENT, ROUND_HALF_UP)
    return {"mean": mean, "median": median, "min": min(nums), "max": max(nums)}


def distribution(values: list, bins: int = 6) -> list[tuple[str, int]]:
    """(label, count) bars: one per distinct value when there are few, else equal-width ranges."""
    nums = sorted(_dec(v) for v in values if is_number(v))
    if not nums:
        return []
    counts = Counter(nums)
    if len(counts) <= bins + 2:
        return [(plain(v), counts[v]) for v in sorted(counts)]
    lo, hi = nums[0], nums[-1]
    step = ((hi - lo) / bins).quantize(Decimal("1"), rounding="ROUND_CEILING") or Decimal(1)
    edges = [lo + step * i for i in range(bins + 1)]
    out = []
    for i in range(bins):
        a, b = edges[i], edges[i + 1]
        last = i == bins - 1  # [a, b), the last range [a, b]
        n = (bisect.bisect_right(nums, b) if last else bisect.bisect_left(nums, b)) - bisect.bisect_left(nums, a)
        out.append((f"{plain(a)}–{plain(b)}", n))
    while out and out[-1][1] == 0:
        out.pop()
    return out


def _grade_output(result: Result):
    """The member grade output (its label where the scheme has one: S10's 优秀 rather than G_EXCELLENT)."""
    outputs = {o.value: o for o in result.scheme.outputs}
    grade = next((o for o in result.scheme.outputs if o.format == "text" and o.value.split(".")[-1] == "grade"
                  and not o.value.startswith("group.")), None)
    return outputs.get(f"{grade.value}.label", grade) if grade is not None else None


def grade_bars(result: Result, grade) -> list[tuple[str, int]]:
    """(grade, people) bars: letter grades in letter order; grades the scheme lists as its items
    (S10's 优秀, 良好, 一般, 差) in the scheme's order; others best first (by their members' mean
    headline, which a gate that pays a good grade nothing can turn around)."""
    main = result.scheme.main_output.value
    members: dict[str, list] = {}
    for e in result.employees:
        g = e.values.get(grade.value) if e.ok else None
        if g not in (None, ""):
            members.setdefault(str(g), []).append(e.values.get(main))
    listed = {}
    for i, rule in enumerate(result.scheme.rules.values()):
        for text in (rule.code, rule.zh, rule.en):
            listed.setdefault(str(text), i)
    if all(len(g) == 1 and g.isascii() for g in members):
        order = sorted(members)
    elif all(g in listed for g in members):
        order = sorted(members, key=listed.get)
    else:
        mean = {g: (headline_stats(v) or {"mean": Decimal("-Infinity")})["mean"] for g, v in members.items()}
        order = sorted(members, key=lambda g: mean[g], reverse=True)
    return [(g, len(members[g])) for g in order]


def group_bars(result: Result) -> tuple[str, str, list[tuple[str, float]]]:
    """(title zh, en, bars): the group totals (schemes with groups), else the headline's mean per team,
    department or role (the first of them with two or more values)."""
    main = result.scheme.main_output
    if result.groups and any("group.total" in g for g in result.groups.values()):
        teams = teams_in_order(result.groups)
        return "小组总得分", "Group total", [(t, float(result.groups[t].get("group.total") or 0)) for t in teams]
    scored = [(e, v) for e in result.employees if e.ok and is_number(v := e.values.get(main.value))]  # once, not per attribute
    for attr, zh, en in (("team", "小组", "team"), ("department", "部门", "department"), ("role", "岗位", "role")):
        by: dict[str, list] = {}
        for e, v in scored:
            if key := getattr(e, attr):
                by.setdefault(key, []).append(v)
        if len(by) >= 2:
            bars = [(k, float(headline_stats(by[k])["mean"])) for k in sorted(by, key=natural_key)]
            return f"各{zh}{main.zh}平均", f"Mean {main.en} by {en}", bars
    return "", "", []


def _chart(book: ReportBook, sheet: str, title: str, col: int, bars: list, counts: bool):
    chart = book.wb.add_chart({"type": "column"})
    n = len(bars)
    series = {"categories": [sheet, 1, col, n, col], "values": [sheet, 1, col + 1, n, col + 1],
              "name": [sheet, 0, col + 1], "fill": {"color": "#5B9BD5"}, "gap": 60}
    if n <= LABELLED_BARS:  # more labels than that overlap into a smear
        series["data_labels"] = {"value": True, "font": {"name": "等线", "size": 9}}
    chart.add_series(series)
    chart.set_title({"name": chart_text(title), "name_font": {"name": "等线", "size": 11, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": {"name": "等线", "size": 9}})
    y_axis = {"num_font": {"name": "等线", "size": 9}, "min": 0,
              "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
    if counts:
        y_axis.update({"major_unit": max(1, -(-max((v for _, v in bars), default=1) // 6)), "num_format": "0"})
    chart.set_y_axis(y_axis)
    chart.set_size({"width": 400, "height": 250})
    return chart


def _places(book: ReportBook, ws, row: int, col: int, title: str, rows: list, main) -> None:
    """Everyone who holds one of the places (ties share a place, R-G-2); beyond PLACE_ROWS lines,
    the last line says how many more hold them and where they are."""
    book.text(ws, row, col, title, "section")
    for i, h in enumerate(["名次 Rank", "工号 ID", "姓名 Name", cut_text(main.zh, 12)]):
        book.text(ws, row + 1, col + i, h, "header")
    shown = rows if len(rows) <= PLACE_ROWS else rows[:PLACE_ROWS - 1]
    for i, r in enumerate(shown):
        for j, v in enumerate([r.rank, r.employee.id, cut_text(r.employee.name, 10), r.headline]):
            book.text(ws, row + 2 + i, col + j, v, ("money" if main.format == "money" else "points") if j == 3 else None)
    if len(shown) < len(rows):
        more = len(rows) - len(shown)
        book.text(ws, row + 2 + len(shown), col, f"… 另有 {more} 人 / {more} more（见 报表 / see 报表）", "muted")


def needs_action(result: Result, bottom: list) -> list[tuple[str, list[str]]]:
    """(who, reasons) for everyone a manager must act on: no result, flags, the bottom three places."""
    out: list[tuple[str, str]] = []
    for e in result.employees:
        if not e.ok:
            first = e.problems[0] if e.problems else None
            why = f"未出结果 no result：{first.zh} / {first.en} [{first.where}]" if first else "未出结果 no result"
            out.append((f"{e.id} {e.name}", why))
    for e in result.employees:
        if e.ok and result.flags_of(e.id):
            en = "; ".join(f.get("label_en") or f["code"] for f in result.flags_of(e.id))
            out.append((f"{e.id} {e.name}", f"标记 flag：{flag_labels(result, e.id)} / {en}"))
    for r in bottom:
        out.append((f"{r.employee.id} {r.employee.name}",
                    f"后三名 bottom three：第 {r.rank} 名 place {r.rank}（{plain(_dec(r.headline))}）"))
    merged: dict[str, list[str]] = {}  # each person once, with every reason (a line each on the page)
    for who, why in out:
        merged.setdefault(who, []).append(why)
    return list(merged.items())


def _notes(book: ReportBook, ws, notes: list[str]) -> float:
    """The notes in one wrapped cell across the printed width (row 4); returns the row's height."""
    text = "\n".join(notes)
    height = LINE_PT * text_lines(text, sum(WIDTHS)) + 3
    ws.merge_range(NOTE_ROW, 0, NOTE_ROW, len(WIDTHS) - 1, clamp_text(text), book.fmt("note"))
    return height


def summary_sheet(book: ReportBook, result: Result, name: str, notes: list[str] = (),
                  ranked: list | None = None) -> None:
    """The summary page; ``notes``: at most two lines under the title (that the statements were left
    out, where the detail lines are), in one wrapped cell. ``ranked``: the employees in report
    order when the caller has them (ranked_employees)."""
    scheme, main = result.scheme, result.scheme.main_output
    ws = book.sheet(name, landscape=True, fit_pages=(1, 1))
    for i, w in enumerate(WIDTHS):
        ws.set_column(i, i, w)
    ws.set_column(DATA_COL, DATA_COL + 3, 14)
    ranked = ranked_employees(result) if ranked is None else ranked
    bottom = bottom_three(ranked)
    heads = [r.headline for r in ranked]
    book.text(ws, 0, 0, "KPI 月度总览 / Monthly KPI summary", "title")
    ws.set_row(0, 24)
    book.text(ws, 1, 0, cut_text(f"{scheme.title['zh']} / {scheme.title['en']}", LINE * 3 // 4), "big")
    book.text(ws, 2, 0, cut_text(f"方案 Scheme {scheme.id} v{scheme.version} · 考核期 Period {result.period.label} · "
                                 f"来源 Source {Path(result.source).name} · 生成 Generated {dt.date.today().isoformat()}",
                                 LINE + 20), "subtitle")
    note_height = _notes(book, ws, notes) if notes else ROW_HEIGHT

    stats = headline_stats(heads)
    blocked = sum(not e.ok for e in result.employees)
    rows = [("员工数 / Headcount", len(result.employees)), ("计分正常 / Scored", len(result.employees) - blocked),
            ("未出结果 / Blocked", blocked), ("警告 / Warnings", len(result.warnings)),
            ("错误 / Errors", len(result.errors)), ("标记 / Flags", len(result.flags))]
    if stats:
        rows += [(cut_text(f"{main.zh} {main.en}", 26), None), ("  平均 / Mean", stats["mean"]),
                 ("  中位数 / Median", stats["median"]), ("  最低 / Min", stats["min"]), ("  最高 / Max", stats["max"])]
    book.text(ws, 4, 0, "概况 / Overview", "section")
    book.text(ws, 4, 1, "", "section")
    for i, (label, value) in enumerate(rows):
        book.text(ws, 5 + i, 0, label, "label")
        book.text(ws, 5 + i, 1, value, "money" if main.format == "money" and i >= 7 else None)

    placed = [r for r in ranked if r.rank is not None]
    if placed:
        _places(book, ws, 4, 3, "前三名 / Top 3", [r for r in placed if r.rank <= 3], main)
        if bottom:
            _places(book, ws, 4, 8, "后三名 / Bottom 3", bottom, main)

    # charts: the data right of the print area
    grade = _grade_output(result)
    if grade is not None:
        bars1 = grade_bars(result, grade)
        title1 = f"{grade.zh}人数 / {grade.en} counts"
    else:
        bars1 = distribution(heads)
        title1 = f"{main.zh}分布 / {main.en} distribution"
    zh2, en2, bars2 = group_bars(result)
    chart_row = 18
    for k, (title, bars, anchor) in enumerate(((title1, bars1, "A"), (f"{zh2} / {en2}", bars2, "G"))):
        if not bars:
            continue
        col = DATA_COL + 2 * k
        book.text(ws, 0, col, "项目 / Item", "header")
        book.text(ws, 0, col + 1, title, "header")
        for i, (label, value) in enumerate(bars):
            book.text(ws, 1 + i, col, label)
            book.text(ws, 1 + i, col + 1, value)
        ws.insert_chart(f"{anchor}{chart_row}", _chart(book, name, title, col, bars, counts=k == 0),
                        {"x_offset": 4, "y_offset": 4})

    top = chart_row + 14
    actions = needs_action(result, bottom)
    book.text(ws, top, 0, "需要处理 / Needs action", "section")
    for c in range(1, len(WIDTHS)):
        book.text(ws, top, c, "", "section")
    if not actions:
        book.text(ws, top + 1, 0, "无 / none", "muted")
    lines = [(who if k == 0 else "", why) for who, whys in actions for k, why in enumerate(whys)]  # a line per reason
    heights = {}
    for i, (who, why) in enumerate(lines[:ACTION_ROWS]):
        book.text(ws, top + 1 + i, 0, cut_text(who, 24), "wrap")
        ws.merge_range(top + 1 + i, 1, top + 1 + i, len(WIDTHS) - 1, "", book.fmt("wrap"))
        ws.write_string(top + 1 + i, 1, clamp_text(why), book.fmt("wrap"))  # (text as text, never a formula)
        heights[top + 1 + i] = max(ROW_HEIGHT, LINE_PT * text_lines(why, LINE - 24) + 2)
    if len(lines) > ACTION_ROWS:
        people = len({who for who, _ in actions}) - len({who for who, _ in lines[:ACTION_ROWS] if who})
        more = f"{len(lines) - ACTION_ROWS} 项，{people} 人 / {len(lines) - ACTION_ROWS} more ({people} people)" if people else \
            f"{len(lines) - ACTION_ROWS} 项 / {len(lines) - ACTION_ROWS} more"
        book.text(ws, top + 1 + ACTION_ROWS, 0, f"… 另有 {more}: 见 报表、标记、问题 表 / see the 报表, 标记 and 问题 sheets", "muted")
    last = top + 2 + min(len(lines), ACTION_ROWS)
    for r in range(1, last + 1):  # explicit heights: LibreOffice's own fit of CJK rows would push rows off the page
        ws.set_row(r, note_height if r == NOTE_ROW else heights.get(r, ROW_HEIGHT))
    ws.print_area(0, 0, last, len(WIDTHS) - 1)
