"""Issue 8 (fourth part): the event rows' positions found once by the event checks, the exact
per-(employee, category) sums and the text codes give exactly what hashing and sorting gave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpixl.core import validate
from kpixl.core.context import Context
from kpixl.core.frames import shared_text, text_codes
from kpixl.core.keyed import pair_sums
from tests.test_columns import run


def test_text_codes_group_as_factorize_does_with_missing_as_one_value():
    values = np.array(["b", None, "a", np.nan, "b", "a", None], dtype=object)
    codes, uniques = text_codes(values)
    assert [uniques[c] if isinstance(uniques[c], str) else "<missing>" for c in codes] == \
        ["b", "<missing>", "a", "<missing>", "b", "a", "<missing>"]
    assert sum(1 for u in uniques if not isinstance(u, str)) == 1  # None and NaN: one distinct value
    old_codes, _ = pd.factorize(values, use_na_sentinel=False)
    assert pd.Series(codes).groupby(old_codes).nunique().eq(1).all()  # the same groups
    arrow = pd.Series(["x", None, "x"], dtype="str")  # Arrow text goes through pandas as before
    codes, uniques = text_codes(arrow)
    assert codes[0] == codes[2] != codes[1] and len(uniques) == 2
    shared = shared_text(pd.Series(["E1", "E2", "E1"], dtype=object))
    assert shared[0] is shared[2] and shared.tolist() == ["E1", "E2", "E1"]


def _by_dict(key, columns):
    sums: dict[int, list[int]] = {}
    for i, k in enumerate(key.tolist()):
        row = sums.setdefault(k, [0] * len(columns))
        for j, c in enumerate(columns):
            row[j] += int(c[i])
    keys = sorted(sums)
    return keys, [[sums[k][j] for k in keys] for j in range(len(columns))]


@pytest.mark.parametrize("scale", [10**8, 2**50])  # 2**50 units: sums beyond float's exact range, sorted instead
def test_pair_sums_are_the_exact_integer_sums_per_key(scale):
    rng = np.random.default_rng(7)
    key = rng.integers(0, 40, size=500)
    columns = [rng.integers(-3, 4, size=500) * scale // 4, -np.abs(rng.integers(0, 9, size=500)) * scale // 8]
    pair, sums = pair_sums(key, 40, columns)
    keys, expected = _by_dict(key, columns)
    assert pair.tolist() == keys
    assert [s.tolist() for s in sums] == expected  # exact (Python integers)


def test_pair_sums_without_a_dense_table_for_sparse_keys():
    """A key space far larger than the lines (many employees, few lines) is sorted, not counted."""
    key = np.array([5, 10**9, 5, 3])
    pair, (s,) = pair_sums(key, 10**9 + 1, [np.array([1, 2, 3, 4])])
    assert pair.tolist() == [3, 5, 10**9] and s.tolist() == [4, 4, 2]


def test_positions_are_used_and_a_stale_one_falls_back_to_the_texts(monkeypatch):
    """The events carry each row's position in the employees and in the rules (prepare_events);
    counts and the events step use them. Positions that do not name the row's own employee are
    not used: the result is the same hand-computed one (test_columns' scenario: E6's four -1 rows
    capped at 3, E1 two rows, E4 one)."""
    seen = []
    real = Context.event_positions

    def spy(self):
        found = real(self)
        seen.append(found is not None)
        return found
    monkeypatch.setattr(Context, "event_positions", spy)

    def values():
        _, _, result = run("count('R_DED') == 1")
        return {e.id: (e.values["D.deduction"], e.values["B.points"], e.values["score"]) for e in result.employees if e.ok}
    expected = {"E1": (2, 0, 98), "E4": (1, 2, 101), "E6": (3, 0, 97)}
    got = values()
    assert {k: got[k] for k in expected} == expected and got["E2"] == (0, 0, 100)
    assert seen and all(seen)

    real_prepare = validate.prepare_events

    def stale(*args):
        ev, problems = real_prepare(*args)
        ev["emp_pos"] = ev["emp_pos"].to_numpy()[::-1].copy()  # not the rows' own employees
        return ev, problems
    monkeypatch.setattr("kpixl.core.engine.prepare_events", stale)
    seen.clear()
    assert values() == got
    assert seen and not any(seen)


def test_the_ledger_keeps_its_columns_texts_and_order(monkeypatch):
    """Lines are sorted by date, then row (undated last) and named by their own employee and rule,
    whether the sort gathers them by position or as texts; the positions are not in the result.
    By hand: R_DED rows E1 (1, 2 Oct), E4 (1 Oct), E6 (1-4 Oct) in that sheet order, and R_A for E1
    (X = 2, Y = 0), undated."""
    from kpixl.core.context import LEDGER_COLUMNS

    def ledger():
        _, _, result = run("X > 1 and Y == 0")
        led = result.ledger
        assert list(led.columns) == LEDGER_COLUMNS
        rows = list(zip(led["employee"], led["rule"], led["counted_e8"] // 10**8, strict=True))
        # the step, category and note of each line (gathered by part and by rule where they can be)
        assert led["step"].tolist() == ["events"] * 7 + ["condition"] and led["category"].tolist() == ["D"] * 7 + ["B"]
        assert led["text_zh"].tolist() == [""] * 7 + ["R_A 甲：X > 1 and Y == 0，2 分"]
        assert led["text_en"].tolist()[-1] == "R_A A: X > 1 and Y == 0, 2 points"
        return rows
    expected = [("E1", "R_DED", -1), ("E4", "R_DED", -1), ("E6", "R_DED", -1), ("E1", "R_DED", -1),
                ("E6", "R_DED", -1), ("E6", "R_DED", -1), ("E6", "R_DED", 0), ("E1", "R_A", 2)]
    assert ledger() == expected
    monkeypatch.setattr(Context, "event_positions", lambda self: None)  # every line's position looked up
    assert ledger() == expected
    real_add = Context.add_ledger

    def unplaced(self, frame):  # lines of no employee of the run: the texts are gathered
        frame["emp_pos"] = -1
        real_add(self, frame)
    monkeypatch.setattr(Context, "add_ledger", unplaced)
    assert ledger() == expected


def test_texts_that_are_not_one_per_part_or_per_rule_keep_their_own_lines(monkeypatch):
    """A note that differs line by line, and a category that is not the rule's, are gathered as they
    are (the codes are only used where the lines were checked to allow them)."""
    real_add = Context.add_ledger

    def varied(self, frame):
        if (frame["step"] == "events").all():
            frame["text_zh"] = [f"第{i}行" for i in range(len(frame))]
            frame["category"] = ["X"] + ["D"] * (len(frame) - 1)
        real_add(self, frame)
    monkeypatch.setattr(Context, "add_ledger", varied)
    _, _, result = run("X > 1 and Y == 0")
    led = result.ledger
    # sheet order E1 (1, 2 Oct), E4, E6 (1-4 Oct) -> date order rows 0, 2, 3, 1, 4, 5, 6, then the award
    assert led["text_zh"].tolist()[:7] == ["第0行", "第2行", "第3行", "第1行", "第4行", "第5行", "第6行"]
    assert led["category"].tolist() == ["X"] + ["D"] * 6 + ["B"]
