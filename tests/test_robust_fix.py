"""``--fix`` on generated programs: what every fix must keep, whatever the code around it.

Programs are made of *units*: the fixtures and rule examples whose findings carry a fix (each
whole, so a ``lock()`` keeps its ``unlock()``), with their own names consistently renamed
(sometimes to non-ASCII names), sometimes with mailbox calls and jumps put into their blocks,
nested in random compound statements, several per module, each top-level statement indented
its own way (tabs, two spaces...), some simple statements joined with ``;``, and comment
lines, blank lines and trailing comments added. Units are indexed by the rule
codes of their fixable findings, and the generator first draws a code of
:data:`mboxlint.fixes.FIXERS`: a new fixer is exercised as soon as it is registered and its
rule reports a fix somewhere in the examples or fixtures.

Every finding of the input sits on a logical line that ends with a tag comment (``# t7``),
and comments stay with their statements through libcst, so the tag names the *place* of a
finding before and after the fix, however many lines the fixes insert.

Properties, with ``unsafe`` on and off:

1. the output parses and compiles;
2. every finding left sits at a place that had a finding of that code before (no new code,
   no finding moved to a new place); for each code, the number of places that lost their
   finding is at least the number of fixes counted for it, and those counts, with the
   findings the fixes settled (``Fixer.SETTLES``), add up to ``FixResult.fixed``;
3. fixing the output again changes nothing;
4. a program with nothing fixable comes back byte-identical;
5. ``fix_file`` keeps the BOM or coding cookie, the line endings and the mode, and fixes a
   CRLF file exactly as the same file with LF line endings;
6. no fix is refused by the check that follows it: a fixer rewrites only shapes it fixes.

``MBOXLINT_HYPOTHESIS_PROFILE=thorough`` runs forty times as many examples.
"""

import ast
import contextlib
import functools
import io
import os
import re
import stat
import textwrap
import tokenize
import warnings
from collections import Counter
from unittest import mock

import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from mboxlint import fix as fix_module
from mboxlint.fix import fix_file, fix_source
from mboxlint.fixes import FIXERS, allowed
from mboxlint.rules import all_rules

from robust_support import (
    EVERY_RULE, _NAME_STYLE, _WRAPPERS, _example_sources, _wrap, budget, check_text, rename, renamings,
)
from support import fixture_files

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning")

TAG = re.compile(r"#\s*t(\d+)\s*$")
#: problems that mean a fixer or the fix machinery went wrong, not a guard doing its work
BROKEN = ("failed (", "would not compile", "partly fixed", "cannot be encoded")


# -- units ---------------------------------------------------------------------------------


def _fixable(finding, unsafe=True):
    return finding.code in FIXERS and allowed(finding, unsafe)


@functools.lru_cache(maxsize=None)
def _unit_sources():
    """Sources of the units: every fixture and rule example (their fixed forms too)."""
    sources = list(_example_sources())
    for path in fixture_files():
        for suffix in (".fixed.py", ".unsafe-fixed.py"):
            fixed = path[: -len(".py")] + suffix
            if os.path.exists(fixed):
                with tokenize.open(fixed) as handle:
                    sources.append(handle.read())
    unique = []
    for text in sources:
        if text not in unique:
            unique.append(text)
    return tuple(unique)


@functools.lru_cache(maxsize=None)
def units_by_code():
    """``{code: [source, ...]}``: the units with a fixable finding of each fixer's code, and
    under ``None`` the units with nothing fixable at all."""
    index = {None: []}
    for text in _unit_sources():
        result = check_text(text)
        if result.error is not None:
            continue
        codes = {f.code for f in result.findings if _fixable(f)}
        for code in codes:
            index.setdefault(code, []).append(text)
        if not codes:
            index[None].append(text)
    return index


@functools.lru_cache(maxsize=None)
def _fixed_examples():
    """Every rule example that shows its fix (``Invalid(..., fixed=...)``)."""
    found = []
    for rule in all_rules():
        for example in rule.invalid_examples():
            if example.fixed is not None:
                found.append(textwrap.dedent(example.code))
    return tuple(found)


def fixable_units():
    codes = sorted(FIXERS)
    by_code = st.sampled_from(codes).flatmap(lambda code: st.sampled_from(units_by_code().get(code) or [""]))
    return st.one_of(by_code, st.sampled_from(_fixed_examples()))


def clean_units():
    return st.sampled_from(units_by_code()[None])


# -- composing -----------------------------------------------------------------------------

_ACCENTS = st.sampled_from(["", "", "", "é", "ß"])


@st.composite
def _renamed(draw, source):
    tree = ast.parse(source)
    mapping = draw(renamings(tree))
    accented = {old: new + draw(_ACCENTS) for old, new in sorted(mapping.items())}
    return rename(tree, accented)


@st.composite
def modules(draw, units, max_units=4):
    """A module of 1..``max_units`` units drawn from ``units``, each renamed and nested."""
    future, imports, body = {}, {}, []
    for _ in range(draw(st.integers(1, max_units))):
        tree = draw(_renamed(draw(units)))
        if draw(st.booleans()):
            tree = draw(scattered(tree))
        rest = []
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                future.setdefault(ast.unparse(stmt), stmt)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                imports.setdefault(ast.unparse(stmt), stmt)
            else:
                rest.append(stmt)
        for _ in range(draw(st.integers(0, 3))):
            rest = _wrap(draw(st.sampled_from(_WRAPPERS)), rest, [], "w_" + draw(_NAME_STYLE))
        body.extend(rest)
    module = ast.Module(body=list(future.values()) + list(imports.values()) + body, type_ignores=[])
    ast.fix_missing_locations(module)
    text = draw(joined(draw(reindented(ast.unparse(module) + "\n"))))
    assume(_compiles(text))
    return text


_UNITS = st.sampled_from(["    ", "    ", "\t", "  ", "   ", "        "])


@st.composite
def reindented(draw, text):
    """``text`` (indented by four spaces) with each top-level statement indented its own way:
    tabs, two spaces... (a file may mix them across functions)."""
    inside = set()  # rows inside a multi-line string keep their text
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING and token.end[0] > token.start[0]:
            inside.update(range(token.start[0] + 1, token.end[0] + 1))
    rows = text.splitlines(True)
    unit = "    "
    for number, row in enumerate(rows, 1):
        if number in inside or not row.strip():
            continue
        spaces = len(row) - len(row.lstrip(" "))
        if spaces == 0:
            unit = draw(_UNITS)
        rows[number - 1] = unit * (spaces // 4) + " " * (spaces % 4) + row[spaces:]
    return "".join(rows)


_COMPOUND = re.compile(r"(if|elif|else|for|while|try|except|finally|with|def|class|async|match|case)\b|@")


@st.composite
def joined(draw, text):
    """``text`` with some pairs of adjacent simple statements of a block on one line, ``a; b``
    (shapes the fixers must recognise and leave, or handle)."""
    rows = text.splitlines(True)
    lines = logical_lines(text)
    joins = []
    for (first, last, _end, _c), (following, end, _e, _d) in zip(lines, lines[1:]):
        if first != last or following != end or following != last + 1:
            continue
        a, b = rows[first - 1], rows[following - 1]
        indent = a[: len(a) - len(a.lstrip())]
        if b[: len(b) - len(b.lstrip())] != indent or a.rstrip().endswith(":") \
                or _COMPOUND.match(a.lstrip()) or _COMPOUND.match(b.lstrip()):
            continue
        if (not joins or joins[-1] != first - 1) and draw(st.integers(0, 9)) == 9:  # shrinks to no join
            joins.append(first)
    for row in reversed(joins):
        rows[row - 1: row + 1] = [rows[row - 1].rstrip("\r\n") + "; " + rows[row].lstrip()]
    return "".join(rows)


#: statements put into the blocks of a unit, on the receivers it calls methods on: shapes
#: around the fixable ones that no example shows (a return or a second lock in a region...)
SCATTERED = ("{0}.lock()", "{0}.unlock()", "{0}.flush()", "{0}.close()", "{0}.add(m)", "{0}.remove(k)",
             "return", "return {0}", "break", "continue", "pass", "os.remove(dst)", "os.rename(src, dst)",
             "if {0}:\n    {0}.unlock()", "k = {0}.get(k)", "with {0}.locked():\n    {0}.add(m)")


def _receivers(tree):
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            found.add(ast.unparse(node.func.value))
    return sorted(r for r in found if len(r) < 30) or ["box"]


@st.composite
def scattered(draw, tree):
    """``tree`` with statements of :data:`SCATTERED` put in some of its blocks."""
    receivers = _receivers(tree)
    for node in list(ast.walk(tree)):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            if draw(st.integers(0, 3)) == 3:
                template = draw(st.sampled_from(SCATTERED))
                stmt = ast.parse(template.format(draw(st.sampled_from(receivers)))).body[0]
                block.insert(draw(st.integers(0, len(block))), stmt)
    return tree


def _compiles(text):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<generated>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def logical_lines(text):
    """``(first_row, last_row, (row, col) of the NEWLINE, trailing comment or None)``."""
    lines = []
    first, comment = None, None
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        kind = token.type
        if kind == tokenize.NEWLINE:
            if first is not None:
                lines.append((first, token.start[0], token.start, comment))
            first, comment = None, None
        elif kind == tokenize.COMMENT:
            comment = token.string
        elif kind not in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            comment = None
            if first is None:
                first = token.start[0]
    return lines


def place(lines, line):
    """The tag of the logical line holding physical ``line`` (None: no tag there)."""
    for first, last, _end, comment in lines:
        if first <= line <= last:
            match = TAG.match(comment) if comment else None
            return int(match.group(1)) if match else None
    return None


def places(text, findings):
    lines = logical_lines(text)
    return Counter((f.code, place(lines, f.line)) for f in findings)


@st.composite
def decorated(draw, text):
    """``text`` with comment and blank lines added, and a tag comment ending every logical
    line that holds a finding (and some others)."""
    rows = text.splitlines(True)
    starts = [first for first, _last, _end, _comment in logical_lines(text)] + [len(rows) + 1]
    for row in sorted(set(draw(st.lists(st.sampled_from(starts), max_size=6))), reverse=True):
        ahead = rows[row - 1] if row <= len(rows) else ""
        indent = ahead[: len(ahead) - len(ahead.lstrip())]
        extra = draw(st.sampled_from(["\n", indent + "# about what follows\n", "# at column 0 é\n",
                                      indent + "    # deeper\n", "\n" + indent + "# after a blank line\n"]))
        rows.insert(row - 1, extra)
    text = "".join(rows)
    result = check_text(text)
    assert result.error is None, result.error
    lines = logical_lines(text)
    wanted = {number for number, (first, last, _end, _comment) in enumerate(lines)
              if any(first <= f.line <= last for f in result.findings)}
    others = [n for n in range(len(lines)) if n not in wanted]
    wanted.update(draw(st.lists(st.sampled_from(others), max_size=5)) if others else [])
    rows = text.splitlines(True)
    for number in sorted(wanted, reverse=True):
        (row, col) = lines[number][2]
        rows[row - 1] = rows[row - 1][:col] + "  # t%d" % number + rows[row - 1][col:]
    return "".join(rows)


def fixable_programs():
    return modules(fixable_units()).flatmap(decorated)


def clean_programs():
    return modules(clean_units()).flatmap(decorated)


# -- running the fixes ---------------------------------------------------------------------


@contextlib.contextmanager
def counting_fixes():
    """Counts the fixes kept per rule code (``FixResult`` only has the total); ``settled``
    counts, per code, the other findings its fixes removed (``Fixer.SETTLES``), which
    ``FixResult.fixed`` counts too."""
    counts = Counter()
    counts.settled = Counter()
    original = fix_module._fix_round

    def counted(result, module, code, group, findings, *args):
        accepted = original(result, module, code, group, findings, *args)
        if accepted is not None:
            counts[code] += accepted[2]
            counts.settled[code] += len(findings) - len(accepted[1]) - accepted[2]
        return accepted

    with mock.patch.object(fix_module, "_fix_round", counted):
        yield counts


def fixed(text, unsafe):
    with counting_fixes() as counts:
        result = fix_source(text, "<generated>", EVERY_RULE, unsafe=unsafe)
    for problem in result.problems:
        event("problem: " + re.sub(r"line \d+", "line N", problem))
        assert not any(word in problem for word in BROKEN), (problem, text)
    return result, counts


def assert_compiles(text):
    ast.parse(text)
    assert _compiles(text), text


# -- properties ----------------------------------------------------------------------------


def _fixes_hold(text, unsafe):
    result, counts = fixed(text, unsafe)
    assert result.error is None
    assert_compiles(result.text)
    # 2. findings stay where they were or go; the counted fixes are among those gone.
    before = places(text, result.initial)
    after = places(result.text, result.remaining)
    assert all(code_place in before and after[code_place] <= before[code_place] for code_place in after), \
        (sorted(after - before), result.text)
    assert sum(counts.values()) + sum(counts.settled.values()) == result.fixed
    assert all(FIXERS[code].SETTLES for code, n in counts.settled.items() if n), counts.settled
    for code, count in counts.items():
        assert code in FIXERS
        gone = sum((before - after)[key] for key in before if key[0] == code)
        assert gone >= count, (code, count, gone, result.text)
        event("fixed %s" % code)
    event("fixed %d findings" % min(result.fixed, 5))
    return result


@pytest.mark.slow
@budget(20)
@given(fixable_programs())
def test_fixes_parse_and_remove_what_they_count(text):
    for unsafe in (True, False):
        _fixes_hold(text, unsafe)


@pytest.mark.slow
@budget(15)
@given(fixable_programs(), st.booleans())
def test_no_fix_is_refused_by_its_check(text, unsafe):
    # A fixer applies a rewrite only where it holds: one that fails the check after it (its
    # finding left, or a new one) was a fix offered that the fixer could not make.
    result, _counts = fixed(text, unsafe)
    assert result.problems == [], (result.problems, text)


@pytest.mark.slow
@budget(12)
@given(fixable_programs(), st.booleans())
def test_fixing_twice_changes_nothing(text, unsafe):
    result, _counts = fixed(text, unsafe)
    again, counts = fixed(result.text, unsafe)
    assert again.text == result.text, (result.text, again.text)
    assert again.fixed == 0 and not counts
    assert sorted(again.remaining) == sorted(result.remaining)


@pytest.mark.slow
@budget(15)
@given(clean_programs(), st.booleans())
def test_nothing_fixable_is_left_byte_identical(text, unsafe):
    result, counts = fixed(text, unsafe)
    if any(_fixable(f, unsafe) for f in result.initial):
        event("composed units made something fixable")  # nesting can: a lock in a loop
        return
    assert result.text == text and result.fixed == 0 and not counts and result.problems == []


@pytest.mark.slow
@budget(10)
@given(fixable_programs())
def test_unsafe_fixes_after_the_safe_ones(text):
    # ``--fix`` first, then ``--fix --unsafe-fixes`` on what it wrote: the fixers meet code
    # that other fixers already rewrote.
    safe, _counts = fixed(text, False)
    _fixes_hold(safe.text, True)


ENCODINGS = {
    "utf-8": (b"", "utf-8"),
    "bom": (b"\xef\xbb\xbf", "utf-8"),
    "latin-1 cookie": (b"# -*- coding: latin-1 -*-\n", "latin-1"),
    "utf-8 cookie on line 2": (b"#!/usr/bin/env python3\n# vim: set fileencoding=utf-8 :\n", "utf-8"),
}


@pytest.mark.slow
@budget(12)
@given(fixable_programs(), st.sampled_from(sorted(ENCODINGS)), st.sampled_from(["\n", "\r\n"]),
       st.sampled_from([0o644, 0o600, 0o755, 0o640]), st.booleans())
def test_fix_file_keeps_encoding_line_endings_and_mode(tmp_path_factory, text, encoding, newline, mode, unsafe):
    head, codec = ENCODINGS[encoding]
    head = head.replace(b"\n", newline.encode())
    body = ("# café\n" + text).replace("\n", newline)
    raw = head + body.encode(codec)
    path = tmp_path_factory.mktemp("fix") / "program.py"
    path.write_bytes(raw)
    os.chmod(path, mode)
    result = fix_file(str(path), EVERY_RULE, unsafe=unsafe)
    assert result.error is None, result.error
    assert not any(word in p for p in result.problems for word in BROKEN), result.problems
    data = path.read_bytes()
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    if not result.changed:
        assert data == raw
        return
    event("fix_file rewrote the file")
    assert result.written
    assert data.startswith(head)
    assert data[len(head):].startswith("# café".encode(codec))
    assert data.count(b"\n") == data.count(newline.encode())
    if newline == "\n":
        assert b"\r" not in data
    assert data[len(b"\xef\xbb\xbf") if encoding == "bom" else 0:].decode(codec) == result.text
    # The same fixes as on the file with LF line endings.
    plain = fix_source(result.original.replace("\r\n", "\n"), str(path), EVERY_RULE, unsafe=unsafe)
    assert result.text.replace("\r\n", "\n") == plain.text


# -- the generator's reach -----------------------------------------------------------------


def test_every_fixer_has_units_to_draw_from():
    # Without a unit, the generator could not exercise that fixer.
    missing = sorted(code for code in FIXERS if not units_by_code().get(code))
    assert missing == []
    assert units_by_code()[None], "no unit with nothing fixable"


def test_tags_name_places_across_inserted_lines():
    text = "import mailbox\nbox = mailbox.mbox('x')\nbox.lock()  # t1\nbox.add(m)\nbox.unlock()  # t3\n"
    grown = text.replace("box.add(m)\n", "try:\n    box.add(m)\n    box.flush()\nfinally:\n    pass\n")
    lines = logical_lines(grown)
    assert [place(lines, row) for row in range(1, 10)] == [None, None, 1, None, None, None, None, None, 3]

