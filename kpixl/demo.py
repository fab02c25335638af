"""The bundled demo months, one per scheme (``kpixl demo [SCHEME]``, ``kpixl new SCHEME --demo``).

Each scheme's demo month is data: ``kpixl/demos/<scheme_id>.json`` holds its period, a title,
notes on the edge cases it shows, and the rows of every input sheet (employees, events,
metrics, ratings, history, parameters) in the format of a scheme's ``examples``.
``kpixl new SCHEME --demo -o workbook_templates/demo/SCHEME_demo.xlsx`` rebuilds the committed
demo workbook from this data; tests/test_demos.py checks that the committed files match.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kpixl.core.errors import SchemeError, problem
from kpixl.core.scheme import PACKAGE_DIR

DEMO_SCHEME = "weikang_100"
DEMOS_DIR = Path(__file__).resolve().parent / "demos"
SHEETS = ("employees", "events", "metrics", "ratings", "history")


def templates_dir() -> Path:
    for d in (PACKAGE_DIR.parent / "workbook_templates", PACKAGE_DIR / "_bundled" / "workbook_templates"):
        if d.is_dir():
            return d
    return PACKAGE_DIR.parent / "workbook_templates"


def demo_ids() -> list[str]:
    return sorted(p.stem for p in DEMOS_DIR.glob("*.json"))


def demo_path(scheme_id: str = DEMO_SCHEME) -> Path:
    """The committed demo workbook of ``scheme_id``."""
    return templates_dir() / "demo" / f"{scheme_id}_demo.xlsx"


def load_demo(scheme_id: str = DEMO_SCHEME) -> dict:
    """The demo month of ``scheme_id`` as stored (ISO date strings)."""
    path = DEMOS_DIR / f"{scheme_id}.json"
    if not path.is_file():
        known = ", ".join(demo_ids())
        raise SchemeError([problem(
            "unknown_demo", str(scheme_id), f"方案 “{scheme_id}” 没有演示数据。", f"There is no demo month for '{scheme_id}'.",
            f"使用以下方案之一：{known}", f"Use one of: {known}")])
    return json.loads(path.read_text(encoding="utf-8"))


def demo_data(scheme_id: str = DEMO_SCHEME) -> dict:
    """The sheets of the demo month, ready for the template builder (dates as dates)."""
    doc = load_demo(scheme_id)
    data: dict = {k: as_dates(doc[k]) for k in SHEETS if doc.get(k)}
    data["parameters"] = dict(doc.get("parameters", {}))
    return data


def as_dates(rows: list[dict]) -> list[dict]:
    """Rows with ISO date strings turned into dates, as a clerk's cells would hold them."""
    out = []
    for r in rows:
        r = dict(r)
        for k in ("date", "week_start", "hire_date"):
            if isinstance(r.get(k), str):
                r[k] = dt.date.fromisoformat(r[k])
        out.append(r)
    return out
