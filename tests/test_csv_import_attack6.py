"""``kpixl import``: CSV exports as systems and Excel really write them (QA attack 6).

Old-Mac CR line ends, huge fields, ``;``/tab delimiters (and Excel's ``sep=;`` line), leading
blank lines, the documented team header ``小组``, a row with neither employee nor team, and an
unknown ``--encoding``: each is read, or refused with a located bilingual message, never an
"internal error"; nothing is written when there are errors.
"""

from __future__ import annotations

import csv

import pytest
from conftest import cli
from openpyxl import load_workbook

from kpixl.demo import load_demo

EMPLOYEES = [{"id": "Q01", "name": "甲", "hire_date": "2025-01-01"}, {"id": "Q02", "name": "乙", "hire_date": "2025-01-01"}]
ROWS = [("Q01", "I_AVG", "96"), ("Q01", "M_AVG", "94"), ("Q01", "WORK_HOURS", "176")]


@pytest.fixture
def book(tmp_book):
    return tmp_book("service_quality_grade", employees=EMPLOYEES)


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def metric_rows(out):
    return [r[:3] for r in load_workbook(out)["指标"].iter_rows(min_row=2, values_only=True) if r[0]]


def imported(book, csv_path, out, *extra):
    code, stdout, err = cli("import", book, csv_path, "-o", out, *extra)
    assert "internal error" not in stdout + err and "Traceback" not in stdout + err
    return code, stdout, err


def body(sep=",", newline="\n"):
    return newline.join([sep.join(("工号", "指标代码", "数值", "备注"))] + [sep.join(r + ("",)) for r in ROWS]) + newline


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_any_line_ending_is_read(book, tmp_path, newline):
    out = tmp_path / "out.xlsx"
    code, stdout, _ = imported(book, write(tmp_path / "m.csv", body(newline=newline)), out)
    assert code == 0, stdout
    assert metric_rows(out) == [("Q01", "I_AVG", 96), ("Q01", "M_AVG", 94), ("Q01", "WORK_HOURS", 176)]


def test_a_field_over_the_csv_module_limit_is_read(book, tmp_path):
    note = "长" * 200_000  # > csv's default 128 KiB field limit, > an Excel cell's 32767 characters
    text = f'工号,指标代码,数值,备注\nQ01,I_AVG,96,"{note}"\nQ01,M_AVG,94,\n'
    out = tmp_path / "out.xlsx"
    code, stdout, _ = imported(book, write(tmp_path / "m.csv", text), out)
    assert code == 1 and not out.exists()
    assert "m.csv 第2行 / line 2（备注）" in stdout and "32767" in stdout
    assert csv.field_size_limit() == 131072  # the process-wide limit is put back
    # a long note that an Excel cell can hold is simply imported
    text = f'工号,指标代码,数值,备注\nQ01,I_AVG,96,"{"x" * 30000}"\n'
    assert imported(book, write(tmp_path / "m2.csv", text), out)[0] == 0


def test_unknown_encoding_is_a_usage_error_naming_the_ones_that_work(book, tmp_path):
    csv_path = write(tmp_path / "m.csv", body())
    for enc in ("bogus", "rot13"):
        code, stdout, err = imported(book, csv_path, tmp_path / "out.xlsx", "--encoding", enc)
        text = stdout + err
        assert code == 2 and not (tmp_path / "out.xlsx").exists()
        assert f"不认识的编码 “{enc}”" in text and f"Unknown encoding '{enc}'" in text
        assert "gb18030" in text and "utf-8" in text
    code, stdout, err = imported(book, csv_path, tmp_path / "out.xlsx", "--encoding", "ascii")
    assert code == 2 and "is not ascii-encoded" in stdout + err and "不是 ascii 编码" in stdout + err
    gbk = write(tmp_path / "gbk.csv", body(), encoding="gbk")
    assert imported(book, gbk, tmp_path / "out.xlsx", "--encoding", "gbk")[0] == 0


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_semicolon_and_tab_separated_exports_are_detected(book, tmp_path, sep):
    out = tmp_path / "out.xlsx"
    code, stdout, _ = imported(book, write(tmp_path / "m.csv", body(sep=sep, newline="\r\n")), out)
    assert code == 0, stdout
    assert len(metric_rows(out)) == 3


def test_excel_sep_line_is_honoured_and_lines_still_counted(book, tmp_path):
    text = "sep=;\n工号;指标代码;数值\nQ01;I_AVG;96\nQ99;M_AVG;94\n"
    out = tmp_path / "out.xlsx"
    code, stdout, _ = imported(book, write(tmp_path / "m.csv", text), out)
    assert code == 1 and not out.exists()
    assert "m.csv 第4行 / line 4（工号）" in stdout  # Q99 is on line 4 of the file
    code, stdout, _ = imported(book, write(tmp_path / "ok.csv", "sep=;\n工号;指标代码;数值\nQ01;I_AVG;96\n"), out)
    assert code == 0 and metric_rows(out) == [("Q01", "I_AVG", 96)]


def test_leading_blank_lines_are_skipped(book, tmp_path):
    text = "\r\n,,,\r\n工号,指标代码,数值\r\nQ01,I_AVG,96\r\nQ99,M_AVG,94\r\n"
    out = tmp_path / "out.xlsx"
    code, stdout, _ = imported(book, write(tmp_path / "m.csv", text), out)
    assert code == 1 and "m.csv 第5行 / line 5（工号）" in stdout
    code, stdout, _ = imported(book, write(tmp_path / "ok.csv", "\n\n工号,指标代码,数值\nQ01,I_AVG,96\n"), out)
    assert code == 0 and metric_rows(out) == [("Q01", "I_AVG", 96)]


def test_only_blank_lines_is_still_no_header(book, tmp_path):
    code, stdout, err = imported(book, write(tmp_path / "m.csv", "\n\n,,\n"), tmp_path / "out.xlsx")
    assert code == 2 and "no header row" in stdout + err


def test_unbalanced_quote_is_read_not_an_internal_error(book, tmp_path):
    code, stdout, err = imported(book, write(tmp_path / "m.csv", '工号,指标代码,数值,备注\nQ01,I_AVG,96,"open\n'),
                                 tmp_path / "out.xlsx")
    assert code in (0, 1, 2)


# --------------------------------------------------------------------------- team metrics


@pytest.fixture
def group_book(tmp_book):
    return tmp_book("gubang_group_rank", employees=load_demo("gubang_group_rank")["employees"])


TEAM_ROWS = [("服务一组", "GB_ITEM_1", "2"), ("服务二组", "GB_ITEM_1", "3")]


@pytest.mark.parametrize("header", ["小组", "小组/部门", "team", "Team", "部门"])
def test_documented_team_headers_are_accepted(group_book, tmp_path, header):
    text = f"工号,{header},指标代码,数值\n" + "".join(f",{t},{m},{v}\n" for t, m, v in TEAM_ROWS)
    out = tmp_path / "out.xlsx"
    code, stdout, _ = imported(group_book, write(tmp_path / "m.csv", text), out)
    assert code == 0, stdout
    assert "Unknown column header" not in stdout
    ws = load_workbook(out)["指标"]
    head = [c.value for c in ws[1]]
    team_col = head.index(next(h for h in head if h and "小组" in str(h)))
    teams = [r[team_col] for r in ws.iter_rows(min_row=2, values_only=True) if r[team_col]]
    assert teams[-2:] == ["服务一组", "服务二组"]


def test_a_row_with_neither_employee_nor_team_says_so(group_book, tmp_path):
    # the team column's header is not one kpixl knows, so both rows name nobody
    text = "工号,组名,指标代码,数值\n" + "".join(f",{t},{m},{v}\n" for t, m, v in TEAM_ROWS)
    out = tmp_path / "out.xlsx"
    code, stdout, _ = imported(group_book, write(tmp_path / "m.csv", text), out)
    assert code == 1 and not out.exists()
    assert "m.csv 第3行 / line 3（指标代码）" in stdout
    assert "本行既没有工号也没有小组/部门" in stdout and "neither an employee ID nor a team" in stdout
    assert " for  is already" not in stdout
