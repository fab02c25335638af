"""``kpixl score`` on a terminal: the exact table of a small book in both languages, 120 columns
for every scheme's demo, labels instead of codes, CJK widths, and progress only on a TTY."""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal

import pytest
from conftest import cli, make_book

from kpixl.core.scheme import list_schemes, load_scheme
from kpixl.demo import demo_path, load_demo
from kpixl.terminal import Progress, cell, fit, width

EMPLOYEES = [{"id": "E1", "name": "钟丽", "role": "客户代表"}, {"id": "E2", "name": "邹杰", "role": "客户代表"},
             {"id": "E3", "name": "Anna Lee", "role": "客户代表"}]
EVENTS = [{"date": "2026-10-05", "employee": "E1", "rule": "SN01_TONE"},
          {"date": "2026-10-06", "employee": "E1", "rule": "SN08_EARLY_HANGUP", "aggravated": True},
          {"date": "2026-10-07", "employee": "E2", "rule": "SN16_FAKE_TICKET"},
          {"date": "2026-10-08", "employee": "E3", "rule": "NOPE"}]


@pytest.fixture
def small(tmp_path):
    # S12: E1 100 - 10 - 6 x 2 (aggravated, R-SN-2) = 78; E2 100 - 10 = 90 with SN16's flag; E3's row
    # has an unknown rule code, so E3 is blocked and the command exits 1
    return make_book(tmp_path / "book.xlsx", "service_norms_100", employees=EMPLOYEES, events=EVENTS)


ZH = """\
客服中心服务规范考核条例 · service_norms_100 · 2026-10
工号  姓名      服务规范得分  扣分合计  标记                              状态
----  --------  ------------  --------  --------------------------------  ------------
E1    钟丽                78        22                                    正常
E2    邹杰                90        10  无中生有或冒充客户录入工作流工单  正常
E3    Anna Lee             -         -                                    错误 事件!C5
共 3 人 · 已计分 2 · 未计分 1 · 标记 1 · 警告 0
"""

EN = """\
Call-centre service-norms assessment (base 100) · service_norms_100 · 2026-10
ID  Name      Score  Total deductions  Flags                                             Status
--  --------  -----  ----------------  ------------------------------------------------  ---------------
E1  钟丽         78                22                                                    ok
E2  邹杰         90                10  Own liability: the agent bears every consequence  ok
E3  Anna Lee      -                 -                                                    error Events!C5
3 employees · 2 scored · 1 blocked · 1 flag · 0 warnings
"""


def test_exact_table_in_chinese(small):
    code, out, err = cli("score", small)
    assert code == 1
    assert out == ZH
    assert err == "\n事件!C5 / Events!C5  [错误]\n    未知的规则代码 “NOPE”。 修正：从下拉列表选择规则代码（规则表 A 列）。\n"


def test_exact_table_in_english(small):
    code, out, err = cli("score", small, "--lang", "en")
    assert code == 1
    assert out == EN
    assert err == ("\n事件!C5 / Events!C5  [error]\n    Unknown rule code 'NOPE'. "  # the tab is 事件: both names
                   "Fix: Pick a code from the dropdown (column A of the Rules sheet).\n")


def test_codes_beside_the_flag_labels(small):
    out = cli("score", small, "--codes")[1]
    assert "无中生有或冒充客户录入工作流工单 (SN16_FAKE_TICKET)" in out
    assert "SN16_FAKE_TICKET" not in cli("score", small)[1]


def test_width_counts_east_asian_wide_characters_twice():
    assert width("严重警告") == 8 and width("KF001") == 5 and width("Ａ") == 2  # fullwidth counts 2
    assert fit("严重警告abc", 5) == "严重…" and width(fit("严重警告abc", 5)) == 5
    assert fit("abc", 5) == "abc"


def test_long_ratios_are_shortened_and_marked():
    # a ratio such as S7's exchange rate 946 / 1150 keeps 28 digits; the terminal shows 4, marked ≈
    assert cell(Decimal(946) / Decimal(1150), "points", "zh", {}) == "≈0.8226"
    assert cell(Decimal("1.075"), "points", "zh", {}) == "1.075"
    assert cell(Decimal("576"), "money", "zh", {}) == "576.00"
    assert cell(True, "points", "en", {}) == "yes" and cell(False, "points", "zh", {}) == "否"


def _cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(c) in "WF" for c in text)


@pytest.mark.parametrize("scheme_id", list_schemes())
def test_every_demo_fits_120_columns_in_both_languages(scheme_id):
    book = demo_path(scheme_id)
    scheme = load_scheme(scheme_id)
    names = {e["name"] for e in load_demo(scheme_id)["employees"]}
    for lang in ("zh", "en"):
        code, out, _ = cli("score", book, "--lang", lang)
        lines = out.splitlines()
        assert code == 0 and max(width(line) for line in lines) <= 120, lang
        main = scheme.main_output
        assert (main.en if lang == "en" else main.zh) in lines[1]  # the headline is always shown
        assert len(lines) == 3 + len(names) + 1  # title, header, rule, one row each, summary
        if lang == "en":  # every header, label and status word switches; only the names stay Chinese
            for line in lines:
                for n in names:
                    line = line.replace(n, "")
                assert not _cjk(line), line


def test_wide_shows_every_column():
    book = demo_path("online_cs_kpi")
    out = cli("score", book, "--wide")[1].splitlines()
    header = out[1]
    for o in load_scheme("online_cs_kpi").outputs:
        assert o.zh in header
    assert max(width(line) for line in out) > 120
    assert "--wide" not in out[-1]
    assert "--wide" in cli("score", book)[1].splitlines()[-1]  # the default says what it left out


def test_labels_not_codes():
    out = cli("score", demo_path("houpin_ladder"))[1]
    assert "初级客服" in out and "晋升中级" in out and "LV_JUNIOR" not in out and "PROMO_MID" not in out
    out = cli("score", demo_path("houpin_ladder"), "--lang", "en")[1]
    assert "Junior agent" in out and "Promoted to mid-level" in out


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal():
    quiet = io.StringIO()
    p = Progress(quiet)
    p.step(1, 3, "a.xlsx")
    p.clear()
    assert quiet.getvalue() == ""  # cron: stderr is a file or a pipe
    tty = FakeTTY()
    p = Progress(tty)
    p.step(1, 3, "a.xlsx")
    p.clear()
    assert tty.getvalue() == "\r\x1b[K[1/3] a.xlsx\r\x1b[K"


def test_nightly_progress_on_a_terminal_and_silent_in_cron(tmp_path):
    from kpixl.batch import run_nightly

    books = tmp_path / "books"
    books.mkdir()
    for s in ("service_norms_100", "qa_accuracy"):
        (books / f"{s}.xlsx").write_bytes(demo_path(s).read_bytes())
    tty, out = FakeTTY(), io.StringIO()
    run_nightly([str(books)], tmp_path / "out", stream=out, progress=Progress(tty))
    shown = tty.getvalue()
    assert "[0/2] qa_accuracy.xlsx" in shown and "[1/2] service_norms_100.xlsx" in shown
    assert shown.endswith("\r\x1b[K")  # the line is cleared before each result and at the end
    assert "\x1b" not in out.getvalue()
    code, _, err = cli("nightly", str(books), "--out", tmp_path / "out2")
    assert code == 0 and err == ""  # not a terminal: no progress at all
