"""The Step contract every primitive implements."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import MissingInput, SchemeError, problem
from ..expr import Expression

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context
    from ..scheme import Scheme


def value_text(value: Any) -> str:
    """A computed value as the report shows it (88.80 -> 88.8, True -> 是/yes, None -> —)."""
    from decimal import Decimal

    from ..numbers import plain

    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if isinstance(value, Decimal):
        return plain(value)
    return str(value)


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[a-z_]+)?)\}")


_MISSING_LIST = re.compile(r"\{missing:([A-Za-z0-9_, ]+)\}")


def fill(text: str, env, sep: str = "、") -> str:
    """Replace ``{NAME}`` in a message by the value of NAME as the report shows it, and
    ``{missing:A, B, C}`` by those of A, B, C that have no usable value, joined by ``sep`` ("—": none)."""
    def one(m):
        try:
            return value_text(env.get(m.group(1)))
        except MissingInput:
            return "—"

    def absent(m):
        names = [n.strip() for n in m.group(1).split(",") if n.strip()]
        return sep.join(n for n in names if not _has(env, n)) or "—"
    return _PLACEHOLDER.sub(one, _MISSING_LIST.sub(absent, text))


def _has(env, name: str) -> bool:
    try:
        return env.has(name)
    except MissingInput:  # a value refused at its cell is not usable either
        return False


def approx_text(value: Any, places: int = 4) -> str:
    """An unrounded decimal shortened for an explanation (95.45454545... -> 95.4545…)."""
    from decimal import Decimal

    from ..numbers import plain

    q = value.quantize(Decimal(1).scaleb(-places))
    return plain(value) if q == value else f"{plain(q)}…"


PERIOD_KINDS = ("month", "quarter")


class Step:
    """One primitive of a scheme's pipeline.

    ``__init__`` checks the step's JSON (beyond what the JSON Schema checks) and raises
    :class:`SchemeError` with located problems; ``outputs`` names the values it publishes;
    ``run`` computes them for every employee and records explanation rows. ``periods``
    (optional, every step kind) names the kinds of period the step runs in (``month``,
    ``quarter``; default both): S3/S5 score months and pay a quarterly award.
    """

    kind: ClassVar[str] = ""
    uses_ratings: ClassVar[bool] = False

    def __init__(self, spec: dict, scheme: Scheme, where: str):
        self.spec = spec
        self.scheme = scheme
        self.where = where
        self.periods: tuple[str, ...] = tuple(spec.get("periods", PERIOD_KINDS))

    def runs_in(self, period_kind: str) -> bool:
        """Whether the step runs in a period of this kind (``month`` or ``quarter``)."""
        return period_kind in self.periods

    def rebind(self, scheme: Scheme) -> Step:
        """The same step for a scheme whose rule table was edited in the workbook."""
        return type(self)(self.spec, scheme, self.where)

    def outputs(self) -> list[str]:
        return []

    def rule_codes(self) -> list[str]:
        """Rule codes this step needs (a workbook's Rules sheet may not delete them)."""
        return [self.spec["rule"]] if isinstance(self.spec.get("rule"), str) else []

    def priced_rules(self) -> set[str]:
        """Codes of rules whose 分值/金额 (points, amount or percent) and range this step reads from the
        rule table in force, so that a Rules sheet edit of them takes effect. None by default: a step
        that prices a rule from its own JSON (a ladder, a rank's points list) does not list it, and the
        Rules sheet refuses an edit of that rule's points (kpixl.core.rulesheet)."""
        return set()

    def prices_new_rule(self, rule) -> bool:
        """Whether this step prices ``rule``, a rule added on the Rules sheet (not in the scheme file),
        so its points or amount reach the step's values with the direction of its kind. No by default;
        a new rule no step prices is refused at its cell."""
        return False

    def reads_earlier_events(self) -> tuple[str, ...]:
        """Rule codes whose Events rows of earlier months in the year this step reads (none by default)."""
        return ()

    def guide_rows(self) -> list[tuple[str, str]]:
        """Rows for the template's 说明 / Guide sheet (band tables, decision tables); none by default."""
        return []

    def run(self, ctx: Context) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # helpers for subclasses -------------------------------------------------------

    def error(self, zh: str, en: str, fix_zh: str = "", fix_en: str = "", at: str = "") -> SchemeError:
        return SchemeError([problem("step_invalid", f"{self.where}{at}", zh, en, fix_zh, fix_en)])

    def expression(self, key: str) -> Expression:
        return Expression(self.spec[key], f"{self.where}.{key}")

    def rule(self, code: str, key: str = "rule"):
        rule = self.scheme.rules.get(code)
        if rule is None:
            raise self.error(f"步骤引用的规则 {code} 不存在。", f"The step names rule {code}, which does not exist.",
                             "在 rules 中定义它，或改正代码。", "Define it in rules or correct the code.", f".{key}")
        return rule

    def get(self, key: str, default: Any = None) -> Any:
        return self.spec.get(key, default)

    def evaluate(self, ctx: Context, emp: str, expr: Expression, env=None) -> tuple[bool, Any]:
        """(True, value) or (False, None) after blocking ``emp`` with a located problem.

        A missing input is R-G-9 (the problem names the sheet and the fix); a division by zero
        or a comparison with an empty value names the expression and the inputs it read.
        """
        env = env if env is not None else ctx.env(emp)
        try:
            return True, expr.evaluate(env)
        except MissingInput as exc:
            pr = exc.problem
            if pr.employee is None:
                pr = replace(pr, employee=emp)
            ctx.block_missing(emp, pr)
        except (ArithmeticError, TypeError) as exc:
            read = ", ".join(env.read) or ctx.scheme.path
            ctx.block(emp, problem(
                "cannot_compute", read, f"员工 {emp}：无法计算 “{expr.text}”（{type(exc).__name__}）。",
                f"Employee {emp}: cannot compute '{expr.text}' ({type(exc).__name__}).",
                "检查这些单元格的数值（例如除数为 0）。", "Check the values in these cells (e.g. a divisor of 0).",
                employee=emp))
        return False, None
