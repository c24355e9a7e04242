"""MBX3 and MBX9: the path analysis through the engine, the options, and the stdlib's own bug."""

import mailbox
import textwrap

import pytest

from mboxlint.config import Selection
from mboxlint.engine import check_source

from support import findings


def codes_by_line(code, **kwargs):
    result = check_source(textwrap.dedent(code), "<test>", kwargs.pop("selection", Selection(select=["MBX"])),
                          **kwargs)
    assert result.error is None, result.error
    return sorted((f.line, f.code) for f in result.findings)


def test_stdlib_mailbox_flush_rename_is_reported_as_mbx303():
    with open(mailbox.__file__, encoding="utf-8") as handle:
        text = handle.read()
    lines = text.splitlines()
    flush_start = next(i for i, line in enumerate(lines) if "class _singlefileMailbox" in line)
    renames = [i + 1 for i, line in enumerate(lines)
               if i > flush_start and "os.rename(new_file.name, self._path)" in line]
    assert renames, "the interpreter's mailbox.py no longer renames in flush()"
    result = check_source(text, mailbox.__file__, Selection(select=["MBX3"]))
    assert result.error is None
    reported = {(f.line, f.code) for f in result.findings}
    for line in renames:
        assert (line, "MBX303") in reported
    # the retry after FileExistsError removes the mailbox first: a second, different hazard
    if len(renames) > 1:
        assert (renames[1], "MBX305") in reported
    # one finding per concern: the rename is not also MBX306
    assert not any(code == "MBX306" and line in renames for line, code in reported)


def test_shared_files_option_marks_constant_paths_as_locked():
    code = """
    import os
    def publish(tmp):
        os.replace(tmp, "/var/mail/bob")
        os.replace(tmp, "/srv/spool/alice.mbox")
        os.replace(tmp, "/srv/other/readme")
    """
    assert codes_by_line(code) == []
    got = codes_by_line(code, options={"shared_files": ["/var/mail/*", "*.mbox"]})
    assert got == [(4, "MBX303"), (5, "MBX303")]


PROJECT_LOCKED = """
import json, os
from .locking import exclusive
from myapp.storage import StoreGuard
from otherlib import exclusive as other_exclusive
STATE = "state.json"

def relative(path):
    with exclusive(path):
        if os.path.exists(path):
            os.remove(path)

def absolute(path):
    lock = StoreGuard(path + ".lock")
    with lock:
        if os.path.exists(path):
            os.remove(path)

def method(store, path):
    with store.acquire_lock("w"):
        if os.path.exists(path):
            return open(path).read()

def rewrite():
    with exclusive(STATE):
        state = json.load(open(STATE))
        json.dump(state, open(STATE, "w"))

def unrelated(path):
    with other_exclusive(path):
        if os.path.exists(path):
            os.remove(path)
"""


def test_an_imported_class_named_as_a_file_lock_is_one():
    code = """
    import os
    import threading
    from myapp.storage import FileLock
    from .locks import InterProcessLock
    from multiprocessing import Lock
    def named(path):
        with FileLock(path + ".lock"):
            if os.path.exists(path):
                os.remove(path)
    def relative(path):
        with InterProcessLock(path + ".lock"):
            if os.path.exists(path):
                os.remove(path)
    def not_a_file_lock(path):
        with Lock():
            if os.path.exists(path):
                os.remove(path)
    """
    assert codes_by_line(code) == [(18, "MBX302")]


def test_project_inter_process_locks_are_read_from_the_options():
    everything = [(11, "MBX302"), (17, "MBX302"), (22, "MBX301"), (27, "MBX901"), (32, "MBX302")]
    assert codes_by_line(PROJECT_LOCKED) == everything
    locks = ["myapp.locking.exclusive", "myapp.storage.StoreGuard", "acquire_lock"]
    assert codes_by_line(PROJECT_LOCKED, options={"extend_interprocess_locks": locks}) == [(32, "MBX302")]
    # a dotted name is the imported one: the same last name from another module is not it
    assert codes_by_line(PROJECT_LOCKED, options={"extend_interprocess_locks": ["myapp.exclusive"]}) == everything
    # a name without a dot is any function, class or method of that name
    assert codes_by_line(PROJECT_LOCKED, options={"extend_interprocess_locks": ["StoreGuard"]}) == \
        [(11, "MBX302"), (22, "MBX301"), (27, "MBX901"), (32, "MBX302")]


def test_a_helper_called_only_inside_a_project_lock_is_locked():
    code = """
    import os
    from myapp.locks import held

    def _drop(path):
        if os.path.exists(path):
            os.remove(path)

    def clean(path):
        with held(path):
            _drop(path)
    """
    assert codes_by_line(code) == [(7, "MBX302")]
    assert codes_by_line(code, options={"extend_interprocess_locks": ["myapp.locks.held"]}) == []


def test_mbx9_rules_are_off_by_default():
    code = """
    import json
    STATE = "state.json"
    def load():
        return json.load(open(STATE))
    def save(s):
        json.dump(s, open(STATE, "w"))
    """
    assert codes_by_line(code) == [(7, "MBX901")]
    assert codes_by_line(code, selection=Selection()) == []
    assert codes_by_line(code, selection=Selection(extend_select=["MBX901"])) == [(7, "MBX901")]


def test_equal_joins_and_path_objects_name_the_same_file():
    code = """
    import os
    from pathlib import Path
    def a(d):
        if os.path.exists(os.path.join(d, "x", "y")):
            return open(Path(d) / "x" / "y").read()
    def b(d):
        if os.path.exists(os.path.join(d, "x")):
            return open(os.path.join(d, "z")).read()
    def c(p: Path):
        if p.is_file():
            return open(str(p)).read()
    """
    assert codes_by_line(code) == [(6, "MBX301"), (12, "MBX301")]


def test_rebinding_or_acting_ends_a_guard():
    code = """
    import os
    def a(p, q):
        if os.path.exists(p):
            p = q
            return open(p).read()
    def b(p):
        if not os.path.exists(p):
            os.makedirs(p)  # reported once; the guard is then spent
            os.makedirs(p)
    """
    assert codes_by_line(code) == [(9, "MBX302")]


def test_interprocess_locks_exempt_and_thread_locks_do_not():
    code = """
    import os, threading, fcntl
    import filelock
    LOCK = threading.Lock()
    def a(p):
        with filelock.FileLock(p + ".lock"):
            if os.path.exists(p):
                os.remove(p)
    def b(p):
        with LOCK:
            if os.path.exists(p):
                os.remove(p)
    def c(p, fd):
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.path.exists(p):
            os.remove(p)
        fcntl.flock(fd, fcntl.LOCK_UN)
        if os.path.exists(p):
            os.remove(p)
    """
    assert codes_by_line(code) == [(12, "MBX302"), (19, "MBX302")]


def test_findings_carry_the_act_node_span_and_per_finding_fix_safety(monkeypatch):
    # The rule's own verdict on each finding, whether or not its fixer is written yet.
    monkeypatch.setattr("mboxlint.rules.base.FIX_PENDING", frozenset())
    code = textwrap.dedent("""
    import os
    def a(p):
        if os.path.exists(p):
            return open(p).read()
    def b(p):
        if not os.path.isfile(p):
            return None
        return open(p).read()
    """)
    result = check_source(code, "<t>", Selection(select=["MBX301"]))
    first, second = result.findings
    assert (first.line, first.col, first.end_line, first.end_col) == (5, 15, 5, 22)
    assert first.fix == "safe"
    assert second.fix == "unsafe"  # guard-clause form with an isfile() guard
    assert "line 7" in second.message


def test_precedence_between_rename_rules():
    code = """
    import os, fcntl
    def a(path, text):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
            os.fsync(f.fileno())
        if os.path.exists(path):
            os.remove(path)
        os.rename(tmp, path)
    def b(path, tmp):
        with open(path, "rb+") as f:
            fcntl.lockf(f, fcntl.LOCK_EX)
            os.rename(tmp + ".tmp", tmp)
            os.rename(path + ".tmp", path)
    """
    # a: MBX305 instead of MBX306 (and the check-then-remove); b: MBX303 instead of MBX306 for
    # the locked target, MBX306 is not reported for a file that was not written here
    assert codes_by_line(code) == [(9, "MBX302"), (10, "MBX305"), (15, "MBX303")]


def test_temp_file_directory_is_compared_with_the_target():
    code = """
    import os, tempfile
    def a(target, data):
        fd, tmp = tempfile.mkstemp(dir=tempfile.gettempdir())
        os.fsync(fd)
        os.replace(tmp, target)
    def b(target, data):
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target))
        os.fsync(fd)
        os.replace(tmp, target)
    def c(target, data):
        with tempfile.NamedTemporaryFile(delete=False) as f:
            os.fsync(f.fileno())
        os.replace(f.name, target)
    """
    assert codes_by_line(code) == [(6, "MBX304"), (14, "MBX304")]


def test_snippet_helper_selects_mbx9():
    assert [f.code for f in findings("""
        import os
        def f(path, last_mtime):
            if os.path.getmtime(path) != last_mtime:
                return True
    """)] == ["MBX903"]


_READER_WITH_DEFAULT = """
import json, os
from pathlib import Path
def load(path=None):
    if path is None:
        path = os.environ.get("APP_STATE", os.path.expanduser("~/.app-state"))
    with open(path) as f:
        return json.load(f)
def save(state, path=None):
{body}
    with open(path, "w") as f:
        json.dump(state, f)
"""
_SAME = 'os.environ.get("APP_STATE", os.path.expanduser("~/.app-state"))'


@pytest.mark.parametrize("body", [
    "    if path is None:\n        path = " + _SAME,
    "    if not path:\n        path = " + _SAME,
    '    """Saves."""\n    if path is None:\n        path: str = ' + _SAME,
    "    path = path or " + _SAME,
    "    path = %s if path is None else path" % _SAME,
    "    path = path if path is not None else " + _SAME,
    "    path = path if path else " + _SAME,
    # statements that do nothing, and a try with no handler, change nothing
    "    pass\n    if path is None:\n        pass\n        path = " + _SAME,
    "    try:\n        'Saves.'\n        path = path or %s\n    finally:\n        pass" % _SAME,
    # further down the body, the parameter's only binding: whatever runs before it, the
    # parameter is still unset there when none was passed
    "    print(path)\n    if path is None:\n        path = " + _SAME,
    "    other = None\n    path = path or " + _SAME,
    "    for x in range(3):\n        print(x)\n    if True:\n        if not path:\n            path = " + _SAME,
    # a handler runs with the parameter still unset: no file at all
    "    try:\n        path = path or %s\n    except OSError:\n        pass" % _SAME,
])
def test_a_parameter_given_the_same_value_when_missing_is_one_file(body):
    code = _READER_WITH_DEFAULT.format(body=body)
    write_line = code.count("\n", 0, code.index('"w"')) + 1
    assert codes_by_line(code, selection=Selection(select=["MBX901"])) == [(write_line, "MBX901")]


@pytest.mark.parametrize("body", [
    # an else: the parameter is rebound whatever was passed
    "    if path is None:\n        path = %s\n    else:\n        path = path + '.x'" % _SAME,
    # two rebindings at the top
    "    if path is None:\n        path = %s\n    path = path or os.path.expanduser('~/.other')" % _SAME,
    # further down, but not the only binding, or built from a local
    "    if path:\n        path = path + '.x'\n    if path is None:\n        path = " + _SAME,
    "    home = os.path.expanduser('~')\n    path = path or os.path.join(home, '.app-state')",
    # the value depends on what was passed
    "    path = path or os.path.join(path or '', 'x')",
    # the same variable with no fallback, another variable, another fallback
    '    if path is None:\n        path = os.environ.get("APP_STATE")',
    '    if path is None:\n        path = os.environ.get("APP_OTHER", os.path.expanduser("~/.app-state"))',
    '    if path is None:\n        path = os.environ.get("APP_STATE", os.path.expanduser("~/.app-other"))',
    # rebound again before the open
    "    if path is None:\n        path = %s\n    path = path + '.new'" % _SAME,
])
def test_a_parameter_not_known_to_get_the_same_value_is_not_paired(body):
    code = _READER_WITH_DEFAULT.format(body=body)
    assert codes_by_line(code, selection=Selection(select=["MBX901"])) == []


def test_a_default_rebinding_counts_only_for_a_missing_default():
    code = """
    import json, os
    def load(path=None):
        if path is None:
            path = os.path.expanduser("~/.app-state")
        with open(path) as f:
            return json.load(f)
    def save(state, path="", also=None):
        if path is None:  # "" is what is passed when nothing is: this value is never the default
            path = os.path.expanduser("~/.app-state")
        with open(path, "w") as f:
            json.dump(state, f)
    def save_required(state, path):
        if path is None:  # every caller passes a path
            path = os.path.expanduser("~/.app-state")
        with open(path, "w") as f:
            json.dump(state, f)
    """
    assert codes_by_line(code, selection=Selection(select=["MBX901"])) == []


@pytest.mark.parametrize("read, write, same", [
    ('os.environ["APP_STATE"]', 'os.environ.get("APP_STATE")', True),
    ('os.getenv("APP_STATE", "s")', 'os.environ.get("APP_STATE", "s")', True),
    ('os.getenv("APP_STATE", default="s")', 'os.getenv("APP_STATE", "s")', True),
    ('os.environ.get("APP_STATE", "s")', 'os.environ.get("APP_STATE")', False),
    ('os.path.expandvars("$HOME/.s")', 'os.path.expandvars("$HOME/.s")', True),
    ('os.path.expandvars("$HOME/.s")', '"$HOME/.s"', False),
    ('Path.home() / ".s"', 'os.path.join(os.path.expanduser("~"), ".s")', True),
    ('Path("~/.s").expanduser()', 'os.path.expanduser("~/.s")', True),
    ('Path.home() / ".s"', 'Path.cwd() / ".s"', False),
])
def test_environment_and_home_lookups_are_one_value_per_run(read, write, same):
    code = """
    import os
    from pathlib import Path
    def load():
        with open({read}) as f:
            return f.read()
    def save(data):
        with open({write}, "w") as f:
            f.write(data)
    """.format(read=read, write=write)
    assert codes_by_line(code, selection=Selection(select=["MBX901"])) == ([(8, "MBX901")] if same else [])


def test_a_path_placed_by_relative_to_is_one_file():
    code = """
    from pathlib import Path
    def mirror(root: Path, target: Path, paths):
        for path in paths:
            link = target / path.relative_to(root)
            if not link.parent.exists():
                link.parent.mkdir(parents=True)
            other = target / path.relative_to(link)
            if not other.exists():
                link.mkdir()
    """
    # the second check is of another path: relative to another base
    assert codes_by_line(code) == [(7, "MBX302")]
