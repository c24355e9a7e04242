"""Glob patterns from a hostile ``pyproject.toml``: matched segment by segment in time that
grows linearly with the path, never by a backtracking regular expression; a malformed one is
a configuration error (exit 2), not an internal error."""

import os
import time

import pytest

from mboxlint.config import Config, PathMatcher
from mboxlint.globs import GlobError, GlobSet, compile_glob

from support import run_cli


@pytest.mark.parametrize("pattern, path, matches", [
    ("*.py", "a.py", True),
    ("*.py", "a.pyc", False),
    ("*", "", True),
    ("a*b*c", "abc", True),
    ("a*b*c", "axxbyyc", True),
    ("a*b*c", "axxbyy", False),
    ("*a*a*a*b", "aaaaab", True),
    ("*a*a*a*b", "aab", False),
    ("src/*.py", "src/a.py", True),
    ("src/*.py", "src/sub/a.py", False),
    ("src/**/*.py", "src/a.py", True),
    ("src/**/*.py", "src/sub/deep/a.py", True),
    ("**/x.py", "x.py", True),
    ("**/x.py", "a/b/x.py", True),
    ("a/**/b/**/c", "a/b/c", True),
    ("a/**/b/**/c", "a/x/b/y/z/c", True),
    ("a/**/b/**/c", "a/x/c", False),
    ("tests/**", "tests/x/y.py", True),
    ("tests/**", "tests", False),
    ("**", "anything/at/all", True),
    ("a**b", "axxb", True),  # ``**`` inside a segment is ``*``
    ("a**b", "ax/xb", False),
    ("te?t.py", "test.py", True),
    ("te?t.py", "tet.py", False),
    ("[!a]*.py", "a.py", False),
    ("[!a]*.py", "b.py", True),
    ("[^a]*.py", "b.py", True),
    ("[ab].py", "b.py", True),
    ("[a-c]x", "bx", True),
    ("[a-c]x", "dx", False),
    ("[]]", "]", True),
    ("[!]]", "a", True),
    ("[abc", "[abc", True),  # never closed: a literal
    ("a+b.py", "a+b.py", True),
    ("a+b.py", "aab.py", False),
    ("/abs/*.py", "/abs/x.py", True),
])
def test_glob_semantics(pattern, path, matches):
    assert compile_glob(pattern).match(path) is matches


def test_escapes_in_gitignore_syntax():
    assert compile_glob(r"\*.py", escapes=True).match("*.py")
    assert not compile_glob(r"\*.py", escapes=True).match("a.py")
    assert compile_glob(r"[\]]", escapes=True).match("]")


@pytest.mark.parametrize("pattern", ["[z-a]", "x/[9-0].py", "[b-a]*"])
def test_a_reversed_range_is_an_error(pattern):
    with pytest.raises(GlobError, match="bad range"):
        compile_glob(pattern)


def test_a_glob_set_agrees_with_its_globs():
    patterns = ["build", "*.egg-info", "src/*.py", "**/gen/**", "venv", "x?z"]
    globs = GlobSet(patterns)
    cases = [("build", "build"), ("a/b/pkg.egg-info", "pkg.egg-info"), ("src/a.py", "a.py"),
             ("a/gen/b.py", "b.py"), ("xyz", "xyz"), ("other/file.py", "file.py")]
    for relative, name in cases:
        expected = [i for i, p in enumerate(patterns)
                    if compile_glob(p).match(name if "/" not in p else relative)
                    or ("/" in p and compile_glob(p).match(relative))]
        assert globs.matching([relative], name) == sorted(set(expected)), relative


def _growth(make, sizes=(500, 2000), repeat=40, rounds=7):
    """Time at size 4N over time at size N, best of ``rounds`` measured alternately so that
    load elsewhere falls on both: about 4 when linear, 16 when quadratic, far more for a
    backtracking matcher."""
    functions = [make(n) for n in sizes]
    best = [float("inf")] * len(sizes)
    for _ in range(rounds):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            for _ in range(repeat):
                function()
            best[index] = min(best[index], time.perf_counter() - start)
    return best[1] / best[0]


def _steps(glob, text, monkeypatch):
    """How many single-character and single-segment comparisons matching ``text`` takes."""
    from mboxlint import globs

    count = [0]
    one, segment = globs._one_matches, globs._segment_matches

    def counting_one(token, char):
        count[0] += 1
        return one(token, char)

    def counting_segment(token, text):
        count[0] += 1
        return segment(token, text)

    monkeypatch.setattr(globs, "_one_matches", counting_one)
    monkeypatch.setattr(globs, "_segment_matches", counting_segment)
    try:
        glob.match(text)
    finally:
        monkeypatch.undo()
    return count[0]


def test_many_stars_grow_linearly_with_the_name(monkeypatch):
    # 21 characters: took 35 seconds on one name as a regular expression
    glob = compile_glob("*a" * 10 + "b")
    assert not glob.match("a" * 30)  # instantly
    small, large = (_steps(glob, "a" * n, monkeypatch) for n in (1000, 2000))
    assert large <= 2.1 * small, (small, large)
    ratio = _growth(lambda n: (lambda: glob.match("a" * n)))
    assert ratio < 10, ratio


def test_many_double_stars_grow_linearly_with_the_depth(monkeypatch):
    glob = compile_glob("**/" * 8 + "never.py")
    assert not glob.match("/".join(["d"] * 30) + "/x.py")
    small, large = (_steps(glob, "/".join(["d"] * n) + "/x.py", monkeypatch) for n in (200, 400))
    assert large <= 2.1 * small, (small, large)
    ratio = _growth(lambda n: (lambda: glob.match("/".join(["d"] * n) + "/x.py")), sizes=(100, 400))
    assert ratio < 10, ratio


def test_a_tree_thirty_deep_with_eight_double_stars_is_walked_quickly(tmp_path):
    deep = tmp_path
    for _ in range(30):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "x.py").write_text("import os\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mboxlint]\nextend-exclude = ["%s"]\n[tool.mboxlint.per-file-ignores]\n"%s" = ["MBX1"]\n'
        % ("**/" * 8 + "nothing", "*a" * 10 + "b"))
    start = time.monotonic()
    proc = run_cli("check", "--no-cache", ".", cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - start < 60  # was minutes; the bound is only against a hang


@pytest.mark.parametrize("setting", [
    'extend-exclude = ["[z-a]"]',
    '[tool.mboxlint.per-file-ignores]\n"[z-a]" = ["MBX101"]',
])
def test_a_bad_pattern_in_the_configuration_is_a_clear_error(tmp_path, setting):
    (tmp_path / "a.py").write_text("import os\n")
    (tmp_path / "pyproject.toml").write_text("[tool.mboxlint]\n" + setting + "\n")
    proc = run_cli("check", "--no-cache", ".", cwd=str(tmp_path))
    assert proc.returncode == 2
    assert "bad range z-a" in proc.stderr and "internal error" not in proc.stderr


def test_path_matcher_matches_relative_absolute_and_name(tmp_path):
    matcher = PathMatcher(["src/*.py", "build", "*.gen.py"], str(tmp_path))
    assert matcher.matches(str(tmp_path / "src" / "a.py"))
    assert matcher.matches(str(tmp_path / "x" / "build"))
    assert matcher.matches(str(tmp_path / "deep" / "er" / "m.gen.py"))
    assert not matcher.matches(str(tmp_path / "src" / "sub" / "a.py"))
    assert matcher.matching(str(tmp_path / "src" / "b.gen.py")) == [0, 2]
    assert Config({"extend-exclude": ["legacy"]}, root=str(tmp_path)).is_excluded(
        os.path.join(str(tmp_path), "legacy"), True)
