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


class UsageError(KpixlError):
    """A command-line argument is malformed or implausible (the front end's exit code 2)."""


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


def summarise(problems: list[Problem], per_owner: int = 20) -> list[Problem]:
    """The first ``per_owner`` problems of each employee (and of the problems no employee owns),
    in order, plus one problem per owner saying how many more there are. Linear in the input.

    For printing: 10,000 bad rows of one employee are 20 lines and "… and 9,980 more". JSON
    output and the report's 问题 sheet keep every problem.
    """
    seen: dict[str | None, int] = {}
    out: list[Problem | None] = []
    slot: dict[str | None, int] = {}  # owner -> index of its "more" line in ``out``
    errors: set[str | None] = set()
    last_where: dict[str | None, str] = {}
    for pr in problems:
        owner = pr.employee
        n = seen.get(owner, 0) + 1
        seen[owner] = n
        if n <= per_owner:
            out.append(pr)
            last_where[owner] = pr.where
            continue
        if owner not in slot:
            slot[owner] = len(out)
            out.append(None)
        if pr.is_error:
            errors.add(owner)
    for owner, i in slot.items():
        out[i] = more_problems(owner, seen[owner] - per_owner, last_where.get(owner, ""), owner in errors)
    return [p for p in out if p is not None]


def more_problems(owner: str | None, more: int, where: str, error: bool = True) -> Problem:
    """The one problem that stands for ``more`` problems left out of a listing."""
    who_zh = f"员工 {owner} " if owner is not None else "不属于单个员工的"
    who_en = f"for {owner}" if owner is not None else "not tied to one employee"
    return Problem(
        "more_problems", where, f"……{who_zh}另有 {more:,} 个问题。", f"… and {more:,} more problems {who_en}.",
        "先修正上面列出的问题；全部问题见 --json 或报表的 问题 表。",
        "Fix the ones listed first; every problem is in --json and on the report's 问题 sheet.",
        employee=owner, severity="error" if error else "warning")
