"""One suite over both file engines: every cell kind is read into the same Inputs, and a bad or
doubtful cell gives the same located, bilingual problem (issue 7 "error values and coercion",
"formula without a cached value"; issue 12 items 2, 3 and 7).

Expected values come from the sheet contract: a cell is a number, text, boolean, date, error,
empty or a formula without a value; Excel's ``62%`` (0.62 with a percent format) is 62 in
kpixl's percent units (README "The sheet contract": rates in percent, ``96.5`` = 96.5%).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from reader_fixtures import book, edit, patch

from kpixl.core.engine import score
from kpixl.core.errors import WorkbookError
from kpixl.workbook.read import read_workbook

ENGINES = ["fastexcel", "openpyxl"]


def read_both(path):
    return {e: read_workbook(path, engine=e) for e in ENGINES}


def assert_same_inputs(both) -> None:
    (_, a), (_, b) = both["fastexcel"], both["openpyxl"]
    for key in ("employees", "events", "metrics", "history"):
        pd.testing.assert_frame_equal(getattr(a, key).frame, getattr(b, key).frame, obj=key)
    assert {k: (p.value, p.where) for k, p in a.parameters.items()} == \
        {k: (p.value, p.where) for k, p in b.parameters.items()}
    assert [p.as_dict() for p in a.problems] == [p.as_dict() for p in b.problems]


def problems_at(inputs, where_prefix: str):
    return [p for p in inputs.problems if p.where.startswith(where_prefix)]


# Each case: cells typed into 事件 (as Excel stores them), raw cell XML a script or Excel wrote,
# and the problem expected at the last typed cell: (code, quoted value in the English message).
CASES = {
    "typed_na_error": ({"D3": 1}, {"D3": '<c r="{r}" t="e"><v>#N/A</v></c>'}, ("bad_number", "'#N/A' is not a number")),
    "cached_div0": ({"D3": 1}, {"D3": '<c r="{r}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'},
                    ("bad_number", "'#DIV/0!' is not a number")),
    "text_nan": ({"D2": 2, "D3": "NaN"}, {}, ("bad_number", "'NaN' is not a number")),
    "excel_true_in_qty": ({"D2": 2, "D3": True}, {}, ("bad_number", "'TRUE' is not a number")),
    "text_in_qty": ({"D3": "两次"}, {}, ("bad_number", "'两次' is not a number")),
    "formula_without_value": ({"D3": "=1+2"}, {}, ("formula_no_value", "'=1+2' was saved without its value")),
    "shared_formula_without_value": ({"D3": 1}, {"D3": '<c r="{r}"><f t="shared" si="0"/></c>'},
                                     ("formula_no_value", "the copied formula was saved without its value")),
    "error_as_employee_id": ({"B3": "x"}, {"B3": '<c r="{r}" t="e"><f>VLOOKUP(A1,Z:Z,2,0)</f><v>#N/A</v></c>'},
                             ("bad_id", "'#N/A' is an error value")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_cell_is_the_same_located_problem_on_both_engines(tmp_book, case):
    typed, raw, (code, message) = CASES[case]
    path = book(tmp_book)
    edit(path, "事件", typed)
    if raw:
        patch(path, "事件", raw)
    both = read_both(path)
    assert_same_inputs(both)
    ref = list(typed)[-1]
    for engine, (scheme, inputs) in both.items():
        found = problems_at(inputs, f"事件!{ref} / Events!{ref}")
        assert [p.code for p in found] == [code], engine
        assert message in found[0].en and found[0].zh and found[0].fix_en and found[0].fix_zh
        r = score(scheme, inputs)
        assert not r.employee("E1").ok  # the row's employee gets no result, never qty 1 or blank


def test_cached_formula_value_is_read_on_both_engines(tmp_book):
    path = book(tmp_book)
    edit(path, "事件", {"D2": 1})
    patch(path, "事件", {"D2": '<c r="{r}"><f>1+2</f><v>3</v></c>'})
    for _, inputs in read_both(path).values():
        assert inputs.events.frame.loc[0, "qty"] == 3 and not inputs.problems


def test_percent_formatted_metric_is_that_many_percent(tmp_book):
    """Excel stores 62% as 0.62 with a 0% format (issue 12.2): kpixl reads 62, exactly."""
    path = book(tmp_book, metrics=METRICS3)
    edit(path, "指标", {"C2": 0.62, "C3": 0.0725, "C4": 0.62}, {"C2": "0%", "C3": "0.00%", "C4": '0.0"%"'})
    both = read_both(path)
    assert_same_inputs(both)
    for _, inputs in both.values():
        values = inputs.metrics.frame["value"].tolist()
        # C4's format shows a literal "%" sign in quotes: not a percent format, the number as typed
        assert values == [Decimal("62"), Decimal("7.25"), Decimal("0.62")]
        assert all(isinstance(v, Decimal) for v in values)


METRICS3 = [{"employee": "1002", "metric": "LEAVE_DAYS", "value": 0},
            {"employee": "E1", "metric": "LEAVE_DAYS", "value": 1},
            {"employee": "E1", "metric": "LEAVE_DAYS", "value": 2}]


def test_excel_true_false_in_metric_values_reads_as_booleans(tmp_book):
    """Issue 12.3: TRUE/FALSE typed in the 指标 value column beside numbers."""
    path = book(tmp_book, metrics=METRICS3)
    edit(path, "指标", {"C3": True, "C4": False})
    both = read_both(path)
    assert_same_inputs(both)
    for _, inputs in both.values():
        assert inputs.metrics.frame["value"].tolist() == [Decimal(0), True, False]


@pytest.mark.parametrize("cell", [dt.datetime(2026, 10, 5, 8, 47), "2026-10-05 08:47", "2026/10/5 8:47:30"])
def test_date_with_a_time_is_that_day(tmp_book, cell):
    """Issue 12.7: attendance exports write the clock time; the event is on that day."""
    path = book(tmp_book)
    edit(path, "事件", {"A2": cell}, {"A2": "yyyy-mm-dd hh:mm"} if isinstance(cell, dt.datetime) else None)
    both = read_both(path)
    assert_same_inputs(both)
    for _, inputs in both.values():
        assert inputs.events.frame.loc[0, "date"] == pd.Timestamp(2026, 10, 5)
        assert not problems_at(inputs, "事件!A2")


def test_bad_time_of_day_is_not_a_date(tmp_book):
    path = book(tmp_book)
    edit(path, "事件", {"A2": "2026-10-05 25:61"})
    for _, inputs in read_both(path).values():
        assert [p.code for p in problems_at(inputs, "事件!A2")] == ["bad_date"]


def test_datetime_and_numbers_in_text_columns(tmp_book):
    """A date typed into a note, a number typed as the employee id: the same text on both engines."""
    path = book(tmp_book)
    edit(path, "事件", {"F2": dt.datetime(2026, 10, 5, 8, 47), "F3": dt.datetime(2026, 10, 6), "B4": 1002})
    both = read_both(path)
    assert_same_inputs(both)
    for _, inputs in both.values():
        assert inputs.events.frame["note"].tolist()[:2] == ["2026-10-05 08:47:00", "2026-10-06"]
        assert inputs.events.frame.loc[2, "employee"] == "1002"


def test_long_text_is_cut_in_messages(tmp_book):
    path = book(tmp_book)
    edit(path, "事件", {"D3": "x" * 1_000_000})
    for _, inputs in read_both(path).values():
        (p,) = problems_at(inputs, "事件!D3")
        assert "'" + "x" * 60 + "…' is not a number" in p.en and len(p.en) < 200 and len(p.zh) < 200


def test_clean_template_reads_without_problems_on_both_engines(tmp_book):
    both = read_both(book(tmp_book))
    assert_same_inputs(both)
    assert not both["fastexcel"][1].problems


def test_true_and_one_in_a_text_column_read_as_themselves_on_both_engines(tmp_book):
    """A 备注 column with an Excel TRUE in one row and the number 1 in another: pandas counts True
    equal to 1 when the reader finds distinct values, so both rows used to get the first one's
    text ("TRUE" twice, or "1" twice). Each keeps its own, on both engines."""
    path = book(tmp_book)
    _, inputs = read_workbook(path)
    letter = inputs.events.letters["note"]
    edit(path, "事件", {f"{letter}2": True, f"{letter}3": 1, f"{letter}4": "1"})
    both = read_both(path)
    assert_same_inputs(both)
    for _, inp in both.values():
        notes = dict(zip(inp.events.frame["xl_row"], inp.events.frame["note"], strict=True))
        assert (notes[2], notes[3], notes[4]) == ("TRUE", "1", "1")


@pytest.mark.parametrize(("fmt", "date"), [("0 a/p", True), ('0\\"d\\"', True), ("0*d", False), ("0.0", False)])
def test_a_custom_format_is_a_date_or_a_number_alike_on_both_engines(tmp_book, fmt, date):
    # Excel (and calamine) read "a/p" as AM/PM and an escaped quote as a literal before the day code d:
    # both are dates, which openpyxl's own rule does not see; "*d" fills the cell with d, a literal,
    # which openpyxl takes for a day. Before, one engine withheld E1 and the other scored 94.
    # 取值 E3 = 4 as a date is serial 4, 1900-01-04: not a number (R-WK-*: else 100 - 5 - 4 + 3 = 94)
    path = book(tmp_book)
    edit(path, "事件", {"E3": 4}, {"E3": fmt})
    both = read_both(path)
    assert_same_inputs(both)
    for scheme, inputs in both.values():
        found = [p.en for p in problems_at(inputs, "事件!E3 / Events!E3")]
        if date:
            assert len(found) == 1 and "'1900-01-04' is not a number" in found[0]
        else:
            assert not found and score(scheme, inputs).employee("E1").values["score"] == 94


def test_a_percent_only_in_the_negative_section_is_a_percent_for_negatives_only(tmp_book):
    # "0.00;-0.00%" shows 0.62 as 0.62 and -0.05 as -5.00%: Excel picks a section by the sign, so
    # the positive number is 0.62 as shown (before: 62, a silently wrong value), the negative -5.
    path = book(tmp_book, metrics=METRICS3)
    edit(path, "指标", {"C2": 0.62, "C3": -0.05, "C4": 0},
         {"C2": "0.00;-0.00%", "C3": "0.00;-0.00%", "C4": "0%;-0%;0"})
    both = read_both(path)
    assert_same_inputs(both)
    for _, inputs in both.values():
        assert inputs.metrics.frame["value"].tolist() == [Decimal("0.62"), Decimal("-5"), Decimal(0)]


def test_a_format_with_conditions_picks_its_section_by_them(tmp_book):
    # "[<1]0.0%;0": below 1 a percent (0.5 shows 50.0%), otherwise a plain number (3 shows 3);
    # "[>=100]0;0%": 150 is plain, 0.25 shows 25%
    path = book(tmp_book, metrics=METRICS3)
    edit(path, "指标", {"C2": 0.5, "C3": 3, "C4": 0.25}, {"C2": "[<1]0.0%;0", "C3": "[<1]0.0%;0", "C4": "[>=100]0;0%"})
    both = read_both(path)
    assert_same_inputs(both)
    for _, inputs in both.values():
        assert inputs.metrics.frame["value"].tolist() == [Decimal(50), Decimal(3), Decimal(25)]


@pytest.mark.parametrize(("fmt", "qty"), [(";;;", 3), ('0;-0;;@', 0), ("0;[Red]", -3)])
def test_a_value_its_format_hides_counts_with_a_warning_at_its_cell(tmp_book, fmt, qty):
    # ";;;" shows nothing at all; "0;-0;;@" hides a zero, "0;[Red]" a negative: the cell looks empty
    path = book(tmp_book)
    edit(path, "事件", {"D3": qty, "D2": 1}, {"D3": fmt, "D2": fmt})  # D2 = 1 is shown unless ";;;"
    both = read_both(path)
    assert_same_inputs(both)
    for _, inputs in both.values():
        (w,) = [p for p in inputs.problems if p.code == "format_hidden_value"]
        cells = "D2, D3" if fmt == ";;;" else "D3"
        assert w.severity == "warning" and f"({cells})" in w.en and w.where == f"事件!{cells[:2]} / Events!{cells[:2]}"
        assert inputs.events.frame.loc[1, "qty"] == qty  # the value as stored: it counts


def test_a_text_its_format_hides_is_warned_too(tmp_book):
    path = book(tmp_book)
    edit(path, "事件", {"B3": "E1"}, {"B3": ";;;"})
    for _, inputs in read_both(path).values():
        (w,) = [p for p in inputs.problems if p.code == "format_hidden_value"]
        assert w.where == "事件!B3 / Events!B3" and inputs.events.frame.loc[1, "employee"] == "E1"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_number_cell_stored_as_blanks_is_refused_naming_the_cell(tmp_book, engine):
    # <v> </v>: calamine read it as an empty qty (scored as 1), openpyxl refused the whole sheet
    path = book(tmp_book)
    edit(path, "事件", {"D3": 1, "E2": 1})
    patch(path, "事件", {"D3": '<c r="{r}"><v> </v></c>', "E2": '<c r="{r}"><v> 3 </v></c>'})
    with pytest.raises(WorkbookError) as err:
        read_workbook(path, engine=engine)
    (p,) = err.value.problems
    assert "cell D3 is damaged: its value is only blanks" in p.en and "D3" in p.zh


def test_blank_text_results_and_padded_numbers_read_as_stored(tmp_book):
    path = book(tmp_book)
    _, inputs = read_workbook(path)
    note = inputs.events.letters["note"]
    edit(path, "事件", {f"{note}3": "x", "D3": 1})
    patch(path, "事件", {f"{note}3": '<c r="{r}" t="str"><f>" "</f><v> </v></c>', "D3": '<c r="{r}"><v> 3 </v></c>'})
    both = read_both(path)
    assert_same_inputs(both)
    for scheme, inputs in both.values():
        assert inputs.events.frame.loc[1, "qty"] == 3
        assert score(scheme, inputs).employee("E1").values["score"] == 86  # 100 - 5 - 4 x 3 + 3


@pytest.mark.parametrize("value", [1e15, 9007199254740993])
def test_a_duration_too_long_for_any_clock_is_an_error_at_its_cell(tmp_book, value):
    # [h]:mm on 1e15 days: Excel shows ####; fastexcel's column of durations could not become Python
    # timedeltas (OverflowError) and the whole sheet was refused, while openpyxl read #VALUE!
    path = book(tmp_book)
    edit(path, "事件", {"E3": value}, {"E3": "[h]:mm"})
    both = read_both(path)
    assert_same_inputs(both)
    for scheme, inputs in both.values():
        assert [p.code for p in problems_at(inputs, "事件!E3 / Events!E3")] == ["bad_number"]
        assert not score(scheme, inputs).employee("E1").ok
