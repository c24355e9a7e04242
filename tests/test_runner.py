"""The runner: parallel equals serial, the cache returns what a fresh check would, and
neither a corrupt cache, an overlapping run nor a crashing worker breaks a run."""

import ast
import json
import os
import subprocess
import sys
import textwrap
import time
import tokenize

import pytest

from mboxlint import runner
from mboxlint.config import Selection
from mboxlint.engine import check_file, check_tree
from mboxlint.analysis import has_trigger
from mboxlint.flake8_plugin import MboxlintChecker
from mboxlint.rules import all_rules

from support import EVERY_RULE, FIXTURES, ROOT, fixture_files

OLD = time.time() - 3600  # a modification time the stat fast path trusts

UNLOCKED = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"


def _examples():
    """Every rule's INVALID and VALID example: realistic sources with and without findings."""
    for rule in all_rules():
        for example in rule.invalid_examples():
            yield textwrap.dedent(example.code)
        for example in rule.VALID:
            yield textwrap.dedent(example)


@pytest.fixture
def tree(tmp_path):
    """A generated project: rule examples, files without triggers, and files that cannot be checked."""
    root = tmp_path / "project"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    for number, source in enumerate(_examples()):
        folder = root / "pkg" if number % 2 else root / "pkg" / "sub"
        (folder / ("example_%03d.py" % number)).write_text(source)
    for number in range(30):
        (root / ("plain_%02d.py" % number)).write_text("def f(x):\n    return x + %d\n" % number * (number + 1))
    (root / "broken.py").write_text("import mailbox\ndef f(:\n")
    (root / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nimport mailbox\nname = '\xe9'\n" + UNLOCKED.encode())
    (root / "undecodable.py").write_bytes(b"x = '\xff\xfe'\n")
    (root / "nul.py").write_bytes(b"x = 1\x00\n")
    (root / "noqa.py").write_text(UNLOCKED.replace("box.add('x')", "box.add('x')  # noqa: MBX101"))
    for path in root.rglob("*.py"):
        os.utime(path, (OLD, OLD))
    return root


@pytest.fixture
def parallel_always(monkeypatch):
    """Use the pool even for a handful of small files."""
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)


def _one_by_one(paths, selection=EVERY_RULE):
    from mboxlint.discovery import iter_python_files

    return [check_file(path, selection) for path in iter_python_files(paths)]


def test_parallel_equals_serial_on_the_fixtures(parallel_always):
    serial = runner.check_paths([FIXTURES], EVERY_RULE, jobs=1, cache=False)
    parallel = runner.check_paths([FIXTURES], EVERY_RULE, jobs=2, cache=False)
    assert any(result.findings for result in serial)
    assert parallel == serial == _one_by_one([FIXTURES])


def test_parallel_equals_serial_on_a_generated_tree(tree, parallel_always):
    serial = runner.check_paths([str(tree)], EVERY_RULE, jobs=1, cache=False)
    parallel = runner.check_paths([str(tree)], EVERY_RULE, jobs=3, cache=False)
    assert parallel == serial == _one_by_one([str(tree)])
    errors = {os.path.basename(r.path): r.error.code for r in serial if r.error}
    assert errors == {"broken.py": "E999", "undecodable.py": "E902", "nul.py": "E902"}
    assert [r.findings for r in serial if r.path.endswith("latin.py")][0][0].code == "MBX101"


def test_results_keep_the_input_order(tree, parallel_always):
    from mboxlint.discovery import iter_python_files

    paths = list(reversed(list(iter_python_files([str(tree)]))))
    results = runner.check_paths(paths, EVERY_RULE, jobs=2, cache=False)
    assert [r.path for r in results] == paths


def _forbid_checking(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("checked again although cached")

    monkeypatch.setattr(runner, "check_source", fail)


def test_a_warm_run_reads_no_file_and_returns_identical_results(tree, tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")
    cold = runner.check_paths([str(tree)], EVERY_RULE, jobs=1, cache_dir=cache)
    monkeypatch.setattr(runner, "check_one", lambda *a: pytest.fail("a file was read"))
    warm = runner.check_paths([str(tree)], EVERY_RULE, jobs=1, cache_dir=cache)
    assert warm == cold == _one_by_one([str(tree)])


def test_a_touched_file_with_the_same_content_is_a_hit(tree, tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")
    cold = runner.check_paths([str(tree)], EVERY_RULE, jobs=1, cache_dir=cache)
    for path in tree.rglob("*.py"):
        os.utime(path, (OLD + 60, OLD + 60))
    _forbid_checking(monkeypatch)
    assert runner.check_paths([str(tree)], EVERY_RULE, jobs=1, cache_dir=cache) == cold


def test_a_file_just_written_is_hashed_again_not_trusted_by_stat(tmp_path, monkeypatch):
    path = tmp_path / "fresh.py"
    path.write_text(UNLOCKED)
    cache = str(tmp_path / "cache")
    runner.check_paths([str(path)], EVERY_RULE, cache_dir=cache)
    # Same size, same mtime (set back explicitly), other content: only the hash can tell.
    stat = os.stat(path)
    path.write_text(UNLOCKED.replace("box.add('x')", "box.len('x')"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert runner.check_paths([str(path)], EVERY_RULE, cache_dir=cache)[0].findings == []


def test_a_changed_file_is_checked_again(tree, tmp_path):
    cache = str(tmp_path / "cache")
    target = tree / "plain_03.py"
    assert runner.check_paths([str(target)], EVERY_RULE, cache_dir=cache)[0].findings == []
    target.write_text(UNLOCKED)
    os.utime(target, (OLD + 5, OLD + 5))
    again = runner.check_paths([str(target)], EVERY_RULE, cache_dir=cache)
    assert [f.code for f in again[0].findings] == ["MBX101"]


def test_a_changed_selection_is_a_miss(tree, tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")
    target = str(tree / "latin.py")
    everything = runner.check_paths([target], EVERY_RULE, cache_dir=cache)
    assert [f.code for f in everything[0].findings] == ["MBX101"]
    calls = []
    real = runner.check_source
    monkeypatch.setattr(runner, "check_source", lambda *a: calls.append(a) or real(*a))
    fewer = runner.check_paths([target], Selection(select=["MBX102"]), cache_dir=cache)
    assert fewer[0].findings == [] and len(calls) == 1
    options = runner.check_paths([target], EVERY_RULE, {"shared_files": ["*.lock"]}, cache_dir=cache)
    assert options == everything and len(calls) == 2


@pytest.mark.parametrize("garbage", [b"", b"{", b"\xff\x00garbage", b"[]", b'{"key": 1}', "entries"])
def test_a_corrupt_cache_is_a_miss(tree, tmp_path, garbage):
    cache = str(tmp_path / "cache")
    expected = runner.check_paths([str(tree)], EVERY_RULE, jobs=1, cache_dir=cache)
    index = runner.Cache(cache, runner.configuration_key(EVERY_RULE, None)).index_path
    if garbage == "entries":  # valid JSON, every entry of the wrong shape
        with open(index) as handle:
            data = json.load(handle)
        shapes = [None, 1, [], [[1, 2], "h", [[], None]], [None, "h", [[[1]], None]], [None, "h", "x"]]
        data["files"] = {path: shapes[n % len(shapes)] for n, path in enumerate(data["files"])}
        garbage = json.dumps(data).encode()
    with open(index, "wb") as handle:
        handle.write(garbage)
    assert runner.check_paths([str(tree)], EVERY_RULE, jobs=1, cache_dir=cache) == expected
    # ... and the next run has a sound index again
    assert runner.Cache(cache, runner.configuration_key(EVERY_RULE, None)).lookup(
        os.path.abspath(str(tree / "latin.py"))) is not None


def _cli(*args, cwd, env=None):
    return subprocess.Popen(
        [sys.executable, "-m", "mboxlint", *args], cwd=cwd, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


@pytest.mark.slow
def test_two_overlapping_runs_both_succeed_and_agree(tree, tmp_path):
    env = _env(MBOXLINT_CACHE_DIR=str(tmp_path / "cache"))
    for _round in range(2):  # cold, then both warm with a freshly written index
        procs = [_cli("check", "--jobs", "2", "--select", "MBX", str(tree), cwd=str(tree), env=env) for _ in range(2)]
        outputs = [proc.communicate(timeout=300) for proc in procs]
        assert [proc.returncode for proc in procs] == [3, 3]  # findings, and files that cannot be checked
        assert outputs[0] == outputs[1]
        assert outputs[0][1] == "" and "MBX101" in outputs[0][0]
    single = _cli("check", "--no-cache", "--select", "MBX", str(tree), cwd=str(tree), env=env).communicate(timeout=300)
    assert outputs[0] == single
    leftovers = [name for name in os.listdir(tmp_path / "cache" / "0.1.0") if not name.endswith(".json")]
    assert leftovers == []


def test_no_cache_writes_nothing_and_clean_removes_the_cache(tree):
    env = _env()
    env.pop(runner.CACHE_DIR_ENV, None)
    proc = _cli("check", "--no-cache", str(tree / "plain_01.py"), cwd=str(tree / "pkg"), env=env)
    assert proc.communicate(timeout=300)[1] == "" and proc.returncode == 0
    assert not (tree / ".mboxlint_cache").exists()
    proc = _cli("check", str(tree / "plain_01.py"), cwd=str(tree / "pkg"), env=env)
    proc.communicate(timeout=300)
    cache = tree / ".mboxlint_cache"  # at the project root, not in the current directory
    assert sorted(os.listdir(cache)) == [".gitignore", "0.1.0", "CACHEDIR.TAG"]
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    proc = _cli("clean", cwd=str(tree / "pkg" / "sub"), env=env)
    assert proc.communicate(timeout=300)[0].startswith("removed ")
    assert proc.returncode == 0 and not cache.exists()


def test_project_root_is_the_nearest_marked_ancestor(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert runner.find_project_root(str(tmp_path / "a" / "b")) == str(tmp_path / "a" / "b")
    (tmp_path / "a" / "setup.cfg").write_text("")
    assert runner.find_project_root(str(tmp_path / "a" / "b")) == str(tmp_path / "a")


def test_an_exception_in_a_rule_costs_only_that_file_and_is_not_cached(tree, tmp_path, monkeypatch):
    real = runner.check_source

    def flaky(text, path, *rest):
        if path.endswith("latin.py"):
            raise KeyError("boom")
        return real(text, path, *rest)

    monkeypatch.setattr(runner, "check_source", flaky)
    cache = str(tmp_path / "cache")
    results = runner.check_paths([str(tree)], EVERY_RULE, jobs=1, cache_dir=cache)
    broken = [r for r in results if r.internal]
    assert [os.path.basename(r.path) for r in broken] == ["latin.py"]
    assert "boom" in broken[0].error.message
    assert [r for r in results if not r.internal] == [r for r in _one_by_one([str(tree)]) if not r.path.endswith("latin.py")]
    monkeypatch.setattr(runner, "check_source", real)
    assert not runner.check_paths([str(tree / "latin.py")], EVERY_RULE, cache_dir=cache)[0].internal


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the pool forks only on Linux, where the patch reaches the workers")
def test_a_worker_that_dies_costs_only_its_file(tree, parallel_always, monkeypatch):
    real = runner.check_source

    def deadly(text, path, *rest):
        if path.endswith("example_004.py"):
            os._exit(1)  # not an exception: the process is gone
        return real(text, path, *rest)

    monkeypatch.setattr(runner, "check_source", deadly)
    results = runner.check_paths([str(tree)], EVERY_RULE, jobs=2, cache=False)
    broken = [r for r in results if r.internal]
    assert [os.path.basename(r.path) for r in broken] == ["example_004.py"]
    expected = [r for r in _one_by_one([str(tree)]) if not r.path.endswith("example_004.py")]
    assert [r for r in results if not r.internal] == expected


def test_cli_jobs_must_be_positive(tree):
    proc = _cli("check", "-j", "0", str(tree), cwd=str(tree), env=_env())
    assert proc.communicate(timeout=300)[1].startswith("mboxlint: error: argument -j/--jobs")
    assert proc.returncode == 2


def test_flake8_plugin_returns_early_only_when_no_rule_can_apply(tree):
    for path in sorted(tree.rglob("*.py")):
        try:
            text = path.read_text()
            parsed = ast.parse(text)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        lines = text.splitlines(True)
        with_lines = list(MboxlintChecker(parsed, str(path), lines).run())
        codes = MboxlintChecker.codes
        # without the early return, and the walk not gated by the text (which still gives the
        # messages their quotes)
        without = [(f.line, f.col, "%s %s" % (f.code, f.message), MboxlintChecker)
                   for f in check_tree(parsed, codes, dict(MboxlintChecker.options), text, gate=False)]
        assert with_lines == without
        if not any(has_trigger(text, rule.TRIGGERS) for rule in all_rules()):
            assert with_lines == []


def test_text_gates_change_no_finding():
    """Skipping files and scopes by their triggers must give exactly what a full walk gives."""
    from mboxlint.engine import check_tree, parse

    sources = list(_examples())
    for path in fixture_files():
        with tokenize.open(path) as handle:  # fixtures may declare another encoding
            sources.append(handle.read())
    reported = 0
    for source in sources:
        tree = parse(source)
        gated = check_tree(tree, None, None, source)
        assert gated == check_tree(tree, None, None, source, gate=False)
        reported += len(gated)
    assert reported > 20


def test_cache_marks_are_written_once_and_clean_reports_what_was_there(tmp_path):
    cache = tmp_path / "cache"
    assert runner.clean(str(cache)) is False  # nothing there
    runner.prepare_cache_dir(str(cache))
    (cache / ".gitignore").write_text("*\n# kept\n")
    runner.prepare_cache_dir(str(cache))  # a second run keeps what is there
    assert (cache / ".gitignore").read_text() == "*\n# kept\n"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: ")
    assert runner.clean(str(cache)) is True and not cache.exists()
    cache.write_text("not a cache")
    assert runner.clean(str(cache)) is False and cache.read_text() == "not a cache"


def test_mboxlint_finds_nothing_in_its_own_code():
    proc = subprocess.run([sys.executable, "-m", "mboxlint", "check", "--no-cache", "mboxlint"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert (proc.stdout, proc.stderr, proc.returncode) == ("", "", 0)
