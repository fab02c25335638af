"""kpixl's core installs and scores where only pure-Python wheels and Pyodide's packages exist
(xlwings Lite): fastexcel, pyarrow and xlwings are extras, not requirements.

The score runs in a subprocess whose import system refuses fastexcel, pyarrow and xlwings (a
``sys.meta_path`` blocker), since the shared venv has them installed: the same code path as a
fresh ``pip install -e .`` without extras, without the minutes a real venv install would take."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from decimal import Decimal

from conftest import ROOT

OPTIONAL = {"fastexcel", "pyarrow", "xlwings", "isal"}
DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"

BLOCKER = """
import importlib.abc, json, sys
BLOCKED = {blocked!r}
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)", name=name)
        return None
sys.meta_path.insert(0, Blocker())
sys.path.insert(0, {root!r})
from kpixl.cli import main
from kpixl.workbook.engines import default_engine
codes = [main(args) for args in {commands!r}]
loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
print(json.dumps({{"codes": codes, "engine": default_engine(), "loaded": loaded}}))
"""


def _name(req: str) -> str:
    return req.split(";")[0].split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()


def test_optional_packages_are_extras_and_ci_still_installs_them():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # everywhere but Pyodide (xlwings Lite) the fast reader comes with kpixl; xlwings is an extra
    core = {_name(r) for r in project["dependencies"] if ";" not in r}
    desktop = {_name(r): r.split(";")[1].strip() for r in project["dependencies"] if ";" in r}
    extras = {k: {_name(r) for r in v} for k, v in project["optional-dependencies"].items()}
    assert not core & OPTIONAL and {"pandas", "jsonschema", "openpyxl"} <= core
    assert desktop == {name: "sys_platform != 'emscripten'" for name in ("fastexcel", "pyarrow", "isal")}
    assert extras["excel"] == {"xlwings"} and "xlwings" in extras["test"]  # CI runs the UDF tests


def test_full_score_and_report_without_fastexcel_pyarrow_xlwings(tmp_path):
    out = tmp_path / "report.xlsx"
    commands = [["score", str(DEMO), "--json", "--compact"], ["report", str(DEMO), "-o", str(out)],
                ["demo", "-o", str(tmp_path / "demo.xlsx")]]
    code = BLOCKER.format(blocked=sorted(OPTIONAL), root=str(ROOT), commands=commands)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    status = json.loads(lines[-1])
    assert status == {"codes": [0, 0, 0], "engine": "openpyxl", "loaded": []}
    doc = json.loads(next(line for line in lines if line.startswith("[")), parse_float=Decimal)
    kf002 = next(e for e in doc if e["employee_id"] == "KF002")
    assert kf002["score"] == Decimal("88.8")   # the same as with the fast reader (tests/test_udfs.py)
    assert out.is_file() and (tmp_path / "demo.xlsx").is_file()
