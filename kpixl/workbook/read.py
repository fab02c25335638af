"""Read a workbook (any engine) into a scheme and typed, located inputs."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from kpixl.core.errors import Problem, SchemeError, WorkbookError, problem
from kpixl.core.gcpause import paused_gc
from kpixl.core.inputs import Inputs, Param, Table
from kpixl.core.numbers import plain, to_decimal
from kpixl.core.periods import Period, parse_period, period_from_name, periods_agree
from kpixl.core.scheme import Scheme, is_scheme_id, load_scheme

from . import contract
from .engines import BookReader, open_book, unreadable
from .needs import missing_needed_columns
from .parse import empty_table, parse_sheet


def find_sheets(names: list[str], key: str) -> list[str]:
    """Every sheet that plays the role ``key`` (Chinese or English name; case and spaces ignored),
    and every copy of it (``事件 (2)``: which of the two the clerk meant cannot be told)."""
    zh, en = contract.SHEET_NAMES[key]
    wanted = {contract.normalise_header(zh), contract.normalise_header(en)}
    exact = [n for n in names if contract.normalise_header(n) in wanted]
    if key in contract.OWN_SHEETS:
        return exact
    return [n for n in names if n in exact or contract.normalise_header(contract.copied_from(n)) in wanted]


def find_sheet(names: list[str], key: str) -> str | None:
    found = find_sheets(names, key)
    return found[0] if found else None


def _ambiguous(book: BookReader, names: list[str]) -> list[Problem]:
    out = []
    for key, (zh, en) in contract.SHEET_NAMES.items():
        found = find_sheets(names, key)
        if len(found) > 1:
            listed = "、".join(f"“{n}”" for n in found)
            out.append(problem(
                "ambiguous_sheet", book.source, f"有 {len(found)} 个工作表都是“{zh}”表：{listed}，kpixl 不知道该读哪个。",
                f"{len(found)} sheets are all the {en} sheet: {', '.join(repr(n) for n in found)}; kpixl cannot tell which to read.",
                f"只保留一个“{zh}”表（把其他的删除或改名）。", f"Keep one {en} sheet (delete or rename the others)."))
    return out


def _read(book: BookReader, sheet: str):
    """One sheet's raw cells; any failure of the engine is an unreadable-workbook error, never a traceback."""
    try:
        return book.read(sheet)
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt part, a hostile XML, a calamine error
        raise unreadable(book.source, exc, sheet) from None


def _parameters(book: BookReader, names: list[str]) -> tuple[dict[str, Param], list[Problem], str]:
    spec = contract.parameters_sheet()
    sheet = find_sheet(names, "parameters")
    if sheet is None:
        return {}, [], f"{spec.zh} / {spec.en}"
    table, found = parse_sheet(_read(book, sheet), spec)
    problems = _for_everyone(found, table)
    params: dict[str, Param] = {}
    for r in table.frame.itertuples(index=False):
        if not r.code:
            continue
        where = table.ref("value", int(r.xl_row))
        if r.code in params:
            problems.append(problem("duplicate_parameter", table.ref("code", int(r.xl_row)), f"参数 {r.code} 重复。",
                                    f"Parameter {r.code} appears twice.", "只保留一行。", "Keep one row."))
            continue
        params[r.code] = Param(r.code, r.value, where, int(r.xl_row) in table.percent_rows)
    return params, problems, table.label


_ROW_OF = re.compile(r"^[^!]*![A-Z]+(\d+)")


def _for_everyone(found: list[Problem], table: Table) -> list[Problem]:
    """A bad cell on the Parameters sheet concerns everyone: a parameter that cannot be read is not a
    missing one (whose default would then be used), so its cell's error withholds every result.
    The parser gives a cell problem to its row's owner (``scope`` "row"); a parameter row has none.
    Only the code and value cells count: a note's or a name's cell is never read, so its error value
    is a warning."""
    codes = dict(zip(table.frame["xl_row"].tolist(), table.frame["code"].tolist(), strict=True))
    out = []
    for p in found:
        m = _ROW_OF.search(p.where)
        if p.scope != "row" or not p.is_error or m is None:
            out.append(p)
            continue
        row = int(m.group(1))
        if not p.where.startswith((table.ref("value", row), table.ref("code", row))):
            out.append(replace(p, severity="warning"))  # (a note's or a name's cell: never read, it decides nothing)
            continue
        code = codes.get(row) or ""
        zh, en = p.zh, p.en
        if code:  # "“数值” 的值 …" / "Value value …": the parameter's name instead of the column's
            zh = f"参数 {code} {zh[len(_VALUE_ZH):]}" if zh.startswith(_VALUE_ZH) else f"参数 {code}：{zh}"
            en = f"Parameter {code}{en[len(_VALUE_EN):]}" if en.startswith(_VALUE_EN) else f"Parameter {code}: {en}"
        out.append(replace(
            p, scope=None, zh=f"{zh}该参数无法读取（不是没有填写，不会按默认值计算），它影响所有人，所以所有人暂不计分。",
            en=f"{en} The parameter cannot be read (it is not missing, so no default is used); it "
               "concerns everyone, so nobody is scored until it is fixed."))
    return out


_VALUE_ZH, _VALUE_EN = "“数值” ", "Value"


def _workbook_scheme(sid: Param | None, params_label: str) -> Scheme:
    """The scheme a workbook names: an id only (a path in a workbook is never loaded)."""
    if sid is None or not sid.value:
        raise WorkbookError([problem(
            "no_scheme", params_label, "工作簿没有指定方案。", "The workbook does not name its scheme.",
            "在参数表添加一行 SCHEME，数值为方案 id（如 weikang_100），或使用 --scheme。",
            "Add a SCHEME row to the Parameters sheet with the scheme id (e.g. weikang_100), or pass --scheme.")])
    text = str(sid.value).strip()
    if not is_scheme_id(text):
        shown = text if len(text) <= 60 else text[:57] + "…"
        raise WorkbookError([problem(
            "scheme_not_id", sid.where, f"SCHEME “{shown}” 不是方案 id；工作簿只能指定方案 id，不能指定文件路径。",
            f"SCHEME '{shown}' is not a scheme id; a workbook names a scheme id, never a file path.",
            "填写方案 id（kpixl schemes 列出全部，如 weikang_100）；方案文件只能由操作员用 --scheme 文件.json 指定。",
            "Enter a scheme id (kpixl schemes lists them, e.g. weikang_100); a scheme file can only be given by "
            "the operator with --scheme FILE.json.")])
    try:
        return load_scheme(text, id_only=True)
    except SchemeError as exc:  # an unknown id: say which cell names it
        raise SchemeError([replace(p, where=sid.where) if p.code == "unknown_scheme" else p for p in exc.problems]) from None


class _NumberPeriod(ValueError):
    """PERIOD holds a number, not a text or a date."""


def _period(source: str, param: Param | None, given: Period | str | None, problems: list[Problem]) -> Period | None:
    """The period scored: ``given`` (--period), else PERIOD, else the file name's (reported).

    A PERIOD that disagrees with the file name's period (a copied workbook) is an error at the
    PERIOD cell unless ``given`` confirms one of the two."""
    if isinstance(given, str):
        try:
            given = parse_period(given)
        except ValueError:
            raise WorkbookError([problem(
                "bad_period", "--period", f"考核期 “{given[:40]}” 格式不正确。", f"Period '{given[:40]}' is not a month or quarter.",
                "写成 2026-10 或 2026-Q4。", "Write it as YYYY-MM or YYYY-Qn, e.g. 2026-10 or 2026-Q4.")]) from None
    stated = None
    if param is not None and param.value is not None and str(param.value).strip():
        raw = param.value
        try:
            if isinstance(raw, (Decimal, int, float)) and not isinstance(raw, bool):
                raise _NumberPeriod
            stated = parse_period(raw)
        except _NumberPeriod:
            if given is None:  # 2026.10 typed into a General cell is the number 2026.1: January or October?
                shown = plain(to_decimal(raw))
                problems.append(problem(
                    "period_is_number", param.where,
                    f"考核期 PERIOD 填的是数字 {shown}，不是年月（数字会丢掉末尾的 0，例如 2026.10 会变成 2026.1），无法可靠地确定月份。",
                    f"PERIOD holds the number {shown}, not a month (a number drops trailing zeros: 2026.10 becomes "
                    "2026.1), so the month cannot be known reliably.",
                    "把该单元格设为文本格式，再填写 2026-10 这样的年月。",
                    "Format the cell as text and enter the month as YYYY-MM, e.g. 2026-10."))
        except ValueError:
            shown = str(raw)[:40]
            if given is None:
                problems.append(problem("bad_period", param.where, f"考核期 “{shown}” 格式不正确。",
                                        f"Period '{shown}' is not a month.", "写成 2026-10 这样的年月。",
                                        "Write it as YYYY-MM, e.g. 2026-10."))
    name = Path(source).name
    named = period_from_name(Path(source).stem) if source else None
    if stated is not None and named is not None and not periods_agree(stated, named):
        confirmed = given is not None and (periods_agree(given, stated) or periods_agree(given, named))
        if not confirmed:
            problems.append(problem(
                "period_mismatch", param.where,
                f"参数 PERIOD 是 {stated.label}，但文件名 {name} 表示 {named.label}（是否复制了另一个月的工作簿？）。",
                f"PERIOD says {stated.label} but the file name {name} says {named.label} (a copied workbook?).",
                f"改正 PERIOD 或文件名，使两者一致；或用 --period {stated.label} 或 --period {named.label} 确认考核期。",
                f"Correct PERIOD or the file name so they agree, or confirm the period with --period {stated.label} "
                f"or --period {named.label}."))
    if given is not None and stated is not None and not periods_agree(given, stated) \
            and not (named is not None and periods_agree(given, named)):
        problems.append(problem(  # (the workbook's undated figures are its PERIOD's: never another month's)
            "period_mismatch", param.where,
            f"所选考核期 {given.label} 与参数 PERIOD {stated.label} 不一致：工作簿中未注明日期的数据属于 {stated.label}，"
            f"不能按 {given.label} 计分。",
            f"The chosen period {given.label} disagrees with PERIOD {stated.label}: the workbook's undated figures "
            f"belong to {stated.label}, so they cannot be scored as {given.label}.",
            f"如果本工作簿确是 {given.label} 的，把 PERIOD 改为 {given.label}；否则去掉 --period 或改为 {stated.label}。",
            f"If the workbook really is {given.label}'s, set PERIOD to {given.label}; otherwise drop --period or "
            f"use {stated.label}."))
    if given is not None:
        return given
    if stated is None and named is not None and (param is None or param.value is None or not str(param.value).strip()):
        problems.append(problem(
            "period_from_name", param.where if param is not None else name,
            f"参数 PERIOD 为空，按文件名 {name} 使用考核期 {named.label}。",
            f"PERIOD is empty; the period {named.label} is taken from the file name {name}.",
            f"在参数表填写 PERIOD（{named.label}）。", f"Fill in PERIOD ({named.label}) on the Parameters sheet.",
            severity="warning"))
        return named
    return stated


def _one_or_zero(value) -> bool:
    return isinstance(value, Decimal) and value in (0, 1)


def _yes_no(table: Table | None, defs: dict, code: str) -> None:
    """A 1 or 0 given for a yes/no figure is yes or no, as in a yes/no column (``cells.parse_bool``):
    the any-typed value cell reads it as a number, not knowing the figure's type."""
    codes = {c for c, d in defs.items() if d.type == "boolean"}
    if table is None or not codes or table.frame.empty:
        return
    f = table.frame
    hit = (f[code].isin(codes) & f["value"].map(_one_or_zero)).to_numpy(dtype=bool)
    if hit.any():
        values = f["value"].to_numpy(dtype=object).copy()
        values[hit] = [bool(v) for v in values[hit]]
        f["value"] = values


def read_book(book: BookReader, scheme: Scheme | str | None = None, period: Period | str | None = None
              ) -> tuple[Scheme, Inputs]:
    """Parse every contract sheet of ``book``; raise WorkbookError only when no scheme can be known."""
    try:
        names = book.sheet_names()
    except Exception as exc:  # noqa: BLE001
        raise unreadable(book.source, exc) from None
    params, problems, params_label = _parameters(book, names)
    problems += _ambiguous(book, names)
    if scheme is None:
        scheme = _workbook_scheme(params.get("SCHEME"), params_label)
    elif isinstance(scheme, str):
        scheme = load_scheme(scheme)
    period = _period(book.source, params.get("PERIOD"), period, problems)

    tables: dict[str, Table] = {}
    for spec in contract.input_sheets(scheme):
        if spec.key == "parameters":
            continue
        sheet = find_sheet(names, spec.key)
        if sheet is None:
            tables[spec.key] = empty_table(spec)
            needed = {"employees": True, "events": any(r.kind != "derived" for r in scheme.rules.values()),
                      "metrics": bool(scheme.metrics), "ratings": True}
            if needed.get(spec.key, False):  # History holds earlier months: a workbook may have none
                problems.append(problem(
                    "missing_sheet", book.source, f"缺少工作表 “{spec.zh}”（{spec.en}）。", f"Sheet '{spec.zh}' ({spec.en}) is missing.",
                    f"添加名为 “{spec.zh}” 的工作表（kpixl new {scheme.id} 可生成模板）。",
                    f"Add a sheet named '{spec.zh}' (kpixl new {scheme.id} writes a template)."))
            continue
        table, more = parse_sheet(_read(book, sheet), spec)
        tables[spec.key] = table
        problems += more
        if spec.key == "events":
            problems += missing_needed_columns(scheme, table, spec)
    _yes_no(tables.get("metrics"), scheme.metrics, "metric")
    _yes_no(tables.get("history"), scheme.history, "item")
    for code, p in params.items():
        pdef = scheme.parameters.get(code)
        if pdef is not None and pdef.type == "boolean" and _one_or_zero(p.value):
            params[code] = replace(p, value=bool(p.value))
        elif pdef is not None and pdef.choices and pdef.choice(p.value):
            params[code] = replace(p, value=pdef.choice(p.value))
    for key, maker in (("events", lambda: contract.events_sheet(scheme)),
                       ("metrics", lambda: contract.metrics_sheet(scheme)), ("ratings", contract.ratings_sheet),
                       ("history", contract.history_sheet)):
        tables.setdefault(key, empty_table(maker()))
    inputs = Inputs(
        employees=tables["employees"], events=tables["events"], metrics=tables["metrics"], ratings=tables["ratings"],
        parameters=params, rules=tables.get("rules") if find_sheet(names, "rules") else None,
        history=tables["history"],
        problems=problems, source=book.source, scheme_id=scheme.id, period=period, parameters_label=params_label)
    return scheme, inputs


def read_workbook(path: str | os.PathLike, scheme: Scheme | str | None = None, period: Period | str | None = None,
                  engine: str | None = None) -> tuple[Scheme, Inputs]:
    book = open_book(path, engine)
    try:
        with paused_gc():  # the parsed cells live until scoring: collections would only walk them
            return read_book(book, scheme, period)
    finally:
        book.close()


def inputs_from_records(scheme: Scheme | str, period: str | Period | None = None, **sheets) -> tuple[Scheme, Inputs]:
    """Inputs from plain dicts (``employees=[...], events=[...], metrics=[...], parameters={...}``)."""
    from .engines.records import RecordsBook

    if isinstance(scheme, str):
        scheme = load_scheme(scheme)
    params = dict(sheets.pop("parameters", {}) or {})
    if period is not None:
        params.setdefault("PERIOD", str(period))
    book = RecordsBook(scheme, {"parameters": params, **sheets})
    return read_book(book, scheme, None)
