"""mboxlint.mailbox against a model, and corrupt mailboxes."""
import mailbox as std_mailbox
import warnings

import pytest

from helpers.mailbox_model import (append_with_lockf_only, expected_identity,
                                   identity, message_text,
                                   remove_with_other_box)
from helpers.procs import make_mbox, message, message_ids
from mboxlint import mailbox

STD = {mailbox.mbox: std_mailbox.mbox, mailbox.MMDF: std_mailbox.MMDF}


def file_ids(std_class, path):
    box = std_class(path, create=False)
    try:
        return [identity(box.get_message(k)) for k in sorted(box.keys())]
    finally:
        box.close()


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
