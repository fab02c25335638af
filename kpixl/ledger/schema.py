"""The ledger's tables and their versioned migrations (the same on SQLite and PostgreSQL).

``kpixl_schema_version`` holds one row per applied migration. A ledger whose version is
newer than this kpixl knows is refused (written by a newer kpixl: upgrade kpixl first); a
SQLite file with tables but no version table is not a kpixl ledger and is never touched, nor is
one without any table (an empty file, another program's empty database): a ledger kpixl makes
appears with its tables (store.py). A ledger missing one of its tables is damaged.
"""

from __future__ import annotations

import datetime as dt
import re

# Each migration is a list of statements; ``{id}`` and ``{blob}`` become the dialect's types.
MIGRATIONS: list[list[str]] = [
    [  # 1: closes, their results, explanation lines, inputs, what carries to later months
        """CREATE TABLE kpixl_close (
            id {id}, book_key TEXT NOT NULL, period TEXT NOT NULL, version INTEGER NOT NULL,
            scheme_id TEXT NOT NULL, scheme_version INTEGER NOT NULL, scheme_fingerprint TEXT NOT NULL,
            workbook TEXT NOT NULL, workbook_sha256 TEXT NOT NULL, kpixl_version TEXT NOT NULL,
            closed_by TEXT NOT NULL, closed_at TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
            appeal TEXT NOT NULL DEFAULT '', appeal_filed TEXT NOT NULL DEFAULT '', appeal_due TEXT NOT NULL DEFAULT '',
            partial INTEGER NOT NULL DEFAULT 0, left_out TEXT NOT NULL DEFAULT '[]', employees INTEGER NOT NULL,
            CONSTRAINT kpixl_close_once UNIQUE (book_key, period, version))""",
        """CREATE TABLE kpixl_result (
            close_id BIGINT NOT NULL REFERENCES kpixl_close(id), employee TEXT NOT NULL, name TEXT NOT NULL,
            team TEXT NOT NULL, department TEXT NOT NULL, status TEXT NOT NULL, vals TEXT NOT NULL,
            problems TEXT NOT NULL)""",
        "CREATE INDEX kpixl_result_by_close ON kpixl_result (close_id, employee)",
        """CREATE TABLE kpixl_line (
            close_id BIGINT NOT NULL REFERENCES kpixl_close(id), kind TEXT NOT NULL, data {blob} NOT NULL)""",
        """CREATE TABLE kpixl_input (
            close_id BIGINT NOT NULL REFERENCES kpixl_close(id), sheet TEXT NOT NULL, cells TEXT NOT NULL,
            data {blob} NOT NULL)""",
        """CREATE TABLE kpixl_carry (
            close_id BIGINT NOT NULL REFERENCES kpixl_close(id), target TEXT NOT NULL, owner TEXT NOT NULL,
            team TEXT NOT NULL, item TEXT NOT NULL, period TEXT NOT NULL, value TEXT NOT NULL, source TEXT NOT NULL)""",
        "CREATE INDEX kpixl_carry_by_close ON kpixl_carry (close_id, item, period)",
        """CREATE TABLE kpixl_read (
            close_id BIGINT NOT NULL REFERENCES kpixl_close(id), read_close_id BIGINT NOT NULL REFERENCES kpixl_close(id))""",
    ],
]
VERSION = len(MIGRATIONS)
TABLES = ("kpixl_schema_version", *re.findall(r"CREATE TABLE (\w+)", " ".join(sum(MIGRATIONS, []))))
_TYPES = {"sqlite": {"{id}": "INTEGER PRIMARY KEY AUTOINCREMENT", "{blob}": "BLOB"},
          "postgresql": {"{id}": "BIGSERIAL PRIMARY KEY", "{blob}": "BYTEA"}}


def table_names(store) -> set[str]:
    if store.dialect == "sqlite":
        return {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {r[0] for r in store.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}


def current_version(store) -> int | None:
    """The ledger's schema version; None for an empty store; -1 for a store that is not a kpixl ledger."""
    names = table_names(store)
    if "kpixl_schema_version" not in names:
        theirs = {n for n in names if not n.startswith("sqlite_")}
        if store.dialect == "sqlite" and theirs:
            return -1
        if any(n.startswith("kpixl_") for n in theirs):
            return -1
        return None
    rows = store.execute("SELECT MAX(version) FROM kpixl_schema_version")
    return int(rows[0][0] or 0)


def ensure(store, new: bool = False) -> None:
    """Create the tables of a new ledger (``new``: the temporary file a new SQLite ledger is made in; a
    PostgreSQL database on first use), apply pending migrations, refuse unknown, damaged or newer ledgers."""
    import sqlite3

    from .store import damaged_ledger, ledger_problem, not_a_ledger, sqlite_error, sqlite_path

    try:
        found = current_version(store)
        missing = [t for t in TABLES if t not in table_names(store)] if found == VERSION else []
    except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"; "database is locked": busy, not junk
        raise sqlite_error(store.url, exc) from None
    if found is None and store.dialect == "sqlite" and not new:
        empty = sqlite_path(store.url).stat().st_size == 0
        raise not_a_ledger(store.url, "空文件 / an empty file" if empty else "没有 kpixl 的表 / it has no kpixl tables")
    if found == -1:
        raise not_a_ledger(store.url, "它有别的表 / it holds other tables")
    if missing:
        raise damaged_ledger(store.url, f"缺少表 / tables missing: {', '.join(missing)}")
    if found is not None and found > VERSION:
        raise ledger_problem(
            "ledger_newer", store.url, f"账本的结构版本 {found} 比本 kpixl 认识的 {VERSION} 新。",
            f"The ledger's schema version {found} is newer than this kpixl knows ({VERSION}).",
            "升级 kpixl（pip install -U kpixl）后再用这个账本。", "Upgrade kpixl (pip install -U kpixl), then use this ledger.")
    if found == VERSION:
        return
    with store.transaction():
        if store.dialect == "postgresql":  # two first uses at once: one creates, the other waits
            store.execute("SELECT pg_advisory_xact_lock(7473940)")
        found = current_version(store)  # another process may have created it meanwhile
        if found is None:
            store.execute("CREATE TABLE kpixl_schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
            found = 0
        for number in range(found + 1, VERSION + 1):
            for statement in MIGRATIONS[number - 1]:
                for mark, sql_type in _TYPES[store.dialect].items():
                    statement = statement.replace(mark, sql_type)
                store.execute(statement)
            store.execute("INSERT INTO kpixl_schema_version (version, applied_at) VALUES (?, ?)",
                          (number, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
