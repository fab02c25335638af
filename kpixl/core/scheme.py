"""Schemes: a department's rulebook as data (``schemes/*.json``).

A scheme file is validated by ``kpixl/schema/scheme.schema.json`` (JSON Schema draft
2020-12) and then by semantic checks (codes unique, categories exist, signs agree with kinds,
expressions parse, outputs exist). Every problem is located by its JSON path and says how to
fix it; raw jsonschema text is never shown.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from . import schemecache
from .errors import Problem, SchemeError, problem
from .invisible import visible
from .numbers import to_decimal

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SCHEMA_PATH = PACKAGE_DIR / "schema" / "scheme.schema.json"

# Values every run publishes besides the steps' outputs (see engine.score).
ENGINE_VALUES = ("money.deductions", "money.awards")

# Names an expression may read besides the scheme's own codes and the steps' values
# (docs/expressions.md): the Employees sheet's fixed columns and the period names.
EMPLOYEE_NAMES = ("id", "name", "role", "department", "team", "scheme_role")
PERIOD_NAMES = ("PERIOD_START", "PERIOD_END", "PERIOD_KIND", "PERIOD_WEEKS")
# Names a step binds for its own expressions: (step kind, JSON path suffix) -> names, and
# whether they are the only names that expression can read.
STEP_NAMES = {
    "escalation": (None, ("n", "qty", "value", "date"), False),  # one occurrence of a ladder
    "rank": (re.compile(r"\.rankings\[\d+\]\.points$"), ("rank", "level"), True),  # a points formula
    "item_points": (re.compile(r"\.points$"), ("rank", "level"), True),  # a group's points per item
    "consecutive": (None, ("value",), True),  # this month's value of the counted item
}
# Step kinds a pipeline may hold once: a second ``events`` step would count every row twice.
ONCE_STEPS = ("events", "categories")
# Steps that may change a value an earlier step published (R-GB-7 forces; a grade window keeps it).
REPUBLISHING_STEPS = ("override", "grade_window")
# Nesting a scheme file may have (the shipped ones nest less than 12 levels).
MAX_NESTING = 40

KIND_LABELS = {
    "deduct": ("扣分", "deduct"),
    "bonus": ("加分", "bonus"),
    "money": ("扣款/奖金", "money"),
    "flag": ("标记", "flag"),
    "info": ("仅记录", "info"),
    "derived": ("自动计算", "derived"),
}


def scheme_dirs() -> list[Path]:
    """Where scheme ids are looked up: $KPIXL_SCHEMES, the repository's schemes/, the wheel's copy."""
    dirs = [Path(p) for p in os.environ.get("KPIXL_SCHEMES", "").split(os.pathsep) if p]
    dirs += [PACKAGE_DIR.parent / "schemes", PACKAGE_DIR / "_bundled" / "schemes"]
    return [d for d in dirs if d.is_dir()]


def list_schemes() -> list[str]:
    ids: list[str] = []
    for d in scheme_dirs():
        for p in sorted(d.glob("*.json")):
            if p.stem not in ids:
                ids.append(p.stem)
    return ids


def scheme_titles() -> list[tuple[str, dict | None]]:
    """Every scheme id with its ``title`` ({"zh", "en"}), or None if the file is not readable JSON with
    a title. Reads the files with the json module only: no JSON Schema or semantic validation (that
    runs when a scheme is loaded), so ``kpixl schemes`` starts fast."""
    out: list[tuple[str, dict | None]] = []
    for sid in list_schemes():
        try:
            with open(find_scheme(sid, id_only=True), encoding="utf-8") as fh:
                title = json.load(fh).get("title")
        except (OSError, ValueError, AttributeError, SchemeError):
            title = None
        ok = isinstance(title, dict) and all(isinstance(title.get(k), str) for k in ("zh", "en"))
        out.append((sid, title if ok else None))
    return out


SCHEME_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def is_scheme_id(text: object) -> bool:
    """A scheme id is a plain name (``weikang_100``), never a path."""
    return isinstance(text, str) and SCHEME_ID.fullmatch(text) is not None


def find_scheme(id_or_path: str | os.PathLike, id_only: bool = False) -> Path:
    """The file of a scheme id; a ``.json`` path too unless ``id_only`` (a workbook names ids only)."""
    candidate = Path(id_or_path)
    if not id_only and candidate.suffix == ".json" and candidate.is_file():
        return candidate
    for d in scheme_dirs() if is_scheme_id(str(id_or_path)) else []:
        p = d / f"{id_or_path}.json"
        if p.is_file():
            return p
    known = ", ".join(list_schemes()) or "(none found)"
    raise SchemeError(
        [
            problem(
                "unknown_scheme",
                str(id_or_path),
                f"找不到方案 “{id_or_path}”。",
                f"No scheme named '{id_or_path}'.",
                f"使用以下方案之一：{known}",
                f"Use one of: {known}",
            )
        ]
    )


@dataclass(frozen=True)
class Rule:
    code: str
    zh: str
    en: str
    kind: str
    category: str | None = None
    points: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    value_decimals: int = 0
    percent_of: str | None = None
    unit: str = ""
    qty: str = "count"
    qty_rounding: str = ""  # "ceil": each row's qty is rounded up to a whole unit first (R-KR-3)
    roles: tuple[str, ...] = ()
    book: str = "any"
    requires: tuple[str, ...] = ()
    flag: dict | None = None
    ruling: str = ""
    origin: str = ""  # where this definition came from (JSON path or Rules sheet row)
    aggravation: int | None = None  # x factor for rows with event field ``aggravated`` = true (R-SN-2)
    entered: bool = False  # the Value column may carry an HR-entered amount (R-KF-10, R-RP-6)
    qty_max: Decimal | None = None  # plausible maximum qty of one event row; above it is an error
    bands: tuple | None = None  # a rubric criterion's bands from the Rules sheet (None: the scheme's)

    @property
    def is_range(self) -> bool:
        return self.min is not None or self.max is not None

    @property
    def sign(self) -> int:
        return -1 if self.kind == "deduct" else 1


@dataclass(frozen=True)
class Category:
    code: str
    zh: str
    en: str
    cap: Decimal | None = None


@dataclass(frozen=True)
class InputDef:
    code: str
    zh: str
    en: str
    type: str
    unit: str = ""
    min: Decimal | None = None
    max: Decimal | None = None
    default: object = None
    scope: str = "employee"
    hint_zh: str = ""
    hint_en: str = ""
    ruling: str = ""  # the SCHEMES.md clauses behind it (said when its default is used)
    required: bool = False  # a metric required every month, read or not (S7 R-DC-4)
    small: bool = False  # a percent whose normal values lie below 1 % (no fraction warning)
    decimals: int | None = None  # at most this many decimals (a figure the scheme rounds so)
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # a text's values, each with its other spellings
    others: str = "error"  # another text than the choices: an error, or a warning (read as typed)

    def choice(self, value) -> str | None:
        """The choice ``value`` spells (case, width and spaces ignored: ``Month``, ``月度``), else None."""
        return choice_of(self.choices, value)


def choice_of(choices: tuple[tuple[str, tuple[str, ...]], ...], value) -> str | None:
    """The choice a text spells among ``choices`` ((canonical, other spellings) pairs), case, width and
    spaces ignored (``b``, ``Ｂ 级`` spell ``B`` when ``B级`` is one of its spellings), else None."""
    if not isinstance(value, str):
        return None
    key = spelling(value)
    for canonical, aliases in choices:
        if key == spelling(canonical) or key in map(spelling, aliases):
            return canonical
    return None


def spelling(text: str) -> str:
    """A text as kpixl compares a clerk's spellings of it: full-width, spaces, case and invisible
    characters (invisible.py) ignored."""
    if text.isascii():  # (NFKC and the invisible characters leave ASCII as it is; casefold is lower)
        return "".join(text.split()).lower()
    return "".join(unicodedata.normalize("NFKC", visible(text)).split()).casefold()


@dataclass(frozen=True)
class FieldDef:
    code: str
    zh: str
    en: str
    type: str
    required: bool = False
    required_for_roles: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    hint_zh: str = ""
    hint_en: str = ""


@dataclass(frozen=True)
class Output:
    value: str
    zh: str
    en: str
    format: str = "points"
    main: bool = False


@dataclass
class Scheme:
    id: str
    version: int
    title: dict
    source: str
    period: str
    unit: str
    roles: tuple[str, ...]
    attributes: tuple[FieldDef, ...]
    event_fields: tuple[FieldDef, ...]
    metrics: dict[str, InputDef]
    parameters: dict[str, InputDef]
    history: dict[str, InputDef]
    categories: dict[str, Category]
    rules: dict[str, Rule]
    steps: list = field(default_factory=list)
    outputs: tuple[Output, ...] = ()
    examples: tuple[dict, ...] = ()
    path: str = ""
    document: dict = field(default_factory=dict, repr=False)
    functions: frozenset[str] = frozenset()  # the functions its expressions call (dept_count, prior ...)

    @property
    def main_output(self) -> Output:
        return next((o for o in self.outputs if o.main), self.outputs[0])

    def with_rules(self, rules: dict[str, Rule]) -> Scheme:
        """A copy of this scheme with another rule table (the workbook's edited Rules sheet)."""
        copy = replace(self, rules=rules)
        copy.steps = [step.rebind(copy) for step in self.steps]
        return copy


# --------------------------------------------------------------------------- loading


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator

    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        schema = json.load(fh)
    # The schema itself is checked against the draft 2020-12 metaschema in the tests
    # (tests/test_scheme_files.py), not on every run: that check costs ~0.4 s.
    return Draft202012Validator(schema)


def _json_path(parts) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _describe(error, where_prefix: str) -> Problem:
    """Turn one jsonschema error into a located, bilingual problem (no raw jsonschema text)."""
    path = _json_path(error.absolute_path)
    where = f"{where_prefix} {path}"
    kw, v = error.validator, error.validator_value
    inst = error.instance
    if kw == "required":
        missing = [k for k in v if isinstance(inst, dict) and k not in inst]
        name = missing[0] if missing else v[0]
        return problem("scheme_required", where, f"缺少必填项 “{name}”。", f"Missing required property '{name}'.",
                       f"在 {path} 添加 “{name}”。", f"Add '{name}' at {path}.")
    if kw == "additionalProperties":
        extra = sorted(k for k in inst if k not in error.schema.get("properties", {}))
        return problem("scheme_unknown_property", where, f"未知属性 {extra}。", f"Unknown property {extra}.",
                       "检查拼写，或删除该属性（允许的属性见 docs/schemes.md）。",
                       "Check the spelling or remove it (allowed properties: docs/schemes.md).")
    if kw in ("enum", "const"):
        allowed = v if kw == "enum" else [v]
        shown = ", ".join(json.dumps(a, ensure_ascii=False) for a in allowed)
        return problem("scheme_enum", where, f"取值 {json.dumps(inst, ensure_ascii=False)} 不被允许。",
                       f"Value {json.dumps(inst, ensure_ascii=False)} is not allowed.",
                       f"改为以下之一：{shown}", f"Use one of: {shown}")
    if kw == "type":
        return problem("scheme_type", where, f"类型应为 {v}。", f"Must be of type {v}.",
                       f"把 {path} 改成 {v}。", f"Change {path} to a {v}.")
    if kw == "pattern":
        return problem("scheme_pattern", where, f"“{inst}” 格式不正确。", f"'{inst}' has the wrong format.",
                       "代码用大写字母、数字和下划线（如 ATT_LATE）；方案 id 用小写。",
                       "Codes are UPPER_SNAKE (e.g. ATT_LATE); scheme ids are lower_snake.")
    if kw == "oneOf" and error.schema.get("description", "").startswith("A number"):
        return problem("scheme_decimal", where, f"“{inst}” 不是数字。", f"'{inst}' is not a number.",
                       "写数字，或写成 \"0.1\" 这样的十进制字符串。", 'Write a number or a decimal string like "0.1".')
    if kw in ("minimum", "maximum", "minItems", "minLength", "uniqueItems"):
        return problem("scheme_bound", where, f"取值不满足 {kw}={v}。", f"Value violates {kw}={v}.",
                       "按 docs/schemes.md 修改该值。", "Change the value as docs/schemes.md describes.")
    return problem("scheme_invalid", where, "该项不符合方案格式。", f"Does not match the scheme format ({kw}).",
                   "对照 docs/schemes.md 修改。", "Compare with docs/schemes.md.")


def check_document(doc: object, source: str) -> list[Problem]:
    """All JSON Schema problems of a scheme document, most specific first."""
    from jsonschema.exceptions import relevance

    errors = list(_validator().iter_errors(doc))
    problems: list[Problem] = []
    seen: set[str] = set()
    # Descend into if/then, allOf and oneOf so the innermost (most useful) error is shown.
    flat = []
    stack = list(errors)
    while stack:
        err = stack.pop()
        if err.context and err.validator in ("oneOf", "anyOf") and not (
            err.validator == "oneOf" and err.schema.get("description", "").startswith("A number")
        ):
            stack.extend(err.context)
        else:
            flat.append(err)
    for err in sorted(flat, key=relevance):
        pr = _describe(err, source)
        if pr.where + pr.en not in seen:
            seen.add(pr.where + pr.en)
            problems.append(pr)
    return problems


def _dec(value) -> Decimal | None:
    return None if value is None else to_decimal(value)


def _rule_from(doc: dict, origin: str) -> Rule:
    return Rule(
        code=doc["code"],
        zh=doc["zh"],
        en=doc["en"],
        kind=doc["kind"],
        category=doc.get("category"),
        points=_dec(doc.get("points")),
        min=_dec(doc.get("min")),
        max=_dec(doc.get("max")),
        value_decimals=int(doc.get("value_decimals", 0)),
        percent_of=doc.get("percent_of"),
        unit=doc.get("unit", ""),
        qty=doc.get("qty", "count"),
        qty_rounding=doc.get("qty_rounding", ""),
        roles=tuple(doc.get("roles", ())),
        book=doc.get("book", "any"),
        requires=tuple(doc.get("requires", ())),
        flag=doc.get("flag"),
        ruling=doc.get("ruling", ""),
        origin=origin,
        aggravation=doc.get("aggravation"),
        entered=bool(doc.get("entered", False)),
        qty_max=_dec(doc.get("qty_max")),
    )


def _rule_bounds(rule: Rule, where: str) -> list[Problem]:
    """Magnitudes the scaled-integer ledgers can hold (issue 7): points, range ends, qty_max."""
    from .numbers import POINTS_LIMIT, QTY_LIMIT, VALUE_LIMIT

    out: list[Problem] = []
    limit = VALUE_LIMIT if rule.kind == "money" else POINTS_LIMIT
    for name, v in (("points", rule.points), ("min", rule.min), ("max", rule.max)):
        if v is not None and not (v.is_finite() and abs(v) <= limit):
            out.append(problem("rule_number_too_large", where, f"规则 {rule.code} 的{name} {v} 超出合理范围（绝对值 ≤ {limit:,}）。",
                               f"Rule {rule.code}: {name} {v} is beyond the sane bound (|x| <= {limit:,}).",
                               "改正该数值（是否多打了几位或粘贴了别的数字？）。",
                               "Correct the number (extra digits or a pasted number?)."))
    if rule.percent_of and rule.points is not None and rule.points.is_finite() and abs(rule.points) > 100:
        out.append(problem("rule_percent_too_large", where,
                           f"规则 {rule.code} 的比例 {rule.points}% 超过 100%（超过 {rule.percent_of} 本身）。",
                           f"Rule {rule.code}: {rule.points}% is more than 100% (more than the {rule.percent_of} itself).",
                           "按百分数填写 0–100（5 表示 5%）。", "Enter a percent of 0-100 (5 means 5%)."))
    if rule.qty_max is not None and not (0 < rule.qty_max <= QTY_LIMIT):
        out.append(problem("rule_qty_max", where, f"规则 {rule.code} 的 qty_max {rule.qty_max} 必须在 0 到 {QTY_LIMIT:,} 之间。",
                           f"Rule {rule.code}: qty_max {rule.qty_max} must be above 0 and at most {QTY_LIMIT:,}.",
                           "改正 qty_max。", "Correct qty_max."))
    return out


def _rule_decimals(rule: Rule, where: str) -> list[Problem]:
    """Points, amounts and range ends are exact to SCALE_DIGITS (4) decimals (the scaled-integer
    ledgers); a finer number is a located error, never a crash or a silently rounded value."""
    from .numbers import SCALE_DIGITS, plain

    out: list[Problem] = []
    for name, v in (("points", rule.points), ("min", rule.min), ("max", rule.max)):
        if v is None or not v.is_finite() or v.adjusted() >= 20:  # (too large: _rule_bounds says so)
            continue
        if -v.normalize().as_tuple().exponent <= SCALE_DIGITS:
            continue
        name_zh = {"points": "分值/金额", "min": "下限", "max": "上限"}[name]
        out.append(problem("rule_decimals", where,
                           f"规则 {rule.code} 的{name_zh} {plain(v)} 超过 {SCALE_DIGITS} 位小数。",
                           f"Rule {rule.code}: {name} {plain(v)} has more than {SCALE_DIGITS} decimals.",
                           f"最多写 {SCALE_DIGITS} 位小数（如 {plain(v.quantize(Decimal(1).scaleb(-SCALE_DIGITS)))}）。",
                           f"Write at most {SCALE_DIGITS} decimals (e.g. "
                           f"{plain(v.quantize(Decimal(1).scaleb(-SCALE_DIGITS)))})."))
    return out


def check_rule(rule: Rule, categories: dict[str, Category], where: str) -> list[Problem]:
    """Semantic checks of one rule; shared by scheme files and the workbook's Rules sheet."""
    out: list[Problem] = []

    def bad(code, zh, en, fzh, fen):
        out.append(problem(code, where, zh, en, fzh, fen))

    if rule.category and rule.category not in categories:
        known = ", ".join(categories)
        bad("rule_category", f"规则 {rule.code} 的类别 “{rule.category}” 不存在。",
            f"Rule {rule.code} names category '{rule.category}', which does not exist.",
            f"使用已有类别：{known}", f"Use an existing category: {known}")
    if rule.kind in ("deduct", "bonus") and rule.points is None and not rule.is_range:
        bad("rule_points_missing", f"规则 {rule.code} 没有分值。", f"Rule {rule.code} has no points.",
            "填写分值，或填写下限和上限（由考核人选择）。", "Give points, or min and max (evaluator-chosen).")
    if rule.points is not None and rule.kind == "deduct" and rule.points > 0:
        bad("rule_sign", f"扣分规则 {rule.code} 的分值应 ≤ 0（现为 {rule.points}）。",
            f"Deduction rule {rule.code} must have points <= 0 (is {rule.points}).",
            f"改为 -{rule.points}。", f"Write -{rule.points}.")
    if rule.points is not None and rule.kind == "bonus" and rule.points < 0:
        bad("rule_sign", f"加分规则 {rule.code} 的分值应 ≥ 0（现为 {rule.points}）。",
            f"Bonus rule {rule.code} must have points >= 0 (is {rule.points}).",
            f"改为 {-rule.points}。", f"Write {-rule.points}.")
    if rule.points is not None and rule.points < 0 and (rule.kind == "money" or (rule.kind == "derived" and rule.percent_of)):
        what_zh, what_en = ("比例", "percent") if rule.percent_of else ("金额", "amount")
        bad("rule_sign", f"规则 {rule.code} 的{what_zh}应 ≥ 0（现为 {rule.points}）：扣款或奖金的方向由规则决定，不由符号决定。",
            f"Rule {rule.code} must have a {what_en} >= 0 (is {rule.points}): the rule, not the sign, says whether "
            "it is a deduction or an award.",
            f"改为 {-rule.points}。", f"Write {-rule.points}.")
    out += _rule_decimals(rule, where)
    if rule.is_range:
        if rule.min is None or rule.max is None:
            bad("rule_range", f"规则 {rule.code} 的下限和上限必须同时填写。",
                f"Rule {rule.code} needs both min and max.", "补齐下限或上限。", "Fill in both min and max.")
        elif rule.min < 0 or rule.max < rule.min:
            bad("rule_range", f"规则 {rule.code} 的范围 {rule.min}–{rule.max} 无效。",
                f"Rule {rule.code} has an invalid range {rule.min}..{rule.max}.",
                "范围用正数，且下限 ≤ 上限。", "Use positive magnitudes with min <= max.")
        if rule.points is not None:
            bad("rule_range_and_points", f"规则 {rule.code} 同时有固定分值和范围。",
                f"Rule {rule.code} has both fixed points and a range.",
                "保留其一。", "Keep one of them.")
    if rule.kind == "money" and rule.points is None and not rule.is_range and not rule.entered:
        bad("rule_money_amount", f"扣款规则 {rule.code} 没有金额或比例。",
            f"Money rule {rule.code} has no amount or percent.",
            "填写金额（元）或比例（%），或下限和上限。", "Give the yuan amount or percent, or min and max.")
    out += _rule_bounds(rule, where)
    if rule.aggravation is not None and rule.kind not in ("deduct", "bonus", "money"):
        bad("rule_aggravation_kind", f"{rule.code} 的类型 {rule.kind} 不能加倍。",
            f"{rule.code}: kind {rule.kind} has no amount to aggravate.",
            "删除 aggravation。", "Remove aggravation.")
    if rule.kind in ("flag", "info", "derived") and rule.is_range:
        bad("rule_range_kind", f"{rule.code} 的类型不允许范围。", f"{rule.code}: kind {rule.kind} takes no range.",
            "删除下限和上限。", "Remove min and max.")
    return out


def _input_def(doc: dict) -> InputDef:
    return InputDef(
        code=doc["code"], zh=doc["zh"], en=doc["en"], type=doc["type"], unit=doc.get("unit", ""),
        min=_dec(doc.get("min")), max=_dec(doc.get("max")), default=doc.get("default"),
        scope=doc.get("scope", "employee"), hint_zh=doc.get("hint_zh", ""), hint_en=doc.get("hint_en", ""),
        ruling=doc.get("ruling", ""), required=bool(doc.get("required", False)),
        small=bool(doc.get("small", False)), decimals=doc.get("decimals"),
        choices=tuple((c, tuple(a)) for c, a in doc.get("choices", {}).items()), others=doc.get("others", "error"),
    )


def _field_def(doc: dict) -> FieldDef:
    return FieldDef(
        code=doc["code"], zh=doc["zh"], en=doc["en"], type=doc["type"], required=doc.get("required", False),
        required_for_roles=tuple(doc.get("required_for_roles", ())), choices=tuple(doc.get("choices", ())),
        hint_zh=doc.get("hint_zh", ""), hint_en=doc.get("hint_en", ""),
    )


def _check_choices(doc: dict, where: str) -> list[Problem]:
    """A text input's choices: each spelling names one choice."""
    if "choices" not in doc:
        return []
    if doc["type"] != "text":
        return [problem("choices_not_text", where, f"{doc['code']} 不是文本，不能列可选值。",
                        f"{doc['code']} is not a text; only a text lists choices.", "删除 choices，或把类型改为 text。",
                        "Remove choices, or make its type text.")]
    owner: dict[str, str] = {}
    for canonical, aliases in doc["choices"].items():
        for text in (canonical, *aliases):
            key = spelling(text)
            if owner.setdefault(key, canonical) != canonical:
                return [problem("choices_ambiguous", where, f"“{text}” 同时指 {owner[key]} 和 {canonical}。",
                                f"'{text}' spells both {owner[key]} and {canonical}.", "每种写法只对应一个可选值。",
                                "Give each spelling to one choice.")]
    return []


def _categories(doc: dict, source: str, problems: list[Problem]) -> dict[str, Category]:
    """The categories; a code used twice or a cap that is not a sane positive magnitude with at most
    4 decimals is a problem (a negative cap read as "uncapped", R-WK-2)."""
    from .numbers import SCALE_DIGITS, VALUE_LIMIT

    out: dict[str, Category] = {}
    for i, c in enumerate(doc.get("categories", [])):
        where = f"{source} $.categories[{i}]"
        if c["code"] in out:
            problems.append(problem("category_duplicate", f"{where}.code", f"类别代码 {c['code']} 重复。",
                                    f"Category code {c['code']} is used twice.",
                                    "每个类别只定义一次（上限写在这一处）。", "Define every category once, with its one cap."))
            continue
        cap = _dec(c.get("cap"))
        if cap is not None and not (cap.is_finite() and 0 <= cap <= VALUE_LIMIT and cap == round(cap, SCALE_DIGITS)):
            problems.append(problem(
                "category_cap", f"{where}.cap", f"类别 {c['code']} 的上限 {c.get('cap')} 无效。",
                f"Category {c['code']}: cap {c.get('cap')} is not a valid cap.",
                f"上限是该类别最多扣的分数：0 到 {VALUE_LIMIT:,} 之间、最多 {SCALE_DIGITS} 位小数的正数；不设上限则删除 cap。",
                f"A cap is the most the category's deductions take: a positive number up to {VALUE_LIMIT:,} with at most "
                f"{SCALE_DIGITS} decimals; remove cap for no cap."))
            cap = None
        out[c["code"]] = Category(c["code"], c["zh"], c["en"], cap)
    return out


def _check_step_place(step, earlier: list, produced: set[str], where: str) -> list[Problem]:
    """A step kind that may run once runs once; a value is published by one step (except the
    steps that force or keep values, REPUBLISHING_STEPS)."""
    if step.kind in ONCE_STEPS and any(s.kind == step.kind for s in earlier):
        return [problem("step_twice", f"{where}.step", f"步骤 {step.kind} 出现了两次（每条记录会被计两次）。",
                        f"The {step.kind} step is listed twice (every row would count twice).",
                        "删除重复的步骤。", "Remove the second one.")]
    twice = sorted(set(step.outputs()) & (produced - set(ENGINE_VALUES))) if step.kind not in REPUBLISHING_STEPS else []
    if twice or (step.kind not in REPUBLISHING_STEPS and set(step.outputs()) & set(ENGINE_VALUES)):
        names = ", ".join(twice or sorted(set(step.outputs()) & set(ENGINE_VALUES)))
        return [problem("value_twice", where, f"值 {names} 已由前面的步骤计算，此步骤会覆盖它。",
                        f"Value {names} is already computed by an earlier step; this step would overwrite it.",
                        "给此步骤的输出另起一个名称。", "Give this step's output a name of its own.")]
    return []


def _check_expressions(scheme: Scheme, compiled: list, produced: set[str]) -> list[Problem]:
    """Every name an expression reads exists (an unknown name was found only at run time, after
    ``and``/``or`` had scored some employees without it), and every count() pattern matches a rule."""
    known = (set(produced) | set(scheme.metrics) | set(scheme.parameters) | set(scheme.history)
             | {f.code for f in scheme.attributes} | set(scheme.rules) | set(scheme.categories)
             | set(EMPLOYEE_NAMES) | set(PERIOD_NAMES))
    out: list[Problem] = []
    for kind, exprs in compiled:
        suffix, local, only = STEP_NAMES.get(kind, (None, (), False))
        for e in exprs:
            mine = suffix is None or suffix.search(e.where) is not None
            allowed = set(local) if (mine and only) else known | (set(local) if mine else set())
            unknown = sorted((e.names | e.presence) - allowed)
            if unknown:
                shown = ", ".join(unknown)
                hint = ", ".join(sorted(allowed)) if len(allowed) <= 12 else "metrics, parameters, history, attributes, values of steps"
                out.append(problem(
                    "expression_unknown_name", e.where, f"表达式 “{e.text}” 使用了未定义的名称 {shown}。",
                    f"Expression '{e.text}' reads {shown}, which is not defined.",
                    f"改正拼写，或在方案中定义它（可用：{hint}）。", f"Correct the spelling or define it in the scheme (known: {hint})."))
            lost = sorted(p for p in e.patterns if not any(fnmatch.fnmatchcase(c, p) for c in scheme.rules))
            if lost:
                shown = ", ".join(f"'{p}'" for p in lost)
                out.append(problem(
                    "expression_no_rule", e.where, f"表达式 “{e.text}” 中的 {shown} 不对应任何规则（计数永远为 0）。",
                    f"Expression '{e.text}': {shown} matches no rule of the scheme (it would always count 0).",
                    "改正规则代码或前缀（如 'ATT_*'）。", "Correct the rule code or prefix (e.g. 'ATT_*')."))
    return out


def _check_outputs(scheme: Scheme, source: str) -> list[Problem]:
    """Each value is shown once and at most one output is the headline (``main``)."""
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for i, o in enumerate(scheme.outputs):
        if o.value in seen:
            out.append(problem("output_duplicate", f"{source} $.outputs[{i}].value",
                               f"输出 “{o.value}” 重复（已在 $.outputs[{seen[o.value]}]）。",
                               f"Output '{o.value}' is listed twice (also $.outputs[{seen[o.value]}]).",
                               "删除重复的输出。", "Remove the duplicate output."))
        seen.setdefault(o.value, i)
    mains = [i for i, o in enumerate(scheme.outputs) if o.main]
    for i in mains[1:]:
        out.append(problem("output_main_twice", f"{source} $.outputs[{i}].main",
                           f"已有主输出 $.outputs[{mains[0]}]；只能有一个 main: true。",
                           f"$.outputs[{mains[0]}] is already the main output; only one output may have main: true.",
                           "只保留一个 main: true。", "Keep main: true on one output only."))
    return out


def build_scheme(doc: dict, source: str) -> Scheme:
    """Build a Scheme from a document that passed the JSON Schema; raise SchemeError on semantic problems."""
    from .expr import Expression, collecting
    from .steps import make_step

    problems: list[Problem] = []
    categories = _categories(doc, source, problems)
    rules: dict[str, Rule] = {}
    for i, r in enumerate(doc["rules"]):
        where = f"{source} $.rules[{i}]"
        if r["code"] in rules:
            problems.append(problem("rule_duplicate", where, f"规则代码 {r['code']} 重复。", f"Rule code {r['code']} is used twice.",
                                    "每个代码只能出现一次。", "Give every rule a unique code."))
            continue
        rule = _rule_from(r, where)
        problems += check_rule(rule, categories, where)
        if rule.aggravation is not None and not any(f.get("code") == "aggravated" for f in doc.get("event_fields", [])):
            problems.append(problem(
                "rule_aggravation_field", f"{where}.aggravation", f"规则 {rule.code} 可加倍，但方案没有事件列 aggravated。",
                f"Rule {rule.code} has an aggravation but the scheme has no event field 'aggravated'.",
                '在 event_fields 中添加 {"code": "aggravated", "type": "boolean", ...}。',
                'Add {"code": "aggravated", "type": "boolean", ...} to event_fields.'))
        rules[rule.code] = rule
    scheme = Scheme(
        id=doc["id"], version=doc["version"], title=doc["title"], source=doc.get("source", ""),
        period=doc["period"], unit=doc["unit"], roles=tuple(doc.get("roles", ())),
        attributes=tuple(_field_def(f) for f in doc.get("attributes", [])),
        event_fields=tuple(_field_def(f) for f in doc.get("event_fields", [])),
        metrics={m["code"]: _input_def(m) for m in doc.get("metrics", [])},
        parameters={p["code"]: _input_def(p) for p in doc.get("parameters", [])},
        history={h["code"]: _input_def(h) for h in doc.get("history", [])},
        categories=categories, rules=rules,
        outputs=tuple(Output(o["value"], o["zh"], o["en"], o.get("format", "points"), o.get("main", False)) for o in doc["outputs"]),
        examples=tuple(doc.get("examples", ())), path=source, document=doc,
    )
    for key in ("metrics", "parameters", "history"):
        for i, d in enumerate(doc.get(key, [])):
            problems += _check_choices(d, f"{source} $.{key}[{i}].choices")
    produced: set[str] = set(ENGINE_VALUES)
    compiled: list[tuple[str, list[Expression]]] = []  # (step kind, its expressions)
    for i, spec in enumerate(doc["steps"]):
        where = f"{source} $.steps[{i}]"
        try:
            with collecting() as exprs:
                step = make_step(spec, scheme, where)
        except SchemeError as exc:
            problems += exc.problems
            continue
        problems += _check_step_place(step, scheme.steps, produced, where)
        scheme.steps.append(step)
        produced |= set(step.outputs())
        compiled.append((step.kind, exprs))
    problems += _check_expressions(scheme, compiled, produced)
    scheme.functions = frozenset(f for _kind, exprs in compiled for e in exprs for f in e.functions)
    problems += _check_outputs(scheme, source)
    for i, out in enumerate(scheme.outputs):
        if out.value not in produced and out.value not in scheme.metrics:
            problems.append(problem(
                "output_unknown", f"{source} $.outputs[{i}].value",
                f"输出 “{out.value}” 没有任何步骤计算。", f"Output '{out.value}' is not computed by any step.",
                f"使用已计算的值：{', '.join(sorted(produced))}", f"Use a computed value: {', '.join(sorted(produced))}"))
    if problems:
        raise SchemeError(problems)
    return scheme


def parse_scheme(doc: object, source: str) -> Scheme:
    problems = check_document(doc, source)
    if problems:
        raise SchemeError(problems)
    assert isinstance(doc, dict)
    return build_scheme(doc, source)


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        try:
            return str(Path("schemes") / path.name) if path.parent.name == "schemes" else str(path)
        except Exception:  # pragma: no cover - defensive
            return str(path)


def load_scheme(id_or_path: str | os.PathLike, id_only: bool = False) -> Scheme:
    """Load and validate a scheme by id (``weikang_100``) or, unless ``id_only``, by path (the
    operator's ``--scheme path.json``); raise SchemeError if unknown or invalid."""
    path = find_scheme(id_or_path, id_only)
    return _load_cached(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _load_cached(path: str, _mtime: int) -> Scheme:
    p = Path(path)
    source = _display_path(p)
    data = p.read_bytes()
    doc = _read_json(data, source)
    key = schemecache.content_key(data, SCHEMA_PATH)
    if not schemecache.known_valid(key):  # these exact bytes passed the JSON Schema before
        problems = check_document(doc, source)
        if problems:
            raise SchemeError(problems)
        schemecache.remember_valid(key)
    id_problem = _check_file_name(doc, p, source)
    try:
        scheme = build_scheme(doc, source)
    except SchemeError as exc:
        raise SchemeError(id_problem + exc.problems) from None
    if id_problem:
        raise SchemeError(id_problem)
    return scheme


class _Constant:
    """``NaN``, ``Infinity`` or ``-Infinity`` in a scheme file (JSON has no such numbers)."""

    def __init__(self, text: str):
        self.text = text


class _Repeated(dict):
    """A JSON object that names a key twice (``json`` would keep the last value silently)."""

    repeated: list[str]


def _object(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    out = _Repeated(obj)
    out.repeated = list(dict.fromkeys(k for k, _ in pairs if k in seen or seen.add(k)))
    return out


def _read_json(data: bytes, source: str) -> object:
    """The document of a scheme file's bytes; bytes that are not UTF-8, JSON syntax errors, nesting
    deeper than MAX_NESTING, NaN/Infinity and a key named twice in one object are located problems."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SchemeError([problem(
            "scheme_encoding", f"{source} line {line} column {col}",
            f"文件不是 UTF-8 编码（第 {line} 行第 {col} 个字节无法读取）。",
            f"The file is not UTF-8 text (byte {col} of line {line} cannot be read).",
            "用 UTF-8 编码重新保存该文件（记事本：另存为 → 编码 UTF-8）。",
            "Save the file again as UTF-8 (e.g. Save As -> Encoding UTF-8).")]) from None
    if "\r" in text:  # as open(..., encoding="utf-8") reads it (universal newlines)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    too_deep = [problem(
        "scheme_nesting", source, f"方案文件嵌套超过 {MAX_NESTING} 层。", f"The scheme file nests more than {MAX_NESTING} levels deep.",
        "检查多余的 [ 或 {（方案文件通常不超过 12 层）。", "Look for stray [ or { (a scheme nests fewer than 12 levels).")]
    try:
        doc = json.loads(text, parse_constant=_Constant, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise SchemeError([problem(
            "scheme_json", f"{source} line {exc.lineno} column {exc.colno}",
            f"JSON 语法错误：{exc.msg}。", f"JSON syntax error: {exc.msg}.",
            "修正该处的逗号、引号或括号。", "Fix the comma, quote or bracket there.")]) from None
    except RecursionError:
        raise SchemeError(too_deep) from None
    problems: list[Problem] = []
    stack: list[tuple[object, tuple, int]] = [(doc, (), 1)]
    while stack:
        node, parts, depth = stack.pop()
        where = f"{source} {_json_path(parts)}"
        if isinstance(node, _Constant):
            problems.append(problem(
                "scheme_not_a_number", where, f"{node.text} 不是数字。", f"{node.text} is not a number.",
                "写一个有限的数字（如 -5 或 \"0.5\"）。", 'Write a finite number (e.g. -5 or "0.5").'))
        elif isinstance(node, (dict, list)) and depth > MAX_NESTING:
            problems[:0] = [replace(too_deep[0], where=where)]
        elif isinstance(node, dict):
            for k in getattr(node, "repeated", ()):
                problems.append(problem(
                    "scheme_key_twice", f"{where}.{k}", f"“{k}” 在同一处写了两次（只会用最后一个）。",
                    f"'{k}' is given twice in the same object (only the last one would count).",
                    "删除其中一个。", "Remove one of them."))
            stack.extend((v, (*parts, k), depth + 1) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((v, (*parts, i), depth + 1) for i, v in reversed(list(enumerate(node))))
    if problems:
        raise SchemeError(problems)
    return doc


def _check_file_name(doc: dict, path: Path, source: str) -> list[Problem]:
    """A scheme in a schemes folder is found by its id, so its file is ``<id>.json``
    (docs/schemes.md); the operator's ``--scheme path.json`` may have any name."""
    folders = {d.resolve() for d in scheme_dirs()}
    if path.parent.resolve() not in folders or doc.get("id") == path.stem:
        return []
    return [problem(
        "scheme_id_file", f"{source} $.id", f"方案 id “{doc.get('id')}” 与文件名 {path.name} 不一致。",
        f"The scheme id '{doc.get('id')}' differs from the file name {path.name}.",
        f"把 id 改为 “{path.stem}”，或把文件改名为 {doc.get('id')}.json。",
        f"Set id to '{path.stem}', or rename the file to {doc.get('id')}.json.")]
