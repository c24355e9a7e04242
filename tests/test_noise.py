"""Findings where nobody else writes are noise: private temporary state is exempt, and a few
shapes that cannot go wrong are not reported. Shared state stays reported."""

import ast
import textwrap

from mboxlint.analysis.imports import ModuleFacts
from mboxlint.analysis.summaries import ModuleSummaries

from support import findings


def reported(code, prefix="MBX"):
    return sorted((f.line, f.code) for f in findings(code) if f.code.startswith(prefix))


def private_names(code, function):
    tree = ast.parse(textwrap.dedent(code))
    summaries = ModuleSummaries(ModuleFacts(tree), tree)
    node = next(n for n in ast.walk(tree) if getattr(n, "name", None) == function)
    return set(summaries.private.scope(node, None))


# -- private temporary directories ---------------------------------------------------------

def test_names_derived_from_a_fresh_directory_are_private():
    names = private_names(
        """
        import os, tempfile
        from pathlib import Path
        def f(tmp_path, given):
            d = tempfile.mkdtemp()
            inbox = os.path.join(d, "inbox")
            state = Path(d) / "state"
            other = tmp_path / "x"
            mixed = given
            with tempfile.TemporaryDirectory() as scratch:
                pass
        """, "f")
    assert names == {"d", "inbox", "state", "other", "tmp_path", "scratch"}


def test_a_name_also_bound_to_something_else_is_not_private():
    names = private_names(
        """
        import tempfile
        def f(path):
            d = tempfile.mkdtemp()
            if path:
                d = path
            box = d + "/inbox"
        """, "f")
    assert names == set()


def test_a_fixture_of_the_module_that_returns_a_private_path_is_private():
    names = private_names(
        """
        import pytest
        @pytest.fixture
        def spool(tmp_path):
            return tmp_path / "spool"
        @pytest.fixture()
        def shared():
            return "/var/spool/mail"
        def test_it(spool, shared):
            pass
        """, "test_it")
    assert names == {"spool"}


def test_mailboxes_in_private_directories_are_not_checked_for_locking():
    code = """
        import mailbox, os, tempfile
        def test_add(tmp_path):
            box = mailbox.mbox(str(tmp_path / "inbox"))
            box.add("x")
        def test_add_mkdtemp():
            box = mailbox.mbox(os.path.join(tempfile.mkdtemp(), "inbox"))
            box.add("x")
        def deliver(path):
            box = mailbox.mbox(path)
            box.add("x")
        """
    assert reported(code) == [(11, "MBX101")]


def test_a_setup_directory_makes_the_class_mailbox_private():
    code = """
        import mailbox, os, tempfile, unittest
        class T(unittest.TestCase):
            def setUp(self):
                self.tmp = tempfile.mkdtemp()
                self.box = mailbox.mbox(os.path.join(self.tmp, "inbox"))
            def test_add(self):
                self.box.lock()
                self.box.unlock()
                self.box.add("x")
        class U(unittest.TestCase):
            def setUp(self):
                self.tmp = tempfile.mkdtemp()
                self.box = mailbox.mbox(os.path.join(self.tmp, "inbox"))
            def elsewhere(self, path):
                self.box = mailbox.mbox(path)
            def test_add(self):
                self.box.lock()
                self.box.unlock()
                self.box.add("x")
        """
    assert reported(code) == [(20, "MBX101")]


def test_files_in_private_directories_are_exempt_from_mbx3_and_mbx9():
    code = """
        import json, os, tempfile
        def build(tmp_path):
            state = tmp_path / "state.json"
            if not state.exists():
                state.write_text("{}")
            state.write_text(json.dumps(json.loads(state.read_text())))
        def scratch():
            d = tempfile.mkdtemp()
            p = os.path.join(d, "x")
            if os.path.exists(p):
                os.remove(p)
        def shared(path):
            if os.path.exists(path):
                os.remove(path)
        """
    assert reported(code) == [(15, "MBX302")]


def test_a_rename_out_of_a_private_directory_is_still_a_rename_into_shared_state():
    code = """
        import os, tempfile
        def publish(target):
            d = tempfile.mkdtemp()
            fd, tmp = tempfile.mkstemp(dir=d)
            os.close(fd)
            os.rename(tmp, target)
        """
    # Only the source is private: the rename over the shared target is checked as before.
    assert reported(code) == [(7, "MBX306"), (7, "MBX902")]


# -- lock() then unlock() at once ------------------------------------------------------------

def test_lock_directly_followed_by_unlock_is_not_mbx103():
    code = """
        import mailbox
        def touch(box: mailbox.mbox):
            box.lock()
            box.unlock()
        def touch_with_a_constant(box: mailbox.mbox):
            box.lock()
            done = True
            box.unlock()
        def count(box: mailbox.mbox):
            box.lock()
            n = len(box)
            box.unlock()
            return n
        """
    assert reported(code, "MBX103") == [(11, "MBX103")]
