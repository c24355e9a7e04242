"""Messages quote the path as the user wrote it (the variable, or the expression's source text),
never the analysis's internal keys such as ``join(CACHE_DIR,concat(name,'.pickle'))``."""

import os
import subprocess
import sys
import textwrap

import pytest

from mboxlint.engine import check_source
from mboxlint.config import Selection
from support import ROOT

CACHE = textwrap.dedent(
    """\
    import os, pickle
    CACHE_DIR = '/tmp/cache'
    def load(name):
        path = os.path.join(CACHE_DIR, name + '.pickle')
        if os.path.exists(path):
            with open(path, 'rb') as f:
                return pickle.load(f)
    """
)
GENERATED = textwrap.dedent(
    """\
    import os
    def generate(className):
        if not os.path.exists('.%s.py' % className):
            open('.%s.py' % className, 'w').write('x')
    """
)


def messages(source: str, **options) -> list:
    result = check_source(source, "m.py", Selection(select=["MBX"]), options or None)
    assert result.error is None
    return [(f.code, f.message) for f in result.findings]


def test_the_variable_is_quoted_not_its_key():
    (code, message), = messages(CACHE)
    assert code == "MBX301"
    assert "`open()` of `path` was checked" in message
    assert "join(" not in message and "concat(" not in message


def test_an_expression_is_quoted_as_written():
    found = messages(GENERATED)
    assert [code for code, _ in found] == ["MBX302"]
    assert "`'.%s.py' % className`" in found[0][1]
    assert "concat(" not in found[0][1]


def test_a_multi_line_expression_is_folded_and_a_long_one_cut():
    source = textwrap.dedent(
        """\
        import os
        def generate(base, name):
            if not os.path.exists(os.path.join(base,
                                               name)):
                open(os.path.join(base,
                                  name), 'w').write('x')
            if os.path.exists(os.path.join(base, 'a_rather_long_folder_name', 'and_a_long_file_name.txt')):
                os.remove(os.path.join(base, 'a_rather_long_folder_name', 'and_a_long_file_name.txt'))
        """
    )
    found = [message for _, message in messages(source)]
    assert any("`os.path.join(base, name)`" in message for message in found)
    long_one = [m for m in found if "a_rather_long" in m]
    assert long_one and "`os.path.join(base, 'a_rather_long_folder_name', 'and_a_lo...`" in long_one[0]


def test_columns_in_bytes_do_not_shift_the_quote():
    # ast counts columns in UTF-8 bytes: the quote must start at the expression all the same
    source = GENERATED.replace("open(", "label = '\u00e9t\u00e9 \U0001f4ec'; open(")
    (_, message), = messages(source)
    assert "`'.%s.py' % className`" in message


def test_shared_files_message_reads_as_english():
    source = "import os\nos.replace('x.tmp', '/var/mail/bob.mbox')\n"
    (code, message), = messages(source, shared_files=["*.mbox"])
    assert code == "MBX303"
    assert "onto `'/var/mail/bob.mbox'`, which matches the shared-files pattern '*.mbox':" in message
    locked = textwrap.dedent(
        """\
        import os, fcntl
        def rewrite(spool, tmp):
            with open(spool, 'r+b') as f:
                fcntl.lockf(f, fcntl.LOCK_EX)
                os.replace(tmp, spool)
        """
    )
    (_, message), = messages(locked)
    assert "onto `spool`, which is locked at line 4:" in message


@pytest.mark.parametrize("command", [["mboxlint", "check"], ["flake8", "--select", "MBX"]])
def test_both_entry_points_quote_the_source(tmp_path, command):
    (tmp_path / "cache.py").write_text(CACHE)
    (tmp_path / "gen.py").write_text(GENERATED)
    module = ["-m", "mboxlint", "check", "--no-cache"] if command[0] == "mboxlint" else ["-m"] + command
    done = subprocess.run([sys.executable] + module + ["cache.py", "gen.py"], cwd=str(tmp_path),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=dict(os.environ, PYTHONPATH=ROOT), timeout=300)
    assert done.returncode == 1, done.stderr
    assert "of `path` was checked" in done.stdout
    assert "`'.%s.py' % className`" in done.stdout
    assert "join(" not in done.stdout and "concat(" not in done.stdout
