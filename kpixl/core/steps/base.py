"""The Step contract every primitive implements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import SchemeError, problem
from ..expr import Expression

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context
    from ..scheme import Scheme


class Step:
    """One primitive of a scheme's pipeline.

    ``__init__`` checks the step's JSON (beyond what the JSON Schema checks) and raises
    :class:`SchemeError` with located problems; ``outputs`` names the values it publishes;
    ``run`` computes them for every employee and records explanation rows.
    """

    kind: ClassVar[str] = ""
    uses_ratings: ClassVar[bool] = False

    def __init__(self, spec: dict, scheme: Scheme, where: str):
        self.spec = spec
        self.scheme = scheme
        self.where = where

    def rebind(self, scheme: Scheme) -> Step:
        """The same step for a scheme whose rule table was edited in the workbook."""
        return type(self)(self.spec, scheme, self.where)

    def outputs(self) -> list[str]:
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
