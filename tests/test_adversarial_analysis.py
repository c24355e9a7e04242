"""Hostile input is normal input: the analysis costs time and memory linear in the file.

Every shape of ``helpers.adversarial`` once cost seconds to hours (doubling path keys,
nested loops and finally blocks walked exponentially, a state copied per statement of a long
function) or crashed on valid code (RecursionError). Each is generated at a size N and 2N and
checked through both entry points, the CLI's engine and the flake8 plugin: CPU time and peak
traced memory may at most double, within a margin for a loaded machine, and nothing may be
reported as unchecked. Sizes are ratios within one run, never absolute times.
"""

import ast
import os
import subprocess
import sys
import textwrap

import pytest

from helpers.adversarial import SHAPES, annotation_union, attribute_chain, cpu_seconds, deep_rename_target, \
    elif_chain, long_sum, method_chain, nested_for, nested_not, nested_try_finally, nested_while_exists, peak_bytes, \
    private_helper_chain, subscript_chain
from mboxlint.analysis import walk
from mboxlint.engine import check_source
from mboxlint.flake8_plugin import MboxlintChecker
from support import EVERY_RULE

#: 2N may cost this many times N: linear, with room for a shared, loaded machine
TIME_RATIO = 2.8
MEMORY_RATIO = 2.5
REPEATS = 3


def run_cli(text: str):
    result = check_source(text, "adversarial.py")
    assert result.error is None, result.error
    return result.findings


def run_plugin(tree: ast.Module, lines):
    reported = list(MboxlintChecker(tree, "adversarial.py", lines).run())
    assert not [r for r in reported if r[2].startswith("E902")], reported[:3]
    return reported


def _entry(kind: str, text: str):
    """A call that checks ``text`` as the entry point ``kind`` does (flake8 parses first)."""
    if kind == "cli":
        return lambda: run_cli(text)
    tree, lines = ast.parse(text), text.splitlines(True)
    return lambda: run_plugin(tree, lines)


#: measuring rounds before a ratio over the limit counts, and pairs measured in each (see
#: :func:`growth`): a round is short, so that a ratio within the limit costs little
ROUNDS = 3
PAIRS = 2


def growth(kind: str, make, n: int):
    """(time ratio, memory ratio, results) of checking ``make(2n)`` against ``make(n)``;
    times are the best of interleaved repeats, so load elsewhere falls on both alike, and
    peaks the least of two. A ratio over the limit is measured again, up to :data:`ROUNDS`
    rounds in all, the best times of every round counting: a burst of load on another core
    slows one side of a round, while cost that really grows faster than the input is there
    in every round."""
    small, large = _entry(kind, make(n)), _entry(kind, make(2 * n))
    found = (small(), large())  # also warms up what is imported or cached once
    times = [[], []]
    for _ in range(ROUNDS):
        for _ in range(PAIRS):
            times[0].append(cpu_seconds(small))
            times[1].append(cpu_seconds(large))
        if min(times[1]) / max(min(times[0]), 1e-3) <= TIME_RATIO:
            break
    # Peaks are measured again, the least of two each, only when their ratio is over the
    # limit: tracemalloc traces every thread, and a stray allocation elsewhere in the process
    # during one measurement is no cost of the analysis (tracing is slow: once is enough).
    memory = (peak_bytes(small), peak_bytes(large))
    if memory[1] / memory[0] > MEMORY_RATIO:
        memory = (min(memory[0], peak_bytes(small)), min(memory[1], peak_bytes(large)))
    return min(times[1]) / max(min(times[0]), 1e-3), memory[1] / memory[0], found


@pytest.mark.parametrize("kind", ["cli", "plugin"])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_shape_is_analysed_whole(name, kind):
    """Each shape once, at its base size: nothing crashes or is left unchecked on this
    interpreter (the growth measurement below, slow, is made on one of them in CI)."""
    shape = SHAPES[name]
    assert _entry(kind, shape.make(shape.base))() is not None


#: the shape whose growth is also measured through the flake8 plugin: the most findings and
#: lines, so that what the adapter does per finding and per line (noqa comments) shows
PLUGIN_SHAPE = "mailbox-key-ifs"


# Both entry points run the same engine on the same tree (the CLI parses it itself), so each
# shape's growth is measured through the CLI's; the plugin's own share, once, on PLUGIN_SHAPE.
@pytest.mark.growth
@pytest.mark.slow  # a dozen checks of each shape; each is checked once above on every interpreter
@pytest.mark.parametrize("name, kind", [(name, "cli") for name in sorted(SHAPES)] + [(PLUGIN_SHAPE, "plugin")])
def test_cost_grows_linearly(name, kind):
    shape = SHAPES[name]
    time_ratio, memory_ratio, (small, large) = growth(kind, shape.make, shape.base)
    assert time_ratio <= TIME_RATIO, "%s: checking 2N took %.2fx the time of N" % (name, time_ratio)
    assert memory_ratio <= MEMORY_RATIO, "%s: checking 2N took %.2fx the memory of N" % (name, memory_ratio)
    # The shapes are really analysed: what N finds, 2N finds too.
    assert len(large) >= len(small)


DEPTH_SHAPES = {"for": nested_for, "while-exists": nested_while_exists, "try-finally": nested_try_finally}


@pytest.mark.slow
@pytest.mark.growth
@pytest.mark.parametrize("name", sorted(DEPTH_SHAPES))
def test_nesting_depth_costs_a_bounded_number_of_walks_per_level(name):
    """Once ×2 to ×4 per level. Now each level walks what it holds a bounded number of
    times, so doubling the depth at most quadruples the cost (the tokenizer allows 100
    levels of indentation); 48 levels used to take longer than the age of the universe."""
    make = DEPTH_SHAPES[name]
    shallow, deep = _entry("cli", make(2, depth=24)), _entry("cli", make(2, depth=48))
    shallow(), deep()
    times = [(cpu_seconds(shallow), cpu_seconds(deep)) for _ in range(REPEATS)]
    ratio = min(t[1] for t in times) / max(min(t[0] for t in times), 1e-3)
    assert ratio <= 5.5, "%s: depth 48 took %.2fx the time of depth 24" % (name, ratio)


def _deepest_parsable(make, start: int) -> int:
    """The largest size up to ``start`` this interpreter's parser accepts, halving the gap."""
    size, step = start, start // 2
    while step:
        try:
            ast.parse(make(size))
            return size
        except (RecursionError, MemoryError, SyntaxError):
            size -= step
            step = max(step // 2, 1) if size > 400 else 0
    return size


@pytest.mark.parametrize("make", [long_sum, elif_chain, nested_not, attribute_chain, subscript_chain, method_chain,
                                  deep_rename_target, annotation_union],
                         ids=["sum", "elif", "not", "attributes", "subscripts", "methods", "rename", "annotation"])
def test_what_the_parser_accepts_is_analysed_through_both_entry_points(make):
    """The analysis used to give up near 330 levels (CLI: E902) or raise RecursionError
    out of flake8; now it follows whatever depth the parser takes, from both entry points,
    even with flake8's frames on the stack (simulated by a lower recursion limit), and finds
    what it finds at depth 3."""
    size = _deepest_parsable(make, 1200)
    assert size >= 400
    text = make(size)
    result = check_source(text, "deep.py", EVERY_RULE)
    assert result.error is None, result.error
    shallow = check_source(make(3), "shallow.py", EVERY_RULE)
    assert shallow.findings and {f.code for f in result.findings} == {f.code for f in shallow.findings}
    tree = ast.parse(text)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # the walk's own frames must not depend on the input's depth
    try:
        reported = run_plugin(tree, text.splitlines(True))
    finally:
        sys.setrecursionlimit(limit)
    assert [(line, col, message.split()[0]) for line, col, message, _ in reported] == \
        [(f.line, f.col, f.code) for f in result.findings]


def test_helpers_returning_helpers_values_are_followed_without_recursion_on_their_number():
    """Whether a helper returns a private directory is asked of the helper whose value it
    returns, and of that one's: a chain as long as the module must neither exhaust the
    stack (the whole function left unchecked) nor be believed private past a bounded depth."""
    short = check_source(private_helper_chain(2), "short.py", EVERY_RULE)
    assert short.error is None and short.findings == []  # two helpers deep: the private directory is seen
    long = check_source(private_helper_chain(3000), "long.py", EVERY_RULE)
    assert long.error is None, long.error
    assert [f.code for f in long.findings] == ["MBX302"]  # not known private that far: reported, not skipped


BIG_AND_SMALL = textwrap.dedent(
    """\
    import os


    def big(c):
        if os.path.exists(c):
            open(c)
    {body}

    def small(p):
        if os.path.exists(p):
            open(p)
    """
)


def test_a_function_over_its_budget_is_one_e902_and_the_rest_is_checked(monkeypatch):
    monkeypatch.setattr(walk, "WORK_BUDGET", 2000)
    body = "\n".join("    if os.path.exists(p%d):\n        open(p%d)" % (i, i) for i in range(400))
    text = BIG_AND_SMALL.format(body=body)
    result = check_source(text, "budget.py")
    assert result.error is not None
    assert (result.error.line, result.error.code) == (4, "E902")
    assert result.error.message == "analysis budget exceeded in function `big` (line 4); it was not checked"
    # Nothing of the abandoned walk is reported; the other function is.
    small_line = text.splitlines().index("def small(p):") + 3
    assert [(f.line, f.code) for f in result.findings] == [(small_line, "MBX301")]
    reported = list(MboxlintChecker(ast.parse(text), "budget.py", text.splitlines(True)).run())
    assert [(line, message) for line, _col, message, _ in reported] == [
        (4, "E902 " + result.error.message), (small_line, result.findings[0].code + " " + result.findings[0].message)]


def test_a_real_flake8_run_reports_the_budget_finding(tmp_path):
    body = "\n".join("    if os.path.exists(p%d):\n        open(p%d)" % (i, i) for i in range(400))
    (tmp_path / "budget.py").write_text(BIG_AND_SMALL.format(body=body))
    (tmp_path / "other.py").write_text("import os\nif os.path.exists('a'):\n    open('a')\n")
    script = "import sys; import mboxlint.analysis.walk as w; w.WORK_BUDGET = 2000; " \
             "from flake8.main.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", script, "--select=MBX,E902", "-j", "1", "budget.py", "other.py"],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    lines = sorted(done.stdout.splitlines())
    assert done.returncode == 1, done.stderr
    assert lines[0].startswith("budget.py:4:1: E902 analysis budget exceeded in function `big` (line 4)")
    assert any(line.startswith("budget.py:") and "MBX301" in line for line in lines[1:])
    assert any(line.startswith("other.py:3:5: MBX301") for line in lines)


class _Exploding:
    code = "MBX999"
    TRIGGERS = None

    def __init__(self, error):
        self.error = error

    def __call__(self, options):
        return self

    def check(self, module):
        raise self.error
        yield  # a generator, like every rule


@pytest.mark.parametrize("error, message", [
    (RecursionError("maximum recursion depth exceeded"), "too deeply nested to analyse"),
    (ValueError("boom"), "internal error: boom"),
])
def test_the_plugin_turns_any_failure_into_a_finding(monkeypatch, error, message):
    from mboxlint import engine
    rule = _Exploding(error)
    monkeypatch.setattr(engine, "rules_for", lambda text, codes=None: [rule])
    text = "import os\nos.path.exists('x')\n"
    reported = list(MboxlintChecker(ast.parse(text), "x.py", text.splitlines(True)).run())
    assert [(line, col, m) for line, col, m, _ in reported] == [(1, 0, "E902 " + message)]
    if isinstance(error, RecursionError):  # the CLI says the same; other errors are internal ones (exit 2)
        result = check_source(text, "x.py")
        assert (result.error.code, result.error.message, result.findings) == ("E902", message, [])


@pytest.mark.growth
@pytest.mark.slow  # the whole benchmark, every shape at several sizes
def test_benchmark_script_runs(tmp_path):
    """``benchmarks/adversarial.py`` prints a growth exponent for every shape."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, os.path.join(root, "benchmarks", "adversarial.py"), "--scale", "0.1",
                           "--sizes", "2"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for name in SHAPES:
        assert any(line.split()[:1] == [name] for line in done.stdout.splitlines()), done.stdout
