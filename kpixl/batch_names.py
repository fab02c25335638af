"""Which workbooks a nightly run reads, and where each one's report goes.

A report's place is a pure function of the book's own path: a book found in an input folder
keeps its path relative to that folder under ``--out`` (``books/B/2026-10.xlsx`` ->
``OUT/B/2026-10.report.xlsx``); a workbook named as an input is reported at the top of ``--out``.
Which other books are in the run, or the order of the arguments, never changes a name. A book
reached twice (a folder and a subfolder of it, or a folder and a file in it) keeps its longest
path relative to an input folder. Two different books whose reports would share one name (two
input folders holding the same relative path, ``a.xlsx`` beside ``a.xlsm``) get no report: each
is reported as failed, naming the other, so a report name never holds another book's numbers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePath

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# spreadsheets kpixl cannot read (old Excel, binary Excel, LibreOffice, WPS): listed as skipped, never silently ignored
OLD_SUFFIXES = (".xls", ".xlsb", ".ods", ".et")
REPORT_SUFFIX = ".report.xlsx"


@dataclass(frozen=True)
class Found:
    book: Path  # as found (the input argument joined with the path inside it)
    rel: PurePath  # its path relative to the input folder; the file name alone for a file given as input


def is_workbook_name(path: Path) -> bool:
    """An input workbook's name: .xlsx / .xlsm, not an Excel lock file (``~$``), not hidden or a
    temporary file (``.``), not a kpixl report (``*.report.xlsx``)."""
    name = path.name
    return (path.suffix.lower() in WORKBOOK_SUFFIXES and not name.startswith(("~$", "."))
            and not name.lower().endswith((REPORT_SUFFIX, ".report.xlsm")))


def find_books(inputs: list[str | os.PathLike], out_dir: str | os.PathLike | None = None,
               skipped: list[Path] | None = None) -> list[Found]:
    """The workbooks of ``inputs`` (files as given; folders searched recursively), skipping the
    output folder when it lies inside an input folder. ``skipped`` receives the files of the folders
    that are not read but may be meant as inputs: named like a report, a spreadsheet of another kind
    (.xls, .ods ...), or a workbook's name that is no readable file (a link to nothing, a FIFO)."""
    out = Path(out_dir).resolve() if out_dir is not None else None
    found: list[Found] = []
    for item in inputs:
        p = Path(item)
        if not p.is_dir():
            found.append(Found(p, PurePath(p.name)))
            continue
        root = p.resolve()
        here_found = []
        for folder, dirs, files in os.walk(p, onerror=None, followlinks=False):  # no symlink loops
            here = Path(folder)
            if out is not None and out != root and here.resolve() == out:
                dirs[:] = []
                continue
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            here_found += [here / f for f in files if is_workbook_name(here / f) and (here / f).is_file()]
            if skipped is not None:
                skipped += sorted(here / f for f in files if not f.startswith(("~$", ".")) and (
                    (f.lower().endswith(OLD_SUFFIXES + (REPORT_SUFFIX, ".report.xlsm")) and (here / f).is_file())
                    or (is_workbook_name(here / f) and not (here / f).is_file())))
        found += [Found(b, PurePath(os.path.relpath(b, p))) for b in sorted(here_found)]
    best: dict[Path, int] = {}  # a book reached twice: its longest relative path, whatever the argument order
    for i, f in enumerate(found):
        key = f.book.resolve()
        j = best.get(key)
        if j is None:
            best[key] = i
        elif len(f.rel.parts) > len(found[j].rel.parts):
            found[j], best[key] = f, j
    return [found[i] for i in sorted(best.values())]


def find_workbooks(inputs: list[str | os.PathLike], out_dir: str | os.PathLike | None = None,
                   skipped: list[Path] | None = None) -> list[Path]:
    """The workbooks of ``inputs`` (see :func:`find_books`), without their relative paths."""
    return [f.book for f in find_books(inputs, out_dir, skipped)]


def report_rel(rel: PurePath) -> PurePath:
    """The report's path under ``--out``: ``B/2026-10.xlsx`` -> ``B/2026-10.report.xlsx``."""
    return rel.parent / f"{rel.stem}{REPORT_SUFFIX}"


def report_paths(found: list[Found], out: Path) -> tuple[list[tuple[Path, Path]], list[tuple[Path, Path, Path]]]:
    """``(jobs, clashes)``: (book, report) for every book whose report name is its own, and
    (book, report, other book) for the books whose report name another book of the run shares
    (compared ignoring case, as on Windows and macOS shares)."""
    by_name: dict[str, list[Found]] = {}
    for f in found:
        by_name.setdefault(str(report_rel(f.rel)).casefold(), []).append(f)
    jobs, clashes = [], []
    for f in found:
        target = out / report_rel(f.rel)
        group = by_name[str(report_rel(f.rel)).casefold()]
        if len(group) == 1:
            jobs.append((f.book, target))
        else:
            other = next(g.book for g in group if g is not f)
            clashes.append((f.book, target, other))
    return jobs, clashes
