"""An in-memory model of a single-file mailbox of ``mboxlint.mailbox``, and
forked child processes that share the file with the test.

The model follows docs/mailbox.md: what the box shows (key -> message id),
what the file holds (message ids in file order), which keys a re-read of the
file keeps and which it renumbers, and when pending changes clash with a
change made by another process.  Every message version has its own id, so a
message on disk is identified by its id alone.
"""
import fcntl
import mailbox as std_mailbox
import os
import signal
import time

from mboxlint import mailbox

WAIT = 30.0  # seconds any child may take before the test gives up on it


def message_text(msg_id):
    return ('From: sender@example.org\nMessage-ID: <%s>\nSubject: %s\n\n'
            'body of %s\nsecond line\n' % (msg_id, msg_id, msg_id))


def identity(msg):
    """What must survive unchanged: id, subject and body of a read message."""
    return (msg['Message-ID'], msg['Subject'], msg.get_payload())


def expected_identity(msg_id):
    return ('<%s>' % msg_id, msg_id, 'body of %s\nsecond line\n' % msg_id)


_ALONE = {}


def external_bytes(std_class, tmp_dir, msg_id, file_empty):
    """The bytes another program appends to deliver msg_id to a mailbox of
    std_class: written by the stdlib into a scratch mailbox and cut out
    (an mbox message written so ends with its blank separator line)."""
    path = os.path.join(tmp_dir, 'scratch-%s' % msg_id)
    box = std_class(path)
    box.add(message_text(msg_id))
    box.close()
    with open(path, 'rb') as f:
        data = f.read()
    os.unlink(path)
    if file_empty:
        return data
    if std_class is std_mailbox.Babyl:
        return data[data.index(b'\x1f') + 1:]  # without the options preamble
    return data


class Model:
    """What the mailbox object and the file must hold."""

    def __init__(self, disk):
        self.disk = list(disk)
        self.view = {i: m for i, m in enumerate(self.disk)}
        self.next_key = len(self.disk)
        self.slot = dict(self.view)  # key -> id whose place it takes on flush
        self.added = set()
        self.replaced = {}   # key -> its id at the last flush
        self.removed = {}    # key -> id the removal applies to
        self.garbage = set()  # our versions superseded since the last flush
        self.unseen = []     # appended by others, not yet read by the box
        self.gone = None     # (id, file order) removed by another process

    # -- changes of the box ------------------------------------------------

    def add(self, msg_id):
        key = self.next_key
        self.next_key += 1
        self.view[key] = msg_id
        self.slot[key] = msg_id
        self.added.add(key)
        self.disk.append(msg_id)  # written at once, as the stdlib does
        return key

    def remove(self, key):
        msg_id = self.view.pop(key)
        if key in self.replaced:
            self.garbage.add(msg_id)
        self.removed[key] = self.replaced.pop(key, msg_id)
        self.added.discard(key)
        del self.slot[key]

    def setitem(self, key, msg_id):
        if key in self.added or key in self.replaced:
            self.garbage.add(self.view[key])
        if key in self.added:
            self.slot[key] = msg_id  # an added message moves with its version
        else:
            self.replaced.setdefault(key, self.view[key])
        self.view[key] = msg_id
        self.disk.append(msg_id)

    def pending(self):
        return bool(self.added or self.replaced or self.removed)

    def must_stay(self):
        """Ids that must be found unchanged in place for pending changes."""
        ids = set(self.removed.values()) | set(self.replaced.values())
        ids |= {self.view[k] for k in self.replaced}
        ids |= {self.view[k] for k in self.added}
        ids |= self.garbage
        return ids

    def flush(self):
        by_slot = {self.slot[k]: k for k in self.view}
        self.disk = [self.view[by_slot[m]] for m in self.disk if m in by_slot]
        self.slot = dict(self.view)
        self.added.clear()
        self.replaced.clear()
        self.removed.clear()
        self.garbage.clear()

    # -- other processes ---------------------------------------------------

    def appended_by_other(self, msg_id):
        self.disk.append(msg_id)
        self.unseen.append(msg_id)

    def removed_by_other(self, msg_id):
        self.gone = (msg_id, list(self.disk))
        self.disk.remove(msg_id)

    def stale(self):
        return bool(self.unseen) or self.gone is not None

    def refresh_clashes(self):
        """Whether re-reading the file now must raise ExternalClashError:
        another process removed a message we have pending changes for (the
        others only moved, and are found again by their content)."""
        if self.gone is None:
            return False
        return self.gone[0] in self.must_stay()

    def moved_keys(self):
        """Keys whose message another process removed (their name is kept
        from when a moved message also lost its key)."""
        if self.gone is None:
            return set()
        return {k for k, m in self.view.items() if m == self.gone[0]}

    def refresh(self):
        """The box re-read the file: messages found again keep their keys,
        wherever they moved; the removed one's key is gone; new ones get new
        keys in file order."""
        moved = self.moved_keys()
        assert not (moved & (set(self.replaced) | self.added))
        fresh = set(self.unseen)
        for k in moved:
            del self.view[k]
            del self.slot[k]
        for m in self.disk:
            if m in fresh:
                self.view[self.next_key] = m
                self.slot[self.next_key] = m
                self.next_key += 1
        self.unseen = []
        self.gone = None
        return moved

    def reopened(self):
        """A new box on the file as it is."""
        return Model(self.disk)


class Child:
    """A forked process; its output arrives through a pipe."""

    def __init__(self, body):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.close(r)
            code = 1
            try:
                body(w)
                code = 0
            except BaseException as e:
                try:
                    os.write(w, ('\nerror %r\n' % (e,)).encode())
                except BaseException:
                    pass
            finally:
                os._exit(code)
        os.close(w)
        self.pid = pid
        self.fd = r
        self.status = None
        self.output = b''

    def done(self):
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
        return self.status is not None

    def wait(self, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while not self.done():
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                os.close(self.fd)
                raise AssertionError('child %d did not finish' % self.pid)
            time.sleep(0.002)
        while True:
            data = os.read(self.fd, 65536)
            if not data:
                break
            self.output += data
        os.close(self.fd)
        return self.status

    def exit_code(self):
        return os.waitstatus_to_exitcode(self.status)


def append_with_lockf_only(path, first, more):
    """Deliver like procmail with fcntl locking only (a bounded wait)."""
    def body(out):
        with open(path, 'ab') as f:
            deadline = time.monotonic() + WAIT
            while True:
                try:
                    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.002)
            f.write(first if os.fstat(f.fileno()).st_size == 0 else more)
            f.flush()
            os.fsync(f.fileno())
            fcntl.lockf(f, fcntl.LOCK_UN)
    return Child(body)


def find_key(box, msg_id):
    for key in box.keys():
        if box.get_message(key)['Message-ID'] == '<%s>' % msg_id:
            return key
    raise AssertionError('%s not in the mailbox' % msg_id)


def remove_with_other_box(cls, path, msg_id):
    """Another process removes one message, properly locked."""
    def body(out):
        box = cls(path)
        box.lock(timeout=WAIT)
        box.remove(find_key(box, msg_id))
        box.flush()
        box.unlock()
        box.close()
    return Child(body)


def crash_during_flush(cls, path, removes, replace, add, kill_at, chunk):
    """Another process changes the mailbox and is SIGKILLed at the kill_at-th
    step of its flush; it reports every step reached first."""
    def body(out):
        mailbox._CHUNK = chunk  # many steps even for a small file
        box = cls(path)
        box.lock(timeout=WAIT)
        for msg_id in removes:
            box.remove(find_key(box, msg_id))
        if replace is not None:
            box[find_key(box, replace[0])] = message_text(replace[1])
        if add is not None:
            box.add(message_text(add))
        seen = []

        def hook(step):
            seen.append(step)
            os.write(out, (step + '\n').encode())
            if len(seen) == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        mailbox._test_hook = hook
        box.flush()
        mailbox._test_hook = None
        box.unlock()
        box.close()
    return Child(body)
