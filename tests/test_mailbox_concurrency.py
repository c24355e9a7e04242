"""Real processes sharing one mbox: deliverers that lock with fcntl only,
maintainers that remove and flush.  Every wait is bounded."""
import os
import warnings

import pytest

from helpers.procs import Actor, make_mbox, message_ids, wait_blocked_on_lock
from mboxlint import mailbox

pytestmark = pytest.mark.slow  # real processes racing for real locks


@pytest.mark.parametrize('impl', ['std', 'fixed'])
def test_deliverer_blocked_on_lock_during_flush(tmp_path, impl):
    """The seed's loss: a deliverer waits on the lockf lock while another
    process flushes a removal.  The stdlib renames a new file over the
    mailbox, so the deliverer writes into the old, unlinked inode."""
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1', 'm2'])
    maintainer = Actor('remove-first', path, impl)
    maintainer.expect('locked')
    deliverer = Actor('deliver', path, 'delivered')
    deliverer.expect('ready')
    wait_blocked_on_lock(deliverer.pid)
    maintainer.send('go')
    maintainer.expect('done')
    deliverer.expect('delivered')
    maintainer.finish()
    deliverer.finish()
    ids = message_ids(path)
    if impl == 'std':
        # Proves the test can see the loss.
        assert ids == ['<m1>', '<m2>']
    else:
        assert ids == ['<m1>', '<m2>', '<delivered>']


def test_stress_deliverers_and_maintainer(tmp_path):
    """Deliverers append while a maintainer removes: nothing lost or doubled."""
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['seed-%d' % i for i in range(5)])
    removed_log = str(tmp_path / 'removed')
    stop = str(tmp_path / 'stop')
    deliverers = [Actor('deliver-many', path, 'd%d' % i, 40) for i in range(3)]
    maintainer = Actor('maintain', path, removed_log, stop)
    for d in deliverers:
        d.expect('done', timeout=60)
        d.finish()
    with open(stop, 'w'):
        pass
    rounds = int(maintainer.expect('rounds', timeout=60).split()[1])
    maintainer.finish()
    assert rounds >= 2
    with open(removed_log) as f:
        removed = f.read().split()
    present = message_ids(path)
    expected = {'<seed-%d>' % i for i in range(5)}
    expected |= {'<d%d-%d>' % (d, i) for d in range(3) for i in range(40)}
    assert len(present) == len(set(present)), 'duplicated messages'
    assert len(removed) == len(set(removed)), 'removed twice'
    assert not set(present) & set(removed)
    assert set(present) | set(removed) == expected
    assert removed  # the maintainer really removed messages meanwhile


def deliver(path, msg_id):
    d = Actor('deliver', path, msg_id)
    d.expect('ready')
    d.expect('delivered')
    d.finish()


def test_stale_keys_remove_intended_messages(tmp_path):
    """Remove message 0, flush, remove message 1, with a delivery between."""
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m%d' % i for i in range(5)])
    box = mailbox.mbox(path)
    box.lock()
    keys = sorted(box.keys())
    box.remove(keys[0])
    box.flush()
    box.unlock()
    deliver(path, 'new')
    box.lock()
    assert sorted(box.keys())[:4] == keys[1:]  # unmoved messages keep keys
    box.remove(keys[1])
    box.flush()
    box.unlock()
    box.close()
    assert message_ids(path) == ['<m2>', '<m3>', '<m4>', '<new>']


def test_key_of_message_removed_elsewhere_raises(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m%d' % i for i in range(4)])
    box = mailbox.mbox(path)
    box.lock()
    keys = sorted(box.keys())
    box.unlock()
    other = Actor('remove-first', path, 'fixed')
    other.expect('locked')
    other.send('go')
    other.expect('done')
    other.finish()
    box.lock()
    # The messages all have the same size: by offset alone, key 0 would now
    # name m1.  It names a message that is gone; the others moved up, and
    # their keys follow them.
    with pytest.raises(mailbox.ExternalClashError):
        box.remove(keys[0])
    assert sorted(box.keys()) == keys[1:]
    remaining = [box.get_message(k)['Message-ID'] for k in keys[1:]]
    assert remaining == ['<m1>', '<m2>', '<m3>']
    box.unlock()
    box.close()
    assert message_ids(path) == ['<m1>', '<m2>', '<m3>']


def test_pending_change_to_message_changed_elsewhere_writes_nothing(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m%d' % i for i in range(4)])
    box = mailbox.mbox(path)
    with pytest.warns(mailbox.MailboxWarning):
        box.remove(sorted(box.keys())[0])  # pending, and not locked
    other = Actor('remove-first', path, 'fixed')
    other.expect('locked')
    other.send('go')
    other.expect('done')
    other.finish()
    with open(path, 'rb') as f:
        before = f.read()
    with pytest.raises(mailbox.ExternalClashError):
        box.lock()
    with pytest.raises(mailbox.ExternalClashError):
        box.flush()
    with open(path, 'rb') as f:
        assert f.read() == before
    assert not os.path.exists(path + '.lock')
    box._file.close()


def test_unlocked_flush_takes_the_lock(tmp_path):
    """Modify, never lock, flush: the write waits for an fcntl holder."""
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0', 'm1'])
    box = mailbox.mbox(path)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', mailbox.MailboxWarning)
        box.remove(sorted(box.keys())[0])
    holder = Actor('hold-lock', path, 1.0, 'held')
    holder.expect('locked')
    box.flush()  # must wait until the holder has appended and released
    box.close()
    holder.expect('released')
    holder.finish()
    assert message_ids(path) == ['<m1>', '<held>']


def test_lock_conflict_and_timeout(tmp_path):
    path = str(tmp_path / 'inbox')
    make_mbox(path, ['m0'])
    holder = Actor('hold-lock', path, 1.0, 'held')
    holder.expect('locked')
    box = mailbox.mbox(path)
    with pytest.raises(mailbox.ExternalClashError):
        box.lock()  # no timeout: fails at once
    box.lock(timeout=30)
    assert os.path.exists(path + '.lock')
    assert [box.get_message(k)['Message-ID'] for k in box.keys()] == [
        '<m0>', '<held>']
    box.unlock()
    box.close()
    holder.finish()
