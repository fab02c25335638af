"""Every scheme's demo month (kpixl/demos/<scheme>.json): it validates clean, scores everyone,
matches its committed workbook, runs through ``kpixl demo``, and shows the values computed by
hand below from the SCHEMES.md clauses cited."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal

import pytest
from conftest import ROOT, cli
from test_templates import diff, snapshot

from kpixl.core.engine import score
from kpixl.core.scheme import list_schemes, load_scheme
from kpixl.demo import demo_ids, demo_path, load_demo
from kpixl.workbook.read import read_workbook

SCHEMES = list_schemes()


def test_every_scheme_has_a_demo_month():
    assert demo_ids() == sorted(SCHEMES) and len(SCHEMES) == 15


@pytest.mark.parametrize("scheme_id", SCHEMES)
def test_demo_month_is_realistic(scheme_id):
    doc = load_demo(scheme_id)
    scheme = load_scheme(scheme_id)
    assert doc["scheme"] == scheme_id and doc["period"] == "2026-10"
    people = doc["employees"]
    assert 8 <= len(people) <= 15
    assert len({p["id"] for p in people}) == len(people)
    assert all(any(unicodedata.east_asian_width(c) == "W" for c in p["name"]) for p in people)  # Chinese names
    if scheme.roles:
        assert {p["role"] for p in people} <= set(scheme.roles)
    for row in doc.get("events", []):  # dated inside the month (other months belong on History)
        assert row["date"].startswith("2026-10"), row
    events = [json.dumps(r, sort_keys=True) for r in doc.get("events", [])]
    metrics = [json.dumps(r, sort_keys=True) for r in doc.get("metrics", [])]
    assert len(set(events)) == len(events) and len(set(metrics)) == len(metrics)  # no duplicate rows
    assert doc["notes"] and all(set(n) == {"zh", "en"} for n in doc["notes"])  # what the month shows


@pytest.mark.parametrize("scheme_id", SCHEMES)
def test_demo_validates_clean_and_scores_everyone(scheme_id, tmp_path):
    book = tmp_path / "x.xlsx"
    code, out, err = cli("new", scheme_id, "--demo", "-o", book)
    assert code == 0, err
    code, out, _ = cli("validate", book, "--json")
    assert code == 0 and json.loads(out) == [], out  # no error and no warning
    code, out, err = cli("score", book, "--json", "--no-explain")
    assert code == 0, err
    records = json.loads(out)
    assert len(records) == len(load_demo(scheme_id)["employees"])
    assert all(r["status"] == "ok" and r["period"] == "2026-10" for r in records)
    assert all(r["score"] is not None for r in records)  # the headline (docs/json.md)


@pytest.mark.parametrize("scheme_id", SCHEMES)
def test_committed_demo_workbook_matches_kpixl_new_demo(scheme_id, tmp_path):
    committed = demo_path(scheme_id)
    assert committed.is_file(), f"run: kpixl new {scheme_id} --demo -o workbook_templates/demo/{committed.name}"
    fresh = tmp_path / committed.name
    assert cli("new", scheme_id, "--demo", "-o", fresh)[0] == 0
    problems = diff(snapshot(committed), snapshot(fresh))
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("scheme_id", ["weikang_100", "gubang_group_rank", "dingcan_points"])
def test_kpixl_demo_runs_any_scheme(scheme_id, tmp_path):
    out = tmp_path / "report.xlsx"
    args = ["demo"] + ([] if scheme_id == "weikang_100" else [scheme_id]) + ["-o", out]
    code, stdout, err = cli(*args)
    assert code == 0, err
    n = len(load_demo(scheme_id)["employees"])
    assert f"员工 employees {n} · 正常 scored {n} · 错误 errors 0" in stdout
    assert out.is_file() and str(demo_path(scheme_id)) in stdout
    assert load_demo(scheme_id)["title"]["en"] in stdout


def test_kpixl_demo_of_an_unknown_scheme_is_a_usage_error(tmp_path):
    code, out, err = cli("demo", "nope", "-o", tmp_path / "r.xlsx")
    assert code == 2 and "nope" in err and "weikang_100" in err and not (tmp_path / "r.xlsx").exists()


def test_demo_refuses_another_month(tmp_path):
    # the demo month is October 2026; a file named for November would carry the wrong PERIOD
    target = tmp_path / "2026-11.xlsx"
    code, _, err = cli("new", "kefu_fines", "--demo", "-o", target)
    assert code == 2 and "2026-10" in err and not target.exists()
    assert cli("new", "kefu_fines", "--demo", "-o", tmp_path / "2026-10.xlsx")[0] == 0


# ----------------------------------------------------------------------------- hand-checked values

@pytest.fixture(scope="module")
def results():
    cache = {}

    def get(scheme_id):
        if scheme_id not in cache:
            cache[scheme_id] = score(*read_workbook(demo_path(scheme_id)))
        return cache[scheme_id]
    return get


def D(x):
    return Decimal(str(x))


# (scheme, employee, value, expected, how it was computed by hand)
HAND = [
    # S2 R-MK-3, rule 2: 20x0.85 + 15x100/110 + 15x80/95 + 15 + 10x88/90 + 5x15000/20000 + 5x90/95 + 5x80/85
    #   + 5x78/80 + 5x82.35/85 = 17 + 13.64 + 12.63 + 15 + 9.78 + 3.75 + 4.74 + 4.71 + 4.88 + 4.84
    ("callcenter_manager_kpi", "HM004", "score", "90.97", "R-MK-3"),
    # 15.6 + 12.5 (100/120) + 11.05 + 12.5 + 9.11 + 3.5 + 3.68 (70/100 counts, R-MK-9a) + 4.24 + 4.38 + 4.5
    ("callcenter_manager_kpi", "HM008", "score", "81.06", "R-MK-3, R-MK-9(a)"),
    ("callcenter_manager_kpi", "HM005", "K_FEEDBACK_TIMELY.score", "5", "R-MK-4: 0 opinions gives a = 1"),
    # S3: items 30+20+10+10+9+10+10 = 99; +2 letters +5 media = 106 (R-BR-8, no ceiling);
    #   C = 0.15x95 + 0.60x106 + 0.25x91 = 14.25 + 63.60 + 22.75
    ("branch_cs_scorecard", "FB01", "total", "106", "R-BR-8"),
    ("branch_cs_scorecard", "FB01", "composite", "100.6", "R-BR-10"),
    # 28 + 18 (x = 0.3%) + 9 (95.00%, favourable band) + 9 + 9 (95%) + 10 + 10 - 4 audit = 89;
    #   C = 13.5 + 53.4 + 0.25 x 86.5 = 88.525 -> 88.53 (half-up)
    ("branch_cs_scorecard", "FB02", "composite", "88.53", "R-BR-3, R-BR-14, R-G-4"),
    # 22 + 10 + 5 (72.22%) + 7 + 7 + 8 + 10 - 8 - 3 = 58; C = 12.75 + 34.8 + 17.75
    ("branch_cs_scorecard", "FB03", "composite", "65.3", "R-BR-7, R-BR-10"),
    # S4: private call #2 of the year (the 1st is on History, August): 50 yuan
    ("kefu_fines", "ZS01", "money.deductions", "50.00", "R-KF-1"),
    ("kefu_fines", "ZS02", "money.deductions", "400.00", "R-KF-4: 2nd occurrence, 2 customers x 200"),
    ("kefu_fines", "ZS05", "money.deductions", "350.50", "R-KF-10: the shortfall"),
    ("kefu_fines", "ZS10", "money.deductions", "400.00", "plan late 200 + plan error #2 200"),
    # S5: items 95, 85.71, 90.91, 93.33, 97.89, 97.5, 83.33, 96, 90.91, 80 + 90, 95, 85, 86 (September's exam,
    #   R-OL-3), 90, 88 = 1444.58 / 16 = 90.29; C = 13.2 + 54.174 + 0.25 x 86 = 88.874
    ("online_cs_kpi", "WK04", "card", "90.29", "rule 1, R-OL-3"),
    ("online_cs_kpi", "WK04", "composite", "88.87", "R-OL-5"),
    # 10 x 100 + 100 + 100 + 100 + 90 + 100 + 95 = 1585 / 16 = 99.0625; C = 13.5 + 59.436 + 23
    ("online_cs_kpi", "WK05", "composite", "95.94", "R-OL-5"),
    # S6: 1% x 4,800 twice (department 优秀, callback weeks 92/95/91/90 all >= 90 and selected)
    ("cs_reward_pct", "HF01", "money.awards", "96.00", "R-RP-3, R-RP-4"),
    ("cs_reward_pct", "HF03", "money.awards", "46.50", "R-RP-3: one week at 89.5%"),
    ("cs_reward_pct", "HF05", "money.awards", "244.21", "R-RP-6: 44.205 -> 44.21 + 200 entered by HR"),
    ("cs_reward_pct", "HF08", "money.deductions", "300.00", "R-RP-7: not netted"),
    ("cs_reward_pct", "HF08", "money.awards", "0.00", "R-RP-7"),
    # S7: monthly success rates 62.94, 60.71, 60.27 rank 1..3: 10 / 5 / 2; 石磊 45.94% is gated
    ("dingcan_points", "DC01", "month_points", "10", "rule 5"),
    ("dingcan_points", "DC06", "month_points", "5", "rule 5"),
    ("dingcan_points", "DC02", "month_points", "2", "rule 5"),
    ("dingcan_points", "DC08", "month_points", "0", "R-DC-3"),
    ("dingcan_points", "DC01", "exchange_rate", "1.075", "R-DC-10: 946 / 880"),
    ("dingcan_points", "DC08", "carry_in", "-3", "R-DC-9"),
    # S8: one A (20) and one B (10); two C (5 + 5); a contract without a class scores 5
    ("canyin_center_points", "CY01", "SIGN.points", "30", "R-CY-5"),
    ("canyin_center_points", "CY07", "SIGN.points", "10", "R-CY-5"),
    ("canyin_center_points", "CY08", "SIGN.points", "5", "R-CY-5"),
    # S9: 19/21 = 90.48, 10/21 = 47.62 -> 69.05; 100, 100, 19/21 = 90.48 -> 96.83;
    #   4/21 = 19.05, 11/21 = 52.38, 12/21 = 57.14 -> 128.57 / 3 = 42.857 -> 42.86
    ("call_quality_rubric", "ZJ01", "score", "69.05", "rules 2-3"),
    ("call_quality_rubric", "ZJ02", "score", "96.83", "rules 2-3"),
    ("call_quality_rubric", "ZJ10", "score", "42.86", "rules 2-3, R-G-4"),
    # S10: AVG (95 + 94.99) / 2 = 94.995 -> 95.00 优秀; 100 h: floor(76 / 8) = 9 -> 300 - 90
    ("service_quality_grade", "YD10", "payout", "210.00", "R-SQ-2, R-G-4, R-SQ-5"),
    ("service_quality_grade", "YD09", "payout", "100.00", "AVG 89.95 < 90: 一般"),
    ("service_quality_grade", "YD06", "payout", "230.00", "R-SQ-7: hired on the 10th; 120 h -> 7 x 10"),
    ("service_quality_grade", "YD03", "payout", "190.00", "R-SQ-4: internal complaint blocks 优秀; 168 h -> 10"),
    ("service_quality_grade", "YD07", "payout", "0.00", "R-SQ-9"),
    # S11: quality 0 + 10 + 10 + 0 (3 violations), quantity 0 (4 late) + 5 (88) + 5, attitude 5 + 5 + 0,
    #   team 5 + 0
    ("kefu_rules_95", "KZ08", "score", "45", "R-KR-4"),
    # speed: ceil(2.5) + ceil(0.25) = 4 hours -> floor 0; initiative 0
    ("kefu_rules_95", "KZ06", "score", "80", "R-KR-3"),
    ("kefu_rules_95", "KZ02", "score", "90", "R-KR-2, R-KR-5: 90% and 90 points score 10"),
    ("kefu_rules_95", "KZ04", "V_KNOWLEDGE", "10", "R-KR-5: September's 91"),
    # S12: 2 x 6 + 12 (aggravated); 20 (severe) + 3 x 5 + 2 x 5
    ("service_norms_100", "GF02", "score", "76", "R-SN-2, R-SN-5"),
    ("service_norms_100", "GF07", "score", "55", "R-SN-2"),
    ("service_norms_100", "GF04", "score", "80", "SN16 + SN06"),
    # S13: N = 15 + 1 complaint, F = 1: 1 - 1/16; NFA 1 - 8/160
    ("qa_accuracy", "ZX06", "FATAL_ACC", "93.75", "R-QA-3"),
    ("qa_accuracy", "ZX06", "NONFATAL_ACC", "95", "rule 3"),
    ("qa_accuracy", "ZX07", "NONFATAL_ACC", "85", "27 / 180 = 15% exactly"),
    ("qa_accuracy", "ZX08", "NONFATAL_ACC", "84.67", "1 - 23/150"),
    # S14: 1x7 + 1x8 + 1x6 + 2x8 + 2x7 + 3x8 + 4x7 = 103 (group 1); 8 + 7 + 8 + 14 + 16 + 18 + 32 = 103
    ("gubang_group_rank", "GB01", "group.total", "103", "rule 2"),
    ("gubang_group_rank", "GB03", "group.total", "103", "rule 2"),
    ("gubang_group_rank", "GB13", "group.total", "27", "rule 2: 1 + 2 + 2 + 2 + 6 + 6 + 8"),
    ("gubang_group_rank", "GB10", "performance_score", "10", "R-GB-6: 60 - 50"),
    ("gubang_group_rank", "GB06", "performance_score", "0", "R-GB-7: two penalties"),
    # S15: 712,350 x 0.01
    ("houpin_ladder", "HP07", "COMMISSION", "7123.50", "R-HP-13"),
    ("houpin_ladder", "HP06", "next_pay", "2500", "R-HP-7: MISS 5 at 高级"),
]


@pytest.mark.parametrize("scheme_id,emp,key,expected,clause", HAND)
def test_hand_checked_value(results, scheme_id, emp, key, expected, clause):
    assert results(scheme_id).employee(emp).values[key] == D(expected), clause


FLAGS = [
    ("branch_cs_scorecard", "FB03", {"SEVERE_REFERRAL", "M_BOTTOM3_PLAN"}),  # R-BR-8, R-BR-12
    ("kefu_fines", "ZS01", {"STATUS_REGULARIZE"}),            # R-KF-11: 54,500 + 8,000 >= 60,000
    ("kefu_fines", "ZS03", {"FINE_DUP_INVITE", "STATUS_PROMO_EXCLUDED"}),  # R-KF-9: 1,500 / 40,000 = 3.75%
    ("kefu_fines", "ZS09", set()),                            # R-KF-9: exactly 3% is not above 3%
    ("online_cs_kpi", "WK04", {"M_BOTTOM3_PLAN"}),            # R-OL-6: 88.87, 81.86, 75.45 are lowest
    ("cs_reward_pct", "HF06", {"POOR_2M_REVIEW"}),            # R-RP-5: September and October
    ("service_quality_grade", "YD07", {"NEW_HIRE_AFTER_10"}),  # R-SQ-9
    ("gubang_group_rank", "GB06", {"FLAG_SEVERE_WARNING", "FLAG_PROBATION"}),  # R-GB-7, R-GB-8
    ("houpin_ladder", "HP01", {"PROMO_MID"}),                 # rule 3, R-HP-4: approval given
    ("houpin_ladder", "HP02", set()),                         # R-HP-4: no approval, no promotion
    ("houpin_ladder", "HP09", {"ELIMINATE"}),                 # rule 5: MISS 3 at 初级
]


@pytest.mark.parametrize("scheme_id,emp,expected", FLAGS)
def test_hand_checked_flags(results, scheme_id, emp, expected):
    assert {f["code"] for f in results(scheme_id).flags_of(emp)} == expected


def test_dingcan_day_with_ties(results):
    # 2026-10-15 (SCHEMES.md S7 rule 2, R-DC-1, R-DC-2, R-DC-3): orders 罗晓峰 32 = 唐雨欣 32 (both 1st, 2nd
    # vacant), bookings 唐雨欣 9 = 邱志远 9; 石磊 20/45 = 44% is gated. 唐雨欣 placed twice: max(3, 3) + 1.
    r = results("dingcan_points")
    day = {e: sum(line["points"] for line in r.explanation(e)
                  if line.get("date") == "2026-10-15" and line["rule"] == "DAY_PLACE")
           for e in ("DC01", "DC02", "DC03", "DC04", "DC06", "DC08")}
    assert day == {"DC01": 3, "DC02": 4, "DC03": 3, "DC04": 0, "DC06": 0, "DC08": 0}


def test_canyin_day_with_a_tie_at_the_top(results):
    # 2026-10-14, 商务一组 (R-CY-1, R-CY-2): 白露 9,800 = 崔浩 9,800 both +2; 方雅婷 late for the meeting -1
    r = results("canyin_center_points")
    lines = {e: [(line["rule"], line["points"]) for line in r.explanation(e) if line.get("date") == "2026-10-14"]
             for e in ("CY01", "CY02", "CY03")}
    assert lines == {"CY01": [("C_DAY_TOP", 2)], "CY02": [("C_DAY_TOP", 2)], "CY03": [("C_MEETING_LATE", -1)]}


def test_gubang_groups_tie_for_first(results):
    # R-G-2, R-GB-3: groups 1 and 2 tie at 103: both rank 1 and A; group 7 (27 < 35) is D
    r = results("gubang_group_rank")
    assert [r.employee(e).values["group.rank"] for e in ("GB01", "GB03", "GB05")] == [1, 1, 3]
    assert [r.employee(e).values["group.grade"] for e in ("GB01", "GB03", "GB13")] == ["A", "A", "D"]


def test_demo_files_are_in_the_package():
    # kpixl/demos/ lives inside the package, so the wheel carries it (packages = ["kpixl"])
    assert (ROOT / "kpixl" / "demos" / "weikang_100.json").is_file()


DUE = [
    ("gubang_group_rank", "GB10", "APPEAL", "due", "2026-11-04"),  # R-GB-11: Wed 10-28 + 5 working days
    ("branch_cs_scorecard", "FB03", "M_BOTTOM3_PLAN", "due", "2026-11-09"),  # R-BR-16: bulletin 11-05 + 4
    ("online_cs_kpi", "WK07", "M_BOTTOM3_PLAN", "due", "2026-11-11"),  # R-BR-16 (S5): bulletin 11-04 + 7
    ("gubang_group_rank", "GB06", "FLAG_PROBATION", "from", "2026-11"),  # R-GB-8: the month after
]


@pytest.mark.parametrize("scheme_id,emp,code,param,expected", DUE)
def test_hand_checked_flag_dates(results, scheme_id, emp, code, param, expected):
    flag = next(f for f in results(scheme_id).flags_of(emp) if f["code"] == code)
    assert str(flag["params"][param]) == expected
