"""Findings where nobody else writes are noise: private temporary state is exempt, and a few
shapes that cannot go wrong are not reported. Shared state stays reported."""

import ast
import textwrap
import tokenize

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import mboxlint.analysis as analysis_package
import mboxlint.engine as engine_module
from mboxlint.analysis.imports import ModuleFacts
from mboxlint.analysis.summaries import ModuleSummaries
from mboxlint.engine import check_source, check_tree, parse
from mboxlint.selection import Selection
from mboxlint.rules import all_rules

from support import findings, fixture_files


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


# -- MBX901: write-once files, separate tests --------------------------------------------------

def test_a_file_created_once_then_read_is_not_rewritten_in_place():
    code = """
        import json
        def export(report, rows):
            with open(report, "w") as f:
                f.write(rows)
            with open(report) as f:
                return f.read()
        def export_twice(report, rows):
            with open(report, "w") as f:
                f.write(rows)
            with open(report) as f:
                old = f.read()
            with open(report, "w") as f:
                f.write(old + rows)
        """
    assert reported(code, "MBX901") == [(9, "MBX901"), (13, "MBX901")]


def test_a_file_created_where_it_was_missing_is_written_once():
    code = """
        import os
        MARKER = "done"
        def mark():
            if not os.path.exists(MARKER):
                with open(MARKER, "w") as f:
                    f.write("1")
        def marked():
            with open(MARKER) as f:
                return f.read()
        """
    assert reported(code, "MBX901") == []


def test_two_test_functions_do_not_share_a_file_by_spelling_alone():
    code = """
        def test_write():
            with open("out.txt", "w") as f:
                f.write("x")
        def test_read():
            with open("out.txt") as f:
                assert f.read()
        def read_state():
            with open("out.txt") as f:
                return f.read()
        def save_state(text):
            with open("out.txt", "w") as f:
                f.write(text)
        """
    # A test sets up its own files: its write is not reported, even of a file the module's
    # own code reads; the program's own rewrite of that file is.
    assert reported(code, "MBX901") == [(12, "MBX901")]


# -- gates skip only what cannot fire -----------------------------------------------------------

def _ungated(monkeypatch):
    """Every gate open: text triggers, ``applies`` of each analysis, and the scope filter."""
    monkeypatch.setattr(engine_module, "has_trigger", lambda text, triggers: True)
    monkeypatch.setattr(analysis_package, "has_trigger", lambda text, triggers: True)
    monkeypatch.setattr(analysis_package, "_scope_filter", lambda text, active, path_words=None, facts=None, tree=None, callers=None: None)
    for cls in analysis_package.ANALYSES:
        monkeypatch.setattr(cls, "applies", staticmethod(lambda facts: True))


def _gated_and_ungated(text):
    tree = parse(text)
    gated = check_tree(tree, None, None, text)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _ungated(monkeypatch)
        ungated = check_tree(parse(text), None, None, text)
    return gated, ungated


def _known_sources():
    for path in fixture_files():
        with tokenize.open(path) as handle:
            yield pytest.param(handle.read(), id=path.rsplit("fixtures/", 1)[-1])
    for rule in all_rules():
        for index, example in enumerate(list(rule.VALID) + [e.code for e in rule.invalid_examples()]):
            yield pytest.param(textwrap.dedent(example), id="%s-%d" % (rule.code, index))


@pytest.mark.parametrize("text", list(_known_sources()))
def test_no_gate_changes_a_finding_on_fixtures_and_examples(text):
    gated, ungated = _gated_and_ungated(text)
    assert gated == ungated


IMPORT_LINES = ["import os", "import mailbox", "import json", "import tempfile", "import imaplib",
                "from pathlib import Path", "import fcntl", "import os.path as osp",
                "from shutil import move as mv", "from os import replace as swap"]
BODY_LINES = [
    "with open(P, 'w') as f: f.write('x')",
    "with open(P) as f: f.read()",
    "data = self.p.read_text()",
    "self.p.write_text('x')",
    "if os.path.exists(P): os.remove(P)",
    "if osp.exists(P): open(P, 'w').close()",
    "os.replace(P + '.tmp', P)",
    "fd, T = tempfile.mkstemp()",
    "os.rename(T, P)",
    "box = mailbox.mbox(P)",
    "box.lock()",
    "box.add(m)",
    "box.unlock()",
    "keys = box.keys()",
    "box.remove(keys[0])",
    "typ, nums = conn.search(None, 'ALL')",
    "conn.store(nums[0], '+FLAGS', 'x')",
    "conn = imaplib.IMAP4(h)",
    "if os.path.getmtime(P) != self.m: pass",
    "Path(P).write_text('x')",
    "q = Path(P)",
    "q.rename(P + '.old')",
    "lock(box)",
    "mv(P, P + '.old')",
    "swap(P + '.tmp', P)",
    "m = P.replace('a', 'b')",
    "h.remove(P)",
]

programs = st.builds(
    lambda imports, first, second: "\n".join(
        imports
        + ["def lock(b):", "    b.lock()", "class C:", "    def a(self, P, m, h, conn):"]
        + ["        " + line for line in first or ["pass"]]
        + ["    def b(self, P, m, h, conn):"]
        + ["        " + line for line in second or ["pass"]]) + "\n",
    st.lists(st.sampled_from(IMPORT_LINES), max_size=3, unique=True),
    st.lists(st.sampled_from(BODY_LINES), max_size=6),
    st.lists(st.sampled_from(BODY_LINES), max_size=4),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs)
def test_no_gate_changes_a_finding_on_generated_programs(text):
    gated, ungated = _gated_and_ungated(text)
    assert gated == ungated
    # ... nor the gate before parsing, which may leave a module unparsed
    for selection in (Selection(), Selection(select=["MBX"])):
        assert check_source(text, "m.py", selection).findings == \
            check_tree(parse(text), selection.enabled, None, text, gate=False)


# -- classes chosen at run time ----------------------------------------------------------------

def test_class_choices_resolve_every_branch_and_alias():
    tree = ast.parse(textwrap.dedent(
        """
        import mailbox, imaplib
        Box = mailbox.mbox if X else mailbox.MMDF
        def f(c, factory):
            make = mailbox.MH if c else Box
            other = factory if c else mailbox.mbox
            conn = imaplib.IMAP4_SSL or imaplib.IMAP4
        """))
    facts = ModuleFacts(tree)
    func = tree.body[-1]
    aliases = facts.local_class_aliases(func)
    assert facts.class_aliases["Box"] == {"mailbox.mbox", "mailbox.MMDF"}
    assert aliases["make"] == {"mailbox.MH", "mailbox.mbox", "mailbox.MMDF"}
    assert "other" not in aliases  # one branch unknown: no set of classes
    assert aliases["conn"] == {"imaplib.IMAP4_SSL", "imaplib.IMAP4"}


def test_a_mailbox_made_from_a_chosen_class_is_tracked():
    code = """
        import mailbox
        def deliver(path, msg, mmdf):
            make = mailbox.MMDF if mmdf else mailbox.mbox
            box = make(path)
            box.add(msg)
        def deliver_maildir(path, msg, new):
            make = mailbox.Maildir if new else mailbox.Maildir
            box = make(path)
            box.add(msg)
        def rebound(path, msg, mmdf):
            make = mailbox.mbox
            make = open
            box = make(path)
            box.add(msg)
        """
    assert reported(code) == [(6, "MBX101")]


def test_an_imap_connection_from_a_chosen_class_is_tracked():
    code = """
        import imaplib
        def purge(host, ssl):
            make = imaplib.IMAP4_SSL if ssl else imaplib.IMAP4
            conn = make(host)
            typ, data = conn.search(None, "ALL")
            conn.store(data[0].split()[0], "+FLAGS", "x")
        """
    assert reported(code) == [(7, "MBX210")]


# -- a path produced by a helper call -------------------------------------------------------------

def test_the_same_helper_call_with_the_same_arguments_is_the_same_file():
    code = """
        import json
        from pathlib import Path
        class Store:
            def _path(self, key):
                return Path(self.root) / key
            def update(self, key, other):
                data = json.loads(self._path(key).read_text())
                self._path(other).write_text("x")
                self._path(key).write_text(json.dumps(data))
        """
    assert reported(code, "MBX901") == [(10, "MBX901")]


def test_a_helper_that_does_not_only_build_paths_is_opaque():
    code = """
        import uuid
        def fresh(directory):
            print(directory)
            return directory + "/" + uuid.uuid4().hex
        def work(directory):
            with open(fresh(directory)) as f:
                data = f.read()
            with open(fresh(directory), "w") as f:
                f.write(data)
        """
    assert reported(code, "MBX901") == []


def test_a_helper_that_names_a_fresh_file_each_call_is_opaque():
    code = """
        import os, uuid
        def fresh(directory):
            return os.path.join(directory, uuid.uuid4().hex)
        def work(directory):
            with open(fresh(directory)) as f:
                data = f.read()
            with open(fresh(directory), "w") as f:
                f.write(data)
        """
    assert reported(code, "MBX901") == []


# -- forms the analysis follows now ------------------------------------------------------------

def test_slices_unbound_path_methods_and_rebinding_name_the_checked_file():
    code = """
        import os
        from pathlib import Path
        def read(self, name, path):
            if os.path.exists(self.filename[:-1]):
                open(self.filename[:-1]).read()
            if os.path.exists(self.filename[:-1]):
                open(self.filename[1:]).read()
            if Path(name).exists():
                Path.read_text(Path(name))
            path = Path(path)
            if path.exists():
                path.open().read()
        """
    assert reported(code, "MBX301") == [(6, "MBX301"), (10, "MBX301"), (13, "MBX301")]


def test_a_retry_loop_left_by_break_into_try_finally_releases_the_lock():
    code = """
        import mailbox, time
        def deliver(path, msg):
            box = mailbox.mbox(path)
            while True:
                try:
                    box.lock()
                    break
                except mailbox.ExternalClashError:
                    time.sleep(1)
            try:
                box.add(msg)
                box.flush()
            finally:
                box.unlock()
        """
    assert reported(code) == []


def test_renames_in_exclusive_branches_are_not_retries_but_a_handler_retry_is():
    code = """
        import os
        def install(a, b):
            if os.name == "nt":
                os.rename(a, b)
            elif os.name == "java":
                os.rename(a, b)
            else:
                os.rename(a, b)
        def retry(a, b):
            try:
                os.rename(a, b)
            except FileExistsError:
                os.rename(a, b)
        """
    assert reported(code, "MBX306") == [(14, "MBX306")]


def test_names_made_unique_by_uuid_time_pid_or_hash_are_fresh_targets():
    code = """
        import hashlib, os, time, uuid
        def by_uuid(spool, data):
            final = os.path.join(spool, uuid.uuid4().hex)
            os.rename(final + ".tmp", final)
        def by_time_and_pid(spool):
            name = "%d.%d" % (time.time(), os.getpid())
            final = os.path.join(spool, name)
            os.rename(final + ".tmp", final)
        def by_hash(spool, data):
            final = os.path.join(spool, hashlib.sha1(data).hexdigest())
            os.rename(final + ".tmp", final)
        def by_name(spool, name):
            final = os.path.join(spool, name)
            with open(final + ".tmp", "w") as f:
                f.write("x")
            os.rename(final + ".tmp", final)
        """
    assert reported(code, "MBX306") == [(17, "MBX306")]


def test_a_handler_that_reraises_does_not_survive_the_race_and_one_around_a_rename_does():
    code = """
        import os
        def remove(p):
            if os.path.exists(p):
                try:
                    os.remove(p)
                except FileNotFoundError:
                    raise RuntimeError("gone")
        def move(p, q):
            if os.path.exists(p):
                try:
                    os.rename(p, q)
                except FileNotFoundError:
                    pass
        """
    assert reported(code, "MBX302") == [(6, "MBX302")]


def test_code_after_a_handlers_raise_is_dead_and_the_handler_still_reraises():
    code = """
        import os
        def remove(p):
            if os.path.exists(p):
                try:
                    os.remove(p)
                except OSError:
                    raise
                    print("never")
        """
    assert reported(code, "MBX302") == [(6, "MBX302")]


def test_the_codes_own_create_makes_a_check_stale():
    code = """
        import os, shutil
        def seed(src, dst):
            if not os.path.exists(dst):
                shutil.copy(src, dst)
                open(dst, "a").write("seeded")
        """
    assert reported(code, "MBX302") == []


def test_mtime_bound_to_a_name_and_unpacked_cache_entries_are_compared_values():
    code = """
        import os
        def changed(path, known_mtime):
            mtime = os.stat(path).st_mtime
            if mtime != known_mtime:
                return True
        def stale(cache, path):
            size, mtime = cache[path]
            if os.path.getmtime(path) != mtime:
                return True
        """
    assert reported(code, "MBX903") == [(5, "MBX903"), (9, "MBX903")]


def test_a_parameter_is_an_earlier_mtime_only_when_its_name_says_so_and_it_is_tested_for_equality():
    code = """
        import os
        def saved(path, last_mtime):
            if os.path.getmtime(path) != last_mtime:
                return True
        def stamped(path, prevStamp):
            if os.stat(path).st_mtime == prevStamp:
                return False
        def other_file(path, src_mtime):
            if os.path.getmtime(path) != src_mtime:
                return True
        def cutoff(path, since):
            if os.path.getmtime(path) != since:
                return True
        def ordered(path, last_mtime):
            if os.path.getmtime(path) > last_mtime:
                return True
        def make_style(path, p_time):
            if p_time > os.path.getmtime(path + ".cache"):
                return None
        def age(lock, dead_if_created_before):
            lock_time = lock.stat().st_mtime
            if lock_time < dead_if_created_before:
                lock.unlink()
        """
    assert reported(code, "MBX903") == [(4, "MBX903"), (7, "MBX903")]


def test_an_earlier_value_copied_into_a_local_is_still_an_earlier_value():
    code = """
        import os, time
        class Directory:
            def __init__(self):
                self.read_at = time.time()
            def outdated(self):
                try:
                    if self.flat:
                        real = level_mtime(self.path)
                    else:
                        real = os.stat(self.path).st_mtime
                except OSError:
                    return False
                if self.loaded:
                    cached = self.load_mtime
                else:
                    cached = 0
                if real != cached:
                    return True
            def through_a_parameter(self, path, old_mtime):
                kept = old_mtime
                if os.path.getmtime(path) != kept:
                    return True
            def clock(self):
                last = self.read_at
                if os.path.getmtime(self.path) > last:
                    return True
            def rebound(self):
                cached = self.load_mtime
                cached = compute()
                if os.path.getmtime(self.path) != cached:
                    return True
            def two_files(self, flag):
                if flag:
                    real = os.path.getmtime(self.path)
                else:
                    real = os.path.getmtime(self.other)
                if real != self.load_mtime:
                    return True
            def conditional(self):
                cached = self.load_mtime if self.loaded else None
                if os.stat(self.path).st_mtime != cached:
                    return True
            def conditional_cutoff(self, limit):
                cutoff = limit if limit else 0
                if os.path.getmtime(self.path) < cutoff:
                    return True
        """
    assert reported(code, "MBX903") == [(18, "MBX903"), (22, "MBX903"), (42, "MBX903")]


def test_a_field_of_a_cache_entry_is_a_cached_value():
    code = """
        import os
        class Commands:
            def update(self, paths):
                for path in paths:
                    modified = os.path.getmtime(path)
                    if path not in self.cache or self.cache[path].mtime != modified:
                        self.cache[path] = (modified, ())
            def copied(self, path):
                kept = self.cache.get(path).mtime
                if os.path.getmtime(path) != kept:
                    return True
            def whole_stat(self, path):
                st = os.stat(path)
                if st[8] != self.cache[path].mtime:  # the stat tuple's ST_MTIME field
                    return True
        """
    assert reported(code, "MBX903") == [(7, "MBX903"), (11, "MBX903"), (15, "MBX903")]


def test_a_parameter_defaulting_to_a_module_constant_names_that_file():
    code = """
        import json
        STATE = "state.json"
        def load(path=STATE):
            with open(path) as f:
                return json.load(f)
        def save(state, *, path=STATE):
            with open(path, "w") as f:
                json.dump(state, f)
        def save_elsewhere(state, path):
            with open(path, "w") as f:
                json.dump(state, f)
        """
    assert reported(code, "MBX901") == [(8, "MBX901")]


def test_test_functions_rewriting_their_own_files_are_not_reported():
    code = """
        TESTFN = "@test"
        def test_one():
            with open(TESTFN, "w") as f:
                f.write("1")
            with open(TESTFN) as f:
                assert f.read() == "1"
        def test_two():
            with open(TESTFN, "w") as f:
                f.write("2")
            with open(TESTFN) as f:
                assert f.read() == "2"
            with open(TESTFN, "w") as f:
                f.write("3")
        def rewrite(text):
            with open(TESTFN) as f:
                old = f.read()
            with open(TESTFN, "w") as f:
                f.write(old + text)
        """
    # Each test sets up its own file, rewrites included; the module's own helper is reported.
    assert reported(code, "MBX901") == [(18, "MBX901")]


def test_a_test_module_is_one_whose_top_level_imports_a_test_framework():
    program = """
        import os
        RECENT = os.path.expanduser("~/.recent")
        def load():
            with open(RECENT) as f:
                return f.read()
        def save(text):
            with open(RECENT, "w") as f:
                f.write(text)
        if __name__ == "__main__":
            from unittest import main
            main("tests.test_recent")
        """
    # Running its tests from ``__main__`` does not make a program a test module.
    assert reported(program, "MBX901") == [(8, "MBX901")]
    suite = program.replace("import os\n", "import os\n        try:\n            import pytest\n"
                                            "        except ImportError:\n            pytest = None\n")
    assert reported(suite, "MBX901") == []


def test_mtimes_of_files_in_a_private_directory_are_not_reported():
    code = """
        import os, tempfile
        def test_resume(tmp_path):
            target = tmp_path / "out.bin"
            before = os.path.getmtime(target)
            assert os.path.getmtime(target) == before
        def scratch():
            target = os.path.join(tempfile.mkdtemp(), "x")
            before = os.stat(target).st_mtime
            if os.stat(target).st_mtime != before:
                return True
        def shared(target):
            before = os.path.getmtime(target)
            assert os.path.getmtime(target) == before
        """
    assert reported(code, "MBX903") == [(14, "MBX903")]


def test_an_attribute_only_ever_set_from_parameters_is_a_value_from_outside():
    code = """
        import os
        class Expiry:
            def __init__(self, root, max_age, now, last_mtime=None):
                self.root = root
                self.cutoff = now - max_age
                self.last_mtime = last_mtime
                self.pair_mtime = last_mtime
            def expired(self, name):
                if os.path.getmtime(os.path.join(self.root, name)) < self.cutoff:
                    return True
            def touched(self):
                if os.path.getmtime(self.root) != self.last_mtime:
                    return True
            def reload(self):
                st = os.stat(self.root)
                self.pair_mtime, self.size = st.st_mtime, st.st_size
            def newer(self):
                if os.path.getmtime(self.root) > self.pair_mtime:
                    return True
            def unset(self):
                if os.path.getmtime(self.root) > self.elsewhere:
                    return True
        class Options:
            def __init__(self, root, options, st):
                self.root = root
                self.max_age = options.max_age
                self.seen = st.st_mtime
            def old(self):
                if os.path.getmtime(self.root) < self.max_age:
                    return True
            def changed(self):
                if os.path.getmtime(self.root) > self.seen:
                    return True
        """
    assert reported(code, "MBX903") == [(13, "MBX903"), (19, "MBX903"), (22, "MBX903"), (33, "MBX903")]
