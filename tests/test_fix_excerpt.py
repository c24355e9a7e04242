"""libcst parses an excerpt of a file for a round of fixes: the same fixes, for less.

An excerpt hides the top-level statements a fixer does not look at behind one-token stand-ins;
what ``--fix`` writes must not depend on it. Here: the excerpt keeps every line where it was,
hides only what it may, puts the hidden text back exactly and refuses when a stand-in moved;
what it hides but a fixer asks about (module-level names, names in use) is still answered;
and fixing with and without excerpts gives the same result on every fixture.
"""

import os
import sys
import textwrap

import libcst as cst
import pytest

from mboxlint.config import Selection
from mboxlint.fix import fix_source
from mboxlint.fixes.base import names_in
from mboxlint.fixes.excerpt import excerpt
from mboxlint.source import read_source

from support import FIXABLE, ROOT, fixture_files

MODULE = textwrap.dedent(
    '''\
    """A module."""
    import os

    CONSTANT = 1  # simple statements stay


    @decorator(
        "argument",
    )
    def decorated():
        return os.getcwd()

    # a comment between


    class Unrelated:
        def method(self):
            return [x for x in range(3)]


    def reported(path):
        data = open(path).read()
        return data


    if __name__ == "__main__":
        reported("x")
    '''
)
REPORTED = MODULE.splitlines().index("    data = open(path).read()") + 1


def test_hidden_statements_keep_every_line_number():
    part = excerpt(MODULE, [REPORTED])
    assert part is not None
    original, reduced = MODULE.splitlines(), part.text.splitlines()
    assert len(reduced) == len(original)
    kept = [n for n, line in enumerate(reduced) if line == original[n]]
    # the docstring, import, assignment and the reported function are there as they were
    for text in ('"""A module."""', "import os", "CONSTANT = 1  # simple statements stay",
                 "def reported(path):", "    data = open(path).read()", "# a comment between"):
        assert original.index(text) in kept
    # the others are gone, including the decorator and the last block
    for text in ("def decorated():", "class Unrelated:", 'if __name__ == "__main__":', "@decorator("):
        assert text not in part.text
    assert part.bindings == {"decorated", "Unrelated"}
    assert part.restore(part.text) == MODULE


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("final", [True, False])
def test_restore_gives_back_the_exact_text(newline, final):
    source = MODULE.replace("\n", newline)
    if not final:
        source = source.rstrip(newline)
    part = excerpt(source, [REPORTED])
    assert part is not None
    assert part.restore(part.text) == source
    printed = cst.parse_module(part.text).code
    if printed == part.text:  # libcst drops a file's final lone "\r" (and --fix then refuses)
        assert part.restore(printed) == source


def test_libcst_prints_the_excerpt_back_as_it_was():
    part = excerpt(MODULE, [REPORTED])
    assert cst.parse_module(part.text).code == part.text


@pytest.mark.parametrize("line, why", [
    (MODULE.splitlines().index("CONSTANT = 1  # simple statements stay") + 1, "module level"),
    (MODULE.splitlines().index("def reported(path):") + 1, "a def's header"),
    (MODULE.splitlines().index('    reported("x")') + 1, "an if block at module level"),
])
def test_no_excerpt_for_a_line_outside_every_definition_body(line, why):
    assert excerpt(MODULE, [REPORTED, line]) is None, why


def test_nothing_to_hide_gives_no_excerpt():
    assert excerpt(FIXABLE, [6]) is None


def test_a_last_statement_with_comments_after_it_stays():
    # After a stand-in, those comments would be the module's footer, which libcst does not
    # always print back.
    source = MODULE + "    # a trailing comment\n    # and another\n"
    part = excerpt(source, [REPORTED])
    assert 'if __name__ == "__main__":' in part.text
    assert part.restore(cst.parse_module(part.text).code) == source


@pytest.mark.parametrize("damage", [
    lambda text, stand_in: text.replace(stand_in, "    " + stand_in),  # indented into a block
    lambda text, stand_in: text.replace(stand_in, ""),  # dropped
    lambda text, stand_in: text.replace(stand_in, stand_in + "\n" + stand_in),  # copied
    lambda text, stand_in: text.replace(stand_in, "x = 1; " + stand_in),  # after a ``;``
])
def test_restore_refuses_when_a_stand_in_moved(damage):
    part = excerpt(MODULE, [REPORTED])
    stand_in = next(line for line in part.text.splitlines() if line.startswith("0 or '''"))
    assert part.restore(damage(part.text, stand_in)) is None


SYNTAX = textwrap.dedent(
    '''\
    import os.path as osp, sys
    from collections import abc as collections_abc


    def first():
        pass


    def everything(a, /, b=1, *args, c, d=2, **kwargs):
        global gvar
        lam = lambda x, *y, z=3, **w: x
        text = f"{a!r:>{b}} {os.sep}"
        try:
            import json as js
            from os import path as p2
        except ValueError as error:
            raise
        with open(a) as (h1, h2):
            pass
        def inner():
            nonlocal lam
        print(a, key=b, **kwargs)
        obj.attr.other = value
        return [i for i in range(3) if i]


    class Klass(Base, metaclass=Meta):
        attr: int = 0
    '''
)
if sys.version_info >= (3, 10):
    SYNTAX += textwrap.dedent(
        '''\


        def matching(command):
            match command:
                case {"key": value, **rest}:
                    pass
                case Point(x=0, y=yy) as point:
                    pass
                case [first, *others]:
                    pass
        '''
    )
if sys.version_info >= (3, 12):
    SYNTAX += textwrap.dedent(
        '''\


        def generic[T, *Ts, **P](x: T) -> T:
            type Alias[K] = list[K]
            return x
        '''
    )


def _hidden_names(source):
    """What the excerpt says the code it hides spells, and what libcst finds there."""
    source += "\n\ndef reported():\n    pass\n"
    part = excerpt(source, [len(source.splitlines())])
    assert part is not None and part._hidden
    lines = source.splitlines(True)
    spelled = set()
    for stmt in part._hidden:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        spelled |= names_in(cst.parse_module("".join(lines[first - 1:stmt.end_lineno])))
    return part.names(), spelled


@pytest.mark.parametrize("path", ["<syntax>"] + [os.path.join(ROOT, "mboxlint", name) for name in
                                                ("fix.py", "mailbox.py", os.path.join("fixes", "eafp.py"))])
def test_hidden_names_are_the_names_libcst_would_find(path):
    if path == "<syntax>":
        source = SYNTAX
    else:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    ours, libcsts = _hidden_names(source)
    assert ours == libcsts


# -- the fixes are the same ---------------------------------------------------------------


def _both(source, selection=None, unsafe=True):
    with_excerpts = fix_source(source, "<mod>", selection, unsafe=unsafe, excerpts=True)
    whole = fix_source(source, "<mod>", selection, unsafe=unsafe, excerpts=False)
    return with_excerpts, whole


def _same(a, b):
    assert a.text == b.text
    assert a.problems == b.problems
    assert [(f.line, f.col, f.code) for f in a.remaining] == [(f.line, f.col, f.code) for f in b.remaining]
    assert a.fixed == b.fixed


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: os.path.relpath(p, ROOT))
@pytest.mark.parametrize("unsafe", [False, True])
def test_every_fixture_is_fixed_the_same_from_an_excerpt(path, unsafe):
    _same(*_both(read_source(path).text, unsafe=unsafe))


def test_hidden_names_still_count_for_imports_and_fresh_names():
    # A hidden ``def atomic_write`` must make the import qualified, a hidden ``f`` must keep
    # the file object from being called ``f``: what the whole file gives.
    source = textwrap.dedent(
        """\
        import json


        def atomic_write():
            return None


        def helper():
            f = 1
            return f


        class Status:
            def __init__(self, path):
                self.path = path

            def load(self):
                return json.loads(self.path.read_text())

            def save(self, data):
                self.path.write_text(json.dumps(data), encoding="utf-8")
        """
    )
    a, b = _both(source, Selection(select=["MBX901"]))
    _same(a, b)
    assert a.fixed == 1
    assert "import mboxlint.mailbox\n" in a.text
    assert "with mboxlint.mailbox.atomic_write(self.path, encoding=\"utf-8\") as fh:" in a.text


def test_a_fix_among_many_definitions_leaves_them_byte_identical():
    padding = "".join("\n\ndef unrelated_%d(x) :\n    try:\n        pass\n    except OSError :\n        return x\n" % n
                      for n in range(20))
    source = FIXABLE + padding
    a = fix_source(source, "<mod>", excerpts=True)
    assert a.problems == [] and a.fixed == fix_source(FIXABLE).fixed > 0
    assert a.text.endswith(padding)  # libcst alone would print ``except OSError:``


def test_the_fixtures_do_exercise_excerpts(monkeypatch):
    # Otherwise the comparison above would compare the whole-file path with itself.
    import mboxlint.fix as fix_module

    made = []
    real = fix_module.excerpt

    def counting(source, lines):
        found = real(source, lines)
        made.append(found is not None)
        return found

    monkeypatch.setattr(fix_module, "excerpt", counting)
    for path in fixture_files():
        fix_source(read_source(path).text, path, unsafe=True)
    assert sum(made) >= 10
