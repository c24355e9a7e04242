"""Safe fixes keep behaviour when the programs of the behaviour suite share one module:
hypothesis picks several, each becomes a function of one file (their imports, helpers and
names side by side, where a fix's added import or fresh name could clash with another's),
and a ``main`` runs them in turn on the same file, so each meets the state the one before
left. The composed module must behave the same before and after ``--fix`` in every state."""

import re
import tempfile
import pathlib

from hypothesis import HealthCheck, given, settings, strategies as st

from test_behaviour_fixes import PROGRAMS, _program, fixed, observe

#: programs that work inside ``main`` (the module-level one reads globals of its own). Left
#: out: the regions that fail while locked (of a mailbox of known or unwritten type), whose
#: originals leave a stale dot-lock behind; the MBX103 fix removing it (the race that rule
#: names) changes what later units see.
UNITS = sorted(name for name in PROGRAMS
               if "def main(" in PROGRAMS[name][1] and not name.endswith("mailbox-region-that-fails"))
#: those a safe fix rewrites: every composition holds one
FIXED_UNITS = [name for name in UNITS if PROGRAMS[name][0]]

RUNS = """

def main(p, src):
    seen = []
    for unit in (%s,):
        try:
            seen.append(("returned", repr(unit(p, src))))
        except Exception as error:
            seen.append(("raised", type(error).__name__))
    return seen
"""


def compose(names):
    parts = []
    for index, name in enumerate(names):
        parts.append(re.sub(r"^def main\(", "def unit_%d(" % index, _program(name), flags=re.M))
    return "".join(parts) + RUNS % ", ".join("unit_%d" % index for index in range(len(names)))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIXED_UNITS), st.lists(st.sampled_from(UNITS), min_size=1, max_size=3), st.randoms())
def test_composed_programs_keep_behaviour_under_safe_fixes(first, others, random):
    names = [first] + others
    random.shuffle(names)
    code = compose(names)
    safe = fixed(code, unsafe=False)
    assert safe.changed, names
    with tempfile.TemporaryDirectory(prefix="composed-") as folder:
        root = pathlib.Path(folder)
        stale_locks = not any("MBX103" in PROGRAMS[name][0] for name in names)
        before = observe(code, root, "before", stale_locks)
        after = observe(safe.text, root, "after", stale_locks)
    for old, new in zip(before, after):
        assert old == new, (old["state"], names, safe.text)
