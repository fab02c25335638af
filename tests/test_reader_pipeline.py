"""The fastexcel engine reads in the background (issue 8): each sheet's calamine load starts as
soon as its look has found the used range sane, and the CLI opens the book before it imports
pandas. A failure in the background is the same failure as before, raised when that sheet is
read: the same located `unreadable` problem naming the sheet, exit 2, never a traceback or a
hang; the book is always closed (no thread left) whatever happens."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import cli
from reader_fixtures import book, rewrite_part, sheet_part
from test_reader_hostile import hostile, stray_book

from kpixl.core.errors import WorkbookError
from kpixl.workbook import engines
from kpixl.workbook.engines.fastexcel_engine import FastexcelBook
from kpixl.workbook.read import read_workbook

ROOT = Path(__file__).resolve().parent.parent
SHEETS = {"参数": "Parameters", "员工": "Employees", "事件": "Events"}


def _background_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(("kpixl-look", "kpixl-load"))]


def corrupt_book(tmp_book, sheet: str) -> Path:
    """A sheet whose XML passes the look (complete, sane range) but calamine cannot parse: a
    cell closed by the wrong tag. Only the Rust load, in the background, finds it."""
    path = book(tmp_book, name=f"corrupt-{SHEETS[sheet]}.xlsx")
    rewrite_part(path, sheet_part(path, sheet), lambda d: d.replace(b"</c>", b"</x>", 1))
    return path


@pytest.mark.parametrize("sheet", list(SHEETS))
def test_a_load_failing_in_the_background_is_the_sheet_unreadable(tmp_book, sheet):
    path = corrupt_book(tmp_book, sheet)
    with pytest.raises(WorkbookError) as err:
        read_workbook(path, engine="fastexcel")
    (p,) = err.value.problems
    assert p.code == "unreadable" and p.where == f"{path.name} {sheet}"
    assert "CalamineError" in p.en and "\n" not in p.en
    assert not _background_threads()


@pytest.mark.parametrize("sheet", list(SHEETS))
def test_cli_on_a_sheet_calamine_cannot_read_exits_2_without_traceback(tmp_book, sheet):
    for engine in ("fastexcel", "openpyxl"):  # openpyxl finds the same damage (its own parser)
        code, out, err = cli("score", corrupt_book(tmp_book, sheet), "--engine", engine)
        assert code == 2 and "Traceback" not in out + err
        assert f"Cannot read corrupt-{SHEETS[sheet]}.xlsx {sheet}:" in err
    assert not _background_threads() and not engines._early


@pytest.mark.parametrize("kind", ["truncated_part", "entity_bomb", "xxe", "missing_part", "truncated_file"])
@pytest.mark.parametrize("command", ["score", "report"])
def test_hostile_book_through_the_early_open_is_one_message_exit_2(tmp_book, tmp_path, kind, command):
    path = hostile(tmp_book, kind)
    extra = ["-o", str(tmp_path / "out.xlsx")] if command == "report" else []
    code, out, err = cli(command, path, *extra)
    assert code == 2 and "Traceback" not in out + err and "Cannot read" in err
    assert not (tmp_path / "out.xlsx").exists()
    assert not _background_threads() and not engines._early


def test_stray_cell_through_the_early_open_refuses_the_sheet_and_loads_nothing(tmp_book, monkeypatch):
    """The guard decides before calamine is asked: a sheet with a cell at XFD1048576 is never loaded."""
    loaded: list[str] = []
    real = FastexcelBook._load
    monkeypatch.setattr(FastexcelBook, "_load", lambda self, name, *rest: loaded.append(name) or real(self, name, *rest))
    code, out, err = cli("validate", stray_book(tmp_book, "XFD1048576"), "--engine", "fastexcel")
    assert code == 1 and "事件!XFD1048576 / Events!XFD1048576" in out + err
    assert "事件" not in loaded and {"参数", "员工"} <= set(loaded)
    assert not _background_threads()


def test_the_cli_opens_the_book_once_and_reads_the_open_one(tmp_book, monkeypatch):
    opened: list[Path] = []
    real = FastexcelBook.__init__

    def counting(self, path, *rest):
        opened.append(path)
        real(self, path, *rest)

    monkeypatch.setattr(FastexcelBook, "__init__", counting)
    path = book(tmp_book)
    code, out, _ = cli("score", path, "--json", "--engine", "fastexcel")
    assert code == 0 and '"E1"' in out
    assert opened == [path] and not engines._early and not _background_threads()


@pytest.mark.parametrize("make", ["missing", "not_xlsx", "not_a_zip", "folder"])
def test_a_book_that_cannot_be_opened_reports_as_before(tmp_path, make):
    path = {"missing": tmp_path / "nope.xlsx", "not_xlsx": tmp_path / "book.csv",
            "not_a_zip": tmp_path / "book.xlsx", "folder": tmp_path / "月报.xlsx"}[make]
    if make == "folder":
        path.mkdir()
    elif make != "missing":
        path.write_text("id,name\n1,x\n")
    code, out, err = cli("score", path)
    expected = {"missing": "does not exist", "not_xlsx": "is not an .xlsx workbook", "not_a_zip": "Cannot read book.xlsx",
                "folder": "is a folder, not a workbook"}  # (a folder was said not to exist)
    assert code == 2 and expected[make] in err and "Traceback" not in out + err
    assert not engines._early


def test_ctrl_c_while_the_book_is_read_closes_it(tmp_book, monkeypatch):
    import kpixl.cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(kpixl.cli, "cmd_score", interrupted)
    code, _, err = cli("score", book(tmp_book), "--engine", "fastexcel")
    assert code == 2 and "interrupted" in err
    assert not engines._early and not _background_threads()


def test_a_book_nobody_reads_is_closed_on_leaving(tmp_book):
    path = book(tmp_book)
    with engines.reading_early(path, "fastexcel"):
        assert (path, "fastexcel") in engines._early and _background_threads()
    assert not engines._early and not _background_threads()


CHILD = """
import sys, time
from kpixl.workbook.engines import open_book
book = open_book(sys.argv[1], "fastexcel")
names = book.sheet_names()
deadline = time.monotonic() + 60
while not (len(book._loaded) == len(names) and all(f.done() for f in book._loaded.values())):
    assert time.monotonic() < deadline, "the background loads never finished"
    time.sleep(0.01)
heavy = sorted(m for m in ("pandas", "jsonschema") if m in sys.modules)
from kpixl.workbook.read import read_book
scheme, inputs = read_book(book)
book.close()
print("HEAVY=" + ",".join(heavy), len(inputs.events.frame))
"""


def test_every_sheet_is_loaded_in_the_background_before_pandas_is_imported(tmp_book):
    """What the CLI overlaps with its imports: opening the book and every calamine load import no
    pandas (numpy and pyarrow are fine); the loaded sheets then read as usual."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", CHILD, str(book(tmp_book))], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["HEAVY=", "3"]


def test_telling_whether_an_output_is_a_kpixl_input_reads_only_its_parameters(tmp_book, monkeypatch):
    """`kpixl report -o existing.xlsx` checks the existing file: only its 参数 sheet is loaded, and
    nothing runs ahead in the background (a big old report is not read in full for nothing)."""
    from kpixl.workbook.outputs import is_input_workbook

    loaded: list[str] = []
    real = FastexcelBook._load
    monkeypatch.setattr(FastexcelBook, "_load", lambda self, name, *rest: loaded.append(name) or real(self, name, *rest))
    monkeypatch.setenv("KPIXL_READER", "fastexcel")
    assert is_input_workbook(book(tmp_book)) is True
    assert loaded == ["参数"] and not _background_threads()


def test_a_book_closed_while_a_sheet_is_looked_at_starts_no_load_for_it(tmp_book, monkeypatch):
    """`kpixl report -o <an input>` fails before reading: closing then waits for the running look
    only, it does not start (and wait for) that sheet's calamine load."""
    from kpixl.workbook.engines import sheetxml

    started, release = threading.Event(), threading.Event()
    real_look = sheetxml.Package._look

    def slow_events(self, name, on_safe=None):
        if name == "事件":
            started.set()
            release.wait(10)
        return real_look(self, name, on_safe)

    loaded: list[str] = []
    real = FastexcelBook._load
    monkeypatch.setattr(sheetxml.Package, "_look", slow_events)
    monkeypatch.setattr(FastexcelBook, "_load", lambda self, name, *rest: loaded.append(name) or real(self, name, *rest))
    opened = engines.open_book(book(tmp_book), "fastexcel")
    assert started.wait(10)
    looks = [f for n, f in opened._package._looks.items() if n != "事件"]
    deadline = time.monotonic() + 10  # every other sheet looked at and loaded: the load thread is idle
    while not (all(f.done() for f in looks) and all(f.done() for f in opened._loaded.values())):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    threading.Timer(0.2, release.set).start()
    opened.close()
    assert "事件" not in loaded and not _background_threads()


def test_the_early_open_returns_once_the_largest_sheets_guard_has_decided(tmp_book):
    """reading_early waits for the Events sheet's guard before the caller imports pandas, so its
    calamine load (GIL released) overlaps the imports instead of the guard's Python work taking
    turns with them; on a stray cell the refusal ends the wait just as well (no timeout)."""
    from openpyxl import load_workbook
    from reader_fixtures import EVENTS

    path = book(tmp_book, name="many-events.xlsx", events=EVENTS * 300)  # Events: the largest part
    with engines.reading_early(path, "fastexcel"):
        early = next(iter(engines._early.values()))
        assert early._package.largest == "事件"
        assert early._settled.is_set()  # decided when reading_early returned, not after a timeout
        assert "事件" in early._loaded  # its load is under way
    wb = load_workbook(path)
    wb["事件"]["XFD1048576"] = "x"
    wb.save(path)
    with engines.reading_early(path, "fastexcel"):
        early = next(iter(engines._early.values()))
        assert early._package.largest == "事件" and early._settled.is_set()
        assert "事件" not in early._loaded  # refused: never handed to calamine
    assert not engines._early and not _background_threads()
