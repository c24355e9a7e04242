"""Trigger words only skip work that could not find anything: gated and ungated runs agree."""

import textwrap
import tokenize

import pytest

from mboxlint.engine import check_tree, parse
from mboxlint.rules import all_rules

from support import fixture_files


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


@pytest.mark.parametrize("rule", all_rules(), ids=[r.code for r in all_rules()])
def test_every_invalid_example_contains_a_trigger_of_its_rule(rule):
    for example in rule.invalid_examples():
        assert rule.TRIGGERS is None or any(word in example.code for word in rule.TRIGGERS)
