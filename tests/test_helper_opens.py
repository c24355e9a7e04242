"""Helpers of the module that open a file and return it: the call is that open."""

import ast
import re
import sys
import textwrap

import pytest

from mboxlint.analysis.imports import ModuleFacts
from mboxlint.analysis.summaries import ModuleSummaries
from mboxlint.config import Selection
from mboxlint.engine import check_source
from mboxlint.fix import fix_source

from support import findings, growth


def returned_call(code, name):
    """The call whose value every return of ``name`` gives, as a caller of it sees it."""
    tree = ast.parse(textwrap.dedent(code))
    summaries = ModuleSummaries(ModuleFacts(tree), tree)
    caller = ast.parse('%s("x", "w")' % name, mode="eval").body
    found = summaries.returned_call(caller, None, None, lambda call: True)
    return found[0] if found is not None else None


def codes(code, prefix="MBX"):
    return sorted((f.line, f.code) for f in findings(code) if f.code.startswith(prefix))


def marked(code, prefix="MBX"):
    """``(line, code)`` of each code a line's ``# MBXnnn, MBXnnn ...`` comment names."""
    found = []
    for number, line in enumerate(textwrap.dedent(code).splitlines(), 1):
        comment = line.partition("#")[2]
        if comment.lstrip().startswith("MBX"):
            found += [(number, c) for c in re.findall(r"MBX\d+", comment.split(":")[0]) if c.startswith(prefix)]
    return sorted(found)


@pytest.mark.parametrize("body", [
    "return open(name, mode)",
    "f = open(name, mode)\nreturn f",
    "try:\n    f = open(name, mode)\nexcept OSError as e:\n    raise RuntimeError(e)\nreturn f",
    "old = os.umask(0)\ntry:\n    f = open(name, mode)\nfinally:\n    os.umask(old)\nreturn f",
    "try:\n    return open(name, mode)\nexcept IOError:\n    raise",
])
def test_every_return_giving_one_call_is_summarised(body):
    code = "import os\ndef helper(name, mode):\n" + textwrap.indent(body, "    ") + "\n"
    call = returned_call(code, "helper")
    assert isinstance(call, ast.Call) and call.func.id == "open"


@pytest.mark.parametrize("body", [
    "if not name:\n    return None\nreturn open(name, mode)",  # may give None
    "if mode:\n    return open(name, mode)",  # falls off its end
    "return Box(open(name, mode))",  # another object (a call, but not an open: the paths decide)
    "f = open(name, mode)\nf = Box(f)\nreturn f",  # rebound
    "f = open(name, mode)\nf.close()\nreturn f",  # closed
    "with open(name, mode) as f:\n    return f",  # closed on leaving
    "if mode:\n    return open(name, mode)\nreturn open(name + '.old', mode)",  # two opens
    "global f\nf = open(name, mode)\nreturn f",
    "try:\n    f = open(name, mode)\nexcept OSError as f:\n    raise\nreturn f",
    "f = open(name, mode)\nyield f\nreturn f",  # a generator
])
def test_other_returns_have_no_returned_open(body):
    code = "import os\ndef helper(name, mode):\n" + textwrap.indent(body, "    ") + "\n"
    call = returned_call(code, "helper")
    if call is not None:  # only a call that is not an open: the wrapper
        assert call.func.id == "Box"


def test_decorated_and_async_helpers_are_opaque():
    code = """
    import functools
    @functools.lru_cache()
    def cached(name):
        return open(name)
    async def later(name):
        return open(name)
    """
    assert returned_call(code, "cached") is None
    assert returned_call(code, "later") is None


HELPER = """
import os

def opener(name, mode="r"):
    try:
        f = open(name, mode)
    except OSError as e:
        raise RuntimeError(e)
    return f
"""


def test_the_callers_constant_mode_and_path_take_the_parameters_place():
    code = HELPER + """
def save(target, text):
    tmp = target + ".tmp"
    with opener(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, target)  # MBX306, MBX902

def save_by_keyword(target, text):
    tmp = target + ".tmp"
    f = opener(mode="w", name=tmp)
    f.write(text)
    os.fsync(f.fileno())
    f.close()
    os.rename(tmp, target)  # MBX306 only: fsynced through the helper's file

def reread(target):
    tmp = target + ".tmp"
    opener(tmp).close()  # the default mode: a read
    os.rename(tmp, target)

def unknown_mode(target, mode):
    tmp = target + ".tmp"
    opener(tmp, mode).close()
    os.rename(tmp, target)
"""
    assert codes(code) == marked(code) and len(marked(code)) == 3


def test_checks_before_a_helper_open_are_reported_without_a_fix():
    code = HELPER + """
def load(name):
    if os.path.exists(name):
        return opener(name).read()  # MBX301

def start(name):
    if not os.path.exists(name):
        opener(name, "a").write("x")  # MBX302

def load_handled(name):
    if os.path.exists(name):
        try:
            return opener(name).read()
        except RuntimeError:  # the helper's own error for a missing file
            return None
"""
    found = [f for f in findings(code) if f.code in ("MBX301", "MBX302")]
    assert [(f.line, f.code) for f in found] == marked(code)
    assert all(f.fix is None for f in found)
    assert "helper" in found[0].plan.reason
    result = fix_source(textwrap.dedent(code), "<example>", Selection(select=["MBX"]), unsafe=True)
    assert "opener(name).read()" in result.text and "opener(name, \"a\")" in result.text


def test_a_method_helper_and_a_module_default_name_one_file_for_mbx901():
    code = """
import json
STATE = "state.json"

def state(mode="r", path=STATE):
    return open(path, mode)

def load():
    with state() as f:
        return json.load(f)

def save(data):
    with state("w") as f:  # MBX901
        json.dump(data, f)

class Box:
    def __init__(self, root):
        self.index = root + "/index"

    def _index(self, mode):
        return open(self.index, mode)

    def read(self):
        return self._index("r").read()

    def write(self, text):
        self._index("w").write(text)  # MBX901
"""
    assert codes(code, "MBX901") == marked(code) and len(marked(code)) == 2
    # The callers name no ``open``: the helpers' names make their scopes worth walking.
    only = check_source(textwrap.dedent(code), "<example>", Selection(select=["MBX901"])).findings
    assert [(f.line, f.code) for f in only] == marked(code)


def test_paths_a_helper_builds_from_its_own_names_or_rebinds_are_not_followed():
    code = """
import os
BASE = "/var/lib/app"

def in_base(name, mode):
    return open(os.path.join(BASE, name), mode)

def rebuilt(name, mode):
    name = os.path.join(BASE, name)
    return open(name, mode)

def local(name, mode):
    full = name + ".x"
    return open(full, mode)

def save(target):
    tmp = target + ".tmp"
    in_base(tmp, "w").close()     # opens join(BASE, tmp): not the temp renamed below
    rebuilt(tmp, "w").close()
    local(tmp, "w").close()
    os.rename(tmp, target)

def base_temp(mode):
    return open(BASE + ".tmp", mode)  # a module name: the same in every caller

def save_base():
    base_temp("w").close()
    os.rename(BASE + ".tmp", BASE)  # MBX306, MBX902
"""
    assert codes(code) == marked(code) and len(marked(code)) == 2


def test_recursion_and_helpers_of_other_modules_stay_opaque():
    code = """
import os
from elsewhere import opener

def again(name, mode, n=0):
    if n:
        return again(name, mode, n - 1)
    return open(name, mode)

def save(target):
    tmp = target + ".tmp"
    opener(tmp, "w").close()
    os.rename(tmp, target)

def save_again(target):
    tmp = target + ".tmp"
    again(tmp, "w").close()
    os.rename(tmp, target)  # MBX306, MBX902
"""
    # The recursive call is opaque, but the open the helper makes after it is its own: with
    # the caller's "w" for its mode, the temp is written there.
    assert codes(code) == marked(code) and len(marked(code)) == 2


def test_a_self_attribute_holding_a_helper_opened_temp_is_renamed_in_another_method():
    code = HELPER + """
class Update:
    def __init__(self, filename):
        self.filename = filename
        self.tmpname = filename + ".tmp.%d" % os.getpid()
        self.file = opener(self.tmpname, "w")

    def close(self):
        self.file.close()
        os.rename(self.tmpname, self.filename)  # MBX306, MBX902

class Reader:
    def __init__(self, filename):
        self.filename = filename
        self.tmpname = filename + ".tmp"
        self.file = opener(self.tmpname)  # read: no temp written

    def close(self):
        self.file.close()
        os.rename(self.tmpname, self.filename)
"""
    assert codes(code) == marked(code) and len(marked(code)) == 2


def test_a_helpers_mode_parameter_takes_each_calls_constant_or_its_default():
    code = """
import os

def write_out(path, data, mode="w"):
    with open(path, mode) as f:
        f.write(data)

def pass_on(path, data, how="a"):
    write_out(path, data, how)  # opens it as the caller says

def create(path, how):
    if not os.path.exists(path):
        write_out(path, "x")  # MBX302
    if not os.path.exists(path):
        write_out(path, "x", mode="a")  # MBX302
    if not os.path.exists(path):
        pass_on(path, "x")  # MBX302
    if not os.path.exists(path):
        pass_on(path, "x", "r")
    if not os.path.exists(path):
        write_out(path, "x", how)
    if not os.path.exists(path):
        write_out(path, "x", "r")
"""
    assert codes(code) == marked(code) and len(marked(code)) == 3


def test_a_mode_parameter_with_no_default_or_rebound_in_the_helper_is_not_followed():
    code = """
import os

def write_out(path, data, mode):
    with open(path, mode) as f:
        f.write(data)

def write_binary(path, data, mode="w"):
    mode += "b"
    with open(path, mode) as f:
        f.write(data)

def create(path):
    if not os.path.exists(path):
        write_binary(path, b"x")
    if not os.path.exists(path):
        write_out(path, "x", "w")  # MBX302
"""
    assert codes(code) == marked(code) and len(marked(code)) == 1


def test_an_open_in_every_branch_of_a_helper_counts_and_in_some_does_not():
    code = """
import os

def load(path, kind):
    if kind == "bytes":
        with open(path, "rb") as f:
            data = f.read()
    elif kind == "lines":
        with open(path) as f:
            data = f.readlines()
    else:
        data = open(path, encoding="utf-8").read()
    return data

def load_some(path, kind):
    if kind == "bytes":
        with open(path, "rb") as f:
            data = f.read()
    elif kind == "lines":
        data = None
    else:
        data = open(path).read()
    return data

def load_nested(path, kind):
    if kind:
        for _ in range(2):
            data = open(path).read()
    else:
        data = open(path).read()
    return data

def read(path):
    if os.path.exists(path):
        load(path, "lines")  # MBX301
    if os.path.exists(path):
        load_some(path, "lines")
    if os.path.exists(path):
        load_nested(path, "")
"""
    assert codes(code) == marked(code) and len(marked(code)) == 1


def test_branches_that_append_or_truncate_write_and_a_read_among_them_does_not_count():
    code = """
import os

def store(path, data, append):
    if append:
        with open(path, "a") as f:
            f.write(data)
    else:
        with open(path, "w") as f:
            f.write(data)

def store_or_read(path, data, write):
    if write:
        with open(path, "w") as f:  # MBX901: the other arm reads it
            f.write(data)
    else:
        with open(path) as f:
            f.read()

def create(path):
    if not os.path.exists(path):
        store(path, "x", False)  # MBX302
    if not os.path.exists(path):
        store_or_read(path, "x", True)
"""
    assert codes(code) == marked(code) and len(marked(code, "MBX3")) == 1


def many_callers(n):
    lines = ["import os", "def opener(name, mode):", "    return open(name, mode)"]
    for i in range(n):
        lines += ["def save%d(t):" % i, "    opener(t + '.tmp', 'w').close()", "    os.rename(t + '.tmp', t)"]
    return "\n".join(lines) + "\n"


def long_path(n):
    return "import os\ndef opener(p, mode):\n    return open(p%s, mode)\n" % (" + '.x'" * n) + \
        "def save(t):\n    opener(t, 'w').close()\n    os.rename(t%s, t)\n" % (" + '.x'" * n)


def long_elif_chain(n):
    """A helper opening its parameter in every branch of a chain ``n`` branches long."""
    lines = ["import os", "def load(path, kind):", "    if kind == 0:", "        data = open(path).read()"]
    for i in range(1, n):
        lines += ["    elif kind == %d:" % i, "        data = open(path, 'rb').read()"]
    lines += ["    else:", "        data = open(path).read()", "    return data",
              "def read(path):", "    if os.path.exists(path):", "        load(path, 1)"]
    return "\n".join(lines) + "\n"


def long_join(n):
    parts = ", ".join("'p%d'" % i for i in range(n))
    return "import os\ndef save(t):\n    tmp = '.'.join([t, %s])\n" % parts + \
        "    with open(tmp, 'w') as f:\n        f.write('x')\n    os.rename(tmp, t)\n"


@pytest.mark.slow
@pytest.mark.growth
@pytest.mark.parametrize("make, n", [(many_callers, 300), (long_path, 400), (long_elif_chain, 400),
                                     (long_join, 2000)],
                         ids=["callers", "long-path", "elif-chain", "join"])
def test_cost_grows_linearly_and_nothing_recurses_on_the_input(make, n):
    ratio, result = growth(lambda text: check_source(text, "hostile.py"), make, n)
    assert result.error is None, result.error
    assert ratio <= 2.8


def test_a_path_class_opening_its_own_instance_is_a_primitive_for_any_file():
    code = """
import io

class StatePath(str):
    def open(self, mode="r"):
        return io.open(self, mode)

    def read_all(self):
        with self.open() as f:
            return f.read()

    def write_all(self, text):
        with self.open("w") as f:
            f.write(text)
"""
    assert codes(code) == []


def test_a_helper_write_creating_what_a_helper_read_did_not_find_is_no_rewrite():
    code = """
import json
STATE = "state.json"

def state(mode="r"):
    return open(STATE, mode)

def load():
    try:
        f = state()
    except FileNotFoundError:
        f = state("w")  # created because it was missing
        json.dump({}, f)
        f.close()
        return {}
    with f:
        return json.load(f)

def save(data):
    with state("w") as f:  # MBX901
        json.dump(data, f)
"""
    assert codes(code, "MBX901") == marked(code) and len(marked(code)) == 1


def test_a_parameter_rebound_by_an_import_or_a_match_is_the_helpers_own():
    code = """
import os

def imported(name, mode):
    from os.path import abspath as name
    return open(name, mode)

def save(target):
    tmp = target + ".tmp"
    imported(tmp, "w").close()
    os.rename(tmp, target)
"""
    assert codes(code) == []
    if sys.version_info >= (3, 10):
        matched = """
import os

def matched(name, mode):
    match name:
        case [*name]:
            pass
    return open(name, mode)

def save(target):
    tmp = target + ".tmp"
    matched(tmp, "w").close()
    os.rename(tmp, target)
"""
        assert codes(matched) == []
