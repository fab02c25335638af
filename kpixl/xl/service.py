"""What the UDFs compute, without xlwings: find the caller's workbook, score it once, answer cells.

A workbook is scored once per change, not once per cell. Results are cached per workbook:

- a workbook **file** (plain Python, tests, xlwings Lite's script) by its path; its modification
  time is checked at most once per ``KPIXL_UDF_FILE_CHECK`` seconds (default 1.0), so a cached
  call costs a dictionary lookup, not a ``stat()``;
- a **live Excel workbook** by its full name and the *content* of its input sheets (a digest of
  every input sheet's values, see ``XlwingsBook.fingerprint``). The content is read once per
  recalculation burst: calls less than ``KPIXL_UDF_BURST`` seconds apart (default 0.1) belong to
  one burst and share one read (a burst that goes on is re-checked after ``KPIXL_UDF_BURST_MAX``
  seconds, default 10). An edit anywhere inside the sheets is seen by the next recalculation.

Explanations, flags and the whole-report table are memoised per scored result, like values.
Problems become :class:`CellError` values (a ``str`` with an Excel error ``code``): the UDF
layer turns them into real Excel errors (``#N/A``), so ``SUM`` cannot skip a blocked employee;
``KPI_STATUS`` (and ``text=True``) gives the reason as text. Nothing here raises.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kpixl.core.errors import KpixlError, Problem
from kpixl.core.result import Result

FILE_CHECK_SECONDS = float(os.environ.get("KPIXL_UDF_FILE_CHECK", "1.0"))
BURST_GAP_SECONDS = float(os.environ.get("KPIXL_UDF_BURST", "0.1"))
BURST_MAX_SECONDS = float(os.environ.get("KPIXL_UDF_BURST_MAX", "10.0"))
EXCEL_CELL_LIMIT = 32000  # an Excel cell holds at most 32,767 characters


class CellError(str):
    """A cell text that stands for an Excel error: ``code`` is ``#N/A`` or ``#VALUE!``."""

    code: str

    def __new__(cls, code: str, text: str) -> CellError:
        obj = super().__new__(cls, text if text.startswith("#") else f"{code} {text}")
        obj.code = code
        return obj


@dataclass
class _Entry:
    result: Result | CellError
    stamp: Any  # file: mtime_ns; live workbook: content fingerprint
    last_call: float  # file: when the stamp was last checked; live workbook: the burst's last call
    burst_start: float
    memo: dict = field(default_factory=dict)
    main: str = ""  # the scheme's headline output (looked up once, not per call)

    def __post_init__(self) -> None:
        if isinstance(self.result, Result):
            self.main = self.result.scheme.main_output.value


_lock = threading.Lock()
_cache: dict[Any, _Entry] = {}


def _score_book(book) -> Result | CellError:
    from kpixl.core.engine import score
    from kpixl.ledger import with_history
    from kpixl.workbook.read import read_book

    try:
        scheme, inputs = read_book(book)
        where = getattr(book, "path", None) or getattr(getattr(book, "book", None), "fullname", None)
        inputs, _reads = with_history(scheme, inputs, where)  # closed months, if a ledger is in use (kpixl.ledger)
        result = score(scheme, inputs)
    except KpixlError as exc:
        p = exc.problems[0] if exc.problems else None
        return CellError("#N/A", f"#KPIXL! {p.short()}" if p else "#KPIXL! error")
    from kpixl.ledger.standing import standing

    try:  # a month already closed: KPI_STATUS says whose figures are not the closed ones
        result.extras["standing"] = standing(scheme, inputs, result, where)
    except KpixlError as exc:
        result.extras["standing"] = exc.problems[0] if exc.problems else None
    return result


def _file_entry(key: str, now: float) -> _Entry:
    """Score the file at ``key`` unless its modification time is unchanged; an unreadable or
    missing file is cached too (its error text), so thousands of cells do not retry it."""
    hit = _cache.get(key)
    try:
        stamp = os.stat(key).st_mtime_ns
    except OSError:
        stamp = None
    if hit is not None and hit.stamp == stamp:
        hit.last_call = now
        return hit
    if stamp is None:
        result: Result | CellError = CellError("#N/A", f"#KPIXL! 找不到工作簿 / workbook not found: {key}")
    else:
        from kpixl.workbook.engines import open_book

        try:
            book = open_book(key)
        except KpixlError as exc:
            result = CellError("#N/A", f"#KPIXL! {exc.problems[0].short()}")
        else:
            try:
                result = _score_book(book)
            finally:
                book.close()
    entry = _Entry(result, stamp, time.monotonic(), now)
    with _lock:
        _cache[key] = entry
    return entry


def _live_entry(caller) -> _Entry:
    from kpixl.workbook.engines.xlwings_engine import XlwingsBook

    xl_book = caller.sheet.book
    key = ("live", xl_book.fullname)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit.last_call < BURST_GAP_SECONDS and now - hit.burst_start < BURST_MAX_SECONDS:
        hit.last_call = now
        return hit
    book = XlwingsBook(xl_book)
    fingerprint = book.fingerprint()
    if hit is not None and hit.stamp == fingerprint:
        hit.last_call = hit.burst_start = time.monotonic()
        return hit
    result = _score_book(book)
    done = time.monotonic()  # the burst starts after the read and the scoring run
    entry = _Entry(result, fingerprint, done, done)
    with _lock:
        _cache[key] = entry
    return entry


def _entry(caller) -> _Entry:
    if type(caller) is str or isinstance(caller, os.PathLike):
        key = caller if type(caller) is str else os.fspath(caller)
        now = time.monotonic()
        hit = _cache.get(key)
        if hit is not None and now - hit.last_call < FILE_CHECK_SECONDS:
            return hit
        return _file_entry(key, now)
    return _live_entry(caller)


def result_for(caller) -> Result | CellError:
    """The scored result of the caller's workbook (cached), or a CellError for the cell.

    ``caller`` is the xlwings Range Excel passes to a UDF, or, for use from plain Python and
    tests, the path of a workbook file (as given: the same file under two spellings is scored
    twice, which is harmless).
    """
    return _entry(caller).result


def end_burst(caller) -> None:
    """The next call for this live workbook re-checks its content (a deliberate click, not a recalculation)."""
    hit = _cache.get(("live", caller.sheet.book.fullname))
    if hit is not None:
        hit.last_call = hit.burst_start = float("-inf")


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if value is None:
        return ""
    return value


def _employee(caller, employee_id):
    """(entry, employee) or (None, cell value) for an empty id, an unknown id or a blocked employee."""
    if type(employee_id) is not str:
        if employee_id is None:
            return None, ""
        if isinstance(employee_id, float) and employee_id.is_integer():
            employee_id = int(employee_id)
        employee_id = str(employee_id)
    employee_id = employee_id.strip()
    if not employee_id:
        return None, ""
    entry = _entry(caller)
    result = entry.result
    if type(result) is CellError:
        return None, result
    try:
        emp = result.employee(employee_id)
    except KeyError:
        return None, CellError("#N/A", f"工号 {employee_id} 不在员工表 / not on the Employees sheet")
    if not emp.ok:
        return None, CellError("#N/A", f"#ERR {emp.problems[0].short()}")
    return entry, emp


def value(caller, employee_id, name: str | None = None) -> Any:
    entry, emp = _employee(caller, employee_id)
    if entry is None:
        return emp
    values = emp.values
    key = name or entry.main
    if key in values:
        return _cell(values[key])
    known = ", ".join(o.value for o in entry.result.scheme.outputs)
    return CellError("#VALUE!", f"没有这个值 / no value '{key}' (try: {known})")


def category(caller, employee_id, code: str, what: str = "deduction") -> Any:
    return value(caller, employee_id, f"{str(code).strip().upper()}.{what or 'deduction'}")


def money(caller, employee_id, kind: str = "deductions") -> Any:
    """Money total in yuan: ``deductions`` (charges, default) or ``awards`` (payouts)."""
    kind = (kind or "deductions").strip().lower()
    if kind not in ("deductions", "awards"):
        return CellError("#VALUE!", "kind: deductions | awards")
    return value(caller, employee_id, f"money.{kind}")


def rank(caller, employee_id, code: str, day=None) -> Any:
    """Rank in a monthly ranking (``CODE.rank``), in the group ranking (``"group"``), or, with a date,
    in the daily or weekly ranking of that day."""
    code = str(code or "").strip()
    if code.lower() == "group":
        return value(caller, employee_id, "group.rank")
    if day in (None, ""):
        return value(caller, employee_id, f"{code.upper()}.rank")
    entry, emp = _employee(caller, employee_id)
    if entry is None:
        return emp
    try:
        import pandas as pd

        if isinstance(day, int | float) and not isinstance(day, bool):  # an Excel serial date (xlwings Lite)
            day = pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(day))
        found = entry.result.rank_on(emp.id, code.upper(), pd.Timestamp(day))
    except (ValueError, TypeError, OverflowError):
        return CellError("#VALUE!", "日期 / date")
    return "" if found is None else found


def points(caller, employee_id, code: str | None = None) -> Any:
    """The scheme's headline points, or ``CODE.points`` (a category or ranking) / a named value."""
    if not code:
        return value(caller, employee_id)
    entry, emp = _employee(caller, employee_id)
    if entry is None:
        return emp
    code = str(code).strip()
    for key in (f"{code.upper()}.points", code):
        if key in emp.values:
            return _cell(emp.values[key])
    return CellError("#VALUE!", f"没有这个值 / no value '{code}'")


def grade(caller, employee_id) -> Any:
    return value(caller, employee_id, "grade")


def group(caller, employee_id, what: str = "grade") -> Any:
    """A value of the employee's group: ``grade``, ``total``, ``rank`` (S14)."""
    return value(caller, employee_id, f"group.{str(what or 'grade').strip().lower()}")


def _memo(entry: _Entry, key: tuple, make: Callable[[], Any]) -> Any:
    memo = entry.memo
    if key not in memo:
        memo[key] = make()
    return memo[key]


def flags(caller, employee_id) -> Any:
    entry, emp = _employee(caller, employee_id)
    if entry is None:
        return emp
    result = entry.result
    return _memo(entry, ("flags", emp.id), lambda: "、".join(
        f"{f['code']} {f['label_zh']}" for f in result.flags_of(emp.id)))


def explain(caller, employee_id, lang: str = "zh") -> Any:
    entry, emp = _employee(caller, employee_id)
    if entry is None:
        return emp
    lang = "en" if str(lang or "zh").lower().startswith("en") else "zh"
    result = entry.result
    return _memo(entry, ("explain", emp.id, lang),
                 lambda: result.explain_text(emp.id, lang)[:EXCEL_CELL_LIMIT])


def status(caller, employee_id) -> str:
    """``ok``, or why there is no result, always as text (the reason behind a ``#N/A``). In a month
    already closed, an employee whose figures are not the closed version's says so after the status
    (``ok`` alone means: these are the figures, and where the month is closed, the ledger's too)."""
    entry, emp = _employee(caller, employee_id)
    if entry is None:
        return str(emp)
    found = entry.result.extras.get("standing")
    if isinstance(found, Problem):  # the ledger could not be read: its figures cannot be compared
        return f"{emp.status} · {found.short()}"
    if found is not None and emp.id in found.differing:
        return (f"{emp.status} · 与已关账 v{found.version} 的数字不同 / differs from closed v{found.version} "
                f"(kpixl ledger show {emp.id} --period {found.period})")
    return str(emp.status)  # "ok" or "not_assessed"


def table(caller, as_error: Callable[[CellError], Any] | None = None) -> list[list[Any]]:
    """The whole report as one array (one dynamic-array formula): a header row, then one row per
    employee; a blocked employee's values are errors (``as_error`` converts them for Excel) and
    the last column says why. A workbook that cannot be scored gives one cell with the reason."""
    entry = _entry(caller)
    result = entry.result
    if isinstance(result, str):
        return [[str(result)]]
    return _memo(entry, ("table", as_error), lambda: _table_rows(result, as_error or (lambda e: e)))


def _table_rows(result: Result, as_error: Callable[[CellError], Any]) -> list[list[Any]]:
    outs = result.scheme.outputs
    rows: list[list[Any]] = [["工号 / Employee ID", "姓名 / Name"] + [f"{o.zh} / {o.en}" for o in outs]
                             + ["标记 / Flags", "状态 / Status"]]
    for e in result.employees:
        if e.ok:
            rows.append([e.id, e.name] + [_cell(e.values.get(o.value)) for o in outs]
                        + ["、".join(f["code"] for f in result.flags_of(e.id)), e.status])
        else:
            reason = f"#ERR {e.problems[0].short()}"
            blocked = as_error(CellError("#N/A", reason))
            rows.append([e.id, e.name] + [blocked] * (len(outs) + 1) + [reason])
    return rows
