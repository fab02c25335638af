"""Stand-ins for a live Excel workbook as xlwings (and xlwings Lite) present it, built from a real
.xlsx file: sheets, used ranges, values (numbers as floats, like Excel) and writes. The same
stand-in serves the classic UDF tests and the Lite script tests."""

from __future__ import annotations

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter


def _excel_value(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return float(v)  # Excel holds every number as a double
    return v


class FakeCell:
    def __init__(self, number_format: str):
        self.number_format = number_format


class FakeRange:
    def __init__(self, sheet, row: int = 1, column: int = 1, rows: int | None = None, columns: int | None = None):
        self.sheet, self.row, self.column = sheet, row, column
        self._rows, self._columns = rows, columns

    @property
    def _shape(self) -> tuple[int, int]:
        data = self.sheet.data
        return (self._rows or max(len(data), 1), self._columns or max((len(r) for r in data), default=1))

    @property
    def address(self) -> str:
        n, m = self._shape
        return f"$A$1:${get_column_letter(m)}${n}"

    def options(self, *args, **kwargs) -> FakeRange:
        return self

    @property
    def value(self):
        n, m = self._shape
        data = self.sheet.data
        self.sheet.book.reads += 1
        rows = [list(r[:m]) + [None] * (m - len(r)) for r in data[:n]]
        return rows + [[None] * m for _ in range(n - len(rows))]

    raw_value = value

    @property
    def columns(self) -> list[FakeCell]:
        """One per column, with the column's number format (a real sheet would say None where mixed)."""
        return [FakeCell("General") for _ in range(self._shape[1])]

    def __getitem__(self, ij) -> FakeCell:
        return FakeCell("General")

    @value.setter
    def value(self, rows) -> None:
        self.sheet.written[(self.row, self.column)] = rows


class FakeSheet:
    def __init__(self, book, name: str, data: list[list]):
        self.book, self.name, self.data = book, name, data
        self.written: dict = {}

    @property
    def used_range(self) -> FakeRange:
        return FakeRange(self)

    def range(self, address: str) -> FakeRange:
        col = "".join(c for c in address if c.isalpha())
        row = int("".join(c for c in address if c.isdigit()) or 1)
        from openpyxl.utils import column_index_from_string

        return FakeRange(self, row, column_index_from_string(col))

    __getitem__ = range  # sheet["A1"], as in xlwings and xlwings Lite

    def clear_contents(self) -> None:
        self.written.clear()
        self.written["cleared"] = True

    def set(self, ref: str, value) -> None:
        """Edit one cell (A1 style) like a clerk typing into it."""
        from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

        col, row = coordinate_from_string(ref)
        j = column_index_from_string(col) - 1
        while len(self.data) < row:
            self.data.append([])
        line = self.data[row - 1]
        while len(line) <= j:
            line.append(None)
        line[j] = _excel_value(value)


class FakeSheets(list):
    def __getitem__(self, key):
        if isinstance(key, str):
            for s in self:
                if s.name == key:
                    return s
            raise KeyError(key)
        return super().__getitem__(key)

    def add(self, name: str) -> FakeSheet:
        sheet = FakeSheet(self[0].book, name, [])
        self.append(sheet)
        return sheet


class FakeBook:
    def __init__(self, path):
        wb = load_workbook(path, read_only=True)
        self.fullname = str(path)
        self.name = str(path).rsplit("/", 1)[-1]
        self.reads = 0
        self.sheets = FakeSheets(
            FakeSheet(self, ws.title, [[_excel_value(v) for v in row] for row in ws.iter_rows(values_only=True)])
            for ws in wb.worksheets)
        wb.close()

    def caller(self, sheet: str = "报表") -> FakeRange:
        """The cell that calls a UDF (xlwings passes it as ``caller``), on ``sheet`` or the first sheet."""
        names = [s.name for s in self.sheets]
        return FakeRange(self.sheets[sheet if sheet in names else names[0]], 2, 3)


def one_late_book(path, qty=1):
    """One agent, one ATT_LATE row, no leave: -5 per late (S1 ATT_LATE), 全勤 lost (R-WK-10: an ATT_*
    event), department clean +3 kept (R-WK-11: no BIZ error or complaint): qty 1 -> 98, 3 -> 88."""
    from conftest import make_book

    return make_book(path, "weikang_100",
                     employees=[{"id": "E1", "name": "甲", "role": "客服", "department": "客服部"}],
                     events=[{"date": "2026-10-05", "employee": "E1", "rule": "ATT_LATE", "qty": qty}],
                     metrics=[{"employee": "E1", "metric": "LEAVE_DAYS", "value": 0}],
                     parameters={"LEARNING_ACTIVITIES_HELD": 0})


def blocked_book(path, name="甲"):
    """E1 has an unknown rule code on 事件!C2 (blocked); E2, in another department, scores
    100 + 5 全勤 (R-WK-10) + 3 department clean (R-WK-11) = 108."""
    from conftest import make_book

    return make_book(path, "weikang_100",
                     employees=[{"id": "E1", "name": name, "department": "一部"},
                                {"id": "E2", "name": "乙", "department": "二部"}],
                     events=[{"date": "2026-10-02", "employee": "E1", "rule": "NOPE"}],
                     metrics=[{"employee": e, "metric": "LEAVE_DAYS", "value": 0} for e in ("E1", "E2")],
                     parameters={"LEARNING_ACTIVITIES_HELD": 0})
