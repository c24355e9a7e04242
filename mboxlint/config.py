"""Which rules run: ``select``/``extend-select``/``ignore`` with prefix matching.

A code is enabled when the longest prefix that selects it is longer than the longest prefix
that ignores it, which is how flake8 and ruff settle ``--select MBX --ignore MBX1``. Rules that
are off by default (MBX9) run only when a selection names a prefix that covers them: the
default selection lists the default rules' codes, not the prefix ``MBX``.
"""

import re
from typing import Iterable, List, Optional, Sequence

CODE_PREFIX = re.compile(r"^MBX[0-9]{0,3}$")


class ConfigError(ValueError):
    """A bad option or configuration value; the CLI exits 2 with its message."""


def parse_codes(values: Optional[Iterable[str]], option: str) -> List[str]:
    """Split comma-separated code lists and check every entry is an MBX code or prefix."""
    codes: List[str] = []
    for value in values or []:
        for part in re.split(r"[,\s]+", value.strip()):
            if not part:
                continue
            code = part.upper()
            if code == "ALL":
                code = "MBX"
            if not CODE_PREFIX.match(code):
                raise ConfigError("%s: %r is not an mboxlint code or prefix (MBX, MBX1, MBX101, ...)" % (option, part))
            codes.append(code)
    return codes


class Selection:
    def __init__(
        self,
        select: Optional[Sequence[str]] = None,
        extend_select: Sequence[str] = (),
        ignore: Sequence[str] = (),
    ):
        from .rules import all_rules

        rules = all_rules()
        #: with no explicit ``select``, the default set is every rule but the off-by-default ones
        self.explicit = select is not None
        self.select = list(select) if select is not None else ["MBX"]
        self.extend_select = list(extend_select)
        self.ignore = list(ignore)
        self.enabled = frozenset(rule.code for rule in rules if self._enables(rule))

    def _enables(self, rule) -> bool:
        code = rule.code
        selecting = self.select if (self.explicit or rule.default_enabled) else []
        selected = max((len(p) for p in list(selecting) + self.extend_select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return selected > ignored
