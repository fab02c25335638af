"""What the UDFs compute, without xlwings: find the caller's workbook, score it once, answer cells.

A workbook is scored once per change, not once per cell: results are cached by the workbook
(path and modification time for files; full name plus a cheap fingerprint and a short time
window for a live Excel workbook), so thousands of ``=KPI_SCORE(A2)`` cells cost one scoring
run plus a dictionary lookup each. Errors become short cell texts, never exceptions.
"""

from __future__ import annotations

import os
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpixl.core.errors import KpixlError
from kpixl.core.numbers import plain
from kpixl.core.result import Result

LIVE_TTL_SECONDS = float(os.environ.get("KPIXL_UDF_TTL", "2.0"))
_lock = threading.Lock()
_cache: dict[Any, tuple[float, Any, Result | str]] = {}


def _score_book(book) -> Result | str:
    from kpixl.core.engine import score
    from kpixl.ledger import with_history
    from kpixl.workbook.read import read_book

    try:
        scheme, inputs = read_book(book)
        where = getattr(book, "path", None) or getattr(getattr(book, "book", None), "fullname", None)
        inputs, _reads = with_history(scheme, inputs, where)  # closed months, if a ledger is in use (kpixl.ledger)
        return score(scheme, inputs)
    except KpixlError as exc:
        p = exc.problems[0] if exc.problems else None
        return f"#KPIXL! {p.short()}" if p else "#KPIXL! error"


def result_for(caller) -> Result | str:
    """The scored result of the caller's workbook (cached), or an error text for the cell.

    ``caller`` is the xlwings Range Excel passes to a UDF, or, for use from plain Python
    and tests, the path of a workbook file.
    """
    if isinstance(caller, (str, os.PathLike)):
        path = Path(caller).resolve()
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return f"#KPIXL! 找不到工作簿 / workbook not found: {path}"
        key = ("file", str(path))
        with _lock:
            hit = _cache.get(key)
            if hit and hit[1] == stamp:
                return hit[2]
        from kpixl.workbook.engines import open_book

        try:
            book = open_book(path)
        except KpixlError as exc:
            return f"#KPIXL! {exc.problems[0].short()}"
        try:
            result = _score_book(book)
        finally:
            book.close()
        with _lock:
            _cache[key] = (time.monotonic(), stamp, result)
        return result
    from kpixl.workbook.engines.xlwings_engine import XlwingsBook

    book = XlwingsBook(caller.sheet.book)
    key = ("live", caller.sheet.book.fullname)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit and now - hit[0] < LIVE_TTL_SECONDS:
        return hit[2]
    fingerprint = book.fingerprint()
    if hit and hit[1] == fingerprint and now - hit[0] < LIVE_TTL_SECONDS * 5:
        return hit[2]
    result = _score_book(book)
    with _lock:
        _cache[key] = (time.monotonic(), fingerprint, result)
    return result


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
    """(result, employee) or (None, cell text) for an unusable id or workbook."""
    if employee_id is None or (isinstance(employee_id, str) and not employee_id.strip()):
        return None, ""
    if isinstance(employee_id, float) and employee_id.is_integer():
        employee_id = str(int(employee_id))
    employee_id = str(employee_id).strip()
    result = result_for(caller)
    if isinstance(result, str):
        return None, result
    try:
        emp = result.employee(employee_id)
    except KeyError:
        return None, f"#N/A 工号 {employee_id} 不在员工表 / not on the Employees sheet"
    if not emp.ok:
        return None, f"#ERR {emp.problems[0].short()}"
    return result, emp


def value(caller, employee_id, name: str | None = None) -> Any:
    result, emp = _employee(caller, employee_id)
    if result is None:
        return emp
    key = name or result.scheme.main_output.value
    if key not in emp.values:
        known = ", ".join(o.value for o in result.scheme.outputs)
        return f"#N/A 没有这个值 / no value '{key}' (try: {known})"
    return _cell(emp.values[key])


def category(caller, employee_id, code: str, what: str = "deduction") -> Any:
    return value(caller, employee_id, f"{str(code).strip().upper()}.{what or 'deduction'}")


def money(caller, employee_id, kind: str = "deductions") -> Any:
    """Money total in yuan: ``deductions`` (charges, default) or ``awards`` (payouts)."""
    kind = (kind or "deductions").strip().lower()
    if kind not in ("deductions", "awards"):
        return "#VALUE! kind: deductions | awards"
    return value(caller, employee_id, f"money.{kind}")


def rank(caller, employee_id, code: str, day=None) -> Any:
    """Rank in a monthly ranking (``CODE.rank``), in the group ranking (``"group"``), or, with a date,
    in the daily or weekly ranking of that day."""
    code = str(code or "").strip()
    if code.lower() == "group":
        return value(caller, employee_id, "group.rank")
    if day in (None, ""):
        return value(caller, employee_id, f"{code.upper()}.rank")
    result, emp = _employee(caller, employee_id)
    if result is None:
        return emp
    try:
        import pandas as pd

        found = result.rank_on(emp.id, code.upper(), pd.Timestamp(day))
    except (ValueError, TypeError):
        return "#VALUE! 日期 / date"
    return "" if found is None else found


def points(caller, employee_id, code: str | None = None) -> Any:
    """The scheme's headline points, or ``CODE.points`` (a category or ranking) / a named value."""
    if not code:
        return value(caller, employee_id)
    result, emp = _employee(caller, employee_id)
    if result is None:
        return emp
    code = str(code).strip()
    for key in (f"{code.upper()}.points", code):
        if key in emp.values:
            return _cell(emp.values[key])
    return f"#N/A 没有这个值 / no value '{code}'"


def grade(caller, employee_id) -> Any:
    return value(caller, employee_id, "grade")


def group(caller, employee_id, what: str = "grade") -> Any:
    """A value of the employee's group: ``grade``, ``total``, ``rank`` (S14)."""
    return value(caller, employee_id, f"group.{str(what or 'grade').strip().lower()}")


def flags(caller, employee_id) -> Any:
    result, emp = _employee(caller, employee_id)
    if result is None:
        return emp
    return "、".join(f"{f['code']} {f['label_zh']}" for f in result.flags_of(emp.id))


def explain(caller, employee_id, lang: str = "zh") -> Any:
    result, emp = _employee(caller, employee_id)
    if result is None:
        return emp
    text = result.explain_text(emp.id, "en" if str(lang).lower().startswith("en") else "zh")
    return text[:32000]  # an Excel cell holds at most 32,767 characters


def status(caller, employee_id) -> Any:
    result, emp = _employee(caller, employee_id)
    if result is None:
        return emp
    return "ok"


def table(caller) -> list[list[Any]]:
    """The whole report as one array (for a dynamic-array formula): fast for thousands of rows."""
    result = result_for(caller)
    if isinstance(result, str):
        return [[result]]
    outs = result.scheme.outputs
    rows: list[list[Any]] = [["工号 / Employee ID", "姓名 / Name"] + [f"{o.zh} / {o.en}" for o in outs]
                             + ["标记 / Flags", "状态 / Status"]]
    for e in result.employees:
        if e.ok:
            rows.append([e.id, e.name] + [_cell(e.values.get(o.value)) for o in outs]
                        + ["、".join(f["code"] for f in result.flags_of(e.id)), "ok"])
        else:
            rows.append([e.id, e.name] + [""] * len(outs) + ["", f"#ERR {e.problems[0].short()}"])
    return rows


def fmt(value: Any) -> str:  # pragma: no cover - debugging aid
    return plain(value) if isinstance(value, Decimal) else str(value)
