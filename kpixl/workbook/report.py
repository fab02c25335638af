"""Report workbooks: a NEW workbook with the results as values (the input is never touched).

Sheets, in order: 总览 Summary (one page: counts, the headline's statistics, charts, who needs
action; report_summary.py), 报表 Report (one row per employee, ranked by the headline), 小组
Groups (schemes with groups), 考核单 Statements (one printable page per employee;
report_statements.py), 明细 Detail (every contribution with its source cell, points before and
after the category cap, money; above DETAIL_MAX lines they go to a companion file beside the
report and 明细 says where: report_detail.py), 标记 Flags, 问题 Issues (every problem with its cell and fix)
and 信息 About (scheme, period, source, versions). Every sheet prints: A4, fit to one page
wide, header rows repeated, scheme, period and page number in the header and footer.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from kpixl import __version__
from kpixl.core.errors import Problem, problem
from kpixl.core.gcpause import paused_gc
from kpixl.core.numbers import plain
from kpixl.core.result import Result

from . import report_detail
from .atomic import atomic_target
from .outputs import check_output
from .parse import column_letter
from .report_book import ReportBook, header_footer_text
from .report_data import (
    LINE_PT,
    fit_width,
    flag_labels,
    ranked_employees,
    teams_in_order,
    text_lines,
    value_label,
)
from .report_detail import (
    companion_alongside,
    companion_path,
    detail_count,
    detail_sheet,
    goes_apart,
    notice_sheet,
    remove_companion,
    where_text,
)
from .report_statements import STATEMENTS_MAX, statement_sheets
from .report_summary import summary_sheet
from .xlsx_out import OutSheet

REPORT_SHEETS = {"summary": "总览", "report": "报表", "groups": "小组", "statements": "考核单", "detail": "明细",
                 "flags": "标记", "issues": "问题", "about": "信息"}
STATUS_OK, STATUS_ERROR = "正常 ok", "错误 error"


def _fmt_kind(fmt: str) -> str:
    return {"money": "money", "percent": "percent", "integer": "integer", "text": "text"}.get(fmt, "points")


_NUMBER_KINDS = {"decimal", "integer", "floating", "mixed-integer-float", "empty"}


def _column(values: list):
    """Numbers as a float array (the writer's fast path; the cell text is the same decimal), else as they are."""
    if pd.api.types.infer_dtype(values, skipna=True) in _NUMBER_KINDS:  # numbers and None only
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype="float64")
    return values


def report_sheet(result: Result, rows: list | None = None) -> OutSheet:
    """报表: one row per employee, ranked by the headline (R-G-2 places), blocked ones last.
    ``rows``: ranked_employees(result), when the caller has them."""
    scheme = result.scheme
    rows = ranked_employees(result) if rows is None else rows
    emps = [r.employee for r in rows]
    ok = [e.status != "error" for e in emps]
    sheet = OutSheet(REPORT_SHEETS["report"])

    def add(header, values, kind="text", lo=6, hi=40):
        if isinstance(values, list):  # an object array of texts takes the writer's fast path
            values = np.array(values, dtype=object)
        sheet.add(header, values, kind, fit_width(header, values, lo, hi))

    add("名次 / Rank", np.array([np.nan if r.rank is None else r.rank for r in rows], dtype="float64"), "integer", lo=7)
    add("工号 / Employee ID", [e.id for e in emps])
    add("姓名 / Name", [e.name for e in emps])
    add("岗位 / Role", [e.role for e in emps])
    add("部门 / Department", [e.department for e in emps])
    if any(e.team for e in emps):
        add("小组 / Team", [e.team for e in emps])
    add("状态 / Status", [STATUS_OK if e.status == "ok" else e.status_text for e in emps])
    keys = [out.value for out in scheme.outputs]
    table = pd.DataFrame.from_records([e.values if k else {} for e, k in zip(emps, ok, strict=True)],
                                      columns=keys, coerce_float=False) if emps else pd.DataFrame(columns=keys)
    for out in scheme.outputs:
        col = table[out.value]
        if pd.api.types.infer_dtype(col, skipna=True) in _NUMBER_KINDS:
            values = col.to_numpy(dtype="float64", na_value=float("nan"))
        else:
            values = col.astype(object).where(col.notna(), None).tolist()
        add(f"{out.zh} / {out.en}", values, _fmt_kind(out.format), lo=9, hi=13)
    flagged = {f["employee"] for f in result.flags}
    add("标记 / Flags", [flag_labels(result, e.id) if k and e.id in flagged else "" for e, k in zip(emps, ok, strict=True)],
        hi=30)
    problems = ["; ".join(p.short() for p in e.problems[:3]) + (" …" if len(e.problems) > 3 else "") if e.problems
                else "" for e in emps]
    sheet.add("问题 / Problems", problems, "wrap", 40 if any(problems) else 14)
    if any(problems):
        sheet.heights = wrapped_heights(sheet)
    return sheet


def _style_report(book: ReportBook, ws, sheet: OutSheet, result: Result) -> None:
    """Colours: a data bar on the headline, red rows for blocked employees, flag cells highlighted."""
    n = sheet.n_rows
    if not n:
        return
    headers = [c.header for c in sheet.columns]
    last = column_letter(len(headers) - 1)
    main = result.scheme.main_output
    head_col = headers.index(f"{main.zh} / {main.en}")
    status = column_letter(headers.index("状态 / Status"))
    if main.format != "text":
        ws.conditional_format(1, head_col, n, head_col, {"type": "data_bar", "bar_color": "#5B9BD5", "bar_solid": True})
    ws.conditional_format(f"A2:{last}{n + 1}", {"type": "formula", "criteria": f'=${status}2="{STATUS_ERROR}"',
                                                "format": book.fmt("blocked_row")})
    flags_col = headers.index("标记 / Flags")
    ws.conditional_format(1, flags_col, n, flags_col, {"type": "no_blanks", "format": book.fmt("flag_cell")})


def groups_sheet(result: Result) -> OutSheet:
    """小组 Groups: one row per group (S14), in natural order (一组, 二组, 十组), values with their labels, members."""
    teams = teams_in_order(result.groups)
    preferred = ["group.total", "group.rank", "group.grade"]
    found = {k for t in teams for k in result.groups[t]}
    keys = [k for k in preferred if k in found] + sorted(found - set(preferred), key=lambda k: (k.endswith(".label"), k))
    # a ".label" value that only repeats its base value says nothing new
    keys = [k for k in keys if not (k.endswith(".label") and k[:-6] in found
                                    and all(result.groups[t].get(k) == result.groups[t].get(k[:-6]) for t in teams))]
    members: dict[str, list[str]] = {}
    for e in result.employees:
        if e.team:
            members.setdefault(e.team, []).append(f"{e.id} {e.name}".strip())
    kinds = {o.value: _fmt_kind(o.format) for o in result.scheme.outputs}
    sheet = OutSheet(REPORT_SHEETS["groups"])
    sheet.add("小组 / Group", teams, width=fit_width("小组 / Group", teams))
    for k in keys:
        zh, en = value_label(result, k)
        values = _column([result.groups[t].get(k) for t in teams])
        sheet.add(f"{zh} / {en}", values, kinds.get(k, "text" if isinstance(values, list) else "points"),
                  fit_width(f"{zh} / {en}", [], lo=10, hi=18))
    sheet.add("成员 / Members", ["、".join(members.get(t, [])) for t in teams], "wrap", 40)
    return sheet


def flags_sheet(result: Result) -> OutSheet:
    names = {e.id: e.name for e in result.employees}
    flags = result.flags
    sheet = OutSheet(REPORT_SHEETS["flags"])
    sheet.add("工号 / Employee ID", [f["employee"] for f in flags], width=12)
    sheet.add("姓名 / Name", [names.get(f["employee"], "") for f in flags], width=10)
    sheet.add("代码 / Code", [f["code"] for f in flags], width=24)
    sheet.add("标记 / Flag", [f["label_zh"] for f in flags], width=30)
    sheet.add("Flag (en)", [f["label_en"] for f in flags], width=30)
    sheet.add("参数 / Params", [", ".join(f"{k}={v}" for k, v in f["params"].items()) for f in flags], width=24)
    sheet.add("来源 / Source", [", ".join(f["sources"]) for f in flags], width=24)
    return sheet


def with_owners(result: Result) -> list[Problem]:
    """The month's problems, a cell's problem naming the employee whose row it is: a bad cell on an
    event row is listed once without an owner and blocks its row's employee with an owned copy."""
    owners: dict[tuple[str, str], set[str]] = {}
    for e in result.employees:
        for p in e.problems:
            if p.employee:
                owners.setdefault((p.code, p.where), set()).add(p.employee)
    out = []
    for p in result.problems:
        who = owners.get((p.code, p.where), ()) if p.employee is None and p.where else ()
        out.append(replace(p, employee=next(iter(who))) if len(who) == 1 else p)
    return out


def issues_sheet(problems: list[Problem]) -> OutSheet:
    sheet = OutSheet(REPORT_SHEETS["issues"])
    if not problems:
        problems = [problem("none", "", "没有发现问题。", "No problems found.", severity="info")]
    sheet.add("位置 / Where", [p.where for p in problems], width=28)
    sheet.add("级别 / Severity", [{"error": "错误 error", "warning": "警告 warning"}.get(p.severity, p.severity)
                                  for p in problems], width=12)
    sheet.add("工号 / Employee", [p.employee or "" for p in problems], width=10)
    sheet.add("问题", [p.zh for p in problems], "wrap", width=50)
    sheet.add("Problem", [p.en for p in problems], "wrap", width=50)
    sheet.add("修正", [p.fix_zh for p in problems], "wrap", width=40)
    sheet.add("Fix", [p.fix_en for p in problems], "wrap", width=40)
    sheet.heights = wrapped_heights(sheet)
    return sheet


def wrapped_heights(sheet: OutSheet) -> list[float | None]:
    """Each row as high as its longest wrapped cell (a reader's row is never cut or overdrawn: Excel
    and LibreOffice do not fit a streamed row to its text); None where one line fits."""
    wraps = [c for c in sheet.columns if c.kind == "wrap"]
    out: list[float | None] = []
    for i in range(sheet.n_rows):
        lines = max((text_lines(c.values[i], c.width) for c in wraps if i < len(c.values) and c.values[i]), default=1)
        out.append(min(409.0, LINE_PT * lines + 3) if lines > 1 else None)
    return out


def about_sheet(result: Result | None, source: str, extra: dict | None = None) -> OutSheet:
    rows = [
        ("kpixl", __version__),
        ("生成时间 / Generated", dt.datetime.now().isoformat(timespec="seconds")),
        ("来源工作簿 / Source workbook", source),
    ]
    if result is not None:
        rows += [
            ("方案 / Scheme", f"{result.scheme.id} v{result.scheme.version}"),
            ("方案名称 / Scheme title", f"{result.scheme.title['zh']} / {result.scheme.title['en']}"),
            ("考核期 / Period", result.period.label),
            ("员工数 / Employees", str(len(result.employees))),
            ("计分正常 / Scored", str(sum(e.ok for e in result.employees))),
            ("有错误 / With errors", str(sum(not e.ok for e in result.employees))),
            ("舍入 / Rounding", "Decimal, 四舍五入 half-up; 金额到分 money to 0.01 yuan (R-G-4)"),
        ]
    for k, v in (extra or {}).items():
        rows.append((k, str(v)))
    sheet = OutSheet(REPORT_SHEETS["about"])
    sheet.add("项目 / Item", [r[0] for r in rows], width=28)
    sheet.add("内容 / Value", [r[1] for r in rows], width=60)
    return sheet


def _book(result: Result | None, source: str) -> ReportBook:
    if result is None:
        return ReportBook(header_footer_text(f"kpixl · {Path(source).name}"), header_footer_text(Path(source).name))
    title = result.scheme.title
    return ReportBook(header_footer_text(f"{title['zh']} · 考核期 Period {result.period.label}", 70),
                      header_footer_text(f"{title['en']} ({result.scheme.id})", 70))


def write_report(result: Result, out: str | os.PathLike, source_path: str | os.PathLike | None = None, *,
                 ledger_version: str | None = None, statements: bool | None = None) -> Path:
    """Write the report workbook atomically; refuse to overwrite the input workbook (see _write_report)."""
    with paused_gc():
        return _write_report(result, out, source_path, ledger_version=ledger_version, statements=statements)


def _write_report(result: Result, out: str | os.PathLike, source_path: str | os.PathLike | None = None, *,
                  ledger_version: str | None = None, statements: bool | None = None) -> Path:
    """Write the report workbook atomically; refuse to overwrite the input workbook.

    ``ledger_version``: the closed ledger's version, printed on every statement (None: not closed).
    ``statements``: write the 考核单 sheet(s); None (default) = when at most STATEMENTS_MAX employees.
    Never when the detail goes to the companion (statements list every line).
    Above DETAIL_MAX detail lines the detail goes to the companion file (report_detail.py),
    written with the workbook: both appear or neither does. A companion of an earlier report of
    the same name that no longer applies is removed.
    """
    out = Path(out)
    companion = companion_path(out)
    n_lines = detail_count(result)
    apart = goes_apart(result)
    if source_path is not None:
        check_output(out, [source_path], force=True)
        if apart:
            check_output(companion, [source_path], force=True)
    book = _book(result, result.source)
    if statements is None:
        statements = len(result.employees) <= STATEMENTS_MAX
    notes = {}
    if apart and statements:  # statements list every line: over the limit they could pass Excel's rows too
        statements = False
        notes["考核单 / Statements"] = (
            f"考核单未生成：明细超过 {report_detail.DETAIL_MAX:,} 行；单人明细见下 / "
            f"Statements left out: more than {report_detail.DETAIL_MAX:,} detail lines; one person's lines: see below")
    elif not statements:
        notes["考核单 / Statements"] = (
            f"考核单未生成：{len(result.employees)} 名员工，超过 {STATEMENTS_MAX}；用 kpixl explain 工作簿 工号 查看单人明细 / "
            f"Statements left out: {len(result.employees)} employees, more than {STATEMENTS_MAX}; "
            "kpixl explain BOOK ID shows one person's lines")
    if apart:
        notes["明细 / Detail"] = " / ".join(where_text(companion, n_lines))
    extra = {"账本版本 / Ledger version": ledger_version or "未结账 / not closed",
             "明细行数 / Detail lines": f"{n_lines:,}" + ("" if apart else " (明细 表 / on the 明细 sheet)"), **notes}
    if not apart:
        _sheets(book, result, notes, extra, statements, ledger_version, None)
        book.save(out)
        remove_companion(out)
        return out
    # both appear or neither does: the companion is written in a second thread from the start (the
    # sheets below never read the ledger or the money lines), the workbook is saved to a temporary
    # name, and both are renamed only when both are complete
    with atomic_target(companion) as tmp, atomic_target(out) as book_tmp, companion_alongside(result, tmp, companion):
        _sheets(book, result, notes, extra, statements, ledger_version, (companion, n_lines))
        book.save(book_tmp, atomic=False)
    return out


def _sheets(book: ReportBook, result: Result, notes: dict, extra: dict, statements: bool, ledger_version: str | None,
            apart: tuple[Path, int] | None) -> None:
    """Every sheet of the report into ``book``; ``apart``: (companion, lines) when the detail goes there."""
    ranked = ranked_employees(result)
    summary_sheet(book, result, REPORT_SHEETS["summary"], notes=list(notes.values()), ranked=ranked)
    report = report_sheet(result, ranked)
    _style_report(book, book.table(report.name, report), report, result)
    if result.groups:
        book.table(REPORT_SHEETS["groups"], groups_sheet(result))
    if statements:
        statement_sheets(book, result, REPORT_SHEETS["statements"], ledger_version)
    if apart:
        book.table(REPORT_SHEETS["detail"], notice_sheet(*apart, REPORT_SHEETS["detail"]), autofilter=False)
    else:
        book.table(REPORT_SHEETS["detail"], detail_sheet(result, REPORT_SHEETS["detail"]))
    for sheet in (flags_sheet(result), issues_sheet(with_owners(result))):
        book.table(sheet.name, sheet)
    about = about_sheet(result, result.source, extra)
    book.table(about.name, about, landscape=False, autofilter=False)


def write_error_report(out: str | os.PathLike, source: str, problems: list[Problem]) -> Path:
    """A report for a workbook that could not be scored at all: Issues and About only."""
    book = _book(None, source)
    book.table(REPORT_SHEETS["issues"], issues_sheet(problems))
    book.table(REPORT_SHEETS["about"], about_sheet(None, source), landscape=False, autofilter=False)
    book.save(Path(out))
    remove_companion(out)
    return Path(out)


def summary_lines(result: Result, limit: int = 12) -> list[str]:
    """A one-screen summary: counts, the top scores and the problems."""
    from kpixl.terminal import printable

    main = result.scheme.main_output
    ok = [e for e in result.employees if e.ok]
    lines = [f"{result.scheme.title['zh']} ({result.scheme.id}) · {result.period.label} · {printable(result.source)}",
             f"员工 employees {len(result.employees)} · 正常 scored {len(ok)} · 错误 errors "
             f"{len(result.employees) - len(ok)} · 标记 flags {len(result.flags)}"]
    ranked = sorted(ok, key=lambda e: e.values.get(main.value) or 0, reverse=True)
    for e in ranked[:limit]:
        money_total = e.values.get("money.deductions")
        money_txt = f"  扣款 {money_total} 元" if money_total else ""
        lines.append(f"  {printable(e.id):<10} {printable(e.name):<8} {main.zh} {plain(e.values[main.value]) if e.values.get(main.value) is not None else '-':>8}{money_txt}")
    if len(ranked) > limit:
        lines.append(f"  … {len(ranked) - limit} more")
    return lines
