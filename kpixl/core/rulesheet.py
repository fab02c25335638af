"""The workbook's editable rule table (规则 / Rules sheet).

A clerk may change a rule's names, points, range, unit and role restriction, and add simple
rules; the edited table is what scores the workbook. An invalid edit is a located error, never
ignored. A rule's kind and category cannot be changed in the workbook (that changes how the
scheme works; edit the scheme file instead). An edit that would not take effect is an error too:
points a step does not read from the table (``Step.priced_rules``: a rank's own points lists, a
ladder's fines, an info rule), a new rule no step prices (``Step.prices_new_rule``), a blank or
wrongly signed derived rule's points, a percent typed as a fraction (0.05 for 5 %).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .criteria import check_bands, holes, parse_bands
from .errors import Problem, SchemeError, problem
from .inputs import Table
from .numbers import plain, to_decimal
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


def apply_rules_sheet(scheme: Scheme, table: Table, found: Sequence[Problem] = ()) -> tuple[Scheme, list[Problem]]:
    """The scheme with the workbook's rule table, and the problems of that table.

    ``found`` are the reader's problems: an unreadable cell's own problem (reported at its cell,
    owned by no employee) then withholds the results; without them its row's problem does.
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    rubric = next((s for s in scheme.steps if getattr(s, "rule_bands", False)), None)
    frame = table.frame
    rules: dict[str, Rule] = {}
    seen_rows: dict[str, int] = {}
    for r in frame.itertuples(index=False):
        row = int(r.xl_row)
        code = r.code
        if r.xl_bad:  # the rule cannot be used, but is not deleted
            if code:
                seen_rows.setdefault(code, row)
            problems += _unreadable(table, row, code, found)
            continue
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
            "category": (r.category or None) if "category" in table.letters else (base.category if base else None),
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
        mine = [replace(p, where=table.ref(_column(p, rule), row)) for p in check_rule(rule, scheme.categories, "")]
        mine += _range_decimals(rule, table, row)
        if not mine:  # (a value check_rule refuses is not also an edit that does not take effect)
            mine += _edit_problems(scheme, base, rule, str(r.kind).strip(), table, row, warnings)
        problems += mine
        range_ok = not any(p.where in (table.ref("min", row), table.ref("max", row)) for p in mine)
        rule = _with_bands(rule, rubric, table, row, str(getattr(r, "bands", "") or "").strip(), range_ok, problems,
                           warnings)
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


def _unreadable(table: Table, row: int, code: str, found: Sequence[Problem]) -> list[Problem]:
    """A row with an unreadable cell: that cell's own problem, now withholding every result (the
    rules concern everyone), else one problem naming the row's rule."""
    cells = {table.ref(key, row) for key in table.letters}
    own = [replace(p, scope=None) for p in found if p.scope == "row" and p.is_error and p.where in cells]
    rule_zh, rule_en = (f"规则 {code} ", f"Rule {code}") if code else (f"第 {row} 行的规则", f"The rule on row {row}")
    return own or [problem("bad_rule_row", table.ref("code", row), f"{rule_zh}不能使用：第 {row} 行有无法读取的单元格。",
                           f"{rule_en} cannot be used: a cell on row {row} cannot be read.",
                           "修正本行中标出的单元格。", "Fix the cell reported for this row.")]


def _column(pr: Problem, rule: Rule) -> str:
    """The Rules sheet column holding the value a problem of :func:`check_rule` is about."""
    if pr.code == "rule_category":
        return "category"
    if pr.code == "rule_range":  # an end missing or below 0 is that end's fault, else the max is below the min
        return "min" if rule.min is None or (rule.max is not None and rule.min < 0) else "max"
    if pr.code == "rule_range_kind":
        return "min" if rule.min is not None else "max"
    if pr.code in ("rule_number_too_large", "rule_decimals"):  # (its text names the number: "Rule X: max 20000 is beyond ...")
        return next((key for key in ("min", "max") if f": {key} " in pr.en), "points")
    return "points"


def _edit_problems(scheme: Scheme, base: Rule | None, rule: Rule, kind_text: str, table: Table, row: int,
                   warnings: list[Problem]) -> list[Problem]:
    """An edit that would not take effect, or would give a wrong number, is an error at its cell.

    Which rules' points a step reads from the rule table, and which new rules it prices, each step
    says (``Step.priced_rules``, ``Step.prices_new_rule``); a rule no step reads is priced by the
    scheme itself (a ladder, a rank's points list) or informational.
    """
    if base is None:
        return _new_rule_problems(scheme, rule, kind_text, table, row)
    out: list[Problem] = []
    if rule.category != base.category:  # its points would leave the totals its category reaches
        was = base.category or "（空）"
        was_en = base.category or "(blank)"
        out.append(problem(
            "rule_category_changed", table.ref("category", row),
            f"{rule.code} 的类别不能在工作簿中从 {was} 改为 {rule.category or '空白'}：方案按类别合计分数（封顶、分项列），"
            "改动后它的分数不会按原样计入总分。",
            f"The category of {rule.code} cannot be changed in the workbook ({was_en} -> {rule.category or 'blank'}): "
            "the scheme totals points by category (caps, subtotal columns), so its points would not reach the score as before.",
            f"改回 {was}；如需调整类别，请修改方案文件。", f"Set it back to {was_en}; to move the rule, edit the scheme file."))
    priced = set().union(*(step.priced_rules() for step in scheme.steps)) if scheme.steps else set()
    changed = (rule.points, rule.min, rule.max) != (base.points, base.min, base.max)
    if changed and rule.code not in priced:
        key = "points" if rule.points != base.points else ("min" if rule.min != base.min else "max")
        who = [step.kind for step in scheme.steps if rule.code in step.rule_codes() or rule.code in _codes_in(step.spec)]
        if who:
            why_zh = f"它的分值/金额由方案的 {'、'.join(dict.fromkeys(who))} 步骤设定，不读取规则表"
            why_en = f"its points or amount are set by the scheme's {', '.join(dict.fromkeys(who))} step, not read from the rule table"
        else:
            why_zh, why_en = "它是仅记录的规则，不计分", "it is informational and scores nothing"
        shown = plain(base.points) if base.points is not None else "空白"
        shown_en = plain(base.points) if base.points is not None else "blank"
        fix_zh = f"恢复原值（分值 {shown}）" if not base.is_range else f"恢复原值（{plain(base.min)}–{plain(base.max)}）"
        fix_en = f"Restore it (points {shown_en})" if not base.is_range else f"Restore it ({plain(base.min)}..{plain(base.max)})"
        out.append(problem(
            "rule_points_fixed", table.ref(key, row),
            f"{rule.code} 的{'分值' if key == 'points' else '范围'}修改不会生效：{why_zh}。",
            f"The edit of {rule.code}'s {'points' if key == 'points' else 'range'} would not take effect: {why_en}.",
            f"{fix_zh}；如需修改，请修改方案文件。", f"{fix_en}; to change it, edit the scheme file."))
        return out
    if rule.kind == "derived" and base.points is not None and rule.points is None:
        out.append(problem(
            "rule_points_missing", table.ref("points", row), f"规则 {rule.code} 的分值不能为空（方案为 {plain(base.points)}）。",
            f"Rule {rule.code} needs its points (the scheme's are {plain(base.points)}).",
            f"填写分值，如 {plain(base.points)}。", f"Give its points, e.g. {plain(base.points)}."))
    elif rule.kind == "derived" and base.points is not None and rule.points != base.points and (
            (base.points > 0 and rule.points < 0) or (base.points < 0 and rule.points > 0)):
        sign_zh, sign_en = ("≥ 0（奖励）", ">= 0 (an award)") if base.points > 0 else ("≤ 0（扣分）", "<= 0 (a deduction)")
        out.append(problem(
            "rule_sign", table.ref("points", row), f"规则 {rule.code} 的分值应 {sign_zh}（现为 {plain(rule.points)}）。",
            f"Rule {rule.code} must have points {sign_en} (is {plain(rule.points)}).",
            f"改为 {plain(-rule.points)}。", f"Write {plain(-rule.points)}."))
    if base.percent_of and rule.points is not None and rule.points != base.points and 0 < rule.points < 1:
        exact = plain(rule.points * 100)
        fraction = problem(
            "rule_percent_fraction", table.ref("points", row),
            f"{rule.code} 的比例按百分数填写（单位 {rule.unit or '%'}）：{plain(rule.points)} 表示 {plain(rule.points)} %，"
            f"不是 {exact} %。",
            f"{rule.code} is a percent (unit {rule.unit or '%'}): {plain(rule.points)} is taken as {plain(rule.points)} %, "
            f"not {exact} %.",
            f"如指 {exact} %，填写 {exact}。", f"For {exact} %, type {exact}.",
            severity="error" if base.points is not None and base.points >= 1 else "warning")
        (out if fraction.is_error else warnings).append(fraction)
    return out


def _new_rule_problems(scheme: Scheme, rule: Rule, kind_text: str, table: Table, row: int) -> list[Problem]:
    """A rule added on the Rules sheet is refused unless a step of the scheme prices it."""
    if rule.kind == "money" and kind_text in ("奖金",):
        return [problem("rule_new_money_award", table.ref("kind", row),
                        f"新规则 {rule.code} 是扣款：在规则表中新增的 money 规则从工资中扣除，不是奖金。",
                        f"New rule {rule.code} would be a deduction: a money rule added on the Rules sheet is deducted, "
                        "never paid as an award.",
                        "类型写 扣款（money）；奖金规则请在方案文件中定义。",
                        "Write money (扣款) for a fine; define an award in the scheme file.")]
    if rule.kind == "money" and "%" in rule.unit.replace("％", "%"):
        return [problem("rule_new_percent", table.ref("unit", row),
                        f"新规则 {rule.code} 的金额按元计算：规则表不能新增按工资百分比扣款的规则。",
                        f"New rule {rule.code} is priced in yuan: the Rules sheet cannot add a percent-of-wage rule.",
                        "填写每次的金额（元）并把单位改为 元/次；按百分比的规则请在方案文件中定义。",
                        "Give the yuan amount per occurrence (unit 元/次); define a percent rule in the scheme file.")]
    if rule.kind in ("flag", "info") and rule.points is not None:
        return [problem("rule_points_fixed", table.ref("points", row),
                        f"新规则 {rule.code} 是{KIND_NAMES[rule.kind][0]}规则，不计分：分值 {plain(rule.points)} 不会生效。",
                        f"New rule {rule.code} is a {KIND_NAMES[rule.kind][1]} rule and scores nothing: its points "
                        f"{plain(rule.points)} would not take effect.",
                        "清空分值，或把类型改为 deduct / bonus。", "Clear the points, or make it deduct or bonus.")]
    steps = scheme.steps
    if any(step.prices_new_rule(rule) for step in steps):
        return []
    fits = [c for c in scheme.categories if any(step.prices_new_rule(replace(rule, category=c)) for step in steps)]
    what_zh, what_en = KIND_NAMES.get(rule.kind, (rule.kind, rule.kind))
    if fits:
        shown = "、".join(fits)
        return [problem("rule_new_category", table.ref("category", row),
                        f"新规则 {rule.code}（{what_zh}）的类别 {rule.category or '空白'} 不计入总分：方案只把{what_zh}类别 {shown} "
                        "的分数计入总分。",
                        f"New rule {rule.code} ({what_en}) in category {rule.category or 'blank'} would not reach the score: "
                        f"the scheme adds {what_en} points of categories {', '.join(fits)} only.",
                        f"类别填写 {shown} 之一。", f"Use one of the categories {', '.join(fits)}.")]
    return [problem("rule_new_unpriced", table.ref("code", row),
                    f"新规则 {rule.code}（{what_zh}）不会被计算：方案 {scheme.id} 没有步骤为新增的{what_zh}规则计分或计价。",
                    f"New rule {rule.code} ({what_en}) would be ignored: no step of scheme {scheme.id} prices a new "
                    f"{what_en} rule.",
                    "删除该行，或在方案文件中定义该规则及其计算步骤。",
                    "Delete the row, or define the rule and the step that prices it in the scheme file.")]


KIND_NAMES = {"deduct": ("扣分", "deduction"), "bonus": ("加分", "bonus"), "money": ("扣款", "money"),
              "flag": ("标记", "flag"), "info": ("记录", "info")}


_ENDS = {"min": ("下限", "min", ROUND_CEILING), "max": ("上限", "max", ROUND_FLOOR)}


def _range_decimals(rule: Rule, table: Table, row: int) -> list[Problem]:
    """A range end finer than the values chosen in the range (R-G-6: whole points or a whole percent
    unless the rule has ``value_decimals``): no value can be it, e.g. a max of 15.5 for whole scores."""
    decimals = rule.value_decimals
    what_zh, what_en = ("整数", "a whole number") if decimals == 0 else \
        (f"最多 {decimals} 位小数的数", f"a number with at most {decimals} decimals")
    out: list[Problem] = []
    for key, v in (("min", rule.min), ("max", rule.max)):
        if v is None or not v.is_finite() or -v.normalize().as_tuple().exponent <= decimals:
            continue
        zh, en, rounding = _ENDS[key]
        near = plain(v.quantize(Decimal(1).scaleb(-decimals), rounding))
        out.append(problem(
            "rule_range_decimals", table.ref(key, row),
            f"规则 {rule.code} 的{zh} {plain(v)} 不是{what_zh}，而范围内的取值都是{what_zh}（R-G-6），不会等于 {plain(v)}。",
            f"Rule {rule.code}: the {en} {plain(v)} is not {what_en}, but every value chosen in its range is "
            f"(R-G-6), so none can be {plain(v)}.",
            f"改为{what_zh}，如 {near}。", f"Enter {what_en}, e.g. {near}."))
    return out


def _with_bands(rule: Rule, rubric, table: Table, row: int, text: str, range_ok: bool, problems: list[Problem],
                warnings: list[Problem]) -> Rule:
    """A rubric criterion with the bands of its 评分档 / Bands cell, checked (R-CQ-1, R-CQ-6).

    An empty cell (or a workbook without the column) keeps the scheme's bands for the criterion.
    The bands are checked against the range only when the range itself is valid (``range_ok``).
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
    elif rule.max is not None and range_ok:
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
