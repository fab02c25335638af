"""The cheap look at a sheet part (kpixl/workbook/engines/sheetxml.py, issue 8 item 1), on small
synthetic XML: a normal sheet of up to 1,048,576 rows is looked at with C-speed searches only, a
special cell in it is still found and located, and a stray cell is still refused."""

from __future__ import annotations

import random

import pytest

from kpixl.workbook.cells import CellError, NoValue, Percent
from kpixl.workbook.engines import sheetxml
from kpixl.workbook.engines.sheetxml import look_xml

HEAD = b'<?xml version="1.0"?><worksheet xmlns="x"><sheetData>'
TAIL = b"</sheetData></worksheet>"


def part(rows: bytes) -> bytes:
    return HEAD + rows + TAIL


def numbered(n: int, cells: bytes = b"<c><v>1</v></c><c/><c t=\"inlineStr\"><is><t>E1</t></is></c>") -> bytes:
    """``n`` numbered rows of implicit cells (the way kpixl's own writer stores a sheet)."""
    return b"".join(b'<row r="%d">%s</row>' % (i, cells) for i in range(1, n + 1))


@pytest.fixture
def no_full_pass(monkeypatch):
    def refuse(*_):
        raise AssertionError("a cell-by-cell pass over the whole part")
    monkeypatch.setattr(sheetxml, "_exact", refuse)


def test_a_normal_million_row_sheet_needs_no_cell_by_cell_pass(no_full_pass):
    look = look_xml(part(numbered(1_000_001)), set())
    assert look.stray == [] and look.special == {}


def test_special_cell_at_row_900000_is_found_and_located(no_full_pass):
    """Rows 1..900,000, explicit refs; C900000 is #N/A, B899999 TRUE and A5 a formula saved without value."""
    rows = [b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 900_001)]
    rows[4] = b'<row r="5"><c r="A5"><f>1+2</f><v></v></c></row>'
    rows[899_998] = b'<row r="899999"><c r="A899999"><v>1</v></c><c r="B899999" t="b"><v>1</v></c></row>'
    rows[899_999] = b'<row r="900000"><c r="A900000"><v>1</v></c><c r="C900000" t="e"><v>#N/A</v></c></row>'
    look = look_xml(part(b"".join(rows)), set())
    assert look.stray == []
    assert look.special == {(900_000, 2): CellError("#N/A"), (899_999, 1): True, (5, 0): NoValue("1+2")}


def test_special_cell_among_implicit_cells_is_located_by_counting_its_row(no_full_pass):
    rows = numbered(400_000).replace(b'<row r="350000"><c><v>1</v></c><c/>',
                                     b'<row r="350000"><c><v>1</v></c><c/><c s="3"><v>0.62</v></c>', 1)
    look = look_xml(part(rows), {3})
    assert look.special == {(350_000, 2): Percent(0.62)}


def test_stray_cell_in_a_million_row_sheet_is_refused():
    rows = numbered(1_000_000, b"<c><v>1</v></c>") + b'<row r="1048576"><c r="XFD1048576"><v>9</v></c></row>'
    look = look_xml(part(rows), set())
    assert look.stray == [(1_048_576, 16_383)] and look.special == {}
    assert look.extent == (1_048_576, 16_384)


def test_empty_cells_do_not_count_as_content():
    """300,000 rows of empty cells and one value at XFD300000: the empty cells hold nothing, so the
    used range (300,000 x 16,384) is absurd for the few cells that do."""
    rows = b'<row r="1"><c r="A1"><v>1</v></c></row>' + numbered(299_999, b"<c/><c/>")[len(b'<row r="1"><c/><c/></row>'):]
    rows += b'<row r="300000"><c r="XFD300000"><v>9</v></c></row>'
    assert look_xml(part(rows), set()).stray == [(300_000, 16_383)]


def test_only_real_cells_count_as_content():
    """A cell-like text inside a tag, or a self-closed cell, is not a cell that holds something."""
    assert sheetxml._value_cells(part(b'<row r="1" x="<c><v>1</v></c>"><c r="A1"/></row>'), 10) == 0
    assert sheetxml._value_cells(part(b'<row r="1"><c r="A1"><v>1</v></c><c><f>1</f><v>1</v></c></row>'), 10) == 2


def test_located_specials_agree_with_the_cell_by_cell_pass():
    """Random rows of every kind of cell (explicit and implicit refs, empty cells, rows that skip):
    the row-by-row location gives exactly what the full pass gives."""
    rnd = random.Random(8)
    kinds = [b"<c%s><v>1</v></c>", b"<c%s/>", b'<c%s t="e"><v>#DIV/0!</v></c>', b'<c%s t="b"><v>0</v></c>',
             b"<c%s><f>A1*2</f></c>", b'<c%s s="2"><v>0.5</v></c>', b'<c%s t="inlineStr"><is><t>t="e"</t></is></c>',
             b'<c%s t="e"></c>']
    rows, r = [], 0
    for _ in range(3000):
        r += rnd.choice([1, 1, 1, 7])
        cells, col = [], -1
        for _ in range(rnd.randint(0, 6)):
            if rnd.random() < 0.5:
                col += rnd.randint(1, 3)
                ref = b' r="%s%d"' % (sheetxml_letter(col).encode(), r)
            else:
                col += 1
                ref = b""
            cells.append(rnd.choice(kinds) % ref)
        rows.append(b'<row r="%d">%s</row>' % (r, b"".join(cells)))
    data = part(b"".join(rows))
    located = sheetxml._located_specials(data, sheetxml._special_hits(data, {2}), {2})
    assert located == sheetxml._exact(data, {2}).special and len(located) > 1000


def sheetxml_letter(col: int) -> str:
    from kpixl.workbook.parse import column_letter

    return column_letter(col)


def test_special_cell_in_an_unnumbered_row_falls_back_to_counting_rows():
    data = part(b"<row><c><v>1</v></c></row>" * 10 + b'<row><c/><c t="e"><v>#REF!</v></c></row>')
    assert sheetxml._located_specials(data, [data.index(b't="e"')], set()) is None
    assert look_xml(data, set()).special == {(11, 1): CellError("#REF!")}


def test_rows_and_cells_placed_by_counting_still_make_a_stray_cell():
    """No row numbers, no cell refs: A1, then 1,048,574 empty rows, then a row whose 16,384th cell
    holds 9. Counted, that cell is XFD1048576: the sheet is refused like the typed-in case."""
    rows = b"<row><c><v>1</v></c></row>" + b"<row/>" * 1_048_574 + b"<row>" + b"<c/>" * 16_383 + b"<c><v>9</v></c></row>"
    look = look_xml(part(rows), set())
    assert look.stray == [(1_048_576, 16_383)]


def test_cells_placed_by_counting_bound_the_columns_by_their_count(monkeypatch):
    """No r= names a column (kpixl's own writer): the used range is at most as wide as the widest
    row, so a normal 1,000,001-row sheet of 3 cells a row (3M cells, under MAX_CELLS) needs no
    count of the cells that hold something, let alone a full pass."""
    def refuse(*_):
        raise AssertionError("the used range was thought possibly absurd")
    monkeypatch.setattr(sheetxml, "_value_cells", refuse)
    monkeypatch.setattr(sheetxml, "_exact", refuse)
    data = part(numbered(1_000_001))
    assert sheetxml._extent_bound(data) == (1_000_001, 3)
    assert look_xml(data, set()).stray == []


def test_a_named_column_still_widens_the_bound_by_the_cells_counted_after_it():
    """``<c r="Z1"/>`` then three cells placed by counting: they are AA1..AC1, so the bound covers 29+."""
    data = part(b'<row r="1"><c r="Z1"><v>1</v></c><c/><c/><c><v>2</v></c></row>')
    rows, cols = sheetxml._extent_bound(data)
    assert cols >= 29 and sheetxml._exact(data, set()).extent == (1, 4)


# ------------------------------------------------------------------------------- reading a part


def _package_with(tmp_path, compression):
    import zipfile

    path = tmp_path / "book.xlsx"
    sheet = part(numbered(2000))
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path, sheet


@pytest.mark.parametrize("compression", ["deflated", "stored"])
def test_a_part_is_read_as_zipfile_reads_it(tmp_path, compression):
    import zipfile

    path, sheet = _package_with(tmp_path, zipfile.ZIP_DEFLATED if compression == "deflated" else zipfile.ZIP_STORED)
    package = sheetxml.Package(path)
    try:
        assert package._member(package.zip.getinfo("xl/worksheets/sheet1.xml")) == sheet
    finally:
        package.close()


def test_a_damaged_part_is_refused_as_zipfile_refuses_it(tmp_path):
    import zipfile

    path, sheet = _package_with(tmp_path, zipfile.ZIP_DEFLATED)
    package = sheetxml.Package(path)
    info = package.zip.getinfo("xl/worksheets/sheet1.xml")
    package.close()
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename)
    data[start + info.compress_size // 2] ^= 0xFF  # one flipped byte in the compressed data
    path.write_bytes(bytes(data))
    package = sheetxml.Package(path)
    try:
        with pytest.raises(Exception) as caught:  # noqa: B017 (the same error as zipfile, checked below)
            package._member(package.zip.getinfo("xl/worksheets/sheet1.xml"))
        with pytest.raises(type(caught.value)):
            package.zip.read("xl/worksheets/sheet1.xml")
    finally:
        package.close()


@pytest.fixture
def small_windows(monkeypatch):
    """Windows of 64 bytes overlapping by 16: every search below crosses many window edges."""
    monkeypatch.setattr(sheetxml, "_WINDOW", 64)
    monkeypatch.setattr(sheetxml, "_OVERLAP", 16)


def test_searches_window_by_window_find_every_match_once_across_the_edges(small_windows):
    rng = random.Random(8)
    cells = [b'<c r="A%d" t="e"><v>#N/A</v></c>' % i if rng.random() < 0.3 else
             b'<c r="A%d" s="3"><f>B1</f></c>' % i if rng.random() < 0.3 else b'<c r="A%d"><v>%d</v></c>' % (i, i)
             for i in range(1, 400)]
    data = part(b"".join(b'<row r="%d">%s</row>' % (i + 1, c) for i, c in enumerate(cells)))
    for pattern in (sheetxml._ERROR_OR_BOOL, sheetxml._FORMULA_AT):
        assert sheetxml._starts(pattern, data) == [m.start() for m in pattern.finditer(data)]
    whole = [m.start() for m in sheetxml._ERROR_OR_BOOL.finditer(data)]
    whole += [m.start() for m in sheetxml._FORMULA_AT.finditer(data) if sheetxml._NO_VALUE.match(data, m.start())]
    whole += [m.start() for m in sheetxml.re.finditer(rb' s="0*(?:3)"', data)]
    assert sheetxml._special_hits(data, {3}) == whole and len(whole) > 100


def test_a_style_number_with_more_leading_zeros_than_the_overlap_is_still_a_percent_cell(small_windows):
    data = part(b'<row r="1">' + b'<c r="A1"><v>1</v></c>' * 5 + b'<c r="B1" s="' + b"0" * 200 + b'9"><v>0.5</v></c></row>')
    hit = data.find(b' s="00')
    assert sheetxml._special_hits(data, {9}) == [hit]


def test_a_value_of_blanks_longer_than_the_overlap_is_still_found(small_windows):
    data = part(b'<row r="1"><c r="A1"><v>1</v></c><c r="C1" t="str"><v>  </v></c>'
                b'<c r="D1"><v>' + b" " * 300 + b"</v></c></row>")
    assert sheetxml.blank_value(data) == "D1"
