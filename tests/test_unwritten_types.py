"""Receivers whose type is written nowhere (paths, mailboxes) and IMAP numbers returned by the
module's functions: what counts as evidence, that the look is lazy, and that the findings do
not depend on the entry point's text."""

import ast
import textwrap

import pytest

from mboxlint.analysis import analyse
from mboxlint.analysis.events import BoxOp, ImapSeqUse
from mboxlint.analysis.imports import ModuleFacts
from mboxlint.analysis.locks import LockAnalysis
from mboxlint.analysis.paths import expressions
from mboxlint.analysis.paths.expressions import PATHLIB_CLASSES
from mboxlint.analysis.paths.untyped import class_paths, scope_evidence

from support import findings


def evidence(code):
    tree = ast.parse(textwrap.dedent(code))
    facts = ModuleFacts(tree)
    func = tree.body[-1]
    return scope_evidence(func, None, facts.resolve, PATHLIB_CLASSES).closed(set())


@pytest.mark.parametrize("code, name, is_path", [
    ("def f(p, x):\n    p.joinpath(x)", "p", True),
    ("def f(p):\n    p.is_file()", "p", True),
    ("def f(p):\n    p.write_text('x')", "p", True),
    ("def f(p):\n    q = p.with_suffix('.tmp')", "q", True),
    ("def f(d):\n    d.mkdir()\n    q = d / 'x'", "q", True),
    ("def f(d):\n    d.mkdir()\n    q = d.parent", "q", True),
    ("def f(d):\n    for e in d.iterdir():\n        pass", "e", True),
    ("def f(d):\n    for e in d.glob('*.txt'):\n        pass", "e", True),
    ("def f(a, b):\n    a.unlink()\n    b.unlink()\n    for e in [a, b]:\n        pass", "e", True),
    ("def f(a, b):\n    a.unlink()\n    for e in [a, b]:\n        pass", "e", False),  # b says nothing
    ("def f(p):\n    p.exists()", "p", False),  # the guards follow it, flow-sensitively
    ("def f(p):\n    p.open()", "p", False),  # an archive or a storage has open()
    ("def f(fs, name):\n    fs.mkdir(name)", "fs", False),  # the path is an argument
    ("def f(fs, name, data):\n    fs.write_text(name, data)", "fs", False),
    ("import glob\ndef f(p):\n    for e in glob.glob(p):\n        pass", "e", False),
    ("import os\ndef f(p):\n    os.unlink(p)", "os", False),  # a module, not a path
    ("def f(p):\n    def g():\n        p.mkdir()", "p", False),  # another scope's doing
])
def test_what_says_a_receiver_is_a_path(code, name, is_path):
    assert (name in evidence(code)) is is_path


def test_an_attribute_is_a_path_when_any_method_says_so():
    tree = ast.parse(textwrap.dedent("""
        class Store:
            def __init__(this, location):
                this.location = location
                this.guard = location.with_name("x")
                this.name = location.name

            def reset(self):
                self.scratch = self.other
    """))
    cls = tree.body[0]
    found = class_paths(cls, ModuleFacts(tree).resolve, PATHLIB_CLASSES)
    assert found == {"self.location", "self.guard"}  # not ``.name``, nor what ``self.other`` is


def test_the_evidence_is_read_only_where_an_act_on_an_untyped_receiver_is_judged(monkeypatch):
    read = []
    real = expressions.scope_evidence

    def counting(root, *args):
        read.append(getattr(root, "name", "<module>"))
        return real(root, *args)

    monkeypatch.setattr(expressions, "scope_evidence", counting)
    code = textwrap.dedent("""
        import os
        from pathlib import Path

        def typed(p: Path):
            if p.exists():
                p.unlink()

        def plain(p):
            if os.path.exists(p):
                os.remove(p)

        def untyped(p):
            if os.path.exists(p):
                p.unlink()
            if os.path.isfile(p):
                p.unlink()
    """)
    assert [(f.line, f.code) for f in findings(code)] == [(7, "MBX302"), (11, "MBX302"), (15, "MBX302"),
                                                         (17, "MBX302")]
    assert read == ["untyped"]  # once, for its first act


MAILBOX_VARIANT = textwrap.dedent("""
    class Transport:
        variant = None

        def box(self):
            return self.variant("path")

        def drain(self):
            box = self.box()
            box.lock()
            for key in list(box.keys()):
                box.discard(key)
            box.flush()
            box.unlock()
""")


def test_a_module_that_never_names_mailbox_is_looked_at_for_the_calls_of_one():
    assert [(f.line, f.code) for f in findings(MAILBOX_VARIANT)] == [(10, "MBX103")]
    # Words in strings are no calls: the lock analysis does not even apply.
    words = 'NAMES = ["unlock", "flush", "get_message"]\n'
    facts = ModuleFacts(ast.parse(words))
    facts.text = words
    assert not LockAnalysis.applies(facts)


def test_a_mutex_is_no_mailbox():
    code = textwrap.dedent("""
        import mailbox

        def guarded(mutex, box, message):
            mutex.lock()
            box.add(message)
            box.flush()
            mutex.unlock()
    """)
    events = analyse(ast.parse(code), text=code).events_of(BoxOp)
    assert not [event for event in events if event.ref == "mutex"]


RETURNED = textwrap.dedent("""
    import imaplib

    def checked(response):
        status, value = response
        return value

    def unseen(conn: imaplib.IMAP4):
        return checked(conn.search(None, "UNSEEN"))[0].split()

    def flag(conn: imaplib.IMAP4):
        for num in unseen(conn):
            conn.store(num, "+FLAGS", "\\\\Flagged")
""")


@pytest.mark.parametrize("text", [RETURNED, None, RETURNED.replace("\n", "\r")], ids=["text", "none", "cr"])
def test_returned_numbers_are_found_whatever_text_the_entry_point_gives(text):
    events = analyse(ast.parse(RETURNED), text=text).events_of(ImapSeqUse)
    assert [(event.node.lineno, event.search.line) for event in events] == [(13, 9)]


def test_a_search_whose_numbers_are_returned_gets_no_fix():
    found = [f for f in findings(RETURNED) if f.code == "MBX210"]
    assert len(found) == 1 and found[0].fix is None
