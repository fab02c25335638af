"""The ledger's storage: one small interface over SQLite (stdlib ``sqlite3``) and PostgreSQL (psycopg 3).

Both stores hold the same tables (``schema.py``). SQL is written once with ``?`` placeholders;
the PostgreSQL connection rewrites them to ``%s``. psycopg is imported only when a
``postgresql://`` URL is opened. Every failure to open a ledger is a :class:`LedgerError`
(a located, bilingual problem) that the CLI turns into exit code 2.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from kpixl.core.errors import KpixlError, problem

from . import schema


class LedgerError(KpixlError):
    """The ledger cannot be opened or used (not a ledger, newer schema, unreachable server)."""


class LedgerConflict(KpixlError):
    """A close was refused (the month is locked, or another close of it won the race)."""


def ledger_problem(code: str, where: str, zh: str, en: str, fix_zh: str, fix_en: str) -> LedgerError:
    return LedgerError([problem(code, where, zh, en, fix_zh, fix_en)])


def redact(url: str) -> str:
    """A URL fit for a message: the password replaced by ``***``."""
    if "://" in url and "@" in url:
        head, rest = url.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        if ":" in cred:
            cred = cred.split(":", 1)[0] + ":***"
        return f"{head}://{cred}@{host}"
    return url


class Store:
    """An open ledger. ``dialect`` is ``"sqlite"`` or ``"postgresql"``."""

    dialect = "sqlite"

    def __init__(self, conn, url: str):
        self.conn = conn
        self.url = url

    # SQL text -------------------------------------------------------------------------

    def sql(self, text: str) -> str:
        return text

    def execute(self, text: str, params: Sequence = ()) -> list[tuple]:
        cur = self.conn.cursor()
        cur.execute(self.sql(text), tuple(params))
        rows = cur.fetchall() if cur.description else []
        cur.close()
        return rows

    def executemany(self, text: str, rows: Iterable[Sequence]) -> None:
        rows = list(rows)
        if rows:
            cur = self.conn.cursor()
            cur.executemany(self.sql(text), rows)
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One transaction: everything inside is written, or (error, kill -9) nothing is."""
        self.begin()
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")  # SQLite: take the write lock now; a second closer waits

    def is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)

    def close(self) -> None:
        self.conn.close()


class PgStore(Store):
    dialect = "postgresql"

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def begin(self) -> None:
        pass  # psycopg opens a transaction with the first statement (autocommit off)

    def is_unique_violation(self, exc: BaseException) -> bool:
        import psycopg

        return isinstance(exc, psycopg.errors.UniqueViolation)

    def executemany(self, text: str, rows: Iterable[Sequence]) -> None:
        rows = list(rows)
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(self.sql(text), rows)


@contextmanager
def guard(url: str) -> Iterator[None]:
    """Turn a database driver's error (a dropped connection, a locked or damaged file) into a LedgerError."""
    try:
        yield
    except sqlite3.Error as exc:
        if is_busy(exc) or _sqlite_code(exc) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            raise sqlite_error(redact(url), exc) from None
        raise _db_error(url, exc) from None
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):
            raise _db_error(url, exc) from None
        raise


def _db_error(url: str, exc: BaseException) -> LedgerError:
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    shown = redact(url)
    return ledger_problem("ledger_failed", shown, f"账本 {shown} 出错：{detail}", f"The ledger {shown} failed: {detail}",
                          "检查账本文件或服务器后重试；关账是一个事务，失败时账本保持原样。",
                          "Check the ledger file or server and try again; a close is one transaction, so a failed one changed nothing.")


def open_store(url: str, create: bool = True) -> Store:
    """Open the ledger at ``url`` (a file path, ``sqlite:///path`` or ``postgresql://...``),
    creating its tables on first use and checking its schema version."""
    if url.startswith(("postgresql://", "postgres://")):
        store: Store = _open_pg(url)
    else:
        store = _open_sqlite(url, create)
    try:
        schema.ensure(store)
    except BaseException:
        store.close()
        raise
    return store


def sqlite_path(url: str) -> Path:
    return Path(url[len("sqlite:///"):] if url.startswith("sqlite:///") else url)


def _open_sqlite(url: str, create: bool) -> Store:
    path = sqlite_path(url)
    where = str(path)
    if not path.exists() and not create:
        raise ledger_problem("ledger_missing", where, f"账本 {path} 不存在。", f"Ledger {path} does not exist.",
                             "先用 kpixl close 关账一个月，或用 --ledger 指定账本。",
                             "Close a month first (kpixl close), or point --ledger at the ledger.")
    if path.is_dir():
        raise ledger_problem("ledger_not_file", where, f"{path} 是文件夹，不是账本文件。", f"{path} is a folder, not a ledger file.",
                             "指定账本文件，例如 kpixl.db。", "Name the ledger file, e.g. kpixl.db.")
    if create and not os.path.lexists(path):
        _create_sqlite(path)
    try:
        conn = sqlite3.connect(str(path), timeout=busy_timeout(), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL" if os.environ.get("KPIXL_LEDGER_WAL") else "PRAGMA journal_mode = DELETE")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        cut = path.stat().st_size % page  # SQLite writes whole pages: a part of one is a truncated copy
    except sqlite3.Error as exc:
        raise sqlite_error(where, exc) from None
    except OSError as exc:
        raise not_a_ledger(where, str(exc)) from None
    if cut:
        conn.close()
        raise damaged_ledger(where, f"文件被截断 / the file is truncated ({cut} bytes of a {page}-byte page)")
    conn.isolation_level = None
    store = Store(_SqliteConn(conn), url)
    return store


def _create_sqlite(path: Path) -> None:
    """A new ledger file appears whole, as every output does (workbook/atomic.py): its tables are made
    in a temporary file beside it (mode 0666 less the umask), which then takes the name, unless
    another close made the ledger meanwhile (that one is used)."""
    from kpixl.workbook.atomic import atomic_target

    try:
        with atomic_target(path, exclusive=True) as tmp:
            conn = sqlite3.connect(str(tmp), isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = MEMORY")  # no journal file beside the temporary one
                schema.ensure(Store(_SqliteConn(conn), str(path)), new=True)
            finally:
                conn.close()
    except FileExistsError:  # another first close created it: it is used as it is
        pass


class _SqliteConn:
    """sqlite3 in autocommit mode with explicit BEGIN/COMMIT (so a transaction covers DDL too)."""

    def __init__(self, conn: sqlite3.Connection):
        self.raw = conn

    def cursor(self):
        return self.raw.cursor()

    def execute(self, text: str, params: Sequence = ()):
        return self.raw.execute(text, params)

    def commit(self) -> None:
        if self.raw.in_transaction:
            self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.raw.in_transaction:
            self.raw.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()


def busy_timeout(default: float = 30.0) -> float:
    """Seconds to wait for the ledger (``KPIXL_LEDGER_TIMEOUT``): SQLite for another process's lock
    (default 30), PostgreSQL for the connection (default 10)."""
    try:
        seconds = float(os.environ.get("KPIXL_LEDGER_TIMEOUT", default))
    except ValueError:
        return default
    return seconds if 0 <= seconds < 1e6 else default


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "database table is locked": another process holds the file."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return isinstance(exc, sqlite3.OperationalError) and "is locked" in str(exc)


def _sqlite_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def sqlite_error(where: str, exc: BaseException) -> LedgerError:
    """An SQLite error on opening or reading a ledger: locked (busy), damaged, or not a ledger at all."""
    if is_busy(exc):
        return ledger_busy(where)
    if _sqlite_code(exc) == sqlite3.SQLITE_CORRUPT:
        return damaged_ledger(where, str(exc))
    return not_a_ledger(where, str(exc))


def check_intact(store: Store) -> None:
    """SQLite's check of every page and index (``PRAGMA quick_check``, 0.2 s for 300 MB): kpixl close
    runs it before it writes, and the ledger commands before they read. Scoring runs rely on the
    checks of opening (store.py, schema.py) and the driver's own errors."""
    if store.dialect != "sqlite":
        return
    found = [str(r[0]) for r in store.execute("PRAGMA quick_check(1)")]
    if found != ["ok"]:
        raise damaged_ledger(store.url, " ".join(" ".join(found).split())[:200])


def ledger_busy(where: str) -> LedgerError:
    seconds = f"{busy_timeout():g}"
    return ledger_problem("ledger_busy", where, f"账本 {where} 正被另一个进程占用（等待 {seconds} 秒后仍被锁定），未读取也未写入。",
                          f"The ledger {where} is locked by another process (still locked after waiting {seconds} s); "
                          "nothing was read or written.",
                          "等另一个关账、备份或打开账本的程序结束后重试（设置 KPIXL_LEDGER_TIMEOUT=秒数 可等待更久）。",
                          "Retry when the other close, backup or program holding the ledger has finished "
                          "(KPIXL_LEDGER_TIMEOUT=SECONDS waits longer).")


def not_a_ledger(where: str, detail: str) -> LedgerError:
    return ledger_problem("not_a_ledger", where, f"{where} 不是 kpixl 账本（{detail}）。",
                          f"{where} is not a kpixl ledger ({detail}).",
                          "检查 --ledger / KPIXL_LEDGER 指向的文件；新账本请指定一个不存在的文件名。",
                          "Check the file --ledger / KPIXL_LEDGER points at; for a new ledger name a file that does not exist yet.")


def damaged_ledger(where: str, detail: str) -> LedgerError:
    return ledger_problem("ledger_damaged", where, f"账本 {where} 已损坏（{detail}），未读取也未写入。",
                          f"The ledger {where} is damaged ({detail}); nothing was read or written.",
                          "从备份恢复账本文件后重试；不要在损坏的账本上继续关账。",
                          "Restore the ledger file from a backup and try again; do not close months into a damaged ledger.")


def _open_pg(url: str) -> Store:
    shown = redact(url)
    try:
        import psycopg
    except ImportError:
        raise ledger_problem("no_psycopg", shown, "未安装 PostgreSQL 驱动 psycopg。", "The PostgreSQL driver psycopg is not installed.",
                             "运行 pip install \"psycopg[binary]\"。", "Run pip install \"psycopg[binary]\".") from None
    try:
        conn = psycopg.connect(url, connect_timeout=max(1, round(busy_timeout(10.0))))
    except psycopg.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ledger_problem("ledger_unreachable", shown, f"无法连接账本服务器 {shown}：{detail}",
                             f"Cannot connect to the ledger server {shown}: {detail}",
                             "检查服务器地址、端口、用户名和密码，以及服务器是否在运行。",
                             "Check the host, port, user and password, and that the server is running.") from None
    return PgStore(conn, url)
