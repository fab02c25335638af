"""The scoring core is pure: importing kpixl (and the core, the contract and the parser) loads
neither openpyxl nor xlwings (STYLE.md "Layers"). Checked in a fresh interpreter."""

import ast
import subprocess
import sys

from conftest import ROOT

CHECK = """
import sys
import kpixl, kpixl.core, kpixl.core.engine, kpixl.workbook.parse, kpixl.workbook.contract, kpixl.workbook.read
from kpixl.core.scheme import load_scheme
from kpixl.workbook.read import inputs_from_records
from kpixl.core.engine import score
s = load_scheme("weikang_100")
score(*inputs_from_records(s, "2026-10", employees=[{"id": "E1", "name": "x"}], events=[],
                           metrics=[{"employee": "E1", "metric": "LEAVE_DAYS", "value": 0}],
                           parameters={"LEARNING_ACTIVITIES_HELD": 1}))
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("openpyxl", "xlwings", "fastexcel"))
print(",".join(bad))
"""


def test_core_imports_no_excel_library():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""


def test_core_sources_import_only_allowed_libraries():
    allowed = {"pandas", "numpy", "jsonschema", "kpixl", "__future__"} | set(sys.stdlib_module_names)
    for path in (ROOT / "kpixl" / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.relative_to(ROOT)} imports {name}"
