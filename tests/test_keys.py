"""Key provenance and IMAP sequence numbers: shapes beyond the rules' examples and fixtures."""

import ast
import textwrap

import pytest

from mboxlint.analysis import analyse
from mboxlint.analysis.events import KeyUse
from mboxlint.analysis.keys import KeyFact, fetch_sets_seen

from support import findings


def codes(code, prefix="MBX2"):
    return [(f.line, f.code) for f in findings(code) if f.code.startswith(prefix)]


def messages(code, rule):
    return [f.message for f in findings(code) if f.code == rule]


@pytest.mark.parametrize(
    "parts, sets_seen",
    [
        ("(RFC822)", True),
        ("RFC822", True),
        ("(RFC822.TEXT)", True),
        ("(BODY[])", True),
        ("(body[text] flags)", True),
        (b"(BODY[HEADER])", True),
        ("(RFC822.HEADER)", False),
        ("(RFC822.SIZE FLAGS)", False),
        ("(BODY.PEEK[])", False),
        ("(BODY.PEEK[HEADER.FIELDS (SUBJECT)])", False),
        ("(FLAGS UID)", False),
        ("(BODYSTRUCTURE)", False),
    ],
)
def test_which_fetch_items_set_seen(parts, sets_seen):
    assert fetch_sets_seen(ast.Constant(parts)) is sets_seen


def test_fetch_parts_that_are_not_literals_are_not_judged():
    assert fetch_sets_seen(ast.Name("parts", ast.Load())) is False
    assert fetch_sets_seen(None) is False


def test_key_fact_join_keeps_a_key_known_on_one_path_and_the_earliest_boundary():
    a = KeyFact("box", "key", frozenset({"L1"}), "locked", 5, ("unlock", 9, 4))
    b = KeyFact("box", "key", frozenset({"L2"}), "unlocked", 3, ("unlock", 7, 4))
    assert a.join(None) is a
    joined = a.join(b)
    assert joined.epochs == frozenset({"L1", "L2"})
    assert joined.lock == "maybe"
    assert joined.line == 3
    assert joined.ended == ("unlock", 7, 4)
    fresh = KeyFact("box", "key", frozenset({"L1"}), "locked", 5)
    assert fresh.join(a).ended == ("unlock", 9, 4)


def test_key_use_event_carries_where_the_key_came_from_and_what_ended_it():
    tree = ast.parse(textwrap.dedent("""
        import mailbox
        box = mailbox.mbox("inbox")
        box.lock()
        key = box.add("x")
        box.unlock()
        box.get_message(key)
    """))
    (event,) = analyse(tree).events_of(KeyUse)
    assert event.node.lineno == 7
    assert event.op == "get_message"
    assert event.boundary[:2] == ("unlock", 6)
    assert event.obtained.line == 5
    assert event.obtained.lock == "locked"
    assert len(event.obtained.epochs) == 1


def test_messages_name_both_sites():
    code = """
        import mailbox
        box = mailbox.mbox("inbox")
        keys = box.keys()
        box.lock()
        box.remove(keys[0])
        box.unlock()
        box.lock()
        box.discard(keys[1])
        box.unlock()
    """
    mbx202 = messages(code, "MBX202")[0]
    assert "line 4" in mbx202 and "box.lock() at line 5" in mbx202
    # The second use is past the first lock() already: one finding per use, MBX202 wins.
    assert codes(code) == [(6, "MBX202"), (9, "MBX202")]


def test_a_lock_at_the_end_of_an_iteration_reaches_the_next_iteration():
    code = """
        import mailbox
        box = mailbox.mbox("inbox")
        for key in box.keys():
            box.remove(key)
            box.lock()
            box.flush()
    """
    assert codes(code) == [(5, "MBX202")]


def test_with_locked_ends_and_starts_periods():
    code = """
        from mboxlint import mailbox
        box = mailbox.mbox("inbox")
        with box.locked():
            keys = box.keys()
        with box.locked():
            box.remove(keys[0])
    """
    assert codes(code) == [(7, "MBX201")]
    assert "the end of `with box.locked():` at line 4" in messages(code, "MBX201")[0]


def test_closing_ends_the_period():
    code = """
        import contextlib, mailbox
        box = mailbox.mbox("inbox")
        box.lock()
        with contextlib.closing(box):
            key = next(box.iterkeys())
        print(box.get_string(key))
    """
    assert codes(code) == [(7, "MBX201")]


def test_lock_while_already_locked_keeps_keys_valid():
    code = """
        import mailbox
        box = mailbox.mbox("inbox")
        box.lock()
        try:
            key = box.keys()[0]
            box.lock()
            box.remove(key)
            box.flush()
        finally:
            box.unlock()
    """
    assert codes(code) == []


def test_keys_of_one_mailbox_used_on_another_are_left_alone():
    code = """
        import mailbox
        a = mailbox.mbox("a")
        b = mailbox.mbox("b")
        a.lock()
        keys = a.keys()
        a.unlock()
        b.lock()
        b.remove(keys[0])
        b.flush()
        b.unlock()
    """
    assert codes(code) == []


def test_self_attribute_mailbox_and_comprehension_of_keys():
    code = """
        import mailbox
        class Cleaner:
            def __init__(self, path):
                self.box = mailbox.mbox(path)
            def clean(self):
                self.box.lock()
                stale = [k for k, m in self.box.items() if m.get("X-Old")]
                self.box.unlock()
                self.box.lock()
                try:
                    for k in stale:
                        del self.box[k]
                    self.box.flush()
                finally:
                    self.box.unlock()
    """
    assert codes(code) == [(13, "MBX201")]


def test_starred_unpacking_and_slices_stay_keys():
    code = """
        import mailbox
        box = mailbox.mbox("inbox")
        box.lock()
        first, *rest = sorted(box.keys())
        box.unlock()
        box.lock()
        box.remove(first)
        box.remove(rest[0])
        box.remove(list(box.keys())[:2][0])
        box.flush()
        box.unlock()
    """
    assert codes(code) == [(8, "MBX201"), (9, "MBX201")]


def test_the_message_of_an_item_pair_is_not_a_key():
    code = """
        import mailbox
        box = mailbox.mbox("inbox")
        box.lock()
        pair = next(box.iteritems())
        box.unlock()
        box.lock()
        box.remove(pair[0])
        print(box.get(pair[1]))
        box.flush()
        box.unlock()
    """
    assert codes(code) == [(8, "MBX201")]


def test_caller_managed_mailbox_is_not_tracked():
    code = """
        import mailbox
        def drop(box: mailbox.mbox):
            key = box.keys()[0]
            box.close()
            box.remove(key)
    """
    # close() alone does not make this function responsible for the mailbox's locking.
    assert codes(code) == []


def test_imap_connection_from_annotation_with_and_join():
    code = """
        import imaplib
        from typing import Optional
        def flag(conn: Optional[imaplib.IMAP4_SSL]):
            typ, data = conn.search(None, "ALL")
            conn.store(b",".join(data[0].split()), "+FLAGS", "\\\\Seen")
        def read(host):
            with imaplib.IMAP4_stream(host) as m:
                typ, (nums,) = m.search(None, "ALL")
                for n in nums.split():
                    m.fetch(n, message_parts="(BODY[TEXT])")
                    m.fetch(n, "(UID FLAGS)")
    """
    assert codes(code) == [(6, "MBX210"), (11, "MBX210")]


def test_imap_status_word_and_unrelated_numbers_are_not_sequence_numbers():
    code = """
        import imaplib
        conn = imaplib.IMAP4("host")
        typ, data = conn.search(None, "ALL")
        conn.store(typ, "+FLAGS", "x")
        conn.store("1:*", "+FLAGS", "\\\\Seen")
        typ, data = conn.uid("SEARCH", None, "ALL")
        conn.store(data[0], "+FLAGS", "\\\\Seen")
    """
    assert codes(code) == []


def test_imap_without_imaplib_import_is_not_analysed():
    code = """
        def f(conn):
            typ, data = conn.search(None, "ALL")
            conn.store(data[0], "+FLAGS", "x")
    """
    assert codes(code) == []


def _chain(length: int) -> str:
    """A connection made by a helper and handed down ``length`` functions to a store."""
    lines = [
        "import imaplib",
        "def connect(host):",
        "    conn = imaplib.IMAP4(host)",
        "    return conn",
        "def step0(imap):",
        "    typ, data = imap.search(None, 'ALL')",
        "    imap.store(data[0], '+FLAGS', '\\\\Deleted')",
    ]
    for index in range(1, length):
        lines += ["def step%d(imap):" % index, "    step%d(imap)" % (index - 1)]
    lines += ["def main(host):", "    step%d(connect(host))" % (length - 1)]
    return "\n".join(lines) + "\n"


def test_a_connection_handed_down_a_few_functions_is_followed():
    assert codes(_chain(4)) == [(7, "MBX210")]


@pytest.mark.parametrize("length", [40, 3000])
def test_a_connection_handed_down_too_far_is_not_followed_and_costs_no_recursion(length):
    assert codes(_chain(length)) == []


def test_examine_selects_read_only_until_a_read_write_select():
    code = """
        import imaplib
        def read(conn: imaplib.IMAP4):
            conn.examine("INBOX")
            typ, data = conn.search(None, "ALL")
            conn.fetch(data[0], "(RFC822)")
            conn.select("INBOX", readonly=None)
            conn.fetch(data[0], "(RFC822)")
    """
    assert codes(code) == [(8, "MBX210")]
