"""A child flushing a mailbox is SIGKILLed between the steps of the journaled
write; the next open recovers: no message lost, no journal left."""
import os
import shutil
import signal

import pytest

from helpers.procs import Actor, make_mbox, message, message_ids, run_actor
from mboxlint import mailbox

IDS = ['m%d' % i for i in range(60)]
BEFORE = ['<%s>' % i for i in IDS]
AFTER = [i for i in BEFORE if i not in ('<m0>', '<m5>')]
AFTER[AFTER.index('<m10>')] = '<replaced-10>'
# __setitem__ appends the new version at once (as the stdlib does); killed
# before the journal exists, the flush did not happen and it stays appended.
BEFORE_WITH_REPLACEMENT = BEFORE + ['<replaced-10>']
CHUNK = 1024


@pytest.fixture(scope='module')
def original(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('orig') / 'inbox')
    make_mbox(path, IDS, body_lines=30)  # about 30 KB: many chunks
    return path


@pytest.fixture(scope='module')
def steps(original, tmp_path_factory):
    path = str(tmp_path_factory.mktemp('full') / 'inbox')
    shutil.copy(original, path)
    proc = run_actor('crash-flush', path, 10 ** 9, CHUNK)
    assert proc.returncode == 0, proc.stderr
    assert message_ids(path) == AFTER
    return proc.stdout.split()


def leftovers(path):
    d, name = os.path.split(path)
    return sorted(n for n in os.listdir(d) if n != name)


def recover_and_check(path, allowed):
    box = mailbox.mbox(path)  # opening finds and recovers the journal
    box.lock()
    ids = [box.get_message(k)['Message-ID'] for k in sorted(box.keys())]
    box.unlock()
    box.close()
    assert ids in allowed
    assert message_ids(path) == ids
    assert leftovers(path) == []
    return ids


def test_every_step_kind_is_exercised(steps):
    for name in ('journal-chunk', 'journal-synced', 'journal-installed',
                 'copy-chunk', 'copied', 'marked-copied', 'truncated', 'done'):
        assert name in steps
    assert len(steps) > 40


@pytest.mark.slow
def test_killed_at_many_points(original, steps, tmp_path):
    # About 30 points spread over the whole flush, every kind of step
    # included, rather than all of them: each is a process start.
    points = set(range(1, len(steps) + 1, max(1, len(steps) // 24)))
    points |= {steps.index(name) + 1 for name in set(steps)}
    outcomes = set()
    for n in sorted(points):
        (tmp_path / str(n)).mkdir()
        path = str(tmp_path / str(n) / 'inbox')
        shutil.copy(original, path)
        proc = run_actor('crash-flush', path, n, CHUNK)
        assert proc.returncode == -signal.SIGKILL, (n, proc.stderr)
        assert os.path.exists(path + '.lock')  # the dead child's dot-lock
        ids = recover_and_check(path, [BEFORE_WITH_REPLACEMENT, AFTER])
        outcomes.add(tuple(ids))
        # Once the journal is installed, recovery completes the flush.
        if n > steps.index('journal-installed'):
            assert ids == AFTER, n
    assert len(outcomes) == 2


@pytest.mark.parametrize('kill_at', ['journal-installed:1', 'copy-chunk:3',
                                     'copied:1', 'marked-copied:1',
                                     'truncated:1'])
def test_delivery_after_crash_is_kept(original, tmp_path, kill_at):
    """A deliverer ignoring dot-locks appends after the flusher died and
    before recovery: its message survives recovery."""
    path = str(tmp_path / 'inbox')
    shutil.copy(original, path)
    proc = run_actor('crash-flush', path, kill_at, CHUNK)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    d = Actor('deliver', path, 'late')
    d.expect('ready')
    d.expect('delivered')
    d.finish()
    recover_and_check(path, [AFTER + ['<late>']])


def test_append_by_lock_ignoring_writer_during_flush_is_kept(tmp_path,
                                                            monkeypatch):
    """A writer that takes no lock at all appends while the file is copied
    back: the cut moves its bytes down instead of dropping them."""
    path = str(tmp_path / 'inbox')
    make_mbox(path, IDS[:10], body_lines=30)
    box = mailbox.mbox(path)
    box.lock()
    box.remove(0)

    def hook(step):
        if step == 'marked-copied':
            monkeypatch.setattr(mailbox, '_test_hook', None)
            with open(path, 'ab') as f:
                f.write(message('rogue'))
    monkeypatch.setattr(mailbox, '_test_hook', hook)
    box.flush()
    box.unlock()
    box.close()
    assert message_ids(path) == ['<m%d>' % i for i in range(1, 10)] + [
        '<rogue>']
    assert leftovers(path) == []
