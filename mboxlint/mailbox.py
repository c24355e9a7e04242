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

import contextlib
import errno
import hashlib
import io
import os
import queue
import socket
import stat
import struct
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
    'DOTLOCK_TIMEOUT', 'WRITE_LOCK_TIMEOUT',
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
    """CRC-32 of bytes of a file, computed by a second thread just behind
    the writes that produce them, so that checksumming a journal overlaps
    filling it (both release the GIL).  Ranges must be added in order."""

    def __init__(self, fd):
        self.fd = fd
        self.crc = 0
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
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is None and not self.cancelled:
                try:
                    self.crc = _crc_range(self.fd, item[0], item[1],
                                          self.crc, buf)
                except BaseException as e:  # handed to the writing thread
                    self.error = e

    def stop(self):
        """Wait for the thread; the CRC of everything added."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.crc

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


def _copy(src, src_off, dst, dst_off, length, step, done=None):
    """Copy length bytes between two descriptors at explicit offsets.

    Kernel-side when possible (copy_file_range, then sendfile), so that the
    bytes never pass through Python; a read/write loop otherwise.  Works in
    _CHUNK pieces, reporting each as step (and to done(dst_off, n) if
    given).  Raises FormatError when src ends
    early.  The file position of dst may move (sendfile writes there).
    """
    method = 0
    stop = src_off + length
    while src_off < stop:
        want = min(_CHUNK, stop - src_off)
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

def _dotlock_acquire(path, mode):
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
                os.write(fd, ('%d %s\n' % (os.getpid(), _HOST)).encode())
            finally:
                os.close(fd)
        return True
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


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


def _dotlock_break_if_stale(path):
    """Remove path + '.lock' if its owner is gone; True when removed."""
    lock_path = path + '.lock'
    try:
        before = os.lstat(lock_path)
    except FileNotFoundError:
        return True
    owner = _dotlock_owner(lock_path)
    if owner is not None and owner[1] == _HOST:
        stale = not _pid_alive(owner[0])
    else:
        stale = time.time() - before.st_mtime > DOTLOCK_TIMEOUT
    if not stale:
        return False
    try:
        now = os.lstat(lock_path)
    except FileNotFoundError:
        return True
    # Only remove the very file we judged; another process may have replaced
    # it with a fresh lock in the meantime.
    if (now.st_ino, now.st_dev, now.st_mtime_ns) != (
            before.st_ino, before.st_dev, before.st_mtime_ns):
        return False
    with contextlib.suppress(FileNotFoundError):
        os.unlink(lock_path)
    return True


def _dotlock_release(path):
    lock_path = path + '.lock'
    owner = _dotlock_owner(lock_path)
    if owner == (os.getpid(), _HOST):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)


# ---------------------------------------------------------------------------
# The journal
#
# <target>.journal holds a header area of two slots followed by the payload:
# the bytes that belong at [offset, offset + length) of the target, after
# which the target is cut to offset + length.  The payload is written and
# fsynced before the first valid header, and the target is not touched before
# that header is fsynced, so a journal without a valid header is simply
# discarded.  Header updates alternate between the slots (highest valid
# sequence number wins), so a torn header write never loses the previous one.

_MAGIC = b'MBXJRNL1'
_SLOT = 256
_HDR = struct.Struct('>8sIIQQQQQQI16s')
# magic, seq, state, dev, ino, offset, length, old_size, reserved, crc, tail
_STATE_EXTEND = 1    # target may have been extended with zeros to the new size
_STATE_COMPLETE = 2  # payload complete; copy-back may be partial
_STATE_COPIED = 3    # copy-back done and fsynced; truncation may be pending


def _pack_header(seq, state, st, offset, length, old_size, crc, tail):
    body = _HDR.pack(_MAGIC, seq, state, st.st_dev & (2**64 - 1), st.st_ino,
                     offset, length, old_size, 0, crc, tail)
    return body + struct.pack('>I', zlib.crc32(body))


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
        fields = _HDR.unpack(body)
        if fields[0] != _MAGIC:
            continue
        if best is None or fields[1] > best[1]:
            best = fields
    return best


class _Journal:
    """One journaled rewrite of a file, from offset onward."""

    def __init__(self, target_fd, target_path):
        self.fd = target_fd
        self.path = target_path
        self.jpath = target_path + '.journal'
        self.next_path = self.jpath + '.next'

    def _mode(self):
        return stat.S_IMODE(os.fstat(self.fd).st_mode) & 0o666

    def _write_header(self, jfd, seq, state, sync=True):
        _pwrite_all(jfd, _pack_header(seq, state, self.st, self.offset,
                                      self.length, self.old_size, self.crc,
                                      self.tail), (seq % 2) * _SLOT)
        if sync:
            os.fsync(jfd)

    def write(self, offset, segments, src_fd):
        """Put the new bytes at offset and cut the file after them.

        segments, in order, are ('range', start, stop) for bytes of src_fd
        (copied by the kernel where it can) and ('bytes', data).
        """
        self.st = os.fstat(self.fd)
        self.old_size = self.st.st_size
        self.offset = offset
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.next_path)
        jfd = _open_new(self.next_path, self._mode())
        crc = None
        try:
            # Checksummed as it lies in the journal, which is what recovery
            # will copy, by a thread reading just behind the copy.
            crc = _TrailingCrc(jfd)
            pos = 2 * _SLOT
            for seg in segments:
                if seg[0] == 'range':
                    _copy(src_fd, seg[1], jfd, pos, seg[2] - seg[1],
                          'journal-chunk', crc.add)
                    pos += seg[2] - seg[1]
                else:
                    _pwrite_all(jfd, seg[1], pos)
                    crc.add(pos, len(seg[1]))
                    pos += len(seg[1])
                    _step('journal-chunk')
            self.length = pos - 2 * _SLOT
            self.crc, crc = crc.stop(), None
            final = offset + self.length
            self.tail = (_digest_range(self.fd, final, self.old_size)
                         if final < self.old_size else bytes(16))
            growing = final > self.old_size
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
            _fsync_dir(self.jpath)
            _step('journal-installed')
            if growing:
                # Grow first, so that the copy never moves the end of the file:
                # whoever appends after a crash appends past everything we
                # write.
                os.ftruncate(self.fd, final)
                os.fsync(self.fd)
                _step('extended')
                self.seq += 1
                self._write_header(jfd, self.seq, _STATE_COMPLETE)
                _step('complete')
            self._copy_and_cut(jfd, final)
        except BaseException:
            if crc is not None:
                crc.cancel()
            os.close(jfd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.next_path)
            raise
        os.close(jfd)
        # Already gone when the cut needed a journal of its own.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.jpath)
        _fsync_dir(self.jpath)
        _step('done')

    def _copy_and_cut(self, jfd, final):
        _copy(jfd, 2 * _SLOT, self.fd, self.offset, self.length, 'copy-chunk')
        os.fsync(self.fd)
        _step('copied')
        if final < self.old_size:
            self.seq += 1
            self._write_header(jfd, self.seq, _STATE_COPIED)
            _step('marked-copied')
            self._cut_after_copy(final, truncated=False)

    def _cut_after_copy(self, final, truncated):
        size = os.fstat(self.fd).st_size
        if final >= self.old_size or truncated:
            return
        if size == self.old_size:
            os.ftruncate(self.fd, final)
            os.fsync(self.fd)
            _step('truncated')
        else:
            # Someone appended after a crash: keep what they wrote, drop our
            # old tail, through a journal of its own.
            _Journal(self.fd, self.path).write(
                final, [('range', self.old_size, size)], self.fd)

    def recover(self):
        """Finish or undo an interrupted write found on disk."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.next_path)  # never installed: target untouched
        try:
            jfd = os.open(self.jpath, os.O_RDWR | _O_NOFOLLOW | _O_CLOEXEC)
        except FileNotFoundError:
            return False
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise ExternalClashError('refusing to follow a symlink at %s'
                                         % self.jpath) from None
            raise
        try:
            jst = os.fstat(jfd)
            tst = os.fstat(self.fd)
            if (not stat.S_ISREG(jst.st_mode)
                    or jst.st_uid not in (os.geteuid(), tst.st_uid)):
                raise ExternalClashError('%s is not a journal written for '
                                         'this mailbox' % self.jpath)
            hdr = _read_header(jfd)
            if hdr is None or (hdr[3], hdr[4]) != (
                    tst.st_dev & (2**64 - 1), tst.st_ino):
                # Never completed, or written for a file since replaced.
                os.close(jfd)
                jfd = None
                os.unlink(self.jpath)
                return True
            (_, self.seq, state, _, _, self.offset, self.length,
             self.old_size, _, self.crc, self.tail) = hdr
            self.st = tst
            if _crc_range(jfd, 2 * _SLOT, 2 * _SLOT + self.length) != self.crc:
                raise Error('journal %s is damaged; the mailbox may be '
                            'partly rewritten and needs a manual check'
                            % self.jpath)
            final = self.offset + self.length
            size = tst.st_size
            if state == _STATE_EXTEND:
                extended = (size >= final and not _pread_exact(
                    self.fd, final - self.old_size, self.old_size).strip(b'\0'))
                os.close(jfd)
                jfd = None
                os.unlink(self.jpath)
                _fsync_dir(self.jpath)
                if extended:
                    if size == final:
                        os.ftruncate(self.fd, self.old_size)
                        os.fsync(self.fd)
                    else:
                        _Journal(self.fd, self.path).write(
                            self.old_size, [('range', final, size)], self.fd)
                return True
            if state == _STATE_COMPLETE:
                self._copy_and_cut(jfd, final)
            else:  # copied; was the cut done?
                truncated = not (
                    final < self.old_size and size >= self.old_size
                    and _digest_range(self.fd, final, self.old_size)
                    == self.tail)
                self._cut_after_copy(final, truncated)
        finally:
            if jfd is not None:
                os.close(jfd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.jpath)
        _fsync_dir(self.jpath)
        return True


# ---------------------------------------------------------------------------
# Public helpers: the codemod's rewrite targets

_kept_fds = {}


def copy_back(src, dst):
    """Move src's bytes into dst's existing inode, then remove src.

    Replaces ``os.rename(src, dst)`` for files other processes lock or hold
    open: mode, owner, hard links and their fcntl locks stay valid because dst
    stays the same file.  The write is journaled (dst + '.journal'), so a crash
    leaves dst either old or new once the journal is recovered by the next
    copy_back() or mailbox open of dst.  A missing dst is created with src's
    permission bits, as the rename would have left them.
    """
    src = os.fspath(src)
    dst = os.fspath(dst)
    sfd = os.open(src, os.O_RDONLY | _O_CLOEXEC)
    try:
        sst = os.fstat(sfd)
        dfd = os.open(dst, os.O_RDWR | os.O_CREAT | _O_CLOEXEC,
                      stat.S_IMODE(sst.st_mode))
        dst_st = os.fstat(dfd)
        # Closing a descriptor of dst drops this process's fcntl locks on it,
        # so when the caller holds one the descriptor is kept open instead.
        held = fcntl is not None and _process_holds_posix_lock(dst_st)
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
    untouched and the temp file removed.  A symlink at path is followed, like
    ``open(path, 'w')`` would: its target is replaced, the link stays.
    """
    if 'w' not in mode or any(c in mode for c in 'ra+x'):
        raise ValueError('atomic_write() needs a write mode, got %r' % mode)
    target = os.path.realpath(os.fspath(path))
    directory, name = os.path.split(target)
    try:
        st = os.stat(target)
    except FileNotFoundError:
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
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _hook_bytes(hook):
    buf = io.BytesIO()
    hook(buf)
    return buf.getvalue()


class _SafeSingleFile:
    """Behaviour shared by mbox, MMDF and Babyl; mixed in before them."""

    # Bytes that may stand between messages (separators written by hooks).
    _framing = b'\r\n'

    def __init__(self, path, factory=None, create=True):
        super().__init__(path, factory, create)
        self._dotlocked = False
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
        if self._writable() and os.path.lexists(self._path + '.journal'):
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
                self._path + '.journal'):
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
        """Re-read the file; keep keys of messages found unchanged in place."""
        saved = (self._toc, self._next_key, self._file_length,
                 getattr(self, '_labels', None))
        old = {k: self._entry(k) for k in self._toc}
        try:
            entries, after = self._scan()
        except BaseException:
            self._restore(saved)
            raise
        scan_labels = getattr(self, '_labels', None)
        where = {}
        for i, (_, start, stop, crc) in enumerate(entries):
            where.setdefault((start, stop, crc), i)
        # Every message we have pending changes for must still be there,
        # byte for byte: otherwise applying them would hit the wrong mail.
        must = list(self._removed.values()) + list(self._replaced.values())
        must += [old[k] for k in self._replaced if k in old]
        must += [old[k] for k in self._added if k in old]
        # Our superseded versions too: unclaimed, they would come back as
        # new messages.
        must += self._garbage
        missing = [e for e in must if e not in where]
        if missing:
            self._restore(saved)
            raise ExternalClashError(
                'another process changed or removed %d message(s) with '
                'pending changes in %s; nothing was written'
                % (len(missing), self._path))
        claimed = set()
        for e in must:
            claimed.add(where[e])
        toc, fps, rank, labels = {}, {}, {}, {}
        old_labels = saved[3] or {}
        for k, e in old.items():
            if k in self._replaced or k in self._added:
                # Already claimed above, as entries that must stay in place.
                toc[k], fps[k], rank[k] = e[:2], e[2], self._rank[k]
            elif e in where and where[e] not in claimed:
                claimed.add(where[e])
                toc[k], fps[k], rank[k] = e[:2], e[2], e[0]
            else:
                self._vanished.add(k)
                continue
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
                _Journal(self._fd(), self._path).recover()
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
                    fcntl.lockf(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as e:
                    if e.errno in (errno.EAGAIN, errno.EACCES, errno.EROFS):
                        raise ExternalClashError('lockf: lock unavailable: %s'
                                                 % self._path) from None
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
        mode = stat.S_IMODE(os.fstat(self._fd()).st_mode) & 0o666
        for _ in range(2):
            got = _dotlock_acquire(self._path, mode)
            if got is None:
                return
            if got:
                self._dotlocked = True
                return
            if not _dotlock_break_if_stale(self._path):
                break
        raise ExternalClashError('dot lock unavailable: %s' % self._path)

    def _funlock(self):
        if fcntl is not None:
            fcntl.lockf(self._file, fcntl.LOCK_UN)

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
            offsets = self._install_message(message)
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
                self._rewrite()
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
            _Journal(fd, self._path).write(pos, segments, fd)
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


class MMDF(_SafeSingleFile, _StdMMDF):
    """An MMDF mailbox, written safely."""

    _framing = b'\r\n\001'


class Babyl(_SafeSingleFile, _StdBabyl):
    """An Rmail-style Babyl mailbox, written safely."""

    _framing = b'\r\n\037\014'

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

