"""The engine never raises on a syntactically valid program, and is deterministic.

Programs come from ``hypothesmith`` (the Python grammar and the CST node types), from the same
programs with mailbox operations scattered through every block, and from the fixtures and
rule examples recomposed at random (see ``robust_support``). Every program that ``ast.parse``
accepts must come back as a :class:`FileResult` without error whose findings are well formed.
Run ``MBOXLINT_HYPOTHESIS_PROFILE=thorough pytest tests/test_robust_engine.py`` for the long run.
"""

import ast
import io
import os
import random
import subprocess
import sys
import tokenize
import warnings

import hypothesmith
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mboxlint import engine
from mboxlint.engine import check_source
from robust_support import EVERY_RULE, assert_well_formed, budget, check_text, composed_programs, parses
from support import ROOT

#: Statements scattered into generated programs so the lock analysis has work to do in them.
BOX_STATEMENTS = [
    "box.lock()", "box.unlock()", "box.add(m)", "box.flush()", "box.close()", "box[k] = m",
    "del box[k]", "m = box.get(k)", "n = len(box)", "box.remove(k)", "box.pack()",
    "box = mailbox.mbox(p)", "box = mailbox.MH(p)", "self.box = mailbox.mbox(p)", "self.box.lock()",
    "self.box.add(m)", "return box", "with box.locked():\n    box.add(m)",
    "with contextlib.closing(box):\n    box.lock()",
    "try:\n    box.lock()\nfinally:\n    box.unlock()",
]
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

HEADER = "import contextlib\nimport mailbox\nbox = mailbox.mbox('inbox')\n"


def _quietly_parses(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parses(text)


def _scatter(text: str, rng: random.Random) -> str:
    """``text`` with mailbox statements put at random places in every block it has."""
    tree = ast.parse(HEADER + text)
    for node in list(ast.walk(tree)):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            for _ in range(rng.randint(0, 3)):
                statement = ast.parse(rng.choice(BOX_STATEMENTS)).body[0]
                block.insert(rng.randint(0, len(block)), statement)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree) + "\n"


def _check_twice(text: str) -> None:
    first = check_text(text)
    assert_well_formed(first, text)
    assert check_text(text) == first, "the same source gave different findings"


@pytest.mark.slow
@budget(100)
@given(hypothesmith.from_grammar())
def test_grammar_generated_programs(text):
    assume(_quietly_parses(text))
    _check_twice(text)


@pytest.mark.slow
@budget(20)
@given(hypothesmith.from_node())
def test_node_generated_programs(text):
    assume(_quietly_parses(text))
    _check_twice(text)


@pytest.mark.slow
@budget(100)
@given(hypothesmith.from_grammar(), st.randoms(use_true_random=False))
def test_grammar_programs_with_mailbox_operations(text, rng):
    assume(_quietly_parses(HEADER + text))
    seeded = _scatter(text, rng)
    assume(_quietly_parses(seeded))
    _check_twice(seeded)


@pytest.mark.slow
@budget(120)
@given(composed_programs())
def test_recomposed_examples(text):
    assert parses(text), text
    _check_twice(text)


@pytest.mark.parametrize("depth", [50, 90])
def test_deeply_nested_blocks_are_walked(depth):
    # Python's tokenizer stops at 100 indentation levels; up to there the walk must cope.
    lines = ["import mailbox", "box = mailbox.mbox('inbox')"]
    for level in range(depth):
        lines.append("    " * level + "if c%d:" % level)
    lines.append("    " * depth + "box.add(m)")
    text = "\n".join(lines) + "\n"
    result = check_text(text)
    assert_well_formed(result, text)
    assert [(f.line, f.code) for f in result.findings] == [(depth + 3, "MBX101")]


# -- determinism across processes, and ``# noqa`` on generated programs -------------------------


@pytest.mark.slow
@budget(3)
@given(st.lists(composed_programs(max_depth=2), min_size=10, max_size=10))
def test_same_output_whatever_the_hash_seed(tmp_path_factory, texts):
    # Sets of strings iterate in a per-process order: findings and messages must not follow it.
    folder = tmp_path_factory.mktemp("programs")
    for number, text in enumerate(texts):
        (folder / ("p%02d.py" % number)).write_text(text)
    outputs = set()
    for seed in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-m", "mboxlint", "check", "--select", "MBX", "--format", "json", str(folder)],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
            env=dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=ROOT),
        )
        assert proc.returncode in (0, 1) and proc.stderr == "", proc.stderr
        outputs.add(proc.stdout)
    assert len(outputs) == 1


def _line_ends(text):
    """Where each physical line ends outside a string: positions of NEWLINE and NL tokens."""
    ends = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in (tokenize.NEWLINE, tokenize.NL) and token.string:
            ends.append(token.start)
    return ends


def _with_comment(text, comment):
    lines = text.splitlines(True)
    for row, col in reversed(_line_ends(text)):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + "  " + comment + line[col:]
    return "".join(lines)


def _keys(result):
    assert result.error is None, result.error
    return [(f.line, f.col, f.code) for f in result.findings]


@pytest.mark.slow
@budget(25)
@given(composed_programs(), st.sampled_from(sorted(EVERY_RULE.enabled)))
def test_noqa_comments_on_every_line(text, code):
    plain = _keys(check_text(text))
    assert _keys(check_text(_with_comment(text, "# noqa: E501"))) == plain
    assert _keys(check_text(_with_comment(text, "# noqa"))) == []
    silenced = _keys(check_text(_with_comment(text, "# noqa: %s" % code)))
    assert silenced == [key for key in plain if key[2] != code]


def _ast_verdict(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
    return True


@budget(100)
@given(hypothesmith.from_grammar(), st.integers(0, 10**6), st.integers(0, 8))
def test_the_quick_syntax_check_never_passes_what_ast_refuses(text, at, length):
    """Modules no enabled rule can concern are only checked to parse, by the symbol-table pass:
    it must never accept a text (here a generated program with a slice cut out) that
    ``ast.parse`` refuses, or a broken file would be reported clean."""
    at = at % (len(text) + 1)
    cut = text[:at] + text[at + length:]
    assert not engine.parses(cut) or _ast_verdict(cut), cut


@pytest.mark.parametrize("text", [
    "def f(:\n    pass\n", "x = (1,\n", "\0", "if True:\npass\n", "f'{'\n", "x = 1 +\n", "\ufeffdef (:\n",
])
def test_a_module_no_rule_concerns_still_reports_its_syntax_error(text):
    quick = check_source(text, "t.py", EVERY_RULE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError) as error:
            refused = error
        else:
            refused = None
    assert refused is not None
    assert quick.error is not None and quick.error.code in ("E999", "E902") and not quick.findings


def test_a_module_the_symbol_pass_refuses_but_ast_takes_is_clean():
    # ``nonlocal`` at module level is the compiler's objection, not the parser's: ast.parse
    # takes it, and so does the check (it falls back to the full parse)
    text = "nonlocal x\n"
    assert not engine.parses(text) and _ast_verdict(text)
    assert check_source(text, "t.py", EVERY_RULE).error is None
