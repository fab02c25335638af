"""The workbook's editable rule table (规则 / Rules sheet).

A clerk may change a rule's names, category, points, range, unit and role restriction, and
add simple rules; the edited table is what scores the workbook. An invalid edit is a located
error, never ignored. A rule's kind cannot be changed in the workbook (that changes how the
scheme works; edit the scheme file instead).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from decimal import Decimal

from .errors import Problem, SchemeError, problem
from .inputs import Table
from .numbers import to_decimal
from .scheme import Rule, Scheme, check_rule

_KIND_ALIASES = {
    "deduct": "deduct", "扣分": "deduct", "bonus": "bonus", "加分": "bonus", "money": "money", "扣款": "money",
    "奖金": "money", "flag": "flag", "标记": "flag", "info": "info", "记录": "info", "仅记录": "info",
    "derived": "derived", "自动": "derived", "自动计算": "derived",
}
_ROLE_SPLIT = re.compile(r"[、,，;；/]+")


def _dec(v) -> Decimal | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return to_decimal(v)


def apply_rules_sheet(scheme: Scheme, table: Table) -> tuple[Scheme, list[Problem]]:
    """The scheme with the workbook's rule table, and the problems of that table."""
    problems: list[Problem] = []
    frame = table.frame
    rules: dict[str, Rule] = {}
    seen_rows: dict[str, int] = {}
    for r in frame.itertuples(index=False):
        row = int(r.xl_row)
        if r.xl_bad:
            problems.append(problem("bad_rule_row", table.ref("code", row), f"规则表第 {row} 行有无法读取的单元格。",
                                    f"Row {row} of the Rules sheet has unreadable cells.", "修正该行。", "Fix that row."))
            continue
        code = r.code
        if code in seen_rows:
            problems.append(problem("rule_duplicate", table.ref("code", row), f"规则代码 {code} 重复（第 {seen_rows[code]} 行已有）。",
                                    f"Rule code {code} appears twice (already on row {seen_rows[code]}).",
                                    "删除其中一行。", "Delete one of the rows."))
            continue
        seen_rows[code] = row
        kind = _KIND_ALIASES.get(str(r.kind).strip().lower(), _KIND_ALIASES.get(str(r.kind).strip()))
        base = scheme.rules.get(code)
        if kind is None:
            problems.append(problem("rule_kind", table.ref("kind", row), f"类型 “{r.kind}” 无效。", f"Kind '{r.kind}' is not valid.",
                                    "填写 deduct、bonus、money、flag、info 或 derived。",
                                    "Use deduct, bonus, money, flag, info or derived."))
            continue
        if base is not None and kind != base.kind:
            problems.append(problem("rule_kind_changed", table.ref("kind", row),
                                    f"{code} 的类型不能在工作簿中从 {base.kind} 改为 {kind}。",
                                    f"The kind of {code} cannot be changed in the workbook ({base.kind} -> {kind}).",
                                    f"改回 {base.kind}；如需改变规则的计算方式，请修改方案文件。",
                                    f"Set it back to {base.kind}; to change how the rule works, edit the scheme file."))
            continue
        if base is None and kind == "derived":
            problems.append(problem("rule_derived_new", table.ref("kind", row),
                                    f"新规则 {code} 不能是 derived（自动计算的规则需要方案中的条件）。",
                                    f"New rule {code} cannot be derived (derived rules need a condition in the scheme).",
                                    "改用 deduct 或 bonus，或在方案文件中定义。", "Use deduct or bonus, or define it in the scheme file."))
            continue
        roles = tuple(x.strip() for x in _ROLE_SPLIT.split(r.roles or "") if x.strip())
        fields = {
            "zh": r.zh or (base.zh if base else code),
            "en": r.en or (base.en if base else code),
            "category": r.category or None,
            "points": _dec(r.points),
            "min": _dec(r.min),
            "max": _dec(r.max),
            "unit": r.unit or "",
            "roles": roles,
            "origin": table.ref("code", row),
        }
        if base is not None:
            rule = replace(base, **fields)
        else:
            rule = Rule(code=code, kind=kind, **fields)
        for pr in check_rule(rule, scheme.categories, table.ref("points", row)):
            problems.append(pr)
        rules[code] = rule
    for code, base in scheme.rules.items():
        if code not in rules and code not in seen_rows and _needed(scheme, code):
            problems.append(problem("rule_removed", table.label, f"规则 {code}（{base.zh}）被删除，但方案需要它。",
                                    f"Rule {code} ({base.en}) was deleted but the scheme needs it.",
                                    "恢复该行（可用 kpixl new 重新生成规则表）。", "Restore the row (kpixl new writes the full table)."))
            rules[code] = base
    if problems:
        return scheme, problems
    try:
        return scheme.with_rules(rules), []
    except SchemeError as exc:
        return scheme, exc.problems


def _needed(scheme: Scheme, code: str) -> bool:
    return any(code in step.rule_codes() or code in _codes_in(step.spec) for step in scheme.steps)


def _codes_in(spec) -> set[str]:
    """Every string in a step's JSON (a ladder names its rules inside nested objects)."""
    if isinstance(spec, str):
        return {spec}
    if isinstance(spec, dict):
        spec = list(spec.values())
    if isinstance(spec, list):
        return set().union(*(_codes_in(v) for v in spec)) if spec else set()
    return set()
