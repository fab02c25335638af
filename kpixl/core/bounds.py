"""Bounds on the numbers of a workbook (issue 7): a pasted phone number or an exponent typo is a
located error, never a number the core scales to integers or converts to Decimal.

Event quantities and values are bounded in ``validate.prepare_events`` (vectorised); metric,
parameter and History values in ``validate.check_value``; employee attributes here; rule points
in ``scheme.check_rule``. The limits are in :mod:`kpixl.core.numbers`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import Problem, problem
from .inputs import Inputs
from .numbers import VALUE_LIMIT
from .scheme import Scheme


def fmt_number(x) -> str:
    """A cell number as typed: 3.0 -> 3; huge floats keep their exponent (1e+308, not 309 digits)."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return str(x)


def too_large(where: str, zh: str, en: str, value, owner: str | None) -> Problem:
    """A number beyond the sane bound (issue 7): a pasted phone number, an exponent typo."""
    shown = fmt_number(value) if isinstance(value, float) else str(value)
    return problem("number_too_large", where, f"{zh} 的值 {shown} 大得不合理（绝对值最多 {VALUE_LIMIT:,}）。",
                   f"{en} value {shown} is implausibly large (|value| at most {VALUE_LIMIT:,}).",
                   "改正数值（是否多打了几位或粘贴了别的数字？）。", "Correct the number (extra digits or a pasted number?).",
                   employee=owner)


def check_attributes(scheme: Scheme, inputs: Inputs, employees: pd.DataFrame) -> list[Problem]:
    """Numeric employee attributes (base_salary ...) within the sane bound; vectorised."""
    problems: list[Problem] = []
    for f in scheme.attributes:
        if f.type not in ("number", "integer", "money", "percent") or f.code not in employees:
            continue
        col = pd.to_numeric(employees[f.code], errors="coerce").to_numpy(dtype="float64")
        huge = ~np.isnan(col) & ~(np.abs(col) <= VALUE_LIMIT)
        for i in np.flatnonzero(huge):
            emp = employees.index[i]
            problems.append(too_large(inputs.employees.ref(f.code, int(employees["xl_row"].iat[i])), f.zh, f.en,
                                      float(col[i]), emp))
        negative = ~huge & (col < 0) if f.type == "money" else np.zeros(len(col), dtype=bool)
        for i in np.flatnonzero(negative):  # a salary is never below 0: a 5% fine of it would pay the employee
            emp = employees.index[i]
            problems.append(problem(
                "out_of_range", inputs.employees.ref(f.code, int(employees["xl_row"].iat[i])),
                f"{f.zh} 的值 {fmt_number(float(col[i]))} 是负数，金额不能小于 0。",
                f"{f.en} value {fmt_number(float(col[i]))} is negative; an amount cannot be below 0.",
                "填写正数（不带负号）。", "Enter a positive number (no minus sign).", employee=emp))
        if huge.any() or negative.any():  # reported and blocked: the steps see the cell as empty, never the number
            employees[f.code] = employees[f.code].mask(huge | negative)
    return problems
