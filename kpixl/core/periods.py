"""Calendar conventions (SCHEMES.md R-G-3, R-G-10).

Month = calendar month; quarter = calendar quarter; week = Monday-Sunday, credited to the
month that contains its Sunday; day = calendar day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTH = re.compile(r"^\s*(\d{4})(?:[-/._年](\d{1,2})|(0[1-9]|1[0-2]))月?\s*$")  # 2026-10, 2026_10, 202610
YEARS = range(1900, 2200)  # a period outside these years is a typo (0000-10, 9999-12), never a date error later
_QUARTER = re.compile(r"^\s*(\d{4})-?[Qq]([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month (``2026-10``) or quarter (``2026-Q4``)."""

    year: int
    month: int  # first month of the period
    months: int = 1  # 1 for a month, 3 for a quarter

    @property
    def kind(self) -> str:
        return "month" if self.months == 1 else "quarter"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the period."""
        y, m = self.year, self.month + self.months
        if m > 12:
            y, m = y + 1, m - 12
        return dt.date(y, m, 1) - dt.timedelta(days=1)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        if self.months == 1:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-Q{(self.month - 1) // 3 + 1}"

    def __str__(self) -> str:
        return self.label

    def month_periods(self) -> list[Period]:
        return [add_months(Period(self.year, self.month), i) for i in range(self.months)]

    @property
    def quarter(self) -> Period:
        return Period(self.year, (self.month - 1) // 3 * 3 + 1, 3)

    @property
    def is_quarter_end(self) -> bool:
        return self.months == 1 and self.month % 3 == 0

    def previous(self) -> Period:
        return add_months(self, -self.months)


def add_months(period: Period, n: int) -> Period:
    index = period.year * 12 + (period.month - 1) + n
    return Period(index // 12, index % 12 + 1, period.months)


def parse_period(text: object) -> Period:
    """Parse ``2026-10``, ``2026/10``, ``2026年10月``, a date (its month) or ``2026-Q4``."""
    period = _parsed(text)
    if period is None or period.year not in YEARS:
        raise ValueError(f"not a period: {text!r} (expected YYYY-MM or YYYY-Qn, a year {YEARS.start}-{YEARS.stop - 1})")
    return period


def _parsed(text: object) -> Period | None:
    if isinstance(text, (dt.datetime, dt.date)):
        return Period(text.year, text.month)
    s = str(text)
    m = _MONTH.match(s)
    if m and 1 <= int(m.group(2) or m.group(3)) <= 12:
        return Period(int(m.group(1)), int(m.group(2) or m.group(3)))
    m = _QUARTER.match(s)
    if m:
        q = int(m.group(2))
        return Period(int(m.group(1)), (q - 1) * 3 + 1, 3)
    return None


# A period inside a file name: a year 2000-2099 followed by a month or quarter, never part of a
# longer run of digits (so phone numbers, dates written 20261015 and ids are not read as one).
_NAME_QUARTER = re.compile(r"(?<!\d)(20\d{2})\s*(?:[-_. ]?[Qq]|年\s*(?:[Qq]|第))([1-4])(?:季度?)?(?!\d)")
_NAME_MONTH_SEP = re.compile(r"(?<!\d)(20\d{2})\s*(?:[-_.]|年)\s*(0?[1-9]|1[0-2])(?!\d)")
_NAME_MONTH_RUN = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(?!\d)")


def period_from_name(name: str) -> Period | None:
    """The period a file name states (``2026-10``, ``2026.10``, ``2026_10``, ``202610``,
    ``客服部2026年10月``, ``2026-Q3``, ``2026年第3季度``), or None when it states none or several."""
    found: set[Period] = set()
    for m in _NAME_QUARTER.finditer(name):
        found.add(Period(int(m.group(1)), (int(m.group(2)) - 1) * 3 + 1, 3))
    for pattern in (_NAME_MONTH_SEP, _NAME_MONTH_RUN):
        for m in pattern.finditer(name):
            found.add(Period(int(m.group(1)), int(m.group(2))))
    return found.pop() if len(found) == 1 else None


def periods_agree(a: Period, b: Period) -> bool:
    """Same period, or a month inside the other's quarter (``2026-10`` in a ``2026-Q4`` file)."""
    return a == b or set(a.month_periods()) <= set(b.month_periods()) or set(b.month_periods()) <= set(a.month_periods())


def month_of(day: dt.date) -> Period:
    return Period(day.year, day.month)


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_credit_month(monday: dt.date) -> Period:
    """The month a Monday-Sunday week is credited to: the month of its Sunday (R-G-3)."""
    return month_of(monday + dt.timedelta(days=6))


def weeks_credited(month: Period) -> list[dt.date]:
    """Mondays of the weeks credited to ``month`` (each week belongs to exactly one month)."""
    first_sunday = month.start + dt.timedelta(days=(6 - month.start.weekday()) % 7)
    mondays = []
    sunday = first_sunday
    while sunday <= month.end:
        mondays.append(sunday - dt.timedelta(days=6))
        sunday += dt.timedelta(days=7)
    return mondays


def is_working_day(day: dt.date, holidays: frozenset[dt.date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(day: dt.date, n: int, holidays: frozenset[dt.date] = frozenset()) -> dt.date:
    """The n-th working day after ``day`` (``day`` itself does not count; R-GB-11)."""
    current, counted = day, 0
    while counted < n:
        current += dt.timedelta(days=1)
        if is_working_day(current, holidays):
            counted += 1
    return current


_ISO_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_PY_DATE = re.compile(r"date\((\d{4}),\s*(\d{1,2}),\s*(\d{1,2})\)")


def parse_dates(value: object) -> list[dt.date]:
    """Dates of a list parameter (``HOLIDAYS``): a date, a list of dates, or text such as
    ``2024-10-01; 2024-10-02`` (any separator). Empty or None gives no dates."""
    if value is None or value == "":
        return []
    if isinstance(value, dt.datetime):
        return [value.date()]
    if isinstance(value, dt.date):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        out: list[dt.date] = []
        for v in value:
            out += parse_dates(v)
        return out
    text = str(value)
    found = _ISO_DAY.findall(text) + _PY_DATE.findall(text)
    if not found and text.strip():
        raise ValueError(f"no dates in {text!r}")
    return [dt.date(int(y), int(m), int(d)) for y, m, d in found]
