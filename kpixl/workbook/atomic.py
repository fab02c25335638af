"""Atomic file output: write to a temporary file in the target's folder, then rename.

A crash (or a full disk) never leaves a half-written workbook under the target name, and an
existing file stays as it was until the new one is complete. The temporary file is created
like any other file (mode 0666 less the umask, so a report on a share is readable as the
folder's other files are) and named ``.<target name>.<pid>-<random>.kpixl-tmp``: it starts with
a dot and has no workbook suffix, so nothing reads it as input, and a temporary file that a
killed run left behind (its process is gone) is removed by the next write of the same target.

An existing target that is not a regular file (a FIFO, a device, a socket, or a link to one) is
refused (:func:`check_regular`): the rename would swap it for a regular file. A symbolic link to a
regular file is replaced by the new file, as the rename always did; the file it pointed to is left
as it was. The path named is where the output is, and kpixl never writes into a file it was not
named (a link in a shared folder may point at anyone's file).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from kpixl.core.errors import Problem, WorkbookError, problem

TMP_SUFFIX = ".kpixl-tmp"
STALE_SECONDS = 24 * 3600  # a temp file this old is stale even if its pid was reused


def _tmp_name(target: Path) -> Path:
    return target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temps(target: str | os.PathLike, force: bool = False) -> list[Path]:
    """Remove temporary files of ``target`` whose writer is gone (every one with ``force``: the
    caller knows the writer is dead). Temp names of older kpixl versions (``.<stem>-XXXXXXXX.xlsx.tmp``,
    no pid) are removed once they are an hour old."""
    target = Path(target)
    removed = []
    now = time.time()
    try:
        ours = list(target.parent.glob(f".{target.name}.*{TMP_SUFFIX}"))
        legacy = [p for p in target.parent.glob(f".{target.stem}-*.xlsx.tmp") if len(p.name) == len(target.stem) + 19]
    except OSError:
        return removed
    for p in ours + legacy:
        try:
            age = now - p.stat().st_mtime
        except OSError:
            continue
        if p in ours:
            pid = p.name[len(target.name) + 2:].split("-", 1)[0]
            stale = force or age > STALE_SECONDS or not pid.isdigit() or not _alive(int(pid))
        else:
            stale = force or age > 3600
        if stale:
            with suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


_SPECIAL = ((stat.S_ISFIFO, "命名管道", "a FIFO (named pipe)"), (stat.S_ISCHR, "字符设备", "a character device"),
            (stat.S_ISBLK, "块设备", "a block device"), (stat.S_ISSOCK, "套接字", "a socket"))


def check_regular(target: str | os.PathLike) -> None:
    """Raise WorkbookError if ``target`` exists and is neither a regular file nor a folder (a folder
    is refused with its own message). Only ``os.stat`` looks at it: a FIFO is never opened, which
    would wait for a reader."""
    try:
        mode = os.stat(target).st_mode
    except (OSError, ValueError):  # nothing there (or a dangling link): a new file; other errors say so when written
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    zh, en = next(((zh, en) for test, zh, en in _SPECIAL if test(mode)), ("特殊文件", "a special file"))
    if os.path.islink(target):
        zh, en = f"指向{zh} {os.path.realpath(target)} 的链接", f"a link to {en} ({os.path.realpath(target)})"
    raise WorkbookError([problem(
        "output_not_file", str(target), f"{target} 不是普通文件，而是{zh}：未写入，也未替换它。",
        f"{target} is not a regular file but {en}: nothing was written and it was not replaced.",
        "指定一个普通文件，或一个还不存在的文件名。", "Name a regular file, or a file that does not exist yet.")])


@contextmanager
def atomic_target(path: str | os.PathLike, exclusive: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``, on error it is removed.
    ``exclusive``: it never replaces a file: FileExistsError if ``path`` exists by then (another
    process made it first; a new ledger, ledger/store.py).

    An OSError (read-only folder, full disk, ``path`` a folder) is raised naming ``path``; a
    WorkbookError if ``path`` is a FIFO or a device (:func:`check_regular`)."""
    target = Path(path)
    check_regular(target)
    tmp = _tmp_name(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(target)
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
        if exclusive:
            _link(tmp, target)
        else:
            os.replace(tmp, target)
    except OSError as exc:
        if getattr(exc, "kpixl_target", None) not in (None, tmp):
            raise  # a nested target's error already names its file (the report beside its companion)
        raise named_error(exc, target) from exc
    finally:
        with suppress(OSError):
            tmp.unlink()


def _link(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the name ``target`` unless ``target`` exists (FileExistsError). A hard link does it
    in one step; where the file system has none (FAT, some shares), a rename after a look."""
    try:
        os.link(tmp, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK):
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
        os.rename(tmp, target)


def named_error(exc: OSError, target: str | os.PathLike) -> OSError:
    """The same error naming ``target`` (the file the user asked for, not its temporary file),
    marked so that an enclosing atomic_target keeps the name."""
    named = type(exc)(exc.errno, exc.strerror or str(exc), str(target))
    named.kpixl_target = Path(target)
    return named


def save_workbook(wb, path: str | os.PathLike) -> Path:
    """Save an openpyxl workbook atomically."""
    with atomic_target(path) as tmp:
        wb.save(tmp)
    return Path(path)


_FIXES = {
    errno.ENOSPC: ("磁盘已满：释放空间后重试。", "The disk is full: free some space and try again."),
    errno.EDQUOT: ("磁盘配额已满：释放空间后重试。", "The disk quota is exceeded: free some space and try again."),
    errno.EACCES: ("没有权限：检查文件夹权限，或用 -o 选择另一个位置。",
                   "Permission denied: check the folder's permissions or choose another place with -o."),
    errno.EPERM: ("没有权限：检查文件夹权限，或用 -o 选择另一个位置。",
                  "Permission denied: check the folder's permissions or choose another place with -o."),
    errno.EROFS: ("文件系统只读：用 -o 选择另一个位置。", "The file system is read-only: choose another place with -o."),
    errno.EISDIR: ("这是一个文件夹：用 -o 指定文件名，如 报表.xlsx。",
                   "That is a folder: give a file name with -o, e.g. report.xlsx."),
    errno.ENOENT: ("检查路径是否存在。", "Check that the path exists."),
    errno.ENOTDIR: ("路径中有一部分不是文件夹：检查路径。", "Part of the path is not a folder: check the path."),
}


def os_error_problem(exc: OSError) -> Problem:
    """A located, bilingual problem for an operating-system error on a file."""
    where = str(exc.filename2 or exc.filename or "")
    name = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    reason = (exc.strerror or str(exc)).splitlines()[0][:120] if (exc.strerror or str(exc)) else name
    fix_zh, fix_en = _FIXES.get(exc.errno, ("检查路径和权限后重试。", "Check the path and permissions and try again."))
    return problem("os_error", where or "-", f"文件操作失败：{reason}（{name}）。", f"File operation failed: {reason} ({name}).",
                   fix_zh, fix_en)
