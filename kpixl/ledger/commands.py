"""The ledger's CLI commands: ``kpixl close`` and ``kpixl ledger periods|show|diff|export``.

Each opens the ledger, calls one library function and prints; library errors are typed
(LedgerError: exit 2, LedgerConflict: exit 1) and printed by ``kpixl.cli.main``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys

from kpixl.core.errors import UsageError, problem

from . import DEFAULT_NAME, ENV, book_key, close_book, ledger_url, open_ledger, score_month
from .store import LedgerError, check_intact, guard, redact, sqlite_path

# Texts a close records and `ledger periods` / `show` print on one line: line breaks, tabs, escape
# sequences and bidirectional overrides would break or disguise that line, so they are refused
# (exit 2) rather than stored and shown differently from how they were typed.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def control_chars(text: str) -> list[str]:
    """The control characters of ``text`` as escapes (``\\n``, ``\\x1b``, ``\\u202e``)."""
    import unicodedata

    return sorted({repr(c)[1:-1] for c in text if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI})


def one_line_text(option: str):
    """An argparse type: a text without control characters (a usage error names them and the fix)."""
    import argparse

    def check(text: str) -> str:
        found = control_chars(text)
        if found:
            raise argparse.ArgumentTypeError(
                f"含有控制字符 {' '.join(found)}（换行、制表符等），账本记录必须是一行文字；请去掉后重新输入 / "
                f"contains control characters {' '.join(found)} (a line break, tab ...); the ledger records {option} "
                "as one line of text: type it again without them")
        return text
    return check


def _period_label(text: str) -> str:
    """An argparse type: a period (2026-10, 2026/10, 2026年10月, 2026-Q4) as its label."""
    import argparse

    from kpixl.core.periods import parse_period

    try:
        return parse_period(text).label
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"考核期 “{text[:40]}” 无效，应写成月份 2026-03 或季度 2026-Q1 / invalid period '{text[:40]}': "
            "write a month (2026-03) or a quarter (2026-Q1)") from None


def _version(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"版本 “{text[:20]}” 无效，应为 1、2、3…… / invalid version '{text[:20]}': "
                                         "write 1, 2, 3 ... (ledger periods lists them)")
    return value


def _date(text: str) -> dt.date:
    import argparse

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text[:40]}” 不是日期，应写成 2026-10-05 / '{text[:40]}' is not a date: "
                                         "write it as 2026-10-05") from None


FILED_WITHIN_DAYS = 366  # an appeal filed more than a year after its month ended is a typo (2099, 2062 for 2026)


def check_filed(filed: dt.date | None, appeal: str, period) -> None:
    """--filed: only with --appeal, not before the period begins, and not more than a year after it
    ends (UsageError, exit 2). Judged against the period, never the clock, so a run gives the same
    answer whenever it is made.

    A filing inside the month is allowed: S14 records appeals as events dated inside the month
    (R-GB-11), and one filed on the 28th can be upheld after the month was closed."""
    if filed is None:
        return
    if not appeal:
        raise UsageError([problem("filed_without_appeal", "--filed", "--filed 是申诉的提交日，但没有给出 --appeal。",
                                  "--filed is an appeal's filing date, but no --appeal was given.",
                                  "加上 --appeal 申诉编号，或去掉 --filed。", "Add --appeal ID, or drop --filed.")])
    latest = period.month_periods()[-1].end + dt.timedelta(days=FILED_WITHIN_DAYS)
    if filed < period.start:
        zh, en = f"早于考核期 {period.label} 的开始（{period.start}）", f"is before {period.label} begins ({period.start})"
    elif filed > latest:
        zh, en = (f"比考核期 {period.label} 晚了一年以上（最晚 {latest}）",
                  f"is more than a year after {period.label} ends (at the latest {latest})")
    else:
        return
    raise UsageError([problem("appeal_filed_implausible", f"--filed {filed}", f"申诉提交日 {filed} {zh}。",
                              f"The appeal filing date {filed} {en}.",
                              "检查申诉单上的提交日期（写成 2026-10-05）；不写 --filed 表示今天。",
                              "Check the filing date on the appeal form (write it as 2026-10-05); without --filed it is today.")])


def _by(args) -> str:
    if args.by:
        return args.by
    try:
        return getpass.getuser()
    except Exception:  # no user name in a container
        return "-"


def cmd_close(args) -> int:
    from kpixl.core.engine import score
    from kpixl.workbook.read import read_workbook

    # pandas: imported when a close runs, not when the parser is built
    from .chain import resolve_key
    from .close import closable, locked

    scheme, raw = read_workbook(args.book, scheme=args.scheme, period=args.period, engine=args.engine)
    if raw.period is None:
        score(scheme, raw)  # raises the located "no period" problem
    check_filed(args.filed, args.appeal or "", raw.period)
    if args.key and control_chars(args.key):
        raise UsageError([problem("control_chars", f"--key {args.key!r}", "--key 含有控制字符（换行、制表符等）。",
                                  "--key contains control characters (a line break, tab ...).",
                                  "去掉后重新输入。", "Type it again without them.")])
    url = ledger_url(args.book, args.ledger, create=True)
    filed = args.filed
    key = args.key or book_key(scheme, raw)
    scored = None
    if not url.startswith(("postgresql://", "postgres://")) and not sqlite_path(url).exists():
        # nothing closed yet: score now and refuse a blocked month before a ledger file is created
        from .carry import needed

        scored = (score(scheme, raw), raw, needed(scheme, raw.period, {}, []))
        closable(scored[0], args.partial, raw.source)
    with guard(url):
        store = open_ledger(url)
        try:
            check_intact(store)  # never a close into a damaged ledger
            key = resolve_key(store, key)
            if scored is None:
                locked(store, key, raw.period.label, args.reason or args.appeal or "")  # "locked" before "blocked"
                scored = score_month(store, scheme, raw, key, explicit=bool(args.key))
                closable(scored[0], args.partial, raw.source)
            closed, _ = close_book(store, scheme, raw, _by(args), key, scored, workbook=str(args.book), partial=args.partial,
                                   reason=args.reason or "", appeal=args.appeal or "", appeal_filed=filed,
                                   drop=list(args.drop or []))
        finally:
            store.close()
    print(f"已关账 closed {closed.period} v{closed.version} · {key} · {closed.employees} 名员工 employees → {redact(url)}")
    if closed.dropped:
        print(f"  不再在本月 no longer in {closed.period}: {', '.join(closed.dropped)} "
              f"（在 v{closed.version - 1} 中，本版本没有 / in v{closed.version - 1}, not in this version; --drop）")
    for lo in closed.left_out:
        print(f"  未关账 left out {lo['employee']}: {lo['where']} {lo['reason_zh']} / {lo['reason_en']}")
    if closed.appeal_due:
        print(f"  申诉 appeal {args.appeal}: 答复期限 reply due {closed.appeal_due} (R-GB-11)")
    if closed.affected:
        shown = ", ".join(f"{p} v{v}" for p, v in closed.affected)
        print(f"  受影响 affected: {shown} 直接或经由其间的月份读取了被取代的版本，或在本月之前就已关账，需按月份顺序重新关账"
              "（不会自动重算） / read the superseded version, directly or through the months between, or were closed "
              "before this month; close them again in month order (they are not recomputed)")
    return 0


def _url(args) -> str:
    url = args.ledger or os.environ.get(ENV) or DEFAULT_NAME
    return url


def _open(args):
    url = _url(args)
    if not url.startswith(("postgresql://", "postgres://")) and not os.path.exists(url):
        raise LedgerError([problem("ledger_missing", url, f"账本 {url} 不存在。", f"Ledger {url} does not exist.",
                                   "用 --ledger 指定账本，或先用 kpixl close 关账一个月。",
                                   "Point --ledger at the ledger, or close a month first (kpixl close).")])
    store = open_ledger(url, create=False)
    try:
        check_intact(store)
    except BaseException:
        store.close()
        raise
    return url, store


def _read(args, view, *view_args):
    """Open the ledger, run one view (views.py) on it, close it; driver errors become LedgerError."""
    url = _url(args)
    with guard(url):
        url, store = _open(args)
        try:
            return view(store, *view_args)
        finally:
            store.close()


def cmd_periods(args) -> int:
    from .views import periods

    lines = _read(args, periods, args.key)
    print("\n".join(lines) if lines else "账本为空 / the ledger is empty")
    return 0


def cmd_show(args) -> int:
    from .views import show

    lines = _read(args, show, args.employee_id, args.period, args.key)
    if not lines:
        if args.period:
            print(f"账本中没有员工 {args.employee_id} 在 {args.period} 的记录 / employee {args.employee_id} has no "
                  f"record for {args.period} in the ledger (kpixl ledger periods lists the closed months)", file=sys.stderr)
        else:
            print(f"账本中没有员工 {args.employee_id} / employee {args.employee_id} is not in the ledger", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def cmd_diff(args) -> int:
    from .views import diff

    lines = _read(args, diff, args.period_label, args.v1, args.v2, args.key)
    print("\n".join(lines))
    missing = any(line.startswith("账本中没有") or "没有版本 no version" in line for line in lines)
    return 1 if missing else 0


def cmd_export(args) -> int:
    from .views import export

    if not args.output:
        _read(args, export, sys.stdout)
        return 0
    from kpixl.workbook.atomic import atomic_target
    from kpixl.workbook.outputs import check_output

    url = _url(args)
    ledger_file = [] if url.startswith(("postgresql://", "postgres://")) else [sqlite_path(url)]
    check_output(args.output, ledger_file, force=args.force)  # never onto the ledger or a clerk's workbook
    if os.path.splitext(args.output)[1].lower() in (".xlsx", ".xlsm", ".xls", ".db", ".csv"):
        raise LedgerError([problem(
            "output_suffix", args.output, f"导出的是 JSON 行，文件名 {args.output} 的扩展名不对。",
            f"The export is JSON lines; the name {args.output} says otherwise.",
            "用 .jsonl 文件名，如 ledger.jsonl。", "Give a .jsonl name, e.g. ledger.jsonl.")])

    def to_file(store) -> int:
        with atomic_target(args.output) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            return export(store, fh)

    print(f"已导出 exported {_read(args, to_file)} 行 rows → {args.output}")
    return 0


def add_parsers(sub, book_args) -> None:
    """The ledger's subcommands (``close``, ``ledger ...``)."""
    sp = sub.add_parser("close", help="关账：把本月结果记入账本 / close the month into the ledger")
    book_args(sp)
    sp.add_argument("--by", type=one_line_text("--by"), help="关账人 who closes (default: the login name)")
    sp.add_argument("--partial", action="store_true", help="有错误的员工不关账，记录原因 / close the others, record who was left out")
    sp.add_argument("--reason", type=one_line_text("--reason"),
                    help="重新关账的原因 / why a closed month is closed again (a new version)")
    sp.add_argument("--appeal", type=one_line_text("--appeal"), help="申诉编号 appeal id (a re-close after an upheld appeal)")
    sp.add_argument("--filed", type=_date, help="申诉提交日 appeal filing date, e.g. 2026-11-02 (default: today)")
    sp.add_argument("--drop", action="append", metavar="ID", type=one_line_text("--drop"),
                    help="重新关账时确认某员工不再属于本月（可重复）/ a re-close: this employee of the version replaced "
                         "is no longer in the month (repeatable)")
    sp.set_defaults(func=cmd_close)

    lp = sub.add_parser("ledger", help="查看账本 / the ledger: periods, show, diff, export")
    lsub = lp.add_subparsers(dest="ledger_command", required=True)

    def common(p):
        p.add_argument("--ledger", help=f"账本 ledger: a file or postgresql://... (default: ${ENV}, else ./{DEFAULT_NAME})")
        p.add_argument("--key", help=argparse_help_key())

    p = lsub.add_parser("periods", help="已关账的月份和版本 / closed months and their versions")
    common(p)
    p.set_defaults(func=cmd_periods)
    p = lsub.add_parser("show", help="某员工的每个版本 / every version of one employee's results")
    common(p)
    p.add_argument("employee_id")
    p.add_argument("--period", type=_period_label, help="考核期 period, e.g. 2026-03 or 2026-Q1")
    p.set_defaults(func=cmd_show)
    p = lsub.add_parser("diff", help="两个版本之间的变化 / what changed between two versions of a month")
    common(p)
    p.add_argument("period_label", metavar="PERIOD", type=_period_label)
    p.add_argument("--v1", type=_version)
    p.add_argument("--v2", type=_version)
    p.set_defaults(func=cmd_diff)
    p = lsub.add_parser("export", help="导出为 JSON 行（备份）/ export as JSON lines (backup)")
    common(p)
    p.add_argument("-o", "--output", help="文件 file (default: standard output)")
    p.add_argument("--force", action="store_true", help="可以替换另一个 kpixl 输入工作簿 / may replace another kpixl input workbook")
    p.set_defaults(func=cmd_export)


def argparse_help_key() -> str:
    return "账本中的部门键 department key in the ledger (default: scheme/department from the 员工 sheet)"
