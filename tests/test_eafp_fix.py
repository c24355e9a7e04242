"""The MBX301 fix (exists-then-open becomes an open in ``try:``): what the fixed code does
when the file is there, missing, corrupt, or removed between the old check and the open,
and the shapes the rewrite keeps (comments, ``elif``, indentation, line endings) or declines."""

import os
import pickle
import subprocess
import sys
import textwrap

import pytest

from mboxlint.config import Selection
from mboxlint.engine import check_source
from mboxlint.fix import fix_source

from support import FIXTURES, ROOT

ONLY = Selection(select=["MBX301"])
LOADER = os.path.join(FIXTURES, "files", "lazy_import_cache_loader")


def fixed(code, unsafe=False):
    code = textwrap.dedent(code)
    result = fix_source(code, "<t>", ONLY, unsafe=unsafe)
    assert result.problems == []
    again = fix_source(result.text, "<t>", ONLY, unsafe=unsafe)
    assert again.text == result.text and again.fixed == 0
    return result


def load(path):
    """The fixture (or one of its fixed forms) as a fresh module namespace."""
    namespace = {"__name__": "loader"}
    with open(path) as handle:
        exec(compile(handle.read(), path, "exec"), namespace)
    return namespace


VERSIONS = {
    "original": LOADER + ".py",
    "fixed": LOADER + ".fixed.py",
    "unsafe-fixed": LOADER + ".unsafe-fixed.py",
}


def _scenarios(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    with open(cache / "star_imports.pickle", "wb") as f:
        pickle.dump({"sage.all": ["QQ", "ZZ"], "sage.all.stale": ["x"]}, f)
    (cache / "index.json").write_text('{"sage.rings": 3}')
    (tmp_path / "VERSION").write_text("9.8\n")
    import gzip
    with gzip.open(cache / "docs.gz", "wt") as f:
        f.write("QQ\tthe rationals\n")
    return cache


def _outcomes(module, tmp_path, cache):
    module["CACHE_DIR"] = str(cache)
    missing = str(tmp_path / "nowhere" / "x")
    return [
        module["get_star_imports"]("sage.all"),
        module["get_star_imports"]("sage.all", cache_name="absent.pickle"),
        module["load_index"](str(cache / "index.json")),
        module["load_index"](missing),
        module["load_index"](str(cache / "index.json" / "below-a-file")),  # NotADirectoryError
        module["load_version"](str(tmp_path)),
        module["load_version"](missing),
        module["load_doc_cache"]("docs"),
        module["load_doc_cache"]("absent"),
        module["load_doc_cache"]("docs", use_docs=False),
        module["read_branch"](str(tmp_path)),
        module["count_cached"]([str(cache / "index.json"), missing]),
    ]


@pytest.mark.parametrize("version", ["fixed", "unsafe-fixed"])
def test_fixed_loaders_return_what_the_originals_return(version, tmp_path):
    cache = _scenarios(tmp_path)
    before = _outcomes(load(VERSIONS["original"]), tmp_path, cache)
    after = _outcomes(load(VERSIONS[version]), tmp_path, cache)
    assert after == before
    assert before[0] == ["QQ", "ZZ"] and before[1] is None and before[3] is None


def _racing_exists(monkeypatch):
    """``os.path.exists`` that answers truthfully, then lets another process delete the file."""
    real = os.path.exists

    def exists(path):
        answer = real(path)
        if answer and os.path.isfile(path):
            os.remove(path)
        return answer

    monkeypatch.setattr(os.path, "exists", exists)


def test_the_original_loses_the_race_and_the_fixed_loader_does_not(monkeypatch, tmp_path):
    cache = _scenarios(tmp_path)
    original, fixed_module = load(VERSIONS["original"]), load(VERSIONS["fixed"])
    original["CACHE_DIR"] = fixed_module["CACHE_DIR"] = str(cache)
    _racing_exists(monkeypatch)
    with pytest.raises(FileNotFoundError):
        original["get_star_imports"]("sage.all")
    # The file is gone now: the fixed loader takes the "no cache" branch instead of crashing.
    assert not (cache / "star_imports.pickle").exists()
    assert fixed_module["get_star_imports"]("sage.all") is None
    (cache / "index.json").write_text("{}")
    with pytest.raises(FileNotFoundError):
        original["load_index"](str(cache / "index.json"))
    assert fixed_module["load_index"](str(cache / "index.json")) is None


def test_a_corrupt_cache_still_raises_after_the_fix(tmp_path):
    # The review of the Sage fix: catch the open's errors only, so corruption is reported.
    cache = _scenarios(tmp_path)
    (cache / "star_imports.pickle").write_bytes(b"\x80\x04 not a pickle")
    (cache / "index.json").write_text("{not json")
    module = load(VERSIONS["fixed"])
    module["CACHE_DIR"] = str(cache)
    with pytest.raises(pickle.UnpicklingError):
        module["get_star_imports"]("sage.all")
    with pytest.raises(ValueError):
        module["load_index"](str(cache / "index.json"))


def test_a_directory_where_the_file_should_be_still_raises(tmp_path):
    # exists() said True for a directory, and open() raised: it still does.
    module = load(VERSIONS["fixed"])
    with pytest.raises(IsADirectoryError):
        module["load_index"](str(tmp_path))


def test_the_loader_fixture_keeps_one_unfixable_shape():
    result = fix_source(open(LOADER + ".py").read(), LOADER + ".py", ONLY, unsafe=True)
    assert result.problems == []
    # the open inside a generator expression, which the fixes moved down
    assert [f.line for f in result.remaining] == [101]
    assert "entries.extend(line for line in open(path))" in result.text.splitlines()[100]


# -- what the rewrite keeps -------------------------------------------------------------


def test_comments_stay_with_what_they_describe():
    result = fixed("""
    import os
    def load(path, q):
        if q:
            return None
        # the cache, if any
        elif os.path.exists(path):  # written by save()
            # read it whole
            with open(path) as f:  # text mode
                return f.read()
        # nothing cached
        else:
            return ""
    """)
    assert result.text == textwrap.dedent("""
    def load(path, q):
        if q:
            return None
        # the cache, if any
        else:
            try:  # written by save()
                f = open(path)
            # nothing cached
            except (FileNotFoundError, NotADirectoryError):
                return ""
            else:
                # read it whole
                with f:  # text mode
                    return f.read()
    """)


def test_comments_closing_the_arm_are_kept_when_no_else_takes_them():
    result = fixed("""
    from pathlib import Path
    def a(p: Path):
        if p.exists():
            data = p.read_text()
            # more to come
        else:
            data = None
        return data
    def b(p: Path):
        if not p.exists():
            data = None
            # nothing there
        else:
            data = p.read_text()
            # all read
        return data
    """)
    assert result.text == textwrap.dedent("""
    from pathlib import Path
    def a(p: Path):
        try:
            data = p.read_text()
            # more to come
        except (FileNotFoundError, NotADirectoryError):
            data = None
        return data
    def b(p: Path):
        try:
            data = p.read_text()
            # all read
        except (FileNotFoundError, NotADirectoryError):
            data = None
            # nothing there
        return data
    """)


def test_an_elif_chain_after_the_check_becomes_the_except_body():
    # unsafe: the LookupError would now have the FileNotFoundError as its __context__
    result = fixed(unsafe=True, code="""
    import os
    def load(path, default):
        if os.path.exists(path):
            return open(path).read()
        elif default is None:
            raise LookupError(path)
        else:
            return default
    """)
    assert result.text == textwrap.dedent("""
    def load(path, default):
        try:
            f = open(path)
        except (FileNotFoundError, NotADirectoryError):
            if default is None:
                raise LookupError(path)
            else:
                return default
        else:
            return f.read()
    """)
    namespace = {}
    exec(result.text, namespace)
    with pytest.raises(LookupError):
        namespace["load"]("/nonexistent/x", None)
    assert namespace["load"]("/nonexistent/x", "d") == "d"


def test_fresh_names_avoid_every_name_of_the_function():
    result = fixed("""
    import os
    def load(path, f, f2):
        text = f.read() + f2
        if os.path.exists(path):
            return text + open(path).read()
    """)
    # "text +" comes first but is no call: the open may go first.
    assert "f3 = open(path)" in result.text and "return text + f3.read()" in result.text


def test_a_fresh_name_at_module_level_is_private():
    # unsafe: the module's global would hold the open file for the life of the process
    result = fixed(unsafe=True, code="""
    import json, os
    CONFIG = "/nonexistent/app.json"
    if os.path.exists(CONFIG):
        settings = json.load(open(CONFIG))
    else:
        settings = {}
    """)
    assert "_f = open(CONFIG)" in result.text and "settings = json.load(_f)" in result.text
    namespace = {}
    exec(result.text, namespace)
    assert namespace["settings"] == {} and "_f" not in namespace


def test_a_with_target_that_is_not_a_name_gets_a_fresh_name():
    result = fixed("""
    import os
    class Reader:
        def open(self, path):
            if os.path.exists(path):
                with open(path, "rb") as self.handle:
                    return self.handle.read()
    """)
    assert "f = open(path, \"rb\")" in result.text and "with f as self.handle:" in result.text


def test_an_assignment_of_the_open_stays_the_try_body():
    result = fixed("""
    from pathlib import Path
    def load(state: Path):
        if state.exists():
            data = state.read_bytes()
            return data
        return b""
    """)
    assert result.text == textwrap.dedent("""
    from pathlib import Path
    def load(state: Path):
        try:
            data = state.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            pass
        else:
            return data
        return b""
    """)


def test_blank_lines_above_an_opening_assignment_do_not_follow_try():
    result = fixed("""
    import os
    def first_line(manifest):
        if not os.path.isfile(manifest):
            return False

        # read one line
        fp = open(manifest)
        try:
            return fp.readline()
        finally:
            fp.close()
    """, unsafe=True)
    assert result.text == textwrap.dedent("""
    def first_line(manifest):
        try:
            # read one line
            fp = open(manifest)
        except (FileNotFoundError, NotADirectoryError):
            return False
        try:
            return fp.readline()
        finally:
            fp.close()
    """)


def test_nothing_to_do_either_way_becomes_suppress():
    # try/except/pass is what ruff's SIM105 flags.
    result = fixed("""
    import os
    from pathlib import Path
    def load(path: Path):
        text = None
        if path.exists():
            text = path.read_text()
        return text
    """)
    assert result.text == textwrap.dedent("""
    import os
    from contextlib import suppress
    from pathlib import Path

    def load(path: Path):
        text = None
        with suppress(FileNotFoundError, NotADirectoryError):
            text = path.read_text()
        return text
    """)


def test_crlf_and_tabs_are_kept():
    code = "import os\r\n\r\ndef load(p):\r\n\tif os.path.exists(p):\r\n\t\treturn open(p).read()\r\n\treturn None\r\n"
    result = fix_source(code, "<t>", ONLY)
    assert result.text == (
        "def load(p):\r\n\ttry:\r\n\t\tf = open(p)\r\n"
        "\texcept (FileNotFoundError, NotADirectoryError):\r\n\t\tpass\r\n"
        "\telse:\r\n\t\treturn f.read()\r\n\treturn None\r\n"
    )
    assert fix_source(result.text, "<t>", ONLY).fixed == 0


def test_new_blocks_indent_like_the_function_in_a_file_that_mixes_tabs_and_spaces():
    code = "import os\ndef a():\n\tpass\n\ndef load(p):\n  if os.path.exists(p):\n    return open(p).read()\n"
    result = fix_source(code, "<t>", ONLY)
    assert result.text.endswith(
        "def load(p):\n  try:\n    f = open(p)\n  except (FileNotFoundError, NotADirectoryError):\n"
        "    pass\n  else:\n    return f.read()\n")
    compile(result.text, "<t>", "exec")


def test_guard_clause_moves_the_statements_between_after_the_open_unsafely():
    code = """
    import os, logging
    def load(path):
        if not os.path.exists(path):
            return None
        logging.info("loading %s", path)
        for line in open(path):
            yield line.rstrip()
    """
    assert fix_source(textwrap.dedent(code), "<t>", ONLY).fixed == 0
    result = fixed(code, unsafe=True)
    assert result.text == textwrap.dedent("""
    import logging
    def load(path):
        try:
            f = open(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        logging.info("loading %s", path)
        for line in f:
            yield line.rstrip()
    """)


def test_inert_statements_before_the_open_keep_the_fix_safe():
    result = fixed("""
    import os, json
    def load(path):
        if os.path.exists(path):
            seen = set()
            name: str = "cache"
            with open(path) as f:
                data = json.load(f)
        else:
            data, seen = {}, None
        return data, seen
    """)
    assert result.fixed == 1
    assert "    else:\n        seen = set()\n        name: str = \"cache\"\n        with f:\n" in result.text


@pytest.mark.parametrize("statement", ["seen = str(path)", "seen = int(path)", "seen = list(path)",
                                       "seen = dict(mapping=path)", "seen = set(path)"])
def test_constructors_that_call_into_their_argument_are_not_inert(statement):
    # str(x)/int(x) call __str__/__int__, which may raise: the open would now come first.
    code = textwrap.dedent("""
    import os, json
    def load(path):
        if os.path.exists(path):
            %s
            with open(path) as f:
                data = json.load(f)
        else:
            data = {}
        return data
    """) % statement
    [finding] = [f for f in check_source(code, "<t>", ONLY).findings]
    assert (finding.fix, finding.plan.reason) == ("unsafe", "statements with an effect would now run after the open")


@pytest.mark.parametrize("code", [
    # deeper than a direct statement of the checked arm
    "if os.path.exists(p):\n    if q:\n        return open(p).read()\n",
    # evaluated lazily, or not at all
    "if os.path.exists(p):\n    return [line for line in open(p)]\n",
    "if os.path.exists(p):\n    return q and open(p).read()\n",
    "if os.path.exists(p):\n    return open(p).read() if q else None\n",
    # another call runs before the open
    "if os.path.exists(p):\n    return q() + open(p).read()\n",
    # not the first item of its with
    "if os.path.exists(p):\n    with open(q) as g, open(p) as f:\n        return f.read()\n",
    # shares its line
    "if os.path.exists(p):\n    q = 1; return open(p).read()\n",
    # the statement moving after the open binds a name the open uses
    "if os.path.exists(p):\n    enc = 'utf-8'\n    return open(p, encoding=enc).read()\n",
    # a statement moving after the open may leave the function, with the file left open
    "if os.path.exists(p):\n    if q:\n        return None\n    return open(p).read()\n",
    # a bare raise in the old else-branch would re-raise the FileNotFoundError
    "try:\n    q()\nexcept OSError:\n    if not os.path.exists(p):\n        raise\n    return open(p).read()\n",
    # a combined check
    "if os.path.exists(p) and q:\n    return open(p).read()\n",
    # async with
    "if os.path.exists(p):\n    async with open(p) as f:\n        return 1\n",
])
def test_shapes_the_fix_declines_say_no_fix(code):
    source = "import os\nasync def load(p, q):\n" + textwrap.indent(code, "    ")
    findings = check_source(source, "<t>", ONLY).findings
    assert [f.code for f in findings] == ["MBX301"]
    assert findings[0].fix is None
    assert fix_source(source, "<t>", ONLY, unsafe=True).text == source


def test_an_open_in_a_class_body_says_no_fix():
    source = ("import os\nclass Config:\n    if os.path.exists('/etc/app.json'):\n"
              "        text = open('/etc/app.json').read()\n")
    (finding,) = check_source(source, "<t>", ONLY).findings
    assert finding.fix is None


def test_the_fixer_runs_as_a_libcst_codemod_command(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    code = "import os\ndef load(p):\n    if os.path.exists(p):\n        return open(p).read()\n"
    clause = "import os\ndef load(p):\n    if not os.path.isfile(p):\n        return ''\n    return open(p).read()\n"
    (folder / "load.py").write_text(code)
    (folder / "clause.py").write_text(clause)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "-x", "mboxlint.fixes.eafp.OpenInTry", "--no-format",
         "--hide-progress", "-j", "1", str(folder)],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "load.py").read_text() == fix_source(code, "<t>", ONLY).text != code
    # The unsafe guard-clause fix needs --unsafe-fixes there too.
    assert (folder / "clause.py").read_text() == clause


def test_every_finding_that_offers_a_fix_gets_it():
    # The rule promises a fix only for shapes the fixer rewrites.
    from support import fixture_files

    for path in fixture_files():
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
        if "MBX301" not in open(path[: -len(".py")] + ".expected").read():
            continue
        result = fix_source(text, path, ONLY, unsafe=True)
        assert result.problems == [], path
        assert [f for f in result.remaining if f.fix is not None] == [], path
