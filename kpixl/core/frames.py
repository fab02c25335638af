"""Frames with plain object text columns.

pandas 3 stores text as Arrow-backed ``str`` by default. The core's text columns (employee
ids, rule codes, cell references) are mostly read back element by element or as object
arrays, where the Arrow round trip costs more than it saves (~0.3 s per 100k-event month), so
the core keeps them as object columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def object_text(frame: pd.DataFrame, keep: frozenset[str] = frozenset()) -> pd.DataFrame:
    """The same frame with every ``str`` (Arrow) column turned into an object column (equal cells
    share one string), except the columns in ``keep``, which are made ``str``."""
    for col in frame.columns:
        dtype = frame[col].dtype
        if col in keep:
            if not isinstance(dtype, pd.StringDtype):
                frame[col] = frame[col].astype("str")
        elif pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
            frame[col] = pd.Series(shared_text(frame[col]), index=frame.index, dtype=object, copy=False)
    return frame


def frame(columns: dict, n: int | None = None) -> pd.DataFrame:
    """A DataFrame from arrays, lists and scalars; text stays object, a scalar fills every row.

    The arrays are taken as they are, one block per column (``copy=False``): no copy of a
    1M-row ledger part is made, and replacing or dropping one column later touches only that
    column. The caller hands its arrays over (it must not change them afterwards)."""
    if n is None:
        n = next((len(v) for v in columns.values() if not np.isscalar(v) and v is not None), 0)
    data = {}
    for key, values in columns.items():
        if values is None or np.isscalar(values):
            data[key] = pd.Series(filled(n, values), dtype=object, copy=False)
        elif isinstance(values, np.ndarray) and values.dtype != object:
            data[key] = values
        elif isinstance(values, pd.Series) and not pd.api.types.is_string_dtype(values.dtype):
            data[key] = values.to_numpy()
        elif isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
            data[key] = values.reset_index(drop=True)  # text the caller keeps in Arrow storage on purpose
        else:
            data[key] = pd.Series(np.asarray(values, dtype=object), dtype=object, copy=False)
    return pd.DataFrame(data, copy=False)


def filled(n: int, value) -> np.ndarray:
    """An object array of ``n`` references to one ``value``. (``np.full(n, "events", dtype=object)``
    makes a new string per element: 52 MB for a 1M-row ledger's step column.)"""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def shared_text(values: pd.Series) -> np.ndarray:
    """A text column as objects where equal cells share one string (an employee id repeated by
    20 events is one object, not 20): a 1M-row ledger stays small."""
    codes, uniques = text_codes(values)
    return uniques[codes]


def text_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values as an object array) of a text column, a missing cell (None, NaN)
    being one distinct value, NaN: what ``pd.factorize(values, use_na_sentinel=False)`` gives, up
    to the order of the distinct values. An object column is factorised without pandas' separate
    missing-value pass, which is half the time at 1M rows."""
    arr = values.to_numpy() if isinstance(values, pd.Series) else values
    if not (isinstance(arr, np.ndarray) and arr.dtype == object):
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        return codes, np.asarray(uniques, dtype=object)
    codes, uniques = pd.factorize(arr)
    uniques = np.asarray(uniques, dtype=object)
    missing = codes < 0
    if missing.any():
        codes[missing] = len(uniques)
        uniques = np.append(uniques, np.array([np.nan], dtype=object))
    return codes, uniques
