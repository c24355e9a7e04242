"""Run the interpreter's own test.test_mailbox against mboxlint.mailbox.

Usage: PYTHONPATH=<repo root> python run_stdlib_mailbox_suite.py
Prints one JSON line: {"version", "run", "skipped", "failed": [test ids]}.
The test module is imported from the running interpreter, never copied.
"""
import json
import os
import sys
import tempfile
import unittest
import warnings


def main():
    import mboxlint.mailbox as fixed  # imports the real stdlib module first

    saved = sys.modules.get('mailbox')
    sys.modules['mailbox'] = fixed
    try:
        from test import test_mailbox
    finally:
        if saved is not None:
            sys.modules['mailbox'] = saved
    assert test_mailbox.mailbox is fixed
    # The suite modifies unlocked mailboxes all the time; that is what the
    # warning is about, not what is under test here.
    warnings.simplefilter('ignore', fixed.MailboxWarning)

    os.chdir(tempfile.mkdtemp(prefix='mbx-stdlib-suite-'))
    suite = unittest.defaultTestLoader.loadTestsFromModule(test_mailbox)
    with open(os.devnull, 'w') as devnull:
        result = unittest.TextTestRunner(stream=devnull, verbosity=0).run(suite)
    failed = sorted(t.id() for t, _ in result.failures + result.errors
                    + [(t, None) for t in result.unexpectedSuccesses])
    details = {t.id(): tb[-2000:] for t, tb in result.failures + result.errors}
    print(json.dumps({
        'version': '%d.%d' % sys.version_info[:2],
        'run': result.testsRun,
        'skipped': len(result.skipped),
        'failed': failed,
        'details': details,
    }))
    try:
        test_mailbox.tearDownModule()
    except Exception:
        pass


if __name__ == '__main__':
    main()
