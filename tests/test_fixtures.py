"""Each fixture is a realistic file with its expected findings written next to it."""

import os

import pytest

from mboxlint.engine import check_file

from support import EVERY_RULE, FIXTURES, fixture_files, read_expected

FILES = fixture_files()


@pytest.mark.parametrize("path", FILES, ids=[os.path.relpath(p, FIXTURES) for p in FILES])
def test_fixture_findings_match_exactly(path):
    result = check_file(path, EVERY_RULE)
    assert result.error is None, result.error
    got = ["%d:%d: %s" % (f.line, f.col + 1, f.code) for f in result.findings]
    assert got == read_expected(path)


def test_there_are_fixtures():
    assert len(FILES) >= 10
