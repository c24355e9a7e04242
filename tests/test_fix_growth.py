"""--fix costs time linear in the findings of a module (benchmarks/fix_growth.py measures
1,000 against 4,000; here N against 2N, in one run)."""

import pytest

from mboxlint.fix import fix_source
from mboxlint.selection import Selection
from support import growth

FUNCTION = (
    "\n\ndef load_{n}(path):\n"
    "    if os.path.exists(path):\n"
    "        with open(path) as f:\n"
    "            return f.read()\n"
    "    return None\n"
)


def _code(count):
    return "import os\n" + "".join(FUNCTION.format(n=n) for n in range(count))


@pytest.mark.slow
@pytest.mark.growth
def test_twice_the_findings_cost_about_twice_the_time():
    # CPU time, in pairs, with the collector off as --fix runs its fixes (see growth()):
    # linear is 2.0; the N^2 steps this guards against showed as 2.8
    ratio, result = growth(lambda code: fix_source(code, "m.py", Selection(select=["MBX301"])), _code, 400,
                           limit=2.5)
    assert result.fixed == 800 and result.remaining == []
    assert ratio < 2.5, ratio
