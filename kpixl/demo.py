"""The bundled demo department (weikang_100, October 2026) used by ``kpixl demo``.

``kpixl new weikang_100 --demo --period 2026-10 -o workbook_templates/demo/weikang_100_demo.xlsx``
rebuilds the committed demo workbook from this data; tests/test_templates.py checks that the
committed file matches.
"""

from __future__ import annotations

from pathlib import Path

from kpixl.core.scheme import PACKAGE_DIR

DEMO_SCHEME = "weikang_100"
DEMO_PERIOD = "2026-10"
DEMO_FILE = "weikang_100_demo.xlsx"


def templates_dir() -> Path:
    for d in (PACKAGE_DIR.parent / "workbook_templates", PACKAGE_DIR / "_bundled" / "workbook_templates"):
        if d.is_dir():
            return d
    return PACKAGE_DIR.parent / "workbook_templates"


def demo_path() -> Path:
    return templates_dir() / "demo" / DEMO_FILE


_EMPLOYEES = [
    ("KF001", "王芳", "组长", "客服部", "一组", None),
    ("KF002", "李娜", "客服", "客服部", "一组", None),
    ("KF003", "张伟", "客服", "客服部", "一组", None),
    ("KF004", "刘洋", "客服", "客服部", "一组", None),
    ("KF005", "陈静", "客服顾问", "客服部", "一组", 3200),
    ("KF006", "杨磊", "组长", "客服部", "二组", None),
    ("KF007", "赵敏", "客服", "客服部", "二组", None),
    ("KF008", "黄强", "客服", "客服部", "二组", None),
    ("KF009", "周婷", "客服顾问", "客服部", "二组", 3000),
    ("KF010", "吴昊", "客服", "客服部", "二组", None),
    ("KF011", "徐丽", "客服", "VIP服务部", "VIP组", None),
    ("KF012", "孙杰", "客服顾问", "VIP服务部", "VIP组", 3500),
]

# (date, employee, rule, qty, value, note)
_EVENTS = [
    ("2026-10-08", "KF002", "ATT_LATE", None, None, "迟到12分钟"),
    ("2026-10-15", "KF002", "ATT_LATE_30", None, None, "迟到40分钟"),
    ("2026-10-09", "KF002", "LRN_ABSENT", None, None, "缺席周会"),
    ("2026-10-10", "KF002", "BIZ_SOP_ERROR", None, 3, "录单差错"),
    ("2026-10-31", "KF002", "BIZ_CALLBACK_SHORT", 12, None, "本月回访少12人次"),
    ("2026-10-12", "KF002", "BON_PRAISE_MINOR", 2, None, "电话表扬"),
    ("2026-10-20", "KF002", "BON_PRAISE_BANNER", None, None, "客户送锦旗"),
    ("2026-10-22", "KF002", "BON_OVERTIME", 3, None, "国庆后加班"),
    ("2026-10-05", "KF003", "ATT_LATE", 3, None, "三次迟到"),
    ("2026-10-06", "KF003", "ATT_EARLY", None, None, ""),
    ("2026-10-07", "KF003", "DIS_COMPLAINT", None, None, "客户投诉属实"),
    ("2026-10-13", "KF003", "HYG_NOT_CLEANED", None, None, "周一值日"),
    ("2026-10-14", "KF003", "BON_TMP_DONE", 2, None, ""),
    ("2026-10-16", "KF005", "BON_WEB_ARTICLE", 2, None, "健康专栏"),
    ("2026-10-17", "KF005", "CONS_REPORT_LATE", 2, None, "个性报告超期"),
    ("2026-10-23", "KF005", "CONS_LECTURE", None, 8, "讲座资料不充分"),
    ("2026-10-11", "KF001", "BIZ_COORD", None, 2, "排班协调不及时"),
    ("2026-10-18", "KF001", "BON_COVER", None, None, "临时兼前台"),
    ("2026-10-21", "KF001", "BON_SUGGESTION", None, None, "回访话术改进被采纳"),
    ("2026-10-19", "KF004", "ATT_MINOR", None, 0, "迟到3分钟，未影响工作，免扣"),
    ("2026-10-26", "KF004", "HYG_POOR_CLEAN", None, 2, "打扫不干净"),
    ("2026-10-28", "KF004", "BON_HEALTH_MATERIAL", None, None, ""),
    ("2026-10-09", "KF006", "TMP_LATE", None, None, "报表晚交"),
    ("2026-10-25", "KF006", "BON_FRICTION", None, None, "化解客户纠纷"),
    ("2026-10-27", "KF007", "BIZ_ANNIV_REMINDER_MISS", 5, None, "5位满一年客户未提示"),
    ("2026-10-29", "KF007", "BON_PRAISE_LETTER", None, None, "感谢信"),
    ("2026-10-14", "KF008", "ATT_UNAUTH", None, None, "未请假缺勤（按考勤制度处理）"),
    ("2026-10-20", "KF008", "DIS_NO_GREETING", None, None, ""),
    ("2026-10-30", "KF009", "CONS_REPORT_LATE", None, None, ""),
    ("2026-10-24", "KF010", "BON_OVERTIME", 2, None, ""),
    ("2026-10-12", "KF011", "BON_PRAISE_MINOR", None, None, ""),
    ("2026-10-30", "KF011", "BIZ_SERIOUS_NO_FOLLOWUP", None, None, "重大疾病客户未定期回访"),
    ("2026-10-22", "KF012", "BON_WEB_ARTICLE", None, None, ""),
]

_LEAVE_DAYS = {"KF001": 0, "KF002": 1, "KF003": 0, "KF004": 0, "KF005": 0, "KF006": 0.5, "KF007": 0, "KF008": 2,
               "KF009": 0, "KF010": 0, "KF011": 0, "KF012": 1}


def demo_data() -> dict:
    employees = [{"id": i, "name": n, "role": r, "department": d, "team": t, "base_salary": b}
                 for i, n, r, d, t, b in _EMPLOYEES]
    events = [{"date": d, "employee": e, "rule": r, "qty": q, "value": v, "note": n}
              for d, e, r, q, v, n in _EVENTS]
    metrics = [{"employee": e, "metric": "LEAVE_DAYS", "value": v} for e, v in _LEAVE_DAYS.items()]
    return {"employees": employees, "events": events, "metrics": metrics,
            "parameters": {"LEARNING_ACTIVITIES_HELD": 3}}


def as_dates(rows: list[dict]) -> list[dict]:
    """Rows with ISO date strings turned into dates, as a clerk's cells would hold them."""
    import datetime as dt

    out = []
    for r in rows:
        r = dict(r)
        for k in ("date", "week_start", "hire_date"):
            if isinstance(r.get(k), str):
                r[k] = dt.date.fromisoformat(r[k])
        out.append(r)
    return out
