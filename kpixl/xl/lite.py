"""kpixl in xlwings Lite (Python in Excel through Pyodide: Windows, macOS, Excel on the web).

The clerk pastes ``excel/lite/main.py`` into the Lite editor; it is a thin list of ``@script`` and
``@func`` definitions over this module, which in turn is a thin layer over
:mod:`kpixl.xl.service`, like the Windows UDFs:

- :func:`score_workbook` (the script button "计算本工作簿 / Score this workbook") reads the open
  workbook's sheets through Lite's Book API, scores them once and writes the report values to the
  报表 sheet (a blocked employee's values are ``#N/A`` with the reason in the status column);
- the custom functions (``=KPI_SCORE(A2)`` ...) answer from the workbook the script scored last.
  Lite's custom functions are not given the workbook, so they cannot read it themselves: until
  the script has run they return ``#N/A`` with "run 计算本工作簿 first"; after an edit, run the
  script again.
"""

from __future__ import annotations

from typing import Any

from . import service

REPORT_SHEET = "报表"
REPORT_NOTE = "由 xlwings Lite 的“计算本工作簿”写入；修改输入后再点一次。 / Written by xlwings Lite's 'score this workbook'; run it again after editing the inputs."
NOT_SCORED = service.CellError("#N/A", "请先点 计算本工作簿 / run 'score this workbook' (计算本工作簿) first")
_FORMULA_START = ("=", "+", "-", "@")


class _Caller:
    """What the service expects from a caller: ``caller.sheet.book`` (the scored workbook)."""

    def __init__(self, book):
        self.sheet = self
        self.book = book


_state: dict[str, _Caller | None] = {"caller": None}


def lite_error(err: service.CellError) -> str:
    """xlwings Lite turns a returned ``"#N/A"`` string into Excel's #N/A error value."""
    return err.code


def out(value: Any, text: bool = False) -> Any:
    """A service answer as a Lite custom function returns it."""
    if isinstance(value, service.CellError) and not text:
        return lite_error(value)
    return value


def caller():
    """The workbook the script scored last (the custom functions' stand-in for ``caller``)."""
    return _state["caller"]


def answer(ask, *args, text: bool = False) -> Any:
    """Call ``ask(caller, *args)`` of the service for a custom function."""
    c = _state["caller"]
    if c is None:
        return out(NOT_SCORED, text)
    return out(ask(c, *args), text)


def _as_text_if_formula(value: Any) -> Any:
    """Values are written as if typed: text that would start a formula gets Excel's ' prefix."""
    if isinstance(value, str) and value[:1] in _FORMULA_START and len(value) > 1:
        return "'" + value
    return value


def score_workbook(book, text: bool = False) -> list[list[Any]]:
    """Score ``book`` (Lite's Book) and write the report to its 报表 sheet, where the template's table
    formula stands (a note in A1, the table from A2); returns the rows written."""
    c = _Caller(book)
    _state["caller"] = c
    service.end_burst(c)
    rows = service.table(c, None if text else lite_error)
    names = [s.name for s in book.sheets]
    sheet = book.sheets[REPORT_SHEET] if REPORT_SHEET in names else book.sheets.add(REPORT_SHEET)
    sheet.clear_contents()
    sheet["A1"].value = REPORT_NOTE
    sheet["A2"].value = [[_as_text_if_formula(v) for v in row] for row in rows]
    return rows
