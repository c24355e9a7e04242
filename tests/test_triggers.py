"""Trigger words only skip work that could not find anything: gated and ungated runs agree."""

import textwrap
import tokenize

import pytest

from mboxlint.analysis import analyse
from mboxlint.analysis.events import FileAct, FileRename
from mboxlint.analysis.paths import RENAME_WORDS
from mboxlint.analysis.triggers import one_argument_call
from mboxlint.analysis.walk import Walker
from mboxlint.engine import _path_words, check_source, check_tree, may_report, parse, rules_for
from mboxlint.rules import all_rules

from support import fixture_files, growth


def _sources():
    for path in fixture_files():
        with tokenize.open(path) as handle:
            yield pytest.param(handle.read(), id=path.rsplit("fixtures/", 1)[-1])
    for rule in all_rules():
        for index, example in enumerate(list(rule.VALID) + [e.code for e in rule.invalid_examples()]):
            yield pytest.param(textwrap.dedent(example), id="%s-%d" % (rule.code, index))


@pytest.mark.parametrize("text", list(_sources()))
def test_gating_by_trigger_words_changes_no_finding(text):
    tree = parse(text)
    assert check_tree(tree, None, None, text) == check_tree(tree, None, None, text, gate=False)


DEFAULT_CODES = sorted(rule.code for rule in all_rules() if rule.default_enabled)


@pytest.mark.parametrize("codes", [DEFAULT_CODES] + [[rule.code] for rule in all_rules()],
                         ids=["default"] + [rule.code for rule in all_rules()])
def test_scopes_skipped_for_the_enabled_rules_hold_none_of_their_findings(codes):
    # Scopes are walked only when they hold a scope word of a rule that is on
    # (PATH_SCOPE_TRIGGERS): a rule checked alone, or the default set, finds what it finds
    # when every scope is walked.
    for param in _sources():
        text = param.values[0]
        tree = parse(text)
        assert check_tree(tree, codes, None, text) == check_tree(tree, codes, None, text, gate=False), param.id


def test_a_function_imported_under_another_name_is_followed_where_it_is_called():
    text = textwrap.dedent("""\
        from os.path import isfile as there

        def load(p):
            if there(p):
                return open(p).read()
    """)
    assert [f.code for f in check_tree(parse(text), DEFAULT_CODES, None, text)] == ["MBX301"]


@pytest.mark.parametrize("imports, call, remove_walked", [
    ("import os, shutil", "shutil.move(src, dst)", False),
    ("import os\nfrom shutil import move as mv", "mv(src, dst)", False),
    # the name itself is a word then, and ``remove`` holds it: walked, to be safe
    ("import os\nfrom shutil import move", "move(src, dst)", True),
])
def test_a_move_is_followed_however_it_is_imported(imports, call, remove_walked):
    # ``move`` is looked for as an attribute or an imported name: the ``remove`` of
    # os.remove and of lists does not make a scope worth walking.
    text = imports + "\n\ndef publish(src, dst):\n    " + call + "\n\ndef purge(dst):\n    os.remove(dst)\n"
    module = analyse(parse(text), text=text, path_words=RENAME_WORDS)
    assert [e.op for e in module.events_of(FileRename)] == ["shutil.move"]
    assert bool(module.events_of(FileAct)) == remove_walked


@pytest.mark.parametrize("rule", all_rules(), ids=[r.code for r in all_rules()])
def test_every_invalid_example_contains_a_trigger_of_its_rule(rule):
    for example in rule.invalid_examples():
        assert rule.TRIGGERS is None or any(word in example.code for word in rule.TRIGGERS)


@pytest.mark.parametrize("call, walked", [
    ('name.replace("a", "b")', False),  # str.replace: two arguments
    ("name.strip().replace(old, new)", False),
    ("when.replace(year=2000)", False),  # datetime.replace: keywords
    ('name.replace(",", ")")', False),  # brackets and commas inside strings are skipped
    ("path.replace(target)", True),  # Path.replace
    ("path.replace(target,)", True),
    ("path.replace(\n        target)", True),
    ("path.replace(f(a, b))", True),  # one argument, with commas of its own
    ("o.replace(src, dst)", True),  # os.replace, imported under another name
    ("Path.replace(src, dst)", True),  # unbound, on a class of an imported name
    ("pathlib.Path.replace(src, dst)", True),
    ("name.replace('''a''', b)", True),  # what is not followed counts
    ('name.replace("a\\\\", b)', False),  # escapes are read: "a\\" then b
    ("name.replace('\\n', os.linesep)", False),
    ("name.replace('\\'', b)", False),
    ('name.replace(r"\\"", b)', False),  # a raw string's quote is escaped too
    ("name.replace('a\\\n, b', c)", False),  # continued on the next line
    ("name.replace('" + "a" * 300 + "', b)", True),  # longer than is read
    ("name.replace(a,  # old\n        b)", False),
    ("fn = name.replace", True),  # not called here: may be, later
    ('text.decode("utf-8", "replace")', False),  # a string
    ("name._replace(a=1)", False),  # another name
    ("os_replace(src, dst)", True),  # ... imported for os.replace
    ("replace (src, dst)", True),  # a function of that name
    ("# replace the file", False),  # prose
])
def test_a_replace_that_cannot_rename_does_not_make_a_scope_worth_walking(call, walked):
    text = ("import os as o\nimport pathlib\nfrom pathlib import Path\nfrom os import replace as os_replace\n\n"
            "def purge(name, path, target, when, src, dst, old, new, a, b, f):\n"
            "    " + call + "\n    o.remove(dst)\n")
    module = analyse(parse(text), text=text, path_words=RENAME_WORDS)
    assert bool(module.events_of(FileAct)) == walked


@pytest.mark.parametrize("text, end, expected", [
    ("f(a)", 1, True), ("f(a, b)", 1, False), ("f(a=1)", 1, False), ("f(a == 1)", 1, True),
    ("f(a <= b)", 1, True), ("f(x := 1)", 1, True), ("f", 1, True), ("f  (a, b)", 1, False),
    ("f([a, b])", 1, True), ("f({'a': 1, 'b': 2})", 1, True), ("f('a,b')", 1, True),
    ("f('\\n', b)", 1, False), ("f('a\\'b', c)", 1, False), ("f('a\\\\', c)", 1, False),
    ("f(a, )", 1, True), ("f(a # c\n, b)", 1, True), ("f(" + "(" * 5000, 1, True), ("f(" + "x" * 300 + ", b)", 1, True),
])
def test_one_argument_call_is_false_only_where_the_text_plainly_passes_more(text, end, expected):
    assert one_argument_call(text, end) is expected


@pytest.mark.slow
@pytest.mark.growth
@pytest.mark.parametrize("spelled, n", [
    (lambda n: "a" + "replace" * n, 40000),  # one long name
    (lambda n: "a" + ".replace" * n, 40000),  # one long chain
    (lambda n: "a.replace(" * n, 20000),  # calls inside calls
], ids=["name", "chain", "nested-calls"])
def test_reading_around_each_replace_costs_linear_time(spelled, n):
    # Each occurrence of the word is read around; a name, chain or call holding it many times
    # is read once, not once per occurrence. (In a comment: the parser limits the depth of code.)
    def make(n):
        return "import os\n\ndef f(a):\n    # " + spelled(n) + "\n    os.remove(a)\n"

    # A name or chain from 40,000 up: at 20,000 its smaller text still fits the processor's
    # caches and the larger does not, which read 2.3 on 3.9 and near 3 with another job beside.
    ratio, result = growth(lambda text: analyse(parse(text), text=text, path_words=RENAME_WORDS), make, n)
    assert ratio <= 2.8


@pytest.mark.slow
@pytest.mark.growth
@pytest.mark.parametrize("spelled", [
    lambda n: '"""' + "if it exists " * n + '"""',  # the first line of a docstring
    lambda n: "x = 1  # " + "if it exists " * n,  # a comment after code
], ids=["docstring", "comment"])
def test_telling_prose_from_code_costs_linear_time(spelled):
    # Each line is read once for what may start a comment or a string, however many words
    # it holds.
    def make(n):
        return "import os\n\ndef f(a):\n    " + spelled(n) + "\n    os.remove(a)\n"

    ratio, result = growth(lambda text: analyse(parse(text), text=text, path_words=("exists",)), make, 40000)
    assert ratio <= 2.8
    assert not result.events_of(FileAct)


# -- the text gate before parsing ------------------------------------------------------------

TRICKY_IMPORTS = [
    "from shutil import move as mv\n\ndef f(a, b):\n    mv(a, b)\n",
    "from os import replace as r\n\ndef f(a, b):\n    r(a, b)\n",
    "from os import (\n    replace as r,\n)\n\ndef f(a, b):\n    r(a, b)\n",
    "from os import \\\n    replace as r\n\ndef f(a, b):\n    r(a, b)\n",
    "import os; from os import rename as rn\n\ndef f(a, b):\n    rn(a, b)\n",
    "x = 1; from os import replace as r\n\ndef f(a, b):\n    r(a, b)\n",
    "from os import removedirs as rd, replace\n\ndef f(a, b):\n    replace(a, b)\n",
    "import shutil as sh\n\ndef f(a, b):\n    sh.move(a, b)\n",
    "import os as o\n\ndef f(a, b):\n    o.replace(a, b)\n",
    "from shutil import *\n\ndef f(a, b):\n    os.replace(a, b)\n",
    "import os\n\ndef f(name, p):\n    os.remove(p)\n    return name.replace('a', 'b')\n",
    "import os\n\ndef f(p):\n    if os.path.exists(p):\n        os.remove(p)\n",
    "import os, fcntl\n\ndef f(p):\n    with open(p, 'w') as h:\n        fcntl.flock(h, fcntl.LOCK_EX)\n",
    "import os\r\ndef f(p):\r    os.replace(p, p + '.x')\n",
]


def _gate_cases():
    yield from (pytest.param(p.values[0], id=p.id) for p in _sources())
    for index, text in enumerate(TRICKY_IMPORTS):
        yield pytest.param(text, id="tricky-%d" % index)


@pytest.mark.parametrize("text", list(_gate_cases()))
@pytest.mark.parametrize("selection", ["default", "every"])
def test_the_text_gate_before_parsing_changes_no_finding(text, selection):
    # A module the text gate lets through unparsed would get no walk of any scope, and
    # whatever the rules find there with every gate open is nothing.
    from mboxlint.selection import Selection

    chosen = Selection(select=["MBX"]) if selection == "every" else Selection()
    ungated = check_tree(parse(text), chosen.enabled, None, text, gate=False)
    assert check_source(text, "m.py", chosen).findings == ungated
    rules = rules_for(text, chosen.enabled)
    if rules and not may_report(text, rules):
        assert ungated == []
        walked = []
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setattr(Walker, "run", lambda self: walked.append(self.scope))
            analyse(parse(text), text=text, path_words=_path_words(rules))
        assert walked == []


@pytest.mark.parametrize("text", [
    "import os\n\ndef f(items, name, p):\n    items.remove(p)\n    return name.replace('a', 'b')\n",
    "import os\n\ndef f(p):\n    '''Replace the file and move on.'''\n    os.remove(p)\n",
])
def test_a_module_whose_words_cannot_matter_is_not_parsed(text, monkeypatch):
    import mboxlint.engine as engine

    def refuse(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(engine, "parse", refuse)
    assert check_source(text, "m.py").findings == []
    monkeypatch.undo()
    # ... and one that does not parse still says so
    assert check_source(text + "def g(:\n", "m.py").error.code == "E999"


def _random_texts(pieces, count, seed):
    import random
    chooser = random.Random(seed)
    for _ in range(count):
        yield "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 16)))


def test_whole_words_are_counted_as_a_word_boundary_pattern_counts_them():
    import re

    from mboxlint.analysis.triggers import count_word
    pieces = ["ab", "a", "_", "b1", "é", "x", " ", ".", "\n", "(", "1", "ａ"]
    for text in _random_texts(pieces, 20000, 7):
        for name in ("a", "ab", "_", "b1", "é", "x_"):
            expected = len(re.findall(r"\b%s\b" % re.escape(name), text))
            assert count_word(text, name) == expected, (text, name)
            assert count_word(text, name, 1) == min(expected, 1)


def test_names_a_path_method_is_called_on_are_read_as_the_pattern_anchored_at_the_name_reads_them():
    import re

    from mboxlint.analysis.paths.expressions import PATH_ONLY_METHODS, _path_call_names
    anchored = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\.\s*(?:(?:%s)\s*\(\s*(?:\)|\w+\s*=[^=])|(?:%s)\s*\(\s*[^)\s])" % (
        "|".join(sorted(m for m, arity in PATH_ONLY_METHODS.items() if arity == 0) + ["exists"]),
        "|".join(sorted(m for m, arity in PATH_ONLY_METHODS.items() if arity != 0))))
    pieces = ["p", "_x", "é", "1", ".", " ", "\n", "exists", "(", ")", "is_file", "mkdir", "parents",
              "=", "==", "read_text", "Ab", "self"]
    for text in _random_texts(pieces, 30000, 11):
        assert _path_call_names(text) == {m.group(1) for m in anchored.finditer(text)}, text


@pytest.mark.parametrize("body, walked", [
    ('"""Remove dst if it exists."""', False),  # a docstring
    ('"""Remove dst.\n\n    Nothing is checked: whether it exists does not matter.\n    """', False),
    ('r"""Remove dst: whether it exists ...\n    """', False),
    ("# whether it exists does not matter", False),  # a comment
    ("x = 1  # whether it exists does not matter", False),
    ("os.path.exists(dst)", True),  # code
    ('"""Remove dst."""; os.path.exists(dst)', True),  # a statement after the docstring
    ('x = "#"; os.path.exists(dst)', True),  # a quote before: the # may be in a string
    ("x = f'{1}#'; os.path.exists(dst)", True),
    ("x = 1  # see below\n    os.path.exists(dst)", True),
    ('"""Remove dst.\n    """\n    os.path.exists(dst)', True),
])
def test_a_word_that_only_prose_spells_does_not_make_a_scope_worth_walking(body, walked):
    text = "import os\n\ndef purge(dst):\n    " + body + "\n    os.remove(dst)\n"
    module = analyse(parse(text), text=text, path_words=("exists",))
    assert bool(module.events_of(FileAct)) == walked


def test_a_one_line_function_keeps_the_words_of_its_header():
    # ``def f(): "doc"``: the docstring does not start its line, which is code too
    text = 'import os\n\ndef purge(dst=os.path.exists): "doc"; os.remove(dst)\n'
    module = analyse(parse(text), text=text, path_words=("exists",))
    assert module.events_of(FileAct)


def _code_words(text):
    """Offsets and lines of every trigger word a NAME token of ``text`` spells."""
    words = {"exists", "isfile", "isdir", "access", "rename", "replace", "move", "open", "lock", "mkstemp"}
    lines = text.splitlines(True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for token in tokenize.generate_tokens(iter(lines).__next__):
        if token.type == tokenize.NAME and token.string in words:
            row, col = token.start
            yield row, starts[row - 1] + col


@pytest.mark.parametrize("text", list(_sources()))
def test_no_word_of_code_is_taken_for_prose(text):
    from mboxlint.analysis.prose import Prose

    if "\r" in text:
        return  # the filter counts every line of such a text (see _scope_filter)
    prose = Prose(text, parse(text))
    for line, offset in _code_words(text):
        assert not prose.holds(line, offset), text.splitlines()[line - 1]
