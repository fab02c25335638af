"""Broken and hostile workbooks on both engines (issue 7 "Crashes and hangs"): a truncated or
missing part, an entity bomb, an external entity, one stray cell at XFD1048576. Each is a
located one-line bilingual message (exit 2 when nothing can be read, exit 1 for a refused
sheet), never a traceback, an abort or a hang, and memory stays bounded."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import cli
from openpyxl import load_workbook
from reader_fixtures import book, rewrite_part, sheet_part

from kpixl.core.errors import WorkbookError
from kpixl.workbook.read import read_workbook

ENGINES = ["fastexcel", "openpyxl"]
ROOT = Path(__file__).resolve().parent.parent
BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
        + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
        + b"]>")
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _with_doctype(doctype: bytes, entity: bytes):
    def change(data: bytes) -> bytes:
        data = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
        return doctype + data.replace(b"<is><t>E1</t></is>", b"<is><t>" + entity + b"</t></is>", 1)
    return change


def hostile(tmp_book, kind: str) -> Path:
    path = book(tmp_book, name=f"{kind}.xlsx")
    part = sheet_part(path, "事件")
    if kind == "truncated_part":
        rewrite_part(path, part, lambda d: d[: len(d) // 2])
    elif kind == "missing_part":
        tmp = path.with_suffix(".tmp.xlsx")
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w") as zout:
            for info in zin.infolist():
                if info.filename != part:
                    zout.writestr(info, zin.read(info.filename))
        tmp.replace(path)
    elif kind == "entity_bomb":
        rewrite_part(path, part, _with_doctype(BOMB, b"&lol9;"))
    elif kind == "xxe":
        rewrite_part(path, part, _with_doctype(XXE, b"&xxe;"))
    elif kind == "truncated_file":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) * 2 // 3])
    return path


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["truncated_part", "missing_part", "entity_bomb", "xxe", "truncated_file"])
def test_hostile_workbook_is_one_located_message(tmp_book, engine, kind):
    path = hostile(tmp_book, kind)
    with pytest.raises(WorkbookError) as err:
        read_workbook(path, engine=engine)
    (p,) = err.value.problems
    assert p.code == "unreadable" and path.name in p.where
    assert "\n" not in p.en and "\n" not in p.zh and len(p.en) < 300
    assert "root:" not in p.en  # nothing of /etc/passwd ever reaches a message


@pytest.mark.parametrize("kind", ["truncated_part", "entity_bomb", "xxe"])
def test_hostile_workbook_exits_2_without_traceback(tmp_book, kind):
    code, out, err = cli("validate", hostile(tmp_book, kind))
    assert code == 2 and "Traceback" not in out + err
    assert "Cannot read" in out + err


def stray_book(tmp_book, ref: str) -> Path:
    path = book(tmp_book, name=f"stray-{ref}.xlsx")
    wb = load_workbook(path)
    wb["事件"][ref] = "x"
    wb.save(path)
    return path


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("ref", ["XFD1048576", "A1048576", "XFD200000"])
def test_stray_cell_is_located_and_the_sheet_refused(tmp_book, engine, ref):
    path = stray_book(tmp_book, ref)
    _, inputs = read_workbook(path, engine=engine)
    (p,) = [p for p in inputs.problems if p.code == "stray_cell"]
    assert p.where == f"事件!{ref} / Events!{ref}" and p.is_error and "Delete" in p.fix_en


@pytest.mark.parametrize("engine", ENGINES)
def test_a_far_but_small_range_is_read(tmp_book, engine):
    """XFD2 makes 4 x 16,384 cells: harmless, read as usual (the column has no header)."""
    _, inputs = read_workbook(stray_book(tmp_book, "XFD2"), engine=engine)
    assert len(inputs.events.frame) == 3 and not [p for p in inputs.problems if p.is_error]


PEAK = """
import resource, subprocess, sys, time
t = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(done.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)
print(done.stdout[-3000:] + done.stderr[-3000:])
"""


def run_measured(*args: str, engine: str = "fastexcel") -> tuple[int, float, float, str]:
    """Exit code, seconds and peak RSS (MB) of one `kpixl` process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), KPIXL_READER=engine)
    done = subprocess.run([sys.executable, "-c", PEAK, sys.executable, "-m", "kpixl.cli", *args],
                          capture_output=True, text=True, env=env, timeout=120)
    head, _, out = done.stdout.partition("\n")
    code, seconds, kb = head.split()
    return int(code), float(seconds), int(kb) / 1024, out


@pytest.mark.parametrize("engine", ENGINES)
def test_validate_of_stray_cell_file_is_quick_and_bounded(tmp_book, engine):
    path = stray_book(tmp_book, "XFD1048576")
    code, seconds, peak_mb, out = run_measured("validate", str(path), engine=engine)
    assert code == 1 and "事件!XFD1048576 / Events!XFD1048576" in out and "Traceback" not in out
    assert seconds < 30  # bench/bench_reader_attacks.py measures it (< 10 s unloaded)
    assert peak_mb < 400


@pytest.mark.parametrize("kind", ["entity_bomb", "xxe"])
def test_hostile_xml_memory_is_bounded(tmp_book, kind):
    code, _, peak_mb, out = run_measured("validate", str(hostile(tmp_book, kind)))
    assert code == 2 and peak_mb < 400 and "Traceback" not in out


def test_message_is_json_safe(tmp_book):
    path = hostile(tmp_book, "truncated_part")
    with pytest.raises(WorkbookError) as err:
        read_workbook(path)
    json.dumps(err.value.problems[0].as_dict(), ensure_ascii=False)
