"""mboxlint.mailbox against a model, and corrupt mailboxes."""
import warnings

import pytest

from helpers.mailbox_model import append_with_lockf_only, remove_with_other_box
from helpers.procs import make_mbox, message, message_ids
from mboxlint import mailbox


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
