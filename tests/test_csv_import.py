"""``kpixl import BOOK metrics.csv -o OUT``: a call-centre system's export into a new workbook.

The CSV rows get the Metrics sheet's validation, problems name the CSV line, and nothing is
written unless the CSV is clean; the input workbook never changes.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from conftest import cli, run
from openpyxl import load_workbook

EMPLOYEES = [{"id": "Q01", "name": "甲", "hire_date": "2025-01-01"}, {"id": "Q02", "name": "乙", "hire_date": "2025-01-01"}]
QC = {"I_FRAUD": 0, "I_COMPLAINT": 0, "I_BIZ_ERR": 0, "I_FEE_ERR": 0, "I_AVG": 96, "M_FRAUD": 0, "M_COMPLAINT": 0,
      "M_BIZ_ERR": 0, "M_FEE_ERR": 0, "M_AVG": 94}


@pytest.fixture
def book(tmp_book):
    return tmp_book("service_quality_grade", employees=EMPLOYEES,
                    metrics=[{"employee": "Q02", "metric": k, "value": v} for k, v in {**QC, "WORK_HOURS": 176}.items()])


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_csv(path, lines, encoding="utf-8"):
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_clean_csv_is_appended_to_a_new_workbook(book, tmp_path):
    lines = ["工号,指标代码,数值,备注"] + [f"Q01,{k},{v}," for k, v in QC.items()] + ["Q01,WORK_HOURS,160.5,导出"]
    csv_path = write_csv(tmp_path / "export.csv", lines)
    before = digest(book)
    out = tmp_path / "out.xlsx"
    code, stdout, _ = cli("import", book, csv_path, "-o", out)
    assert code == 0 and "11" in stdout
    assert digest(book) == before  # the input is untouched
    rows = [r for r in load_workbook(out)["指标"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert len(rows) == 22 and rows[-1][:3] == ("Q01", "WORK_HOURS", 160.5)
    # the new workbook scores: (96 + 94)/2 = 95 -> 优秀; 160.5 h: floor(15.5/8) = 1 -> 300 - 10 = 290
    code, out_text, _ = cli("score", out, "--employee", "Q01")
    assert code == 0 and "290.00" in out_text


def test_problems_name_the_csv_line_and_nothing_is_written(book, tmp_path):
    csv_path = write_csv(tmp_path / "export.csv", [
        "employee,metric,value",
        "Q01,I_AVG,96",
        "Q99,I_AVG,90",        # line 3: unknown employee
        "Q01,M_AVG,abc",       # line 4: not a number
        "Q01,BOGUS,1",         # line 5: unknown metric
        "Q02,I_AVG,95",        # line 6: already on the workbook's Metrics sheet
        "Q01,I_AVG,97",        # line 7: twice in the CSV
    ])
    out = tmp_path / "out.xlsx"
    code, stdout, _ = cli("import", book, csv_path, "-o", out)
    assert code == 1 and not out.exists()
    for where in ("export.csv 第3行 / line 3（employee）", "export.csv 第4行 / line 4（value）",
                  "export.csv 第5行 / line 5（metric）", "export.csv 第6行 / line 6（metric）",
                  "export.csv 第7行 / line 7（metric）"):
        assert where in stdout
    assert "Nothing was written" in stdout


def test_missing_column_is_reported(book, tmp_path):
    csv_path = write_csv(tmp_path / "export.csv", ["工号,数值", "Q01,96"])
    code, stdout, _ = cli("import", book, csv_path, "-o", tmp_path / "out.xlsx")
    assert code == 1 and "Metric" in stdout


def test_gb18030_export(book, tmp_path):
    # Chinese Excel saves CSV as GB18030/GBK
    csv_path = write_csv(tmp_path / "export.csv", ["工号,指标代码,数值", "Q01,I_AVG,96"], encoding="gb18030")
    code, _, _ = cli("import", book, csv_path, "-o", tmp_path / "out.xlsx")
    assert code == 0


def test_refuses_to_overwrite_the_input(book, tmp_path):
    csv_path = write_csv(tmp_path / "export.csv", ["工号,指标代码,数值", "Q01,I_AVG,96"])
    code, _, err = cli("import", book, csv_path, "-o", book)
    assert code == 2 and "overwrite" in err


def test_imported_rates_stay_exact(book, tmp_path):
    # R-G-15: a rate is used exactly as entered; 94.995 must not become a float artefact
    # (95 + 94.99)/2 = 94.995 is judged as 95.00 -> 优秀 (R-SQ-2), only if 94.99 arrives exactly
    rows = {**QC, "I_AVG": 95, "M_AVG": "94.99"}
    csv_path = write_csv(tmp_path / "export.csv", ["工号,指标代码,数值"] + [f"Q01,{k},{v}" for k, v in rows.items()]
                         + ["Q01,WORK_HOURS,176"])
    out = tmp_path / "out.xlsx"
    assert cli("import", book, csv_path, "-o", out)[0] == 0
    from kpixl.core.engine import score
    from kpixl.workbook.read import read_workbook

    result = score(*read_workbook(out))
    values = result.employee("Q01").values
    assert values["AVG"] == Decimal("95.00") and values["grade"] == "G_EXCELLENT"


def test_same_validation_as_the_sheet():
    # The records route and the CSV route share check_metrics: a value below the metric's minimum
    r = run("service_quality_grade", employees=EMPLOYEES,
            metrics=[{"employee": "Q01", "metric": "WORK_HOURS", "value": -1}])
    assert "out_of_range" in {p.code for p in r.employee("Q01").problems}
