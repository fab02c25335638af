"""Template workbooks (``kpixl new``): what an HR clerk expects to type into.

Bilingual headers, frozen header rows, column widths, dropdowns for rule codes, employee ids,
metric codes, roles and rater types, date and number validation with an input hint on every
column, the scheme's editable rule table, and a report sheet whose cells hold
``=KPI_SCORE(A2)``-style formulas for the xlwings add-in. Written with openpyxl (which
supports validations and formulas), atomically.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula

from kpixl.core.criteria import bands_text
from kpixl.core.numbers import plain
from kpixl.core.periods import Period
from kpixl.core.scheme import Scheme

from . import contract
from .atomic import atomic_target
from .contract import Column, SheetSpec
from .dynamic_array import mark_dynamic_arrays

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_ROWS = {"employees": 1000, "events": 20000, "metrics": 20000, "ratings": 5000, "history": 20000,
              "parameters": 100, "rules": 500}
LISTS_SHEET = "选项"


def _quote(sheet: str) -> str:
    return f"'{sheet}'"


def _safe_text(value):
    """Text that would start a formula is written as text (openpyxl treats '=...' as a formula)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and len(value) > 1:
        return value, True
    return value, False


def _write_cell(ws, row: int, col: int, value) -> None:
    value, as_text = _safe_text(value)
    cell = ws.cell(row=row, column=col, value=value)
    if as_text:
        cell.data_type = "s"
        cell.quotePrefix = True


def _header(ws, columns: list[Column]) -> None:
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=col.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = max(col.width, len(col.header) * 1.2 + 2)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 20


def _prompt(dv: DataValidation, col: Column, extra_zh: str = "", extra_en: str = "") -> None:
    zh = col.hint_zh or extra_zh
    en = col.hint_en or extra_en
    if zh or en:
        dv.showInputMessage = True
        dv.promptTitle = col.zh[:32]
        dv.prompt = f"{zh}\n{en}".strip()[:255]


def _validations(ws, spec: SheetSpec, key: str, lists: dict[str, str]) -> None:
    last = INPUT_ROWS.get(key, 1000) + 1
    for j, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(j)
        rng = f"{letter}2:{letter}{last}"
        dv = None
        source = None
        if col.choices_from == "employees":
            source = f"{_quote(contract.SHEET_NAMES['employees'][0])}!$A$2:$A${INPUT_ROWS['employees'] + 1}"
        elif col.choices_from == "rules":
            source = f"{_quote(contract.SHEET_NAMES['rules'][0])}!$A$2:$A${INPUT_ROWS['rules'] + 1}"
        elif col.choices_from in lists:
            source = lists[col.choices_from]
        elif col.choices:
            source = lists.get(f"{key}.{col.key}")
        if source:
            dv = DataValidation(type="list", formula1=f"={source}", allow_blank=True)
            dv.error = "请从下拉列表中选择 / Pick a value from the dropdown."
            dv.errorTitle = "无效的值 / Invalid value"
            dv.showErrorMessage = not col.free  # a free column's list only suggests (job titles)
            _prompt(dv, col, "从下拉列表选择", "Pick from the dropdown")
        elif col.type == "date":
            dv = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                                formula2="DATE(2100,12,31)", allow_blank=True)
            dv.error = "请输入日期，如 2026-10-05 / Enter a date such as 2026-10-05."
            dv.errorTitle = "日期无效 / Invalid date"
            dv.showErrorMessage = True
            _prompt(dv, col, "日期，如 2026-10-05", "A date such as 2026-10-05")
        elif col.type in ("number", "integer", "money"):
            if key == "events" and col.key == "qty":
                dv = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True)
            elif key == "rules":  # deductions are negative; the sign is checked against the kind on reading
                dv = DataValidation(type="decimal", operator="between", formula1="-1000000000", formula2="1000000000",
                                    allow_blank=True)
            else:
                dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            dv.error = "请输入数字 / Enter a number."
            dv.errorTitle = "数字无效 / Invalid number"
            dv.showErrorMessage = True
            _prompt(dv, col)
        elif col.hint_zh or col.hint_en:
            dv = DataValidation(type="custom", formula1="TRUE", allow_blank=True)
            dv.showErrorMessage = False
            _prompt(dv, col)
        if dv is not None:
            dv.add(rng)
            ws.add_data_validation(dv)
        if col.type == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"


def _lists_sheet(wb: Workbook, scheme: Scheme, specs: list[SheetSpec]) -> dict[str, str]:
    """A hidden sheet with dropdown sources; returns {choices_from or 'sheet.col': range}."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    lists: dict[str, list[str]] = {
        "roles": list(scheme.roles),
        "metrics": list(scheme.metrics),
        "raters": list(contract.RATER_ROLES),
        "categories": list(scheme.categories),
        "kinds": list(contract.RULE_KINDS),
        "history": list(scheme.history),
    }
    alias: dict[str, str] = {}
    for spec in specs:
        for col in spec.columns:
            if col.choices and not col.choices_from:
                same = next((n for n, v in lists.items() if v == list(col.choices)), None)
                if same:
                    alias[f"{spec.key}.{col.key}"] = same
                else:
                    lists[f"{spec.key}.{col.key}"] = list(col.choices)
    lists = {k: v for k, v in lists.items() if v}
    ranges: dict[str, str] = {}
    for j, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=name)
        for i, v in enumerate(values, start=2):
            ws.cell(row=i, column=j, value=v)
        if values:
            ranges[name] = f"{_quote(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    for name, same in alias.items():
        ranges[name] = ranges[same]
    return ranges


def _guide(ws, scheme: Scheme, specs: list[SheetSpec]) -> None:
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 90
    rows: list[tuple[str, str]] = [
        (f"{scheme.title['zh']}", f"{scheme.title['en']}"),
        ("方案 / Scheme", f"{scheme.id} v{scheme.version}"),
        ("来源 / Source", scheme.source),
        ("", ""),
        ("使用步骤 / How to use", "1. 在 参数 表填写 PERIOD（考核月份，如 2026-10）。 Fill in PERIOD on the 参数 sheet."),
        ("", "2. 在 员工 表录入每位员工（工号唯一）。 List every employee on the 员工 sheet (unique IDs)."),
        ("", "   岗位 填本单位的岗位名称；只有规则依赖岗位（如 组长、客服顾问）而名称不同时，才在 方案岗位 列选择。"
             " Role: your own job title; only where a rule depends on the role and your title differs, pick the"
             " scheme's role in the Scheme role column."),
        ("", "3. 在 事件 表每行录入一件事：日期、工号、规则代码（下拉选择）、数量、取值。 One event per row on 事件."),
        ("", "4. 指标/参数按方案要求填写。 Fill in the metrics and parameters the scheme needs."),
        ("", "5. 检查：kpixl validate 本文件.xlsx ；出报表：kpixl report 本文件.xlsx -o 报表.xlsx"),
        ("", "   Check: kpixl validate BOOK.xlsx ; report: kpixl report BOOK.xlsx -o REPORT.xlsx"),
        ("", "6. 在 Excel 中装好 xlwings 加载项后，报表 表的 =KPI_TABLE() 会计算整张报表（见 README）。"),
        ("", "   With the xlwings add-in, =KPI_TABLE() on the 报表 sheet computes the whole report (see the README)."),
        ("", "规则 表可以修改分值、上下限和适用岗位；修改即生效，无效修改会报错。 Edits to 规则 take effect; invalid edits are reported."),
        ("", ""),
    ]
    if scheme.categories:
        rows.append(("类别 / Categories", "代码 code · 名称 · 上限 cap"))
        for c in scheme.categories.values():
            cap = f"最多扣 {plain(c.cap)} 分 / at most {plain(c.cap)} deducted" if c.cap is not None else "不封顶 / uncapped"
            rows.append((c.code, f"{c.zh} / {c.en} · {cap}"))
        rows.append(("", ""))
    if scheme.metrics:
        rows.append(("指标 / Metrics", "在 指标 表录入 / enter on the 指标 sheet"))
        for m in scheme.metrics.values():
            rows.append((m.code, f"{m.zh} / {m.en}" + (f" ({m.unit})" if m.unit else "")))
        rows.append(("", ""))
    if scheme.parameters:
        rows.append(("参数 / Parameters", "在 参数 表录入 / enter on the 参数 sheet"))
        for p in scheme.parameters.values():
            rows.append((p.code, f"{p.zh} / {p.en}"))
        rows.append(("", ""))
    if scheme.history:
        rows.append(("历史 / History", "以前月份的数据，在 历史 表录入 / earlier months' figures, on the 历史 sheet"))
        for h in scheme.history.values():
            rows.append((h.code, f"{h.zh} / {h.en}"))
    tables = [row for step in scheme.steps for row in step.guide_rows()]
    if tables:  # band tables, decision tables and rubric criteria, as the scheme defines them
        rows += [("", ""), ("计分表 / Scoring tables", "档位表、决策表和评分项目（按方案） / band tables, decision tables and criteria")]
        rows += tables
    for i, (a, b) in enumerate(rows, start=1):
        _write_cell(ws, i, 1, a)
        _write_cell(ws, i, 2, b)
    ws["A1"].font = Font(bold=True, size=14)
    ws["B1"].font = Font(bold=True, size=12)


def _rules_rows(scheme: Scheme) -> list[list]:
    rubric = next((s for s in scheme.steps if getattr(s, "rule_bands", False)), None)
    rows = []
    for r in scheme.rules.values():
        bands = [bands_text(rubric.bands_of(r.code)) if r.category == rubric.category else None] if rubric else []
        rows.append([r.code, r.zh, r.en, r.category or "", r.kind,
                     float(r.points) if r.points is not None else None,
                     float(r.min) if r.min is not None else None,
                     float(r.max) if r.max is not None else None,
                     r.unit, "、".join(r.roles), *bands, r.ruling])
    return rows


def _parameters_rows(scheme: Scheme, period: Period | None, values: dict | None) -> list[list]:
    values = dict(values or {})
    rows = [["SCHEME", "方案 / Scheme id", scheme.id, "不要修改 / do not change"],
            ["PERIOD", "考核期 / Period", period.label if period else values.pop("PERIOD", None),
             "考核月份，如 2026-10 / The month scored, e.g. 2026-10"]]
    for p in scheme.parameters.values():
        note = f"{p.en}" + (f" ({p.unit})" if p.unit else "")
        rows.append([p.code, p.zh, values.get(p.code), note])
    return rows


REPORT_FORMULA = '=IF(ISERR(KPI_TABLE()),"",KPI_TABLE())'
REPORT_NOTE = ("报表由 =KPI_TABLE() 计算（Excel + xlwings 加载项，或 xlwings Lite 的“计算本工作簿”）；"
               "没有加载项时本表为空白，请用 kpixl report。 / Computed by =KPI_TABLE() (Excel + the xlwings add-in, "
               "or xlwings Lite's 'score this workbook'); without them this sheet stays blank: use kpixl report.")


def _report(ws, scheme: Scheme) -> None:
    """One dynamic-array formula (A2) spills the header and one row per employee, so the sheet holds
    one UDF cell however many employees there are. ISERR is true for every error except #N/A: where
    the add-in is absent (#NAME?) the sheet is blank, while a blocked employee's #N/A stays visible."""
    ws["A1"] = REPORT_NOTE
    ws["A1"].font = Font(italic=True, color="666666")
    ws["A2"] = ArrayFormula("A2", REPORT_FORMULA)
    widths = [12, 10] + [14] * len(scheme.outputs) + [24, 50]
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = "C3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "&A  &P / &N"


XLWINGS_CONF = "xlwings.conf"


def _xlwings_conf(wb: Workbook) -> None:
    """The xlwings add-in's workbook settings (key in A, value in B, read from A1 down to the first
    blank; column C is a note for the clerk)."""
    ws = wb.create_sheet(XLWINGS_CONF)
    rows = [
        ("UDF Modules", "kpixl.xl.udfs", "kpixl 的函数模块，不要修改 / the module with kpixl's functions; keep it"),
        ("#Interpreter_Win", r"%LOCALAPPDATA%\Programs\Python\Python312\pythonw.exe",
         "装有多个 Python 时：去掉 A2 开头的 #，把 B2 改成装了 kpixl 的 pythonw.exe（命令 where python 可查）。 "
         "With several Pythons: remove the # in A2 and set B2 to the pythonw.exe that has kpixl (see: where python)."),
    ]
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row, start=1):
            _write_cell(ws, i, j, v)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 56
    ws.column_dimensions["C"].width = 90


def _fill(ws, spec: SheetSpec, rows: Iterable[dict]) -> None:
    keys = [c.key for c in spec.columns]
    for i, rec in enumerate(rows, start=2):
        for j, k in enumerate(keys, start=1):
            if k in rec and rec[k] is not None:
                _write_cell(ws, i, j, rec[k])


def build_workbook(scheme: Scheme, path: str | os.PathLike, period: Period | None = None,
                   data: dict | None = None, excel: bool = False) -> Path:
    """Write a template (or, with ``data``, a filled workbook) for ``scheme`` to ``path`` atomically;
    ``excel`` adds the xlwings.conf sheet for the Windows add-in."""
    data = data or {}
    wb = Workbook()
    guide = wb.active
    guide.title = contract.SHEET_NAMES["guide"][0]
    specs = contract.input_sheets(scheme)
    lists = {}
    sheets = {}
    order = ["employees", "events", "metrics", "ratings", "history", "parameters", "rules"]
    by_key = {s.key: s for s in specs}
    for key in order:
        if key in by_key:
            sheets[key] = wb.create_sheet(by_key[key].zh)
    report = wb.create_sheet(contract.SHEET_NAMES["report"][0])
    lists = _lists_sheet(wb, scheme, specs)
    _guide(guide, scheme, specs)
    for key, ws in sheets.items():
        spec = by_key[key]
        _header(ws, list(spec.columns))
        _validations(ws, spec, key, lists)
        if key == "rules":
            for i, row in enumerate(_rules_rows(scheme), start=2):
                for j, v in enumerate(row, start=1):
                    _write_cell(ws, i, j, v)
        elif key == "parameters":
            for i, row in enumerate(_parameters_rows(scheme, period, data.get("parameters")), start=2):
                for j, v in enumerate(row, start=1):
                    _write_cell(ws, i, j, v)
        else:
            _fill(ws, spec, data.get(key, []))
        if key in ("employees", "events", "metrics", "ratings", "history"):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}1"
    _report(report, scheme)
    if excel:
        _xlwings_conf(wb)
    with atomic_target(path) as tmp:
        wb.save(tmp)
        mark_dynamic_arrays(tmp, wb.sheetnames.index(report.title) + 1, ["A2"])
    return Path(path)
