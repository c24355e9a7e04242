"""Caller context: a private helper is judged with what every one of its calls guarantees (a
file lock held, a private path passed), and only when every use of its name is such a call."""

import ast
import textwrap

import pytest

from mboxlint.analysis import analyse
from mboxlint.analysis.events import FileOpen
from mboxlint.analysis.paths.callers import MAX_ROUNDS
from mboxlint.analysis.walk import Walker

from support import findings

HEADER = """\
import fcntl
import os
import tempfile
from filelock import FileLock
"""

#: a helper that reads and rewrites its file in place (MBX901 at line 8 with HEADER)
REWRITE = """\
def {name}(path):
    with open(path) as handle:
        data = handle.read()
    with open(path, "w") as handle:
        handle.write(data)
"""
REWRITE_LINE = 8

LOCKED_CALL = """\
def locked(path):
    with FileLock(path + ".lock"):
        {call}
"""

PRIVATE_CALL = """\
def scratch():
    work = tempfile.mkdtemp()
    {call}
"""


def rewrites(code):
    """Lines of the MBX901 findings of a module."""
    return [f.line for f in findings(code) if f.code == "MBX901"]


def module(*parts):
    return HEADER + "\n\n".join(textwrap.dedent(part) for part in parts)


def test_a_helper_every_call_of_which_holds_a_file_lock_is_clean():
    assert rewrites(module(REWRITE.format(name="_save"), LOCKED_CALL.format(call="_save(path)"))) == []
    # The same helper with one call outside the lock rewrites unserialised.
    code = module(REWRITE.format(name="_save"), LOCKED_CALL.format(call="_save(path)"),
                  "def unlocked(path):\n    _save(path)\n")
    assert rewrites(code) == [REWRITE_LINE]


def test_an_fcntl_lock_held_at_the_call_counts_too():
    caller = """\
    def locked(path):
        with open(path + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _save(path)
    """
    assert rewrites(module(REWRITE.format(name="_save"), caller)) == []


def test_a_thread_lock_is_not_a_file_lock():
    caller = """\
    import threading
    GUARD = threading.Lock()
    def locked(path):
        with GUARD:
            _save(path)
    """
    assert rewrites(module(REWRITE.format(name="_save"), caller)) == [REWRITE_LINE]


def test_a_parameter_every_call_passes_a_private_path_for_is_private():
    code = module(REWRITE.format(name="_save"), PRIVATE_CALL.format(call='_save(os.path.join(work, "x"))'))
    assert rewrites(code) == []
    shared = module(REWRITE.format(name="_save"), PRIVATE_CALL.format(call='_save(os.path.join(work, "x"))'),
                    "def shared(spool):\n    _save(spool + '/x')\n")
    assert rewrites(shared) == [REWRITE_LINE]


def test_each_call_may_be_safe_its_own_way():
    code = module(REWRITE.format(name="_save"), LOCKED_CALL.format(call="_save(path)"),
                  PRIVATE_CALL.format(call='_save(os.path.join(work, "x"))'))
    assert rewrites(code) == []


def test_a_chain_of_helpers_passes_on_what_the_outer_calls_guarantee():
    middle = "def _update(path):\n    _save(path)\n"
    code = module(REWRITE.format(name="_save"), middle, LOCKED_CALL.format(call="_update(path)"),
                  PRIVATE_CALL.format(call='_update(os.path.join(work, "x"))'))
    assert rewrites(code) == []
    # The middle helper passes another file: only its own callers' lock still covers it.
    middle = "def _update(path):\n    _save(path + '.bak')\n"
    code = module(REWRITE.format(name="_save"), middle, PRIVATE_CALL.format(call='_update(os.path.join(work, "x"))'))
    assert rewrites(code) == []
    middle = "def _update(path, other):\n    _save(other)\n"
    code = module(REWRITE.format(name="_save"), middle,
                  PRIVATE_CALL.format(call='_update(os.path.join(work, "x"), "/srv/state")'))
    assert rewrites(code) == [REWRITE_LINE]


def test_recursion_keeps_what_the_outside_calls_guarantee():
    helper = """\
    def _walk(path, depth):
        with open(path) as handle:
            data = handle.read()
        with open(path, "w") as handle:
            handle.write(data)
        if depth:
            _walk(path, depth - 1)
    """
    assert rewrites(module(helper, LOCKED_CALL.format(call="_walk(path, 3)"))) == []
    assert rewrites(module(helper, "def outside(path):\n    _walk(path, 3)\n")) == [REWRITE_LINE]


@pytest.mark.parametrize("other_use", [
    "HANDLERS = {'save': _save}\n",
    "def save_all(paths):\n    return list(map(_save, paths))\n",
    "def later(path):\n    return lambda: _save(path)\n",
    "__all__ = ['_save']\n",
    "# _save is also called by the scheduler\n",
    "NAME = '_save'\n",
    "def spread(args):\n    with FileLock('x.lock'):\n        _save(*args)\n    _save(*args)\n",
    "def _save_copy(path):\n    _save = print\n    _save(path)\n",
], ids=["stored", "mapped", "lambda", "all", "comment", "string", "unlocked-spread", "shadowed"])
def test_a_name_used_other_than_in_a_call_the_walk_saw_gets_no_context(other_use):
    code = module(REWRITE.format(name="_save"), LOCKED_CALL.format(call="_save(path)"), other_use)
    assert rewrites(code) == [REWRITE_LINE]


def test_public_and_decorated_helpers_get_no_context():
    assert rewrites(module(REWRITE.format(name="save"), LOCKED_CALL.format(call="save(path)"))) == [REWRITE_LINE]
    decorated = "import functools\n@functools.lru_cache()\n" + REWRITE.format(name="_save")
    code = HEADER + decorated + "\n\n" + textwrap.dedent(LOCKED_CALL.format(call="_save(path)"))
    assert rewrites(code) == [REWRITE_LINE + 2]


def test_a_test_modules_helpers_are_called_by_its_tests_alone():
    tests = """\
    import pytest

    def test_save_locked(tmp_path):
        with FileLock(str(tmp_path / "x.lock")):
            save("/srv/state")

    def test_save_private(tmp_path):
        save(tmp_path / "state")
    """
    assert rewrites(module(REWRITE.format(name="save"), tests)) == []
    # Not a helper: a test function pytest calls by itself.
    tests_called = tests + "\ndef test_direct(path):\n    test_save_private(path)\n"
    assert rewrites(module(REWRITE.format(name="save"), tests_called)) == []


def test_a_rebound_parameter_is_not_the_callers_path():
    helper = """\
    def _save(path):
        path = os.environ.get("STATE", path)
        with open(path) as handle:
            data = handle.read()
        with open(path, "w") as handle:
            handle.write(data)
    """
    code = module(helper, PRIVATE_CALL.format(call='_save(os.path.join(work, "x"))'))
    assert rewrites(code) == [REWRITE_LINE + 1]


def test_private_methods_are_followed_through_calls_on_self():
    cls = """\
    class Store:
        def _save(self, path):
            with open(path) as handle:
                data = handle.read()
            with open(path, "w") as handle:
                handle.write(data)

        def save(self, path):
            with FileLock(path + ".lock"):
                self._save(path)
    """
    assert rewrites(module(cls)) == []
    # one call without the lock: the body is reported
    unlocked = cls + """\

        def save_now(self, path):
            self._save(path)
    """
    assert rewrites(module(unlocked)) == [REWRITE_LINE + 1]


def test_public_methods_and_shared_names_are_not_followed():
    public = """\
    class Store:
        def save_raw(self, path):
            with open(path) as handle:
                data = handle.read()
            with open(path, "w") as handle:
                handle.write(data)

        def save(self, path):
            with FileLock(path + ".lock"):
                self.save_raw(path)
    """
    assert rewrites(module(public)) == [REWRITE_LINE + 1]
    # another class has a method of the same name: which one a call reaches is not known
    shared = public.replace("save_raw", "_save") + """\

    class Other:
        def _save(self, path):
            pass
    """
    assert rewrites(module(shared)) == [REWRITE_LINE + 1]


def _truncating_opens(code, **options):
    tree = ast.parse(code)
    analysis = analyse(tree, **options)
    return [e for e in analysis.events_of(FileOpen) if e.mode == "truncate" and e.iplock is None]


def test_the_context_needs_the_source_and_can_be_switched_off():
    code = module(REWRITE.format(name="_save"), LOCKED_CALL.format(call="_save(path)"))
    assert _truncating_opens(code, text=code) == []
    assert len(_truncating_opens(code, text=code, callers=False)) == 1
    assert len(_truncating_opens(code)) == 1  # without the source, uses of a name are not counted


def test_mailbox_made_on_a_path_every_call_makes_private_needs_no_lock():
    code = """\
    import mailbox, os, tempfile

    def _fill(path, messages):
        box = mailbox.mbox(path)
        for message in messages:
            box.add(message)
        box.flush()

    def sample(messages):
        work = tempfile.mkdtemp()
        _fill(os.path.join(work, "a.mbox"), messages)
    """
    assert [f.code for f in findings(code)] == []
    shared = textwrap.dedent(code) + "\ndef archive(spool, messages):\n    _fill(spool + '/a.mbox', messages)\n"
    assert sorted(f.code for f in findings(shared)) == ["MBX101", "MBX101"]


def test_a_long_chain_of_helpers_settles_well_within_the_rounds():
    links = ["def _h%d(path):\n    _h%d(path)\n" % (i, i - 1) for i in range(1, 60)]
    code = module(REWRITE.format(name="_h0"), *links, LOCKED_CALL.format(call="_h59(path)"))
    assert rewrites(code) == []
    assert MAX_ROUNDS < 60  # the links outnumber the rounds: callers are looked at first


CLOSURE = """\
def test_pool(tmp_path):
    def worker():
        {inner}_save(target)

    lock_path, target = tmp_path / "a.lock", tmp_path / "a.txt"
    {outer}worker()
"""


def test_a_closure_reads_the_private_paths_of_the_function_around_it():
    assert rewrites(module(REWRITE.format(name="_save"), CLOSURE.format(inner="", outer=""))) == []


@pytest.mark.parametrize("inner, outer", [
    ("target = '/srv/state'\n        ", ""),  # the closure binds its own
    ("nonlocal target\n        ", ""),  # ... or may rebind the test's
    ("", "target = '/srv/state'\n    "),  # the test binds it to a shared file too
], ids=["own-binding", "nonlocal", "rebound-outside"])
def test_a_closure_does_not_read_a_private_path_it_or_anyone_may_rebind(inner, outer):
    code = module(REWRITE.format(name="_save"), CLOSURE.format(inner=inner, outer=outer))
    assert rewrites(code) == [REWRITE_LINE]


def test_a_tuple_assignment_binds_item_by_item():
    caller = """\
    def scratch(spool):
        work = tempfile.mkdtemp()
        private, shared = os.path.join(work, "a"), os.path.join(spool, "a")
        _save(private)
    """
    assert rewrites(module(REWRITE.format(name="_save"), caller)) == []
    swapped = caller.replace("_save(private)", "_save(shared)")
    assert rewrites(module(REWRITE.format(name="_save"), swapped)) == [REWRITE_LINE]


def test_a_unittest_modules_helpers_are_called_by_its_test_cases_alone():
    cases = """\
    import unittest

    class TestStore(unittest.TestCase):
        def test_save(self):
            work = tempfile.mkdtemp()
            save(os.path.join(work, "state"))
    """
    assert rewrites(module(REWRITE.format(name="save"), cases)) == []
    # Without a test case, ``save`` is a public function: other modules may call it. (The
    # module must not import unittest either: MBX901 reports nothing in a test module.)
    plain = cases.replace("class TestStore(unittest.TestCase)", "class Store").replace("import unittest\n", "")
    assert rewrites(module(REWRITE.format(name="save"), plain)) == [REWRITE_LINE]


def test_keys_of_a_mailbox_made_on_a_private_path_are_not_followed_either():
    code = """\
    import mailbox, os, tempfile

    def _prune(path):
        box = mailbox.mbox(path)
        keys = box.keys()
        box.lock()
        box.remove(keys[0])
        box.unlock()

    def sample():
        work = tempfile.mkdtemp()
        _prune(os.path.join(work, "a.mbox"))
    """
    assert [f.code for f in findings(code)] == []
    shared = textwrap.dedent(code) + "\ndef archive(spool):\n    _prune(spool + '/a.mbox')\n"
    assert "MBX202" in {f.code for f in findings(shared)}


def _walked_scopes(code):
    """Names of the scopes the analysis walked in a module (the module itself as None)."""
    walked = []
    with pytest.MonkeyPatch.context() as monkeypatch:
        run = Walker.run

        def counting(self):
            walked.append(getattr(self.scope.node, "name", None))
            return run(self)
        monkeypatch.setattr(Walker, "run", counting)
        analyse(ast.parse(code), text=code)
    return walked


def test_only_the_callers_of_a_helper_whose_walk_gave_events_are_walked():
    # ``_describe`` spells a trigger word but opens nothing: its callers have no context to give.
    quiet = '''\
    def _describe(path):
        """Whether the file exists is for the caller to say."""
        return "state at %s, open for business" % path

    def report(path):
        return _describe(path)
    '''
    walked = _walked_scopes(module(quiet))
    assert "_describe" in walked and "report" not in walked
    # A helper that opens its file has its callers walked, and theirs (``_update`` spells no
    # trigger word of its own), each once.
    middle = "def _update(path):\n    _save(path)\n"
    code = module(REWRITE.format(name="_save"), middle, "def outer(path):\n    _update(path)\n")
    walked = _walked_scopes(code)
    assert sorted(name for name in walked if name) == ["_save", "_update", "outer"]
    assert rewrites(code) == [REWRITE_LINE]
    code = module(REWRITE.format(name="_save"), middle, LOCKED_CALL.format(call="_update(path)"))
    assert rewrites(code) == []
