"""The ledger's memory shape (issue 8: a 50,000 x 1,000,000 month in at most 1 GB).

Three bugs found measuring the 1M month, each with a test that fails on the old code:
- ``np.full(n, "events", dtype=object)`` makes a new string per element: the step column of a
  1M-row ledger cost 52 MB for one word; now every line refers to one string;
- the source cell of every event line (``事件!C14``) was a Python string each (97 MB at 1M);
  they are now Arrow text, built in bulk from the row numbers;
- replacing one ledger column (the counted points after the category caps) copied the whole
  ledger part; the parts now hold one block per column, handed over without a copy.
And the companion Parquet file is written batch by batch instead of as one table in memory.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from kpixl.core.engine import score
from kpixl.core.frames import filled, frame
from kpixl.workbook import report_detail
from kpixl.workbook.read import read_workbook

DEMO = ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx"


@pytest.fixture(scope="module")
def demo():
    return score(*read_workbook(DEMO))


def test_a_repeated_word_is_one_string_not_one_per_line():
    arr = filled(1000, "events")
    assert len({id(x) for x in arr}) == 1 and arr[999] == "events"
    # the frame builder fills a scalar column the same way
    f = frame({"n": np.arange(1000), "step": "events"})
    assert len({id(x) for x in f["step"]}) == 1


def test_every_ledger_line_of_a_step_shares_the_step_word(demo):
    steps = demo.ledger["step"]
    assert len({id(x) for x in steps}) == steps.nunique()  # the old code: one string per line


def test_event_lines_name_their_rule_cell_in_arrow_text(demo):
    led = demo.ledger
    assert isinstance(led["where"].dtype, pd.StringDtype)
    events = led[led["step"] == "events"]
    # the demo's Events sheet has the rule in column C: each event line names C and its own row
    assert (events["where"] == "事件!C" + events["row"].astype(str)).all()
    # SCHEMES.md S1 worked example (KF002): her late arrival on 事件 row 2 counts -5
    late = events[(events["employee"] == "KF002") & (events["where"] == "事件!C2")]
    assert late["rule"].tolist() == ["ATT_LATE"] and late["counted_e8"].tolist() == [-5 * 10**8]
    # element by element the source is a plain str, as every caller (explain, JSON) expects
    assert type(led["where"].iloc[0]) is str


def test_frame_takes_the_arrays_as_they_are():
    points = np.arange(5, dtype="int64")
    rows = np.arange(5, dtype="int64")
    f = frame({"points_e8": points, "row": rows, "employee": np.array(["a"] * 5, dtype=object)})
    assert np.shares_memory(f["points_e8"].to_numpy(), points)  # no copy of a 1M-row part
    assert f._mgr.nblocks == 3  # one block per column: replacing one column copies no other
    f["points_e8"] = np.zeros(5, dtype="int64")
    assert np.shares_memory(f["row"].to_numpy(), rows)


def test_the_companion_is_written_batch_by_batch_with_the_same_lines(tmp_path, demo, monkeypatch):
    monkeypatch.setattr(report_detail, "BATCH_ROWS", 10)
    path = tmp_path / "d.parquet"
    report_detail.write_companion(demo, path)
    pf = pq.ParquetFile(path)
    # 49 contributions in batches of 10 (5 row groups) and the 3 money lines in their own
    assert pf.metadata.num_row_groups == 6 and pf.metadata.num_rows == 49 + 3
    assert pf.schema_arrow.metadata[b"kpixl"] == b"detail/1"
    lines = report_detail.read_lines(path)
    whole = report_detail.companion_table(demo).to_pandas()
    pd.testing.assert_frame_equal(lines, whole)
    kf002 = lines[lines["employee"] == "KF002"]
    # SCHEMES.md S1 worked example (甲 = KF002): 100 - 15 - 2 - 4.2 + 10 = 88.8: counted lines sum to -11.2
    assert sum(kf002["counted"], Decimal(0)) == Decimal("-11.2")


def test_lines_of_the_same_form_are_one_shared_object_and_read_per_employee(demo):
    """A condition not met and a total's formula are one object for the whole department
    (context.note_each), yet each employee's line has their own value, text and cells."""
    raw = demo.notes._raw
    shared = {id(item) for items in raw.values() for item in items if type(item) is not tuple}
    assert len(shared) <= 3 + 2 + 6  # S1: 3 conditions, 2 totals, 6 capped categories, however many people
    kf002 = {(n["step"], n["code"]): n for n in demo.notes["KF002"]}
    # SCHEMES.md S1 worked example (甲 = KF002): 100 - 15 - 2 - 4.2 + 10 = 88.8
    total = kf002[("total", "score")]
    assert total["value"] == Decimal("88.8")
    assert total["text_en"].endswith("= 88.8") and "− 15 (ATT.points)" in total["text_zh"]
    # full attendance not met: her attendance events (事件 rows 2 and 3) are the cells read
    full = kf002[("condition", "BON_FULL_ATT")]
    assert full["value"] is None and "不加分" in full["text_zh"]
    assert full["sources"] == ["事件!C2 / Events!C2", "事件!C3 / Events!C3"]
    # a category cap reached (R-WK-2) is one shared line per category too, with each one's figures
    capped = [(emp, n) for emp in demo.notes for n in demo.notes[emp] if n["step"] == "categories"]
    for emp, n in capped:
        led = demo.ledger[(demo.ledger["employee"] == emp) & (demo.ledger["category"] == n["code"])]
        assert n["value"] == -Decimal(int(led["counted_e8"].sum())) / 10**8  # counted = the cap
        assert f"计 {n['value']}" in n["text_zh"]
    kf005 = {(n["step"], n["code"]): n for n in demo.notes["KF005"]}
    assert kf005[("total", "score")]["value"] == demo.employee("KF005").values["score"]
