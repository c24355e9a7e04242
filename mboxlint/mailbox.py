"""A drop-in for the standard library's ``mailbox`` with safe single-file writes.

``from mboxlint import mailbox`` gives every public name of the interpreter's
``mailbox`` module.  ``Maildir`` and the message classes are the standard
library's own objects.  ``mbox``, ``MMDF``, ``Babyl`` and ``MH`` are
subclasses of the standard classes that fix the ways they lose mail when other
processes use the same mailbox:

* ``flush()`` never renames: the new contents go to a journal next to the
  mailbox, are fsynced, and are copied back into the same inode while the
  fcntl and dot locks stay held.  Only the part from the first change onward
  is rewritten.  A flush killed at any point is completed or undone by the next
  open or ``lock()``.
* ``lock()`` re-reads the table of contents when the file changed, keeps the
  keys of messages that did not move and refuses (``ExternalClashError``) to
  apply pending changes to messages another process changed.
* Dot-locks name their owner, so a lock left by a dead process is broken.

Only the standard library is imported here: the linter's codemod points user
code at this module, and it must stay cheap and dependency-free.

See docs/mailbox.md for the full description and the deviations from the
interpreter's own test suite.
"""

import array
import contextlib
import errno
import hashlib
import io
import os
import queue
import socket
import stat
import struct
import sys
import threading
import time
import warnings
import zlib

import mailbox as _std
from mailbox import (  # noqa: F401  (re-exported: drop-in for the stdlib)
    Babyl as _StdBabyl,
    BabylMessage,
    Error,
    ExternalClashError,
    FormatError,
    Mailbox,
    Maildir,
    MaildirMessage,
    MH as _StdMH,
    MHMessage,
    MMDF as _StdMMDF,
    MMDFMessage,
    Message,
    NoSuchMailboxError,
    NotEmptyError,
    mbox as _StdMbox,
    mboxMessage,
)
# Private names the interpreter's own test suite (and some user code) reach for.
from mailbox import _mboxMMDFMessage, _PartialFile, _ProxyFile  # noqa: F401
from mailbox import linesep  # noqa: F401

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

__all__ = list(_std.__all__) + [
    'MailboxWarning', 'copy_back', 'atomic_write',
    'DOTLOCK_TIMEOUT', 'DOTLOCK_REFRESH', 'WRITE_LOCK_TIMEOUT',
]

# A dot-lock with no owner we can check (written by another program, or by a
# process on another host) is considered abandoned after this many seconds;
# the same default as procmail's LOCKTIMEOUT.
DOTLOCK_TIMEOUT = 1024

# flush()/close()/add() on a mailbox that is not locked take the locks for the
# duration of the write, waiting at most this long for another holder.
WRITE_LOCK_TIMEOUT = 30.0

# Journals and copies are streamed in chunks of this size so that memory use
# does not grow with the mailbox.
_CHUNK = 1 << 20

# Called with the name of each step of a journaled write.  Tests set it to kill
# the process between steps; it is None in normal use.
_test_hook = None

_HOST = socket.gethostname()
_O_NOFOLLOW = getattr(os, 'O_NOFOLLOW', 0)
_O_CLOEXEC = getattr(os, 'O_CLOEXEC', 0)


def __getattr__(name):
    # Any other private helper of the stdlib module stays reachable, as it
    # would be for code written against ``mailbox`` itself.
    try:
        return getattr(_std, name)
    except AttributeError:
        raise AttributeError('module %r has no attribute %r'
                             % (__name__, name)) from None


class MailboxWarning(UserWarning):
    """A mailbox was used in a way that can lose mail under concurrency."""


def _step(name):
    if _own_dotlocks:
        _refresh_dotlocks()
    hook = _test_hook
    if hook is not None:
        hook(name)


def _open_new(path, mode, flags=os.O_RDWR):
    """Create path exclusively; never follow a symlink planted there."""
    return os.open(path, flags | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW
                   | _O_CLOEXEC, mode)


def _fsync_dir(path):
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)) or '.',
                     os.O_RDONLY | _O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on directories
    finally:
        os.close(fd)


def _pread_exact(fd, size, offset):
    parts = []
    while size > 0:
        data = os.pread(fd, min(size, _CHUNK), offset)
        if not data:
            break
        parts.append(data)
        size -= len(data)
        offset += len(data)
    return b''.join(parts)


def _pwrite_all(fd, data, offset):
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view = view[n:]
        offset += n


def _iter_range(fd, start, stop):
    while start < stop:
        data = os.pread(fd, min(_CHUNK, stop - start), start)
        if not data:
            raise FormatError('file ended at %d while reading up to %d'
                              % (start, stop))
        yield data
        start += len(data)


def _iter_views(fd, start, stop, buf=None):
    """Like _iter_range, but reuses one buffer: each view is valid only
    until the next one is produced (for checksums, which keep nothing)."""
    if buf is None:
        buf = bytearray(min(_CHUNK, max(stop - start, 0)))
    view = memoryview(buf)
    preadv = getattr(os, 'preadv', None)
    while start < stop:
        want = min(len(buf), stop - start)
        if preadv is not None:
            n = preadv(fd, [view[:want]], start)
            data = view[:n]
        else:
            data = os.pread(fd, want, start)
            n = len(data)
        if not n:
            raise FormatError('file ended at %d while reading up to %d'
                              % (start, stop))
        yield data
        start += n


def _crc_range(fd, start, stop, crc=0, buf=None):
    for data in _iter_views(fd, start, stop, buf):
        crc = zlib.crc32(data, crc)
    return crc


class _TrailingCrc:
    """Block CRCs (a _BlockCrcs) of bytes of a file, computed by a second
    thread just behind the writes that produce them, so that checksumming a
    journal overlaps filling it (both release the GIL).  Ranges must be
    added in order."""

    def __init__(self, fd, hasher, first=None):
        self.fd = fd
        self.hasher = hasher
        # Run by the thread before the first range: work that would only
        # compete for the GIL from a thread of its own.
        self.first = first
        self.first_result = None
        self.error = None
        self.cancelled = False
        self.queue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name='mboxlint-journal-crc')
        self.thread.start()

    def add(self, start, length):
        self.queue.put((start, start + length))

    def _run(self):
        buf = bytearray(max(_CHUNK, 1))
        if self.first is not None:
            try:
                self.first_result = self.first()
            except BaseException as e:  # handed to the writing thread
                self.error = e
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is None and not self.cancelled:
                try:
                    self.hasher.read(self.fd, item[0], item[1], buf)
                except BaseException as e:  # handed to the writing thread
                    self.error = e

    def stop(self):
        """Wait for the thread; the hasher, fed with everything added."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.hasher

    def cancel(self):
        """Stop the thread without finishing the checksum."""
        self.cancelled = True
        self.queue.put(None)
        self.thread.join()


# errno values with which copy_file_range/sendfile say "not here" (another
# file system, an old kernel, a file system without support) rather than an
# I/O error: the copy then goes on by the next, slower means.
_NO_KERNEL_COPY = {getattr(errno, name) for name in (
    'EXDEV', 'ENOSYS', 'EINVAL', 'EOPNOTSUPP', 'ENOTSUP', 'EBADF', 'EPERM',
    'ETXTBSY', 'EOVERFLOW') if hasattr(errno, name)}


def _copy(src, src_off, dst, dst_off, length, step, done=None, align=False):
    """Copy length bytes between two descriptors at explicit offsets.

    Kernel-side when possible (copy_file_range, then sendfile), so that the
    bytes never pass through Python; a read/write loop otherwise.  Works in
    _CHUNK pieces, reporting each as step (and to done(dst_off, n) if
    given).  With align, pieces end at multiples of _CHUNK in dst, so that
    a process killed between pieces leaves whole blocks of the journal's
    grid copied.  Raises FormatError when src ends early.  The file
    position of dst may move (sendfile writes there).
    """
    method = 0
    stop = src_off + length
    while src_off < stop:
        want = min(_CHUNK, stop - src_off)
        if align:
            want = min(want, _CHUNK - dst_off % _CHUNK)
        n = None
        if method == 0:
            cfr = getattr(os, 'copy_file_range', None)
            if cfr is None:
                method = 1
            else:
                try:
                    n = cfr(src, dst, want, src_off, dst_off)
                except OSError as e:
                    if e.errno not in _NO_KERNEL_COPY:
                        raise
                    method = 1
        if n is None and method == 1:
            sendfile = getattr(os, 'sendfile', None)
            if sendfile is None:
                method = 2
            else:
                try:
                    os.lseek(dst, dst_off, os.SEEK_SET)
                    n = sendfile(dst, src, src_off, want)
                except OSError as e:
                    if e.errno not in _NO_KERNEL_COPY:
                        raise
                    method = 2
        if n is None:
            data = os.pread(src, want, src_off)
            n = len(data)
            _pwrite_all(dst, data, dst_off)
        if not n:
            if method < 2:
                # A file system that reports no data through the kernel
                # paths: let a plain read tell the end of the file apart.
                method = 2
                continue
            raise FormatError('file ended at %d while copying up to %d'
                              % (src_off, stop))
        if done is not None:
            done(dst_off, n)
        src_off += n
        dst_off += n
        _step(step)


# How many bytes following each message the table of contents remembers:
# enough for every format's separators, so that a rewrite can tell which of
# them are already in place without reading them again.
_AFTER_CAP = 64


def _fingerprints(fd, spans):
    """CRC-32 of each (start, stop) span of fd, and the bytes after each.

    Spans are in file order.  Returns the list of CRCs and a dict mapping
    each stop to the bytes that follow it up to the next span's start (at
    most _AFTER_CAP of them).  The file is read sequentially in _CHUNK blocks
    rather than with reads per message.
    """
    size = os.fstat(fd).st_size
    buf, base = b'', 0
    crcs, after = [], {}

    def pieces(start, stop):
        nonlocal buf, base
        while start < stop:
            if not base <= start < base + len(buf):
                base = start
                buf = os.pread(fd, max(_CHUNK, 2 * _AFTER_CAP), start)
                if not buf:
                    raise FormatError('file ended at %d while reading up '
                                      'to %d' % (start, stop))
            end = min(stop, base + len(buf))
            yield memoryview(buf)[start - base:end - base]
            start = end

    for i, (start, stop) in enumerate(spans):
        crc = 0
        for view in pieces(start, stop):
            crc = zlib.crc32(view, crc)
        crcs.append(crc)
        limit = spans[i + 1][0] if i + 1 < len(spans) else size
        limit = min(limit, stop + _AFTER_CAP, size)
        if limit >= stop:
            after[stop] = b''.join(bytes(v) for v in pieces(stop, limit))
    return crcs, after


def _preallocate(fd, start, stop, extend=False):
    """Reserve the blocks of [start, stop) of fd (the file grows to stop if
    shorter), so that ENOSPC comes now rather than while writing there.
    Where the file system cannot, extend only if asked."""
    fallocate = getattr(os, 'posix_fallocate', None)
    if fallocate is not None and stop > start:
        try:
            fallocate(fd, start, stop - start)
            return
        except OSError as e:
            if e.errno not in _NO_KERNEL_COPY:
                raise
    if extend:
        os.ftruncate(fd, stop)


def _digest_range(fd, start, stop):
    h = hashlib.blake2b(digest_size=16)
    for data in _iter_views(fd, start, stop):
        h.update(data)
    return h.digest()


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    return True


def _process_holds_posix_lock(st):
    """Whether this process holds an fcntl/lockf lock on the file of stat st.

    Closing any descriptor of a file drops every such lock of the process, so
    callers keep their descriptor open when this is true (or unknown).
    """
    try:
        with open('/proc/locks', 'rb') as f:
            lines = f.read().decode('ascii', 'replace').splitlines()
    except OSError:
        return True
    pid = str(os.getpid())
    want = (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
    for line in lines:
        fields = line.split()
        if '->' in fields or 'POSIX' not in fields:
            continue
        try:
            i = fields.index('POSIX')
            owner, dev = fields[i + 3], fields[i + 4]
            major, minor, ino = dev.split(':')
            if owner == pid and (int(major, 16), int(minor, 16),
                                 int(ino)) == want:
                return True
        except (IndexError, ValueError):
            continue
    return False


# ---------------------------------------------------------------------------
# Dot-locks that name their owner

def _dotlock_acquire(path, mode, target_st):
    """Create path + '.lock' holding "PID HOST".

    Returns True when taken, False when another lock is there, None when the
    directory is not writable (then, as in the stdlib, dot-locking is skipped).
    """
    lock_path = path + '.lock'
    tmp = '%s.%s.%d.%s' % (lock_path, _HOST, os.getpid(),
                           os.urandom(4).hex())
    try:
        fd = _open_new(tmp, mode, os.O_WRONLY)
    except OSError as e:
        if e.errno in (errno.EACCES, errno.EROFS):
            return None
        raise
    try:
        _give_to_owner(fd, target_st)
        os.write(fd, ('%d %s\n' % (os.getpid(), _HOST)).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        try:
            # link() is atomic (also over NFS) and fails on any existing
            # name, a planted symlink included.
            os.link(tmp, lock_path)
        except FileExistsError:
            return False
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS,
                               errno.EMLINK):
                raise
            # No hard links here: create the lock itself exclusively.
            try:
                fd = _open_new(lock_path, mode, os.O_WRONLY)
            except FileExistsError:
                return False
            try:
                _give_to_owner(fd, target_st)
                os.write(fd, ('%d %s\n' % (os.getpid(), _HOST)).encode())
            finally:
                os.close(fd)
        _own_dotlocks[lock_path] = time.monotonic()
        return True
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _give_to_owner(fd, target_st):
    # A root job's lock or journal must stay removable and readable by the
    # mailbox's owner, or a crash would lock the owner out.
    if os.geteuid() == 0 and target_st.st_uid != 0:
        with contextlib.suppress(OSError):
            os.fchown(fd, target_st.st_uid, target_st.st_gid)


def _dotlock_owner(lock_path):
    """(pid, host) recorded in a dot-lock, or None when there is none."""
    try:
        fd = os.open(lock_path, os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC
                     | getattr(os, 'O_NONBLOCK', 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = os.read(fd, 512)
    finally:
        os.close(fd)
    parts = data.decode('ascii', 'replace').split()
    if len(parts) != 2 or not parts[0].isdigit():
        return None
    return int(parts[0]), parts[1]


def _dotlock_verdict(lock_path, target_st, before=None):
    """('absent' | 'held' | 'stale' | 'untrusted' | 'directory', detail)."""
    if before is None:
        try:
            before = os.lstat(lock_path)
        except FileNotFoundError:
            return 'absent', ''
    if stat.S_ISDIR(before.st_mode):
        return 'directory', 'a directory, not a lock'
    if not _trusted_owner(before, target_st):
        return 'untrusted', ('owned by uid %d, neither the mailbox\'s owner '
                             'nor root' % before.st_uid)
    age = time.time() - before.st_mtime
    owner = _dotlock_owner(lock_path)
    if owner is not None and owner[1] == _HOST and not _pid_alive(owner[0]):
        return 'stale', 'process %d is gone' % owner[0]
    # A live PID is no proof (PIDs are reused; in a container PID 1 is
    # always alive): an old lock is broken by age whoever it names, as
    # procmail does.  Holders refresh their lock's time while they work.
    if age > DOTLOCK_TIMEOUT:
        return 'stale', 'not refreshed for %d s' % age
    who = ('process %d on %s' % owner) if owner else 'another program'
    return 'held', 'by %s for %d s' % (who, age)


def _dotlock_break_if_stale(path, target_st):
    """Remove path + '.lock' if it is stale or not to be trusted.

    True when the name is free now, False when a live lock is respected,
    None when the name cannot be used (a directory, or another user's file
    that cannot be removed): then dot-locking is skipped, with a warning.
    """
    lock_path = path + '.lock'
    try:
        before = os.lstat(lock_path)
    except FileNotFoundError:
        return True
    verdict, detail = _dotlock_verdict(lock_path, target_st, before)
    if verdict == 'held':
        return False
    if verdict == 'directory':
        warnings.warn('%s is %s: dot-locking skipped, only the fcntl lock '
                      'is held' % (lock_path, detail), MailboxWarning,
                      stacklevel=4)
        return None
    try:
        now = os.lstat(lock_path)
    except FileNotFoundError:
        return True
    # Only remove the very file we judged; another process may have replaced
    # it with a fresh lock in the meantime.
    if (now.st_ino, now.st_dev, now.st_mtime_ns) != (
            before.st_ino, before.st_dev, before.st_mtime_ns):
        return False
    try:
        os.unlink(lock_path)
    except FileNotFoundError:
        pass
    except OSError as e:
        if verdict != 'untrusted':
            raise
        warnings.warn('%s is %s and cannot be removed (%s): dot-locking '
                      'skipped, only the fcntl lock is held'
                      % (lock_path, detail, e.strerror), MailboxWarning,
                      stacklevel=4)
        return None
    if verdict == 'untrusted':
        warnings.warn('%s was %s: removed' % (lock_path, detail),
                      MailboxWarning, stacklevel=4)
    return True


def _dotlock_release(path):
    lock_path = path + '.lock'
    _own_dotlocks.pop(lock_path, None)
    owner = _dotlock_owner(lock_path)
    if owner == (os.getpid(), _HOST):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)


# Dot-locks this process holds -> when their time was last refreshed.
_own_dotlocks = {}
# Refresh the time of our own dot-locks this often during long writes, so
# that nobody breaks them by age (DOTLOCK_TIMEOUT) while we work.
DOTLOCK_REFRESH = 60.0


def _refresh_dotlocks():
    now = time.monotonic()
    for lock_path, last in list(_own_dotlocks.items()):
        if now - last < DOTLOCK_REFRESH:
            continue
        _own_dotlocks[lock_path] = now
        if _dotlock_owner(lock_path) == (os.getpid(), _HOST):
            with contextlib.suppress(OSError):
                os.utime(lock_path)


# ---------------------------------------------------------------------------
# fcntl locks
#
# Linux's open-file-description locks conflict with the POSIX locks other
# mail programs take, but belong to the open file, not to the process: a
# second mailbox object on the same file conflicts with the first instead of
# sharing its lock, and closing another descriptor of the file does not
# drop them.  Elsewhere, lockf.

_F_OFD_SETLK = getattr(fcntl, 'F_OFD_SETLK', None) if fcntl else None
# struct flock on 64-bit Linux: l_type, l_whence, l_start, l_len, l_pid.
_FLOCK = struct.Struct('hhqqi4x')
_USE_OFD = (_F_OFD_SETLK is not None and sys.platform.startswith('linux')
            and struct.calcsize('P') == 8)
# (st_dev, st_ino) of files this process holds OFD locks on (copy_back
# must not wait for a lock held by its own caller).
_ofd_held = {}


def _try_lock(fd):
    """Take an exclusive lock without waiting: 'ofd', 'posix', or raise
    OSError (EAGAIN/EACCES when another holder has it)."""
    if _USE_OFD:
        try:
            fcntl.fcntl(fd, _F_OFD_SETLK,
                        _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
        except OSError as e:
            if e.errno != errno.EINVAL:
                raise
            # A file system without OFD locks: fall through to lockf.
        else:
            st = os.fstat(fd)
            key = (st.st_dev, st.st_ino)
            _ofd_held[key] = _ofd_held.get(key, 0) + 1
            return 'ofd'
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return 'posix'


def _unlock(fd, kind):
    if kind == 'ofd':
        fcntl.fcntl(fd, _F_OFD_SETLK,
                    _FLOCK.pack(fcntl.F_UNLCK, os.SEEK_SET, 0, 0, 0))
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        if _ofd_held.get(key, 0) <= 1:
            _ofd_held.pop(key, None)
        else:
            _ofd_held[key] -= 1
    elif kind == 'posix':
        fcntl.lockf(fd, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------
# The journal
#
# <target>.journal holds a header area of two slots, the payload (the bytes
# that belong at [offset, offset + length) of the target, after which the
# target is cut to offset + length), then two tables of CRC-32s: of the old
# bytes the rewrite replaces, and of the payload, per block of a grid of
# absolute file offsets.  The payload and tables are fsynced with the first
# valid header, and the target is not touched before that header is
# installed, so a journal without a valid header was never used.  Header
# updates alternate between the slots (highest valid sequence number wins),
# so a torn header write never loses the previous one.
#
# Before replaying, the target must still be what the interrupted flush left:
# the kept prefix (its last _PREFIX_WINDOW bytes, by digest) and, block by
# block, old or new bytes where the copy may have stopped.  Any other state
# means another program wrote the file after the crash; replaying would undo
# its changes, so the journal is set aside instead, and the messages it holds
# that the file lacks are appended (a duplicate is better than a loss).

_MAGIC = b'MBXJRNL2'
_SLOT = 256
_HDR = struct.Struct('>8sIIIIQQQQQII16s16s')
# magic, seq, state, kind, writer uid, dev, ino, offset, length, old_size,
# block size, CRC-32 of the tables, digest of the cut tail, digest of the
# prefix window
_STATE_EXTEND = 1    # target may have been extended with zeros to the new size
_STATE_COMPLETE = 2  # payload complete; copy-back may be partial
_STATE_COPIED = 3    # copy-back done and fsynced; truncation may be pending
_STATE_NAMES = {_STATE_EXTEND: 'extending', _STATE_COMPLETE: 'complete',
                _STATE_COPIED: 'copied'}

# What the payload holds: raw bytes (copy_back) or messages of a format, which
# lets an unappliable journal be salvaged message by message.
_KIND_RAW, _KIND_MBOX, _KIND_MMDF, _KIND_BABYL = 0, 1, 2, 3
_KIND_PARSERS = {_KIND_MBOX: _StdMbox, _KIND_MMDF: _StdMMDF,
                 _KIND_BABYL: _StdBabyl}

# Bytes before the rewrite's offset whose digest the journal records.
_PREFIX_WINDOW = 1 << 16
_PAGE = 4096
_MAX64 = 2 ** 64 - 1

_CRC_TYPE = next(t for t in 'ILH' if array.array(t).itemsize == 4)


def _journal_path(path):
    # One name per file whichever symlink the mailbox was opened through.
    return os.path.realpath(path) + '.journal'


def _block_size():
    # Page-sized blocks, so that a power loss tears at most whole blocks; the
    # copy-back's chunks end on the same grid, so a kill does too.
    return _PAGE if _CHUNK % _PAGE == 0 else _CHUNK


def _grid(start, stop, block, cuts):
    """Block boundaries from start to stop: multiples of block, plus cuts."""
    if stop <= start:
        return [start]
    first = (start // block + 1) * block
    points = set(range(first, stop, block))
    points.update(c for c in cuts if start < c < stop)
    return [start] + sorted(points) + [stop]


class _BlockCrcs:
    """CRC-32 of each block of a grid, fed with the bytes in order."""

    def __init__(self, bounds, block=_PAGE):
        self.bounds = bounds
        self.block = block    # the grid's spacing (cuts make some shorter)
        self.index = 0        # block being filled: [bounds[i], bounds[i+1])
        self.pos = bounds[0]
        self.crc = 0
        self.crcs = array.array(_CRC_TYPE)

    def update(self, data):
        # Locals only in the loop: it runs once per 4 KiB of a rewrite.
        view = memoryview(data)
        bounds, append, crc32 = self.bounds, self.crcs.append, zlib.crc32
        last = len(bounds) - 1
        i, pos, crc = self.index, self.pos, self.crc
        off, size = 0, len(view)
        block = self.block
        while off < size:
            if pos == bounds[i] and size - off >= 2 * block:
                # A run of whole blocks: no block is longer than the
                # spacing, so if n of them end n spacings further on, all
                # are exactly one spacing long.
                n = min((size - off) // block, last - i)
                if n > 1 and bounds[i + n] == pos + n * block:
                    stop = off + n * block
                    self.crcs.extend([crc32(view[j:j + block])
                                      for j in range(off, stop, block)])
                    off, pos, i = stop, pos + n * block, i + n
                    continue
            if i >= last:
                raise ValueError('more bytes than the grid holds')
            end = bounds[i + 1]
            take = min(size - off, end - pos)
            crc = crc32(view[off:off + take], crc)
            off += take
            pos += take
            if pos == end:
                append(crc)
                crc = 0
                i += 1
        self.index, self.pos, self.crc = i, pos, crc

    def read(self, fd, start, stop, buf=None):
        for data in _iter_views(fd, start, stop, buf):
            self.update(data)
        return self


def _grid_crcs(fd, bounds, block, start, stop, file_offset=None):
    """CRC of each block of bounds (spaced block apart) lying within
    [file_offset, ...), reading fd from start to stop (which maps to
    file_offset onward)."""
    if file_offset is None:
        file_offset = start
    sub = [b for b in bounds if file_offset <= b <= file_offset + stop - start]
    if len(sub) < 2:
        return array.array(_CRC_TYPE)
    return _BlockCrcs(sub, block).read(fd, start, stop).crcs


def _table_bytes(crcs):
    table = array.array(_CRC_TYPE, crcs)
    if sys.byteorder == 'little':
        table.byteswap()
    return table.tobytes()


def _table_from(data):
    table = array.array(_CRC_TYPE)
    table.frombytes(data)
    if sys.byteorder == 'little':
        table.byteswap()
    return table


def _pack_header(seq, state, hdr):
    body = _HDR.pack(_MAGIC, seq, state, hdr['kind'], hdr['uid'],
                     hdr['dev'] & _MAX64, hdr['ino'], hdr['offset'],
                     hdr['length'], hdr['old_size'], hdr['block'],
                     hdr['table_crc'], hdr['tail'], hdr['prefix'])
    return body + struct.pack('>I', zlib.crc32(body))


_HDR_FIELDS = ('magic', 'seq', 'state', 'kind', 'uid', 'dev', 'ino', 'offset',
               'length', 'old_size', 'block', 'table_crc', 'tail', 'prefix')


def _read_header(jfd):
    best = None
    size = _HDR.size + 4
    for slot in (0, 1):
        raw = os.pread(jfd, size, slot * _SLOT)
        if len(raw) != size:
            continue
        body, (check,) = raw[:-4], struct.unpack('>I', raw[-4:])
        if zlib.crc32(body) != check:
            continue
        fields = dict(zip(_HDR_FIELDS, _HDR.unpack(body)))
        if fields['magic'] != _MAGIC or fields['state'] not in _STATE_NAMES:
            continue
        if fields['block'] == 0:
            continue
        if best is None or fields['seq'] > best['seq']:
            best = fields
    return best


class JournalReport:
    """What recovery found in a journal, and what it did or would do."""

    def __init__(self, path, journal, action, reason, header=None):
        self.path = path
        self.journal = journal
        self.action = action      # see _Journal.examine
        self.reason = reason
        self.header = header
        self.kept_as = None       # where a journal not applied was moved
        self.appended = 0         # salvaged messages the file lacked
        self.present = 0          # salvaged messages the file already held

    def __str__(self):
        text = '%s: %s: %s' % (self.journal, self.action, self.reason)
        if self.action == 'salvage':
            text += ('; %d message(s) of the journal appended, %d already '
                     'in the mailbox' % (self.appended, self.present))
        if self.kept_as:
            text += '; journal kept as %s' % self.kept_as
        return text


def _aside_name(jpath, why):
    return '%s.%s-%s-%s' % (jpath, why,
                            time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()),
                            os.urandom(3).hex())


def _trusted_owner(st, target_st):
    # The mailbox's owner, root, or this very user (who may be a deliverer
    # writing another user's mailbox through group permissions).
    return st.st_uid in (0, target_st.st_uid, os.geteuid())


class _Journal:
    """One journaled rewrite of a file, from offset onward."""

    def __init__(self, target_fd, target_path, kind=_KIND_RAW, appender=None):
        self.fd = target_fd
        self.path = target_path
        self.kind = kind
        # Called with the bytes of each message a set-aside journal holds and
        # the file lacks (mailboxes only: copy_back has no messages).
        self.appender = appender
        self.jpath = _journal_path(target_path)
        self.next_path = self.jpath + '.next'

    def _mode(self):
        return stat.S_IMODE(os.fstat(self.fd).st_mode) & 0o666

    def _write_header(self, jfd, seq, state, sync=True):
        _pwrite_all(jfd, _pack_header(seq, state, self.hdr), (seq % 2) * _SLOT)
        if sync:
            os.fsync(jfd)

    def _open_next(self, st):
        try:
            os.unlink(self.next_path)
        except FileNotFoundError:
            pass
        except OSError:
            # Another user's file that cannot be removed: never write into
            # it; build under a name of our own.
            self.next_path = '%s.%s' % (self.next_path, os.urandom(4).hex())
        jfd = _open_new(self.next_path, self._mode())
        _give_to_owner(jfd, st)
        return jfd

    def write(self, offset, segments, src_fd):
        """Put the new bytes at offset and cut the file after them.

        segments, in order, are ('range', start, stop) for bytes of src_fd
        (copied by the kernel where it can) and ('bytes', data).
        """
        st = os.fstat(self.fd)
        if st.st_nlink > 1:
            # Each name would have its own journal: a crash would leave a
            # torn file that opening it by another name cannot repair.
            raise Error('%s has %d hard links; refusing to rewrite it in '
                        'place' % (self.path, st.st_nlink))
        old_size = st.st_size
        length = sum(s[2] - s[1] if s[0] == 'range' else len(s[1])
                     for s in segments)
        final = offset + length
        top = max(old_size, final)
        block = _block_size()
        bounds = _grid(offset, top, block, (old_size, final))
        self.hdr = {
            'kind': self.kind, 'uid': os.geteuid(), 'dev': st.st_dev,
            'ino': st.st_ino, 'offset': offset, 'length': length,
            'old_size': old_size, 'block': block, 'table_crc': 0,
            'tail': bytes(16), 'prefix': bytes(16)}
        jfd = self._open_next(st)
        new_crcs = None
        installed = False
        try:
            # Reserve the journal's space first: running out of it is then
            # found before anything is written.
            n_tables = (len([b for b in bounds if b <= old_size])
                        + len([b for b in bounds if b <= final]) - 2)
            _preallocate(jfd, 0, 2 * _SLOT + length + 4 * max(0, n_tables))
            # A second thread makes the old bytes' table while the payload
            # is copied, then the payload's, catching up behind the copy.
            new_crcs = _TrailingCrc(
                jfd, _BlockCrcs([b for b in bounds if b <= final], block),
                lambda: _grid_crcs(self.fd, bounds, block, offset, old_size))
            pos = 2 * _SLOT
            for seg in segments:
                if seg[0] == 'range':
                    _copy(src_fd, seg[1], jfd, pos, seg[2] - seg[1],
                          'journal-chunk', new_crcs.add)
                    pos += seg[2] - seg[1]
                else:
                    _pwrite_all(jfd, seg[1], pos)
                    new_crcs.add(pos, len(seg[1]))
                    pos += len(seg[1])
                    _step('journal-chunk')
            new_table = new_crcs.stop().crcs
            tables = (_table_bytes(new_crcs.first_result)
                      + _table_bytes(new_table))
            new_crcs = None
            _pwrite_all(jfd, tables, pos)
            self.hdr['table_crc'] = zlib.crc32(tables)
            self.hdr['prefix'] = _digest_range(
                self.fd, max(0, offset - _PREFIX_WINDOW), offset)
            if final < old_size:
                self.hdr['tail'] = _digest_range(self.fd, final, old_size)
            growing = final > old_size
            self.seq = 1
            # One fsync covers payload and header: the journal only counts
            # once renamed below, after the fsync, so a crash before then
            # leaves a .next that recovery discards whatever reached the disk.
            self._write_header(jfd, self.seq,
                               _STATE_EXTEND if growing else _STATE_COMPLETE,
                               sync=False)
            os.fsync(jfd)
            _step('journal-synced')
            # Installed under its final name only when complete: a journal
            # found under that name can always be trusted.
            os.replace(self.next_path, self.jpath)
            installed = True
            _fsync_dir(self.jpath)
            _step('journal-installed')
            if growing:
                # Grow first, so that the copy never moves the end of the
                # file: whoever appends after a crash appends past everything
                # we write.  Allocated, not sparse, so that a full disk
                # shows here and not in the middle of the copy.
                _preallocate(self.fd, old_size, final, extend=True)
                os.fsync(self.fd)
                _step('extended')
                self.seq += 1
                self._write_header(jfd, self.seq, _STATE_COMPLETE)
                _step('complete')
            self._copy_and_cut(jfd)
        except BaseException as e:
            if new_crcs is not None:
                new_crcs.cancel()
            os.close(jfd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.next_path)
            if not installed or not isinstance(e, OSError):
                raise
            self._finish_after_error(e)
            return
        os.close(jfd)
        # Already gone when the cut needed a journal of its own.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.jpath)
        _fsync_dir(self.jpath)
        _step('done')

    def _finish_after_error(self, error):
        """A write failed after the journal was installed: finish (or undo)
        the flush from the journal now, so that nobody sees a torn file.
        Returns when that worked; raises otherwise."""
        try:
            report = self.recover()
        except Exception:
            raise Error('%s: writing failed (%s); the file may be partly '
                        'rewritten until its journal %s is recovered (by '
                        'the next lock(), or "python -m mboxlint.mailbox '
                        'recover %s")' % (self.path, error, self.jpath,
                                          self.path)) from error
        if report is None or report.action != 'replay':
            raise error  # undone (or set aside): the flush did not happen
        _step('done')

    @property
    def _final(self):
        return self.hdr['offset'] + self.hdr['length']

    def _copy_and_cut(self, jfd):
        hdr = self.hdr
        _copy(jfd, 2 * _SLOT, self.fd, hdr['offset'], hdr['length'],
              'copy-chunk', align=True)
        os.fsync(self.fd)
        _step('copied')
        if self._final < hdr['old_size']:
            self.seq += 1
            self._write_header(jfd, self.seq, _STATE_COPIED)
            _step('marked-copied')
            self._cut_after_copy(truncated=False)

    def _cut_after_copy(self, truncated):
        final, old_size = self._final, self.hdr['old_size']
        size = os.fstat(self.fd).st_size
        if final >= old_size or truncated:
            return
        if size == old_size:
            os.ftruncate(self.fd, final)
            os.fsync(self.fd)
            _step('truncated')
        else:
            # Someone appended after a crash: keep what they wrote, drop our
            # old tail, through a journal of its own.
            _Journal(self.fd, self.path, self.kind, self.appender).write(
                final, [('range', old_size, size)], self.fd)

    # -- recovery ----------------------------------------------------------

    def _drop_stale_next(self):
        """A .next was never installed: the target was not touched."""
        try:
            st = os.lstat(self.next_path)
        except FileNotFoundError:
            return
        if stat.S_ISREG(st.st_mode) and _trusted_owner(st, os.fstat(self.fd)):
            with contextlib.suppress(OSError):
                os.unlink(self.next_path)

    def _open_journal(self):
        """(descriptor, report): the journal opened, or why it is not used."""
        try:
            lst = os.lstat(self.jpath)
        except FileNotFoundError:
            return None, None
        # Judged before opening: another user's file is not even read.
        why = None
        if stat.S_ISLNK(lst.st_mode):
            why = 'a symlink, not a journal'
        elif not stat.S_ISREG(lst.st_mode):
            why = 'not a regular file'
        elif not _trusted_owner(lst, os.fstat(self.fd)):
            why = ('owned by uid %d, neither the mailbox\'s owner nor root'
                   % lst.st_uid)
        if why is not None:
            return None, JournalReport(self.path, self.jpath, 'untrusted', why)
        try:
            jfd = os.open(self.jpath, os.O_RDWR | _O_NOFOLLOW | _O_CLOEXEC
                          | getattr(os, 'O_NONBLOCK', 0))
        except FileNotFoundError:
            return None, None
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EPERM):
                raise Error('%s cannot be read by this user; run "python -m '
                            'mboxlint.mailbox recover %s" as its owner'
                            % (self.jpath, self.path)) from None
            if e.errno == errno.ELOOP:  # replaced by a symlink meanwhile
                return None, JournalReport(self.path, self.jpath,
                                           'untrusted', 'a symlink')
            raise
        jst = os.fstat(jfd)
        if (jst.st_dev, jst.st_ino) != (lst.st_dev, lst.st_ino):
            os.close(jfd)
            return None, JournalReport(self.path, self.jpath, 'untrusted',
                                       'replaced while being opened')
        return jfd, None

    def examine(self, jfd):
        """What recovery of the open journal would do, without doing it.

        Actions: 'undo' (the flush never touched the file but may have
        extended it), 'replay' (copy and cut again), 'cut' (only the cut may
        be missing), 'salvage' (the file is not what the flush left: set the
        journal aside, append the messages the file lacks), 'keep' (no valid
        header: set aside untouched), 'damaged' (the payload fails its
        checksums: left where it is for a person).
        """
        hdr = _read_header(jfd)
        if hdr is None:
            return JournalReport(self.path, self.jpath, 'keep',
                                 'no valid header')
        tst = os.fstat(self.fd)
        offset, length = hdr['offset'], hdr['length']
        old_size, final = hdr['old_size'], offset + hdr['length']
        top = max(old_size, final)
        # The tables lie in the journal: a header describing more blocks
        # than it can hold is damaged, and is not believed (nor allowed to
        # cost more than the journal's size).
        room = os.fstat(jfd).st_size - 2 * _SLOT - length
        fewest_blocks = max(top - offset, 0) // hdr['block'] - 1
        if room < 0 or 4 * fewest_blocks > room:
            return JournalReport(self.path, self.jpath, 'damaged',
                                 'its header describes more than it holds',
                                 hdr)
        bounds = _grid(offset, top, hdr['block'], (old_size, final))
        n_old = len([b for b in bounds if b <= old_size]) - 1
        n_new = len([b for b in bounds if b <= final]) - 1
        tables = _pread_exact(jfd, 4 * (n_old + n_new), 2 * _SLOT + length)
        report = JournalReport(self.path, self.jpath, 'damaged', '', hdr)
        if (len(tables) != 4 * (n_old + n_new)
                or zlib.crc32(tables) != hdr['table_crc']):
            report.reason = 'its block tables are incomplete or damaged'
            return report
        old = _table_from(tables[:4 * n_old])
        new = _table_from(tables[4 * n_old:])
        try:
            payload = _grid_crcs(jfd, bounds, hdr['block'], 2 * _SLOT,
                                 2 * _SLOT + length,
                                 offset)
        except FormatError:
            payload = None
        if payload != new:
            report.reason = 'its payload fails its checksums'
            return report
        identity = ''
        if (hdr['dev'], hdr['ino']) != (tst.st_dev & _MAX64, tst.st_ino):
            identity = ' (written for device %d inode %d, the file is now ' \
                       'device %d inode %d)' % (hdr['dev'], hdr['ino'],
                                                tst.st_dev, tst.st_ino)
        report.action = 'salvage'
        size = tst.st_size
        state = hdr['state']
        if size < min(offset, old_size):
            report.reason = 'the file shrank below the kept prefix' + identity
            return report
        if _digest_range(self.fd, max(0, offset - _PREFIX_WINDOW),
                         offset) != hdr['prefix']:
            report.reason = 'the bytes before the rewrite changed' + identity
            return report
        need = {_STATE_EXTEND: old_size, _STATE_COMPLETE: top,
                _STATE_COPIED: final}[state]
        if size < need:
            report.reason = ('the file is %d bytes, shorter than the %d the '
                             'flush left%s' % (size, need, identity))
            return report
        have = _grid_crcs(self.fd, [b for b in bounds if b <= need],
                          hdr['block'], offset,
                          need)
        for i in range(len(have)):
            start, stop = bounds[i], bounds[i + 1]
            got = have[i]
            ok = []
            if stop <= old_size and state != _STATE_COPIED:
                ok.append(old[i])
            if stop <= final and state != _STATE_EXTEND:
                ok.append(new[i])
            if start >= old_size and state == _STATE_COMPLETE:
                ok.append(zlib.crc32(bytes(stop - start)))
            if got not in ok:
                report.reason = ('bytes %d to %d are neither what the flush '
                                 'found nor what it wrote%s'
                                 % (start, stop, identity))
                return report
        report.action = {_STATE_EXTEND: 'undo', _STATE_COMPLETE: 'replay',
                         _STATE_COPIED: 'cut'}[state]
        report.reason = ('the file is as the interrupted flush left it (%s)'
                         % _STATE_NAMES[state]) + identity
        return report

    def status(self):
        """A JournalReport of the pending journal, or None; changes nothing."""
        jfd, report = self._open_journal()
        if jfd is None:
            return report
        try:
            return self.examine(jfd)
        finally:
            os.close(jfd)

    def recover(self):
        """Finish, undo or salvage an interrupted write found on disk.

        Returns a JournalReport, or None when there was no journal.
        """
        self._drop_stale_next()
        jfd, report = self._open_journal()
        if jfd is None:
            if report is not None:
                self._set_aside(report, 'untrusted')
            return report
        try:
            report = self.examine(jfd)
            if report.action == 'damaged':
                raise Error('journal %s is damaged (%s); the mailbox may be '
                            'partly rewritten and needs a manual check'
                            % (self.jpath, report.reason))
            if report.action in ('keep', 'salvage'):
                if report.action == 'salvage':
                    self._salvage(jfd, report)
                os.close(jfd)
                jfd = None
                self._set_aside(report, 'unapplied')
                return report
            self.hdr = report.header
            self.seq = self.hdr['seq']
            if report.action == 'undo':
                os.close(jfd)
                jfd = None
                self._undo_extension()
            elif report.action == 'replay':
                self._copy_and_cut(jfd)
            else:
                final, old_size = self._final, self.hdr['old_size']
                truncated = not (
                    final < old_size
                    and os.fstat(self.fd).st_size >= old_size
                    and _digest_range(self.fd, final, old_size)
                    == self.hdr['tail'])
                self._cut_after_copy(truncated)
        finally:
            if jfd is not None:
                os.close(jfd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.jpath)
        _fsync_dir(self.jpath)
        return report

    def _undo_extension(self):
        """A growing flush died before copying: remove the zeros it added."""
        old_size, final = self.hdr['old_size'], self._final
        size = os.fstat(self.fd).st_size
        extended = size >= final and all(
            not data.strip(b'\0')
            for data in _iter_range(self.fd, old_size, final))
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.jpath)
        _fsync_dir(self.jpath)
        if extended:
            if size == final:
                os.ftruncate(self.fd, old_size)
                os.fsync(self.fd)
            else:
                _Journal(self.fd, self.path, self.kind, self.appender).write(
                    old_size, [('range', final, size)], self.fd)

    def _set_aside(self, report, why):
        """Move a journal that was not applied out of the way, keeping it,
        and say so."""
        aside = _aside_name(self.jpath, why)
        try:
            os.rename(self.jpath, aside)
        except FileNotFoundError:
            return
        except OSError as e:
            warnings.warn('%s; it could not be moved aside (%s) and stays '
                          'where it is' % (report, e.strerror),
                          MailboxWarning, stacklevel=4)
            return
        _fsync_dir(aside)
        report.kept_as = aside
        warnings.warn('%s; recover it by hand if needed (see '
                      'docs/mailbox.md)' % report, MailboxWarning,
                      stacklevel=4)

    def _salvage(self, jfd, report):
        """Append every message of the journal's payload the file lacks
        (compared by content)."""
        hdr = report.header
        parser = _KIND_PARSERS.get(hdr['kind'])
        if parser is None or self.appender is None:
            return
        size = os.fstat(self.fd).st_size
        with _parsed(parser, self.fd, 0, size, self.jpath) as (index, _):
            in_file = {digest for digest, _, _ in index}
        start = 2 * _SLOT
        # The payload starts where the rewrite did, which may be just after
        # the separator that opens its first message: put one before it, or
        # the parser would not see that message.
        head = _pread_exact(jfd, 1, start)
        leader = {_KIND_MMDF: b'\x01\x01\x01\x01\n',
                  _KIND_BABYL: b'\x1f' if head == b'\x0c' else b'\x1f\x0c\n'
                  }.get(hdr['kind'], b'')
        with _parsed(parser, jfd, start, start + hdr['length'], self.jpath,
                     leader) as (index, rfd):
            for digest, begin, end in index:
                if digest in in_file:
                    report.present += 1
                    continue
                self.appender(_pread_exact(rfd, end - begin, begin))
                in_file.add(digest)
                report.appended += 1


@contextlib.contextmanager
def _parsed(parser, fd, start, stop, near, leader=b''):
    """Index of the messages in fd's [start, stop), as the standard
    library's parser of that format finds them: yields ([(digest, begin,
    end)], a descriptor to read them from).

    The bytes are copied, after leader, to a private temp file next to near
    first, so that no second descriptor of a locked file is opened (closing
    it would drop this process's fcntl locks).  Salvage only: rare, and
    linear in size.
    """
    directory = os.path.dirname(near) or '.'
    while True:
        tmp = os.path.join(directory, '.%s.salvage-%s' % (
            os.path.basename(near), os.urandom(4).hex()))
        try:
            tfd = _open_new(tmp, 0o600)
            break
        except FileExistsError:
            continue
    box = None
    try:
        _pwrite_all(tfd, leader, 0)
        _copy(fd, start, tfd, len(leader), stop - start, 'salvage-chunk')
        box = parser(tmp, create=False)
        box._lookup()  # builds the table of contents
        index = []
        for begin, end in sorted(box._toc.values()):
            # The last message of a file keeps the blank line that separates
            # the others: compare without trailing line ends.
            last = _pread_exact(tfd, min(64, end - begin),
                                max(begin, end - 64))
            stop = end - (len(last) - len(last.rstrip(b'\r\n')))
            if stop <= begin:
                continue  # nothing between two separators
            h = hashlib.blake2b(digest_size=16)
            for data in _iter_views(tfd, begin, stop):
                h.update(data)
            index.append((h.digest(), begin, end))
        yield index, tfd
    finally:
        if box is not None:
            box.close()
        os.close(tfd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


# ---------------------------------------------------------------------------
# Public helpers: the codemod's rewrite targets

_kept_fds = {}


def copy_back(src, dst):
    """Move src's bytes into dst's existing inode, then remove src.

    Replaces ``os.rename(src, dst)`` for files other processes lock or hold
    open: mode, owner and their fcntl locks stay valid because dst stays the
    same file.  The write is journaled (see docs/mailbox.md), so a crash
    leaves dst either old or new once the journal is recovered by the next
    copy_back() or mailbox open of dst.  A missing dst is created with src's
    permission bits, as the rename would have left them.  Where os.rename
    would not write into a file, neither does this: src and dst naming the
    same file is a no-op, and a symlink at dst is replaced, never written
    through.  A dst with several hard links is refused (mailbox.Error).
    """
    src = os.fspath(src)
    dst = os.fspath(dst)
    sfd = os.open(src, os.O_RDONLY | _O_CLOEXEC)
    try:
        sst = os.fstat(sfd)
        try:
            lst = os.lstat(dst)
        except FileNotFoundError:
            lst = None
        if lst is not None and os.path.samestat(sst, lst):
            return  # os.rename of a file onto itself does nothing either
        try:
            dfd = os.open(dst, os.O_RDWR | os.O_CREAT | _O_NOFOLLOW
                          | _O_CLOEXEC, stat.S_IMODE(sst.st_mode))
        except OSError as e:
            if e.errno != errno.ELOOP:
                raise
            # A symlink: os.rename replaces the link itself.
            # dst is a link, not the locked file: replacing the link is what os.rename does
            os.replace(src, dst)  # noqa: MBX303
            _fsync_dir(dst)
            return
        dst_st = os.fstat(dfd)
        # Closing a descriptor of dst drops this process's fcntl locks on it,
        # so when the caller holds one the descriptor is kept open instead.
        held = fcntl is not None and (
            (dst_st.st_dev, dst_st.st_ino) in _ofd_held
            or _process_holds_posix_lock(dst_st))
        try:
            if fcntl is not None and not held:
                fcntl.lockf(dfd, fcntl.LOCK_EX)
            journal = _Journal(dfd, dst)
            journal.recover()
            start = _common_prefix(sfd, dfd, sst.st_size)
            size = os.fstat(dfd).st_size
            if start < sst.st_size:
                journal.write(start, [('range', start, sst.st_size)], sfd)
            elif size > sst.st_size:
                os.ftruncate(dfd, sst.st_size)
            os.fsync(dfd)
        finally:
            if held:
                old = _kept_fds.pop((dst_st.st_dev, dst_st.st_ino), None)
                _kept_fds[(dst_st.st_dev, dst_st.st_ino)] = dfd
                if old is not None:
                    os.close(old)
            else:
                os.close(dfd)  # also releases our own lockf
    finally:
        os.close(sfd)
    os.unlink(src)
    _fsync_dir(src)


def _common_prefix(afd, bfd, limit):
    pos = 0
    while pos < limit:
        n = min(_CHUNK, limit - pos)
        a = os.pread(afd, n, pos)
        b = os.pread(bfd, n, pos)
        if a != b:
            i = 0
            while i < min(len(a), len(b)) and a[i] == b[i]:
                i += 1
            return pos + i
        if len(a) < n:
            return pos + len(a)
        pos += n
    return pos


@contextlib.contextmanager
def atomic_write(path, mode='w', **open_kwargs):
    """Write path as a whole or not at all.

    Yields a file object on a new temp file in path's directory.  On success
    it is flushed and fsynced, gets path's permission bits (the umask default
    for a new file) and owner where allowed, replaces path with
    ``os.replace`` and the directory is fsynced.  On an exception path is
    untouched and the temp file removed.  As with ``os.replace``, a symlink
    at path is itself replaced: nothing is ever written through it.
    """
    if 'w' not in mode or any(c in mode for c in 'ra+x'):
        raise ValueError('atomic_write() needs a write mode, got %r' % mode)
    target = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(target))
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        # A symlink (say) is replaced like a missing file: its target's mode
        # and owner are not copied either.
        st = None
    while True:
        tmp = os.path.join(directory, '.%s.%s.tmp' % (name,
                                                      os.urandom(6).hex()))
        try:
            # 0o666 lets the kernel apply the umask, like open() would; an
            # existing target's bits are applied below.
            fd = _open_new(tmp, 0o600 if st is not None else 0o666,
                           os.O_WRONLY)
            break
        except FileExistsError:
            continue
    try:
        f = os.fdopen(fd, mode, **open_kwargs)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with f:
            yield f
            f.flush()
            if st is not None:
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
                with contextlib.suppress(OSError):
                    os.fchown(fd, st.st_uid, st.st_gid)
            os.fsync(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target)


# ---------------------------------------------------------------------------
# The fixed single-file mailboxes

def _stat_key(st):
    # ctime too: utime() can restore an mtime, nothing can restore a ctime.
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _hook_bytes(hook):
    buf = io.BytesIO()
    hook(buf)
    return buf.getvalue()


class _SafeSingleFile:
    """Behaviour shared by mbox, MMDF and Babyl; mixed in before them."""

    # Bytes that may stand between messages (separators written by hooks).
    _framing = b'\r\n'
    _journal_kind = _KIND_MBOX
    # The JournalReport of the last journal lock() found, or None.
    last_recovery = None

    def __init__(self, path, factory=None, create=True):
        super().__init__(path, factory, create)
        self._dotlocked = False
        self._lock_kind = None  # 'ofd' or 'posix' while the fcntl lock is held
        self._failed_write = None  # the OSError of a flush that died writing
        self._fps = {}        # key -> crc32 of the message bytes
        self._rank = {}       # key -> position that orders the rewrite
        self._removed = {}    # key -> entry removed since the last flush
        self._replaced = {}   # key -> original entry replaced since then
        self._added = set()   # keys added since the last flush
        self._garbage = []    # our own appended bytes superseded since then
        self._vanished = set()
        # stop offset of a message -> bytes known to follow it in the file
        # (a prefix of them).  Valid while the file is the one last read or
        # written here, which _seen checks; appends keep it valid, since
        # they only add bytes after the end.
        self._after = {}
        self._seen = None
        if self._writable() and os.path.lexists(_journal_path(self._path)):
            # A flush was interrupted: finish it now if nobody holds the lock
            # (a live holder is in the middle of it and will finish it).
            try:
                self.lock()
            except ExternalClashError:
                pass
            else:
                self.unlock()

    # -- helpers ---------------------------------------------------------

    def _writable(self):
        return 'r' not in self._file.mode or '+' in self._file.mode

    def _fd(self):
        return self._file.fileno()

    def _journal(self):
        return _Journal(self._fd(), self._path, self._journal_kind,
                        self._append_raw)

    def _entry(self, key):
        start, stop = self._toc[key]
        return (start, stop, self._fps[key])

    def _crc(self, start, stop):
        return _crc_range(self._fd(), start, stop)

    def _remember_file(self):
        self._seen = _stat_key(os.fstat(self._fd()))

    def _has_pending(self):
        return bool(self._removed or self._replaced or self._added
                    or self._pending)

    def _warn_unlocked(self, what):
        if not self._locked:
            warnings.warn(
                '%s() on a %s that is not locked: another process may change '
                'the file meanwhile; call lock() first (or use locked())'
                % (what, type(self).__name__), MailboxWarning, stacklevel=3)

    # -- table of contents -----------------------------------------------

    def _scan(self):
        """Run the stdlib parser; return the messages in file order.

        Also returns what follows each message (see _fingerprints).
        """
        self._file.flush()
        self._file.seek(0, 2)  # drops any read buffer made stale by others
        super()._generate_toc()
        keys = sorted(self._toc, key=lambda k: self._toc[k][0])
        spans = [self._toc[k] for k in keys]
        crcs, after = _fingerprints(self._fd(), spans)
        return [(k, start, stop, crc) for k, (start, stop), crc
                in zip(keys, spans, crcs)], after

    def _generate_toc(self):
        if self._writable() and not self._locked and os.path.lexists(
                _journal_path(self._path)):
            # An interrupted flush: recover it before parsing, if nobody
            # holds the lock (a live holder is finishing it).
            with contextlib.suppress(ExternalClashError):
                self.lock()
                self.unlock()
        entries, self._after = self._scan()
        self._fps = {k: crc for k, _, _, crc in entries}
        self._rank = {k: start for k, start, _, _ in entries}
        self._remember_file()

    def _lookup(self, key=None):
        if _own_dotlocks:
            _refresh_dotlocks()  # a holder at work keeps its lock young
        if key is not None and key in self._vanished:
            raise ExternalClashError(
                'message %r was changed or removed by another process' % (key,))
        return super()._lookup(key)

    def _refresh_if_changed(self):
        if self._toc is None:
            return
        st = os.fstat(self._fd())
        if _stat_key(st) == self._seen:
            return
        self._rescan_keeping_keys()

    def _rescan_keeping_keys(self):
        """Re-read the file; keep the keys of messages found unchanged.

        A message is found unchanged at its old place, or else anywhere
        with the same length and CRC (another process removed or changed a
        message before it, and everything after moved).
        """
        saved = (self._toc, self._next_key, self._file_length,
                 getattr(self, '_labels', None))
        old = {k: self._entry(k) for k in self._toc}
        try:
            scanned = self._scan_appended()
            if scanned is None:
                scanned = self._scan()
            entries, after = scanned
        except BaseException:
            self._restore(saved)
            raise
        scan_labels = getattr(self, '_labels', None)
        exact = {}
        same = {}
        for i, (_, start, stop, crc) in enumerate(entries):
            exact.setdefault((start, stop, crc), i)
            same.setdefault((stop - start, crc), []).append(i)
        claimed = {}

        def claim(e, ref, moved):
            """Index of the scanned message e is found as, claimed for ref."""
            i = exact.get(e)
            if i is not None and i not in claimed:
                claimed[i] = ref
                return i
            if moved:
                for i in same.get((e[1] - e[0], e[2]), ()):
                    if i not in claimed:
                        claimed[i] = ref
                        return i
            return None

        # Every message we have pending changes for must still be there,
        # byte for byte: otherwise applying them would hit the wrong mail.
        # Our superseded versions too: unclaimed, they would come back as
        # new messages.
        must = [('removed', k) for k in self._removed]
        must += [('replaced', k) for k in self._replaced]
        must += [('toc', k) for k in self._replaced if k in old]
        must += [('toc', k) for k in self._added if k in old]
        must += [('garbage', n) for n in range(len(self._garbage))]

        def entry_of(ref):
            what, k = ref
            if what == 'removed':
                return self._removed[k]
            if what == 'replaced':
                return self._replaced[k]
            if what == 'garbage':
                return self._garbage[k]
            return old[k]

        found = {}
        others = [('toc', k) for k in old
                  if k not in self._replaced and k not in self._added]
        for moved in (False, True):
            for ref in must + others:
                if ref not in found:
                    i = claim(entry_of(ref), ref, moved)
                    if i is not None:
                        found[ref] = entries[i][1:]
        missing = [ref for ref in must if ref not in found]
        if missing and self._failed_write is not None:
            self._restore(saved)
            raise Error(
                'an earlier flush() of %s failed while writing (%s) and its '
                'journal has been applied since: this object\'s pending '
                'changes no longer match the file; open the mailbox again'
                % (self._path, self._failed_write))
        if missing:
            self._restore(saved)
            raise ExternalClashError(
                'another process changed or removed %d message(s) with '
                'pending changes in %s; nothing was written'
                % (len(missing), self._path))
        self._removed = {k: found[('removed', k)] for k in self._removed}
        self._replaced = {k: found[('replaced', k)] for k in self._replaced}
        self._garbage = [found[('garbage', n)]
                         for n in range(len(self._garbage))]
        toc, fps, rank, labels = {}, {}, {}, {}
        old_labels = saved[3] or {}
        for k in old:
            e = found.get(('toc', k))
            if e is None:
                self._vanished.add(k)
                continue
            toc[k], fps[k] = e[:2], e[2]
            # A replaced message is written where its original was.
            rank[k] = (self._replaced[k][0] if k in self._replaced
                       else e[0])
            if k in old_labels:
                labels[k] = old_labels[k]
        next_key = saved[1]
        for i, (scan_key, start, stop, crc) in enumerate(entries):
            if i in claimed:
                continue
            toc[next_key], fps[next_key], rank[next_key] = (start, stop), crc, start
            if scan_labels is not None and scan_key in scan_labels:
                labels[next_key] = scan_labels[scan_key]
            next_key += 1
        self._toc, self._fps, self._rank = toc, fps, rank
        self._after = after
        self._next_key = next_key
        if scan_labels is not None:
            self._labels = labels
        self._remember_file()

    def _scan_appended(self):
        """Like _scan, reading only what was appended since the file was
        last read; None when that is not known to be all that changed."""
        return None

    def _restore(self, saved):
        self._toc, self._next_key, self._file_length = saved[:3]
        if saved[3] is not None:
            self._labels = saved[3]

    # -- locking ---------------------------------------------------------

    def lock(self, timeout=None):
        """Lock the mailbox (fcntl and dot-lock).

        Without timeout this fails at once with ExternalClashError when another
        process holds a lock; with timeout it retries for that many seconds.
        Afterwards the table of contents reflects the file as it is now.
        """
        if self._locked:
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                self._acquire()
                break
            except ExternalClashError:
                if deadline is None or time.monotonic() >= deadline:
                    raise
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        try:
            if self._writable():
                report = self._journal().recover()
                if report is not None:
                    self.last_recovery = report
            self._refresh_if_changed()
        except BaseException:
            self._release()
            raise
        self._locked = True

    def unlock(self):
        """Unlock the mailbox if it is locked."""
        if self._locked:
            self._release()
            self._locked = False

    @contextlib.contextmanager
    def locked(self, timeout=None):
        """Lock; on leaving, flush (unless an exception is passing) and unlock."""
        self.lock(timeout)
        try:
            yield self
            self.flush()
        finally:
            self.unlock()

    def _reopen_if_replaced(self):
        try:
            pst = os.stat(self._path)
        except FileNotFoundError:
            return
        fst = os.fstat(self._fd())
        if (pst.st_dev, pst.st_ino) == (fst.st_dev, fst.st_ino):
            return
        if self._has_pending():
            raise ExternalClashError(
                '%s was replaced by another file while changes were pending'
                % self._path)
        # Not locked now, so closing the old descriptor releases nothing.
        mode = 'rb+' if self._writable() else 'rb'
        new = open(self._path, mode)
        self._file.close()
        self._file = new

    def _acquire(self):
        for _ in range(10):
            self._reopen_if_replaced()
            if fcntl is not None:
                try:
                    self._lock_kind = _try_lock(self._fd())
                except OSError as e:
                    if e.errno in (errno.EAGAIN, errno.EACCES, errno.EROFS):
                        raise ExternalClashError(
                            'fcntl lock held by another process or mailbox '
                            'object: %s' % self._path) from None
                    raise
            try:
                pst = os.stat(self._path)
                fst = os.fstat(self._fd())
            except BaseException:
                self._funlock()
                raise
            if (pst.st_dev, pst.st_ino) != (fst.st_dev, fst.st_ino):
                self._funlock()  # replaced while we waited: lock the new one
                continue
            try:
                self._dotlock()
            except BaseException:
                self._funlock()
                raise
            return
        raise ExternalClashError('%s keeps being replaced' % self._path)

    def _dotlock(self):
        st = os.fstat(self._fd())
        mode = stat.S_IMODE(st.st_mode) & 0o666
        for _ in range(2):
            got = _dotlock_acquire(self._path, mode, st)
            if got is None:
                return
            if got:
                self._dotlocked = True
                return
            freed = _dotlock_break_if_stale(self._path, st)
            if freed is None:
                return
            if not freed:
                break
        verdict, detail = _dotlock_verdict(self._path + '.lock', st)
        raise ExternalClashError('dot lock unavailable: %s.lock (%s %s)'
                                 % (self._path, verdict, detail))

    def _funlock(self):
        kind, self._lock_kind = self._lock_kind, None
        if kind is not None:
            _unlock(self._fd(), kind)

    def _release(self):
        try:
            if self._dotlocked:
                self._dotlocked = False
                _dotlock_release(self._path)
        finally:
            self._funlock()

    @contextlib.contextmanager
    def _write_locked(self):
        """Hold the locks for one write, taking them if the caller has not."""
        if self._locked:
            self._refresh_if_changed()
            yield
            return
        self.lock(WRITE_LOCK_TIMEOUT)
        try:
            yield
        finally:
            self.unlock()

    # -- changes -----------------------------------------------------------

    def add(self, message):
        """Add message and return assigned key."""
        self._warn_unlocked('add')
        with self._write_locked():
            key = super().add(message)
            start, stop = self._toc[key]
            self._fps[key] = self._crc(start, stop)
            self._rank[key] = start
            self._added.add(key)
            self._remember_file()
        return key

    def remove(self, key):
        """Remove the keyed message; raise KeyError if it doesn't exist."""
        self._warn_unlocked('remove')
        self._lookup(key)
        if key in self._replaced:
            self._garbage.append(self._entry(key))
            self._removed[key] = self._replaced.pop(key)
        else:
            self._removed[key] = self._entry(key)
        self._added.discard(key)
        super().remove(key)

    def __setitem__(self, key, message):
        """Replace the keyed message; raise KeyError if it doesn't exist."""
        self._warn_unlocked('__setitem__')
        self._lookup(key)
        with self._write_locked():
            # The re-read done by taking the locks may have found the
            # message moved or removed by another process.
            self._lookup(key)
            before = self._entry(key)
            super().__setitem__(key, message)
            start, stop = self._toc[key]
            self._fps[key] = self._crc(start, stop)
            if key in self._replaced or key in self._added:
                self._garbage.append(before)
            if key in self._added:
                self._rank[key] = start
            else:
                self._replaced.setdefault(key, before)
            self._remember_file()

    def _append_message(self, message):
        return self._append(self._install_message, message)

    def _append_raw(self, data):
        """Append a message's bytes as a parser found them (salvage)."""
        self._append(self._file.write, data)

    def _append(self, install, what):
        # The stdlib writes the mailbox preamble when the table of contents
        # is empty, which doubles it in a file whose messages were all
        # deleted; the file being empty is what matters.
        self._file.seek(0, 2)
        before = self._file.tell()
        try:
            if before == 0:
                self._pre_mailbox_hook(self._file)
            else:
                # After bytes that do not end like a message (junk, a cut
                # last line), a separator must start on a line of its own,
                # or no parser finds the message.
                end = _pread_exact(self._fd(), 3, max(0, before - 3))
                if before < 3:
                    end = b'\n' + end  # the file's start is a line's start
                lead, separated = self._line_start(end)
                self._file.write(lead)
            if before == 0 or not separated:
                self._pre_message_hook(self._file)
            offsets = install(what)
            self._post_message_hook(self._file)
        except BaseException:
            self._file.truncate(before)
            raise
        self._file.flush()
        self._file_length = self._file.tell()
        return offsets

    # -- writing -----------------------------------------------------------

    def flush(self):
        """Write pending changes; never renames, rewrites only what changed."""
        if not self._pending and not self._pending_sync:
            return
        with self._write_locked():
            if self._pending:
                try:
                    self._rewrite()
                except OSError as e:
                    self._failed_write = e
                    raise
                except Error as e:
                    if isinstance(e.__cause__, OSError):
                        self._failed_write = e.__cause__
                    raise
            else:
                self._file.flush()
                os.fsync(self._fd())
            self._pending = self._pending_sync = False
            self._removed.clear()
            self._replaced.clear()
            self._added.clear()
            self._garbage = []
            self._file_length = os.fstat(self._fd()).st_size
            self._remember_file()

    def _leading_piece(self, first_start, pre):
        """What goes before the first message in the new file."""
        if first_start is None:
            return None
        end = first_start
        if pre and _pread_exact(self._fd(), len(pre), end - len(pre)) == pre:
            end -= len(pre)
        # Bytes before the first message (no leading "From " line, say) are
        # kept as they are rather than dropped.
        return ('range', 0, end) if end > 0 else None

    def _known_bytes(self, fd, pos, size, follow):
        """The size bytes at pos: from follow (bytes known to lie at pos)
        when it has them, else read."""
        if follow is not None and len(follow) >= size:
            return follow[:size]
        return _pread_exact(fd, size, pos)

    def _rewrite(self):
        self._file.flush()
        fd = self._fd()
        old_size = os.fstat(fd).st_size
        order = sorted(self._toc, key=self._rank.__getitem__)
        pre = _hook_bytes(self._pre_message_hook)
        post = _hook_bytes(self._post_message_hook)
        starts = [s for s, _ in self._toc.values()]
        starts += [e[0] for e in self._removed.values()]
        starts += [e[0] for e in self._replaced.values()]
        starts += [e[0] for e in self._garbage]
        first = min(starts) if starts else None
        pieces = []
        lead = self._leading_piece(first, pre)
        if lead is not None:
            pieces.append(lead)
        toc = self._toc
        for key in order:
            if pre:
                pieces.append(('bytes', pre))
            start, stop = toc[key]
            pieces.append(('range', start, stop))
            if post:
                pieces.append(('bytes', post))
        # Skip the prefix that is already in place.  A message is in place
        # when it starts where the new layout puts it; separators are
        # compared with the bytes the table of contents saw after each
        # message (read again only where it does not know them).
        after = self._after
        pos = 0
        index = len(pieces)
        follow = None  # bytes known to lie at pos
        for i, piece in enumerate(pieces):
            if piece[0] == 'range':
                if piece[1] != pos:
                    index = i
                    break
                pos = piece[2]
                follow = after.get(pos)
            else:
                data = piece[1]
                size = len(data)
                if self._known_bytes(fd, pos, size, follow) != data:
                    index = i
                    break
                pos += size
                follow = follow[size:] if follow is not None else None
        tail = pieces[index:]
        segments = self._segments(tail, after)
        self._check_nothing_unknown_dropped(pos, old_size, segments)
        # The new table of contents, and what follows each message in the
        # new file (the separators laid out here).
        new_toc = {}
        new_after = {}
        new_pos = 0
        key_iter = iter(order)
        last_stop = None
        for piece in pieces:
            if piece[0] == 'range':
                size = piece[2] - piece[1]
                if piece is not lead:
                    new_toc[next(key_iter)] = (new_pos, new_pos + size)
                    last_stop = new_pos + size
                    new_after[last_stop] = b''
                else:
                    last_stop = None
            else:
                size = len(piece[1])
                if last_stop is not None:
                    known = new_after[last_stop]
                    if len(known) < _AFTER_CAP:
                        new_after[last_stop] = (known + piece[1])[:_AFTER_CAP]
            new_pos += size

        if tail:
            # Leaves the file fsynced.
            self._journal().write(pos, segments, fd)
        else:
            if pos < old_size:
                # Only messages at the end went away: cutting is a single
                # step.
                os.ftruncate(fd, pos)
            os.fsync(fd)
        self._file.seek(0, 2)  # drop read buffers made stale by raw writes
        self._toc = new_toc
        self._rank = {k: new_toc[k][0] for k in new_toc}
        self._after = new_after

    def _segments(self, tail, after):
        """The tail pieces as ranges of the old file wherever they are
        bytes already there (a shifted tail is mostly one range), literal
        bytes elsewhere, so the journal can be filled by kernel copies."""
        segments = []
        follow = None  # bytes known to follow the last range segment
        for piece in tail:
            last = segments[-1] if segments else None
            if piece[0] == 'range':
                start, stop = piece[1], piece[2]
                if last is not None and last[0] == 'range' and (
                        last[2] == start):
                    segments[-1] = ('range', last[1], stop)
                else:
                    segments.append(piece)
                follow = after.get(stop)
            else:
                data = piece[1]
                size = len(data)
                if (last is not None and last[0] == 'range'
                        and follow is not None and follow[:size] == data
                        and len(follow) >= size):
                    segments[-1] = ('range', last[1], last[2] + size)
                    follow = follow[size:]
                else:
                    segments.append(piece)
                    follow = None
        return segments

    def _check_nothing_unknown_dropped(self, start, old_size, segments):
        """Refuse a rewrite that would drop bytes belonging to no message."""
        known = [(p[1], p[2]) for p in segments if p[0] == 'range']
        known += [e[:2] for e in self._removed.values()]
        known += [e[:2] for e in self._replaced.values()]
        known += [e[:2] for e in self._garbage]
        known.sort()
        pos = start
        fd = self._fd()
        after = self._after
        for s, e in known + [(old_size, old_size)]:
            if s > pos:
                size = min(s - pos, 1 << 16)
                gap = self._known_bytes(fd, pos, size, after.get(pos))
                if s - pos > len(gap) or not self._is_framing(pos, gap):
                    raise FormatError(
                        '%s: %d bytes at offset %d belong to no message and '
                        'would be lost by rewriting; refusing to write'
                        % (self._path, s - pos, pos))
            pos = max(pos, e)

    def _is_framing(self, pos, data):
        return not data.translate(None, self._framing)

    def _line_start(self, end):
        """(What to write after a file ending in end before a message, whether that
        already completes the message's separator so that no other is written)."""
        return (b'' if end.endswith(b'\n') else b'\n'), False


class mbox(_SafeSingleFile, _StdMbox):
    """A classic mbox mailbox, written safely."""

    def _scan_appended(self):
        # After a delivery, lock() reads the new messages and the last known
        # one (whose end an append may move), not the whole file again.
        seen = self._seen
        if (seen is None or not self._toc or self._removed or self._replaced
                or self._garbage):
            return None
        fd = self._fd()
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != seen[:2] or st.st_size <= seen[2]:
            return None
        order = sorted(self._toc, key=lambda k: self._toc[k][0])
        last = order[-1]
        start, stop = self._toc[last]
        known = self._after.get(stop)
        if (known is None or stop + len(known) != seen[2]
                or _crc_range(fd, start, stop) != self._fps[last]
                or _pread_exact(fd, len(known), stop) != known):
            return None
        spans = self._mbox_spans_from(start)
        if not spans or spans[0][0] != start:
            return None
        crcs, after = _fingerprints(fd, spans)
        entries = [(None, s, t, self._fps[k]) for k in order[:-1]
                   for s, t in (self._toc[k],)]
        entries += [(None, s, t, crc) for (s, t), crc in zip(spans, crcs)]
        merged = dict(self._after)
        merged.pop(stop, None)
        merged.update(after)
        self._file_length = st.st_size
        return entries, merged

    def _mbox_spans_from(self, offset):
        """(start, stop) of the messages from offset on, found as the
        standard library's mbox parser finds them from the file's start."""
        f = self._file
        f.flush()
        f.seek(0, 2)  # drops any read buffer made stale by others
        f.seek(offset)
        starts, stops = [], []
        blank_before = False
        while True:
            pos = f.tell()
            line = f.readline()
            if not line or line.startswith(b'From '):
                if len(stops) < len(starts):
                    stops.append(pos - len(linesep) if blank_before else pos)
                if not line:
                    break
                starts.append(pos)
                blank_before = False
            else:
                blank_before = line == linesep
        return list(zip(starts, stops))


class MMDF(_SafeSingleFile, _StdMMDF):
    """An MMDF mailbox, written safely."""

    _framing = b'\r\n\001'
    _journal_kind = _KIND_MMDF


class Babyl(_SafeSingleFile, _StdBabyl):
    """An Rmail-style Babyl mailbox, written safely."""

    _framing = b'\r\n\037\014'
    _journal_kind = _KIND_BABYL

    def _leading_piece(self, first_start, pre):
        # The options preamble is regenerated (its label list may change).
        return ('bytes', _hook_bytes(self._pre_mailbox_hook))

    def _line_start(self, end):
        # A message starts with the line "\x1f\x0c": the \x1f must begin a line.
        if end.endswith(b'\n\x1f\x0c'):
            # A separator cut before its newline: completing it starts this message (a
            # second one would leave it as a message whose labels line is our separator).
            return b'\n', True
        if end.endswith(b'\n\x1f'):
            return b'', False
        return (b'\x1f' if end.endswith(b'\n') else b'\n\x1f'), False

    def _is_framing(self, pos, data):
        if data.startswith(b'BABYL OPTIONS:') and pos == 0:
            return True  # the old preamble, replaced by the new one
        return super()._is_framing(pos, data)


class MH(_StdMH):
    """An MH mailbox whose replaced messages survive a failed write."""

    def __setitem__(self, key, message):
        """Replace the keyed message; raise KeyError if it doesn't exist."""
        # Serialise first: a message that cannot be written (ValueError for a
        # non-ASCII str, say) must leave the old one in place.
        buf = io.BytesIO()
        self._dump_message(message, buf)
        data = buf.getvalue()
        path = os.path.join(self._path, str(key))
        try:
            f = open(path, 'rb+')
        except FileNotFoundError:
            raise KeyError('No message with key: %s' % key) from None
        try:
            if self._locked:
                _std._lock_file(f)
            try:
                f.write(data)
                f.truncate()
                if isinstance(message, MHMessage):
                    self._dump_sequences(message, key)
            finally:
                if self._locked:
                    _std._unlock_file(f)
        finally:
            _std._sync_close(f)

    def get_folder(self, folder):
        """Return an MH instance for the named folder."""
        return type(self)(os.path.join(self._path, folder),
                          factory=self._factory, create=False)

    def add_folder(self, folder):
        """Create a folder and return an MH instance representing it."""
        return type(self)(os.path.join(self._path, folder),
                          factory=self._factory)


# ---------------------------------------------------------------------------
# python -m mboxlint.mailbox status|recover PATH

_FORMATS = {'mbox': mbox, 'mmdf': MMDF, 'babyl': Babyl}
_KIND_FORMATS = {_KIND_MBOX: 'mbox', _KIND_MMDF: 'mmdf', _KIND_BABYL: 'babyl'}


def _status(path, out):
    """Print what is pending for path; True when something is."""
    pending = False
    fd = os.open(path, os.O_RDONLY | _O_CLOEXEC)
    try:
        st = os.fstat(fd)
        out.write('%s: %d bytes, inode %d, %d link(s)\n'
                  % (path, st.st_size, st.st_ino, st.st_nlink))
        report = _Journal(fd, path).status()
        if report is None:
            out.write('journal: none\n')
        else:
            pending = True
            out.write('journal: %s\n' % report)
        verdict, detail = _dotlock_verdict(path + '.lock', st)
        out.write('dot-lock: %s%s\n' % (verdict, detail and ' (%s)' % detail))
        pending = pending or verdict in ('stale', 'untrusted', 'directory')
    finally:
        os.close(fd)
    return pending


def _journal_format(path):
    """The mailbox format a pending journal was written for, if any."""
    try:
        jfd = os.open(_journal_path(path), os.O_RDONLY | _O_NOFOLLOW
                      | _O_CLOEXEC | getattr(os, 'O_NONBLOCK', 0))
    except OSError:
        return None
    try:
        hdr = _read_header(jfd)
    finally:
        os.close(jfd)
    if hdr is None:
        return None
    return _KIND_FORMATS.get(hdr['kind'], 'raw')


def _recover(path, fmt, timeout, out):
    """Recover path under its locks; True when a journal was set aside."""
    fmt = fmt or _journal_format(path) or 'mbox'
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always', MailboxWarning)
        if fmt == 'raw':
            report = _recover_raw(path, timeout)
        else:
            box = _FORMATS[fmt](path, create=False)
            try:
                box.lock(timeout)  # recovers; breaks a stale dot-lock
                report = box.last_recovery
                box.unlock()
            finally:
                box._file.close()  # nothing of ours is pending
    for w in seen:
        out.write('warning: %s\n' % w.message)
    if report is None:
        out.write('%s: no journal; the file is as its last writer left it\n'
                  % path)
        return False
    out.write('%s\n' % report)
    return report.kept_as is not None or report.action == 'untrusted'


def _recover_raw(path, timeout):
    """A copy_back() journal: recover under the fcntl lock only."""
    fd = os.open(path, os.O_RDWR | _O_NOFOLLOW | _O_CLOEXEC)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise ExternalClashError('%s stays locked' % path)
                time.sleep(0.05)
        return _Journal(fd, path).recover()
    finally:
        os.close(fd)


def _is_helper_file(path):
    name = os.path.basename(path)
    return (name.endswith(('.lock', '.journal', '.journal.next'))
            or any(mark in name for mark in (
                '.journal.unapplied-', '.journal.untrusted-',
                '.journal.next.', '.salvage-')))


def _main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(
        prog='python -m mboxlint.mailbox',
        description='Inspect or recover the journal an interrupted '
                    'mboxlint.mailbox flush left next to a mailbox.')
    parser.add_argument('command', choices=('status', 'recover'))
    parser.add_argument('paths', metavar='PATH', nargs='+')
    parser.add_argument('--format', choices=sorted(_FORMATS),
                        help='mailbox format (default: the one the journal '
                             'records, else mbox)')
    parser.add_argument('--timeout', type=float, default=WRITE_LOCK_TIMEOUT,
                        help='seconds to wait for the locks (recover; '
                             'default %(default)s)')
    args = parser.parse_args(argv)
    out = sys.stdout
    code = 0
    for path in args.paths:
        if _is_helper_file(path):
            # A shell glob over a spool names our locks and journals too.
            sys.stderr.write('%s: skipped: a lock or journal, not a '
                             'mailbox\n' % path)
            continue
        try:
            if args.command == 'status':
                flagged = _status(path, out)
            else:
                flagged = _recover(path, args.format, args.timeout, out)
        except NoSuchMailboxError:
            sys.stderr.write('%s: cannot %s: no such mailbox\n'
                             % (path, args.command))
            code = 3
            continue
        except (OSError, Error) as e:
            sys.stderr.write('%s: cannot %s: %s\n' % (path, args.command, e))
            code = 3
            continue
        if flagged and code == 0:
            code = 1
    return code


if __name__ == '__main__':
    # Run the functions of the importable module, not of this __main__
    # copy, so that there is one set of classes and module settings.
    from mboxlint import mailbox as _module
    sys.exit(_module._main())
