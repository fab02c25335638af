"""stable_order: the order np.lexsort gives (first key most significant), with one sort."""

from __future__ import annotations

import numpy as np
import pytest

from kpixl.core.keyed import packed_key, stable_order


def test_by_hand():
    emp = np.array([2, 1, 2, 1, 1])
    day = np.array(["2026-10-03", "2026-10-02", "2026-10-01", "2026-10-02", "2026-10-01"], dtype="datetime64[ns]")
    row = np.array([5, 9, 7, 4, 8])
    # employee 1: (10-01, row 8) = 4, (10-02, row 4) = 3, (10-02, row 9) = 1; employee 2: (10-01) = 2, (10-03) = 0
    assert stable_order(emp, day, row).tolist() == [4, 3, 1, 2, 0]
    # equal keys keep their order
    assert stable_order(np.array([1, 0, 1, 0])).tolist() == [1, 3, 0, 2]
    assert stable_order(np.array([], dtype="int64")).tolist() == []


@pytest.mark.parametrize("case", range(40))
def test_same_as_lexsort(case):
    rng = np.random.default_rng(case)
    n = int(rng.integers(1, 3000))
    keys = []
    for _ in range(int(rng.integers(1, 5))):
        kind = case % 5
        if kind == 0:  # small ints with ties and negatives
            keys.append(rng.integers(-3, 4, n))
        elif kind == 1:  # dates at midnight, some with times
            k = np.datetime64("2026-10-01", "ns") + rng.integers(0, 31, n).astype("timedelta64[D]")
            keys.append(k + (rng.integers(0, 2, n) * rng.integers(0, 10**9, n)).astype("timedelta64[ns]"))
        elif kind == 2:  # huge spans: do not fit together, ranks or lexsort
            keys.append(rng.choice(np.array([-2**62, 0, 2**62 - 1, 12345], dtype="int64"), n))
        elif kind == 3:
            keys.append(rng.integers(0, 2, n).astype(bool))
        else:
            keys.append(rng.integers(-10**6, 10**6, n))
    assert (stable_order(*keys) == np.lexsort(keys[::-1])).all()


def test_keys_that_cannot_be_packed():
    floats = np.array([0.5, 0.25, 0.5])
    nat = np.array(["2026-10-02", "NaT", "2026-10-01"], dtype="datetime64[ns]")
    wide = np.array([np.iinfo("int64").min, 0, np.iinfo("int64").max])
    big = np.array([2**64 - 1, 0, 2**63], dtype="uint64")
    for key in (floats, nat, wide, big):
        assert (stable_order(key, np.array([2, 1, 0])) == np.lexsort((np.array([2, 1, 0]), key))).all()


def test_packed_key_is_equal_exactly_where_every_key_is():
    rng = np.random.default_rng(7)
    a, b = rng.integers(-1, 3, 500), rng.integers(0, 40_000, 500)
    c = np.datetime64("2026-10-01", "ns") + rng.integers(0, 3, 500).astype("timedelta64[D]")
    key = packed_key(a, b, c)
    rows = list(zip(a.tolist(), b.tolist(), c.tolist(), strict=True))
    for i in range(0, 500, 7):
        for j in range(0, 500, 11):
            assert (key[i] == key[j]) == (rows[i] == rows[j])
    assert packed_key(np.array([0.5, 1.5])) is None and packed_key(np.array([], dtype="int64")) is None
