"""Files in a private temporary directory of the scope: nobody else reads them, so the file
rules never report them (the directories come from :class:`~mboxlint.analysis.summaries.PrivatePaths`)."""

from typing import Optional

from ..pathkey import PathKey
from ..summaries import under


class PrivateDirectories:
    """Whether a key is private to the scope being walked (a part of :class:`PathAnalysis`)."""

    def _private_names(self, scope) -> frozenset:
        """Names of this scope holding a fresh private temporary directory or a path in it,
        spelled as keys spell them."""
        summaries = self.facts.summaries
        if summaries is None:
            return frozenset()
        return frozenset(self._ref_key(name) for name in summaries.private.in_scope(scope))

    def private(self, key: Optional[PathKey]) -> bool:
        """Whether a key names a file in a private temporary directory of this scope."""
        if key is None:
            return False
        if self._private is None:
            self._private = self._private_names(self._scope)
        if not self._private:
            return False
        return key.any_leaf(lambda leaf: leaf.kind == "name" and under(leaf.head, self._private))
