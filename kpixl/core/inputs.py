"""Typed input records (SCHEMES.md R-G-16, R-G-19) with the location of every cell.

The workbook layer parses sheets into these; the scoring core reads only these. Each table
keeps the Excel row of every record (``xl_row``) and the column letter of every field, so any
problem or contribution can name its cell (``事件!C14 / Events!C14``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .errors import Problem
from .periods import Period


@dataclass
class Table:
    """One parsed input sheet: typed columns plus ``xl_row`` (the Excel row number)."""

    frame: pd.DataFrame
    name: str  # the sheet's name in the workbook, e.g. "事件"
    en: str  # its English name, e.g. "Events"
    letters: dict[str, str] = field(default_factory=dict)  # field key -> column letter
    # Excel rows whose value cell (the sheet's 数值/取值 column) was typed as a percent: a 0% cell or
    # a text like 62%; the value is then in percent units, which only a percent figure may be
    percent_rows: frozenset[int] = frozenset()

    def ref(self, key: str | None, row: int | None) -> str:
        """``事件!C14 / Events!C14`` for a field and row (sheet only when unknown)."""
        letter = self.letters.get(key or "", "")
        cell = f"{letter}{row}" if letter and row else (f"{row}" if row else "")
        if not cell:
            return self.name if self.name == self.en else f"{self.name} / {self.en}"
        if "!" not in cell and not letter:
            cell = f"row {row}"
            return f"{self.name} {cell}" if self.name == self.en else f"{self.name} / {self.en} {cell}"
        if self.name == self.en:
            return f"{self.name}!{cell}"
        return f"{self.name}!{cell} / {self.en}!{cell}"

    @property
    def label(self) -> str:
        return self.name if self.name == self.en else f"{self.name} / {self.en}"

    def __len__(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class Param:
    code: str
    value: object
    where: str
    percent: bool = False  # typed as a percent (see Table.percent_rows)


@dataclass
class Inputs:
    """Everything one workbook says about one department's period."""

    employees: Table
    events: Table
    metrics: Table
    ratings: Table
    parameters: dict[str, Param]
    rules: Table | None = None  # the workbook's editable rule table
    history: Table | None = None
    problems: list[Problem] = field(default_factory=list)  # found while parsing
    source: str = ""  # file name or "<records>"
    scheme_id: str | None = None
    period: Period | None = None
    parameters_label: str = "参数 / Parameters"
    # months before the period that the ledger holds no close of (and nobody types): a step whose
    # result depends on one of them says so (consecutive.py) instead of taking it as not qualifying
    unknown_months: tuple[str, ...] = ()


def ledger_rows(table) -> set[int]:
    """The row numbers of a table's rows read from the ledger (a ledger table names each row's close in
    ``sources``); empty for a sheet's own rows. Duck-typed: the core does not import the ledger."""
    sources = getattr(table, "sources", None)
    return set(sources) if isinstance(sources, dict) else set()
