"""Shared helpers: build inputs from plain rows, run a scheme, make workbooks, call the CLI."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from pathlib import Path

import pytest

from kpixl.core.engine import score
from kpixl.core.periods import parse_period
from kpixl.core.scheme import load_scheme
from kpixl.demo import as_dates as dates
from kpixl.workbook.read import inputs_from_records

ROOT = Path(__file__).resolve().parent.parent


def run(scheme_id: str, period: str = "2026-10", **sheets):
    """Score plain rows (employees=[...], events=[...], metrics=[...], parameters={...}) with a scheme."""
    scheme, inputs = inputs_from_records(scheme_id, period, **{k: v for k, v in sheets.items() if v is not None})
    return score(scheme, inputs)


def D(x) -> Decimal:
    return Decimal(str(x))


def make_book(path: Path, scheme_id: str, period: str | None = "2026-10", **data) -> Path:
    """A real .xlsx workbook made by the template builder and filled with ``data``."""
    from kpixl.workbook.template import build_workbook

    data = {k: (dates(v) if isinstance(v, list) else v) for k, v in data.items()}
    build_workbook(load_scheme(scheme_id), path, parse_period(period) if period else None, data)
    return path


def cli(*args: str) -> tuple[int, str, str]:
    from kpixl.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def tmp_book(tmp_path):
    def _make(scheme_id: str, period: str | None = "2026-10", name: str = "book.xlsx", **data) -> Path:
        return make_book(tmp_path / name, scheme_id, period, **data)
    return _make
