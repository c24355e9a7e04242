"""Replacing a file that ``--fix`` rewrote, without writing anywhere it must not.

A repository under review is hostile input: a ``.py`` may be a symbolic link to the
interpreter's standard library, a folder on the way may be a link, an editor may save the file
while it is being fixed, and the file may carry an owner, setuid bits, extended attributes or
an ACL that a plain "write a temp file and rename it" loses. So :func:`replace_file`:

* reaches the file one path component at a time with ``O_NOFOLLOW``, and works from then on
  relative to the folder it opened: a link anywhere on the way, or a file that is not a regular
  one, is refused, never followed;
* refuses a read-only file (no write bit at all) and a file with other hard links (replacing
  one name would leave the others on the old contents);
* gives the temp file the original's owner and group first, then its mode (``chown`` clears
  setuid/setgid, so the other order loses them), then every extended attribute (POSIX ACLs
  live there), and checks the result: anything it could not copy leaves the file alone;
* reads the file again just before the rename and compares both its ``stat`` and the digest
  of its bytes with what was fixed: a change in between (a concurrent save) is never
  overwritten.

Temp files are named ``.NAME.XXXXXXXX.mboxlint`` next to the file. Those of the running
process are removed on the way out of any failure (an exception, or SIGTERM/SIGINT turned
into one by :mod:`mboxlint.fix_command`); those left by a run that was killed outright are
removed by the next ``--fix`` (:func:`remove_stale_temps`) once they are clearly stale.
"""

import errno
import hashlib
import os
import re
import secrets
import stat
import time
from typing import Iterable, List, Optional, Set, Tuple

from .discovery import find_project_root

TEMP_SUFFIX = ".mboxlint"
_TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"
_TOKEN_LENGTH = 8
#: ``.NAME.XXXXXXXX.mboxlint``, as :func:`_make_temp` names them
TEMP_NAME = re.compile(r"\A\.(?P<name>.+)\.[a-z0-9_]{%d}%s\Z" % (_TOKEN_LENGTH, re.escape(TEMP_SUFFIX)))
#: a temp file untouched for this long was left by a run that is gone (a write takes
#: milliseconds; a run stopped in the debugger for an hour is not worth protecting)
STALE_AFTER_SECONDS = 15 * 60

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
#: folders are only passed through: O_PATH needs search permission, not read permission
_O_DIR_WALK = getattr(os, "O_PATH", os.O_RDONLY) | _O_DIRECTORY | _O_CLOEXEC

#: (folder path, temp name) of the temp files this process is writing, for cleanup
_LIVE_TEMPS: Set[Tuple[str, str]] = set()


class WriteError(Exception):
    """Why a file was left alone; the message ends with what happened to it."""


def digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _strerror(error: OSError) -> str:
    return error.strerror or str(error)


def _components(path: str) -> Tuple[str, List[str]]:
    """Where to start opening ``path`` from, and the folders to open one by one after it.

    A relative path (or an absolute one inside the current folder) starts at the current
    folder, which the user chose; any other absolute path at its project root (the nearest
    folder above it with ``pyproject.toml``, ``setup.cfg`` or ``.git``): links above the
    project are the machine's layout, links inside it are the repository's.
    """
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        start = cwd
    else:
        start = find_project_root(os.path.dirname(absolute))
        if start != os.path.dirname(absolute) and os.path.islink(start):
            raise WriteError("is reached through a symbolic link (%s): not written" % start)
    rest = absolute[len(start.rstrip(os.sep)) + 1:]
    return start, [part for part in rest.split(os.sep) if part]


def open_parent_nofollow(path: str) -> Tuple[int, str]:
    """A descriptor of ``path``'s folder reached without following any link, and the file's
    name in it. Raises :class:`WriteError` when a folder on the way is a link."""
    start, parts = _components(path)
    if not parts:
        raise WriteError("is not a file: not written")
    try:
        fd = os.open(start, _O_DIR_WALK)
    except OSError as error:
        raise WriteError("cannot write: %s" % _strerror(error)) from None
    walked = start
    try:
        for part in parts[:-1]:
            walked = os.path.join(walked, part)
            try:
                next_fd = os.open(part, _O_DIR_WALK | _O_NOFOLLOW, dir_fd=fd)
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(walked):
                    raise WriteError("is reached through a symbolic link (%s): not written" % walked) from None
                raise WriteError("cannot write: %s" % _strerror(error)) from None
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd, parts[-1]


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns, a.st_ctime_ns) == (
        b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns, b.st_ctime_ns)


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _make_temp(dir_fd: int, name: str) -> Tuple[int, str]:
    for _ in range(100):
        token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(_TOKEN_LENGTH))
        temp = ".%s.%s%s" % (name, token, TEMP_SUFFIX)
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o600,
                         dir_fd=dir_fd)
        except FileExistsError:
            continue
        return fd, temp
    raise FileExistsError(errno.EEXIST, "no free temporary name")


def _xattr_names(fd: int) -> List[str]:
    if not hasattr(os, "listxattr"):
        return []
    try:
        return list(os.listxattr(fd))
    except OSError as error:
        if error.errno in (errno.ENOTSUP, getattr(errno, "EOPNOTSUPP", errno.ENOTSUP)):
            return []
        raise


def _xattr_or_none(fd: int, attribute: str) -> Optional[bytes]:
    try:
        return os.getxattr(fd, attribute)
    except OSError:
        return None


def copy_metadata(source_fd: int, target_fd: int, st: os.stat_result) -> None:
    """Give ``target_fd`` the owner, group, mode and extended attributes of ``source_fd``
    (whose ``stat`` is ``st``); :class:`WriteError` when any of them does not carry over."""
    mine = os.fstat(target_fd)
    if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):
        try:
            os.fchown(target_fd, st.st_uid, st.st_gid)
        except OSError as error:
            raise WriteError("cannot keep its owner and group (%s): not written" % _strerror(error)) from None
    # after chown, which clears setuid/setgid
    os.fchmod(target_fd, stat.S_IMODE(st.st_mode))
    for attribute in _xattr_names(source_fd):
        try:
            value = os.getxattr(source_fd, attribute)
            if _xattr_or_none(target_fd, attribute) != value:  # e.g. an SELinux label given already
                os.setxattr(target_fd, attribute, value)
        except OSError as error:
            raise WriteError("cannot keep its extended attribute %s (%s): not written"
                             % (attribute, _strerror(error))) from None
    copied = os.fstat(target_fd)
    if (copied.st_uid, copied.st_gid, stat.S_IMODE(copied.st_mode)) != (
            st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)):
        raise WriteError("cannot keep its owner, group and mode: not written")


def replace_file(path: str, data: bytes, read_digest: str, read_stat: os.stat_result) -> None:
    """Replace the regular file ``path`` by ``data``, atomically, if it still holds the bytes
    hashed ``read_digest`` (:func:`digest`) and has the ``stat`` it had when they were read.

    Raises :class:`WriteError`, saying why, and leaves the file untouched otherwise.
    """
    dir_fd, name = open_parent_nofollow(path)
    try:
        _replace_in(dir_fd, os.path.dirname(os.path.abspath(path)), name, data, read_digest, read_stat)
    finally:
        os.close(dir_fd)


def _replace_in(dir_fd: int, folder: str, name: str, data: bytes, read_digest: str,
                read_stat: os.stat_result) -> None:
    try:
        fd = os.open(name, os.O_RDONLY | _O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _O_CLOEXEC, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise WriteError("is a symbolic link: not written (fix the file it points to)") from None
        raise WriteError("cannot write: %s" % _strerror(error)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise WriteError("is not a regular file: not written")
        if not _same_file(st, read_stat) or digest(_read_all(fd)) != read_digest:
            raise WriteError("changed while it was being fixed: not written")
        if st.st_nlink > 1:
            raise WriteError("has %d hard links; replacing it would split them: not written (see --diff)"
                             % st.st_nlink)
        if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise WriteError("is read-only: not written (see --diff)")
        if os.geteuid() != 0 and st.st_uid != os.geteuid():
            raise WriteError("belongs to another user: not written (see --diff)")
        _write_temp_and_rename(fd, st, dir_fd, folder, name, data, read_digest)
    finally:
        os.close(fd)


def _write_temp_and_rename(fd: int, st: os.stat_result, dir_fd: int, folder: str, name: str,
                           data: bytes, read_digest: str) -> None:
    try:
        temp_fd, temp = _make_temp(dir_fd, name)
    except OSError as error:
        raise WriteError("cannot write: %s" % _strerror(error)) from None
    _LIVE_TEMPS.add((folder, temp))
    try:
        try:
            with os.fdopen(temp_fd, "wb") as out:
                out.write(data)
                out.flush()
                copy_metadata(fd, out.fileno(), st)
                os.fsync(out.fileno())
            # The last look before the rename: an edit saved since the file was read wins.
            now = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            if not _same_file(now, st) or not _same_file(os.fstat(fd), st) or digest(_read_all(fd)) != read_digest:
                raise WriteError("changed while it was being fixed: not written")
            os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except OSError as error:
            raise WriteError("cannot write: %s" % _strerror(error)) from None
    except BaseException:
        _unlink_quietly(dir_fd, temp)
        _LIVE_TEMPS.discard((folder, temp))
        raise
    _LIVE_TEMPS.discard((folder, temp))
    try:
        sync_fd = os.open(".", os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC, dir_fd=dir_fd)
        try:
            os.fsync(sync_fd)
        finally:
            os.close(sync_fd)
    except OSError:
        pass  # an unreadable folder, or a file system that refuses fsync on folders


def _unlink_quietly(dir_fd: Optional[int], name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def remove_live_temps() -> None:
    """Remove the temp files this process is writing (on a signal that ends the run)."""
    for folder, temp in list(_LIVE_TEMPS):
        _unlink_quietly(None, os.path.join(folder, temp))
        _LIVE_TEMPS.discard((folder, temp))


def remove_stale_temps(folders: Iterable[str], now: Optional[float] = None) -> List[str]:
    """Remove the temp files a killed ``--fix`` left in ``folders``: only names of our own
    pattern, regular files (not links) owned by this user, untouched for
    :data:`STALE_AFTER_SECONDS`. Returns their paths."""
    now = time.time() if now is None else now
    removed = []
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if not TEMP_NAME.match(name):
                continue
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid()
                    and now - st.st_mtime > STALE_AFTER_SECONDS):
                try:
                    os.unlink(path)
                except OSError:
                    continue
                removed.append(path)
    return removed


def write_report(path: str, text: str) -> None:
    """Write ``-o FILE``: never through a symbolic link to a file (a committed
    ``report.sarif -> ~/.bashrc``), and never leaving a half-written report: a regular file
    is replaced whole through a temp file. A device or FIFO (``/dev/stdout``) is written to.
    Raises OSError with what went wrong."""
    data = text.encode("utf-8")
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        link = None
    if link is not None and stat.S_ISLNK(link.st_mode):
        try:
            target = os.stat(path)
        except OSError:
            target = None
        if target is None or stat.S_ISREG(target.st_mode) or stat.S_ISDIR(target.st_mode):
            raise OSError(errno.ELOOP, "is a symbolic link; refusing to write the report through it")
        link = target
    if link is not None and not stat.S_ISREG(link.st_mode):
        if stat.S_ISDIR(link.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory")
        with open(path, "wb") as out:  # a device or FIFO: nothing to replace
            out.write(data)
        return
    folder = os.path.dirname(os.path.abspath(path))
    dir_fd = os.open(folder, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    try:
        name = os.path.basename(path)
        temp_fd, temp = _make_temp(dir_fd, name)
        _LIVE_TEMPS.add((folder, temp))
        try:
            with os.fdopen(temp_fd, "wb") as out:
                out.write(data)
                out.flush()
                if link is not None:
                    os.fchmod(out.fileno(), stat.S_IMODE(link.st_mode))
                else:
                    umask = os.umask(0)
                    os.umask(umask)
                    os.fchmod(out.fileno(), 0o666 & ~umask)
            os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            _unlink_quietly(dir_fd, temp)
            raise
        finally:
            _LIVE_TEMPS.discard((folder, temp))
    finally:
        os.close(dir_fd)
