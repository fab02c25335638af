"""Attack E on the ledger: two months of one chain closed at once (F2), and the audit marks and
messages of a corrected chain (F7).

Expected values are computed by hand from SCHEMES.md (S4 R-KF-1: FINE_AFTERSALES_MISS 100 / 200 / 300
per occurrence of the calendar year).
"""

from __future__ import annotations

import pytest
from test_ledger_stores import pg_server, store  # noqa: F401 (fixtures)

from kpixl.demo import as_dates
from kpixl.ledger import close_book, open_ledger, score_month
from kpixl.ledger.store import LedgerConflict
from kpixl.workbook.read import inputs_from_records

MISS = "FINE_AFTERSALES_MISS"


def s4_month(period: str):
    emps = [{"id": "A", "name": "A", "role": "客服", "department": "招生部", "hire_date": "2025-01-01"}]
    return inputs_from_records("kefu_fines", period, employees=emps,
                               events=as_dates([{"date": f"{period}-05", "employee": "A", "rule": MISS}]))


@pytest.fixture
def ledger(store):  # noqa: F811 (the SQLite and PostgreSQL stores of test_ledger_stores)
    return store


def other_connection(ledger):
    return open_ledger(ledger.url, create=False)


# ------------------------------------------------------------------------------- F2 two months at once


def test_a_close_whose_earlier_month_was_closed_meanwhile_is_refused(ledger):
    # January closed. March's close reads the ledger (January only: occurrence 2, 200 元); February is
    # closed by another clerk before March's close commits. March's figure would miss February
    # (occurrence 3 is 300 元), so March is refused and nothing of it is recorded.
    close_book(ledger, *s4_month("2027-01"), "qa")
    scheme, raw = s4_month("2027-03")
    scored = score_month(ledger, scheme, raw)
    assert scored[0].value("A", "money.deductions") == 200  # what March read: January only
    clerk = other_connection(ledger)
    try:
        close_book(clerk, *s4_month("2027-02"), "clerk-feb")
    finally:
        clerk.close()
    with pytest.raises(LedgerConflict) as caught:
        close_book(ledger, scheme, raw, "clerk-mar", scored=scored)
    first = caught.value.problems[0]
    assert first.code == "close_read_changed"
    assert "2027-02" in first.zh and "Another close changed 2027-02 while this one ran" in first.en
    assert "Run the close again" in first.fix_en and "再运行一次关账" in first.fix_zh
    assert [r[0] for r in ledger.execute("SELECT period FROM kpixl_close ORDER BY id")] == ["2027-01", "2027-02"]
    # run again, it reads February: occurrence 3
    _closed, result = close_book(ledger, *s4_month("2027-03"), "clerk-mar")
    assert result.value("A", "money.deductions") == 300


def test_a_close_whose_month_read_was_closed_again_meanwhile_is_refused(ledger):
    # February v1 read by March's close; February v2 (a correction) commits first: refused.
    close_book(ledger, *s4_month("2027-01"), "qa")
    close_book(ledger, *s4_month("2027-02"), "qa")
    scheme, raw = s4_month("2027-03")
    scored = score_month(ledger, scheme, raw)
    clerk = other_connection(ledger)
    try:
        close_book(clerk, *s4_month("2027-02"), "clerk-feb", reason="更正 correction")
    finally:
        clerk.close()
    with pytest.raises(LedgerConflict) as caught:
        close_book(ledger, scheme, raw, "clerk-mar", scored=scored)
    assert caught.value.problems[0].code == "close_read_changed" and "2027-02" in caught.value.problems[0].en


def test_a_close_of_another_chain_meanwhile_does_not_refuse(ledger):
    close_book(ledger, *s4_month("2027-01"), "qa")
    scheme, raw = s4_month("2027-02")
    scored = score_month(ledger, scheme, raw)
    clerk = other_connection(ledger)
    try:
        close_book(clerk, *s4_month("2027-01"), "other", key="kefu_fines/质检部", explicit=True)
    finally:
        clerk.close()
    closed, _ = close_book(ledger, scheme, raw, "qa", scored=scored)
    assert (closed.period, closed.version) == ("2027-02", 1)


def test_cli_february_and_march_closed_at_once_never_both_succeed_silently(tmp_path):
    # two processes: March's close sleeps inside its transaction only after it read the ledger; February
    # starts while March waits. Whichever order they commit in, March's recorded figure counts February,
    # or March is refused with exit 1 and a bilingual message (never both 0 with March at 200 元).
    import os
    import subprocess
    import sys

    from conftest import ROOT, cli, make_book

    emps = [{"id": "A", "name": "A", "role": "客服", "department": "招生部", "hire_date": "2025-01-01"}]

    def book(period):
        return make_book(tmp_path / f"{period}.xlsx", "kefu_fines", period, employees=emps,
                         events=[{"date": f"{period}-05", "employee": "A", "rule": MISS}])

    db = tmp_path / "kpixl.db"
    assert cli("close", book("2027-01"), "--ledger", db, "--by", "qa")[0] == 0
    feb, mar = book("2027-02"), book("2027-03")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def proc(path, sleep):
        return subprocess.Popen([sys.executable, "-m", "kpixl.cli", "close", str(path), "--ledger", str(db), "--by", "x"],
                                env={**env, "KPIXL_TEST_CLOSE_SLEEP": sleep}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    # March reads January, then waits for the write lock that February (sleeping inside it) holds
    p_feb = proc(feb, "3")
    import time

    deadline = time.time() + 60
    while time.time() < deadline and not (tmp_path / "kpixl.db-journal").exists():
        time.sleep(0.02)  # February is inside its transaction
    p_mar = proc(mar, "0")
    out_feb, err_feb = p_feb.communicate(timeout=120)
    out_mar, err_mar = p_mar.communicate(timeout=120)
    assert p_feb.returncode == 0, err_feb
    if p_mar.returncode == 0:  # March read the ledger after February committed
        code, out, _ = cli("ledger", "show", "A", "--period", "2027-03", "--ledger", db)
        assert "money.deductions = 300" in out
    else:
        assert p_mar.returncode == 1 and "Traceback" not in err_mar and out_mar == ""
        assert "另一个关账更改了2027-02" in err_mar and "Another close changed 2027-02 while this one ran" in err_mar


# ------------------------------------------------------------------------------- F7 a corrected chain


def corrected_chain(tmp_path):
    """S15 (R-G-10: a month reads the month before): January-April closed, then February corrected."""
    from test_ledger_chain import close, s15_book

    for per in ("2027-01", "2027-02", "2027-03", "2027-04"):
        close(s15_book(tmp_path, per, 16))
    out = close(s15_book(tmp_path, "2027-02", 14, name="2027-02-v2.xlsx"), "--reason", "2月转化率更正为14%")
    assert "affected: 2027-03 v1, 2027-04 v1" in out


def test_periods_marks_every_month_the_correction_affects(tmp_path):
    from conftest import cli

    corrected_chain(tmp_path)
    code, out, _ = cli("ledger", "periods", "--ledger", tmp_path / "kpixl.db")
    lines = {line.split()[1] + " " + line.split()[2]: line for line in out.splitlines()}
    assert code == 0 and "受影响 affected" not in lines["2027-01 v1"] + lines["2027-02 v1"] + lines["2027-02 v2"]
    assert lines["2027-03 v1"].endswith("受影响 affected: 读取了被取代的 read superseded 2027-02 v1")
    # April read March v1, which read February v1: the close listed it, scoring April withholds it
    assert lines["2027-04 v1"].endswith("受影响 affected: 读取了被取代的 read superseded 2027-02 v1 "
                                        "(经由 through 2027-03 v1)")


def test_report_of_a_closed_month_withheld_whole_does_not_say_its_figures_are_the_closed_ones(tmp_path):
    from conftest import cli
    from test_ledger_attack8 import _statement_ledger_line

    corrected_chain(tmp_path)
    # April v1 was built on March v1, built on the superseded February v1: every employee withheld
    code, out, err = cli("report", tmp_path / "2027-04.xlsx", "-o", tmp_path / "apr.report.xlsx")
    assert code == 1 and "ledger_stale_month" not in out
    assert "这些数字与账本一致" not in err and "these are the closed figures" not in err
    assert ("账本 ledger: 2027-04 已关账 closed v1；本次没有显示数字（所有员工暂不计算，见错误） / no figures are shown "
            "(every employee is withheld, see the errors)；v1 读取了被取代的 2027-02 v1 (经由 through 2027-03 v1)，需要按月份顺序"
            "重新关账 / v1 was built on the superseded 2027-02 v1 (经由 through 2027-03 v1): close it again in month order") in err
    line = _statement_ledger_line(tmp_path / "apr.report.xlsx")
    assert "本单即账本数字" not in line and "the ledger's figures" not in line
    assert line.startswith("已关账 closed v1（本单没有数字 = no figures shown）")


def test_nightly_lists_a_book_withheld_by_the_ledger_with_problems_not_failed(tmp_path):
    # README: FAIL is a book that could not be read or reported; April is read, scored (every employee
    # withheld: ledger_stale_month) and reported with its Issues, so it is WARN "with problems"; exit 1
    import io
    import json

    from kpixl.batch import run_nightly

    corrected_chain(tmp_path)
    stream = io.StringIO()
    summary = run_nightly([tmp_path / "2027-04.xlsx", tmp_path / "2027-01.xlsx"], tmp_path / "out", stream=stream)
    april = summary.outcomes[0]
    assert april.status == "problems" and april.scored == 0 and "2027-03 v1" in april.message
    assert summary.exit_code == 1
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("WARN ") and "0/1 scored" in lines[0]
    assert lines[-1].startswith("2 个工作簿 workbooks: 1 ok, 1 有问题 with problems, 0 失败 failed")
    log = [json.loads(line) for line in (tmp_path / "out" / "nightly.log").read_text(encoding="utf-8").splitlines()]
    assert [e["status"] for e in log] == ["problems", "ok"]
