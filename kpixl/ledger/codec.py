"""Exact text for values kept in the ledger: Decimals, dates and booleans survive the round trip."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pandas as pd


def _tagged(v: Any) -> Any:
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, Decimal):
        return {"$d": str(v)}
    if isinstance(v, float):
        return None if v != v else {"$d": repr(v)}
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return {"$t": pd.Timestamp(v).isoformat()} if not pd.isna(v) else None
    if isinstance(v, dt.date):
        return {"$t": v.isoformat()}
    if isinstance(v, dict):
        return {str(k): _tagged(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [_tagged(x) for x in v]
    if hasattr(v, "item"):  # numpy scalar
        return _tagged(v.item())
    return str(v)


def _untagged(v: Any) -> Any:
    if isinstance(v, dict):
        if set(v) == {"$d"}:
            return Decimal(v["$d"])
        if set(v) == {"$t"}:
            text = v["$t"]
            return dt.date.fromisoformat(text) if len(text) == 10 else pd.Timestamp(text)
        return {k: _untagged(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_untagged(x) for x in v]
    return v


def dumps(value: Any) -> str:
    """Canonical JSON text of a value (keys sorted, Chinese kept readable)."""
    return json.dumps(_tagged(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def loads(text: str) -> Any:
    return _untagged(json.loads(text))


def shown(value: Any) -> str:
    """A value as a clerk reads it (``82.5``, ``LV_MID``, ``是``)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if isinstance(value, Decimal):
        from kpixl.core.numbers import plain

        return plain(value)
    if isinstance(value, (dict, list)):
        return json.dumps(_tagged(value), ensure_ascii=False)
    return str(value)
