"""The workbook contract: which sheets and columns a kpixl workbook has.

Pure data (no Excel library). The template builder writes these sheets, the parser reads
them, and the README's "Sheet contract" section describes them. Headers are bilingual
(``日期 / Date``); the parser accepts the Chinese label, the English label, both, or the
column key, so a clerk's own workbook with ``Date`` or ``日期`` works too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from kpixl.core.invisible import visible
from kpixl.core.scheme import Scheme


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    type: str = "text"  # text, code, id, date, number, integer, money, percent, boolean, period, any
    required: bool = False
    width: int = 12
    choices_from: str | None = None  # "rules", "employees", "metrics", "roles", "raters", "categories", "kinds"
    choices: tuple[str, ...] = ()
    hint_zh: str = ""
    hint_en: str = ""
    free: bool = False  # the dropdown only suggests: any typed value is accepted (job titles)
    percent: bool = True  # a number column: whether a percent (62% is 62) is a number here

    @property
    def takes_percent(self) -> bool:
        """A count, an amount of money or a whole number is never a percent."""
        return self.type == "number" and self.percent

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class SheetSpec:
    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    # (record code, its choices): the "value" of a row whose code (metric) is one of these is that
    # text, read as the choice it spells (S14 GB_MEMBER_GRADE: "B级" is B), never as a number or yes/no
    value_choices: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


# Canonical sheet names; the parser also accepts the English name.
SHEET_NAMES = {
    "guide": ("说明", "Guide"),
    "parameters": ("参数", "Parameters"),
    "employees": ("员工", "Employees"),
    "events": ("事件", "Events"),
    "metrics": ("指标", "Metrics"),
    "ratings": ("评分", "Ratings"),
    "rules": ("规则", "Rules"),
    "history": ("历史", "History"),
    "report": ("报表", "Report"),
}

OWN_SHEETS = ("guide", "report")  # written by kpixl, never read as input (a copy of them is no input)
# A sheet Excel, WPS or LibreOffice copied: "事件 (2)", "事件（2）", "事件_2", "事件 - 副本", "Copy of Events"
_COPY = re.compile(r"^(?:copy\s*of\s*)?(.*?)(?:\s*[(（]\d+[)）]|_\d+|\s*-?\s*(?:副本|copy)(?:\s*\d+)?)?$", re.I)


def copied_from(sheet: str) -> str:
    """The name a copied sheet was copied from (``事件 (2)`` -> ``事件``); any other name itself."""
    return _COPY.match(sheet.strip()).group(1)


RESERVED_PARAMETERS = {
    "SCHEME": ("方案", "Scheme id"),
    "PERIOD": ("考核期", "Period (YYYY-MM)"),
}

RATER_ROLES = ("RATER_SELF", "RATER_SUPERIOR", "RATER_GROUP")
RULE_KINDS = ("deduct", "bonus", "money", "flag", "info", "derived")


def _sheet(key: str, columns: list[Column]) -> SheetSpec:
    zh, en = SHEET_NAMES[key]
    return SheetSpec(key, zh, en, tuple(columns))


def parameters_sheet() -> SheetSpec:
    return _sheet("parameters", [
        Column("code", "参数代码", "Parameter", "code", True, 28),
        Column("name", "名称", "Name", "text", False, 30),
        Column("value", "数值", "Value", "any", False, 16,
               hint_zh="百分比按百分数填写，如 96.5 表示 96.5%", hint_en="Percentages in percent units: 96.5 means 96.5%"),
        Column("note", "说明", "Note", "text", False, 50),
    ])


def employees_sheet(scheme: Scheme) -> SheetSpec:
    cols = [
        Column("id", "工号", "Employee ID", "id", True, 12, hint_zh="每人唯一", hint_en="Unique per person"),
        Column("name", "姓名", "Name", "text", True, 12),
        Column("role", "岗位", "Role", "text", False, 12, choices_from="roles" if scheme.roles else None,
               choices=scheme.roles, free=True, hint_zh="本单位的岗位名称，可自由填写", hint_en="Your own job title; any text"),
        Column("department", "部门", "Department", "text", False, 14),
        Column("team", "小组", "Team", "text", False, 12),
    ]
    for f in scheme.attributes:
        ctype = {"money": "money", "date": "date", "boolean": "boolean", "number": "number",
                 "integer": "integer"}.get(f.type, "text")
        cols.append(Column(f.code, f.zh, f.en, ctype, f.required, 14, choices=f.choices,
                           hint_zh=f.hint_zh, hint_en=f.hint_en))
    # last, so the columns of existing workbooks keep their letters
    cols.append(Column("scheme_role", "方案岗位", "Scheme role", "text", False, 12,
                       choices_from="roles" if scheme.roles else None, choices=scheme.roles,
                       hint_zh="仅当规则依赖岗位、而岗位名称与方案不同时填写（如 班长 → 组长）",
                       hint_en="Only where a rule depends on the role and your title differs (e.g. 班长 -> 组长)"))
    return _sheet("employees", cols)


def events_sheet(scheme: Scheme) -> SheetSpec:
    cols = [
        Column("date", "日期", "Date", "date", True, 12, hint_zh="事件发生日期，如 2026-10-05",
               hint_en="Date of the event, e.g. 2026-10-05"),
        Column("employee", "工号", "Employee ID", "id", True, 12, choices_from="employees",
               hint_zh="从员工表选择工号", hint_en="Pick an ID from the Employees sheet"),
        Column("rule", "规则代码", "Rule code", "code", True, 26, choices_from="rules",
               hint_zh="从规则表选择代码", hint_en="Pick a code from the Rules sheet"),
        Column("qty", "数量", "Qty", "number", False, 8, percent=False,
               hint_zh="次数/人次/小时，空白为 1", hint_en="Occurrences, person-times or hours; blank = 1"),
        Column("value", "取值", "Value", "number", False, 8,
               hint_zh="仅范围规则填写：扣分分值（正数）或百分比", hint_en="Range rules only: the chosen points (positive) or percent"),
        Column("note", "备注", "Note", "text", False, 30),
    ]
    for f in scheme.event_fields:
        ctype = {"boolean": "boolean", "number": "number", "integer": "integer", "date": "date"}.get(f.type, "text")
        cols.append(Column(f.code, f.zh, f.en, ctype, False, 14, choices=f.choices,
                           hint_zh=f.hint_zh, hint_en=f.hint_en))
    return _sheet("events", cols)


def metrics_sheet(scheme: Scheme) -> SheetSpec:
    team_scoped = any(m.scope in ("team", "department") for m in scheme.metrics.values())
    cols = [Column("employee", "工号", "Employee ID", "id", not team_scoped, 12, choices_from="employees")]
    if team_scoped:
        cols.append(Column("team", "小组/部门", "Team", "text", False, 12))
    cols += [
        Column("metric", "指标代码", "Metric", "code", True, 26, choices_from="metrics"),
        Column("value", "数值", "Value", "any", True, 12,
               hint_zh="百分比填百分数：96.5 表示 96.5%", hint_en="Rates in percent: 96.5 means 96.5%"),
        Column("date", "日期", "Date", "date", False, 12, hint_zh="日数据填写", hint_en="Daily figures only"),
        Column("week_start", "周一日期", "Week start", "date", False, 12,
               hint_zh="周数据填该周周一", hint_en="Weekly figures: that week's Monday"),
        Column("period", "所属月份", "Period", "period", False, 10,
               hint_zh="其他月份的数据，如 2026-09", hint_en="A figure of another month, e.g. 2026-09"),
        Column("note", "备注", "Note", "text", False, 24),
    ]
    spec = _sheet("metrics", cols)
    return replace(spec, value_choices=tuple((m.code, m.choices) for m in scheme.metrics.values() if m.choices))


def ratings_sheet() -> SheetSpec:
    return _sheet("ratings", [
        Column("employee", "工号", "Employee ID", "id", True, 12, choices_from="employees"),
        Column("rater", "评分人类型", "Rater", "code", True, 18, choices_from="raters", choices=RATER_ROLES),
        Column("score", "分数", "Score", "number", True, 10),
        Column("rater_name", "评分人", "Rater name", "text", False, 14),
    ])


def rules_sheet(scheme: Scheme | None = None) -> SheetSpec:
    bands = [Column("bands", "评分档", "Bands", "text", False, 40,
                    hint_zh="评分项目的档：每行一个，如 “13-15 流畅清楚”；档不得重叠，0 到满分每个得分都要有档",
                    hint_en="A criterion's bands, one per line, e.g. '13-15 fluent'; no overlaps, every score from 0 "
                            "to the maximum in a band")] if scheme is not None and uses_rule_bands(scheme) else []
    return _sheet("rules", [
        Column("code", "规则代码", "Code", "code", True, 26),
        Column("zh", "中文名", "Name (zh)", "text", True, 36),
        Column("en", "英文名", "Name (en)", "text", False, 36),
        Column("category", "类别", "Category", "code", False, 10, choices_from="categories"),
        Column("kind", "类型", "Kind", "text", True, 10, choices=RULE_KINDS,
               hint_zh="deduct 扣分 / bonus 加分 / money 扣款 / flag 标记 / info 仅记录 / derived 自动计算",
               hint_en="deduct / bonus / money / flag / info / derived"),
        Column("points", "分值/金额", "Points / amount", "number", False, 12,
               hint_zh="扣分写负数；扣款写元或百分比", hint_en="Deductions negative; money rules: yuan or percent"),
        Column("min", "下限", "Min", "number", False, 8),
        Column("max", "上限", "Max", "number", False, 8),
        Column("unit", "单位", "Unit", "text", False, 12),
        Column("roles", "适用岗位", "Roles", "text", False, 14, hint_zh="多个岗位用、分隔；空白为全部",
               hint_en="Several roles separated by 、 or comma; blank = everyone"),
        *bands,
        Column("note", "说明", "Note", "text", False, 40),
    ])


def history_sheet() -> SheetSpec:
    """Figures and results of earlier periods that a rule needs (R-G-16 history rows)."""
    return _sheet("history", [
        Column("employee", "工号", "Employee ID", "id", False, 12,
               hint_zh="员工的历史数据填工号", hint_en="Employee history: the employee's ID"),
        Column("team", "小组/部门", "Team", "text", False, 12, hint_zh="小组的历史数据填小组", hint_en="Team history: the team"),
        Column("period", "月份", "Period", "period", True, 10, hint_zh="所属月份，如 2026-09", hint_en="The month, e.g. 2026-09"),
        Column("item", "项目代码", "Item", "code", True, 24, choices_from="history",
               hint_zh="历史项目代码（见说明表）", hint_en="History item code (see the Guide sheet)"),
        Column("value", "数值", "Value", "any", True, 12),
        Column("note", "备注", "Note", "text", False, 24),
    ])


def input_sheets(scheme: Scheme) -> list[SheetSpec]:
    """The input sheets a workbook for ``scheme`` has, in workbook order."""
    sheets = [parameters_sheet(), employees_sheet(scheme)]
    if scheme.rules:  # a scheme without rules (S2) has no Events sheet
        sheets.append(events_sheet(scheme))
    if scheme.metrics:
        sheets.append(metrics_sheet(scheme))
    if uses_ratings(scheme):
        sheets.append(ratings_sheet())
    if scheme.history:
        sheets.append(history_sheet())
    sheets.append(rules_sheet(scheme))
    return sheets


def uses_ratings(scheme: Scheme) -> bool:
    return any(getattr(step, "uses_ratings", False) for step in scheme.steps)


def uses_rule_bands(scheme: Scheme) -> bool:
    """A rubric scheme (S9): its Rules sheet carries each criterion's bands."""
    return any(getattr(step, "rule_bands", False) for step in scheme.steps)


_SPACE = re.compile(r"[\s_/()（）:：\-]+")


def normalise_header(text: object) -> str:
    return _SPACE.sub("", visible(str(text or ""))).lower()


# Other headers a clerk's own workbook obviously means (English words, Traditional Chinese), by the
# column's Chinese label. Anything else is an unknown header, reported as a warning.
HEADER_ALIASES = {
    "数量": ("Quantity", "數量"),
    "工号": ("工號",),
    "规则代码": ("規則代碼", "Rule"),
    "数值": ("數值",),
    "备注": ("備註", "Remark", "Remarks", "Notes"),
    "指标代码": ("指標代碼",),
    "日期": ("Day",),
}


def header_aliases(col: Column) -> set[str]:
    zh, en = normalise_header(col.zh), normalise_header(col.en)
    extra = {normalise_header(a) for a in HEADER_ALIASES.get(col.zh, ())}
    return {zh, en, normalise_header(col.key), zh + en, en + zh} | extra


def with_type(col: Column, ctype: str) -> Column:
    return replace(col, type=ctype)
