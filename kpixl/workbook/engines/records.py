"""In-memory engine: plain Python records laid out exactly like a template workbook.

Used by the scheme examples, the tests and CSV import, so they go through the same parsing
and validation as a real workbook (rows are numbered from 2, like the template).
"""

from __future__ import annotations

from kpixl.core.scheme import Scheme

from .. import contract
from ..parse import RawSheet, raw_from_records


class RecordsBook:
    def __init__(self, scheme: Scheme, sheets: dict[str, list[dict] | dict], source: str = "<records>"):
        """``sheets`` maps contract keys (employees, events, metrics, ratings, rules) to rows,
        and ``parameters`` to a {code: value} dict."""
        self.source = source
        self._raw: dict[str, RawSheet] = {}
        specs = {s.key: s for s in contract.input_sheets(scheme)}
        specs.setdefault("metrics", contract.metrics_sheet(scheme))
        specs.setdefault("ratings", contract.ratings_sheet())
        specs.setdefault("history", contract.history_sheet())
        params = dict(sheets.get("parameters", {}))
        params.setdefault("SCHEME", scheme.id)
        prow = [{"code": k, "value": v} for k, v in params.items()]
        spec = specs["parameters"]
        self._raw[spec.zh] = raw_from_records(spec.zh, spec, prow)
        for key, rows in sheets.items():
            if key == "parameters" or rows is None:
                continue
            spec = specs[key]
            self._raw[spec.zh] = raw_from_records(spec.zh, spec, list(rows))
        for spec in contract.input_sheets(scheme):  # a sheet not given has no rows
            if spec.zh not in self._raw and spec.key not in ("parameters", "rules"):
                self._raw[spec.zh] = raw_from_records(spec.zh, spec, [])

    def sheet_names(self) -> list[str]:
        return list(self._raw)

    def read(self, name: str) -> RawSheet:
        return self._raw[name]

    def close(self) -> None:
        pass
