"""Summaries: what the module's own functions do to their parameters, applied at call sites."""

import ast
import textwrap

import pytest

from mboxlint.analysis.imports import ModuleFacts
from mboxlint.analysis.summaries import ModuleSummaries
from mboxlint.engine import check_source

from support import EVERY_RULE, findings, growth


def summaries_of(code):
    tree = ast.parse(textwrap.dedent(code))
    facts = ModuleFacts(tree)
    return ModuleSummaries(facts, tree), tree


def function_summary(code, name):
    summaries, _ = summaries_of(code)
    return summaries.summary(summaries.functions[name], None)


def codes_by_line(code, selection_codes=("MBX1",)):
    return sorted((f.line, f.code) for f in findings(code) if f.code.startswith(selection_codes))


def test_unconditional_operations_are_summarised_in_order():
    summary = function_summary(
        """
        def save(box, other):
            box.lock()
            try:
                box.flush()
            finally:
                box.unlock()
            other.close()
        """, "save")
    assert summary.enter == ((("box", ""), "lock"), (("box", ""), "flush"), (("box", ""), "unlock"),
                             (("other", ""), "close"))


def test_an_operation_on_one_path_makes_the_target_opaque():
    summary = function_summary(
        """
        def maybe(box, ok, other):
            if ok:
                box.lock()
            other.lock()
        """, "maybe")
    assert summary.enter == ((("other", ""), "lock"),)


def test_a_handler_that_reraises_is_not_a_way_on():
    summary = function_summary(
        """
        def grab(box):
            try:
                box.lock()
            except OSError:
                box.unlock()
                raise
        """, "grab")
    assert summary.enter == ((("box", ""), "lock"),)


def test_recursion_is_opaque_and_terminates():
    summary = function_summary(
        """
        def a(box):
            b(box)
        def b(box):
            a(box)
            box.lock()
        """, "a")
    assert summary.enter == ((("box", ""), "lock"),)  # b's own lock; the cycle back to a adds nothing


def test_a_plain_generator_does_nothing_when_called():
    summary = function_summary(
        """
        def gen(box):
            box.lock()
            yield 1
        """, "gen")
    assert not summary.has_effects


def test_context_manager_effects_split_at_the_yield():
    summary = function_summary(
        """
        import contextlib
        @contextlib.contextmanager
        def locked(box):
            box.lock()
            try:
                yield
            finally:
                box.flush()
                box.unlock()
        """, "locked")
    assert summary.context_manager
    assert summary.enter == ((("box", ""), "lock"),)
    assert summary.exit == ((("box", ""), "flush"), (("box", ""), "unlock"))


def test_context_manager_with_a_conditional_yield_is_opaque():
    summary = function_summary(
        """
        from contextlib import contextmanager
        @contextmanager
        def locked(box, ok):
            box.lock()
            if ok:
                yield
            box.unlock()
        """, "locked")
    assert not summary.has_effects


def test_a_function_defined_twice_has_no_summary():
    summaries, _ = summaries_of(
        """
        import sys
        if sys.platform == "win32":
            def grab(box):
                pass
        def grab(box):
            box.lock()
        def grab(box):
            pass
        """)
    assert "grab" not in summaries.functions


def test_methods_reach_through_self_and_inherit_within_the_module():
    summaries, tree = summaries_of(
        """
        class Base:
            def _grab(self):
                self.box.lock()
        class Spool(Base):
            def begin(self):
                self._grab()
        """)
    spool = summaries.classes["Spool"]
    summary = summaries.summary(summaries.methods(spool)["begin"], spool)
    assert summary.enter == ((("self", "box"), "lock"),)


def test_with_a_context_manager_function_locks_the_callers_mailbox():
    code = """
        import contextlib, mailbox
        @contextlib.contextmanager
        def locked(box):
            box.lock()
            try:
                yield box
            finally:
                box.flush()
                box.unlock()
        def deliver(path, msg):
            box = mailbox.mbox(path)
            with locked(box):
                box.add(msg)
            box.add(msg)
        """
    assert codes_by_line(code) == [(15, "MBX101")]  # inside the with: locked; after it: not


def test_a_class_with_enter_and_exit_locks_what_its_init_stored():
    code = """
        import mailbox
        class Holding:
            def __init__(self, box, why):
                self.box = box
            def __enter__(self):
                self.box.lock()
            def __exit__(self, *exc):
                self.box.unlock()
        def deliver(path, msg):
            box = mailbox.mbox(path)
            with Holding(box, "deliver"):
                box.add(msg)
                box.flush()
        """
    assert codes_by_line(code) == []


def test_a_locking_method_locks_self_attribute_and_strands_it_on_error():
    code = """
        import mailbox
        class Spool:
            def __init__(self, path):
                self.box = mailbox.mbox(path)
            def acquire(self):
                self.box.lock()
            def release(self):
                self.box.flush()
                self.box.unlock()
            def add(self, msg):
                self.acquire()
                self.box.add(msg)
                self.release()
            def add_safely(self, msg):
                self.acquire()
                try:
                    self.box.add(msg)
                finally:
                    self.release()
        """
    assert codes_by_line(code) == [(12, "MBX103")]


def test_a_helper_that_locks_and_releases_within_itself_strands_nothing():
    code = """
        import mailbox
        def save(box):
            box.lock()
            try:
                box.flush()
            finally:
                box.unlock()
        def deliver(path, msg):
            box = mailbox.mbox(path)
            box.lock()
            try:
                box.add(msg)
            finally:
                box.unlock()
            save(box)
        """
    # deliver's own unlock left the add pending: MBX102 there; save() raises nothing of its own
    assert codes_by_line(code) == [(15, "MBX102")]


def test_a_helper_unlock_with_changes_pending_is_reported_without_a_fix():
    code = """
        import mailbox
        def release(box):
            box.unlock()
        def deliver(path, msg):
            box = mailbox.mbox(path)
            box.lock()
            try:
                box.add(msg)
            finally:
                release(box)
        """
    found = [f for f in findings(code) if f.code == "MBX102"]
    assert [(f.line, f.fix) for f in found] == [(11, None)]


def test_unknown_and_spread_calls_stay_opaque():
    code = """
        import mailbox
        def grab(box):
            box.lock()
        def deliver(path, msg, args):
            box = mailbox.mbox(path)
            grab(*args)
            box.add(msg)
            box.unlock()
        """
    assert codes_by_line(code) == [(8, "MBX101")]


def test_an_fsync_helper_counts_for_mbx902():
    code = """
        import os
        def durable(handle):
            handle.flush()
            os.fsync(handle.fileno())
        def save(path, text):
            with open(path + ".tmp", "w") as handle:
                handle.write(text)
                durable(handle)
            os.replace(path + ".tmp", path)
        def save_fast(path, text):
            with open(path + ".tmp", "w") as handle:
                handle.write(text)
            os.replace(path + ".tmp", path)
        """
    assert [f.line for f in findings(code) if f.code == "MBX902"] == [14]


def test_summaries_are_computed_once_per_function():
    summaries, _ = summaries_of(
        """
        def grab(box):
            box.lock()
        """)
    node = summaries.functions["grab"]
    assert summaries.summary(node, None) is summaries.summary(node, None)


def test_a_tuple_of_paths_from_one_helper_names_the_same_files_item_by_item():
    code = """
        import json
        class Status:
            def _paths(self):
                return self.base + ".json", self.base + ".tmp"
            def load(self):
                state, _ = self._paths()
                with open(state) as f:
                    return json.load(f)
            def save(self, data):
                _, partial = self._paths()
                with open(partial, "w") as f:
                    json.dump(data, f)
                state, partial = self._paths()
                with open(state, "w") as f:
                    json.dump(data, f)
        """
    assert [(f.line, f.code) for f in findings(code) if f.code == "MBX901"] == [(15, "MBX901")]


def test_returned_paths_are_summarised_only_when_built_from_names_and_constants():
    summaries, _ = summaries_of(
        """
        import os, uuid
        from pathlib import Path
        def joined(d, name):
            return os.path.join(d, name + ".json")
        def rooted(self, key):
            return Path(self.root) / key
        def fresh(d):
            return os.path.join(d, uuid.uuid4().hex)
        def pair(base):
            return base + ".json", base + ".tmp"
        def sometimes(d, ok):
            if ok:
                return os.path.join(d, "x")
        def guarded(d):
            try:
                return os.path.join(d, "x")
            finally:
                pass
        def either(d, ok):
            if ok:
                return os.path.join(d, "a")
            else:
                return os.path.join(d, "b")
        def handled(d):
            try:
                return os.path.join(d, "x")
            except ValueError:
                pass
        """)
    returned = {name: summaries.returns(ast.parse(name + "()", mode="eval").body, None, None)
                for name in summaries.functions}
    assert (returned["joined"].path, returned["joined"].pathlib) == (True, False)
    assert (returned["rooted"].path, returned["rooted"].pathlib) == (True, True)
    assert not returned["fresh"].path
    assert returned["pair"].paths == 2
    assert not returned["sometimes"].path  # falls off the end: returns None too
    assert returned["guarded"].path and returned["either"].path  # every way ends in a return
    assert not returned["handled"].path  # the handler falls off the end


def test_a_key_kept_across_a_helper_unlock_and_lock_goes_stale():
    code = """
        import contextlib, mailbox
        def release(box):
            box.flush()
            box.unlock()
        @contextlib.contextmanager
        def locked(box):
            box.lock()
            try:
                yield
            finally:
                box.flush()
                box.unlock()
        def purge(path):
            box = mailbox.mbox(path)
            box.lock()
            try:
                keys = box.keys()
            finally:
                release(box)
            with locked(box):
                box.remove(keys[0])
        def purge_in_one_period(path):
            box = mailbox.mbox(path)
            with locked(box):
                keys = box.keys()
                box.remove(keys[0])
        """
    assert [(f.line, f.code) for f in findings(code) if f.code.startswith("MBX2")] == [(22, "MBX201")]


# -- hostile shapes: cost grows with the file, never with how its parts refer to each other --
# (module-wide analysis is the new way for one part of a file to reach another)

def helper_chain(n):
    """Each helper calls the next twice: effects copied naively would double at every level."""
    lines = ["import mailbox, os, tempfile", "def h%d(box):" % n, "    box.lock()", "    box.unlock()"]
    for i in range(n - 1, -1, -1):
        lines += ["def h%d(box):" % i, "    h%d(box)" % (i + 1), "    h%d(box)" % (i + 1)]
    lines += ["def use(p):", "    box = mailbox.mbox(p)", "    h0(box)", "    box.add(1)"]
    return "\n".join(lines) + "\n"


def base_chain(n):
    lines = ["import mailbox", "class C0:", "    def grab(self):", "        self.box.lock()"]
    lines += ["class C%d(C%d):\n    pass" % (i, i - 1) for i in range(1, n)]
    lines += ["class Last(C%d):" % (n - 1), "    def __init__(self, p):", "        self.box = mailbox.mbox(p)",
              "    def add(self, m):", "        self.grab()", "        self.box.add(m)"]
    return "\n".join(lines) + "\n"


def private_chain(n):
    lines = ["import os, tempfile", "def f():", "    d0 = tempfile.mkdtemp()"]
    lines += ["    d%d = os.path.join(d%d, 'x')" % (i, i - 1) for i in range(1, n)]
    lines += ["    if os.path.exists(d%d):" % (n - 1), "        os.remove(d%d)" % (n - 1)]
    return "\n".join(lines) + "\n"


def elif_helper(n):
    lines = ["import mailbox", "def grab(box, a):", "    if a == 0:", "        box.lock()"]
    lines += ["    elif a == %d:\n        box.lock()" % i for i in range(1, n)]
    lines += ["def use(p, a):", "    box = mailbox.mbox(p)", "    grab(box, a)", "    box.add(1)", "    box.unlock()"]
    return "\n".join(lines) + "\n"


def rename_arms(n):
    """The same rename in every arm of a long elif chain: alternatives, each compared once."""
    lines = ["import os", "def install(a, b, k):", "    if k == 0:", "        os.rename(a, b)"]
    lines += ["    elif k == %d:\n        os.rename(a, b)" % i for i in range(1, n)]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@pytest.mark.growth
@pytest.mark.parametrize("make, n", [(helper_chain, 300), (base_chain, 300), (private_chain, 400),
                                     (elif_helper, 400), (rename_arms, 300)],
                         ids=["helper-chain", "base-chain", "private-chain", "elif-helper", "rename-arms"])
def test_summaries_cost_grows_linearly_and_never_recurse_on_input(make, n):
    ratio, result = growth(lambda text: check_source(text, "hostile.py"), make, n)
    assert result.error is None, result.error  # no E902: nothing recursed on the input's shape
    assert ratio <= 2.8


@pytest.mark.parametrize("body, ends", [
    ("return p", True),
    ("return p\nprint(p)", True),  # dead code after the return
    ("print(p)", False),
    ("if p:\n    return p\nelse:\n    raise ValueError(p)\nprint(p)", True),
    ("if p:\n    return p", False),
    ("try:\n    return p\nexcept OSError:\n    raise", True),
    ("try:\n    return p\nexcept OSError:\n    pass", False),
    ("try:\n    x = p\nexcept OSError:\n    return None\nelse:\n    return x", True),
    ("try:\n    x = p\nfinally:\n    return p", True),
    ("while p:\n    return p", False),
])
def test_a_function_ends_where_its_returns_say(body, ends):
    from mboxlint.analysis.summaries import _never_falls_off

    assert _never_falls_off(ast.parse(body).body) is ends


def test_dead_code_after_the_return_of_a_path_helper_changes_nothing():
    code = """\
        class Store:
            def _path(self, key):
                return self.root / key
                {dead}

            def update(self, key):
                with self._path(key).open() as f:
                    data = f.read()
                with self._path(key).open("w") as f:
                    f.write(data)
        """
    assert codes_by_line(code.format(dead="pass"), ("MBX901",)) == [(9, "MBX901")]
    assert codes_by_line(code.format(dead="print(key)"), ("MBX901",)) == [(9, "MBX901")]


def test_a_class_that_stores_its_mailbox_inside_a_try_still_locks_it():
    code = """\
        import mailbox

        class Holding:
            def __init__(self, box):
                try:
                    self.box = box
                finally:
                    pass

            def __enter__(self):
                self.box.lock()

            def __exit__(self, *exc_info):
                self.box.flush()
                self.box.unlock()

        def deliver(path, message):
            box = mailbox.mbox(path)
            with Holding(box):
                box.add(message)
        """
    assert codes_by_line(code) == []


@pytest.mark.parametrize("between", ["", "pass", "attempts = 0"])
def test_what_cannot_raise_between_a_helper_lock_and_its_try_changes_nothing(between):
    code = """\
        import mailbox

        class Spool:
            def __init__(self, path):
                self.box = mailbox.MMDF(path)

            def _lock_box(self):
                self.box.lock()

            def add(self, message):
                self._lock_box()
                {between}
                try:
                    self.box.add(message)
                finally:
                    self.box.flush()
                    self.box.unlock()
        """.format(between=between)
    assert codes_by_line(code) == []


def test_lock_then_unlock_at_once_is_not_stranded_whatever_the_layout():
    code = """\
        import mailbox

        def touch(path):
            box = mailbox.mbox(path)
            box.lock()
            box.unlock(); pass
        """
    assert codes_by_line(code) == []


def _method_returns(summaries, class_name, method):
    cls = summaries.classes[class_name]
    call = ast.parse("self.%s()" % method, mode="eval").body
    return summaries.returns(call, cls, "self")


def test_a_path_helper_may_call_getters_of_its_class_and_accessors_of_held_objects():
    summaries, _ = summaries_of(
        """
        import os
        class Folder:
            def short(self):
                return self.name.replace("/", ".")
            def root(self):
                return os.path.join(self.config.getmetadata(), "state-" + self.account.name)
            def seen(self):
                folder = os.path.join(self.root(), "seen")
                if not os.path.isdir(folder):
                    os.mkdir(folder)
                return os.path.join(folder, self.short())
            def counted(self):
                return self.account.counter()
            def by_counter(self):
                return os.path.join(self.root(), self.counted())
            def by_next(self):
                return os.path.join(self.root(), self.config.get_next_name())
            def by_argument(self):
                return os.path.join(self.root(), self.config.getvalue(self.name))
            def two_ways(self):
                folder = self.root()
                if not os.path.isdir(folder):
                    folder = self.config.getfallback()
                return os.path.join(folder, "x")
            def loop_a(self):
                return self.loop_b()
            def loop_b(self):
                return self.loop_a()
            def by_loop(self):
                return os.path.join(self.loop_a(), "x")
            def with_argument(self, name="x"):
                return self.root()
            def by_with_argument(self):
                return os.path.join(self.with_argument(), "x")
        """)
    assert _method_returns(summaries, "Folder", "seen").path
    assert _method_returns(summaries, "Folder", "root").path
    # not a getter (it takes an argument), but a path helper: called with its default, one path
    assert _method_returns(summaries, "Folder", "by_with_argument").path
    for method in ("by_counter", "by_next", "by_argument", "two_ways", "by_loop"):
        assert not _method_returns(summaries, "Folder", method).path, method


def test_a_path_helper_may_call_other_path_helpers_of_the_module():
    summaries, _ = summaries_of(
        """
        import hashlib, os, time
        from pathlib import Path
        COUNT = 0
        def directory(root, version=None):
            if version is None:
                version = "v1"
            folder = root.joinpath(version)
            folder.mkdir(exist_ok=True)
            return folder
        def hashed(root, source, version=None):
            digest = hashlib.sha256(str(source).encode("utf-8")).hexdigest()
            return os.path.join(directory(root, version=version), "%s.pickle" % digest)
        def suffixed(root, name):
            suffix = "" if name.endswith(".json") else ".json"
            return os.path.join(root, name + suffix)
        def stamped(root, name):
            return os.path.join(directory(root), name + str(time.time()))
        def counted(root, name):
            global COUNT
            COUNT += 1
            return os.path.join(root, name + str(COUNT))
        def by_counted(root, name):
            return os.path.join(counted(root, name), "x")
        def spread(root, *names):
            return os.path.join(directory(*names), "x")
        class Cache:
            @staticmethod
            def _within(base, name):
                path = Path(os.path.normpath(base.joinpath(name)))
                return path
            def value_path(self, key):
                return self._within(self.root / "v", key)
            def next_path(self, key):
                self.generation += 1
                return os.path.join(self.root, key + str(self.generation))
        """)

    def returns(name, cls=None, self_name=None):
        call = ast.parse(name + "()", mode="eval").body
        return summaries.returns(call, summaries.classes[cls] if cls else None, self_name)
    for name in ("directory", "hashed", "suffixed"):
        assert returns(name).path, name
    for name in ("stamped", "by_counted", "spread"):
        assert not returns(name).path, name
    assert returns("self.value_path", "Cache", "self").path
    # built from its attributes alone, but it changes one of them: another path next time
    cls = summaries.classes["Cache"]
    func = summaries.methods(cls)["next_path"]
    assert summaries.returns_of(func, cls).path and not summaries.builds_path(func, cls)


def test_getters_are_followed_a_bounded_depth():
    from mboxlint.analysis.summaries import MAX_GETTER_DEPTH

    def chain(n):
        lines = ["import os", "class C:"]
        lines += ["    def g%d(self):\n        return self.g%d()" % (i, i + 1) for i in range(n)]
        lines += ["    def g%d(self):\n        return self.root" % n,
                  "    def path(self):\n        return os.path.join(self.g0(), 'x')"]
        return "\n".join(lines) + "\n"

    within, _ = summaries_of(chain(MAX_GETTER_DEPTH))
    assert _method_returns(within, "C", "path").path
    beyond, _ = summaries_of(chain(MAX_GETTER_DEPTH + 1))
    assert not _method_returns(beyond, "C", "path").path


def getter_chain(n):
    """Getters each calling the next, read and written through a path helper at each end."""
    lines = ["import os", "class C:"]
    lines += ["    def g%d(self):\n        return self.g%d() + self.g%d()" % (i, i + 1, i + 1) for i in range(n)]
    lines += ["    def g%d(self):\n        return self.root" % n]
    lines += ["    def p%d(self):\n        return os.path.join(self.g%d(), 'x')" % (i, i) for i in range(n)]
    lines += ["    def use(self):"]
    lines += ["        open(self.p%d()).read()\n        open(self.p%d(), 'w').write('')" % (i, i) for i in range(n)]
    return "\n".join(lines) + "\n"


def local_chain(n):
    """A path helper whose return is built through a long chain of locals, returned many times."""
    lines = ["import os", "class C:", "    def p(self, k):", "        d0 = self.root"]
    lines += ["        d%d = d%d + 'x'" % (i, i - 1) for i in range(1, n)]
    lines += ["        if k == %d:\n            return os.path.join(d%d, 'y')" % (i, n - 1) for i in range(n)]
    lines += ["        return d%d" % (n - 1), "    def use(self):", "        open(self.p(1)).read()"]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@pytest.mark.growth
@pytest.mark.parametrize("make, n", [(getter_chain, 300), (local_chain, 400)], ids=["getter-chain", "local-chain"])
def test_getters_and_locals_cost_grows_linearly_and_never_recurse_on_input(make, n):
    # every rule: MBX9 compares paths across methods
    ratio, result = growth(lambda text: check_source(text, "hostile.py", EVERY_RULE), make, n)
    assert result.error is None, result.error
    assert ratio <= 2.8


def test_attributes_whose_entries_hold_only_mtimes_are_found_once_per_class():
    summaries, _ = summaries_of(
        """
        import os
        class Spool:
            def scan(self, name, path):
                st = os.stat(path)
                self.entries[name] = {"path": path, "mtime": int(st.st_mtime)}
                mtime = os.path.getmtime(path)
                self.seen[path] = mtime
                self.stamps[name] = round(os.path.getmtime(path))
                self.fields[name]["mtime"] = os.stat(path).st_mtime
                self.mixed[name] = os.path.getmtime(path)
                self.sizes[name] = os.path.getsize(path)
                self.two[name] = {"mtime": st.st_mtime, "ctime": st.st_mtime}
            def reset(self, name):
                self.mixed[name] = None
        """)
    stores = summaries.mtime_stores(summaries.classes["Spool"])
    assert stores == {"entries": "mtime", "seen": None, "stamps": None, "fields": "mtime"}
    assert summaries.mtime_stores(summaries.classes["Spool"]) is stores


def test_a_store_after_a_return_does_not_mix_what_an_attribute_holds():
    summaries, _ = summaries_of(
        """
        import os
        class Spool:
            def scan(self, name, path):
                self.seen[name] = os.path.getmtime(path)
            def changed(self, name, status):
                if self.seen[name] != status.kept(name):
                    return True
                    self.seen[name] = status  # dead: after the return
                return False
        """)
    assert summaries.mtime_stores(summaries.classes["Spool"]) == {"seen": None}


def long_display(n):
    """A checked path in a list display as long as the file allows, iterated."""
    elements = ", ".join(["pid"] * n)
    return ("import os\ndef f(pid):\n    if not os.path.exists(pid):\n        return\n"
            "    names = [%s]\n    for name in names:\n        open(name).read()\n" % elements)


@pytest.mark.slow
@pytest.mark.growth
def test_a_long_list_of_one_path_costs_linear_time():
    test_summaries_cost_grows_linearly_and_never_recurse_on_input(long_display, 20000)
    result = check_source(long_display(3), "x.py")
    assert [f.code for f in result.findings] == ["MBX301"]


@pytest.mark.parametrize("method, stable", [
    ("getmetadata", True), ("get", True), ("get_state_root", True), ("getaccount", True), ("getAccountDir", True),
    ("get_next_name", False), ("getNextName", False), ("getnewname", False), ("gettempdir", False),
    ("get_account_count", False), ("getTimestamp", False), ("metadata", False), ("fetch", False),
])
def test_an_accessor_is_stable_by_its_name(method, stable):
    from mboxlint.analysis.summaries import stable_lookup

    assert stable_lookup(method) is stable
