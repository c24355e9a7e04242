"""Known stdlib losses, security of the helper files, corrupt input, API."""
import fcntl
import os
import stat
import subprocess
import sys
import time
import warnings

import pytest

import mailbox as std_mailbox
from helpers.procs import REPO, make_mbox, message, message_ids
from mboxlint import mailbox


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', mailbox.MailboxWarning)
        yield


def remove_first_and_flush(path):
    box = mailbox.mbox(path)
    box.lock()
    box.remove(min(box.keys()))
    box.flush()
    box.unlock()
    box.close()


# -- drop-in --------------------------------------------------------------

def test_every_stdlib_name_is_there():
    for name in std_mailbox.__all__:
        assert hasattr(mailbox, name)
    for name in ('Maildir', 'Message', 'mboxMessage', 'MMDFMessage',
                 'ExternalClashError', 'Mailbox', 'Error'):
        assert getattr(mailbox, name) is getattr(std_mailbox, name)
    for name in ('mbox', 'MMDF', 'Babyl', 'MH'):
        assert issubclass(getattr(mailbox, name), getattr(std_mailbox, name))
    assert issubclass(mailbox.MailboxWarning, UserWarning)
    assert mailbox._lock_file is std_mailbox._lock_file  # private names too


def test_import_pulls_in_nothing_but_the_stdlib():
    code = ('import sys; import mboxlint.mailbox; '
            'bad = [m for m in sys.modules if m.split(".")[0] in '
            '("libcst", "flake8") or (m.startswith("mboxlint") and m not in '
            '("mboxlint", "mboxlint.mailbox"))]; print(bad)')
    out = subprocess.run([sys.executable, '-c', code], env=dict(
        os.environ, PYTHONPATH=REPO), stdout=subprocess.PIPE,
        universal_newlines=True, timeout=30).stdout
    assert out.strip() == '[]'


def test_modifying_unlocked_warns_and_locked_does_not(tmp_path):
    path = str(tmp_path / 'inbox')
    box = mailbox.mbox(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        box.add(message('a'))
    assert [w.category for w in caught] == [mailbox.MailboxWarning]
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with box.locked():
            box.add(message('b'))
    box.close()
    assert message_ids(path) == ['<a>', '<b>']


def test_locked_flushes_and_unlocks_even_on_error(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1'])
    box = mailbox.mbox(path)
    with box.locked():
        box.remove(0)
        assert os.path.exists(path + '.lock')
    assert not os.path.exists(path + '.lock')
    assert message_ids(path) == ['<m1>']
    with pytest.raises(RuntimeError):
        with box.locked():
            raise RuntimeError
    assert not box._locked and not os.path.exists(path + '.lock')
    box.close()


# -- stdlib losses that must not happen --------------------------------------

def test_mode_and_owner_kept_gh117467(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1', 'm2'])
    os.chmod(path, 0o640)
    if os.geteuid() == 0:
        os.chown(path, 4321, 4322)
    remove_first_and_flush(path)
    st = os.stat(path)
    assert stat.S_IMODE(st.st_mode) == 0o640
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (4321, 4322)
    assert message_ids(path) == ['<m1>', '<m2>']


def test_inode_and_symlink_kept_gh53768(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1', 'm2'])
    os.symlink(path, str(tmp_path / 'symlink'))
    ino = os.stat(path).st_ino
    remove_first_and_flush(str(tmp_path / 'symlink'))
    box = mailbox.mbox(path)
    with box.locked():
        box.add(message('m3'))
    box.close()
    assert os.stat(path).st_ino == ino
    assert os.path.islink(str(tmp_path / 'symlink'))
    assert message_ids(path) == ['<m1>', '<m2>', '<m3>']


def test_mailbox_with_hard_links_is_not_rewritten(tmp_path):
    """Each name would get its own journal, so a crash would leave a torn
    file that opening it by the other name cannot repair (Postfix refuses
    such mailboxes too).  Appends and cutting the end still work."""
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1', 'm2'])
    os.link(path, str(tmp_path / 'hardlink'))
    with open(path, 'rb') as f:
        before = f.read()
    box = mailbox.mbox(path)
    box.lock()
    box.remove(0)
    with pytest.raises(mailbox.Error, match='hard links'):
        box.flush()
    box.unlock()
    box._file.close()  # close() would try the flush again
    with open(path, 'rb') as f:
        assert f.read() == before
    box = mailbox.mbox(path)
    with box.locked():
        box.add(message('m3'))
        box.remove(3)
        box.remove(2)  # only the end is cut: no journal needed
    box.close()
    assert message_ids(str(tmp_path / 'hardlink')) == ['<m0>', '<m1>']
    assert sorted(os.listdir(str(tmp_path))) == ['hardlink', 'inbox']


def test_no_rename_or_remove_of_the_mailbox_gh156699(tmp_path, monkeypatch):
    """The stdlib removes the mailbox when its second rename fails.  Here the
    mailbox itself is never renamed or removed, and a failing rename of the
    journal leaves the mailbox whole."""
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1', 'm2'])
    touched = []
    for name in ('rename', 'replace', 'remove', 'unlink'):
        real = getattr(os, name)

        def spy(*args, _real=real, **kw):
            touched.extend(os.fspath(a) for a in args)
            return _real(*args, **kw)
        monkeypatch.setattr(os, name, spy)
    remove_first_and_flush(path)
    assert path not in touched
    assert message_ids(path) == ['<m1>', '<m2>']

    def failing(*args, **kw):
        raise OSError('rename failed')
    monkeypatch.setattr(os, 'replace', failing)
    monkeypatch.setattr(os, 'rename', failing)
    with open(path, 'rb') as f:
        before = f.read()
    box = mailbox.mbox(path)
    with pytest.raises(OSError):
        with box.locked():
            box.remove(0)
    box._file.close()
    with open(path, 'rb') as f:
        assert f.read() == before
    assert sorted(os.listdir(tmp_path)) == ['inbox']


def test_mh_setitem_failure_keeps_old_message_gh156312(tmp_path):
    box = mailbox.MH(str(tmp_path / 'mh'))
    key = box.add('From: a\n\nold body\n')
    with pytest.raises(ValueError):
        box[key] = 'From: b\n\nnon-ASCII str: \u00fc\n'
    assert box.get_bytes(key) == b'From: a\n\nold body\n'
    box[key] = 'From: c\n\nnew\n'
    assert box.get_bytes(key) == b'From: c\n\nnew\n'
    assert isinstance(box.add_folder('sub'), mailbox.MH)
    assert isinstance(box.get_folder('sub'), mailbox.MH)


def test_remove_last_rewrites_nothing_else(tmp_path, monkeypatch):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m%d' % i for i in range(20)], body_lines=20)
    with open(path, 'rb') as f:
        before = f.read()
    steps = []
    monkeypatch.setattr(mailbox, '_test_hook', steps.append)
    box = mailbox.mbox(path)
    with box.locked():
        box.remove(max(box.keys()))
    box.close()
    with open(path, 'rb') as f:
        after = f.read()
    assert steps == []  # no journal: the file was only cut
    assert before.startswith(after) and len(after) < len(before)
    assert message_ids(path) == ['<m%d>' % i for i in range(19)]


def test_babyl_preamble_not_doubled(tmp_path):
    path = str(tmp_path / 'rmail')
    box = mailbox.Babyl(path)
    with box.locked():
        k = box.add('From: a\n\nbody\n')
    with box.locked():
        box.remove(k)
    with box.locked():
        box.add('From: b\n\nbody\n')
    box.close()
    with open(path, 'rb') as f:
        assert f.read().count(b'BABYL OPTIONS:') == 1
    box = mailbox.Babyl(path)
    assert [m['From'] for m in box] == ['b']
    box.close()


# -- security ---------------------------------------------------------------

def test_private_mailbox_gets_private_journal_and_lock(tmp_path, monkeypatch):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m%d' % i for i in range(5)])
    os.chmod(path, 0o600)
    old = os.umask(0)
    seen = {}

    def hook(step):
        for name in os.listdir(tmp_path):
            if name != 'inbox':
                seen[name] = stat.S_IMODE(os.lstat(str(tmp_path / name)).st_mode)
    monkeypatch.setattr(mailbox, '_test_hook', hook)
    try:
        remove_first_and_flush(path)
        with open(path + '.state', 'w'):
            pass
        os.chmod(path + '.state', 0o600)
        with mailbox.atomic_write(path + '.state'):
            hook('inside atomic_write')
    finally:
        os.umask(old)
    assert 'inbox.journal' in seen and 'inbox.lock' in seen
    assert any(n.endswith('.tmp') for n in seen)
    for name, mode in seen.items():
        if name != 'inbox.state':
            assert mode & 0o077 == 0, (name, oct(mode))
    assert stat.S_IMODE(os.stat(path + '.state').st_mode) == 0o600


def test_symlink_at_journal_is_not_followed(tmp_path):
    """A symlink at the journal's name is not a journal: it is reported and
    moved aside, never followed, and does not lock anyone out."""
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1', 'm2'])
    victim = tmp_path / 'victim'
    victim.write_bytes(b'precious')
    os.symlink(str(victim), path + '.journal')
    with pytest.warns(mailbox.MailboxWarning, match='symlink'):
        box = mailbox.mbox(path)  # opening looks for a journal
    assert box.last_recovery.action == 'untrusted'
    box.lock()
    box.remove(0)
    box.flush()
    box.unlock()
    box.close()
    assert victim.read_bytes() == b'precious'
    assert message_ids(path) == ['<m1>', '<m2>']
    aside = [n for n in os.listdir(str(tmp_path)) if '.untrusted-' in n]
    assert len(aside) == 1
    assert os.readlink(str(tmp_path / aside[0])) == str(victim)
    # A symlink at the name of the journal being built is removed, not used.
    os.symlink(str(victim), path + '.journal.next')
    remove_first_and_flush(path)
    assert victim.read_bytes() == b'precious'
    assert message_ids(path) == ['<m2>']


def test_symlink_at_lock_is_not_followed(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0'])
    victim = tmp_path / 'victim'
    victim.write_bytes(b'precious')
    os.symlink(str(victim), path + '.lock')
    box = mailbox.mbox(path)
    with pytest.raises(mailbox.ExternalClashError):
        box.lock()  # an unknown, recent lock is respected
    old = time.time() - mailbox.DOTLOCK_TIMEOUT - 10
    os.utime(path + '.lock', (old, old), follow_symlinks=False)
    box.lock()  # an unknown, old lock is broken
    box.unlock()
    box.close()
    assert victim.read_bytes() == b'precious'


# -- dot-locks ----------------------------------------------------------------

def test_dot_lock_names_owner_and_dead_owner_is_broken(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0'])
    box = mailbox.mbox(path)
    box.lock()
    with open(path + '.lock') as f:
        assert f.read().split() == [str(os.getpid()), mailbox._HOST]
    box.unlock()
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait(timeout=30)
    with open(path + '.lock', 'w') as f:
        f.write('%d %s\n' % (dead.pid, mailbox._HOST))
    box.lock()
    box.unlock()
    assert not os.path.exists(path + '.lock')
    with open(path + '.lock', 'w') as f:  # alive owner: respected
        f.write('%d %s\n' % (os.getppid(), mailbox._HOST))
    with pytest.raises(mailbox.ExternalClashError):
        box.lock()
    os.unlink(path + '.lock')
    with open(path + '.lock', 'w'):  # no owner (another program): by age
        pass
    with pytest.raises(mailbox.ExternalClashError):
        box.lock()
    old = time.time() - mailbox.DOTLOCK_TIMEOUT - 10
    os.utime(path + '.lock', (old, old))
    box.lock()
    box.unlock()
    box.close()


# -- corrupt input -------------------------------------------------------------

def test_truncated_file_keeps_partial_message(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1', 'm2'], body_lines=10)
    with open(path, 'rb+') as f:
        f.truncate(os.path.getsize(path) - 37)
    with open(path, 'rb') as f:
        cut = f.read().split(b'From sender', 3)[3]
    remove_first_and_flush(path)
    with open(path, 'rb') as f:
        # Kept whole; the rewrite ends it with the mbox separator line.
        assert f.read().endswith(cut + b'\n')
    assert message_ids(path) == ['<m1>', '<m2>']


def test_no_leading_from_line_is_kept(tmp_path):
    path = str(tmp_path / 'inbox')
    junk = b'this is not an mbox header\nstill junk\n\n'
    with open(path, 'wb') as f:
        f.write(junk + message('m0') + message('m1'))
    box = mailbox.mbox(path)
    assert len(box) == 2  # documented parse: leading bytes belong to nothing
    box.close()
    remove_first_and_flush(path)
    with open(path, 'rb') as f:
        assert f.read() == junk + message('m1')


def test_binary_junk_is_never_dropped(tmp_path):
    path = str(tmp_path / 'inbox')
    junk = bytes(range(256)).replace(b'F', b'') * 8
    with open(path, 'wb') as f:
        f.write(junk)
    box = mailbox.mbox(path)
    assert len(box) == 0
    with box.locked():
        k = box.add(message('m0'))
        box.add(message('m1'))
    with box.locked():
        box.remove(k)
    box.close()
    with open(path, 'rb') as f:
        data = f.read()
    assert data.startswith(junk) and b'<m1>' in data and b'<m0>' not in data


def test_mmdf_bytes_outside_messages_refuse_rewrite(tmp_path):
    path = str(tmp_path / 'mmdf')
    box = mailbox.MMDF(path)
    with box.locked():
        for i in range(3):
            box.add('From: m%d\n\nbody\n' % i)
    box.close()
    with open(path, 'rb') as f:
        data = f.read()
    sep = b'\x01\x01\x01\x01\n'
    first_end = data.index(sep, len(sep)) + len(sep)
    data = data[:first_end] + b'stray text\n' + data[first_end:]
    with open(path, 'wb') as f:
        f.write(data)
    box = mailbox.MMDF(path)
    box.lock()
    box.remove(0)
    with pytest.raises(mailbox.FormatError):
        box.flush()
    box.unlock()
    box._file.close()
    with open(path, 'rb') as f:
        assert f.read() == data


# -- copy_back and atomic_write ---------------------------------------------------

def test_copy_back_keeps_inode_mode_and_own_lock(tmp_path):
    dst = str(tmp_path / 'state')
    src = str(tmp_path / 'state.tmp')
    with open(dst, 'wb') as f:
        f.write(b'old contents, longer than the new ones')
    os.chmod(dst, 0o640)
    ino = os.stat(dst).st_ino
    with open(src, 'wb') as f:
        f.write(b'new contents')
    held = open(dst, 'rb+')
    fcntl.lockf(held, fcntl.LOCK_EX)
    mailbox.copy_back(src, dst)
    st = os.stat(dst)
    assert (st.st_ino, stat.S_IMODE(st.st_mode)) == (ino, 0o640)
    assert not os.path.exists(src) and not os.path.exists(dst + '.journal')
    # Our lock survived: another process still cannot take it.  (Checked
    # before this test opens and closes dst, which would drop it.)
    code = ('import fcntl,sys\nf=open(sys.argv[1],"rb+")\ntry:\n'
            '    fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB)\n'
            'except OSError:\n    print("locked")\n')
    probe = subprocess.run([sys.executable, '-c', code, dst],
                           stdout=subprocess.PIPE, universal_newlines=True,
                           timeout=30)
    assert probe.stdout.strip() == 'locked'
    held.seek(0)
    assert held.read() == b'new contents'
    held.close()


def test_copy_back_creates_missing_dst_with_src_mode(tmp_path):
    src = str(tmp_path / 'a')
    dst = str(tmp_path / 'b')
    with open(src, 'wb') as f:
        f.write(b'data')
    os.chmod(src, 0o604)
    mailbox.copy_back(src, dst)
    assert stat.S_IMODE(os.stat(dst).st_mode) == 0o604
    with open(dst, 'rb') as f:
        assert f.read() == b'data'
    assert os.listdir(tmp_path) == ['b']


def test_atomic_write_success_failure_and_new_file(tmp_path):
    target = tmp_path / 'cache.json'
    target.write_text('old')
    os.chmod(str(target), 0o640)
    with pytest.raises(KeyError):
        with mailbox.atomic_write(str(target)) as f:
            f.write('half')
            raise KeyError
    assert target.read_text() == 'old'
    assert os.listdir(tmp_path) == ['cache.json']
    with mailbox.atomic_write(str(target), encoding='utf-8') as f:
        f.write('new \u00e9')
    assert target.read_text(encoding='utf-8') == 'new \u00e9'
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    old = os.umask(0o027)
    try:
        with mailbox.atomic_write(str(tmp_path / 'fresh'), 'wb') as f:
            f.write(b'x')
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(str(tmp_path / 'fresh')).st_mode) == 0o640
    # As with os.replace, a symlink at the target is replaced, never
    # written through (it may point anywhere, planted by anyone).
    os.symlink('cache.json', str(tmp_path / 'link'))
    with mailbox.atomic_write(str(tmp_path / 'link')) as f:
        f.write('via link')
    assert not os.path.islink(str(tmp_path / 'link'))
    assert (tmp_path / 'link').read_text() == 'via link'
    assert target.read_text(encoding='utf-8') == 'new \u00e9'


@pytest.mark.parametrize("junk", [b"\x1f\x0c", b"\x1f", b"\x0c\n", b"\n\n"])
def test_babyl_of_separators_only_takes_an_added_message_whole(tmp_path, junk):
    # A bare "\x1f\x0c" used to become a separator line once a newline followed it, and
    # the added message then read back with its labels line as headers (no Subject).
    path = str(tmp_path / "box.babyl")
    with open(path, "wb") as handle:
        handle.write(junk)
    box = mailbox.Babyl(path)
    with box.locked():
        box.add("Subject: hello\n\nbody\n")
    box.close()
    for reader in (mailbox.Babyl(path), std_mailbox.Babyl(path)):
        assert [m["Subject"] for m in reader.values()] == ["hello"]
        assert reader.get_message(reader.keys()[0]).get_payload() == "body\n"
        reader.close()


def test_babyl_preamble_that_is_more_than_separators_is_kept(tmp_path):
    path = str(tmp_path / "box.babyl")
    preamble = b"BABYL OPTIONS:\nVersion: 5\nLabels: kept\n\x1f"
    with open(path, "wb") as handle:
        handle.write(preamble)
    box = mailbox.Babyl(path)
    with box.locked():
        box.add("Subject: hello\n\nbody\n")
    box.close()
    with open(path, "rb") as handle:
        assert handle.read().startswith(preamble)


def test_babyl_cut_separator_after_a_message_starts_the_added_one(tmp_path):
    path = str(tmp_path / "box.babyl")
    box = std_mailbox.Babyl(path)
    box.add("Subject: first\n\nbody 1\n")
    box.close()
    with open(path, "ab") as handle:
        handle.write(b"\x0c")  # the file now ends in "\x1f\x0c": a write cut after it
    box = mailbox.Babyl(path)
    with box.locked():
        box.add("Subject: second\n\nbody 2\n")
    box.close()
    for reader in (mailbox.Babyl(path), std_mailbox.Babyl(path)):
        assert [(m["Subject"], m.get_payload()) for m in reader.values()] == [
            ("first", "body 1\n"), ("second", "body 2\n")]
        reader.close()
