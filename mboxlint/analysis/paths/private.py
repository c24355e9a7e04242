"""Files in a private temporary directory of the scope: nobody else reads them, so the file
rules never report them (the directories come from :class:`~mboxlint.analysis.summaries.PrivatePaths`)."""

from typing import Optional

from ..pathkey import PathKey
from ..summaries import local_names, under

#: how many enclosing functions a nested function's private names are looked for in
ENCLOSING_LEVELS = 8


class PrivateDirectories:
    """Whether a key is private to the scope being walked (a part of :class:`PathAnalysis`)."""

    def _private_names(self, scope) -> frozenset:
        """Names of this scope holding a fresh private temporary directory or a path in it,
        spelled as keys spell them."""
        summaries = self.facts.summaries
        if summaries is None:
            return frozenset()
        names = set(summaries.private.scope(scope.node, scope.enclosing_class))
        # A nested function sees the private names of the functions it is defined in
        # (``with TemporaryDirectory() as d:`` around a ``def``) unless it binds them itself.
        own = None
        outer = scope.enclosing_function
        for _ in range(ENCLOSING_LEVELS):
            if outer is None:
                break
            inherited = summaries.private.scope(outer.node, outer.enclosing_class)
            if inherited:
                if own is None:
                    own = local_names(scope.node, self.facts.may_walrus)
                names.update(name for name in inherited if name.partition(".")[0] not in own)
            outer = outer.enclosing_function
        return frozenset(self._ref_key(name) for name in names)

    def private(self, key: Optional[PathKey]) -> bool:
        """Whether a key names a file in a private temporary directory of this scope."""
        if key is None:
            return False
        if self._private is None:
            self._private = self._private_names(self._scope)
        if not self._private:
            return False
        return key.any_leaf(lambda leaf: leaf.kind == "name" and under(leaf.head, self._private))
