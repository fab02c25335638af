"""``kpixl``: create, validate, score and report workbooks; the nightly job; the demo.

Each command opens its inputs, calls one library function and turns typed library errors
into a bilingual message and an exit code: 0 ok, 1 problems found, 2 bad usage or an
unreadable file.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

from kpixl import __version__
from kpixl.core.errors import KpixlError, Problem
from kpixl.core.numbers import plain

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
MAX_PRINTED_PROBLEMS = 200
PRINTED_PER_EMPLOYEE = 20  # then one "… and N more problems for KF002" line per employee


def _print_problems(problems: list[Problem], stream=None) -> None:
    from kpixl.core.errors import summarise

    stream = stream or sys.stdout
    problems = summarise(problems, per_owner=PRINTED_PER_EMPLOYEE)
    for p in problems[:MAX_PRINTED_PROBLEMS]:
        print(p.text(), file=stream)
    if len(problems) > MAX_PRINTED_PROBLEMS:
        print(f"… 另有 {len(problems) - MAX_PRINTED_PROBLEMS} 个问题 / {len(problems) - MAX_PRINTED_PROBLEMS} more "
              "(kpixl report 会全部写入 问题 表 / all are listed on the report's 问题 sheet)", file=stream)


def _load(args, progress=None):
    from kpixl.workbook.read import read_workbook

    if progress:
        progress.show(f"读取 reading {args.book} …")
    scheme, inputs = read_workbook(args.book, scheme=getattr(args, "scheme", None), period=getattr(args, "period", None),
                                   engine=getattr(args, "engine", None))
    return _with_ledger(args, scheme, inputs)


def _score(args, progress=None):
    """Read and score ``args.book``; on a terminal, a progress line on stderr says which stage runs."""
    return _score_standing(args, progress)[0]


def _score_standing(args, progress=None):
    """``(result, standing)``: the scored month and, when it is already closed, its standing in the
    ledger (kpixl/ledger/standing.py); figures that differ from the closed version are a warning."""
    from kpixl.core.engine import score
    from kpixl.terminal import Progress

    progress = progress or Progress()
    try:
        scheme, inputs = _load(args, progress)
        progress.show(f"计分 scoring {len(inputs.employees)} 名员工 employees …")
        result = score(scheme, inputs)
    finally:
        progress.clear()
    from kpixl.ledger.standing import standing

    found = standing(scheme, inputs, result, args.book, getattr(args, "ledger", None), getattr(args, "key", None))
    if found is not None and found.problem() is not None:
        result.problems.append(found.problem())
    return result, found


# ----------------------------------------------------------------------------- commands


def cmd_schemes(args) -> int:
    from kpixl.core.scheme import scheme_titles

    for sid, title in scheme_titles():  # ids and titles only: `kpixl validate` checks a scheme in full
        if title is None:
            print(f"{sid:<24} 无效 invalid: 不是含 title 的 JSON 文件 / not a JSON file with a title")
        else:
            print(f"{sid:<24} {title['zh']} / {title['en']}")
    return EXIT_OK


def cmd_new(args) -> int:
    from kpixl.core.periods import parse_period, period_from_name, periods_agree
    from kpixl.core.scheme import load_scheme
    from kpixl.workbook.template import build_workbook

    scheme = load_scheme(args.scheme_id)
    out = Path(args.output)
    if out.exists() and not args.force:
        print(f"{out} 已存在，未覆盖。使用 --force 覆盖。 / {out} exists; not overwritten. Use --force to replace it.",
              file=sys.stderr)
        return EXIT_USAGE
    named = period_from_name(out.stem)
    period = parse_period(args.period) if args.period else named
    if named is not None and not periods_agree(period, named):
        print(f"文件名 {out.name} 表示 {named.label}，但 --period 是 {period.label}：生成的工作簿会被判为错误。"
              f"请改文件名或去掉 --period。 / The file name {out.name} says {named.label} but --period says "
              f"{period.label}: the workbook would be reported as a copied month. Rename the file or drop --period.",
              file=sys.stderr)
        return EXIT_USAGE
    data = None
    if args.demo:
        from kpixl.demo import demo_data, load_demo

        demo_period = parse_period(load_demo(scheme.id)["period"])
        if period is not None and period.label != demo_period.label:
            print(f"{scheme.id} 的演示数据属于 {demo_period.label}，不是 {period.label}。去掉 --period，或用不含其他月份的文件名。"
                  f" / The {scheme.id} demo month is {demo_period.label}, not {period.label}: drop --period or use a"
                  " file name without another month.", file=sys.stderr)
            return EXIT_USAGE
        period = demo_period
        data = demo_data(scheme.id)
    build_workbook(scheme, out, period, data, excel=getattr(args, "excel", False))
    print(f"已生成 created {out} ({scheme.id}{', ' + period.label if period else ''})")
    if period is None:
        print(f"文件名 {out.name} 中没有考核期（如 2026-10、2026年10月、2026-Q4），参数表的 PERIOD 为空：请在 PERIOD 填写考核月份，"
              f"或用 --period 2026-10 重新生成。 / No period found in the file name {out.name} (e.g. 2026-10, "
              "2026年10月, 2026-Q4), so PERIOD is empty: fill in PERIOD on the 参数 sheet, or run again with --period 2026-10.")
    return EXIT_OK


def cmd_validate(args) -> int:
    result = _score(args)
    problems = result.problems
    if args.json:
        print(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        _print_problems(problems)
        errors = len(result.errors)
        warnings = len(result.warnings)
        if errors:
            print(f"\n{args.book}: {errors} 个错误 errors, {warnings} 个警告 warnings。修正后重新运行 kpixl validate。"
                  f" / Fix them and run kpixl validate again.")
        else:
            print(f"{args.book}: 没有错误 no errors ({warnings} 个警告 warnings) · {result.scheme.id} · {result.period.label}"
                  f" · {len(result.employees)} 名员工 employees")
    return EXIT_PROBLEMS if result.errors else EXIT_OK


def _fmt(value, fmt: str = "points") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "是" if value else "否"
    if fmt == "money":
        from kpixl.core.numbers import money

        return f"{money(value):,}"
    try:
        return plain(value)
    except (TypeError, AttributeError):
        return str(value)


def cmd_score(args) -> int:
    from kpixl.terminal import problem_text, score_lines

    result = _score(args)
    emps = result.employees
    if args.employee:
        known = {e.id for e in emps}
        missing = [i for i in args.employee if i not in known]
        if missing:
            shown = "、".join(missing)
            print(f"员工 {shown} 不在员工表中。 / Employee {', '.join(missing)} is not on the Employees sheet.",
                  file=sys.stderr)
            return EXIT_USAGE
        emps = [e for e in emps if e.id in set(args.employee)]
    if args.json:
        records = [result.employee_record(e, explain=not args.no_explain) for e in emps]
        json.dump(records, sys.stdout, ensure_ascii=False, indent=None if args.compact else 2)
        sys.stdout.write("\n")
        wide = [p for p in result.problems if p.employee is None]  # in no employee's record: said here
        for p in wide[:MAX_PRINTED_PROBLEMS]:
            print(problem_text(p, args.lang), file=sys.stderr)
        if len(wide) > MAX_PRINTED_PROBLEMS:
            print(f"… {len(wide) - MAX_PRINTED_PROBLEMS} more: kpixl validate", file=sys.stderr)
        if result.errors:
            print(f"{len(result.errors)} 个错误 errors (see each employee's \"errors\")", file=sys.stderr)
        return EXIT_PROBLEMS if result.errors else EXIT_OK
    for line in score_lines(result, emps, args.lang, wide=args.wide, codes=args.codes):
        print(line)
    if args.explain:
        for e in emps:
            if e.ok:
                print(f"\n{e.id} {e.name}")
                print(result.explain_text(e.id, args.lang))
    if result.problems:
        print(file=sys.stderr)
        for p in result.problems[:MAX_PRINTED_PROBLEMS]:
            print(problem_text(p, args.lang), file=sys.stderr)
        more = len(result.problems) - MAX_PRINTED_PROBLEMS
        if more > 0:
            print(f"… {more} more: kpixl report" if args.lang == "en" else f"… 另有 {more} 个问题：见 kpixl report",
                  file=sys.stderr)
    return EXIT_PROBLEMS if result.errors else EXIT_OK


def cmd_explain(args) -> int:
    result, found = _score_standing(args)
    try:
        e = result.employee(args.employee_id)
    except KeyError:
        print(f"员工 {args.employee_id} 不在员工表中。 / Employee {args.employee_id} is not on the Employees sheet.",
              file=sys.stderr)
        return EXIT_USAGE
    if not e.ok:
        _print_problems(e.problems)
        return EXIT_PROBLEMS
    main = result.scheme.main_output
    print(f"{e.id} {e.name} · {main.zh} {_fmt(e.values.get(main.value), main.format)} · {result.period.label}")
    print(result.explain_text(e.id, args.lang))
    if found is not None:
        _print_standing(found, e.id)
    return EXIT_OK


def _print_standing(found, employee: str | None = None) -> None:
    """On stderr: the month is closed as vN, and whether these figures are the closed ones."""
    if employee is not None:
        same = employee not in found.differing
    else:
        same = found.same_figures
    if same and employee is None and not found.shown:  # every employee withheld: no figure to agree
        print(f"账本 ledger: {found.period} 已关账 closed v{found.version}；本次没有显示数字（所有员工暂不计算，见错误） / "
              f"no figures are shown (every employee is withheld, see the errors){found.stale_text()}", file=sys.stderr)
    elif same:
        print(f"账本 ledger: {found.period} 已关账 closed v{found.version}；这些数字与账本一致 / these are the closed figures"
              f"{found.stale_text()}", file=sys.stderr)
    else:
        p = found.problem()
        print(one_line(p) if employee is None else
              f"{p.where}: {found.period} 已关账 closed v{found.version}；员工 {employee} 的数字与账本不同 / employee "
              f"{employee}'s figures differ from the closed ones (kpixl ledger show {employee} --period {found.period})",
              file=sys.stderr)


def cmd_report(args) -> int:
    from kpixl.workbook.outputs import check_output
    from kpixl.workbook.report import summary_lines, write_report
    from kpixl.workbook.report_detail import companion_path, detail_count, goes_apart

    t0 = time.perf_counter()
    out = Path(args.output)
    check_output(out, [args.book, *_ledger_file(args)], force=args.force, suffix=".xlsx")
    result, found = _score_standing(args)
    write_report(result, out, args.book, ledger_version=found.label() if found else None)
    for line in summary_lines(result):
        print(line)
    if found is not None:
        _print_standing(found)
    print(f"报表 report: {out} ({time.perf_counter() - t0:.2f}s)")
    if goes_apart(result):
        print(f"明细 detail: {companion_path(out)} ({detail_count(result):,} 行 lines; "
              f"kpixl detail {companion_path(out).name} --employee 工号/ID)")
    if result.errors:
        print(f"{len(result.errors)} 个错误 errors — 见报表的 问题 表 / see the report's 问题 (Issues) sheet", file=sys.stderr)
    return EXIT_PROBLEMS if result.errors else EXIT_OK


def cmd_detail(args) -> int:
    """One employee's detail lines from a report's companion file (report_detail.py)."""
    from kpixl.workbook.outputs import check_output
    from kpixl.workbook.report_detail import line_texts, lines_sheet, read_lines
    from kpixl.workbook.xlsx_out import write_xlsx

    if args.output is not None:
        check_output(Path(args.output), [args.companion], force=args.force, suffix=".xlsx")
    lines = read_lines(args.companion, args.employee)
    if lines.empty:
        print(f"{args.companion} 中没有员工 {args.employee} 的明细行：检查工号。 / "
              f"No lines for employee {args.employee} in {args.companion}: check the ID.", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.output is not None:
        write_xlsx(args.output, [lines_sheet(lines)])
        print(f"{args.employee}: {len(lines)} 行 lines -> {args.output}")
        return EXIT_OK
    print(f"{args.employee}: {len(lines)} 行 lines ({args.companion})")
    for line in line_texts(lines):
        print(line)
    return EXIT_OK


def cmd_import(args) -> int:
    from kpixl.workbook.csv_import import import_metrics

    result = import_metrics(args.book, args.csv, args.output, scheme=args.scheme, encoding=args.encoding,
                            force=args.force)
    _print_problems(result.problems, sys.stdout)
    if not result.ok:
        errors = sum(p.is_error for p in result.problems)
        print(f"\n{args.csv}: {errors} 个错误 errors，未写入任何文件。修正 CSV 后重新导入。"
              f" / Nothing was written; fix the CSV and import again.")
        return EXIT_PROBLEMS
    print(f"已导入 imported {result.rows} 行指标 metric rows → {result.output}（原工作簿未改动 / input unchanged）")
    return EXIT_OK


def cmd_nightly(args) -> int:
    from kpixl.batch import run_nightly
    from kpixl.terminal import Progress

    if args.scheme:  # an unknown scheme is a usage error before any book runs (as in kpixl score)
        from kpixl.core.scheme import load_scheme

        load_scheme(args.scheme)
    summary = run_nightly(args.inputs, args.out, jobs=args.jobs, scheme=args.scheme, period=args.period,
                          log=args.log, timeout=args.timeout, max_memory=args.max_memory,
                          progress=Progress())
    return summary.exit_code


def cmd_demo(args) -> int:
    from kpixl.core.engine import score
    from kpixl.demo import demo_path, load_demo
    from kpixl.terminal import Progress
    from kpixl.workbook.read import read_workbook
    from kpixl.workbook.report import summary_lines, write_report

    doc = load_demo(args.scheme_id)
    book = demo_path(args.scheme_id)
    if not book.is_file():
        print(f"找不到演示工作簿 {book}；用 kpixl new {args.scheme_id} --demo -o {book.name} 重建。"
              f" / The demo workbook {book} is missing; rebuild it with kpixl new {args.scheme_id} --demo -o {book.name}.",
              file=sys.stderr)
        return EXIT_USAGE
    t0 = time.perf_counter()
    out = Path(args.output)
    from kpixl.workbook.outputs import check_output

    check_output(out, [book], force=args.force, suffix=".xlsx")  # like report -o: never a clerk's workbook
    progress = Progress()
    try:
        progress.show(f"读取 reading {book.name} …")
        scheme, inputs = read_workbook(book)
        progress.show("计分 scoring …")
        result = score(scheme, inputs)
        progress.show(f"写入 writing {out} …")
        write_report(result, out, book)
    finally:
        progress.clear()
    print(f"演示 demo: {doc['title']['zh']} / {doc['title']['en']}")
    print(f"工作簿 workbook: {book}")
    for note in doc.get("notes", []):
        print(f"  · {note['zh']}\n    {note['en']}")
    for line in summary_lines(result):
        print(line)
    print(f"报表 report: {out.resolve()} ({time.perf_counter() - t0:.2f}s)")
    print(f"下一步 next: kpixl score {book} --explain ; kpixl new {scheme.id} -o {result.period.label}.xlsx")
    return EXIT_OK if result.ok else EXIT_PROBLEMS


# ----------------------------------------------------------------------------- ledger (month close)


def _ledger_file(args) -> list[str]:
    """The local ledger file the run reads (nothing written may replace it), as a list of 0 or 1."""
    from kpixl.ledger import ledger_url
    from kpixl.ledger.store import sqlite_path

    url = ledger_url(args.book, getattr(args, "ledger", None))
    return [] if url is None or url.startswith(("postgresql://", "postgres://")) else [str(sqlite_path(url))]


def _with_ledger(args, scheme, inputs):
    """Merge what the rules need from closed months (kpixl/ledger); unchanged when no ledger is in use."""
    from kpixl.ledger import with_history

    inputs, _reads = with_history(scheme, inputs, args.book, getattr(args, "ledger", None), getattr(args, "key", None))
    return scheme, inputs


def _add_ledger_parsers(sub, book_args) -> None:
    from kpixl.ledger.commands import add_parsers

    add_parsers(sub, book_args)


# ----------------------------------------------------------------------------- parser


def _period_arg(text: str) -> str:
    """--period: a month (2026-10) or a quarter (2026-Q4); anything else is a usage error (exit 2)."""
    from kpixl.core.periods import parse_period

    try:
        parse_period(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"考核期 “{text[:40]}” 无效，应写成 2026-10 或 2026-Q4 / invalid period '{text[:40]}': "
            "write a month (2026-10) or a quarter (2026-Q4)") from None
    return text


def _positive(kind: type, unit: str = ""):
    def check(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not 0 < value < 1e9:  # also refuses nan and inf
            raise argparse.ArgumentTypeError(f"“{text[:20]}” 必须是正数{unit} / must be a positive number{unit}")
        return value
    return check


_USAGE_ZH = [  # argparse's own usage errors (English), each with its Chinese
    (re.compile(r"the following arguments are required: (.+)"), "缺少必需的参数：{0}"),
    (re.compile(r"unrecognized arguments: (.+)"), "无法识别的参数：{0}"),
    (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"), "参数 {0} 的取值 {1} 无效，可选：{2}"),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 需要一个值"),
    (re.compile(r"argument (\S+): expected at least one argument"), "参数 {0} 至少需要一个值"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"), "参数 {0} 不能与 {1} 同时使用"),
    (re.compile(r"argument (\S+): ignored explicit argument (.+)"), "参数 {0} 不接受值 {1}"),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"), "选项 {0} 不明确，可能是：{1}"),
    (re.compile(r"argument (\S+): invalid (\S+) value: (.+)"), "参数 {0} 的值 {2} 无效"),
]


def usage_text(message: str) -> str:
    """An argparse usage error as one bilingual line (kpixl's own argument checks already are)."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in message):
        return message
    for pattern, zh in _USAGE_ZH:
        m = pattern.fullmatch(message)
        if m:
            return f"{zh.format(*m.groups())} / {message}"
    return f"参数错误 / {message}"


class Parser(argparse.ArgumentParser):
    """Usage errors in Chinese and English after the usage lines; exit 2, no traceback."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: 错误 error: {usage_text(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="kpixl", description="客服绩效考核 / Customer-service KPI scoring in Excel.")
    p.add_argument("--version", action="version", version=f"kpixl {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def book_args(sp, scheme: bool = True):
        sp.add_argument("book", help="工作簿 workbook (.xlsx)")
        sp.add_argument("--period", type=_period_arg,
                        help="考核期 period, e.g. 2026-10 (default: PERIOD on the 参数 sheet)")
        if scheme:
            sp.add_argument("--scheme", help="方案 scheme id (default: SCHEME on the 参数 sheet)")
        sp.add_argument("--engine", choices=["fastexcel", "openpyxl"], help=argparse.SUPPRESS)
        sp.add_argument("--ledger", help="账本 ledger: a file or postgresql://... (default: $KPIXL_LEDGER, else kpixl.db beside the book if it exists)")
        sp.add_argument("--key", help="账本中的部门键 department key in the ledger (default: scheme/department)")

    sp = sub.add_parser("schemes", help="列出方案 / list the schemes")
    sp.set_defaults(func=cmd_schemes)

    sp = sub.add_parser("new", help="按方案生成模板工作簿 / create a template workbook for a scheme")
    sp.add_argument("scheme_id")
    sp.add_argument("-o", "--output", required=True)
    sp.add_argument("--period", type=_period_arg,
                    help="考核期 period, e.g. 2026-10 (default: taken from the file name if it has one)")
    sp.add_argument("--demo", action="store_true", help="填入演示数据 / fill in the demo department")
    sp.add_argument("--force", action="store_true", help="覆盖已有文件 / replace an existing file")
    sp.add_argument("--excel", action="store_true",
                    help="加 xlwings.conf 表（Windows 加载项设置）/ add the xlwings.conf sheet for the Windows add-in")
    sp.set_defaults(func=cmd_new)

    sp = sub.add_parser("validate", help="检查工作簿 / list every problem in a workbook")
    book_args(sp)
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_validate)

    sp = sub.add_parser("score", help="计算得分 / score every employee")
    book_args(sp)
    sp.add_argument("--json", action="store_true", help="JSON document (docs/json.md)")
    sp.add_argument("--compact", action="store_true", help="JSON on one line")
    sp.add_argument("--no-explain", action="store_true", help="JSON without explanation lines")
    sp.add_argument("--explain", action="store_true", help="print every employee's explanation")
    sp.add_argument("--lang", choices=["zh", "en"], default="zh", help="表头和标签的语言 / language of headers and labels")
    sp.add_argument("--wide", action="store_true", help="显示全部列（不限 120 列宽） / every column, not fitted to 120")
    sp.add_argument("--codes", action="store_true", help="标记和取值附上代码 / show codes beside flag and value labels")
    sp.add_argument("--employee", action="append", help="only this employee (repeatable)")
    sp.set_defaults(func=cmd_score)

    sp = sub.add_parser("explain", help="解释某位员工的得分 / explain one employee's result")
    book_args(sp)
    sp.add_argument("employee_id")
    sp.add_argument("--lang", choices=["zh", "en"], default="zh")
    sp.set_defaults(func=cmd_explain)

    sp = sub.add_parser("report", help="生成报表工作簿 / write a report workbook")
    book_args(sp)
    sp.add_argument("-o", "--output", required=True)
    sp.add_argument("--force", action="store_true",
                    help="允许覆盖另一个 kpixl 输入工作簿 / allow replacing another kpixl input workbook")
    sp.set_defaults(func=cmd_report)

    sp = sub.add_parser("detail", help="从报表旁的明细文件取某位员工的明细 / one employee's lines from a report's detail file")
    sp.add_argument("companion", help="明细文件 the report's .detail.parquet")
    sp.add_argument("--employee", required=True, help="工号 employee ID")
    sp.add_argument("-o", "--output", help="写成工作簿 write the lines as a workbook (.xlsx)")
    sp.add_argument("--force", action="store_true",
                    help="允许覆盖另一个 kpixl 输入工作簿 / allow replacing another kpixl input workbook")
    sp.set_defaults(func=cmd_detail)

    sp = sub.add_parser("import", help="从 CSV 导入指标到新工作簿 / import metrics from a CSV into a new workbook")
    sp.add_argument("book", help="工作簿 workbook (.xlsx)")
    sp.add_argument("csv", help="呼叫中心系统导出的指标 CSV / metrics CSV exported by the call-centre system")
    sp.add_argument("-o", "--output", required=True, help="新工作簿 new workbook (the input is never changed)")
    sp.add_argument("--scheme", help="方案 scheme id (default: SCHEME on the 参数 sheet)")
    sp.add_argument("--encoding", help="CSV 编码 encoding (default: UTF-8, else GB18030)")
    sp.add_argument("--force", action="store_true",
                    help="允许覆盖另一个 kpixl 输入工作簿 / allow replacing another kpixl input workbook")
    sp.set_defaults(func=cmd_import)

    sp = sub.add_parser("nightly", help="批量生成报表 / report on many workbooks (cron)")
    sp.add_argument("inputs", nargs="+", help="工作簿或文件夹 workbooks or folders")
    sp.add_argument("--out", required=True, help="报表文件夹 output folder")
    sp.add_argument("--jobs", type=_positive(int), default=1, help="并行进程数 parallel processes")
    sp.add_argument("--timeout", type=_positive(float, " (s)"), default=300,
                    help="每个工作簿的时间上限（秒） / time limit per workbook in seconds (default 300)")
    sp.add_argument("--max-memory", type=_positive(float, " (GB)"), default=4,
                    help="每个工作簿的内存上限（GB） / memory limit per workbook in GB (default 4)")
    sp.add_argument("--scheme")
    sp.add_argument("--period", type=_period_arg)
    sp.add_argument("--log", help="日志文件 log file (JSON lines); default OUT/nightly.log")
    sp.set_defaults(func=cmd_nightly)

    sp = sub.add_parser("demo", help="演示：为方案的演示月份生成报表 / run the report on a scheme's bundled demo month")
    sp.add_argument("scheme_id", nargs="?", default="weikang_100", help="方案 scheme id (default weikang_100; see kpixl schemes)")
    sp.add_argument("-o", "--output", default="kpixl-demo-report.xlsx")
    sp.add_argument("--force", action="store_true", help="可以替换另一个 kpixl 输入工作簿 / may replace another kpixl input workbook")
    sp.set_defaults(func=cmd_demo)
    _add_ledger_parsers(sub, book_args)
    return p


REPORT_BUG = ("请把命令、工作簿和 kpixl --version 的输出发给 kpixl 维护者（设置 KPIXL_DEBUG=1 可显示详情）。"
              " / Please send the command, the workbook and the output of kpixl --version to the kpixl maintainers"
              " (set KPIXL_DEBUG=1 to see the details).")


def one_line(p: Problem) -> str:
    """A problem on one line: where, what and the fix, Chinese then English."""
    zh = p.zh + (f" {p.fix_zh}" if p.fix_zh else "")
    en = p.en + (f" {p.fix_en}" if p.fix_en else "")
    return f"{p.where}: {zh} / {en}" if p.where else f"{zh} / {en}"


def main(argv: list[str] | None = None) -> int:
    """Run one command; whatever happens, a message and an exit code, never a traceback."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    previous = _on_terminate()
    try:
        with _reading_early(args):
            return args.func(args)
    except KpixlError as exc:
        from kpixl.core.errors import SchemeError, UsageError, WorkbookError

        _print_problems(exc.problems, sys.stderr)
        from kpixl.ledger.store import LedgerError

        return EXIT_USAGE if isinstance(exc, (WorkbookError, SchemeError, LedgerError, UsageError)) else EXIT_PROBLEMS
    except BrokenPipeError:  # pragma: no cover - e.g. `kpixl score | head`
        return EXIT_OK
    except OSError as exc:  # read-only folder, full disk, -o a folder ...
        from kpixl.workbook.atomic import os_error_problem

        print(one_line(os_error_problem(exc)), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: one line with its type, and how to report it
        if os.environ.get("KPIXL_DEBUG"):
            raise
        text = " ".join(str(exc).split())[:200]
        print(f"kpixl 内部错误 internal error: {type(exc).__name__}: {text} — {REPORT_BUG}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _reading_early(args):
    """The workbook a command reads (``args.book``) is opened now, before the command imports
    pandas, so reading it overlaps the imports (issue 8); the command's ``read_workbook`` takes it."""
    if not isinstance(getattr(args, "book", None), str):
        from contextlib import nullcontext

        return nullcontext()
    from kpixl.workbook.engines import reading_early

    return reading_early(args.book, getattr(args, "engine", None))


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _on_terminate():
    """``kill`` (SIGTERM) unwinds like Ctrl-C: temporary files are removed, workers stopped, the
    nightly summary printed. Returns the handler to restore, or None if none was installed."""
    try:
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            return signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread
        pass
    return None


def run() -> None:  # pragma: no cover - the console entry point; tested through a subprocess
    """``kpixl``: run :func:`main`, flush the output and leave at once. Every file is written and
    closed before ``main`` returns, so tearing down 50,000 people's results object by object
    (0.3 s for 5,000, issue 8) is skipped. For the same reason the process runs without cyclic
    garbage collection (core/gcpause.py): nothing it makes needs collecting before it leaves, and
    each collection between reading, scoring and writing walked every object of the month."""
    gc.disable()
    # kpixl does no linear algebra: numpy's OpenBLAS need not start a thread per core on import (50 ms)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # `kpixl score | head`: the reader left
        pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
