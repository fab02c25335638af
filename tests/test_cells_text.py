"""Cell text of id, code and text columns (kpixl/workbook/cells.py ``to_text``, issue 8 item 2):
the bulk path for arrow texts and whole numbers gives what the value-by-value rule gives:
stripped text (every Unicode space, the ideographic one too), "" for empty, whole numbers
without ".0", a date typed as text at midnight as the date (README "The sheet contract")."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from kpixl.workbook.cells import CellError, _text, to_text

CASES = [(" E1 ", "E1"), ("\u3000甲\u3000", "甲"), ("E1", "E1"), ("员工7", "员工7"), ("2026-10-05 00:00:00", "2026-10-05"),
         ("2026-10-05 00:00:01", "2026-10-05 00:00:01"), ("\xa0x", "x"), ("a\nb", "a\nb"), ("", ""), ("\x1c", ""),
         ("ß", "ß")]


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_texts_are_stripped_like_each_cell(dtype):
    s = pd.Series([c for c, _ in CASES] + [None], dtype=dtype)
    assert list(to_text(s)) == [t for _, t in CASES] + [""]


def test_code_columns_are_upper_case():
    assert list(to_text(pd.Series(["att_late ", "ß"], dtype="str"), upper=True)) == ["ATT_LATE", "SS"]


def test_whole_numbers_lose_their_point():
    s = pd.Series([1002.0, 2.5, -3.0, np.nan, 2.0**60, 1e-7])
    assert list(to_text(s)) == ["1002", "2.5", "-3", "", "1152921504606846976", "1e-07"]


def test_errors_are_empty_text():
    assert list(to_text(pd.Series(["a", CellError("#N/A")], dtype=object))) == ["a", ""]


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_bulk_agrees_with_the_rule_on_random_texts(dtype):
    rnd = random.Random(8)
    alphabet = ["a", "Z", "0", " ", "\t", "\n", "\u3000", "\xa0", "员", "é", "-", ":", "\u200b", "\u2028", "😀", "~"]
    values = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 5))) for _ in range(5000)]
    assert list(to_text(pd.Series(values, dtype=dtype))) == [_text(v) for v in values]


def test_metric_values_of_a_numeric_column_are_exact_decimals():
    """parse_any of a float column, distinct numbers converted once: 0.1 is Decimal("0.1"), 2.0 is 2,
    empty is None, and -0.0 keeps its own value (not merged with 0)."""
    from decimal import Decimal

    from kpixl.workbook.cells import any_values

    assert list(any_values(pd.Series([0.1, 2.0, np.nan, 0.1]))) == [Decimal("0.1"), Decimal(2), None, Decimal("0.1")]
    assert [str(v) for v in any_values(pd.Series([-0.0, 0.0]))] == ["-0", "0"]


def test_true_and_one_in_one_text_column_keep_their_own_texts():
    """pandas counts True equal to 1 when finding distinct values; a 备注 or id column holding a
    TRUE cell and a 1 cell must still read TRUE and 1 (the old code gave both the first one's text)."""
    from kpixl.workbook.cells import to_text

    s = pd.Series([True, 1, "a", 1.0, False, 0, None], dtype=object)
    assert to_text(s).tolist() == ["TRUE", "1", "a", "1", "FALSE", "0", ""]
    assert to_text(pd.Series([1, True], dtype=object)).tolist() == ["1", "TRUE"]
