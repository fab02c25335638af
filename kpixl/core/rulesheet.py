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

from .criteria import check_bands, holes, parse_bands
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
    warnings: list[Problem] = []
    rubric = next((s for s in scheme.steps if getattr(s, "rule_bands", False)), None)
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
        rule = _with_bands(rule, rubric, table, row, str(getattr(r, "bands", "") or "").strip(), problems, warnings)
        rules[code] = rule
    for code, base in scheme.rules.items():
        if code not in rules and code not in seen_rows and _needed(scheme, code):
            problems.append(problem("rule_removed", table.label, f"规则 {code}（{base.zh}）被删除，但方案需要它。",
                                    f"Rule {code} ({base.en}) was deleted but the scheme needs it.",
                                    "恢复该行（可用 kpixl new 重新生成规则表）。", "Restore the row (kpixl new writes the full table)."))
            rules[code] = base
    if problems:
        return scheme, problems + warnings
    try:
        return scheme.with_rules(rules), warnings
    except SchemeError as exc:
        return scheme, exc.problems + warnings


def _with_bands(rule: Rule, rubric, table: Table, row: int, text: str, problems: list[Problem],
                warnings: list[Problem]) -> Rule:
    """A rubric criterion with the bands of its 评分档 / Bands cell, checked (R-CQ-1, R-CQ-6).

    An empty cell (or a workbook without the column) keeps the scheme's bands for the criterion.
    """
    has_column = "bands" in table.letters
    where = table.ref("bands", row) if has_column else table.ref("max", row)
    if rubric is None or rule.category != rubric.category:
        if text:
            problems.append(problem("bands_not_a_criterion", where, f"{rule.code} 不是评分项目，不能填写评分档。",
                                    f"{rule.code} is not a rubric criterion and takes no bands.",
                                    "清空该单元格。", "Clear the cell."))
        return rule
    if text:
        bands, bad = parse_bands(text)
        for piece in bad:
            problems.append(problem(
                "band_text", where, f"{rule.code} 的评分档 “{piece}” 看不懂。", f"Band '{piece}' of {rule.code} cannot be read.",
                "每行写一个档：得分范围和说明，如 “13-15 流畅清楚”。",
                "One band per line: the score range and its text, e.g. '13-15 fluent and clear'."))
        rule = replace(rule, bands=bands)
    defaults = rubric.bands.get(rule.code, ())
    bands = rule.bands if rule.bands is not None else defaults
    if not bands:
        warnings.append(problem(
            "criterion_without_bands", where, f"评分项目 {rule.code} 没有评分档：记录的评分档无法核对，将被拒绝。",
            f"Criterion {rule.code} has no bands: a recorded band label cannot be checked and is refused.",
            "在“评分档”列每行写一个档（如 “5-6 …”），覆盖 0 到满分。",
            "Give its bands in the Bands column, one per line (e.g. '5-6 ...'), covering 0 to the full marks.",
            severity="warning"))
    elif rule.max is not None:
        base = rubric.scheme.rules.get(rule.code)
        allowed = holes(defaults, base.min or Decimal(0), base.max, base.value_decimals) \
            if defaults and base is not None and base.max is not None else []
        problems.extend(check_bands(rule.code, bands, rule.min or Decimal(0), rule.max, rule.value_decimals, where,
                                    allowed))
    return rule


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
