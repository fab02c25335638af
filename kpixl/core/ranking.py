"""Competition ranking and placement points, vectorised (building block 15; R-G-2).

Ranks are competition ranks ("min"): 1, 2, 2, 4. Tied rows share the rank and each gets the
full points of that rank; the displaced ranks are vacant. Values are float64 of exact scaled
integers (see :mod:`kpixl.core.series`), so ties are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd


def competition_ranks(frame: pd.DataFrame, by: list[str], value: str, candidates: np.ndarray,
                      descending: bool = True) -> np.ndarray:
    """Rank of every candidate row within its group (NaN for rows that are not candidates)."""
    out = np.full(len(frame), np.nan)
    if not candidates.any():
        return out
    sub = frame.loc[candidates, by + [value]]
    ranks = sub.groupby(by, sort=False)[value].rank(method="min", ascending=not descending)
    out[np.flatnonzero(candidates)] = ranks.to_numpy(dtype="float64")
    return out


def last_place(frame: pd.DataFrame, by: list[str], value: str, candidates: np.ndarray,
               descending: bool = True) -> np.ndarray:
    """True for candidate rows tied for the last place of their group ("最后一名", R-CY-3)."""
    out = np.zeros(len(frame), dtype=bool)
    if not candidates.any():
        return out
    sub = frame.loc[candidates, by + [value]]
    worst = sub.groupby(by, sort=False)[value].transform("min" if descending else "max")
    out[np.flatnonzero(candidates)] = (sub[value] == worst).to_numpy()
    return out


def points_for_ranks(ranks: np.ndarray, table: Sequence[int] | None = None,
                     formula: Callable[[int], int] | None = None) -> np.ndarray:
    """Points (int64 units) per rank from a table (index rank-1; beyond it 0) or a formula."""
    out = np.zeros(len(ranks), dtype="int64")
    ok = ~np.isnan(ranks)
    if not ok.any():
        return out
    r = ranks[ok].astype("int64")
    if table is not None:
        lookup = np.zeros(int(r.max()) + 1, dtype="int64")
        n = min(len(table), len(lookup) - 1)
        lookup[1:n + 1] = np.asarray(table[:n], dtype="int64")
        out[ok] = lookup[r]
    elif formula is not None:
        cache = {int(x): int(formula(int(x))) for x in np.unique(r)}
        out[ok] = np.array([cache[int(x)] for x in r], dtype="int64")
    return out


def combine_max_plus_one(points: np.ndarray, bonus: int) -> np.ndarray:
    """Per row of a (rows x rankings) matrix: max, plus ``bonus`` when placed in two or more (R-DC-1)."""
    if points.shape[1] == 0:
        return np.zeros(points.shape[0], dtype="int64")
    placed = (points > 0).sum(axis=1)
    return points.max(axis=1) + np.where(placed >= 2, bonus, 0)
