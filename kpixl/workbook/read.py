"""Read a workbook (any engine) into a scheme and typed, located inputs."""

from __future__ import annotations

import os

from kpixl.core.errors import Problem, WorkbookError, problem
from kpixl.core.inputs import Inputs, Param, Table
from kpixl.core.periods import Period, parse_period
from kpixl.core.scheme import Scheme, load_scheme

from . import contract
from .engines import BookReader, open_book, unreadable
from .needs import missing_needed_columns
from .parse import empty_table, parse_sheet


def find_sheets(names: list[str], key: str) -> list[str]:
    """Every sheet that plays the role ``key`` (Chinese or English name; case and spaces ignored)."""
    zh, en = contract.SHEET_NAMES[key]
    wanted = {contract.normalise_header(zh), contract.normalise_header(en)}
    return [n for n in names if contract.normalise_header(n) in wanted]


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
    table, problems = parse_sheet(_read(book, sheet), spec)
    params: dict[str, Param] = {}
    for r in table.frame.itertuples(index=False):
        if not r.code:
            continue
        where = table.ref("value", int(r.xl_row))
        if r.code in params:
            problems.append(problem("duplicate_parameter", table.ref("code", int(r.xl_row)), f"参数 {r.code} 重复。",
                                    f"Parameter {r.code} appears twice.", "只保留一行。", "Keep one row."))
            continue
        params[r.code] = Param(r.code, r.value, where)
    return params, problems, table.label


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
        sid = params.get("SCHEME")
        if sid is None or not sid.value:
            raise WorkbookError([problem(
                "no_scheme", params_label, "工作簿没有指定方案。", "The workbook does not name its scheme.",
                "在参数表添加一行 SCHEME，数值为方案 id（如 weikang_100），或使用 --scheme。",
                "Add a SCHEME row to the Parameters sheet with the scheme id (e.g. weikang_100), or pass --scheme.")])
        scheme = load_scheme(str(sid.value))
    elif isinstance(scheme, str):
        scheme = load_scheme(scheme)
    if period is None and params.get("PERIOD") is not None and params["PERIOD"].value is not None:
        raw = params["PERIOD"].value
        try:
            period = parse_period(raw if not hasattr(raw, "as_tuple") else str(raw))
        except ValueError:
            problems.append(problem("bad_period", params["PERIOD"].where, f"考核期 “{raw}” 格式不正确。",
                                    f"Period '{raw}' is not a month.", "写成 2026-10 这样的年月。", "Write it as YYYY-MM, e.g. 2026-10."))
    elif isinstance(period, str):
        period = parse_period(period)

    tables: dict[str, Table] = {}
    for spec in contract.input_sheets(scheme):
        if spec.key == "parameters":
            continue
        sheet = find_sheet(names, spec.key)
        if sheet is None:
            tables[spec.key] = empty_table(spec)
            if spec.key in ("employees", "events", "metrics", "ratings", "history"):
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
