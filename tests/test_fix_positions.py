"""Positions placed only where the findings are equal libcst's whole-module positions."""

import ast
import sys
import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from mboxlint.fixes.positions import reported_positions
from mboxlint.source import read_source

from support import fixture_files

SHAPES = textwrap.dedent(
    '''\
    """Doc."""
    import os; import sys
    from typing import (
        List,
    )


    @decorator(
        arg)
    @other
    def deco(a,
             b):
        x = call(a); y = call(b)  # two on a line
        if a:
            call(1)
        elif b:
            call(2)
        elif f(3):
            pass
        else:
            call(4)
        for i in call(5):
            call(6)
        else:
            call(7)
        while call(8):
            break
        try:
            call(9)
        except (ValueError,
                TypeError) as error:
            call(10)
        else:
            call(11)
        finally:
            call(12)
        with open(a) as f, open(b) as g:
            call(13)
        value = (call(14) +
                 call(15))
        if a: call(16)
        total = 1 + \\
            call(17)
        return call(18)


    class Outer(Base, metaclass=Meta):
        """Doc."""

        # a comment before a method
        async def method(self):
            async with lock():
                await call(19)
            async for item in aiter():
                call(20)

        class Inner:
            def deep(self):
                match call(21):
                    case [a, b]:
                        call(22)
                    case {"k": v} if v:
                        call(23)
                    case _:
                        pass


    def tabs():
    \tif x:
    \t\tcall(24)
    \treturn call(25)

    try:
        call(26)
    except* ValueError:
        call(27)
    call(28)
    '''
)
# The same shapes in the syntax older interpreters have, line for line.
if sys.version_info < (3, 11):
    SHAPES = SHAPES.replace("except* ValueError:", "except ValueError:")
if sys.version_info < (3, 10):
    for match, branch in [("match call(21):", "if call(21):"), ("case [a, b]:", "if [a, b]:"),
                          ('case {"k": v} if v:', 'elif {"k": v} and v:'), ("case _:", "else:")]:
        SHAPES = SHAPES.replace(match, branch)


def _full(module):
    return PositionProvider()._gen(MetadataWrapper(module, unsafe_skip_copy=True))


def _call_lines(source):
    return sorted({node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)})


def _assert_equal_where_placed(source, lines):
    module = cst.parse_module(source)
    placed = reported_positions(module, source, lines)
    assert placed is not None
    full = _full(module)
    assert placed.ranges, "nothing placed"
    placed.module_parsed = module
    for node, where in placed.ranges.items():
        assert full[node] == where, (type(node).__name__, where, full[node])
    # Every node on a reported line is placed, or is a block leading to one.
    for node, where in full.items():
        if any(where.start.line <= line <= where.end.line for line in lines) and isinstance(node, cst.Call):
            assert node in placed.ranges
    return placed


@pytest.mark.parametrize("line", _call_lines(SHAPES))
def test_each_reported_line_alone(line):
    _assert_equal_where_placed(SHAPES, [line])


def test_all_reported_lines_at_once():
    _assert_equal_where_placed(SHAPES, _call_lines(SHAPES))


def test_crlf_and_a_header_line_print_the_whole_statement():
    source = SHAPES.replace("\n", "\r\n")
    line = source.splitlines().index("    with open(a) as f, open(b) as g:") + 1
    placed = _assert_equal_where_placed(source, [line])
    module = placed.module_parsed
    deco = module.body[3]
    assert isinstance(deco, cst.FunctionDef) and deco.name.value == "deco"
    with_statement = [s for s in deco.body.body if isinstance(s, cst.With)][0]
    assert with_statement in placed.ranges  # the header holds the call: printed whole
    assert id(deco) in placed.path and deco not in placed.ranges
    # Statements elsewhere are neither placed nor entered.
    outer = module.body[4]
    assert isinstance(outer, cst.ClassDef) and outer not in placed.ranges and id(outer) not in placed.path


def test_a_line_outside_every_statement_is_left_to_the_whole_pass():
    source = "x = 1\n\n# a comment\ny = 2\n"
    assert reported_positions(cst.parse_module(source), source, [3]) is None


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.rsplit("/", 2)[-2] + "/" + p.rsplit("/", 1)[-1])
def test_fixtures(path):
    source = read_source(path).text
    lines = _call_lines(source)
    if lines:
        _assert_equal_where_placed(source, lines)
        _assert_equal_where_placed(source, lines[len(lines) // 2:len(lines) // 2 + 1])


def test_a_fixer_asking_about_any_node_gets_libcsts_answer():
    from libcst.codemod import CodemodContext

    from mboxlint.finding import Finding
    from mboxlint.fixes.base import Fixer

    asked = {}

    class Asker(Fixer):  # no code: not registered as a fixer
        def leave_Module(self, original, updated):
            for statement in original.body:  # most of them lie outside the reported line
                asked[statement] = self.get_metadata(PositionProvider, statement)
            return updated

    line = SHAPES.splitlines().index("        call(1)") + 1
    module = cst.parse_module(SHAPES)
    fixer = Asker(CodemodContext(), findings=[Finding(line, 8, "", "m")])
    assert fixer.apply(module, SHAPES).code == SHAPES
    assert fixer._partial is not None  # the walk used the placed positions
    full = _full(module)
    assert asked and all(full[node] == where for node, where in asked.items())


@pytest.mark.parametrize("name", ["lazy_import_cache_loader.py", "guards_and_paths.py"])
def test_fixing_an_open_guard_needs_no_whole_module_positions(name, monkeypatch):
    # The MBX301 fix reads its guard's position: it names the guard's line, so the positions
    # of the statements holding findings suffice, and ifs elsewhere are not asked about.
    import os

    from mboxlint.config import Selection
    from mboxlint.fix import fix_file
    from support import FIXTURES

    passes = []
    whole = PositionProvider._gen
    monkeypatch.setattr(PositionProvider, "_gen", lambda self, wrapper: passes.append(1) or whole(self, wrapper))
    result = fix_file(os.path.join(FIXTURES, "files", name), Selection(select=["MBX301"]), unsafe=True, write=False)
    assert result.fixed > 0 and result.problems == []
    assert passes == []
