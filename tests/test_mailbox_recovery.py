"""Recovery that holds whoever comes next.

A flusher is SIGKILLed in the middle of a flush; then programs that know
nothing of the journal (an in-place expunge as mutt does it, the stdlib's
rename-flush, procmail) write the mailbox; then it is recovered.  No
delivered message may be lost; a journal that no longer fits the file is
never replayed over it nor deleted, but kept aside and salvaged.  Every test
here uses real processes; the ones that need procmail, lockfile or
dotlockfile skip, with the reason, where those are not installed.
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import warnings

import pytest

from helpers.procs import (Actor, env, make_mbox, message, message_ids,
                           run_actor, wait_blocked_on_lock)
from mboxlint import mailbox

# The crash-flush actor's mailbox, and what its flush does: remove m0 and
# m5, replace m10.
import test_mailbox_crash as crash_tests
from test_mailbox_crash import AFTER, CHUNK, IDS

# Fixtures shared with it: the original mailbox, and the steps of its flush.
original = crash_tests.original
steps = crash_tests.steps

BODY = 30
INTENDED_GONE = {'m0', 'm5'}


def need(binary, package):
    """The path of binary, or a skip that says what to install."""
    found = shutil.which(binary)
    if found is None:
        reason = ('%s is not installed (Debian package %s): this case is '
                  'not checked against the real program' % (binary, package))
        warnings.warn(reason)  # shows in the summary even without -rs
        pytest.skip(reason)
    return found


def crashed(directory, original, kill_at, name='inbox'):
    """A copy of original whose flusher was killed at kill_at."""
    path = os.path.join(str(directory), name)
    shutil.copy(original, path)
    proc = run_actor('crash-flush', path, kill_at, CHUNK)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    return path


def act(*args):
    actor = Actor(*args)
    actor.expect('done')
    actor.finish()


def deliver_with_procmail(path, msg_id, tmp_path):
    """procmail delivering msg_id to path with its kernel locks only (the
    dead flusher's dot-lock would hold up a locking recipe for 1024 s)."""
    procmail = need('procmail', 'procmail')
    rc = str(tmp_path / 'procmailrc')
    with open(rc, 'w') as f:
        f.write(':0\n%s\n' % path)
    proc = subprocess.run([procmail, '-m', rc], input=message(msg_id),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=30)
    assert proc.returncode == 0, proc.stderr


def intact_copies(path, msg_id, body_lines=BODY):
    """How many times msg_id's message lies whole in the file."""
    with open(path, 'rb') as f:
        data = f.read()
    whole = message(msg_id, body_lines)[:-1]  # without the separating line
    return data.count(whole)


def check_nothing_lost(path, gone_on_purpose=(), delivered=()):
    """Every message that nobody meant to remove is there, whole; returns
    the number of extra copies (duplicates are allowed, losses are not)."""
    extra = 0
    for msg_id in IDS:
        if msg_id in gone_on_purpose or msg_id in INTENDED_GONE:
            continue
        if msg_id == 'm10':
            n = (intact_copies(path, 'm10')
                 + intact_copies(path, 'replaced-10', 40))
        else:
            n = intact_copies(path, msg_id)
        assert n >= 1, '%s was lost' % msg_id
        extra += n - 1
    for msg_id in delivered:
        n = intact_copies(path, msg_id, 1)
        assert n >= 1, 'delivered %s was lost' % msg_id
        extra += n - 1
    return extra


def open_and_recover(path):
    """Open with mboxlint.mailbox (which recovers) and return the
    warnings it gave."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always', mailbox.MailboxWarning)
        box = mailbox.mbox(path)
        box.lock()
        box.unlock()
        box.close()
    return [str(w.message) for w in seen]


def kept_aside(path):
    d, name = os.path.split(path)
    return [n for n in os.listdir(d)
            if n.startswith(name + '.journal.unapplied-')]


def torn_point(steps):
    """A kill point in the middle of the copy-back: the file is torn."""
    assert steps.count('copy-chunk') >= 4
    return 'copy-chunk:%d' % (steps.count('copy-chunk') // 2)


# -- 1: a stale journal is never replayed over later changes ------------------

@pytest.mark.parametrize('deliverer', ['lockf', 'procmail'])
def test_expunge_and_delivery_after_crash_are_not_undone(
        original, steps, tmp_path, deliverer):
    path = crashed(tmp_path, original, torn_point(steps))
    act('expunge-in-place', path, 'm30')
    if deliverer == 'procmail':
        deliver_with_procmail(path, 'late', tmp_path)
    else:
        act('deliver-many', path, 'late', 1)
    said = open_and_recover(path)
    assert any('salvage' in w for w in said), said
    delivered = ['late'] if deliverer == 'procmail' else ['late-0']
    check_nothing_lost(path, gone_on_purpose={'m30'}, delivered=delivered)
    assert len(kept_aside(path)) == 1
    assert not os.path.exists(path + '.journal')


def expunge_with_mutt(path, subject, tmp_path):
    """Real mutt, on a pseudo-terminal (script), deleting the messages whose
    subject contains subject and syncing the mailbox in place."""
    mutt = need('mutt', 'mutt')
    script = need('script', 'bsdutils')
    rc = tmp_path / 'muttrc'
    rc.write_text('set mbox_type=mbox\nset delete=yes\nset move=no\n'
                  'set mark_old=no\nset quit=yes\n')
    commands = tmp_path / 'mutt-commands'
    commands.write_text("push '<delete-pattern>~s %s<enter>"
                        "<sync-mailbox><exit>'\n" % subject)
    line = "%s -n -F %s -f %s -e 'source %s'" % (mutt, rc, path, commands)
    proc = subprocess.run([script, '-qec', line, '/dev/null'],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=dict(os.environ, TERM='xterm'), timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_real_mutt_expunge_after_crash_is_not_undone(original, steps,
                                                     tmp_path):
    path = crashed(tmp_path, original, torn_point(steps))
    # Past the point where the copy stopped: whole, where it always was.
    assert intact_copies(path, 'm50') == 1
    # mutt asks whether to remove the dead flusher's lock; a user says yes.
    os.unlink(path + '.lock')
    # mutt on a pseudo-terminal may end before it reads the pushed keys when the
    # machine is busy; the user runs it again. Three tries that all leave the
    # message are a mailbox mutt cannot change: the test fails.
    for _attempt in range(3):
        expunge_with_mutt(path, 'm50', tmp_path)
        if intact_copies(path, 'm50') == 0:
            break
    assert intact_copies(path, 'm50') == 0  # mutt deleted it, in place
    deliver_with_procmail(path, 'late', tmp_path)
    said = open_and_recover(path)
    assert any('salvage' in w for w in said), said
    check_nothing_lost(path, gone_on_purpose={'m50'}, delivered=['late'])
    assert len(kept_aside(path)) == 1


def test_journal_is_found_through_a_symlink_and_the_real_name(
        original, steps, tmp_path):
    real = str(tmp_path / 'spool' / 'alice')
    os.mkdir(str(tmp_path / 'spool'))
    shutil.copy(original, real)
    link = str(tmp_path / 'inbox')
    os.symlink(real, link)
    proc = run_actor('crash-flush', link, torn_point(steps), CHUNK)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    # One journal, named after the file, whatever name the flusher used.
    assert os.path.exists(real + '.journal')
    assert not os.path.exists(link + '.journal')
    assert open_and_recover(real) == []
    assert message_ids(real) == AFTER
    assert not os.path.exists(real + '.journal')


# -- 2: a journal is never deleted without being applied ----------------------

def test_rename_writer_after_crash_keeps_the_journal(
        original, steps, tmp_path):
    path = crashed(tmp_path, original, torn_point(steps))
    ino = os.stat(path).st_ino
    act('std-remove', path, 'm20')
    assert os.stat(path).st_ino != ino  # the stdlib renamed a new file in
    said = open_and_recover(path)
    assert any('inode' in w for w in said), said
    check_nothing_lost(path, gone_on_purpose={'m20'})
    assert len(kept_aside(path)) == 1


def test_device_number_change_alone_still_replays(original, steps,
                                                  tmp_path):
    """After a reboot the same disk may get another device number: the
    file's content, not its device, decides."""
    path = crashed(tmp_path, original, torn_point(steps))
    jfd = os.open(path + '.journal', os.O_RDWR)
    try:
        hdr = mailbox._read_header(jfd)
        hdr['dev'] += 1
        for seq in (hdr['seq'], hdr['seq'] + 1):
            os.pwrite(jfd, mailbox._pack_header(seq, hdr['state'], hdr),
                      (seq % 2) * mailbox._SLOT)
    finally:
        os.close(jfd)
    assert open_and_recover(path) == []
    assert message_ids(path) == AFTER
    assert not os.path.exists(path + '.journal') and not kept_aside(path)


# -- 3: the file shrank after the crash ---------------------------------------

def test_file_shrunk_after_crash_is_salvaged_without_error(
        original, steps, tmp_path):
    path = crashed(tmp_path, original, 'marked-copied:1')
    removed = ['m%d' % i for i in range(20, 40)]
    act('expunge-in-place', path, *removed)
    said = open_and_recover(path)  # no struct.error, no traceback
    assert said
    check_nothing_lost(path, gone_on_purpose=set(removed))
    assert len(kept_aside(path)) == 1


# -- 4: other programs are not held up by a dead flusher ----------------------

def run_cli(*args):
    return subprocess.run([sys.executable, '-m', 'mboxlint.mailbox']
                          + [str(a) for a in args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          env=env(), timeout=60)


def test_recover_command_finishes_and_frees_the_lock_for_others(
        original, steps, tmp_path):
    path = crashed(tmp_path, original, torn_point(steps))
    assert os.path.exists(path + '.lock')  # the dead flusher's
    status = run_cli('status', path)
    assert status.returncode == 1, status.stderr
    assert 'replay' in status.stdout and 'stale' in status.stdout
    done = run_cli('recover', path)
    assert done.returncode == 0, done.stderr
    assert 'replay' in done.stdout
    assert message_ids(path) == AFTER
    assert sorted(os.listdir(str(tmp_path))) == ['inbox']
    status = run_cli('status', path)
    assert status.returncode == 0 and 'journal: none' in status.stdout


def test_procmail_and_dotlockfile_get_the_lock_after_recover(
        original, steps, tmp_path):
    lockfile = need('lockfile', 'procmail')
    dotlockfile = need('dotlockfile', 'liblockfile-bin')
    path = crashed(tmp_path, original, torn_point(steps))
    # Until someone recovers, procmail's lockfile sees a lock it must not
    # break for LOCKTIMEOUT seconds.
    assert subprocess.run([lockfile, '-r0', path + '.lock'],
                          timeout=30).returncode != 0
    assert run_cli('recover', path).returncode == 0
    assert subprocess.run([lockfile, '-r0', path + '.lock'],
                          timeout=30).returncode == 0
    os.unlink(path + '.lock')
    assert subprocess.run([dotlockfile, '-r', '0', path + '.lock'],
                          timeout=30).returncode == 0
    assert subprocess.run([dotlockfile, '-u', path + '.lock'],
                          timeout=30).returncode == 0


def test_recover_command_reports_bad_input_without_traceback(tmp_path):
    missing = run_cli('recover', tmp_path / 'nope')
    assert missing.returncode == 3
    assert 'no such mailbox' in missing.stderr
    assert 'Traceback' not in missing.stderr
    usage = run_cli('repair', tmp_path / 'nope')
    assert usage.returncode == 2 and 'Traceback' not in usage.stderr


# -- 5, 6: nothing is written through a symlink; copy_back is os.rename -------

def in_child(code, *args):
    proc = subprocess.run([sys.executable, '-c', code]
                          + [str(a) for a in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=env(), timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


ATOMIC = ('import sys\nfrom mboxlint import mailbox\n'
          'with mailbox.atomic_write(sys.argv[1]) as f:\n'
          '    f.write("attacker-chosen")\n')
COPY_BACK = ('import sys\nfrom mboxlint import mailbox\n'
             'mailbox.copy_back(sys.argv[1], sys.argv[2])\n')


def test_planted_symlink_at_the_target_is_replaced_not_followed(tmp_path):
    private = tmp_path / 'private'
    private.mkdir(mode=0o700)
    victim = private / 'shadow'
    victim.write_text('secret')
    shared = tmp_path / 'shared'
    shared.mkdir()
    os.symlink(str(victim), str(shared / 'cache'))
    in_child(ATOMIC, shared / 'cache')
    assert victim.read_text() == 'secret'
    assert not os.path.islink(str(shared / 'cache'))
    assert (shared / 'cache').read_text() == 'attacker-chosen'
    os.symlink(str(victim), str(shared / 'state'))
    (shared / 'state.new').write_text('new state')
    in_child(COPY_BACK, shared / 'state.new', shared / 'state')
    assert victim.read_text() == 'secret'
    assert not os.path.islink(str(shared / 'state'))
    assert (shared / 'state').read_text() == 'new state'


def test_copy_back_keeps_data_where_os_rename_keeps_it(tmp_path):
    for how in ('rename', 'copy_back'):
        d = tmp_path / how
        d.mkdir()
        (d / 'f').write_text('f data')
        (d / 'h').write_text('h data')
        os.symlink('h', str(d / 's'))
        if how == 'rename':
            os.rename(str(d / 'f'), str(d / 'f'))
            os.rename(str(d / 'h'), str(d / 's'))
        else:
            in_child(COPY_BACK, d / 'f', d / 'f')
            in_child(COPY_BACK, d / 'h', d / 's')
    for d in ('rename', 'copy_back'):
        d = tmp_path / d
        assert (d / 'f').read_text() == 'f data'
        assert not os.path.lexists(str(d / 'h'))
        assert not os.path.islink(str(d / 's'))
        assert (d / 's').read_text() == 'h data'
        assert sorted(os.listdir(str(d))) == ['f', 's']


# -- 7: one process, two mailbox objects --------------------------------------

def test_failing_second_lock_keeps_the_first_objects_lock(tmp_path):
    if not mailbox._USE_OFD:
        pytest.skip('no open-file-description locks on this platform')
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1'])
    holder = Actor('two-objects', path)
    holder.expect('second refused')
    deliverer = Actor('deliver', path, 'late')
    deliverer.expect('ready')
    wait_blocked_on_lock(deliverer.pid)  # the first object's lock holds
    holder.send('go')
    holder.expect('done')
    holder.finish()
    deliverer.expect('delivered')
    deliverer.finish()
    assert message_ids(path) == ['<m0>', '<m1>', '<late>']


# -- 8: a full disk stops the flush before the mailbox is touched -------------

def test_no_space_for_the_journal_leaves_the_mailbox_as_it_was(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, IDS, body_lines=5)
    box_size = os.path.getsize(path)
    # The replacement is appended first (as the stdlib does); the flush
    # then needs a journal about as large as the file, which the limit
    # (standing in for a full disk) does not allow.
    limit = box_size + len(message('grown', 400)) + 200
    actor = Actor('flush-limited', path, limit)
    line = actor.expect('error')
    actor.finish()
    assert 'another process' not in line
    assert 'too large' in line.lower() or 'space' in line.lower(), line
    with open(path, 'rb') as f:
        data = f.read()
    assert data.startswith(open_original_bytes(IDS, 5))
    assert sorted(os.listdir(str(tmp_path))) == ['inbox']
    assert message_ids(path)[:len(IDS)] == ['<%s>' % i for i in IDS]


def open_original_bytes(ids, body_lines):
    return b''.join(message(i, body_lines) for i in ids)


def failing_copy_back(monkeypatch, tmp_path, times):
    """A 20-message mailbox whose copy-backs fail with EIO after the first
    chunk, the first `times` times; returns its path and the list of
    failures so far."""
    path = str(tmp_path / 'inbox')
    make_mbox(path, IDS[:20], body_lines=BODY)
    monkeypatch.setattr(mailbox, '_CHUNK', 1024)
    real_copy = mailbox._copy
    failures = []

    def failing(src, src_off, dst, dst_off, length, step, *a, **kw):
        if step == 'copy-chunk' and len(failures) < times:
            failures.append(step)
            real_copy(src, src_off, dst, dst_off, 1024, step, *a, **kw)
            raise OSError(5, 'Input/output error')
        return real_copy(src, src_off, dst, dst_off, length, step, *a, **kw)
    monkeypatch.setattr(mailbox, '_copy', failing)
    return path, failures


def test_write_error_mid_copy_is_finished_from_the_journal(tmp_path,
                                                           monkeypatch):
    path, failures = failing_copy_back(monkeypatch, tmp_path, times=1)
    box = mailbox.mbox(path)
    with box.locked():
        box.remove(0)
    box.close()
    assert len(failures) == 1  # it failed, and the flush still completed
    assert message_ids(path) == ['<m%d>' % i for i in range(1, 20)]
    assert sorted(os.listdir(str(tmp_path))) == ['inbox']


def test_lasting_write_error_is_not_blamed_on_another_process(tmp_path,
                                                              monkeypatch):
    real_copy = mailbox._copy
    path, _ = failing_copy_back(monkeypatch, tmp_path, times=10 ** 6)
    box = mailbox.mbox(path)
    box.lock()
    box.remove(0)
    with pytest.raises(mailbox.Error) as raised:
        box.flush()
    assert 'partly rewritten' in str(raised.value)
    assert 'another process' not in str(raised.value)
    box.unlock()
    monkeypatch.setattr(mailbox, '_copy', real_copy)
    # The disk is fine again: another process's open finishes the flush.
    assert run_cli('recover', path).returncode == 0
    assert message_ids(path) == ['<m%d>' % i for i in range(1, 20)]
    with pytest.raises(mailbox.Error) as raised:
        box.lock()
    assert 'failed while writing' in str(raised.value)
    assert 'another process' not in str(raised.value)
    box._file.close()


# -- 9: other users' files do not lock the owner out --------------------------

@pytest.fixture
def spool():
    """A world-writable directory other users can reach (the test's own
    temp directories are private to root)."""
    if os.geteuid() != 0:
        pytest.skip('needs root to create files of other users')
    import tempfile
    d = tempfile.mkdtemp(prefix='mbx-spool-')
    os.chmod(d, 0o777)
    try:
        yield d
    finally:
        shutil.rmtree(d)


def test_other_users_journal_and_lock_are_reported_not_trusted(spool):
    path = os.path.join(spool, 'inbox')
    make_mbox(path, ['m0', 'm1', 'm2'])
    os.chown(path, 4321, 4321)
    for name, data in (('.journal', b'MBXJRNL2 planted'),
                       ('.journal.next', b'planted'),
                       ('.lock', b'1 %s\n' % mailbox._HOST.encode())):
        with open(path + name, 'wb') as f:
            f.write(data)
        os.chown(path + name, 5555, 5555)
    # Everything imported first: the interpreter's own files may not be
    # readable by that user.
    code = ('import os, sys, warnings\n'
            'from mboxlint import mailbox\n'
            'os.setgid(4321); os.setuid(4321)\n'
            'warnings.simplefilter("always")\n'
            'box = mailbox.mbox(sys.argv[1])\n'
            'with box.locked():\n'
            '    box.remove(0)\n'
            'box.close()\n')
    assert 'uid 5555' in in_child(code, path).stderr  # reported
    assert message_ids(path) == ['<m1>', '<m2>']


def test_root_killed_mid_flush_leaves_files_the_owner_can_recover(
        original, steps, spool):
    path = os.path.join(spool, 'inbox')
    shutil.copy(original, path)
    os.chown(path, 4321, 4321)
    os.chmod(path, 0o600)
    proc = run_actor('crash-flush', path, torn_point(steps), CHUNK)
    assert proc.returncode == -signal.SIGKILL
    for name in ('.journal', '.lock'):
        assert os.stat(path + name).st_uid == 4321
    code = ('import os, sys\n'
            'from mboxlint import mailbox\n'
            'os.setgid(4321); os.setuid(4321)\n'
            'box = mailbox.mbox(sys.argv[1])\n'
            'box.lock()\n'
            'print(box.last_recovery)\n'
            'box.unlock()\n'
            'box.close()\n')
    assert 'replay' in in_child(code, path).stdout
    assert message_ids(path) == AFTER
    assert sorted(os.listdir(spool)) == ['inbox']


def test_directory_at_the_lock_name_does_not_lock_anyone_out(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1'])
    os.mkdir(path + '.lock')
    box = mailbox.mbox(path)
    with pytest.warns(mailbox.MailboxWarning, match='directory'):
        box.lock()
    box.remove(0)
    box.flush()
    box.unlock()
    box.close()
    act('deliver-many', path, 'late', 1)
    assert message_ids(path) == ['<m1>', '<late-0>']
    assert os.path.isdir(path + '.lock')


# -- 10: lock() after a delivery reads what was appended ----------------------

def bytes_read():
    with open('/proc/self/io') as f:
        for line in f:
            if line.startswith('rchar:'):
                return int(line.split()[1])
    raise AssertionError('no rchar')


@pytest.mark.skipif(not os.path.exists('/proc/self/io'),
                    reason='needs /proc/self/io to count bytes read')
def test_lock_after_delivery_reads_only_the_appended_part(tmp_path):
    read = {}
    for n in (400, 800):
        path = str(tmp_path / ('inbox%d' % n))
        make_mbox(path, ['m%d' % i for i in range(n)], body_lines=40)
        box = mailbox.mbox(path)
        box.lock()
        keys = sorted(box.keys())
        box.unlock()
        act('deliver-many', path, 'late', 1)
        before = bytes_read()
        box.lock()
        read[n] = bytes_read() - before
        assert sorted(box.keys())[:-1] == keys
        assert box.get_message(max(box.keys()))['Message-ID'] == '<late-0>'
        box.unlock()
        box.close()
    size = os.path.getsize(path)
    # The whole file would be two full reads; the part known is not read
    # again, so doubling the file does not double the reading.
    assert read[800] < size / 20, read
    assert read[800] < 2 * read[400] + 4096, read


# -- 11: dot-locks: by age, whoever they name; refreshed while held -----------

def test_old_dot_lock_naming_a_live_process_is_broken(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0'])
    sleeper = subprocess.Popen([sys.executable, '-c',
                                'import time; time.sleep(60)'])
    try:
        with open(path + '.lock', 'w') as f:
            f.write('%d %s\n' % (sleeper.pid, mailbox._HOST))
        box = mailbox.mbox(path)
        with pytest.raises(mailbox.ExternalClashError, match='held'):
            box.lock()  # fresh: respected
        old = time.time() - mailbox.DOTLOCK_TIMEOUT - 10
        os.utime(path + '.lock', (old, old))
        box.lock()  # old: PIDs are reused, so it is broken
        box.unlock()
        box.close()
        assert sleeper.poll() is None  # it really was alive
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not os.path.exists(path + '.lock')


def test_own_dot_lock_is_refreshed_during_a_long_flush(tmp_path):
    lockfile = need('lockfile', 'procmail')
    path = str(tmp_path / 'inbox')
    make_mbox(path, IDS, body_lines=5)
    flusher = Actor('slow-flush', path, 0.2, 6)
    flusher.expect('locked')
    # procmail's lockfile, told to break locks older than 2 seconds, waits
    # for the whole 6-second flush without breaking the lock: the holder
    # keeps it young.
    waiter = subprocess.Popen([lockfile, '-l', '2', '-s', '1',
                               path + '.lock'], stderr=subprocess.PIPE,
                              universal_newlines=True)
    times = set()
    started = time.monotonic()
    while waiter.poll() is None and time.monotonic() - started < 60:
        try:
            times.add(os.stat(path + '.lock').st_mtime_ns)
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    _, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0
    assert 'Forcing' not in err, err
    flusher.expect('done', timeout=60)
    flusher.finish()
    assert time.monotonic() - started > 4  # it did have to wait
    assert len(times) >= 3  # refreshed several times
    assert len(message_ids(path)) == len(IDS) - 2
    os.unlink(path + '.lock')  # lockfile's


# -- 12: keys survive other programs' changes elsewhere -----------------------

def test_flag_change_early_in_the_file_keeps_later_keys(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1', 'm2', 'm3'])
    box = mailbox.mbox(path)
    keys = sorted(box.keys())
    act('flag-first', path)
    box.lock()
    with pytest.raises(mailbox.ExternalClashError):
        box.remove(keys[0])  # changed: not the message the key named
    box.remove(keys[2])
    box.flush()
    box.unlock()
    box.close()
    assert message_ids(path) == ['<m0>', '<m1>', '<m3>']


def test_swap_with_mtime_restored_removes_the_right_message(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1', 'm2', 'm3'])
    box = mailbox.mbox(path)
    keys = sorted(box.keys())
    act('swap-keep-mtime', path, 1, 2)
    assert message_ids(path) == ['<m0>', '<m2>', '<m1>', '<m3>']
    box.lock()
    box.remove(keys[1])  # m1, wherever it is now
    box.flush()
    box.unlock()
    box.close()
    assert message_ids(path) == ['<m0>', '<m2>', '<m3>']


# -- the stress test ----------------------------------------------------------

FOREIGN = ('expunge', 'std-rename', 'deliver', 'expunge+deliver',
           'procmail')


def stress(original, steps, tmp_path, rounds, seed):
    rng = random.Random(seed)
    have_procmail = shutil.which('procmail') is not None
    duplicates = salvaged = 0
    for n in range(rounds):
        d = tmp_path / str(n)
        d.mkdir()
        # Mostly while a journal is installed: before that, a crash leaves
        # nothing to recover.
        installed = steps.index('journal-installed') + 1
        kill_at = rng.randint(1 if rng.random() < 0.2 else installed + 1,
                              steps.index('done'))
        path = crashed(d, original, kill_at)
        foreign = rng.choice(FOREIGN if have_procmail else FOREIGN[:-1])
        gone, delivered = set(), []
        victim = rng.choice([i for i in IDS if i not in INTENDED_GONE
                             and i != 'm10'])
        if 'expunge' in foreign:
            act('expunge-in-place', path, victim)
            gone.add(victim)
        if foreign == 'std-rename':
            act('std-remove', path, victim)
            gone.add(victim)
        if 'deliver' in foreign:
            act('deliver-many', path, 'late%d' % n, 2)
            delivered += ['late%d-0' % n, 'late%d-1' % n]
        if foreign == 'procmail':
            deliver_with_procmail(path, 'proc%d' % n, d)
            delivered.append('proc%d' % n)
        done = run_cli('recover', path)
        assert done.returncode in (0, 1), done.stdout + done.stderr
        if os.environ.get('MBX_STRESS_VERBOSE'):
            sys.stdout.write('%s %s %s\n' % (kill_at, foreign,
                                             done.stdout.strip()[-160:]))
        assert 'Traceback' not in done.stderr
        salvaged += bool(kept_aside(path))
        duplicates += check_nothing_lost(path, gone, delivered)
        assert not os.path.exists(path + '.journal')
        shutil.rmtree(str(d))
    # Reported, not asserted: a duplicate is the price of never losing one.
    sys.stdout.write('\n%d rounds: %d salvaged, %d duplicate message(s)\n'
                     % (rounds, salvaged, duplicates))
    return duplicates


def test_crash_then_foreign_writer_then_recover_loses_nothing(
        original, steps, tmp_path):
    stress(original, steps, tmp_path, rounds=10, seed=15)


@pytest.mark.slow
def test_crash_then_foreign_writer_then_recover_loses_nothing_long(
        original, steps, tmp_path):
    stress(original, steps, tmp_path, rounds=40, seed=int(time.time()))


# -- salvage in every single-file format --------------------------------------

@pytest.mark.parametrize('cls', [mailbox.mbox, mailbox.MMDF, mailbox.Babyl])
def test_salvage_appends_the_missing_messages_in_every_format(tmp_path, cls):
    from helpers.mailbox_model import (crash_during_flush, expected_identity,
                                       identity, message_text)
    ids = ['j%d' % i for i in range(12)]

    def make(path):
        box = cls(path)
        with box.locked():
            for msg_id in ids:
                box.add(message_text(msg_id))
        box.close()

    def flush_killed_at(path, kill_at):
        child = crash_during_flush(cls, path, ['j0'], ('j3', 'j3b'), None,
                                   kill_at, 64)
        child.wait()
        return child.output.decode().split()

    probe = str(tmp_path / 'probe')
    make(probe)
    steps = flush_killed_at(probe, 10 ** 6)
    path = str(tmp_path / 'box')
    make(path)
    flush_killed_at(path, steps.index('copy-chunk') + 3)
    assert os.path.exists(path + '.journal')
    # Another program dropped the second half of the messages after the
    # crash (cutting where a message starts, as a mail program would).
    marker, keep = {mailbox.mbox: (b'\nFrom ', 1),
                    mailbox.MMDF: (b'\x01\x01\x01\x01\n' * 2, 5),
                    mailbox.Babyl: (b'\x1f\x0c', 1)}[cls]
    with open(path, 'rb+') as f:
        data = f.read()
        f.truncate(data.index(marker, len(data) // 2) + keep)
    with pytest.warns(mailbox.MailboxWarning, match='salvage'):
        box = cls(path)
    report = box.last_recovery
    box.close()
    assert report.action == 'salvage' and report.appended > 0
    std = {mailbox.mbox: 'mbox', mailbox.MMDF: 'MMDF',
           mailbox.Babyl: 'Babyl'}[cls]
    import mailbox as std_mailbox
    readback = getattr(std_mailbox, std)(path, create=False)
    found = [identity(readback.get_message(k)) for k in readback.keys()]
    readback.close()
    for msg_id in ids[1:]:
        # j3 was being replaced: either version will do.
        versions = ['j3b', 'j3'] if msg_id == 'j3' else [msg_id]
        assert any(expected_identity(v) in found for v in versions), msg_id


# -- 13: flock() is not fcntl() -----------------------------------------------

FLOCK_DELIVERY = ('import fcntl, sys\n'
                  'with open(sys.argv[1], "ab") as f:\n'
                  '    fcntl.flock(f, fcntl.LOCK_EX)\n'
                  '    f.write(sys.argv[2].encode())\n')


def test_deliverer_taking_only_flock_is_not_excluded(tmp_path):
    """What docs/mailbox.md warns about: on Linux flock() and fcntl locks
    do not conflict, so a deliverer that takes only flock() writes while
    the mailbox is locked."""
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0'])
    box = mailbox.mbox(path)
    box.lock()
    in_child(FLOCK_DELIVERY, path, message('flocked').decode())
    box.unlock()
    box.close()
    assert message_ids(path) == ['<m0>', '<flocked>']


def test_journal_header_promising_more_than_it_holds_is_not_believed(
        original, steps, tmp_path):
    """A header (valid CRC) claiming a huge rewrite must not make recovery
    build tables for it: cost stays linear in the journal's size."""
    path = crashed(tmp_path, original, torn_point(steps))
    jfd = os.open(path + '.journal', os.O_RDWR)
    try:
        hdr = mailbox._read_header(jfd)
        hdr['old_size'] = 1 << 50
        hdr['block'] = 1
        for seq in (hdr['seq'] + 1, hdr['seq'] + 2):
            os.pwrite(jfd, mailbox._pack_header(seq, hdr['state'], hdr),
                      (seq % 2) * mailbox._SLOT)
    finally:
        os.close(jfd)
    with open(path, 'rb') as f:
        before = f.read()
    started = time.monotonic()
    with pytest.raises(mailbox.Error, match='describes more than it holds'):
        mailbox.mbox(path)
    assert time.monotonic() - started < 10
    with open(path, 'rb') as f:
        assert f.read() == before
    assert os.path.exists(path + '.journal')  # left for a person


def test_recover_over_a_spool_glob_skips_locks_and_journals(
        original, steps, tmp_path):
    path = crashed(tmp_path, original, torn_point(steps))
    names = sorted(os.listdir(str(tmp_path)))
    assert names == ['inbox', 'inbox.journal', 'inbox.lock']
    done = run_cli('recover', *[tmp_path / n for n in names])
    assert done.returncode == 0, done.stderr
    assert done.stderr.count('skipped') == 2
    assert message_ids(path) == AFTER
    assert sorted(os.listdir(str(tmp_path))) == ['inbox']
