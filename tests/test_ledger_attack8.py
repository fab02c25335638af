"""Attack round 8 on the ledger: a re-close that drops people, scoring a closed month, appeal dates,
a busy ledger file, malformed periods, control characters in recorded texts.

Expected texts are written by hand from the messages' contract (what, where, how to fix it).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import cli, make_book

S4 = "kefu_fines"
K1_FINE = {"date": "2026-09-03", "employee": "K1", "rule": "FINE_PRIVATE_CALL"}


def s4_book(tmp_path: Path, name: str, ids=("K1", "K2"), events=(K1_FINE,)) -> Path:
    emps = [{"id": k, "name": k, "role": "客服"} for k in ids]
    return make_book(tmp_path / name, S4, "2026-09", employees=emps, events=list(events))


def closes(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT period, version, reason, employees FROM kpixl_close ORDER BY id").fetchall()


# ------------------------------------------------------------------- 1. a re-close that drops someone


def test_a_reclose_that_drops_an_employee_is_refused_until_they_are_named(tmp_path):
    both = s4_book(tmp_path, "2026-09.xlsx")
    assert cli("close", both, "--by", "王")[0] == 0
    only_k1 = s4_book(tmp_path, "2026-09b.xlsx", ids=("K1",))
    code, out, err = cli("close", only_k1, "--by", "王", "--reason", "申诉更正 appeal correction")
    assert code == 1 and out == ""
    assert err.startswith("账本 2026-09 v1 / ledger 2026-09 v1  [错误 error]\n")
    assert "重新关账会把 1 名员工从 2026-09 中移除：K2。" in err
    assert "Closing again would remove 1 employee(s) from 2026-09: K2. They are in v1 but not on this workbook's " \
           "Employees sheet; nothing was closed." in err
    assert "close again with --drop ID for each" in err
    assert closes(tmp_path / "kpixl.db") == [("2026-09", 1, "", 2)]  # nothing recorded
    # naming someone who is not dropped is a usage error
    code, _, err = cli("close", only_k1, "--reason", "x", "--drop", "K2", "--drop", "K1")
    assert code == 2 and "--drop K1" in err and "are not." in err
    assert len(closes(tmp_path / "kpixl.db")) == 1
    # acknowledged: closed, said on the output and recorded with the reason
    code, out, err = cli("close", only_k1, "--by", "王", "--reason", "申诉更正 appeal correction", "--drop", "K2")
    assert code == 0, err
    assert out.splitlines()[1] == ("  不再在本月 no longer in 2026-09: K2 （在 v1 中，本版本没有 / in v1, not in this "
                                   "version; --drop）")
    assert closes(tmp_path / "kpixl.db")[1] == ("2026-09", 2, "申诉更正 appeal correction · 移除 dropped (v1): K2", 1)
    code, out, _ = cli("ledger", "periods", "--ledger", tmp_path / "kpixl.db")
    assert code == 0 and out.splitlines()[1].endswith("原因 reason: 申诉更正 appeal correction · 移除 dropped (v1): K2")


def test_ledger_show_of_a_dropped_employee_ends_with_the_version_that_dropped_them(tmp_path):
    # it listed K2's v1 figures alone, as if they were still the month's
    assert cli("close", s4_book(tmp_path, "2026-09.xlsx"), "--by", "王")[0] == 0
    only_k1 = s4_book(tmp_path, "2026-09b.xlsx", ids=("K1",))
    assert cli("close", only_k1, "--by", "王", "--reason", "K2 调岗 moved", "--drop", "K2")[0] == 0
    db = tmp_path / "kpixl.db"
    for extra in ((), ("--period", "2026-09")):
        code, out, _ = cli("ledger", "show", "K2", "--ledger", db, *extra)
        heads = [line for line in out.splitlines() if not line.startswith("    ")]
        assert code == 0 and [h.split(" · ")[2].split()[:2] for h in heads] == [["2026-09", "v1"], ["2026-09", "v2"]]
        assert heads[1].endswith("原因 why: K2 调岗 moved · 移除 dropped (v1): K2")
        assert out.splitlines()[-1] == ("    不在本版本：已从 2026-09 移除（--drop），之前版本的数字已被取代 / not in this "
                                        "version: dropped from 2026-09 (--drop); the figures of the earlier versions are "
                                        "superseded")
    code, out, _ = cli("ledger", "show", "K1", "--ledger", db)
    assert code == 0 and "不在本版本" not in out and sum(" · 2026-09 v" in line for line in out.splitlines()) == 2


# ------------------------------------------------------------------- 2. scoring a month already closed


def _statement_ledger_line(report: Path) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(report, read_only=True)
    for row in wb["考核单"].iter_rows(values_only=True):
        for cell in row:
            if isinstance(cell, str) and "账本版本 Ledger" in cell:
                return cell.split("账本版本 Ledger：", 1)[1]
    raise AssertionError("no ledger line on the statements")


def test_the_nightly_report_of_a_closed_month_says_closed_on_its_statements(tmp_path):
    # the nightly job read the ledger beside the books but wrote "未结账 not closed" on every statement
    books = tmp_path / "books"
    books.mkdir()
    closed = s4_book(books, "2026-09.xlsx")
    assert cli("close", closed, "--by", "王")[0] == 0
    code, out, err = cli("nightly", books, "--out", tmp_path / "out")
    assert code == 0, out + err
    report = tmp_path / "out" / "2026-09.report.xlsx"
    assert _statement_ledger_line(report) == "已关账 closed v1（本单即账本数字 = the ledger's figures）"


def test_scoring_a_closed_month_from_a_changed_workbook_says_so_and_the_statement_tells_the_truth(tmp_path):
    closed = s4_book(tmp_path, "2026-09.xlsx")
    assert cli("close", closed, "--by", "王")[0] == 0
    # the same workbook: no warning; the statements say closed v1 and that these are the closed figures
    code, _, err = cli("score", closed)
    assert code == 0 and "ledger 2026-09 v1" not in err
    code, out, err = cli("report", closed, "-o", tmp_path / "same.xlsx")
    assert code == 0, err
    assert "账本 ledger: 2026-09 已关账 closed v1；这些数字与账本一致 / these are the closed figures" in err
    assert _statement_ledger_line(tmp_path / "same.xlsx") == "已关账 closed v1（本单即账本数字 = the ledger's figures）"
    # K2 now also has a fine (a flag): the figures differ from v1
    changed = s4_book(tmp_path, "2026-09-new.xlsx",
                      events=(K1_FINE, {"date": "2026-09-04", "employee": "K2", "rule": "FINE_PRIVATE_CALL"}))
    code, _, err = cli("score", changed)
    assert code == 0  # a warning: preparing a correction before the re-close is the normal way
    assert "\n账本 2026-09 v1 / ledger 2026-09 v1  [警告]\n    2026-09 已于 " in err
    assert "由 王 关账（v1）；工作簿与关账时的不同，1 名员工的数字与已关账的不同：K2。这里显示的不是账本中的数字。" in err
    code, _, err = cli("score", changed, "--lang", "en")
    assert "the workbook differs from the one closed, and 1 employee(s)' figures differ from the closed ones: K2. " \
           "The figures shown here are not the ledger's." in err
    assert "kpixl close --reason" in err
    code, _, err = cli("explain", changed, "K2")
    assert code == 0 and "员工 K2 的数字与账本不同 / employee K2's figures differ from the closed ones" in err
    code, _, err = cli("report", changed, "-o", tmp_path / "changed.xlsx")
    assert code == 0 and "The figures shown here are not the ledger's." in err
    assert _statement_ledger_line(tmp_path / "changed.xlsx") == "已关账 closed v1（本单数字与账本不同 NOT the closed figures）"


# ------------------------------------------------------------------- 3. appeal filing dates


@pytest.mark.parametrize(("filed", "code", "says"), [
    ("2026-08-31", 2, "The appeal filing date 2026-08-31 is before 2026-09 begins (2026-09-01)."),
    # judged against the period (2026-09 ends 2026-09-30), never the clock: 366 days later is the last
    ("2027-10-02", 2, "The appeal filing date 2027-10-02 is more than a year after 2026-09 ends (at the latest 2027-10-01)"),
    ("2099-01-01", 2, "The appeal filing date 2099-01-01 is more than a year after 2026-09 ends"),
    ("soon", 2, "argument --filed: “soon” 不是日期，应写成 2026-10-05 / 'soon' is not a date: write it as 2026-10-05"),
    ("2026-02-30", 2, "'2026-02-30' is not a date"),
])
def test_implausible_appeal_filing_dates_are_usage_errors(tmp_path, filed, code, says):
    book = s4_book(tmp_path, "2026-09.xlsx")
    assert cli("close", book)[0] == 0
    got, out, err = cli("close", book, "--reason", "upheld", "--appeal", "AP-1", "--filed", filed)
    assert (got, out) == (code, "") and says in err and "Traceback" not in err
    assert len(closes(tmp_path / "kpixl.db")) == 1


def test_filed_needs_an_appeal_and_a_filing_inside_the_month_is_allowed(tmp_path):
    book = s4_book(tmp_path, "2026-09.xlsx")
    assert cli("close", book)[0] == 0
    code, _, err = cli("close", book, "--reason", "x", "--filed", "2026-10-02")
    assert code == 2 and "--filed is an appeal's filing date, but no --appeal was given." in err
    # filed Mon 28 Sep 2026 (an S14 APPEAL inside the month), upheld after the close: due Mon 5 Oct
    code, out, err = cli("close", book, "--reason", "x", "--appeal", "AP-2", "--filed", "2026-09-28")
    assert code == 0, err
    assert out.splitlines()[1] == "  申诉 appeal AP-2: 答复期限 reply due 2026-10-05 (R-GB-11)"


# ------------------------------------------------------------------- 4. a busy ledger file


def test_a_ledger_locked_by_another_process_is_busy_not_junk(tmp_path, monkeypatch):
    book = s4_book(tmp_path, "2026-09.xlsx")
    db = tmp_path / "kpixl.db"
    assert cli("close", book)[0] == 0
    monkeypatch.setenv("KPIXL_LEDGER_TIMEOUT", "0.2")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # a backup or another program holds the file
    try:
        for args in (("ledger", "periods", "--ledger", db), ("ledger", "show", "K1", "--ledger", db),
                     ("score", book), ("close", book, "--reason", "again")):
            code, out, err = cli(*args)
            assert code == 2, (args, err)
            assert err == (f"{db}  [错误 error]\n    账本 {db} 正被另一个进程占用（等待 0.2 秒后仍被锁定），未读取也未写入。 "
                           "修正：等另一个关账、备份或打开账本的程序结束后重试（设置 KPIXL_LEDGER_TIMEOUT=秒数 可等待更久）。\n"
                           f"    The ledger {db} is locked by another process (still locked after waiting 0.2 s); nothing "
                           "was read or written. Fix: Retry when the other close, backup or program holding the ledger "
                           "has finished (KPIXL_LEDGER_TIMEOUT=SECONDS waits longer).\n"), args
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert cli("ledger", "periods", "--ledger", db)[0] == 0  # free again: it works


# ------------------------------------------------------------------- 5. malformed periods


@pytest.mark.parametrize("args", [("ledger", "show", "K1", "--period", "garbage"), ("ledger", "diff", "garbage"),
                                  ("ledger", "diff", "2026-13")])
def test_a_malformed_period_is_a_usage_error(tmp_path, args):
    book = s4_book(tmp_path, "2026-09.xlsx")
    assert cli("close", book)[0] == 0
    code, out, err = cli(*args, "--ledger", tmp_path / "kpixl.db")
    bad = args[-1]
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].endswith(f"考核期 “{bad}” 无效，应写成月份 2026-03 或季度 2026-Q1 / invalid period '{bad}': "
                                         "write a month (2026-03) or a quarter (2026-Q1)")


def test_periods_are_read_in_any_accepted_form_and_versions_are_checked(tmp_path):
    book = s4_book(tmp_path, "2026-09.xlsx")
    db = tmp_path / "kpixl.db"
    assert cli("close", book)[0] == 0
    code, out, _ = cli("ledger", "show", "K1", "--ledger", db, "--period", "2026年9月")
    assert code == 0 and out.startswith("K1 K1 · kefu_fines/- · 2026-09 v1  ")
    code, _, err = cli("ledger", "show", "K1", "--ledger", db, "--period", "2026-10")
    assert code == 1 and err == ("账本中没有员工 K1 在 2026-10 的记录 / employee K1 has no record for 2026-10 in the ledger "
                                 "(kpixl ledger periods lists the closed months)\n")
    code, _, err = cli("ledger", "diff", "2026-09", "--v1", "0", "--ledger", db)
    assert code == 2 and "invalid version '0': write 1, 2, 3" in err
    code, _, err = cli("close", book, "--period", "garbage")
    assert code == 2 and "invalid period 'garbage'" in err


# ------------------------------------------------------------------- 6. control characters in recorded texts


@pytest.mark.parametrize(("option", "text", "shown"), [
    ("--reason", "第一行\n第二行", "\\n"), ("--by", "王\x1b[31m", "\\x1b"), ("--reason", "a\tb", "\\t"),
    ("--appeal", "AP\u202e7", "\\u202e"), ("--by", "李\r", "\\r")])
def test_control_characters_in_recorded_texts_are_usage_errors(tmp_path, option, text, shown):
    book = s4_book(tmp_path, "2026-09.xlsx")
    assert cli("close", book)[0] == 0
    extra = () if option == "--reason" else ("--reason", "x")
    code, out, err = cli("close", book, *extra, option, text)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].endswith(
        f"argument {option}: 含有控制字符 {shown}（换行、制表符等），账本记录必须是一行文字；请去掉后重新输入 / contains "
        f"control characters {shown} (a line break, tab ...); the ledger records {option} as one line of text: type it "
        "again without them")
    assert len(closes(tmp_path / "kpixl.db")) == 1


def test_a_stored_text_with_a_line_break_is_shown_escaped_on_one_line(tmp_path):
    book = s4_book(tmp_path, "2026-09.xlsx")
    db = tmp_path / "kpixl.db"
    assert cli("close", book, "--by", "王")[0] == 0
    with sqlite3.connect(db) as conn:  # written by another tool
        conn.execute("UPDATE kpixl_close SET closed_by = 'a\nb', reason = 'x\x1b[2Jy'")
    code, out, _ = cli("ledger", "periods", "--ledger", db)
    assert code == 0 and len(out.splitlines()) == 1
    assert out.rstrip("\n").endswith("  a\\nb  2 名员工 employees  原因 reason: x\\x1b[2Jy")
    code, out, _ = cli("ledger", "show", "K1", "--ledger", db)
    assert code == 0 and out.splitlines()[0].endswith("关账人 by a\\nb  原因 why: x\\x1b[2Jy")


def test_an_employee_withheld_on_a_closed_month_is_not_counted_as_differing(tmp_path):
    # K2's new row has an unreadable quantity: K2 is withheld (an error at the cell). K1's figures are
    # the closed ones, so there is no "figures differ" warning; before, it named K2 as differing.
    closed = s4_book(tmp_path, "2026-09.xlsx")
    assert cli("close", closed, "--by", "王")[0] == 0
    bad = s4_book(tmp_path, "2026-09-new.xlsx",
                  events=(K1_FINE, {"date": "2026-09-04", "employee": "K2", "rule": "FINE_PRIVATE_CALL", "qty": "abc"}))
    code, out, err = cli("score", bad)
    assert code == 1 and "事件!D3" in err
    assert "ledger 2026-09 v1" not in err and "账本 2026-09 v1" not in err


def test_a_rehired_employee_s_ledger_months_before_the_hire_date_are_left_out_with_a_warning(tmp_path):
    # K1 worked in September (closed: a private call, 通告批评, and 50,000 of sales), left and was re-hired on
    # 2026-10-01. "Since hire" (R-KF-8) excludes September, and the clerk cannot edit the ledger's rows: before,
    # they were before_hire errors at the ledger's close and K1 was withheld. October's private call is the
    # year's 1st occurrence of K1's employment on record from the hire date: 通告批评, no 50 元 (R-KF-1); 20,000
    # of sales since hire < 60,000: no 转正.
    sep = make_book(tmp_path / "2026-09.xlsx", S4, "2026-09", employees=[{"id": "K1", "name": "K1", "role": "客服"}],
                    events=[K1_FINE], metrics=[{"employee": "K1", "metric": "SALES", "value": 50000}])
    assert cli("close", sep, "--by", "王")[0] == 0
    octo = make_book(tmp_path / "2026-10.xlsx", S4, "2026-10",
                     employees=[{"id": "K1", "name": "K1", "role": "客服", "hire_date": "2026-10-01"}],
                     events=[{"date": "2026-10-05", "employee": "K1", "rule": "FINE_PRIVATE_CALL"}],
                     metrics=[{"employee": "K1", "metric": "SALES", "value": 20000}])
    code, out, err = cli("score", octo, "--json")
    assert code == 0, err
    import json

    (k1,) = json.loads(out)
    assert k1["status"] == "ok" and k1["money"]["deductions"] == 0
    assert [(f["code"], f["params"]) for f in k1["flags"]] == [("FINE_PRIVATE_CALL", {"occurrence": 1})]
    (w,) = [w for w in k1["warnings"] if w["code"] == "ledger_before_hire"]
    code, _, err = cli("score", octo)
    assert code == 0
    assert "员工!F2 / Employees!F2  [警告]\n    账本中员工 K1 在 2026-09 的记录早于入职日期 2026-10-01" in err
    assert "[错误]" not in err


def test_kpi_status_in_a_closed_month_names_the_employee_whose_figures_are_not_the_closed_ones(tmp_path):
    # the UDFs read the ledger's earlier months but never compared a closed month: =KPI_STATUS said
    # "ok" for K2 while K2's figures in the workbook were not the closed v1's
    from kpixl.xl import service, udfs

    closed = s4_book(tmp_path, "2026-09.xlsx")
    assert cli("close", closed, "--by", "王")[0] == 0
    service.clear_cache()
    assert udfs.KPI_STATUS("K2", str(closed)) == "ok"  # the closed workbook itself: the closed figures
    changed = s4_book(tmp_path, "2026-09-new.xlsx",
                      events=(K1_FINE, {"date": "2026-09-04", "employee": "K2", "rule": "FINE_PRIVATE_CALL"}))
    service.clear_cache()
    assert udfs.KPI_STATUS("K1", str(changed)) == "ok"  # K1's figures are the closed ones
    assert udfs.KPI_STATUS("K2", str(changed)) == ("ok · 与已关账 v1 的数字不同 / differs from closed v1 "
                                                    "(kpixl ledger show K2 --period 2026-09)")


def test_an_id_whose_name_differs_from_the_ledgers_is_a_warning_at_the_name(tmp_path):
    # the ledger holds K1 = 张 with one FINE_PRIVATE_CALL in September (occurrence 1: 通告批评, 0 元);
    # in October K1 is 李 (the ID given to a new hire): kpixl counts September for 李 too, so 李's
    # first private call is occurrence 2 = 50 元 (R-KF-1/R-KF-4). That is right only for the same
    # person: a warning at 员工!B2 names both, and a name differing in spaces only is no warning.
    def book(name: str, per: str, events) -> Path:
        return make_book(tmp_path / f"{per}-{name}.xlsx", S4, per, employees=[{"id": "K1", "name": name, "role": "客服"}],
                         events=events)

    assert cli("close", book("张", "2026-09", [K1_FINE]), "--by", "王")[0] == 0
    fine = [{"date": "2026-10-05", "employee": "K1", "rule": "FINE_PRIVATE_CALL"}]
    code, out, err = cli("score", book("李", "2026-10", fine), "--json", "--compact")
    assert code == 0
    (emp,) = json.loads(out)
    assert emp["outputs"]["money.deductions"] == 50
    (w,) = [w for w in emp["warnings"] if w["code"] == "ledger_name_differs"]
    assert w["where"] == "员工!B2 / Employees!B2"
    assert "'张' in the ledger (closed 2026-09) and '李' in this workbook" in w["message_en"]
    code, out, _ = cli("score", book(" 张 ", "2026-10", fine), "--json", "--compact")
    assert code == 0 and "ledger_name_differs" not in out
