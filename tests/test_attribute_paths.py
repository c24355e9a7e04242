"""Paths kept on ``self``: a temp name derived from the target in one method and renamed onto
it in another is known to be named after its target, as in one function."""

import ast
import textwrap

import pytest

from mboxlint.analysis import analyse
from mboxlint.analysis.events import FileRename
from mboxlint.analysis.pathkey import call_key, const_key, name_key, substitute
from support import findings, growth



def codes(code):
    return sorted((f.line, f.code) for f in findings(code))


def renames(code):
    return analyse(ast.parse(textwrap.dedent(code))).events_of(FileRename)


WRITER = """
import os

class Writer:
    def __init__(self, filename):
        self.filename = filename
        self.tmpname = {temp}
        self.file = open(self.tmpname, "w")

    def close(self):
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.rename(self.tmpname, self.filename)
{extra}"""


@pytest.mark.parametrize("temp", [
    'filename + ".tmp"',
    'filename + ".tmp.%d" % os.getpid()',
    'f"{filename}.new"',
    'os.path.join(os.path.dirname(filename), "." + os.path.basename(filename))',
])
def test_a_temp_derived_in_init_and_renamed_in_close_is_reported(temp):
    code = WRITER.format(temp=temp, extra="")
    assert codes(code) == [(14, "MBX306")]
    (event,) = renames(code)
    assert event.derived and event.temp is not None and event.temp.synced
    assert str(event.dst) == "self.filename"


@pytest.mark.parametrize("extra", [
    "    def retarget(self, other):\n        self.filename = other\n",
    "    def retarget(self, other):\n        self.filename += other\n",
    "    def retarget(self, pair):\n        self.filename, self.mode = pair\n",
    "    def retarget(self, names):\n        for self.filename in names:\n            pass\n",
    "    def scratch(self, other):\n        self.tmpname = other\n",
    "    def scratch(self, other):\n        if other:\n            self.tmpname = other\n",
    "    def reopen(self):\n        self.file = open(self.filename, 'w')\n",
])
def test_an_attribute_bound_another_way_anywhere_in_the_class_is_unknown(extra):
    code = WRITER.format(temp='filename + ".tmp"', extra="\n" + extra)
    assert "MBX306" not in {c for _, c in codes(code)}


def test_the_same_derivation_bound_in_two_methods_still_counts():
    extra = '\n    def reset(self):\n        self.tmpname = self.filename + ".tmp"\n'
    code = WRITER.format(temp='filename + ".tmp"', extra=extra)
    assert codes(code) == [(14, "MBX306")]


def test_the_method_that_binds_the_attribute_follows_its_own_binding():
    code = """
    import os

    class Writer:
        def __init__(self, filename):
            self.filename = filename
            self.tmpname = filename + ".tmp"

        def close(self):
            self.tmpname = self.filename + ".other"
            with open(self.tmpname, "w") as f:
                f.write("x")
            os.rename(self.tmpname, self.filename)
    """
    (event,) = renames(code)
    assert str(event.src) == "concat(self.filename,'.other')"


def test_a_fresh_target_kept_on_self_is_not_replaced():
    code = """
    import os, time

    class Spool:
        def __init__(self, spool):
            self.final = os.path.join(spool, "%d.msg" % time.time())
            self.part = self.final + ".part"
            self.out = open(self.part, "w")

        def commit(self):
            self.out.close()
            os.rename(self.part, self.final)
    """
    (event,) = renames(code)
    assert event.fresh_dst and event.derived


def test_a_parameter_rebound_before_it_is_stored_is_not_the_attribute():
    code = """
    import os

    class Writer:
        def __init__(self, filename):
            filename = os.path.join("spool", filename)
            self.tmpname = filename + ".tmp"
            self.filename = filename
            self.file = open(self.tmpname, "w")

        def close(self):
            self.file.close()
            os.rename(self.tmpname, self.filename)
    """
    (event,) = renames(code)
    assert not event.derived and event.temp is None


def test_static_methods_and_self_rebinding_methods_see_nothing_kept():
    code = """
    import os

    class Writer:
        def __init__(self, filename):
            self.filename = filename
            self.tmpname = filename + ".tmp"
            self.file = open(self.tmpname, "w")

        @staticmethod
        def swap(self):
            os.rename(self.tmpname, self.filename)

        def other(self, twin):
            self = twin
            os.rename(self.tmpname, self.filename)
    """
    assert [e.derived for e in renames(code)] == [False, False]


def test_attributes_built_from_each_other_in_a_cycle_are_left_out():
    code = """
    import os

    class Loop:
        def __init__(self):
            self.a = self.b + ".x"
            self.b = self.a + ".y"
            self.out = open(self.a, "w")

        def commit(self):
            os.rename(self.a, self.b)
    """
    (event,) = renames(code)
    assert (str(event.src), str(event.dst)) == ("self.a", "self.b") and event.temp is None


def test_fresh_values_have_keys_of_their_own_call_site():
    code = """
    import os, time, uuid

    def backup(path):
        os.rename(path, path + ".%d" % time.time())

    def two(path):
        os.rename(path + str(uuid.uuid4()), path + str(uuid.uuid4()))
    """
    first, second = renames(code)
    assert first.fresh_dst and str(first.dst).startswith("concat(path,'.%d',fresh:time.time()@")
    assert second.src is not second.dst and second.fresh_dst
    assert codes(code) == []


def test_substitute_rebuilds_keys_as_call_key_builds_them():
    a, b, x = name_key("self.a"), name_key("p"), const_key(".x")
    key = call_key("concat", [a, x])
    assert substitute(key, {}) is key
    assert substitute(key, {a: call_key("concat", [b, const_key(".y")])}) is \
        call_key("concat", [b, const_key(".y"), x])
    assert substitute(a, {a: b}) is b
    deep = a
    for _ in range(20000):  # as deep as a hostile chain of keys gets: no recursion
        deep = call_key("dirname", [deep])
    rebuilt = substitute(deep, {a: b})
    assert rebuilt.size == deep.size - len("self.a") + len("p") and rebuilt.last_leaf is b


def _many_attributes(n: int) -> str:
    """A class keeping ``n`` temp names derived from one target, each renamed in a method."""
    lines = ["import os", "", "class Many:", "    def __init__(self, path):", "        self.path = path"]
    lines += ["        self.t%d = path + '.%d'" % (i, i) for i in range(n)]
    lines += ["        self.f%d = open(self.t%d, 'w')" % (i, i) for i in range(n)]
    for i in range(n):
        lines += ["", "    def commit%d(self):" % i, "        os.rename(self.t%d, self.path)" % i]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@pytest.mark.growth
def test_cost_grows_linearly_with_the_attributes_and_methods_of_a_class():
    assert sum(x.code == "MBX306" for x in findings(_many_attributes(150))) == 150
    ratio, found = growth(findings, _many_attributes, 150)
    assert sum(x.code == "MBX306" for x in found) == 300
    assert ratio <= 2.8, "twice the attributes and methods took %.2fx the time" % ratio


def test_a_fresh_name_kept_on_self_is_fresh_where_another_method_builds_its_temp():
    code = """
    import os, uuid

    class Spool:
        def __init__(self, spool):
            self.final = os.path.join(spool, uuid.uuid4().hex + ".msg")

        def commit(self, data):
            with open(self.final + ".part", "w") as f:
                f.write(data)
                os.fsync(f.fileno())
            os.rename(self.final + ".part", self.final)
    """
    (event,) = renames(code)
    assert event.derived and event.fresh_dst
    assert codes(code) == []


def test_a_method_body_inside_try_finally_is_still_its_top_level():
    plain = WRITER.format(temp='filename + ".tmp"', extra="")
    wrapped = plain.replace(
        '        self.filename = filename\n        self.tmpname = filename + ".tmp"\n'
        '        self.file = open(self.tmpname, "w")\n',
        '        try:\n            self.filename = filename\n            self.tmpname = filename + ".tmp"\n'
        '            self.file = open(self.tmpname, "w")\n        finally:\n            pass\n')
    assert wrapped != plain
    assert [code for _line, code in codes(plain)] == [code for _line, code in codes(wrapped)] == ["MBX306"]


def test_an_unrelated_assignment_expression_changes_nothing():
    # With ``:=`` in the module the names it binds are read too; nothing else may change.
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("self_attribute_paths.py", "self_attribute_paths_clean.py"):
        with open(os.path.join(here, os.pardir, "fixtures", "files", name), encoding="utf-8") as handle:
            text = handle.read()
        walrus = text + "\n\ndef unrelated(values):\n    return [y for x in values if (y := x)]\n"
        assert codes(walrus) == codes(text)
