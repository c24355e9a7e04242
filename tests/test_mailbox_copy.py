"""How a flush moves bytes: kernel copies, their fallbacks, and layouts that
must come out byte for byte as the stdlib writes them."""
import errno
import os
import shutil
import warnings

import pytest

import mailbox as std_mailbox
from helpers.procs import make_mbox, message, message_ids
from mboxlint import mailbox

IDS = ['m%d' % i for i in range(40)]


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', mailbox.MailboxWarning)
        yield


@pytest.fixture
def small_chunks(monkeypatch):
    # Many chunks per copy, so a fallback taken mid-copy is exercised.
    monkeypatch.setattr(mailbox, '_CHUNK', 1024)


def edit(module, path, cls='mbox'):
    """The same changes through either module; returns the file's bytes."""
    box = getattr(module, cls)(path)
    box.lock()
    keys = sorted(box.keys())
    box.remove(keys[0])
    box.remove(keys[7])
    box[keys[3]] = message('replaced-3', body_lines=12)
    box.add(message('added', body_lines=3))
    box.flush()
    keys = sorted(box.keys())
    box.remove(keys[-2])
    box.remove(keys[1])
    box.flush()
    box.unlock()
    box.close()
    with open(path, 'rb') as f:
        return f.read()


def expected_bytes(tmp_path, original, cls='mbox'):
    path = str(tmp_path / 'stdlib-copy')
    shutil.copy(original, path)
    return edit(std_mailbox, path, cls)


def make_box(tmp_path, cls='mbox'):
    path = str(tmp_path / 'inbox')
    if cls == 'mbox':
        make_mbox(path, IDS, body_lines=8)
    else:
        box = getattr(std_mailbox, cls)(path)
        for i in IDS:
            box.add(message(i, body_lines=8))
        box.close()
    return path


def recorder(calls, name, real):
    def wrapper(*args):
        calls.append(name)
        return real(*args)
    return wrapper


def failing(calls, name, code):
    def wrapper(*args):
        calls.append(name)
        raise OSError(code, os.strerror(code))
    return wrapper


@pytest.mark.parametrize('cls', ['mbox', 'MMDF'])
def test_layout_matches_the_stdlib_over_several_flushes(tmp_path, cls):
    path = make_box(tmp_path, cls)
    want = expected_bytes(tmp_path, path, cls)
    assert edit(mailbox, path, cls) == want


@pytest.mark.skipif(not hasattr(os, 'copy_file_range'),
                    reason='copy_file_range is Linux-only')
def test_kernel_copy_is_used_when_available(tmp_path, monkeypatch):
    path = make_box(tmp_path)
    want = expected_bytes(tmp_path, path)
    calls = []
    monkeypatch.setattr(os, 'copy_file_range', recorder(
        calls, 'copy_file_range', os.copy_file_range))
    assert edit(mailbox, path) == want
    assert 'copy_file_range' in calls


@pytest.mark.parametrize('code', [errno.EXDEV, errno.ENOSYS, errno.EINVAL])
def test_falls_back_to_sendfile(tmp_path, monkeypatch, small_chunks, code):
    path = make_box(tmp_path)
    want = expected_bytes(tmp_path, path)
    calls = []
    monkeypatch.setattr(os, 'copy_file_range',
                        failing(calls, 'copy_file_range', code),
                        raising=False)
    monkeypatch.setattr(os, 'sendfile',
                        recorder(calls, 'sendfile', os.sendfile))
    assert edit(mailbox, path) == want
    assert 'copy_file_range' in calls and 'sendfile' in calls
    assert sorted(os.listdir(str(tmp_path))) == ['inbox', 'stdlib-copy']


def test_falls_back_to_reading_and_writing(tmp_path, monkeypatch,
                                           small_chunks):
    path = make_box(tmp_path)
    want = expected_bytes(tmp_path, path)
    calls = []
    monkeypatch.setattr(os, 'copy_file_range',
                        failing(calls, 'copy_file_range', errno.EXDEV),
                        raising=False)
    monkeypatch.setattr(os, 'sendfile',
                        failing(calls, 'sendfile', errno.EINVAL))
    monkeypatch.setattr(os, 'pwrite', recorder(calls, 'pwrite', os.pwrite))
    assert edit(mailbox, path) == want
    assert {'copy_file_range', 'sendfile', 'pwrite'} <= set(calls)


def test_works_where_neither_kernel_copy_exists(tmp_path, monkeypatch):
    path = make_box(tmp_path)
    want = expected_bytes(tmp_path, path)
    monkeypatch.delattr(os, 'copy_file_range', raising=False)
    monkeypatch.delattr(os, 'sendfile', raising=False)
    assert edit(mailbox, path) == want


def test_kernel_copy_reporting_no_data_is_not_taken_for_the_end(
        tmp_path, monkeypatch):
    """Some file systems copy nothing through copy_file_range and say 0."""
    path = make_box(tmp_path)
    want = expected_bytes(tmp_path, path)
    monkeypatch.setattr(os, 'copy_file_range', lambda *args: 0,
                        raising=False)
    monkeypatch.setattr(os, 'sendfile', lambda *args: 0)
    assert edit(mailbox, path) == want


def test_io_error_during_copy_writes_nothing(tmp_path, monkeypatch):
    """An error that is not "unsupported" is not papered over by a
    fallback: the flush fails before the mailbox is touched."""
    path = make_box(tmp_path)
    with open(path, 'rb') as f:
        before = f.read()
    monkeypatch.setattr(os, 'copy_file_range',
                        failing([], 'copy_file_range', errno.EIO),
                        raising=False)
    box = mailbox.mbox(path)
    box.lock()
    box.remove(min(box.keys()))
    with pytest.raises(OSError) as info:
        box.flush()
    assert info.value.errno == errno.EIO
    box.unlock()
    box.close = lambda: None  # keep close() from flushing again
    box._file.close()
    with open(path, 'rb') as f:
        assert f.read() == before
    assert os.listdir(str(tmp_path)) == ['inbox']


def test_interrupted_fallback_copy_back_is_completed(tmp_path, monkeypatch,
                                                    small_chunks):
    """Stopped in the middle of a read/write copy-back, the journal is
    complete and the next open finishes the flush."""
    path = make_box(tmp_path)
    monkeypatch.delattr(os, 'copy_file_range', raising=False)
    monkeypatch.delattr(os, 'sendfile', raising=False)
    seen = []

    class Stop(Exception):
        pass

    def hook(step):
        seen.append(step)
        if step == 'copy-chunk' and seen.count(step) == 3:
            raise Stop
    monkeypatch.setattr(mailbox, '_test_hook', hook)
    box = mailbox.mbox(path)
    box.lock()
    box.remove(min(box.keys()))
    with pytest.raises(Stop):
        box.flush()
    monkeypatch.setattr(mailbox, '_test_hook', None)
    box.unlock()
    box._file.close()
    assert os.path.exists(path + '.journal')
    mailbox.mbox(path).close()  # opening recovers
    assert message_ids(path) == ['<%s>' % i for i in IDS[1:]]
    assert os.listdir(str(tmp_path)) == ['inbox']
