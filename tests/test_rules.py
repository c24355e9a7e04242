"""Every rule carries its documentation and examples; the examples are the first tests."""

import re
import string

import pytest

from mboxlint.rules import all_rules
from mboxlint.rules.base import DOC_SECTIONS

from support import findings, fixture_files, marked_lines, read_expected

RULES = all_rules()


def _examples(kind):
    for rule in RULES:
        examples = rule.VALID if kind == "valid" else [e.code for e in rule.invalid_examples()]
        for index, example in enumerate(examples):
            yield pytest.param(rule, example, id="%s-%s-%d" % (rule.code, kind, index))


@pytest.mark.parametrize("rule, example", list(_examples("valid")))
def test_valid_example_is_not_reported(rule, example):
    assert [f for f in findings(example) if f.code == rule.code] == []


@pytest.mark.parametrize("rule, example", list(_examples("invalid")))
def test_invalid_example_is_reported_on_the_marked_lines(rule, example):
    expected = marked_lines(example, rule.code)
    assert expected, "an INVALID example must mark the line it expects with '# %s'" % rule.code
    assert {f.line for f in findings(example) if f.code == rule.code} == expected


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_is_documented(rule):
    doc = rule.documentation()
    positions = [doc.find(section) for section in DOC_SECTIONS]
    assert all(p >= 0 for p in positions), "missing sections in %s's docstring" % rule.code
    assert positions == sorted(positions), "sections of %s out of order" % rule.code
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.message and rule.summary() and rule.seed
    assert rule.VALID and rule.INVALID
    assert rule.fix_safety in (None, "safe", "unsafe", "sometimes")


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_a_fixture(rule):
    covered = set()
    for path in fixture_files():
        covered.update(line.split()[-1] for line in read_expected(path))
    assert rule.code in covered, "no fixture in fixtures/ expects %s" % rule.code


def test_codes_and_names_are_unique():
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_message_fields_read_back_through_the_template(rule):
    # Fixers read fields (a guard's line) out of findings; every field of every template
    # must come back as it went in.
    names = [name for _, name, _, _ in string.Formatter().parse(rule.message) if name]
    values = {name: "<%s_%d>" % (name, i) for i, name in enumerate(names)}
    message = rule.message.format(**values)
    for name in names:
        assert rule.message_field(message, name) == values[name]
    assert rule.message_field("something else entirely", names[0] if names else "x") is None
