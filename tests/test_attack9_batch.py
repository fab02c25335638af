"""Attack round 9 (F4-F6): nightly report names, the statement header, messages and exit codes."""

from __future__ import annotations

import io
import json
import shutil

from conftest import ROOT, cli, make_book
from openpyxl import load_workbook

from kpixl.batch import process_workbook, run_nightly

DEMOS = ROOT / "workbook_templates" / "demo"
DEMO = DEMOS / "weikang_100_demo.xlsx"  # PERIOD 2026-10
FINES = DEMOS / "kefu_fines_demo.xlsx"
REWARD = DEMOS / "cs_reward_pct_demo.xlsx"


def names(out) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*.report.xlsx"))


# ----------------------------------------------------------------------------- F4 report names


def test_a_books_report_name_is_its_own_path_whatever_else_is_in_the_run(tmp_path):
    books, out = tmp_path / "books", tmp_path / "out"
    (books / "B").mkdir(parents=True)
    shutil.copy(DEMO, books / "2026-10.xlsx")  # department A
    shutil.copy(FINES, books / "B" / "2026-10.xlsx")  # department B, the same file name
    assert run_nightly([books], out, stream=io.StringIO()).exit_code == 0
    assert names(out) == ["2026-10.report.xlsx", "B/2026-10.report.xlsx"]
    a_before = (out / "2026-10.report.xlsx").read_bytes()
    (books / "2026-10.xlsx").unlink()  # night 2: A's book is withdrawn
    text = io.StringIO()
    assert run_nightly([books], out, stream=text).exit_code == 0
    assert f"-> {out / 'B' / '2026-10.report.xlsx'}" in text.getvalue()
    assert (out / "2026-10.report.xlsx").read_bytes() == a_before  # B never lands on A's name
    assert load_workbook(out / "B" / "2026-10.report.xlsx")["考核单"]["A3"].value.startswith("方案 Scheme：客服部制度")


def test_the_order_of_nested_inputs_does_not_change_a_name(tmp_path):
    books = tmp_path / "books"
    (books / "B").mkdir(parents=True)
    shutil.copy(DEMO, books / "2026-10.xlsx")
    shutil.copy(FINES, books / "B" / "2026-10.xlsx")
    for k, order in enumerate(([books, books / "B"], [books / "B", books])):
        out = tmp_path / f"out{k}"
        summary = run_nightly(order, out, stream=io.StringIO())
        assert summary.exit_code == 0 and len(summary.outcomes) == 2
        assert names(out) == ["2026-10.report.xlsx", "B/2026-10.report.xlsx"]


def test_two_books_with_one_report_name_are_both_refused(tmp_path):
    for d, src in (("d1", DEMO), ("d2", FINES)):
        (tmp_path / d).mkdir()
        shutil.copy(src, tmp_path / d / "2026-10.xlsx")
    for k, order in enumerate((["d1", "d2"], ["d2", "d1"])):
        out = tmp_path / f"out{k}"
        text = io.StringIO()
        summary = run_nightly([tmp_path / d for d in order], out, stream=text)
        assert summary.exit_code == 1
        assert [o.status for o in summary.outcomes] == ["failed", "failed"]
        assert all(o.report == "" and "neither is written" in o.message and "都未写入" in o.message
                   for o in summary.outcomes)
        assert names(out) == []


# ----------------------------------------------------------------------------- F5 statement header


def _statement_head(report, employee_id: str) -> tuple[str, list[str]]:
    ws = load_workbook(report)["考核单"]
    col = [r[0] for r in ws.iter_rows(values_only=True)]
    start = next(i for i, v in enumerate(col) if isinstance(v, str) and v.startswith("考核单") and v.endswith(employee_id))
    end = next(i for i in range(start, len(col)) if isinstance(col[i], str) and col[i].startswith("方案 Scheme"))
    return col[start], col[start + 1:end]


def test_the_statement_header_shows_every_field_and_the_id(tmp_path):
    long_name = "长" * 300
    emps = [{"id": "E1", "name": "欧阳娜娜", "role": "高级客服专员（兼职培训师）",
             "department": "华南大区广州分公司客户服务中心网络客服部", "team": "第三小组（夜班）"},
            {"id": "E4", "name": long_name, "role": "客服", "department": "客服部", "team": "T1"}]
    book = make_book(tmp_path / "2026-10.xlsx", "service_norms_100", employees=emps,
                     events=[{"date": "2026-10-01", "employee": "E1", "rule": "SN01_TONE", "qty": 1}])
    code, _, err = cli("report", book, "-o", tmp_path / "r.xlsx")
    assert code == 0, err
    title, lines = _statement_head(tmp_path / "r.xlsx", "E1")
    text = "".join(lines)
    for field in ("姓名 Name：欧阳娜娜", "工号 ID：E1", "岗位 Role：高级客服专员（兼职培训师）",
                  "部门 Department：华南大区广州分公司客户服务中心网络客服部", "小组 Team：第三小组（夜班）"):
        assert field in text
    assert not any(line.endswith("…") for line in lines)
    title, lines = _statement_head(tmp_path / "r.xlsx", "E4")  # the title ends with the ID, whole
    assert title.endswith(" E4")
    assert long_name in "".join(lines) and "工号 ID：E4" in "".join(lines) and "小组 Team：T1" in "".join(lines)


# ----------------------------------------------------------------------------- F6 messages and codes


def test_argparse_usage_errors_are_bilingual(tmp_path):
    code, _, err = cli("explain", DEMO)
    assert code == 2 and "缺少必需的参数" in err and "the following arguments are required: employee_id" in err
    code, _, err = cli("score", DEMO, "extra")
    assert code == 2 and "无法识别的参数：extra" in err and "unrecognized arguments: extra" in err
    code, _, err = cli("bogus")
    assert code == 2 and "取值 'bogus' 无效" in err and "invalid choice: 'bogus'" in err
    assert "Traceback" not in err


def test_nightly_out_an_existing_file_is_a_usage_error(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, text, err = cli("nightly", DEMO, "--out", afile)
    assert code == 2
    assert "是一个文件，不是文件夹" in text and "is a file, not a folder" in text
    assert "nightly.log" not in text and "no log written" in text
    assert afile.read_text() == "x"


def test_nightly_unknown_scheme_stops_before_any_book(tmp_path):
    out = tmp_path / "out"
    code, text, err = cli("nightly", DEMO, "--out", out, "--scheme", "nosuch")
    assert code == 2
    assert "nosuch" in err and "No scheme named" in err and "找不到方案" in err
    assert "FAIL" not in text and not out.exists()


def test_a_report_that_cannot_be_written_keeps_the_scored_counts(tmp_path):
    out = tmp_path / "out"
    (out / "weikang_100_demo.report.xlsx").mkdir(parents=True)  # a folder where the report goes
    code, text, _ = cli("nightly", DEMO, "--out", out)
    assert code == 1
    entry = json.loads((out / "nightly.log").read_text(encoding="utf-8").splitlines()[-1])
    assert entry["status"] == "failed" and entry["report"] == ""
    assert entry["employees"] > 0 and entry["scored"] == entry["employees"]
    assert f"scored {entry['scored']}/{entry['employees']}" in entry["message"]
    assert "report was not written" in entry["message"] and "报表未写入" in entry["message"]
    assert f"{entry['scored']}/{entry['employees']} scored" in text


def test_out_of_period_counts_weeks_of_another_month(tmp_path):
    book = tmp_path / "2026-11.xlsx"  # October's book copied as November: its weeks are October's
    shutil.copy(REWARD, book)
    wb = load_workbook(book)
    ws = wb["参数"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "PERIOD":
            row[2].value = "2026-11"
    wb.save(book)
    o = process_workbook(str(book), str(tmp_path / "r.xlsx"))
    from kpixl.core.engine import score
    from kpixl.workbook.read import read_workbook

    warnings = score(*read_workbook(str(book))).warnings
    weeks = sum(w.code == "week_of_another_month" for w in warnings)
    dated = sum(w.code == "outside_period" for w in warnings)
    assert weeks > 0
    assert o.out_of_period == weeks + dated


def test_a_line_break_in_a_name_is_shown_escaped_in_the_terminal(tmp_path):
    emps = [{"id": "E3", "name": "丙\n第二行", "role": "客服", "department": "客服部", "team": "T1"}]
    book = make_book(tmp_path / "2026-10.xlsx", "service_norms_100", employees=emps)
    for args in (("report", book, "-o", tmp_path / "r.xlsx"), ("score", book)):
        code, text, err = cli(*args)
        assert code == 0, err
        assert "丙\\n第二行" in text
        assert not any(line.startswith("第二行") for line in text.splitlines())


def test_the_issues_sheet_names_the_employee_of_a_bad_event_cell(tmp_path):
    emps = [{"id": "A1", "name": "甲", "role": "客服", "department": "客服部"}]
    book = make_book(tmp_path / "2026-10.xlsx", "weikang_100", employees=emps,
                     events=[{"date": "2026-10-13", "employee": "A1", "rule": "BON_OVERTIME", "qty": "三"}],
                     metrics=[{"employee": "A1", "metric": "LEAVE_DAYS", "value": 0}],
                     parameters={"LEARNING_ACTIVITIES_HELD": 0})
    code, _, _ = cli("report", book, "-o", tmp_path / "r.xlsx")
    assert code == 1
    rows = list(load_workbook(tmp_path / "r.xlsx")["问题"].iter_rows(min_row=2, values_only=True))
    bad = [r for r in rows if str(r[0]).startswith("事件!D2")]
    assert bad and all(r[2] == "A1" for r in bad)


def test_money_lines_have_one_sign_convention_labelled(tmp_path):
    code, _, err = cli("report", FINES, "-o", tmp_path / "r.xlsx")
    assert code in (0, 1), err
    wb = load_workbook(tmp_path / "r.xlsx")
    statement = [r for r in wb["考核单"].iter_rows(values_only=True) if r[0] == "FINE_PRIVATE_CALL"]
    detail = [r for r in wb["明细"].iter_rows(values_only=True) if r[1] == "FINE_PRIVATE_CALL"]
    assert statement and detail
    assert statement[0][7] == detail[0][9] > 0  # the same unsigned amount on both sheets
    assert statement[0][1].startswith("扣款 Deduction：")
    assert detail[0][2] == "扣款 Deduction"


def test_a_flag_on_the_statement_wraps_instead_of_being_cut(tmp_path):
    # The flag's item cell had the flag colours without wrapping: "客服部通告批评 / Department public
    # criticism（FINE_DUP_INVITE）" was cut at the Source column on the printed statement.
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    assert cli("report", ROOT / "workbook_templates" / "demo" / "kefu_fines_demo.xlsx", "-o", out)[0] in (0, 1)
    wb = load_workbook(out)
    ws = next(wb[n] for n in wb.sheetnames if n.startswith("考核单"))
    flags = [row for row in ws.iter_rows(min_col=1, max_col=2) if row[0].value == "标记 Flag"]
    assert flags and all(row[1].alignment.wrap_text for row in flags)
    assert all(ws.row_dimensions[row[0].row].height >= 27 for row in flags if len(row[1].value) > 40)
