"""Which schemes score a quarter (R-G-19, R-MK-9, R-BR-11), and what a quarter run of any other does.

Hand computation for the refused case (S1 weikang_100, R-WK-*): ATT_LATE on 5 Oct and on 5 Nov and
DIS_COMPLAINT on 5 Dec are three months' rows; as one "2026-Q4" month they were summed under one
month's caps and scored 88 with exit 0. No quarter result exists for S1, so nobody is scored.
"""

from __future__ import annotations

from conftest import cli, make_book, run


def test_a_monthly_scheme_scored_as_a_quarter_is_refused_at_the_period(tmp_path):
    events = [{"date": d, "employee": "E1", "rule": r}
              for d, r in (("2026-10-05", "ATT_LATE"), ("2026-11-05", "ATT_LATE"), ("2026-12-05", "DIS_COMPLAINT"))]
    book = make_book(tmp_path / "book.xlsx", "weikang_100", "2026-10", employees=[{"id": "E1", "name": "甲", "role": "客服"}],
                     events=events)
    code, out, err = cli("score", book, "--period", "2026-Q4", "--json", "--compact")
    assert code == 1
    assert "quarter_not_scored" in out and '"score": null' in out


def test_a_quarter_period_cell_on_a_monthly_scheme_is_located_there():
    r = run("service_norms_100", "2026-Q4", employees=[{"id": "N1", "name": "乙", "role": "客服"}])
    (pr,) = {p for e in r.employees for p in e.problems}
    assert pr.code == "quarter_not_scored" and pr.where.startswith("参数!") and "2026-10" in pr.fix_en
    assert not any(e.ok for e in r.employees)


def test_schemes_that_score_a_quarter_still_do():
    # S2 declares "quarter": true (R-MK-9); S3 has quarter-only steps (R-BR-11): neither is refused
    s2 = run("callcenter_manager_kpi", "2026-Q4", employees=[{"id": "M1", "name": "陈", "role": "呼叫中心经理"}],
             parameters={"ASSESSMENT_PERIOD": "quarter"})
    s3 = run("branch_cs_scorecard", "2026-Q4", employees=[{"id": "B1", "name": "丙", "role": "客服"}],
             history=[{"employee": "B1", "period": m, "item": "COMPOSITE", "value": 90}
                      for m in ("2026-10", "2026-11", "2026-12")])
    codes = {p.code for r in (s2, s3) for p in r.problems}
    assert "quarter_not_scored" not in codes
    assert s3.employee("B1").ok and s3.employee("B1").values["money.awards"] == 500  # rank 1 of 1: 500 元


def test_s3_composite_typed_for_the_quarter_is_not_called_unread_in_a_month_run():
    # R-BR-11: the quarter award reads COMPOSITE of its three months, and no month step reads it, so
    # a December workbook holding October..December COMPOSITE (for the Q4 run) is right as it is; a
    # row of January 2027 belongs to no Q4 run and is still called unread.
    history = [{"employee": "B1", "period": m, "item": "COMPOSITE", "value": 90}
               for m in ("2026-10", "2026-11", "2026-12", "2027-01")]
    month = run("branch_cs_scorecard", "2026-12", employees=[{"id": "B1", "name": "丙", "role": "客服"}], history=history)
    unread = [p for p in month.problems if p.code == "history_not_earlier"]
    assert [p.where.split("!")[1].split(" ")[0] for p in unread] == ["C5"]  # header row 1: rows 2..5, period in column C
    quarter = run("branch_cs_scorecard", "2026-Q4", employees=[{"id": "B1", "name": "丙", "role": "客服"}], history=history)
    assert [p.where.split("!")[1].split(" ")[0] for p in quarter.problems if p.code == "history_not_earlier"] == ["C5"]
    assert quarter.employee("B1").values["money.awards"] == 500
