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


HEAVY = ("pandas", "numpy", "pyarrow", "jsonschema", "openpyxl", "xlsxwriter", "fastexcel", "xlwings")
START = f"""
import sys
import kpixl, kpixl.cli
kpixl.cli.build_parser()
print(",".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))))
"""


def test_start_up_imports_no_heavy_library():
    """issue 8: `import kpixl` and building the CLI parser load no pandas, numpy, pyarrow, jsonschema
    or Excel library (they are imported when a command needs them)."""
    out = subprocess.run([sys.executable, "-c", START], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""


def _cli_modules(*argv: str) -> subprocess.CompletedProcess:
    code = ("import sys\n"
            f"sys.argv = ['kpixl', *{list(argv)!r}]\n"
            "from kpixl.cli import main\n"
            "rc = main()\n"
            f"print('HEAVY=' + ','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
            "sys.exit(rc)\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)


def test_version_and_schemes_work_without_heavy_libraries():
    version = _cli_modules("--version")
    assert version.returncode == 0 and version.stdout.startswith("kpixl ")
    schemes = _cli_modules("schemes")
    assert schemes.returncode == 0
    assert "weikang_100" in schemes.stdout and "维康体检" in schemes.stdout
    assert schemes.stdout.rstrip().endswith("HEAVY=")
    helped = _cli_modules("--help")
    assert helped.returncode == 0 and "usage: kpixl" in helped.stdout


def test_public_names_still_import_lazily():
    import kpixl
    import kpixl.core

    assert kpixl.load_scheme is kpixl.core.scheme.load_scheme
    assert kpixl.score is kpixl.core.engine.score
    assert set(kpixl.__all__) <= set(dir(kpixl))
    for name in kpixl.core.__all__:
        assert getattr(kpixl.core, name) is not None
