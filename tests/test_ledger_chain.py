"""The chain of closed months over several months: what a later month reads, and when it must not.

Each test is a multi-month story found by QA (findings F1-F5, M3). Expected values are computed by
hand from SCHEMES.md (S4 R-KF-1/8/11, S14 R-GB-8/12 with R-G-10); the arithmetic is in the comments.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import cli, make_book

S4 = "kefu_fines"
S14 = "gubang_group_rank"


def s4_emp(eid: str, dept: str = "招生部") -> dict:
    return {"id": eid, "name": eid, "role": "客服", "department": dept, "hire_date": "2025-01-01"}


def ev(day: str, emp: str, rule: str, **kw) -> dict:
    return {"date": day, "employee": emp, "rule": rule, **kw}


def s4_book(folder: Path, period: str, emps, events=(), history=(), metrics=(), name: str | None = None) -> Path:
    return make_book(folder / (name or f"{period}.xlsx"), S4, period, employees=list(emps), events=list(events),
                     history=list(history), metrics=list(metrics))


def scored(book: Path, *extra: str) -> tuple[int, dict]:
    code, out, err = cli("score", book, "--json", "--compact", *extra)
    return code, {r["employee_id"]: r for r in json.loads(out)}


def close(book: Path, *extra: str) -> str:
    code, out, err = cli("close", book, "--by", "qa", *extra)
    assert code == 0, err
    return out


def errors(rec: dict) -> list[str]:
    return [e["code"] for e in rec["errors"]]


# ------------------------------------------------------------------------------- F1 S14 window


def s14_book(folder: Path, period: str, work: int, history=()) -> Path:
    emps = [{"id": "GB901", "name": "廖云", "role": "组员", "department": "售后服务部", "team": "甲组"},
            {"id": "GB902", "name": "邹平", "role": "组员", "department": "售后服务部", "team": "乙组"}]
    metrics = [{"team": team, "metric": f"GB_ITEM_{i}", "value": rank}
               for team, rank in (("甲组", 1), ("乙组", 2)) for i in range(1, 8)]
    metrics += [{"employee": "GB901", "metric": "WORK_POINTS", "value": work},
                {"employee": "GB901", "metric": "GB_MEMBER_GRADE", "value": "A"},
                {"employee": "GB902", "metric": "WORK_POINTS", "value": 100},
                {"employee": "GB902", "metric": "GB_MEMBER_GRADE", "value": "B"}]
    return make_book(folder / f"{period}.xlsx", S14, period, employees=emps, metrics=metrics,
                     parameters={"ITEMS": "1;1;1;2;2;3;4"}, history=list(history))


def probation(rec: dict) -> list[str]:
    return [f["params"]["from"] for f in rec["flags"] if f["code"] == "FLAG_PROBATION"]


def test_s14_probation_read_from_the_ledger_equals_typed_history(tmp_path):
    # 绩效分 of GB901, Jan..Aug 2026: 0 0 0 0 50 0 0 0 (work points only, no penalty).
    # R-GB-8 / R-G-10: Jan+Feb zero -> probation Mar..May. R-GB-12: Mar, Apr zero inside it start no pair.
    # May 50. Jun+Jul zero -> probation Aug..Oct (flag in Jul, from 2026-08). Aug zero is inside it: no flag.
    # The old 6-month window lost January, so Feb+Mar looked like the pair and Aug+... was flagged again.
    work = {"2026-01": 0, "2026-02": 0, "2026-03": 0, "2026-04": 0, "2026-05": 50, "2026-06": 0, "2026-07": 0}
    for per, points in work.items():
        book = s14_book(tmp_path, per, points)
        if per == "2026-07":
            assert probation(scored(book)[1]["GB901"]) == ["2026-08"]
        close(book)
    code, recs = scored(s14_book(tmp_path, "2026-08", 0))
    assert code == 0 and recs["GB901"]["score"] == 0 and probation(recs["GB901"]) == []


# ------------------------------------------------------------------------------- F3 typed History carried on


def test_s4_history_typed_before_the_ledger_is_carried_by_close(tmp_path):
    # The ledger starts in March 2027; March's workbook types the earlier months on History.
    emps = [s4_emp("KF501") | {"hire_date": "2026-10-01"}, s4_emp("KF504")]
    sales = [("2026-10", 20000), ("2026-11", 20000), ("2026-12", 10000), ("2027-01", 3000), ("2027-02", 2000)]
    hist = [{"employee": "KF501", "period": p, "item": "SALES", "value": v} for p, v in sales]
    hist.append({"employee": "KF504", "period": "2027-02", "item": "FINE_DAILY_REPORT", "value": 1})
    mar = s4_book(tmp_path, "2027-03", emps, [ev("2027-03-04", "KF504", "FINE_DAILY_REPORT")], hist,
                  [{"employee": "KF501", "metric": "SALES", "value": 2000}])
    close(mar)
    apr = s4_book(tmp_path, "2027-04", emps, [ev("2027-04-06", "KF504", "FINE_DAILY_REPORT")],
                  metrics=[{"employee": "KF501", "metric": "SALES", "value": 4000}])
    code, recs = scored(apr)
    assert code == 0
    # R-KF-1: Feb 1 (typed in March) + Mar 1 (closed) + Apr = occurrence 3 -> 500 元 (警告 / 100 / 500)
    assert recs["KF504"]["money"]["deductions"] == 500
    # R-KF-8/11: 20,000 + 20,000 + 10,000 + 3,000 + 2,000 (typed) + 2,000 (Mar) = 57,000 < 60,000;
    # + 4,000 in April = 61,000 >= 60,000: STATUS_REGULARIZE first reached in April
    assert [f["code"] for f in recs["KF501"]["flags"]] == ["STATUS_REGULARIZE"]
    code, out, _ = cli("explain", apr, "KF504")
    assert code == 0 and "账本 2027-03 v1 历史!E7 / ledger 2027-03 v1 History!E7" in out  # the typed cell


def test_s4_earlier_events_typed_on_the_first_closed_month_are_carried(tmp_path):
    # The ledger starts in March 2027; March's Events sheet keeps February's rows (R-KF-1 counts them).
    emps = [s4_emp("KF511"), s4_emp("KF512")]
    mar = s4_book(tmp_path, "2027-03", emps, [
        ev("2027-02-10", "KF511", "FINE_PRIVATE_CALL"),                 # Feb: occurrence 1 (通告批评)
        ev("2027-02-17", "KF512", "FINE_AFTERSALES_MISS", qty=3),       # Feb: one audit, occurrence 1
        ev("2027-03-03", "KF511", "FINE_PRIVATE_CALL"),                 # Mar: occurrence 2 -> 50
        ev("2027-03-09", "KF512", "FINE_AFTERSALES_MISS", qty=2)])      # Mar: occurrence 2 -> 2 x 200
    code, recs = scored(mar)
    assert code == 0 and recs["KF511"]["money"]["deductions"] == 50 and recs["KF512"]["money"]["deductions"] == 400
    close(mar)
    apr = s4_book(tmp_path, "2027-04", emps, [ev("2027-04-02", "KF511", "FINE_PRIVATE_CALL"),
                                              ev("2027-04-08", "KF512", "FINE_AFTERSALES_MISS", qty=2)])
    code, recs = scored(apr)
    assert code == 0
    # Feb 1 + Mar 1 + Apr: occurrence 3 -> 100 元 (通告批评 / 50 / 100); reading March alone made it 2 -> 50
    assert recs["KF511"]["money"]["deductions"] == 100
    # R-KF-4: occurrence 3 costs 100 x 3 = 300 per customer, 2 customers -> 600 (was occurrence 2: 400)
    assert recs["KF512"]["money"]["deductions"] == 600
    code, out, _ = cli("explain", apr, "KF511")
    assert code == 0 and "账本 2027-03 v1 事件!" in out  # February's count names its cell on March's sheet


def test_s14_history_typed_before_the_ledger_keeps_the_probation(tmp_path):
    # March types February's 0: Feb+Mar zero -> FLAG_PROBATION from 2026-04, probation Apr..Jun (R-GB-8).
    # April 0 lies inside it: no new flag (R-GB-12). Reading only March, April looked like a new pair.
    mar = s14_book(tmp_path, "2026-03", 0, history=[
        {"employee": "GB901", "period": "2026-02", "item": "PERFORMANCE_SCORE", "value": 0},
        {"employee": "GB902", "period": "2026-02", "item": "PERFORMANCE_SCORE", "value": 100}])
    assert probation(scored(mar)[1]["GB901"]) == ["2026-04"]
    close(mar)
    code, recs = scored(s14_book(tmp_path, "2026-04", 0))
    assert code == 0 and probation(recs["GB901"]) == []


def test_a_closed_months_own_figure_wins_over_a_row_typed_later_for_it():
    from kpixl.core.periods import parse_period
    from kpixl.core.scheme import load_scheme
    from kpixl.ledger.carry import needed

    closed = {"2027-02": (1, 1), "2027-03": (2, 1)}
    own = ("history", "K", "", "FINE_DAILY_REPORT", "2027-02", "1", "账本 2027-02 v1 / ledger 2027-02 v1", "2027-02")
    typed = ("history", "K", "", "FINE_DAILY_REPORT", "2027-02", "2", "账本 2027-03 v1 历史!E2 / ledger ...", "2027-03")
    early = ("history", "K", "", "FINE_DAILY_REPORT", "2027-01", "4", "账本 2027-03 v1 历史!E3 / ledger ...", "2027-03")
    loaded = needed(load_scheme(S4), parse_period("2027-04"), closed, [typed, own, early])
    assert sorted(r[5] for r in loaded.rows) == ["1", "4"]  # February's own 1 wins; January only typed: kept


# ------------------------------------------------------------------------------- F4 left out by --partial


def test_an_employee_left_out_of_a_month_is_withheld_until_it_is_typed(tmp_path):
    emps = [s4_emp("KF601"), s4_emp("KF602")]
    close(s4_book(tmp_path, "2027-01", emps, [ev("2027-01-05", "KF602", "FINE_DAILY_REPORT")]))
    feb = s4_book(tmp_path, "2027-02", emps, [ev("2027-02-05", "KF602", "FINE_DAILY_REPORT", qty="两次"),
                                              ev("2027-02-06", "KF601", "FINE_IDLE_PERSONAL")])
    assert "left out KF602" in close(feb, "--partial")
    march = [ev("2027-03-05", "KF602", "FINE_DAILY_REPORT")]
    code, recs = scored(s4_book(tmp_path, "2027-03", emps, march))
    assert code == 1 and recs["KF601"]["status"] == "ok"
    err = recs["KF602"]["errors"][0]
    assert recs["KF602"]["status"] == "error" and errors(recs["KF602"]) == ["ledger_left_out"]
    assert err["where"] == "账本 2027-02 v1 / ledger 2027-02 v1" and "--reason" in err["fix_en"] and "History" in err["fix_en"]
    # the clerk types KF602's February count: Jan 1 (ledger) + Feb 1 (typed) + Mar = occurrence 3 -> 500 元
    typed = [{"employee": "KF602", "period": "2027-02", "item": "FINE_DAILY_REPORT", "value": 1}]
    code, recs = scored(s4_book(tmp_path, "2027-03", emps, march, typed, name="2027-03b.xlsx"))
    assert code == 0 and recs["KF602"]["money"]["deductions"] == 500


# ------------------------------------------------------------------------------- F5 built on a superseded version


def test_a_month_closed_from_a_superseded_version_withholds_the_next(tmp_path):
    emps = [s4_emp("KF701")]
    close(s4_book(tmp_path, "2027-01", emps, [ev("2027-01-05", "KF701", "FINE_PLAN_ERROR")]))
    feb = s4_book(tmp_path, "2027-02", emps, [ev("2027-02-05", "KF701", "FINE_PLAN_ERROR")])
    close(feb)
    jan2 = s4_book(tmp_path, "2027-01", emps, [ev("2027-01-05", "KF701", "FINE_PLAN_ERROR")], name="2027-01b.xlsx")
    assert "2027-02 v1" in close(jan2, "--reason", "更正 corrected")  # listed as affected
    mar = s4_book(tmp_path, "2027-03", emps, [ev("2027-03-05", "KF701", "FINE_PLAN_ERROR")])
    code, recs = scored(mar)
    err = recs["KF701"]["errors"][0]
    assert code == 1 and err["code"] == "ledger_stale_month" and err["employee"] is None
    assert err["where"] == "账本 2027-02 v1 / ledger 2027-02 v1" and "2027-01 v1" in err["message_en"]
    close(feb, "--reason", "1月已更正 January corrected")  # Feb v2 reads Jan v2
    code, recs = scored(mar)
    # R-KF-1: Jan 1 + Feb 1 + Mar = occurrence 3 of FINE_PLAN_ERROR -> 200 元 (100 / 200 / 200)
    assert code == 0 and recs["KF701"]["money"]["deductions"] == 200


# ------------------------------------------------------------------------------- F2 the chain key


def jan_feb(folder: Path, jan_emps, feb_emps, feb_ids=("KF401", "KF402")) -> Path:
    # Jan: KF401 FINE_DAILY_REPORT (警告), KF402 FINE_PLAN_ERROR (100 元); Feb the same again.
    close(s4_book(folder, "2027-01", jan_emps, [ev("2027-01-05", "KF401", "FINE_DAILY_REPORT"),
                                                 ev("2027-01-06", "KF402", "FINE_PLAN_ERROR")]))
    return s4_book(folder, "2027-02", feb_emps, [ev("2027-02-05", feb_ids[0], "FINE_DAILY_REPORT"),
                                                  ev("2027-02-06", feb_ids[1], "FINE_PLAN_ERROR")])


def test_a_new_hire_from_another_department_does_not_cut_the_chain_silently(tmp_path):
    jan = [s4_emp("KF401"), s4_emp("KF402")]
    feb = jan_feb(tmp_path, jan, jan + [s4_emp("KF403", "质检部")])
    code, recs = scored(feb)
    assert code == 1 and all(errors(r) == ["ledger_key_changed"] for r in recs.values())
    err = recs["KF401"]["errors"][0]
    assert err["employee"] is None and "kefu_fines/招生部" in err["message_en"] and "kefu_fines/招生部+质检部" in err["message_en"]
    assert "--key kefu_fines/招生部" in err["fix_en"]
    code, recs = scored(feb, "--key", "kefu_fines/招生部")
    # occurrence 2 each (R-KF-1): FINE_DAILY_REPORT 100 元, FINE_PLAN_ERROR 200 元
    assert code == 0 and (recs["KF401"]["money"]["deductions"], recs["KF402"]["money"]["deductions"]) == (100, 200)


def test_a_renamed_department_is_an_error_naming_the_old_key(tmp_path):
    feb = jan_feb(tmp_path, [s4_emp("KF401"), s4_emp("KF402")], [s4_emp("KF401", "招生客服部"), s4_emp("KF402", "招生客服部")])
    code, recs = scored(feb)
    assert code == 1 and errors(recs["KF402"]) == ["ledger_key_changed"]
    assert "kefu_fines/招生部" in recs["KF402"]["errors"][0]["fix_en"]


def test_another_department_in_a_shared_ledger_starts_its_own_chain(tmp_path):
    jan_feb(tmp_path, [s4_emp("KF401"), s4_emp("KF402")], [s4_emp("KF401"), s4_emp("KF402")])
    other = s4_book(tmp_path, "2027-02", [s4_emp("QC1", "质检部")], [ev("2027-02-05", "QC1", "FINE_PLAN_ERROR")],
                    name="qc.xlsx")
    code, recs = scored(other)
    assert code == 0 and recs["QC1"]["money"]["deductions"] == 100  # its first occurrence (R-KF-1): 100 元


def test_full_width_and_spaced_department_names_are_one_chain(tmp_path):
    # (mixed spellings inside one workbook are the core's department_spelling error; here February is
    # typed consistently, but in full width and with a space)
    feb = jan_feb(tmp_path, [s4_emp("KF401", "CS招生部(一)"), s4_emp("KF402", "CS招生部(一)")],
                  [s4_emp("KF401", "ＣＳ 招生部（一）"), s4_emp("KF402", "ＣＳ 招生部（一）")])
    code, recs = scored(feb)
    # occurrence 2 each (R-KF-1): 100 元 and 200 元
    assert code == 0 and (recs["KF401"]["money"]["deductions"], recs["KF402"]["money"]["deductions"]) == (100, 200)


def test_a_chain_stored_before_normalising_is_still_read(tmp_path):
    jan = [s4_emp("KF401", "ＣＳ部"), s4_emp("KF402", "ＣＳ部")]
    close(s4_book(tmp_path, "2027-01", jan, [ev("2027-01-06", "KF402", "FINE_PLAN_ERROR")]), "--key", "kefu_fines/ＣＳ部")
    feb = s4_book(tmp_path, "2027-02", [s4_emp("KF401", "CS部"), s4_emp("KF402", "CS部")],
                  [ev("2027-02-06", "KF402", "FINE_PLAN_ERROR")])
    code, recs = scored(feb)
    assert code == 0 and recs["KF402"]["money"]["deductions"] == 200  # occurrence 2 (R-KF-1)
    assert "closed 2027-02 v1 · kefu_fines/ＣＳ部" in close(feb)  # recorded on the same chain


def test_an_id_typed_in_another_case_is_withheld_naming_the_ledgers_id(tmp_path):
    feb = jan_feb(tmp_path, [s4_emp("KF401"), s4_emp("KF402")], [s4_emp("kf401"), s4_emp("KF402")], ("kf401", "KF402"))
    code, recs = scored(feb)
    err = recs["kf401"]["errors"][0]
    assert code == 1 and err["code"] == "ledger_id_variant" and err["employee"] == "kf401"
    assert err["where"] == "员工!A2 / Employees!A2" and "KF401" in err["fix_en"]
    assert recs["KF402"]["status"] == "ok" and recs["KF402"]["money"]["deductions"] == 200  # occurrence 2


# ------------------------------------------------------------------------------- M3


def test_a_closed_month_closed_again_without_a_reason_is_locked_even_when_blocked(tmp_path):
    emps = [s4_emp("KF601"), s4_emp("KF602")]
    feb = s4_book(tmp_path, "2027-02", emps, [ev("2027-02-05", "KF602", "FINE_DAILY_REPORT", qty="两次")])
    close(feb, "--partial")
    code, _, err = cli("close", feb, "--by", "qa")
    assert code == 1 and "locked" in err and "--reason" in err and "not closed" not in err


def test_a_month_missing_from_the_ledger_but_typed_on_history_is_not_reported_missing(tmp_path):
    # January closed, February never closed, March scored. With February's count typed on History
    # (one private call) the month is there: no "no close of 2027-02" warning. March's call is then
    # occurrence 3 of the year (Jan 1 + Feb 1 + Mar 1): R-KF-1 ladder 通告批评 / 50 / 100 -> 100.00.
    close(s4_book(tmp_path, "2027-01", [s4_emp("KF701")], [ev("2027-01-12", "KF701", "FINE_PRIVATE_CALL")]))
    march = [ev("2027-03-09", "KF701", "FINE_PRIVATE_CALL")]
    code, out, err = cli("validate", s4_book(tmp_path, "2027-03", [s4_emp("KF701")], march))
    assert "2027-02" in out + err  # not typed: the gap is reported
    hist = [{"employee": "KF701", "period": "2027-02", "item": "FINE_PRIVATE_CALL", "value": 1}]
    book = s4_book(tmp_path, "2027-03", [s4_emp("KF701")], march, history=hist, name="march2.xlsx")
    code, out, err = cli("validate", book)
    assert "ledger_month_missing" not in out + err and "2027-02 的关账记录" not in out + err
    code, recs = scored(book)
    assert recs["KF701"]["money"]["deductions"] == 100


# ------------------------------------------------------------------------------- stale through a chain


def s15_book(folder: Path, period: str, conversion, name: str | None = None) -> Path:
    emps = [{"id": "HP51", "name": "田甜", "role": "客服", "department": "网店客服部"}]
    figures = {"M_SALES": 380000, "M_CONVERSION": conversion, "TASK_MET": True, "HR_APPROVAL": False, "M_NET_SALES": 1000}
    history = [{"employee": "HP51", "period": "2027-01", "item": "LEVEL", "value": "LV_JUNIOR"}] if period == "2027-01" else []
    return make_book(folder / (name or f"{period}.xlsx"), "houpin_ladder", period, employees=emps,
                     metrics=[{"employee": "HP51", "metric": k, "value": v} for k, v in figures.items()],
                     history=history, parameters={"COMMISSION_RATE": "0.015"})


def test_a_corrected_month_withholds_every_later_month_built_on_it(tmp_path):
    # S15 reads only the month before (R-G-10): May reads April, April read March, March read February.
    for per in ("2027-01", "2027-02", "2027-03", "2027-04"):
        close(s15_book(tmp_path, per, 16))
    # February corrected: 14% < 15% breaks the streak (R-HP-3), so March, April and May change too
    out = close(s15_book(tmp_path, "2027-02", 14, name="2027-02-v2.xlsx"), "--reason", "2月转化率更正为14%")
    assert "2027-03 v1, 2027-04 v1" in out  # both later months are listed for review, not only March
    code, recs = scored(s15_book(tmp_path, "2027-05", 16))
    # May read April v1, built on March v1, built on the superseded February v1: not a result to pay from
    assert code == 1 and errors(recs["HP51"]) == ["ledger_stale_month"]
    assert "2027-03 v1" in recs["HP51"]["errors"][0]["message_en"]


# ------------------------------------------------------------------------------- the quarter's people


S3_PERFECT = {"M_COMPLAINT_RESOLVED_RATE": 100, "M_CALLBACK_COUNT": 4000, "M_SCHEDULED_DAYS": 20,
              "M_CALLBACK_UNTRUE": 0, "M_CSAT_RATE": 100}


def s3_book(folder: Path, period: str, people: dict, name: str | None = None) -> Path:
    """People: ID -> (self rating, group rating); every item perfect, so T = 100 and C = 0.15 S + 60 + 0.25 G."""
    emps = [{"id": i, "name": i, "role": "客服", "department": "分部客服部"} for i in people]
    metrics = [{"employee": i, "metric": k, "value": v} for i in people for k, v in S3_PERFECT.items()]
    ratings = [r for i, (s, g) in people.items() for r in ({"employee": i, "rater": "RATER_SELF", "score": s},
                                                          {"employee": i, "rater": "RATER_GROUP", "score": g})]
    return make_book(folder / (name or f"{period}.xlsx"), "branch_cs_scorecard", period, employees=emps,
                     metrics=metrics, ratings=ratings)


def test_a_quarter_ranked_without_someone_the_ledger_has_for_all_three_months_is_withheld(tmp_path):
    # R-BR-11: Q1 has a composite in all three months: C = 100 each month, sum 300, rank 1 (500 元).
    # Without Q1 on the quarter's Employees sheet, Q2 (C = 0.15 x 90 + 60 + 0.25 x 90 = 96, sum 288) moved
    # to rank 1 and Q3 (C = 60, sum 180) to rank 2: everyone's award changed with exit 0.
    people = {"Q1": (100, 100), "Q2": (90, 90), "Q3": (0, 0)}
    for per in ("2026-10", "2026-11", "2026-12"):
        close(s3_book(tmp_path, per, people))
    whole = s3_book(tmp_path, "2026-12", people, name="q4-all.xlsx")
    code, recs = scored(whole, "--period", "2026-Q4")
    assert code == 0 and [recs[i]["money"]["awards"] for i in ("Q1", "Q2", "Q3")] == [500, 300, 200]
    part = s3_book(tmp_path, "2026-12", {k: people[k] for k in ("Q2", "Q3")}, name="q4-part.xlsx")
    code, recs = scored(part, "--period", "2026-Q4")
    assert code == 1 and {i: errors(r) for i, r in recs.items()} == {"Q2": ["ledger_quarter_absent"],
                                                                  "Q3": ["ledger_quarter_absent"]}
    assert "Q1" in recs["Q2"]["errors"][0]["message_en"]


def test_an_employee_moved_from_another_department_is_withheld_until_typed(tmp_path):
    # KF9 had FINE_PRIVATE_CALL in February and March in 招生部; April is on 售后部's sheet, whose chain
    # has months of its own. R-KF-1: April's is occurrence 3 -> 100 元; reading 售后部's chain alone made it 1.
    for per, day in (("2027-02", "2027-02-10"), ("2027-03", "2027-03-10")):
        close(s4_book(tmp_path, per, [s4_emp("KF9"), s4_emp("KF1")], [ev(day, "KF9", "FINE_PRIVATE_CALL")],
                      name=f"zs-{per}.xlsx"))
        close(s4_book(tmp_path, per, [s4_emp("KF5", "售后部")], name=f"sh-{per}.xlsx"))
    apr = s4_book(tmp_path, "2027-04", [s4_emp("KF5", "售后部"), s4_emp("KF9", "售后部")],
                  [ev("2027-04-02", "KF9", "FINE_PRIVATE_CALL")], name="sh-2027-04.xlsx")
    code, recs = scored(apr)
    assert code == 1 and errors(recs["KF9"]) == ["ledger_moved_in"] and recs["KF5"]["status"] == "ok"
    typed = s4_book(tmp_path, "2027-04", [s4_emp("KF5", "售后部"), s4_emp("KF9", "售后部")],
                    [ev("2027-04-02", "KF9", "FINE_PRIVATE_CALL")], name="sh-2027-04-typed.xlsx",
                    history=[{"employee": "KF9", "period": p, "item": "FINE_PRIVATE_CALL", "value": 1}
                             for p in ("2027-02", "2027-03")])
    code, recs = scored(typed)
    assert code == 0 and recs["KF9"]["money"]["deductions"] == 100  # 通告批评 / 50 / 100


# ------------------------------------------------------------------------------- months closed out of order


def test_s4_a_month_closed_late_lists_the_later_month_whose_fine_it_changes(tmp_path):
    # FINE_AFTERSALES_MISS 100 / 200 / 300 / 100 n per customer (R-KF-1, calendar year). March closed
    # before February charged occurrence 2 (200 元); with February it is occurrence 3 (300 元).
    emps = [s4_emp("KF801")]
    miss = "FINE_AFTERSALES_MISS"
    close(s4_book(tmp_path, "2027-01", emps, [ev("2027-01-05", "KF801", miss)]))
    close(s4_book(tmp_path, "2027-03", emps, [ev("2027-03-05", "KF801", miss)]))
    feb = s4_book(tmp_path, "2027-02", emps, [ev("2027-02-05", "KF801", miss)])
    assert "2027-03 v1" in close(feb)
    mar = s4_book(tmp_path, "2027-03", emps, [ev("2027-03-05", "KF801", miss)], name="2027-03b.xlsx")
    code, recs = scored(mar)
    assert code == 0 and recs["KF801"]["money"]["deductions"] == 300
    code, recs = scored(s4_book(tmp_path, "2027-04", emps, [ev("2027-04-05", "KF801", miss)]))
    assert code == 1 and errors(recs["KF801"]) == ["ledger_closed_out_of_order"]
    close(mar, "--reason", "2月补关账")
    code, recs = scored(s4_book(tmp_path, "2027-04", emps, [ev("2027-04-05", "KF801", miss)]))
    assert code == 0 and recs["KF801"]["money"]["deductions"] == 400  # occurrence 4: 100 x 4


def test_months_closed_in_order_are_not_reported_out_of_order(tmp_path):
    for per in ("2027-01", "2027-02", "2027-03"):
        assert "affected" not in close(s15_book(tmp_path, per, 16))
    code, recs = scored(s15_book(tmp_path, "2027-04", 16))
    assert code == 0 and recs["HP51"]["status"] == "ok"


def test_s3_months_closed_out_of_order_do_not_hold_up_the_quarter(tmp_path):
    # S3 carries COMPOSITE for the quarter's period_values only: no month step reads an earlier month, so
    # October closed after November and December lacks nothing. The quarter pays as in month order
    # (R-BR-11: sums 300 / 288 / 180 -> 500 / 300 / 200 元).
    people = {"Q1": (100, 100), "Q2": (90, 90), "Q3": (0, 0)}
    for per in ("2026-11", "2026-12"):
        close(s3_book(tmp_path, per, people))
    assert "affected" not in close(s3_book(tmp_path, "2026-10", people))
    code, recs = scored(s3_book(tmp_path, "2026-12", people, name="q4.xlsx"), "--period", "2026-Q4")
    assert code == 0 and [recs[i]["money"]["awards"] for i in ("Q1", "Q2", "Q3")] == [500, 300, 200]


def test_s3_an_earlier_month_closed_again_affects_no_later_month_and_the_quarter_reads_it(tmp_path):
    # An S3 month's composite comes from that month's inputs alone (R-BR-10, R-BR-12); the quarter sums the
    # months' composites (R-BR-11). October closed again after an upheld appeal listed November and December
    # as affected and withheld December's month run and the quarter, although neither month read October.
    people = {"Q1": (100, 100), "Q2": (90, 90), "Q3": (0, 0)}
    for per in ("2026-10", "2026-11", "2026-12"):
        close(s3_book(tmp_path, per, people))
    october = {"Q1": (0, 0), "Q2": (90, 90), "Q3": (100, 100)}  # C: Q1 60, Q2 96, Q3 100
    out = close(s3_book(tmp_path, "2026-10", october, name="2026-10-v2.xlsx"), "--reason", "申诉更正")
    assert "affected" not in out
    code, recs = scored(s3_book(tmp_path, "2026-12", people, name="dec.xlsx"))
    assert code == 0 and all(r["status"] == "ok" for r in recs.values())
    # sums: Q1 60 + 100 + 100 = 260, Q2 96 x 3 = 288, Q3 100 + 60 + 60 = 220 -> Q2 500, Q1 300, Q3 200 元
    code, recs = scored(s3_book(tmp_path, "2026-12", people, name="q4.xlsx"), "--period", "2026-Q4")
    assert code == 0 and [recs[i]["money"]["awards"] for i in ("Q1", "Q2", "Q3")] == [300, 500, 200]


def test_s14_a_month_nobody_closed_withholds_a_probation_that_depends_on_it(tmp_path):
    # 绩效分 of GB901: Jan 0 (closed), Feb never closed nor typed, Mar 0 (closed), Apr 0. R-GB-8/12:
    # Feb 0 -> Jan+Feb start probation Mar..May and April, inside it, raises nothing; Feb above 0 ->
    # Mar+Apr are the pair and April raises probation from May. April depends on February: GB901 is
    # withheld (the old code took February as not zero and flagged from May). March raises nothing
    # either way (inside the probation, or the first zero after a non-zero month), so it closes.
    # GB902 (100 every month) never qualifies, so nothing of theirs depends on February.
    close(s14_book(tmp_path, "2026-01", 0))
    close(s14_book(tmp_path, "2026-03", 0))
    code, recs = scored(s14_book(tmp_path, "2026-04", 0))
    assert code == 1
    assert errors(recs["GB901"]) == ["ledger_month_unknown"] and recs["GB901"]["score"] is None
    assert "2026-02" in recs["GB901"]["errors"][0]["message_en"]
    assert recs["GB902"]["status"] == "ok" and probation(recs["GB902"]) == []
    # April above zero: no flag whatever February was (Feb 0: inside the probation, not zero;
    # Feb above 0: Mar alone) -> scored
    (tmp_path / "b").mkdir()
    code, recs = scored(s14_book(tmp_path / "b", "2026-04", 50), "--ledger", str(tmp_path / "kpixl.db"))
    assert code == 0 and recs["GB901"]["status"] == "ok" and probation(recs["GB901"]) == []
