"""What ``kpixl`` prints on a terminal: tables that fit, labels in one language, progress.

Widths are display columns: East Asian wide and fullwidth characters count 2
(``unicodedata.east_asian_width``), so a Chinese table lines up and fits. ``score_lines``
renders a scored month in 120 columns by default (id, name, the headline, as many key
subtotals as fit, flags as labels, status) or every column with ``wide``; every header,
status word, flag, value label and summary line is in the language asked for.
``Progress`` writes to stderr only when it is a terminal, so cron logs stay clean.
"""

from __future__ import annotations

import sys
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from kpixl.core.errors import Problem
from kpixl.core.numbers import money, plain

WIDTH = 120
ELLIPSIS = "…"
GAP = "  "
MAX_NAME = 12
MAX_STATUS = 28
MAX_DECIMALS = 4

WORDS = {
    "id": ("工号", "ID"), "name": ("姓名", "Name"), "flags": ("标记", "Flags"), "status": ("状态", "Status"),
    "ok": ("正常", "ok"), "not_assessed": ("未评估", "not assessed"), "error": ("错误", "error"), "warning": ("警告", "warning"),
    "yes": ("是", "yes"), "no": ("否", "no"), "fix": ("修正：", "Fix: "), "sep": ("、", ", "),
}


def word(key: str, lang: str) -> str:
    return WORDS[key][lang == "en"]


# ----------------------------------------------------------------------------- widths


@cache
def _char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def width(text: str) -> int:
    """Display columns of ``text``: East Asian wide (W) and fullwidth (F) characters count 2.

    Per character, cached: 50,000 distinct names cost one dictionary look-up per character."""
    if text.isascii():
        return len(text)
    return sum(map(_char_width, text))


_CONTROL = ({c: f"\\x{c:02x}" for c in [*range(32), *range(127, 160)]} | {10: "\\n", 13: "\\r", 9: "\\t"}
            | {0x2028: "\\u2028", 0x2029: "\\u2029"})


def printable(text) -> str:
    """``text`` for one terminal line: a line break, tab or other control character in a name shows
    as its escape (``丙\\n第二行``), so it cannot break the table."""
    text = "" if text is None else str(text)
    return text if text.isprintable() else text.translate(_CONTROL)


def fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` display columns, with an ellipsis when cut."""
    if 2 * len(text) <= limit or width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + ELLIPSIS


def pad(text: str, size: int, right: bool = False) -> str:
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def measurer():
    """``width`` with a cache: each distinct text is measured once (50,000 rows repeat their scores)."""
    measured: dict[str, int] = {}

    def w(text: str) -> int:
        n = measured.get(text)
        if n is None:
            n = measured[text] = width(text)
        return n
    return w


def table(headers: list[str], rows: list, numeric: set[int], measure=None, widths: list[int] | None = None) -> list[str]:
    """Aligned lines, none wider than the widest cells of each column (``widths``, when the caller
    measured them) and the gaps between them."""
    w = measure or measurer()
    if widths is None:
        widths = [max([w(h)] + [w(r[i]) for r in rows]) for i, h in enumerate(headers)]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in headers]
    padded = []
    for i, (h, col) in enumerate(zip(headers, columns, strict=True)):  # each distinct text padded once
        size, right = widths[i], i in numeric
        texts = {c: (" " * max(0, size - w(c)) + c if right else c + " " * max(0, size - w(c))) for c in {h, *col}}
        padded.append([texts[h], *map(texts.__getitem__, col)])
    lines = [GAP.join(cells).rstrip() for cells in zip(*padded, strict=True)]
    return [lines[0], GAP.join("-" * n for n in widths), *lines[1:]]


# ----------------------------------------------------------------------------- labels


def labels(scheme) -> dict[str, tuple[str, str]]:
    """Every code the scheme names (rules, levels, categories, metrics...) -> (zh, en), and zh -> (zh, en)."""
    found: dict[str, tuple[str, str]] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            code, zh, en = node.get("code"), node.get("zh"), node.get("en")
            if isinstance(code, str) and isinstance(zh, str) and isinstance(en, str):
                found.setdefault(code, (zh, en))
                found.setdefault(zh, (zh, en))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(scheme.document)
    return found


def cell(value, fmt: str, lang: str, names: dict[str, tuple[str, str]], codes: bool = False) -> str:
    """One value as the terminal shows it: numbers exact (long ratios ≈ 4 decimals), codes as labels."""
    if type(value) is Decimal and fmt != "money":  # most cells: the score and its parts, often repeated
        return _number_cell(value, value.is_signed())  # -0 and 0 are equal keys, not equal texts
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return word("yes" if value else "no", lang)
    if isinstance(value, (Decimal, int)):
        d = Decimal(value)
        return f"{money(d):,}" if fmt == "money" else _number_cell(d, d.is_signed())
    text = str(value)
    if text in names:
        label = names[text][lang == "en"]
        return f"{label} ({text})" if codes and label != text and text.isascii() else label
    return text


@lru_cache(maxsize=1 << 14)
def _number_cell(d: Decimal, _signed: bool) -> str:
    text = plain(d)
    if len(text.partition(".")[2]) > MAX_DECIMALS:
        return "≈" + plain(d.quantize(Decimal(1).scaleb(-MAX_DECIMALS), rounding=ROUND_HALF_UP))
    return text


def _cells(values: list, ok: list[bool], fmt: str, lang: str, names, codes: bool) -> list[str]:
    """One column of ``cell`` texts ("-" for an employee without a result); a number seen before is
    not formatted again (50,000 people share a few hundred scores)."""
    memo: dict = {}
    out = []
    for v, k in zip(values, ok, strict=True):
        if not k:
            out.append("-")
        elif type(v) is Decimal:
            key = (v, v.is_signed())  # -0 and 0 are equal keys, not equal texts
            text = memo.get(key)
            if text is None:
                text = memo[key] = cell(v, fmt, lang, names, codes)
            out.append(text)
        else:
            out.append(cell(v, fmt, lang, names, codes))
    return out


def flag_text(flags: list[dict], lang: str, codes: bool, rules: dict | None = None) -> str:
    """Flags as labels: the shorter of the flag's own label and its rule's name (严重警告, 后果自负)."""
    parts = []
    for f in flags:
        rule = (rules or {}).get(f["code"])
        choices = [f.get("label_en" if lang == "en" else "label_zh"), (rule.en if lang == "en" else rule.zh) if rule else None]
        label = min((c for c in choices if c), key=width, default=f["code"])
        parts.append(f"{label} ({f['code']})" if codes else label)
    return word("sep", lang).join(parts)


def where(problem: Problem, lang: str) -> str:
    """The problem's location in one language (``事件!C14 / Events!C14`` -> ``Events!C14``), for the
    score table's status column, which has room for one."""
    zh, _, en = problem.where.partition(" / ")
    return (en or zh) if lang == "en" else zh


def problem_text(problem: Problem, lang: str) -> str:
    """A problem for stderr in ``lang``, at its bilingual location as everywhere else (``事件!C14 /
    Events!C14``): the sheet tabs are Chinese, so the English name alone names no tab."""
    msg, fix = (problem.en, problem.fix_en) if lang == "en" else (problem.zh, problem.fix_zh)
    label = word("warning" if problem.severity == "warning" else "error", lang)
    return f"{problem.where}  [{label}]\n    {msg}" + (f" {word('fix', lang)}{fix}" if fix else "")


# ----------------------------------------------------------------------------- the score table


def _choose(need: dict[int, int], fixed: set[int], order: list[int], limit: int) -> list[int]:
    """Column indexes to show (``need``: their widths): the fixed ones, then the others by ``order``
    while the table fits ``limit``."""
    used = sum(need[i] for i in fixed) + len(GAP) * (len(fixed) - 1)
    chosen = set(fixed)
    for i in order:
        if i in chosen:
            continue
        if used + len(GAP) + need[i] <= limit:
            chosen.add(i)
            used += len(GAP) + need[i]
    return sorted(chosen)


def score_lines(result, employees, lang: str = "zh", wide: bool = False, codes: bool = False,
                limit: int = WIDTH) -> list[str]:
    """The ``kpixl score`` table with its title and summary, every line within ``limit`` unless ``wide``."""
    en = lang == "en"
    scheme = result.scheme
    names = labels(scheme)
    codes = codes or wide
    outputs = list(scheme.outputs)
    main = scheme.main_output
    outputs.remove(main)
    outputs.insert(0, main)
    headers = [word("id", lang), word("name", lang)] + [o.en if en else o.zh for o in outputs]
    headers += [word("flags", lang), word("status", lang)]
    emps = list(employees)
    ok = [e.ok for e in emps]
    columns = [[printable(e.id) for e in emps],
               [printable(e.name) if wide else fit(printable(e.name), MAX_NAME) for e in emps]]
    numeric = set()
    for j, o in enumerate(outputs, start=2):  # column by column: each distinct value formatted once
        raw = [e.values.get(o.value) if k else None for e, k in zip(emps, ok, strict=True)]
        if any(k and isinstance(v, (Decimal, int)) and not isinstance(v, bool) for v, k in zip(raw, ok, strict=True)):
            numeric.add(j)
        columns.append(_cells(raw, ok, o.format, lang, names, codes))
    columns.append([flag_text(result.flags_of(e.id), lang, codes, scheme.rules) if e.ok else "" for e in emps])
    statuses = [word("ok" if e.status == "ok" else "not_assessed", lang) if e.ok
                else f"{word('error', lang)} {where(e.problems[0], lang)}" if e.problems else word("error", lang)
                for e in emps]
    columns.append(statuses if wide else [fit(x, MAX_STATUS) for x in statuses])
    title = f"{scheme.title['en' if en else 'zh']} · {scheme.id} · {result.period.label}"
    hidden = 0
    w = measurer()
    need = [max(map(w, [h] + col)) for h, col in zip(headers, columns, strict=True)]  # each column measured once
    if not wide:
        flags_at, status_at = len(headers) - 2, len(headers) - 1
        room = limit - min(need[flags_at], 24) - len(GAP)
        # the headline first, then money columns, then the other subtotals in the scheme's order;
        # columns that are blank or zero for everyone carry nothing and come last
        blank = {j for j in range(3, flags_at) if all(x in ("-", "0", "0.00", "") for x in columns[j])}
        order = [j for j, o in enumerate(outputs, start=2) if o.format == "money" and j not in blank]
        order += [j for j in range(3, flags_at) if j not in blank] + sorted(blank)
        shown = {i: need[j] for i, j in enumerate(list(range(flags_at)) + [status_at])}
        keep = _choose(shown, {0, 1, 2, flags_at}, order, room)
        keep = [j if j < flags_at else status_at for j in keep]
        hidden = flags_at - len([j for j in keep if j < flags_at])
        used = sum(need[j] for j in keep) + len(GAP) * len(keep)
        flag_room = max(w(headers[flags_at]), limit - used)
        columns[flags_at] = [fit(x, flag_room) for x in columns[flags_at]]
        need[flags_at] = max(map(w, [headers[flags_at]] + columns[flags_at]))
        keep = sorted(keep + [flags_at])
        columns = [columns[j] for j in keep]
        need = [need[j] for j in keep]
        headers = [headers[j] for j in keep]
        numeric = {k for k, j in enumerate(keep) if j in numeric}
        title = fit(title, limit)
    rows = list(zip(*columns, strict=True)) if emps else []
    body = table(headers, rows, numeric, w, need)
    if wide:
        return [title] + body + [summary(result, employees, lang, hidden)]
    # no table line is wider than its columns and gaps: when they fit, no line needs measuring again
    full = sum(need) + len(GAP) * (len(headers) - 1)
    body = body if full <= limit else [fit(line, limit) for line in body]
    return [fit(title, limit)] + body + [fit(summary(result, employees, lang, hidden), limit)]


def summary(result, employees, lang: str, hidden: int = 0) -> str:
    ok = sum(e.ok for e in employees)
    flagged = sum(len(result.flags_of(e.id)) for e in employees)
    warnings = len(result.warnings)
    if lang == "en":
        def n(count: int, noun: str) -> str:
            return f"{count} {noun}{'' if count == 1 else 's'}"
        text = (f"{n(len(employees), 'employee')} · {ok} scored · {len(employees) - ok} blocked · {n(flagged, 'flag')}"
                f" · {n(warnings, 'warning')}")
        return text + (f" · {n(hidden, 'more column')}: --wide" if hidden else "")
    text = f"共 {len(employees)} 人 · 已计分 {ok} · 未计分 {len(employees) - ok} · 标记 {flagged} · 警告 {warnings}"
    return text + (f" · 另有 {hidden} 列：--wide 查看" if hidden else "")


# ----------------------------------------------------------------------------- progress


class Progress:
    """One self-overwriting status line on stderr, only when stderr is a terminal (silent in cron)."""

    def __init__(self, stream=None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.shown = False

    def show(self, text: str) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K" + fit(text, WIDTH - 1))
            self.stream.flush()
            self.shown = True

    def step(self, done: int, total: int, text: str) -> None:
        self.show(f"[{done}/{total}] {text}")

    def clear(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
