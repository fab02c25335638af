"""Exact text for values kept in the ledger: Decimals, dates and booleans survive the round trip."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pandas as pd


def _default(v: Any) -> Any:
    """JSON for what the C encoder does not know: Decimals and dates tagged, so loads() restores them."""
    if isinstance(v, Decimal):
        return {"$d": str(v)}
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return {"$t": pd.Timestamp(v).isoformat()} if not pd.isna(v) else None
    if isinstance(v, dt.date):
        return {"$t": v.isoformat()}
    if isinstance(v, (set, frozenset, tuple)):
        return list(v)
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return str(v)


def _hook(d: dict) -> Any:
    if len(d) == 1:
        if "$d" in d:
            return Decimal(d["$d"])
        if "$t" in d:
            text = d["$t"]
            return dt.date.fromisoformat(text) if len(text) == 10 else pd.Timestamp(text)
    return d


def dumps(value: Any) -> str:
    """Canonical JSON text of a value (keys sorted, Chinese kept readable, Decimals exact)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_default)


_DECODER = json.JSONDecoder(object_hook=_hook)


def loads(text: str) -> Any:
    if text.startswith('{"$d":"') and text.endswith('"}') and len(text) < 60:  # the common case: one Decimal
        return Decimal(text[7:-2])
    return _DECODER.decode(text)


def shown(value: Any) -> str:
    """A value as a clerk reads it (``82.5``, ``LV_MID``, ``是 yes``), as the report shows it."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=_default)
    from kpixl.core.steps.base import value_text

    return value_text(value)
