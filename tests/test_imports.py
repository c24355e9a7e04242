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
