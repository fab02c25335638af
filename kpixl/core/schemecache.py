"""Remember which scheme files already passed the JSON Schema check, by content.

Validating a scheme document with jsonschema costs an import and ~0.1-0.2 s per run. A file
whose bytes, kpixl version and ``scheme.schema.json`` are unchanged passes again, so a
successful check is recorded as an entry named by the sha256 of the three, in
``$XDG_CACHE_HOME/kpixl/schemes`` (default ``~/.cache/kpixl/schemes``). Only passes are
recorded: a changed or failing file is checked (and its problems reported) on every load. The
semantic checks (``build_scheme``) always run. An unreadable, foreign or unwritable cache is
ignored; entries are written atomically (a unique temporary name, then ``os.replace``) and
follow the umask. ``KPIXL_SCHEME_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

SUBDIR = ("kpixl", "schemes")
OFF_ENV = "KPIXL_SCHEME_CACHE"


def cache_dir() -> Path | None:
    if os.environ.get(OFF_ENV, "").strip().lower() in ("0", "off", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    try:
        root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no home directory (a bare service account): no cache
        return None
    return root.joinpath(*SUBDIR)


@lru_cache(maxsize=4)
def _file_hash(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def content_key(data: bytes, schema_path: Path) -> str:
    """The cache key of one scheme file's bytes under this kpixl version and schema file."""
    from kpixl import __version__

    h = hashlib.sha256()
    for part in (b"kpixl-scheme-check-1", __version__.encode(), _file_hash(str(schema_path)).encode(), data):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def known_valid(key: str) -> bool:
    """True if an entry for ``key`` exists and holds the key itself (anything else is a miss)."""
    folder = cache_dir()
    if folder is None:
        return False
    try:
        return (folder / key).read_text(encoding="ascii").strip() == key
    except (OSError, ValueError):
        return False


def remember_valid(key: str) -> None:
    """Record that ``key`` passed; any failure (read-only home, full disk) is ignored."""
    folder = cache_dir()
    if folder is None:
        return
    tmp = folder / f".{key}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            os.write(fd, key.encode("ascii"))
        finally:
            os.close(fd)
        os.replace(tmp, folder / key)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
