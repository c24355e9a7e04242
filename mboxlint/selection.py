"""Which rule codes are enabled: the one piece of configuration the engine reads.

It lives apart from :mod:`mboxlint.config` (the command line's and ``pyproject.toml``'s face)
so that the engine, the runner and the fixers depend on it alone. A code is enabled when the
longest prefix that selects it is longer than the longest prefix that ignores it, which is how
flake8 and ruff settle ``--select MBX --ignore MBX1``; off-by-default rules (MBX9) run only when
a selection names a prefix that covers them.
"""

from typing import Iterable, Optional, Sequence


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

    def without(self, prefixes: Iterable[str]) -> "Selection":
        """A copy with every code under ``prefixes`` off, whatever selects it (per-file ignores)."""
        prefixes = tuple(prefixes)
        narrowed = object.__new__(Selection)
        narrowed.__dict__.update(self.__dict__)
        narrowed.enabled = frozenset(code for code in self.enabled if not code.startswith(prefixes))
        return narrowed
