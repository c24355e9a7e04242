"""mboxlint.mailbox against a model, and corrupt mailboxes.

A rule-based state machine adds, removes, replaces, locks, unlocks, flushes
and reopens a mailbox while other processes deliver to it (fcntl lock only),
remove messages from it, or die in the middle of a flush.  After every step
the box and the file must hold exactly what the model says: nothing lost,
nothing duplicated, no message changed, keys kept where docs/mailbox.md says
they are kept, and no helper file left behind.
"""
import mailbox as std_mailbox
import os
import shutil
import signal
import tempfile
import time
import warnings

import pytest
from hypothesis import given, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant,
                                 precondition, rule)

from helpers.mailbox_model import (Child, Model, WAIT, append_with_lockf_only,
                                   crash_during_flush, expected_identity,
                                   external_bytes, identity, message_text,
                                   remove_with_other_box)
from helpers.procs import make_mbox, message, message_ids
from mboxlint import mailbox
from robust_support import budget

STD = {mailbox.mbox: std_mailbox.mbox, mailbox.MMDF: std_mailbox.MMDF,
       mailbox.Babyl: std_mailbox.Babyl}


def file_ids(std_class, path):
    """(id, subject, body) of every message in file order, read by the
    stdlib.  Never call it while the test holds the mailbox's lock: closing
    this second descriptor would release the lock."""
    box = std_class(path, create=False)
    try:
        return [identity(box.get_message(k)) for k in sorted(box.keys())]
    finally:
        box.close()


class MailboxMachine(RuleBasedStateMachine):
    box_class = mailbox.mbox

    def __init__(self):
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix='mbx-model-')
        self.scratch = tempfile.mkdtemp(prefix='mbx-scratch-')
        self.path = os.path.join(self.dir, 'box')
        self.counter = 0
        self.box = None
        self.locked = False
        self.child = None       # (Child, id) of a delivery blocked on our lock
        self.vanished = set()   # keys whose message another process moved
        self.found = []         # (what, detail) for the report

    def new_id(self):
        self.counter += 1
        return 'm%d' % self.counter

    @initialize(n=st.integers(0, 4))
    def start(self, n):
        box = STD[self.box_class](self.path)
        ids = [self.new_id() for _ in range(n)]
        for msg_id in ids:
            box.add(message_text(msg_id))
        box.close()
        open(self.path, 'ab').close()  # the stdlib makes none for 0 messages
        self.box = self.box_class(self.path)
        self.model = Model(ids)

    # -- running an operation of the box -------------------------------

    def call(self, fn, *, warns, refreshes, clash_expected=None):
        """Run fn; check its warning; predict a refused re-read.

        Returns (ok, result).  A refused re-read must leave the file as it
        was; the box is then dropped (its pending changes are what the
        caller has to decide about) and the file reopened.
        """
        clash = refreshes and self.model.refresh_clashes()
        if clash_expected:
            clash = True
        before = self.read_bytes() if clash and not self.locked else None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            if clash:
                with pytest.raises(mailbox.ExternalClashError):
                    fn()
                result = None
            else:
                result = fn()
        warned = [w for w in caught
                  if issubclass(w.category, mailbox.MailboxWarning)]
        assert bool(warned) == warns, [str(w.message) for w in caught]
        if clash:
            if before is not None:
                assert self.read_bytes() == before, 'refused write wrote'
            return False, None
        if refreshes and self.model.stale():
            self.vanished |= self.model.refresh()
        return True, result

    def read_bytes(self):
        with open(self.path, 'rb') as f:
            return f.read()

    def drop_and_reopen(self):
        # No public way drops pending changes: close the file unflushed.
        assert not self.locked
        self.box._file.close()
        self.box = self.box_class(self.path)
        self.model = self.model.reopened()
        self.vanished = set()

    def keys(self):
        return st.sampled_from(sorted(self.model.view))

    # -- rules -----------------------------------------------------------

    @rule()
    def add(self):
        msg_id = self.new_id()
        ok, key = self.call(lambda: self.box.add(message_text(msg_id)),
                            warns=not self.locked, refreshes=not self.locked)
        if not ok:
            return self.drop_and_reopen()
        assert key == self.model.add(msg_id)

    @precondition(lambda self: self.model.view)
    @rule(data=st.data(), discard=st.booleans())
    def remove(self, data, discard):
        key = data.draw(self.keys())
        fn = self.box.discard if discard else self.box.remove
        self.call(lambda: fn(key), warns=not self.locked, refreshes=False)
        self.model.remove(key)

    @rule()
    def discard_missing(self):
        self.call(lambda: self.box.discard(10 ** 6), warns=not self.locked,
                  refreshes=False)

    @precondition(lambda self: self.model.view)
    @rule(data=st.data())
    def setitem(self, data):
        key = data.draw(self.keys())
        msg_id = self.new_id()
        # A key whose message another process moved is found out by the
        # re-read this write does first.
        moved = not self.locked and key in self.model.moved_keys()

        def fn():
            self.box[key] = message_text(msg_id)
        ok, _ = self.call(fn, warns=not self.locked,
                          refreshes=not self.locked, clash_expected=moved)
        if not ok:
            if self.model.refresh_clashes():
                return self.drop_and_reopen()
            self.vanished |= self.model.refresh()
            assert key in self.vanished
            return
        self.model.setitem(key, msg_id)

    @precondition(lambda self: not self.locked)
    @rule()
    def lock(self):
        ok, _ = self.call(lambda: self.box.lock(timeout=WAIT), warns=False,
                          refreshes=True)
        if not ok:
            return self.drop_and_reopen()
        self.locked = True

    @precondition(lambda self: self.locked)
    @rule()
    def unlock(self):
        self.box.unlock()
        self.locked = False
        self.finish_delivery()

    @rule()
    def flush(self):
        pending = self.model.pending()
        ok, _ = self.call(self.box.flush, warns=False, refreshes=pending)
        if not ok:
            return self.drop_and_reopen()
        if pending:
            self.model.flush()

    @rule()
    def close_and_reopen(self):
        self.close()
        self.box = self.box_class(self.path)
        self.model = self.model.reopened()
        self.vanished = set()

    def close(self):
        pending = self.model.pending()
        was_locked = self.locked
        self.locked = False  # close() unlocks, also when it fails
        ok, _ = self.call(self.box.close, warns=False, refreshes=pending)
        if not ok:
            # close() flushed first and was refused: the file is still open.
            self.box._file.close()
        elif pending:
            self.model.flush()
        if was_locked:
            self.finish_delivery()

    def finish_delivery(self):
        if self.child is not None:
            child, msg_id = self.child
            self.child = None
            child.wait()
            assert child.exit_code() == 0, child.output
            self.model.appended_by_other(msg_id)

    @precondition(lambda self: self.child is None)
    @rule()
    def delivery_by_other(self):
        msg_id = self.new_id()
        std_class = STD[self.box_class]
        child = append_with_lockf_only(
            self.path, external_bytes(std_class, self.scratch, msg_id, True),
            external_bytes(std_class, self.scratch, msg_id, False))
        self.child = (child, msg_id)
        if not self.locked:
            self.finish_delivery()
        # Otherwise it waits for our lock, checked after every step.

    @precondition(lambda self: not self.locked and self.model.gone is None
                  and self.child is None)
    @rule(data=st.data())
    def removal_by_other(self, data):
        candidates = [m for m in self.model.disk
                      if m not in self.model.unseen]
        if not candidates:
            return
        msg_id = data.draw(st.sampled_from(candidates))
        child = remove_with_other_box(self.box_class, self.path, msg_id)
        child.wait()
        assert child.exit_code() == 0, child.output
        self.model.removed_by_other(msg_id)

    @precondition(lambda self: self.child is None)
    @rule(data=st.data(), kill_at=st.integers(1, 40))
    def crash_of_other_during_flush(self, data, kill_at):
        self.close()
        disk = list(self.model.disk)
        removes = data.draw(st.lists(st.sampled_from(disk), unique=True,
                                     max_size=3) if disk else st.just([]))
        rest = [m for m in disk if m not in removes]
        replace = None
        if rest and data.draw(st.booleans()):
            replace = (data.draw(st.sampled_from(rest)), self.new_id())
        add = self.new_id() if data.draw(st.booleans()) else None
        child = crash_during_flush(self.box_class, self.path, removes,
                                   replace, add, kill_at, 64)
        status = child.wait()
        steps = child.output.decode().split()
        if os.WIFSIGNALED(status):
            assert os.WTERMSIG(status) == signal.SIGKILL, child.output
            assert len(steps) == kill_at
        else:
            assert child.exit_code() == 0, child.output
        # What the child's box did, on the model.
        theirs = Model(disk)
        for msg_id in removes:
            theirs.remove(disk.index(msg_id))
        if replace is not None:
            theirs.setitem(disk.index(replace[0]), replace[1])
        if add is not None:
            theirs.add(add)
        if not os.WIFSIGNALED(status) or 'journal-installed' in steps:
            # Once the journal is installed, recovery completes the flush.
            theirs.flush()
        self.model = Model(theirs.disk)
        self.box = self.box_class(self.path)
        self.vanished = set()
        # Recovery: opening finishes an installed journal; the next lock()
        # also removes an uninstalled one and breaks the dead child's lock.
        self.lock()
        self.unlock()

    # -- invariants ------------------------------------------------------

    @invariant()
    def delivery_waits_for_our_lock(self):
        if self.child is not None:
            assert self.locked
            assert not self.child[0].done(), 'delivered while we held lockf'

    @invariant()
    def box_matches_model(self):
        if self.box is None or self.model.gone is not None:
            return  # unlocked reads of a file changed by another: stale
        assert sorted(self.box.keys()) == sorted(self.model.view)
        for key, msg_id in self.model.view.items():
            assert identity(self.box.get_message(key)) == \
                expected_identity(msg_id), key
        for key in self.vanished:
            assert key not in self.box
            with pytest.raises(mailbox.ExternalClashError):
                self.box.get_message(key)

    @invariant()
    def file_matches_model(self):
        if self.box is None or self.locked:
            return
        assert file_ids(STD[self.box_class], self.path) == [
            expected_identity(m) for m in self.model.disk]

    @invariant()
    def no_helper_files(self):
        if self.box is None:
            return
        names = sorted(os.listdir(self.dir))
        if self.locked:
            assert names == ['box', 'box.lock']
        else:
            assert names == ['box']

    def teardown(self):
        try:
            if self.box is not None:
                self.close()
                self.box = None
                self.no_helper_files_at_end()
        finally:
            if self.child is not None:
                os.kill(self.child[0].pid, signal.SIGKILL)
                self.child[0].wait()
            shutil.rmtree(self.dir, ignore_errors=True)
            shutil.rmtree(self.scratch, ignore_errors=True)

    def no_helper_files_at_end(self):
        assert sorted(os.listdir(self.dir)) == ['box']
        assert file_ids(STD[self.box_class], self.path) == [
            expected_identity(m) for m in self.model.disk]


class MMDFMachine(MailboxMachine):
    box_class = mailbox.MMDF


class BabylMachine(MailboxMachine):
    box_class = mailbox.Babyl


def _settings(examples):
    s = budget(examples)
    return type(s)(s, stateful_step_count=25)


TestMboxModel = MailboxMachine.TestCase
TestMboxModel.settings = _settings(25)
TestMboxModel.pytestmark = [pytest.mark.slow]
TestMMDFModel = MMDFMachine.TestCase
TestMMDFModel.settings = _settings(10)
TestMMDFModel.pytestmark = [pytest.mark.slow]
TestBabylModel = BabylMachine.TestCase
TestBabylModel.settings = _settings(10)
TestBabylModel.pytestmark = [pytest.mark.slow]


# -- regressions found by the model ----------------------------------------

@pytest.fixture
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', mailbox.MailboxWarning)
        yield


def test_added_message_keeps_its_key_when_another_process_appends(
        tmp_path, quiet):
    """A re-read after a delivery used to drop the keys of messages added
    since the last flush: the key raised ExternalClashError and the next
    rewrite refused with FormatError, so no change could be written."""
    path = str(tmp_path / 'box')
    make_mbox(path, ['m1', 'm2'])
    box = mailbox.mbox(path)
    box.lock()
    key = box.add(message('m3'))
    box.unlock()
    child = append_with_lockf_only(path, message('late'), message('late'))
    child.wait()
    assert child.exit_code() == 0, child.output
    box.lock()
    assert key in box
    assert box.get_message(key)['Message-ID'] == '<m3>'
    box.remove(0)
    box.flush()
    box.unlock()
    box.close()
    assert message_ids(path) == ['<m2>', '<m3>', '<late>']


def test_setitem_of_message_removed_by_another_process_is_a_clash(
        tmp_path, quiet):
    """The write's own re-read finds the key gone: ExternalClashError, as for
    every other use of such a key (it was a bare KeyError), and nothing
    written."""
    path = str(tmp_path / 'box')
    make_mbox(path, ['m1', 'm2'])
    box = mailbox.mbox(path)
    assert len(box) == 2  # the table of contents is read now
    child = remove_with_other_box(mailbox.mbox, path, 'm1')
    child.wait()
    assert child.exit_code() == 0, child.output
    with open(path, 'rb') as f:
        after_other = f.read()
    with pytest.raises(mailbox.ExternalClashError):
        box[0] = message('new')
    assert 0 not in box
    with open(path, 'rb') as f:
        assert f.read() == after_other
    box.close()
    assert message_ids(path) == ['<m2>']


def test_superseded_version_is_not_read_back_as_a_message(tmp_path, quiet):
    """A re-read after a delivery took the old version of a message replaced
    and then removed since the last flush for a new message: the flush then
    wrote it back, a removed message reappeared."""
    path = str(tmp_path / 'box')
    make_mbox(path, ['m1', 'm2'])
    box = mailbox.mbox(path)
    box[1] = message('m2-new')
    box.remove(1)
    child = append_with_lockf_only(path, message('late'), message('late'))
    child.wait()
    assert child.exit_code() == 0, child.output
    box.lock()
    assert sorted(box.keys()) == [0, 2]
    box.flush()
    box.unlock()
    box.close()
    assert message_ids(path) == ['<m1>', '<late>']


@pytest.mark.parametrize('cls', [mailbox.mbox, mailbox.MMDF])
def test_superseded_first_message_is_not_kept_as_leading_bytes(
        tmp_path, quiet, cls):
    """Added to an empty file and replaced before the flush: the old version
    lay before every message and was kept as bytes before the first one,
    so both versions stayed."""
    path = str(tmp_path / 'box')
    box = cls(path)
    key = box.add(message_text('old'))
    box[key] = message_text('new')
    box.close()
    assert file_ids(STD[cls], path) == [expected_identity('new')]


@pytest.mark.parametrize('cls', [mailbox.mbox, mailbox.MMDF, mailbox.Babyl])
@pytest.mark.parametrize('tail', [b'\0' * 64, b'junk\nno newline at the end'])
def test_message_added_after_an_unterminated_line_can_be_read(
        tmp_path, quiet, cls, tail):
    """A message added to a file whose last line has no newline (junk, a
    message cut short) was glued to that line: its separator did not start
    a line, so no reader ever found it again."""
    path = str(tmp_path / 'box')
    with open(path, 'wb') as f:
        f.write(tail)
    box = cls(path)
    with box.locked():
        box.add(message_text('new'))
    box.close()
    with open(path, 'rb') as f:
        assert f.read().startswith(tail)
    box = cls(path)
    assert [identity(box.get_message(k)) for k in box.keys()] == [
        expected_identity('new')]
    box.close()


# -- corrupt mailboxes ---------------------------------------------------------

def read(path):
    with open(path, 'rb') as f:
        return f.read()


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


JUNK = st.binary(max_size=300).filter(lambda b: b'From ' not in b)


@budget(30)
@given(junk=JUNK, count=st.integers(1, 5), cut=st.integers(0, 80),
       data=st.data())
def test_corrupt_mbox_rewrite_keeps_every_byte_it_does_not_remove(
        junk, count, cut, data):
    """Junk before the first "From " line, a last message cut short: a
    rewrite keeps the junk and every message not removed, byte for byte,
    or refuses with mailbox.Error and leaves the file as it was."""
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter('ignore', mailbox.MailboxWarning)
        path = os.path.join(d, 'box')
        if junk and not junk.endswith(b'\n'):
            junk += b'\n'  # so that the first "From " starts a line
        ids = ['c%d' % i for i in range(count)]
        original = junk + b''.join(message(i, 3) for i in ids)
        original = original[:len(original) - min(cut, len(message('x', 3)) - 5)]
        write(path, original)
        parsed = std_mailbox.mbox(path, create=False)
        raw = [original[slice(*parsed._lookup(k))] for k in sorted(parsed.keys())]
        parsed.close()
        box = mailbox.mbox(path)
        keys = sorted(box.keys())
        assert len(keys) == count
        gone = data.draw(st.sets(st.sampled_from(keys)))
        try:
            with box.locked():
                for key in gone:
                    box.remove(key)
                box.add(message('added'))
        except mailbox.Error:
            box.close()
            assert read(path).startswith(original)  # only the add, appended
            return
        box.close()
        after = read(path)
        assert after.startswith(junk)
        for key, chunk, msg_id in zip(keys, raw, ids):
            if key not in gone:
                assert chunk in after, key
            elif ('<%s>' % msg_id).encode() in chunk:
                assert ('<%s>' % msg_id).encode() not in after, key
        assert after.count(b'<added>') == 1


@pytest.mark.parametrize('cls', [mailbox.mbox, mailbox.MMDF, mailbox.Babyl])
@budget(15)
@given(junk=st.one_of(st.just(b''), st.just(b'\0' * 512), st.binary(max_size=400)))
def test_junk_file_is_kept_when_messages_are_added(cls, junk):
    """Zero bytes, NUL bytes, random bytes: opening gives a box (or a clear
    mailbox.Error); adding appends after the old bytes, never over them."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'box')
        write(path, junk)
        try:
            box = cls(path)
            before = set(box.keys())
        except mailbox.Error:
            assert read(path) == junk
            return
        try:
            with box.locked():
                key = box.add(message_text('new'))
            assert key not in before
            box.close()
        except mailbox.Error:
            box._file.close()
            assert read(path).startswith(junk)
            return
        after = read(path)
        if cls is mailbox.Babyl and junk == b'':
            assert after.startswith(b'BABYL OPTIONS:')
        else:
            assert after.startswith(junk)
        box = cls(path)
        assert expected_identity('new') in [identity(box.get_message(k))
                                            for k in box.keys()]
        box.close()
        assert os.listdir(d) == ['box']


def dead_pid():
    child = Child(lambda out: None)
    child.wait()
    return child.pid


@pytest.mark.parametrize('content, broken_while_fresh', [
    ('{dead} {host}\n', True),     # our host, owner gone
    ('{dead} elsewhere\n', False),  # cannot tell: by age
    ('not a lock of ours\n', False),  # no owner info: by age
    ('{dead}\n', False),            # no host: by age
])
def test_stale_dot_lock(tmp_path, content, broken_while_fresh):
    path = str(tmp_path / 'box')
    make_mbox(path, ['m1'])
    before = read(path)
    write(path + '.lock', content.format(dead=dead_pid(),
                                         host=mailbox._HOST).encode())
    box = mailbox.mbox(path)
    if not broken_while_fresh:
        with pytest.raises(mailbox.ExternalClashError):
            box.lock()
        assert os.path.exists(path + '.lock') and read(path) == before
        old = time.time() - mailbox.DOTLOCK_TIMEOUT - 60
        os.utime(path + '.lock', (old, old))
    with box.locked():
        box.add(message('m2'))
    box.close()
    assert sorted(os.listdir(str(tmp_path))) == ['box']
    assert message_ids(path) == ['<m1>', '<m2>']


# -- journals left by an older crash -------------------------------------------

IDS = ['j%d' % i for i in range(12)]


def crashed(tmp_path, kill_at):
    """A mailbox whose flusher was killed at the kill_at-th step; what the
    flush would have left."""
    path = str(tmp_path / 'box')
    make_mbox(path, IDS, body_lines=5)
    child = crash_during_flush(mailbox.mbox, path, ['j0', 'j4'],
                               ('j7', 'j7b'), None, kill_at, 128)
    status = child.wait()
    assert os.WIFSIGNALED(status), child.output
    return path, child.output.decode().split()


AFTER = [i for i in IDS if i not in ('j0', 'j4')]
AFTER[AFTER.index('j7')] = 'j7b'


def ids_of(path):
    return [m.strip('<>') for m in message_ids(path)]


def test_complete_journal_is_finished_on_open(tmp_path):
    path = installed_journal(tmp_path)
    mailbox.mbox(path).close()  # opening recovers
    assert ids_of(path) == AFTER
    assert sorted(os.listdir(str(tmp_path))) == ['box']


def test_incomplete_journal_leaves_the_mailbox_untouched(tmp_path):
    path, steps = crashed(tmp_path, 2)  # killed while writing the journal
    assert os.path.exists(path + '.journal.next')
    before = read(path)
    box = mailbox.mbox(path)
    box.lock()
    box.unlock()
    box.close()
    assert read(path) == before  # the appended new version of j7 included
    assert ids_of(path) == IDS + ['j7b']
    assert os.listdir(str(tmp_path)) == ['box']


def installed_journal(tmp_path):
    path, steps = crashed(tmp_path, 1 + next(
        i for i, s in enumerate(full_steps(tmp_path)) if s == 'journal-installed'))
    assert os.path.exists(path + '.journal')
    return path


def full_steps(tmp_path):
    d = tmp_path / 'probe'
    d.mkdir()
    path = str(d / 'box')
    make_mbox(path, IDS, body_lines=5)
    child = crash_during_flush(mailbox.mbox, path, ['j0', 'j4'],
                               ('j7', 'j7b'), None, 10 ** 6, 128)
    child.wait()
    assert child.exit_code() == 0
    shutil.rmtree(str(d))
    return child.output.decode().split()


def test_journal_of_a_replaced_file_is_salvaged_and_kept(tmp_path):
    """The mailbox was replaced (restored from a backup, say) after the
    crash: the journal must not be replayed over it, nor dropped: its
    messages the file lacks are appended, and it is kept aside."""
    path = installed_journal(tmp_path)
    backup = str(tmp_path / 'restored')
    make_mbox(backup, ['r1', 'r2'])
    os.replace(backup, path)
    with pytest.warns(mailbox.MailboxWarning, match='salvage'):
        mailbox.mbox(path).close()
    assert ids_of(path) == ['r1', 'r2'] + AFTER
    names = sorted(os.listdir(str(tmp_path)))
    assert names[0] == 'box' and len(names) == 2
    assert names[1].startswith('box.journal.unapplied-')


def test_torn_journal_header_is_kept_aside(tmp_path):
    path = installed_journal(tmp_path)
    with open(path + '.journal', 'rb+') as f:
        f.write(b'\0' * 512)  # both header slots
    before = read(path)
    with pytest.warns(mailbox.MailboxWarning, match='no valid header'):
        box = mailbox.mbox(path)
    box.lock()
    box.unlock()
    box.close()
    assert read(path) == before
    names = sorted(os.listdir(str(tmp_path)))
    assert names[0] == 'box' and len(names) == 2
    assert names[1].startswith('box.journal.unapplied-')


def test_damaged_journal_payload_is_refused_and_kept(tmp_path):
    path = installed_journal(tmp_path)
    size = os.path.getsize(path + '.journal')
    with open(path + '.journal', 'rb+') as f:
        f.seek(size - 3)
        f.write(b'XYZ')
    before = read(path)
    with pytest.raises(mailbox.Error):
        box = mailbox.mbox(path)
        box.lock()
    assert read(path) == before
    assert os.path.exists(path + '.journal')


def test_truncated_journal_payload_is_refused_and_kept(tmp_path):
    path = installed_journal(tmp_path)
    with open(path + '.journal', 'rb+') as f:
        f.truncate(os.path.getsize(path + '.journal') - 10)
    before = read(path)
    with pytest.raises(mailbox.Error):
        box = mailbox.mbox(path)
        box.lock()
    assert read(path) == before
    assert os.path.exists(path + '.journal')
