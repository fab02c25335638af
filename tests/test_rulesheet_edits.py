"""Edits of the 规则 / Rules sheet take effect, or are an error at their cell and nobody is scored
(README "The sheet contract"; no silent wrong number).

Each workbook is ``kpixl new <scheme> --demo`` with Rules (and Events) cells edited as a clerk
edits them in Excel. What takes effect is checked against numbers worked out by hand from the
rules; what would not take effect (or would give a wrong number) must be refused at its cell:

- a scheme rule's 类别 cleared or changed (its points would leave its category's total);
- a new rule that no step of the scheme prices, or in a category whose points the scheme does
  not add for that kind;
- a blank or wrongly signed 分值 of a derived rule, an edit of points a step does not read from
  the rule table (a rank's own points lists, an info rule, a ladder's fines);
- a negative amount or percent of a money rule, points with more than 4 decimals;
- a percent typed as a fraction (0.05 for 5 %).
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import pytest
from conftest import cli
from openpyxl import load_workbook

from kpixl.core.errors import SchemeError
from kpixl.core.scheme import find_scheme, parse_scheme


def cell(ref: str) -> str:
    return f"规则!{ref} / Rules!{ref}"


@pytest.fixture(scope="module")
def demos(tmp_path_factory):
    """One demo workbook per scheme, made once; each test edits a copy."""
    made: dict[str, object] = {}
    root = tmp_path_factory.mktemp("demos")

    def get(scheme: str):
        if scheme not in made:
            path = root / f"{scheme}.xlsx"
            code, _, err = cli("new", scheme, "--demo", "-o", path)
            assert code == 0, err
            made[scheme] = path
        return made[scheme]

    return get


def book(demos, tmp_path, scheme: str, rules: dict | None = None, new_rules=(), events=()):
    """A copy of the demo with ``rules`` = {(code, column letter): value} typed on the Rules sheet,
    ``new_rules`` appended there and ``events`` appended to the Events sheet. Returns the path and
    the cell of each edit (``"F27"``) by (code, column), new rules by (code, column) too."""
    path = tmp_path / f"{scheme}.xlsx"
    shutil.copy(demos(scheme), path)
    wb = load_workbook(path)
    ws = wb["规则"]
    row_of = {r[0].value: r[0].row for r in ws.iter_rows(min_row=2) if r[0].value}
    refs = {}
    for (code, column), value in (rules or {}).items():
        ref = f"{column}{row_of[code]}"
        ws[ref] = value
        refs[(code, column)] = ref
    for values in new_rules:
        ws.append(list(values))
        for column in "ADEFI":
            refs[(values[0], column)] = f"{column}{ws.max_row}"
    for values in events:
        wb["事件"].append(list(values))
    wb.save(path)
    return path, refs


def results(path) -> tuple[int, dict]:
    code, out, err = cli("score", path, "--json", "--no-explain")
    return code, {r["employee_id"]: r for r in json.loads(out)}


def only_error_at(path, ref: str, code: str) -> dict:
    """The workbook's only error is ``code`` at Rules ``ref`` (bilingual, with its fix); every
    result is withheld and names that cell."""
    rc, out, _ = cli("validate", path, "--json")
    found = json.loads(out)
    assert rc == 1
    errors = [p for p in found if p["severity"] == "error"]
    assert [(p["code"], p["where"]) for p in errors] == [(code, cell(ref))], errors
    pr = errors[0]
    assert pr["message_zh"] and pr["message_en"] and pr["fix_zh"] and pr["fix_en"]
    rc, by_id = results(path)
    assert rc == 1 and by_id
    for r in by_id.values():
        assert (r["status"], r["score"], [e["where"] for e in r["errors"]]) == ("error", None, [cell(ref)])
    return pr


# ------------------------------------------------------------------ F1, F10: a rule's category


@pytest.mark.parametrize(("scheme", "code", "value"), [
    ("weikang_100", "ATT_LATE", None),        # S1: KF002's -5 would be dropped (93.8 instead of 88.8)
    ("weikang_100", "BON_OVERTIME", "ATT"),   # S1: a bonus in the capped ATT: columns would not add up
    ("kefu_rules_95", "TASK_LATE", None),     # S11
    ("service_norms_100", "SN01_TONE", None),  # S12: SN.points is the whole score
    ("canyin_center_points", "C_SIGN_A", "DAY"),  # S8: the total adds day_points, not DAY.points
])
def test_a_scheme_rules_category_cannot_be_cleared_or_changed(demos, tmp_path, scheme, code, value):
    path, refs = book(demos, tmp_path, scheme, {(code, "D"): value})
    pr = only_error_at(path, refs[(code, "D")], "rule_category_changed")
    assert code in pr["message_en"] and "scheme file" in pr["fix_en"]


# ------------------------------------------------------------------ F2: new rules


def test_a_new_deduction_in_a_deduction_category_takes_effect(demos, tmp_path):
    # S1 KF002 scores 100 - ATT 15 (capped) - LRN 2 - BIZ 4.2 + bonus 10 = 88.8; a new DIS rule of
    # -3 (DIS cap 15, KF002 has no DIS deduction) used once: 88.8 - 3 = 85.8.
    path, _ = book(demos, tmp_path, "weikang_100",
                   new_rules=[("DIS_NEW", "新扣分", "New deduction", "DIS", "deduct", -3, None, None, "次", None, None)],
                   events=[("2026-10-10", "KF002", "DIS_NEW", None, None, None)])
    rc, by_id = results(path)
    assert rc == 0
    assert Decimal(str(by_id["KF002"]["score"])) == Decimal("85.8")
    assert Decimal(str(by_id["KF001"]["score"])) == Decimal("114")  # (unchanged: 100 - 2 + 16)


def test_a_new_rule_no_step_prices_is_refused_at_its_code(demos, tmp_path):
    # S4 kefu_fines has no events step (only the escalation ladders): a new fine would be ignored
    path, refs = book(demos, tmp_path, "kefu_fines",
                      new_rules=[("FINE_NEW", "新罚款", "New fine", None, "money", 66.665, None, None, "次", None, None)],
                      events=[("2026-10-10", "ZS04", "FINE_NEW", None, None, None)])
    rc, out, _ = cli("validate", path, "--json")
    errors = [(p["code"], p["where"]) for p in json.loads(out) if p["severity"] == "error"]
    assert ("rule_new_unpriced", cell(refs[("FINE_NEW", "A")])) in errors
    rc, by_id = results(path)
    assert rc == 1 and all(r["status"] == "error" and r["score"] is None for r in by_id.values())


def test_a_new_deduction_in_s13_is_refused(demos, tmp_path):
    path, refs = book(demos, tmp_path, "qa_accuracy",
                      new_rules=[("QA_NEW", "新", "New", None, "deduct", -5, None, None, "次", None, None)])
    only_error_at(path, refs[("QA_NEW", "A")], "rule_new_unpriced")


def test_a_new_bonus_must_be_in_a_category_the_scheme_adds_bonuses_of(demos, tmp_path):
    # S8: DAY's points are the rank step's day_points (DAY.points is not in the total); bonuses
    # booked by the events step reach the score in SIGN only
    path, refs = book(demos, tmp_path, "canyin_center_points",
                      new_rules=[("C_NEW", "新加分", "New", "DAY", "bonus", 4, None, None, "次", None, None)])
    pr = only_error_at(path, refs[("C_NEW", "D")], "rule_new_category")
    assert "SIGN" in pr["fix_en"]


def test_a_new_bonus_where_the_scheme_has_no_bonus_category_is_refused(demos, tmp_path):
    # S11: Q_SPEED holds deductions only (capped at 10)
    path, refs = book(demos, tmp_path, "kefu_rules_95",
                      new_rules=[("SPEED_FAST", "快", "Fast", "Q_SPEED", "bonus", 2, None, None, "次", None, None)])
    only_error_at(path, refs[("SPEED_FAST", "A")], "rule_new_unpriced")


def test_a_new_money_rule_is_a_yuan_fine_never_an_award_or_a_percent(demos, tmp_path):
    path, refs = book(demos, tmp_path, "weikang_100",
                      new_rules=[("CONS_NEW", "新奖金", "New award", None, "奖金", 50, None, None, "元/次", None, None)])
    only_error_at(path, refs[("CONS_NEW", "E")], "rule_new_money_award")
    path, refs = book(demos, tmp_path, "weikang_100",
                      new_rules=[("CONS_PCT", "新扣款", "New fine", None, "money", 2, None, None, "%基础工资/次", None, None)])
    only_error_at(path, refs[("CONS_PCT", "I")], "rule_new_percent")


# ------------------------------------------------------------------ F3: derived rules


@pytest.mark.parametrize(("scheme", "code", "value", "error"), [
    ("cs_reward_pct", "DEPT_GOOD_1PCT", None, "rule_points_missing"),  # S6: HF01 48.00 instead of 96.00
    ("cs_reward_pct", "DEPT_GOOD_1PCT", -1, "rule_sign"),
    ("weikang_100", "BON_FULL_ATT", None, "rule_points_missing"),     # S1: KF001 109 instead of 114
    ("weikang_100", "BON_FULL_ATT", -5, "rule_sign"),                 # "full attendance costs points"
    ("canyin_center_points", "C_DAY_TOP", 3, "rule_points_fixed"),    # S8: the rank step's points list
    ("canyin_center_points", "C_MONTH_TOP_BONUS", 10, "rule_points_fixed"),
])
def test_a_derived_rules_points_blank_wrong_sign_or_not_read_are_errors(demos, tmp_path, scheme, code, value, error):
    path, refs = book(demos, tmp_path, scheme, {(code, "F"): value})
    only_error_at(path, refs[(code, "F")], error)


def test_a_derived_rules_points_edit_takes_effect_where_the_step_reads_them(demos, tmp_path):
    # S1 KF001: 100 - BIZ 2 + bonus 16 = 114, of which BON_FULL_ATT gives 5; at 8: 114 + 3 = 117
    path, _ = book(demos, tmp_path, "weikang_100", {("BON_FULL_ATT", "F"): 8})
    rc, by_id = results(path)
    assert rc == 0
    assert Decimal(str(by_id["KF001"]["score"])) == Decimal("117")


# ------------------------------------------------------------------ F4: info rules


@pytest.mark.parametrize(("scheme", "code", "value"), [
    ("kefu_fines", "FINE_IDLE_PERSONAL", 200),  # S4: the escalation ladder prices it
    ("weikang_100", "ATT_UNAUTH", -5),          # S1: recorded, scored by nothing
    ("qa_accuracy", "QA_FATAL", -5),            # S13: a check step reads the count
])
def test_points_typed_on_a_rule_no_step_reads_are_an_error(demos, tmp_path, scheme, code, value):
    path, refs = book(demos, tmp_path, scheme, {(code, "F"): value})
    pr = only_error_at(path, refs[(code, "F")], "rule_points_fixed")
    assert "scheme file" in pr["fix_en"]


# ------------------------------------------------------------------ F5, F6, percents: money and decimals


def test_a_negative_money_amount_is_a_sign_error(demos, tmp_path):
    # S1 CONS_REPORT_LATE at -5 would book -150.00 for KF009
    path, refs = book(demos, tmp_path, "weikang_100", {("CONS_REPORT_LATE", "F"): -5})
    only_error_at(path, refs[("CONS_REPORT_LATE", "F")], "rule_sign")


@pytest.mark.parametrize("value", [-0.12345, -1e-5])
def test_points_with_more_than_4_decimals_are_an_error_not_a_crash(demos, tmp_path, value):
    path, refs = book(demos, tmp_path, "weikang_100", {("DIS_NO_GREETING", "F"): value})
    only_error_at(path, refs[("DIS_NO_GREETING", "F")], "rule_decimals")


def test_a_percent_typed_as_a_fraction_is_an_error_where_the_scheme_uses_whole_percents(demos, tmp_path):
    # S1 CONS_REPORT_LATE is 5 %基础工资/次: 0.05 would deduct 0.05 % (KF009 1.50 instead of 150.00)
    path, refs = book(demos, tmp_path, "weikang_100", {("CONS_REPORT_LATE", "F"): 0.05})
    pr = only_error_at(path, refs[("CONS_REPORT_LATE", "F")], "rule_percent_fraction")
    assert "type 5" in pr["fix_en"]


def test_a_percent_edit_takes_effect(demos, tmp_path):
    # S1 KF009: 5 % x base salary x 1 = 150.00, so base x qty = 3000; at 6 %: 6 % x 3000 = 180.00
    path, _ = book(demos, tmp_path, "weikang_100", {("CONS_REPORT_LATE", "F"): 6})
    rc, by_id = results(path)
    assert rc == 0
    assert Decimal(str(by_id["KF009"]["money"]["deductions"])) == Decimal("180")


def test_a_fraction_below_a_fractional_scheme_percent_is_a_warning(demos, tmp_path):
    # S6 BEST_CS_0_5PCT is 0.5 % of wages: 0.3 may be meant (0.3 %), so it is a warning at its cell
    path, refs = book(demos, tmp_path, "cs_reward_pct", {("BEST_CS_0_5PCT", "F"): 0.3})
    rc, out, _ = cli("validate", path, "--json")
    found = json.loads(out)
    assert [p["code"] for p in found if p["severity"] == "error"] == []
    assert ("rule_percent_fraction", cell(refs[("BEST_CS_0_5PCT", "F")])) in [
        (p["code"], p["where"]) for p in found if p["severity"] == "warning"]


def _doc(scheme: str) -> dict:
    with open(find_scheme(scheme), encoding="utf-8") as fh:
        return json.load(fh)


@pytest.mark.parametrize(("code", "points", "error"), [
    ("ATT_LATE", "-0.12345", "rule_decimals"),
    ("CONS_REPORT_LATE", -5, "rule_sign"),
])
def test_scheme_file_rule_points_are_checked_the_same(code, points, error):
    doc = _doc("weikang_100")
    i = next(i for i, r in enumerate(doc["rules"]) if r["code"] == code)
    doc["rules"][i]["points"] = points
    with pytest.raises(SchemeError) as exc:
        parse_scheme(doc, "x.json")
    found = [(p.code, p.where) for p in exc.value.problems]
    assert (error, f"x.json $.rules[{i}]") in found


def test_points_on_a_new_info_rule_are_an_error(demos, tmp_path):
    # S1's events step records an info rule with 0 points: -5 typed on a new one would be ignored
    path, refs = book(demos, tmp_path, "weikang_100",
                      new_rules=[("ATT_NOTE", "记录", "Note", "ATT", "info", -5, None, None, "次", None, None)])
    only_error_at(path, refs[("ATT_NOTE", "F")], "rule_points_fixed")


def test_a_new_info_rule_without_points_is_accepted(demos, tmp_path):
    # recorded only: every score is as in the demo (KF002 88.8, by hand above)
    path, _ = book(demos, tmp_path, "weikang_100",
                   new_rules=[("ATT_NOTE", "记录", "Note", "ATT", "info", None, None, None, "次", None, None)],
                   events=[("2026-10-10", "KF002", "ATT_NOTE", None, None, None)])
    rc, by_id = results(path)
    assert rc == 0
    assert Decimal(str(by_id["KF002"]["score"])) == Decimal("88.8")


@pytest.mark.parametrize("percent", [123456789.1234, 100.5])
def test_a_percent_of_salary_above_100_is_an_error(demos, tmp_path, percent):
    # S1 CONS_REPORT_LATE is a percent of base salary: 123,456,789.1234 % fined KF005 7.9 billion yuan
    path, refs = book(demos, tmp_path, "weikang_100", {("CONS_REPORT_LATE", "F"): percent})
    rc, out, _ = cli("validate", path, "--json")
    assert rc == 1
    assert ("rule_percent_too_large", cell(refs[("CONS_REPORT_LATE", "F")])) in [(p["code"], p["where"]) for p in json.loads(out)]
