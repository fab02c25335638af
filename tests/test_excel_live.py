"""The UDFs over a live Excel workbook (an xlwings stand-in, tests/xl_fakes.py): every edit inside
the input sheets is seen by the next recalculation; one content read per recalculation burst;
blocked employees are errors, not blanks."""

from __future__ import annotations

import pytest
from xl_fakes import FakeBook, blocked_book, one_late_book

pytest.importorskip("xlwings")

from kpixl.xl import service, udfs  # noqa: E402


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(service.time, "monotonic", c)
    service.clear_cache()
    yield c
    service.clear_cache()


def test_edit_inside_the_used_range_shows_on_the_next_call(tmp_path, clock):
    book = FakeBook(one_late_book(tmp_path / "live.xlsx"))
    caller = book.caller()
    assert udfs.KPI_SCORE("E1", caller) == 98.0          # 100 - 5 + 3
    book.sheets["事件"].set("D2", 3)                     # qty 1 -> 3: same used range, same address
    clock.now += 0.5                                     # the clerk's edit, then Excel recalculates
    assert udfs.KPI_SCORE("E1", caller) == 88.0          # 100 - 15 (ATT cap 15 reached, R-WK-2) + 3
    assert udfs.KPI_CATEGORY("E1", "ATT", caller) == 15.0


def test_one_content_read_per_recalculation_burst(tmp_path, clock, monkeypatch):
    book = FakeBook(one_late_book(tmp_path / "live.xlsx"))
    caller = book.caller()
    runs = []
    real = service._score_book
    monkeypatch.setattr(service, "_score_book", lambda b: runs.append(1) or real(b))
    udfs.KPI_SCORE("E1", caller)
    reads = book.reads
    for _ in range(200):                                 # one recalculation: calls microseconds apart
        clock.now += 0.001
        udfs.KPI_SCORE("E1", caller)
    assert book.reads == reads and len(runs) == 1
    clock.now += 1.0                                     # next recalculation, nothing edited
    assert udfs.KPI_SCORE("E1", caller) == 98.0
    assert book.reads > reads and len(runs) == 1         # content re-read, not re-scored
    clock.now += 1.0
    book.sheets["参数"].set("C3", "2026-11")               # PERIOD edited: the October event falls outside
    assert udfs.KPI_SCORE("E1", caller) == 108.0 and len(runs) == 2


def test_a_long_burst_is_rechecked(tmp_path, clock):
    book = FakeBook(one_late_book(tmp_path / "live.xlsx"))
    caller = book.caller()
    udfs.KPI_SCORE("E1", caller)
    book.sheets["事件"].set("D2", 2)
    for _ in range(250):                                  # calls keep coming 0.05 s apart for 12.5 s
        clock.now += 0.05
        last = udfs.KPI_SCORE("E1", caller)
    assert last == 93.0                                   # 100 - 10 + 3, picked up within BURST_MAX


def test_type_changes_are_content_changes(tmp_path, clock):
    book = FakeBook(one_late_book(tmp_path / "live.xlsx"))
    reader = __import__("kpixl.workbook.engines.xlwings_engine", fromlist=["XlwingsBook"]).XlwingsBook(book)
    before = reader.fingerprint()
    book.sheets["事件"].set("D2", True)                   # 1.0 -> TRUE compares equal in Python
    assert reader.fingerprint() != before
    book.sheets["事件"].set("D2", -1)
    neg1 = reader.fingerprint()
    book.sheets["事件"].set("D2", -2)                     # hash(-1) == hash(-2) in CPython
    assert reader.fingerprint() != neg1
    book.sheets["报表"].set("Z9", 123)                    # the report sheet holds UDF output: ignored
    book.sheets["事件"].set("D2", -1)
    assert reader.fingerprint() == neg1


def test_blocked_employee_is_an_error_with_the_reason_in_status(tmp_path, clock, monkeypatch):
    path = blocked_book(tmp_path / "b.xlsx")
    caller = FakeBook(path).caller()
    seen = []
    monkeypatch.setattr(udfs, "excel_error", lambda err: seen.append(err) or "XL#N/A")
    assert udfs.KPI_SCORE("E1", caller) == "XL#N/A" and seen[-1].code == "#N/A"
    assert udfs.KPI_STATUS("E1", caller).startswith("#ERR 事件!C2 / Events!C2")
    text = udfs.KPI_SCORE("E1", caller, True)
    assert text.startswith("#ERR 事件!C2") and "NOPE" in text
    assert udfs.KPI_SCORE("NOBODY", caller) == "XL#N/A"
    assert udfs.KPI_VALUE("E2", "nothing", caller) == "XL#N/A" and seen[-1].code == "#VALUE!"
    assert udfs.KPI_STATUS("E2", caller) == "ok"


def test_table_is_a_plain_array_with_errors_for_blocked_rows(tmp_path, clock, monkeypatch):
    path = blocked_book(tmp_path / "t.xlsx")
    caller = FakeBook(path).caller()
    monkeypatch.setattr(udfs, "excel_error", lambda err: f"XL{err.code}")
    table = udfs.KPI_TABLE(caller)
    width = len(table[0])
    assert all(len(r) == width for r in table) and len(table) == 3
    e1, e2 = table[1], table[2]
    assert e1[:2] == ["E1", "甲"] and set(e1[2:-1]) == {"XL#N/A"} and e1[-1].startswith("#ERR 事件!C2")
    assert e2[2] == 108.0 and e2[-1] == "ok"    # 100 + 5 全勤 (R-WK-10) + 3 department clean (R-WK-11)
    texts = udfs.KPI_TABLE(caller, True)
    assert texts[1][2].startswith("#ERR 事件!C2")
