"""A month's standing in the ledger when it is scored again: is it closed, as which version, and are
the figures of this run the closed ones?

``kpixl score / validate / explain / report`` of a month that is already closed compare their
figures with the newest closed version: the same figures (every employee's values and status)
mean the run shows what was closed; any difference is a warning naming the version, how many
employees differ and whether the workbook is the one closed (its sha256), and the report's
考核单 Statements and 信息 sheet say "closed vN" with that verdict, never "not closed". An employee
withheld by this run shows no figures, so is not counted as differing (their errors say why); a
run that withholds everyone shows no figures at all, and says so instead of "the closed figures".
A closed version built on a version since superseded (directly or through the months between,
as ``kpixl ledger periods`` marks it) says so too: its figures are to be closed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kpixl.core.errors import Problem, problem


@dataclass
class Standing:
    period: str
    version: int
    closed_at: str
    closed_by: str
    same_workbook: bool  # the workbook's sha256 is the one recorded by the close
    differing: list[str] = field(default_factory=list)  # employees whose figures are not the closed ones
    shown: int = 1  # employees this run gives figures for (not withheld); 0: no figure is shown at all
    affected: list[str] = field(default_factory=list)  # superseded closes the closed version was built on

    @property
    def same_figures(self) -> bool:
        return not self.differing

    def label(self) -> str:
        """Short, for the statement's header line: the version and whether these are its figures."""
        if not self.shown and self.same_figures:
            text = f"已关账 closed v{self.version}（本单没有数字 = no figures shown）"
        elif self.same_figures:
            text = f"已关账 closed v{self.version}（本单即账本数字 = the ledger's figures）"
        else:
            text = f"已关账 closed v{self.version}（本单数字与账本不同 NOT the closed figures）"
        if self.affected:
            text += f"；v{self.version} 读取了被取代的 read superseded {', '.join(self.affected)}"
        return text

    def stale_text(self) -> str:
        """"" or, for a closed version built on a superseded one, the line's second half (bilingual)."""
        if not self.affected:
            return ""
        shown = ", ".join(self.affected)
        return (f"；v{self.version} 读取了被取代的 {shown}，需要按月份顺序重新关账 / v{self.version} was built on the "
                f"superseded {shown}: close it again in month order")

    def problem(self) -> Problem | None:
        """The warning of a run whose figures differ from the closed version (None when they agree)."""
        if self.same_figures:
            return None
        shown = ", ".join(self.differing[:20]) + (f" … (+{len(self.differing) - 20})" if len(self.differing) > 20 else "")
        book_zh = "工作簿就是关账时的那一个（结果不同，可能因为以前月份已更正）" if self.same_workbook else "工作簿与关账时的不同"
        book_en = ("the workbook is the one closed (the figures differ, perhaps because an earlier month was corrected)"
                   if self.same_workbook else "the workbook differs from the one closed")
        return problem(
            "month_closed_differs", f"账本 {self.period} v{self.version} / ledger {self.period} v{self.version}",
            f"{self.period} 已于 {self.closed_at} 由 {self.closed_by} 关账（v{self.version}）；{book_zh}，"
            f"{len(self.differing)} 名员工的数字与已关账的不同：{shown}。这里显示的不是账本中的数字。",
            f"{self.period} was closed by {self.closed_by} at {self.closed_at} (v{self.version}); {book_en}, and "
            f"{len(self.differing)} employee(s)' figures differ from the closed ones: {shown}. The figures shown here "
            "are not the ledger's.",
            "账本中的数字见 kpixl ledger show 工号 --period；如这是更正，用 kpixl close --reason \"...\" 记录新版本。",
            "See the ledger's figures with kpixl ledger show ID --period; if this is a correction, record it with "
            "kpixl close --reason \"...\" (a new version).",
            severity="warning")


def standing(scheme, inputs, result, book=None, explicit: str | None = None, key: str | None = None) -> Standing | None:
    """The month's standing in the ledger a run uses (None: no ledger, or the month is not closed)."""
    from . import book_key, ledger_url, open_ledger
    from .store import guard, sqlite_path

    url = ledger_url(book, explicit)
    if url is None or result.period is None:
        return None
    if not url.startswith(("postgresql://", "postgres://")) and not sqlite_path(url).exists():
        return None
    with guard(url):
        store = open_ledger(url, create=False)
        try:
            return _standing(store, key or book_key(scheme, inputs), result, book)
        finally:
            store.close()


def _standing(store, key: str, result, book) -> Standing | None:
    from . import codec
    from .chain import resolve_key
    from .close import file_sha256

    key = resolve_key(store, key)
    period = result.period.label
    rows = store.execute("SELECT id, version, closed_at, closed_by, workbook_sha256 FROM kpixl_close "
                         "WHERE book_key = ? AND period = ? ORDER BY version DESC LIMIT 1", (key, period))
    if not rows:
        return None
    from .views import escaped

    cid, version, at, by, sha = rows[0]
    closed = {emp: (status, codec.loads(vals)) for emp, status, vals in
              store.execute("SELECT employee, status, vals FROM kpixl_result WHERE close_id = ?", (cid,))}
    flags = _closed_flags(store, cid)
    mine_flags: dict[str, list] = {}
    for f in result.flags:
        mine_flags.setdefault(f["employee"], []).append((f["code"], codec.dumps(f["params"])))
    differing = []
    for e in result.employees:
        if e.status == "error":  # withheld: this run shows no figures to differ (its errors say why)
            closed.pop(e.id, None)
            continue
        mine = (e.status, codec.loads(codec.dumps(e.values)))  # the ledger's own round trip, so types agree
        if closed.pop(e.id, None) != mine or sorted(mine_flags.get(e.id, [])) != flags.get(e.id, []):
            differing.append(e.id)
    differing += sorted(closed)  # in the closed version, not in this run
    try:
        same_book = bool(book) and file_sha256(str(book)) == sha
    except OSError:
        same_book = False
    from .views import stale_reads

    shown = sum(e.status != "error" for e in result.employees)
    return Standing(period, int(version), at, escaped(by), same_book, differing, shown,
                    stale_reads(store).get(int(cid), []))


def _closed_flags(store, close_id: int) -> dict[str, list]:
    """Employee -> the closed version's flags as sorted (code, params) pairs (flags are not values)."""
    from .frames import from_blob

    out: dict[str, list] = {}
    for (data,) in store.execute("SELECT data FROM kpixl_line WHERE close_id = ? AND kind = 'flags'", (close_id,)):
        frame = from_blob(data)
        for emp, code, params in zip(frame["employee"], frame["code"], frame["params"], strict=True):
            out.setdefault(str(emp), []).append((str(code), str(params)))
    return {emp: sorted(pairs) for emp, pairs in out.items()}
