"""The interpreter's own test.test_mailbox, run against mboxlint.mailbox.

Each installed interpreter 3.9-3.13 runs tests/helpers/run_stdlib_mailbox_suite.py
in a child process (mboxlint.mailbox needs nothing but the stdlib), which
imports its own test.test_mailbox with ``mailbox`` bound to mboxlint.mailbox.
"""
import glob
import json
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RUNNER = os.path.join(HERE, 'helpers', 'run_stdlib_mailbox_suite.py')

pytestmark = pytest.mark.slow

# Tests that fail by design, each explained in docs/mailbox.md.
DEVIATIONS = {
    # __all__ also lists the names re-exported from the stdlib (Maildir, the
    # message classes, the errors) so that ``from mboxlint.mailbox import *``
    # is a drop-in; the check only expects names defined in the module.
    'test.test_mailbox.MiscTestCase.test__all__',
}

VERSIONS = ['3.9', '3.10', '3.11', '3.12', '3.13']


def interpreter(version):
    found = sorted(glob.glob('/root/.pyenv/versions/%s.*/bin/python' % version))
    return found[-1] if found else None


@pytest.fixture(scope='module')
def runs():
    """Start every installed interpreter at once: the suite mostly sleeps."""
    env = dict(os.environ, PYTHONPATH=REPO)
    started = {}
    for version in VERSIONS:
        python = interpreter(version)
        if python is not None:
            started[version] = subprocess.Popen(
                [python, RUNNER], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env, universal_newlines=True)
    yield started
    for proc in started.values():
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize('version', VERSIONS)
def test_interpreter_suite_passes(runs, version):
    if version not in runs:
        pytest.skip('Python %s is not installed on this machine' % version)
    out, err = runs[version].communicate(timeout=300)
    assert runs[version].returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result['version'] == version
    assert result['run'] > 300
    unexpected = set(result['failed']) - DEVIATIONS
    assert not unexpected, '\n\n'.join(
        '%s\n%s' % (t, result['details'].get(t, '')) for t in sorted(unexpected))
    # A deviation that no longer fails must leave the list.
    assert set(result['failed']) == DEVIATIONS
