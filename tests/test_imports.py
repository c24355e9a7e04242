"""ModuleFacts: which local names mean which library names, under any import spelling."""

import ast

import pytest

from mboxlint.analysis.imports import ModuleFacts


def resolve(source: str, expression: str):
    facts = ModuleFacts(ast.parse(source))
    return facts.resolve(ast.parse(expression, mode="eval").body)


@pytest.mark.parametrize(
    "source, expression, expected",
    [
        ("import mailbox", "mailbox.mbox", "mailbox.mbox"),
        ("import mailbox as mb", "mb.MMDF", "mailbox.MMDF"),
        ("from mailbox import mbox as M", "M", "mailbox.mbox"),
        ("from mboxlint import mailbox", "mailbox.mbox", "mailbox.mbox"),
        ("import mboxlint.mailbox", "mboxlint.mailbox.Babyl", "mailbox.Babyl"),
        ("from mboxlint.mailbox import MH", "MH", "mailbox.MH"),
        ("import os.path", "os.path.exists", "os.path.exists"),
        ("from os import path", "path.exists", "os.path.exists"),
        ("from os.path import exists as e", "e", "os.path.exists"),
        ("def f():\n    import imaplib\n", "imaplib.IMAP4_SSL", "imaplib.IMAP4_SSL"),
        ("", "open", "builtins.open"),
        ("open = None", "open", None),
        ("", "mailbox.mbox", None),
        ("from . import mailbox", "mailbox.mbox", None),
    ],
)
def test_resolve(source, expression, expected):
    assert resolve(source, expression) == expected


def test_local_subclass_of_a_lockable_class_is_lockable():
    facts = ModuleFacts(ast.parse("import mailbox\nclass Spool(mailbox.mbox):\n    pass\nclass Sub(Spool):\n    pass\n"))
    call = ast.parse("Sub('x')", mode="eval").body
    assert facts.lockable_constructor(call) == "mailbox.mbox"


@pytest.mark.parametrize(
    "annotation, expected",
    [
        ("mailbox.mbox", "mailbox.mbox"),
        ("'mailbox.MH'", "mailbox.MH"),
        ("Optional[mailbox.Mailbox]", "mailbox.Mailbox"),
        ("mailbox.mbox | None", "mailbox.mbox"),
        ("mailbox.Maildir", None),
        ("int", None),
    ],
)
def test_lockable_annotations(annotation, expected):
    facts = ModuleFacts(ast.parse("import mailbox\nfrom typing import Optional\n"))
    assert facts.lockable_annotation(ast.parse(annotation, mode="eval").body) == expected


def resolve_in(source: str, expression: str, with_text: bool):
    facts = ModuleFacts(ast.parse(source), source if with_text else None)
    return facts.resolve(ast.parse(expression, mode="eval").body)


@pytest.mark.parametrize("with_text", [True, False])
@pytest.mark.parametrize(
    "source, expression, expected",
    [
        # a project's module re-exporting a standard one under its name
        ("from certbot.compat import os\nos.remove(p)", "os.remove", "os.remove"),
        ("from .compat import shutil", "shutil.move", "shutil.move"),
        ("from .compat import tempfile as tf", "tf.mkstemp", "tempfile.mkstemp"),
        ("from . import os", "os.path.exists", "os.path.exists"),
        ("from .images import io\nio.open(p)", "io.open", None),  # io: a project's own too
        ("from datetime import time", "time.time", "datetime.time.time"),
        # a name only a star import can give
        ("from .common import *\nos.remove(p)", "os.remove", "os.remove"),
        ("from .common import *\nos.path.exists(p)", "os.path.exists", "os.path.exists"),
        ("from .common import *\nclass os:\n    pass\nos.remove(p)", "os.remove", None),
        ("from .common import *\nos = Store()\nos.remove(p)", "os.remove", None),
        ("from .common import *\ndef f(os):\n    os.remove(p)", "os.remove", None),
        ("from .common import *\ndef f():\n    for os in x:\n        os.remove(p)", "os.remove", None),
        ("from .common import *\ntry:\n    pass\nexcept E as os:\n    os.remove(p)", "os.remove", None),
        ("from .common import *\ndef f():\n    global os\n", "os.remove", None),
        ("from .common import *\nif c:\n    from x import y as os\nos.remove(p)", "os.remove", "x.y.remove"),
        ("os.remove(p)", "os.remove", None),  # no star: an unbound name is no module
        ("from .common import *\nmailbox.mbox(p)", "mailbox.mbox", None),
    ],
)
def test_modules_passed_on(source, expression, expected, with_text):
    assert resolve_in(source, expression, with_text) == expected


def test_a_star_module_that_never_uses_the_name_as_a_module_reads_no_binding():
    # With its text, a module that spells no `os.` is not walked for bindings.
    facts = ModuleFacts(ast.parse("from .common import *\nrun(os)\n"), "from .common import *\nrun(os)\n")
    assert "os" not in facts.aliases


@pytest.mark.parametrize(
    "test, operand, negated",
    [
        ("exists(p) == False", "exists(p)", True),
        ("False == exists(p)", "exists(p)", True),
        ("exists(p) is False", "exists(p)", True),
        ("exists(p) != True", "exists(p)", True),
        ("exists(p) is not True", "exists(p)", True),
        ("exists(p) == True", "exists(p)", False),
        ("exists(p) is not False", "exists(p)", False),
        ("not exists(p) == True", "exists(p)", True),
        ("not (exists(p) == False)", "exists(p)", False),
        ("(exists(p) == False) == False", "exists(p)", False),
        ("exists(p) == 0", "exists(p) == 0", False),  # only the constants True and False
        ("exists(p) == False == q", "exists(p) == False == q", False),
        ("exists(p) < True", "exists(p) < True", False),
    ],
)
def test_unnegated(test, operand, negated):
    from mboxlint.analysis.imports import unnegated
    found, flipped = unnegated(ast.parse(test, mode="eval").body)
    assert ast.unparse(found) == operand
    assert flipped == negated


def test_unnegated_takes_off_a_deep_chain_without_recursion():
    from mboxlint.analysis.imports import unnegated
    node = ast.parse("exists(p)", mode="eval").body
    for _ in range(100000):
        node = ast.Compare(left=node, ops=[ast.Eq()], comparators=[ast.Constant(value=False)])
    found, flipped = unnegated(node)
    assert isinstance(found, ast.Call) and flipped is False


@pytest.mark.parametrize("text", [
    "import unittest\n# é\nclass T(unittest.TestCase): pass\n",  # plain: two words around ASCII
    "import unittest\nx = 'unittest™'\n",  # ™ is no name character, but NFKC makes it TM
    "import unittest\nx = '\ufe33unittest'\n",  # nor is this low line before NFKC makes it _
    "import unittest\nx = 'ｕｎｉｔｔｅｓｔ'\n",  # fullwidth: a word only once normalised
    "import unittest\nunittest\u0301 = 1\n",  # a combining mark joins the last letter
    "import unittest\nx = 'éunittest'\n",
    "é = 1\n",
])
def test_words_counted_up_to_a_bound_match_the_normalised_source(text):
    """A framework's name spelled twice makes a test module; in a non-ASCII source the count is
    read off the text as it stands when it can be, and must be what the NFKC-normalised text
    gives (the names Python compares), whatever surrounds the name."""
    import unicodedata

    from mboxlint.analysis.triggers import count_word

    normalised = unicodedata.normalize("NFKC", text)
    for most in (1, 2, 3):
        facts = ModuleFacts(ast.parse("pass"), text)
        assert facts._words_up_to("unittest", most) == min(count_word(normalised, "unittest"), most)
