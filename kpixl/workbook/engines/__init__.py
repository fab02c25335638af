"""Workbook reader engines: one small contract, several engines.

Each engine only lists sheets and delivers raw cells (:class:`~kpixl.workbook.parse.RawSheet`);
typing and problems are decided once in :mod:`kpixl.workbook.parse`. Engines import their
library lazily, so importing kpixl never loads openpyxl, fastexcel or xlwings.

- ``fastexcel`` (default when installed): Rust calamine reader, ~250k rows/s.
- ``openpyxl``: pure-Python fallback, ~15k rows/s.
- ``xlwings``: a live Excel workbook (UDFs).
- ``records``: plain Python dicts (tests, scheme examples, CSV import).

:func:`reading_early` opens a book before the caller imports pandas, so that the background
work of the fastexcel engine (looks and Rust loads) overlaps those imports; the next
:func:`open_book` of that file takes the open book over. Opening a book imports no pandas.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kpixl.core.errors import WorkbookError, problem

if TYPE_CHECKING:
    from ..parse import RawSheet


class BookReader(Protocol):
    source: str

    def sheet_names(self) -> list[str]: ...

    def read(self, name: str) -> RawSheet: ...

    def close(self) -> None: ...


ENGINES = ("fastexcel", "openpyxl")


def default_engine() -> str:
    wanted = os.environ.get("KPIXL_READER")
    if wanted:
        return wanted
    try:
        import fastexcel  # noqa: F401
        found = importlib.util.find_spec("pyarrow") is not None  # (imported later, in the background: 0.2 s)
    except ImportError:
        found = False
    return "fastexcel" if found else "openpyxl"


_early: dict[tuple[Path, str], BookReader] = {}  # books opened by reading_early, not yet taken


@contextmanager
def reading_early(path: str | os.PathLike, engine: str | None = None) -> Iterator[None]:
    """Open ``path`` now and start reading it in the background; within the block, the next
    ``open_book(path, engine)`` takes that book over (and its caller closes it as usual).

    A book nobody took is closed on leaving the block, whatever happens (an error, Ctrl-C): its
    threads are stopped or joined. A file that cannot be opened is left alone here: the later
    ``open_book`` reports it exactly as it always does."""
    key = (Path(path), engine or default_engine())
    try:
        book = open_book(path, engine)
    except Exception:  # noqa: BLE001 - reported by the open_book that reads it
        book = None
    if book is not None:
        _early[key] = book
        settle = getattr(book, "settle", None)
        if settle is not None:  # the largest sheet's load starts before the caller's imports
            settle()
    try:
        yield
    finally:
        left = _early.pop(key, None) if book is not None else None
        if left is not None:
            left.close()


_COMPOUND = bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE compound file: .xls, or an encrypted .xlsx


def _is_compound_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(8) == _COMPOUND
    except OSError:
        return False


def open_book(path: str | os.PathLike, engine: str | None = None, background: bool = True) -> BookReader:
    """Open a workbook file for reading with ``engine`` (default: the fastest installed).

    fastexcel starts looking at and loading every sheet in the background at once, unless
    ``background`` is False (a caller that reads one small sheet)."""
    if _early and background:
        early = _early.pop((Path(path), engine or default_engine()), None)
        if early is not None:
            return early
    p = Path(path)
    if p.is_dir():
        raise WorkbookError([problem("not_a_file", str(p), f"{p} 是文件夹，不是工作簿。", f"{p} is a folder, not a workbook.",
                                     "给出一个 .xlsx 文件（处理整个文件夹用 kpixl nightly）。",
                                     "Give one .xlsx file (kpixl nightly processes a whole folder).")])
    if not p.is_file():
        raise WorkbookError([problem("no_file", str(p), f"找不到文件 {p}。", f"File {p} does not exist.",
                                     "检查路径。", "Check the path.")])
    if p.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError([problem("not_xlsx", str(p), f"{p.name} 不是 .xlsx 工作簿。", f"{p.name} is not an .xlsx workbook.",
                                     "另存为 Excel 工作簿 (.xlsx) 后重试。", "Save it as an Excel workbook (.xlsx) and try again.")])
    if _is_compound_file(p):
        raise WorkbookError([problem(
            "xls_or_encrypted", p.name, f"{p.name} 不是 .xlsx 格式：它是旧版 .xls 工作簿，或设置了打开密码的工作簿。",
            f"{p.name} is not in .xlsx format: it is an old .xls workbook, or one protected by a password to open.",
            "在 Excel 中打开；如有打开密码，先去掉（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码），再另存为 Excel 工作簿 (.xlsx)。",
            "Open it in Excel; if it asks for a password, remove it (File > Info > Protect Workbook > Encrypt with "
            "Password, clear it), then save it as an Excel Workbook (.xlsx).")])
    engine = engine or default_engine()
    try:
        if engine == "fastexcel":
            from .fastexcel_engine import FastexcelBook

            return FastexcelBook(p, background)
        if engine == "openpyxl":
            from .openpyxl_engine import OpenpyxlBook

            return OpenpyxlBook(p)
    except WorkbookError:
        raise
    except Exception as exc:  # a corrupt or non-xlsx file: every engine says the same thing
        raise unreadable(p.name, exc) from None
    raise ValueError(f"unknown reader engine {engine!r}; use one of {ENGINES}")


def unreadable(source: str, exc: BaseException, sheet: str | None = None) -> WorkbookError:
    """One located, one-line bilingual error for a workbook (or one of its sheets) that cannot be read."""
    from .sheetxml import PackageError

    if isinstance(exc, PackageError):
        zh, en = exc.zh, exc.en
    else:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = lines[0][:120] if lines else ""
        zh = f"文件已损坏或不是有效的 Excel 文件（{type(exc).__name__}）。"
        en = f"The file is damaged or not a valid Excel file ({type(exc).__name__}{': ' + detail if detail else ''})."
    where = f"{source} {sheet}" if sheet else source
    return WorkbookError([problem("unreadable", where, f"无法读取 {where}：{zh}", f"Cannot read {where}: {en}",
                                  "用 Excel 打开并重新保存为 .xlsx。", "Open it in Excel and save it again as .xlsx.")])
