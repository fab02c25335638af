"""Typed, located, bilingual problems.

Every problem says where (``事件!C14 / Events!C14`` or ``schemes/x.json $.rules[3].points``),
what is wrong and how to fix it, in Chinese and English. The library raises
:class:`KpixlError` subclasses that carry a list of :class:`Problem`; front ends (CLI, UDF,
batch) decide how to show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a scheme or a workbook."""

    code: str  # stable machine code, e.g. "unknown_rule"
    where: str  # "事件!C14 / Events!C14", "参数 / Parameters", "$.rules[3].points"
    zh: str
    en: str
    fix_zh: str = ""
    fix_en: str = ""
    employee: str | None = None  # the employee whose result this problem blocks
    severity: str = "error"  # "error" or "warning"
    # "row": a cell problem whose blocking is decided by the row's owner (see validate.py)
    scope: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def text(self) -> str:
        """Two-line bilingual text: where, what, and the fix."""
        zh = self.zh + (f" 修正：{self.fix_zh}" if self.fix_zh else "")
        en = self.en + (f" Fix: {self.fix_en}" if self.fix_en else "")
        label = "警告 warning" if self.severity == "warning" else "错误 error"
        return f"{self.where}  [{label}]\n    {zh}\n    {en}"

    def short(self) -> str:
        """One line for a cell: where plus the English and Chinese message."""
        return f"{self.where}: {self.zh} / {self.en}"

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "where": self.where,
            "severity": self.severity,
            "employee": self.employee,
            "message_zh": self.zh,
            "message_en": self.en,
            "fix_zh": self.fix_zh,
            "fix_en": self.fix_en,
        }


@dataclass
class KpixlError(Exception):
    """Base class of every error kpixl raises on purpose."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.text() for p in self.problems) or self.__class__.__name__


class SchemeError(KpixlError):
    """A scheme file is missing or invalid."""


class WorkbookError(KpixlError):
    """A workbook cannot be opened or lacks what the contract requires."""


class InputError(KpixlError):
    """The workbook's input rows have problems (validation failed)."""


class MissingInput(Exception):
    """Raised during evaluation when a required input is absent (R-G-9)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.en)
        self.problem = problem


def problem(
    code: str,
    where: str,
    zh: str,
    en: str,
    fix_zh: str = "",
    fix_en: str = "",
    **kw,
) -> Problem:
    return Problem(code, where, zh, en, fix_zh, fix_en, **kw)
