"""A throw-away PostgreSQL server for the ledger tests: ``KPIXL_TEST_PG`` (a URL) when set,
else a cluster started here with initdb + pg_ctl (as user postgres when run as root) on a unix
socket in a temporary folder, stopped at the end of the session."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return hits[-1] if hits else None


def start_cluster() -> tuple[str | None, str, object]:
    """(url, reason, stop): url is None with the reason when no server can be started."""
    if os.environ.get("KPIXL_TEST_PG"):
        return os.environ["KPIXL_TEST_PG"], "", lambda: None
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        return None, "no PostgreSQL binaries (initdb, pg_ctl) on this machine; install the Debian package postgresql", lambda: None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "psycopg is not installed (pip install 'psycopg[binary]')", lambda: None
    root = tempfile.mkdtemp(prefix="kpixl-pg-")
    prefix: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            return None, "running as root and there is no user postgres to run the server", lambda: None
        os.chown(root, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, sock = os.path.join(root, "data"), root
    run = lambda *a: subprocess.run(prefix + list(a), capture_output=True, text=True, timeout=120)  # noqa: E731
    r = run(initdb, "-D", data, "-A", "trust", "-U", "kpixl", "--no-sync")
    if r.returncode:
        return None, f"initdb failed: {r.stderr.strip()[:200]}", lambda: shutil.rmtree(root, ignore_errors=True)
    r = run(pg_ctl, "-D", data, "-w", "-l", os.path.join(root, "log"), "-o",
            f"-k {sock} -c listen_addresses='' -c fsync=off", "start")
    if r.returncode:
        return None, f"pg_ctl start failed: {r.stderr.strip()[:200]}", lambda: shutil.rmtree(root, ignore_errors=True)

    def stop() -> None:
        run(pg_ctl, "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)

    return f"postgresql://kpixl@/postgres?host={sock}", "", stop


def fresh_database(url: str, name: str) -> str:
    """A new empty database on the server of ``url`` (dropped first if it exists)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = url.partition("?")
    head = base.rsplit("/", 1)[0]
    return f"{head}/{name}" + (f"?{query}" if query else "")
