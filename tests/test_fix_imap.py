"""MBX210's fix: a search and every reported use of its numbers become UID commands together,
or nothing changes."""

import textwrap

import libcst as cst
from libcst.codemod import CodemodContext

from mboxlint.config import Selection
from mboxlint.engine import check_source
from mboxlint.fix import fix_source
from mboxlint.fixes.imap import UidCommands

ONLY = Selection(select=["MBX210"])


def _findings(code):
    return [f for f in check_source(code, "<imap>", ONLY).findings if f.code == "MBX210"]


def _fixed(code):
    return fix_source(code, "<imap>", ONLY, unsafe=True)


def test_one_search_two_uses_is_rewritten_once():
    code = textwrap.dedent(
        """\
        import imaplib
        def move_spam(conn: imaplib.IMAP4):
            typ, data = conn.search(None, "ALL")
            for num in data[0].split():
                conn.copy(num, "Junk")
                conn.store(num, '+FLAGS', r'\\Deleted')
        """
    )
    result = _fixed(code)
    assert result.fixed == 2 and result.remaining == []
    assert result.text == code.replace('conn.search(None, "ALL")', 'conn.uid("SEARCH", None, "ALL")') \
        .replace('conn.copy(num, "Junk")', 'conn.uid("COPY", num, "Junk")') \
        .replace("conn.store(num, '+FLAGS'", "conn.uid('STORE', num, '+FLAGS'")
    assert result.text.count("uid(") == 3
    assert _fixed(result.text).text == result.text


def test_safe_fixes_alone_leave_it():
    code = "import imaplib\nc = imaplib.IMAP4('h')\nt, d = c.search(None, 'ALL')\nc.store(d[0], '+FLAGS', 'x')\n"
    result = fix_source(code, "<imap>", ONLY, unsafe=False)
    assert result.text == code and len(result.remaining) == 1


def test_fixer_given_one_of_two_uses_declines():
    # When --fix retries findings one at a time, converting the search for one use would
    # leave the other use reading UIDs as sequence numbers.
    code = textwrap.dedent(
        """\
        import imaplib
        conn = imaplib.IMAP4("h")
        typ, data = conn.search(None, "ALL")
        conn.copy(data[0], "Junk")
        conn.store(data[0], "+FLAGS", "x")
        """
    )
    findings = _findings(code)
    assert len(findings) == 2 and all(f.fix == "unsafe" for f in findings)
    module = cst.parse_module(code)
    for finding in findings:
        fixer = UidCommands(CodemodContext(), findings=[finding], unsafe_fixes=True)
        assert fixer.apply(module).code == code and fixer.applied == []
    both = UidCommands(CodemodContext(), findings=findings, unsafe_fixes=True)
    assert both.apply(module).code.count(".uid(") == 3 and len(both.applied) == 2


def test_noqa_on_one_use_keeps_the_search():
    code = textwrap.dedent(
        """\
        import imaplib
        conn = imaplib.IMAP4("h")
        typ, data = conn.search(None, "ALL")
        conn.copy(data[0], "Junk")  # noqa: MBX210
        conn.store(data[0], "+FLAGS", "x")
        """
    )
    result = _fixed(code)
    assert result.text == code and [f.line for f in result.remaining] == [5]


def _fix_values(code):
    return [(f.line, f.fix) for f in _findings(code)]


def test_numbers_also_given_to_a_helper_have_no_fix():
    code = textwrap.dedent(
        """\
        import imaplib
        def purge(conn: imaplib.IMAP4, log):
            typ, data = conn.search(None, "ALL")
            for num in data[0].split():
                remember(num)
                log.info("deleting %s", num)
                conn.store(num, "+FLAGS", "x")
        """
    )
    assert _fix_values(code) == [(7, None)]
    # Builtins, bytes methods and logging calls do not pin the search.
    harmless = code.replace("remember(num)", "print(int(num), num.decode())")
    assert _fix_values(harmless) == [(7, "unsafe")]
    assert _fixed(harmless).text.count(".uid(") == 2


def test_numbers_from_two_searches_have_no_fix():
    code = textwrap.dedent(
        """\
        import imaplib
        def purge(conn: imaplib.IMAP4, old):
            if old:
                typ, data = conn.search(None, "BEFORE 1-Jan-2020")
            else:
                typ, data = conn.search(None, "DELETED")
            conn.store(data[0], "+FLAGS", "x")
        """
    )
    assert _fix_values(code) == [(7, None)]
    assert _fixed(code).text == code


def test_keyword_arguments_have_no_fix():
    code = textwrap.dedent(
        """\
        import imaplib
        def read(conn: imaplib.IMAP4):
            typ, data = conn.search(None, "ALL")
            typ, first = conn.fetch(data[0], message_parts="(RFC822)")
            typ, data2 = conn.search(None, "NEW")
            conn.store(data2[0], "+FLAGS", "x")
        """
    )
    assert _fix_values(code) == [(4, None), (6, "unsafe")]
    result = _fixed(code)
    assert [f.line for f in result.remaining] == [4]
    assert 'conn.uid("SEARCH", None, "NEW")' in result.text and 'conn.search(None, "ALL")' in result.text


def test_codemod_command_finds_its_own_findings():
    code = "import imaplib\nc = imaplib.IMAP4('h')\nt, d = c.search(None, 'ALL')\nc.store(d[0], '+FLAGS', 'x')\n"
    command = UidCommands(CodemodContext(filename="x.py"), unsafe_fixes=True)
    new = command.transform_module(cst.parse_module(code)).code
    assert new == "import imaplib\nc = imaplib.IMAP4('h')\nt, d = c.uid('SEARCH', None, 'ALL')\n" \
        "c.uid('STORE', d[0], '+FLAGS', 'x')\n"
    # Without --unsafe-fixes the command changes nothing.
    assert UidCommands(CodemodContext(filename="x.py")).transform_module(cst.parse_module(code)).code == code
