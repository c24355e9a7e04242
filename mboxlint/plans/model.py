"""The data of a fix plan: plain tuples of strings and integers, cached with the findings."""

from typing import NamedTuple, Optional, Tuple

#: a fix ``--fix`` applies
SAFE = "safe"
#: a fix ``--fix --unsafe-fixes`` applies
UNSAFE = "unsafe"


class Span(NamedTuple):
    """Where a node is, in ``ast``'s coordinates: 1-based lines, UTF-8 byte columns."""

    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def of(cls, node) -> "Span":
        return cls(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


class Anchor(NamedTuple):
    """A node a fix reads or rewrites, named by its part in the fix (``"act"``, ``"guard"``...)."""

    role: str
    span: Span


class FixPlan(NamedTuple):
    """What ``--fix`` does for one finding, decided once, at detection.

    ``safety`` is :data:`SAFE`, :data:`UNSAFE` or None (no fix); ``reason`` says why in a few
    words (why it is unsafe, or why there is no fix); ``action`` names the rewrite the fixer
    of the rule performs; ``anchors`` are the nodes it performs it on; ``taken``: the names the
    rewrite must not use as they are, because at its site they do not name what the module
    imports under them (or the builtin): the fixer reaches the object another way."""

    safety: Optional[str]
    action: str = ""
    anchors: Tuple[Anchor, ...] = ()
    reason: str = ""
    taken: Tuple[str, ...] = ()

    def span(self, role: str) -> Optional[Span]:
        """The span of the first anchor playing ``role``."""
        for anchor in self.anchors:
            if anchor.role == role:
                return anchor.span
        return None

    def spans(self, role: str) -> Tuple[Span, ...]:
        return tuple(anchor.span for anchor in self.anchors if anchor.role == role)

    def to_data(self) -> list:
        return [self.safety, self.action, [[a.role, list(a.span)] for a in self.anchors], self.reason,
                list(self.taken)]

    @classmethod
    def from_data(cls, data) -> "FixPlan":
        if not isinstance(data, list) or len(data) != 5:
            raise ValueError("not a fix plan")
        safety, action, anchors, reason, taken = data
        if safety not in (SAFE, UNSAFE, None) or not isinstance(action, str) or not isinstance(reason, str) \
                or not isinstance(taken, list) or not all(isinstance(name, str) for name in taken):
            raise ValueError("not a fix plan")
        built = []
        for item in anchors:
            role, span = item
            if not isinstance(role, str) or len(span) != 4 or not all(isinstance(v, int) for v in span):
                raise ValueError("not a fix plan")
            built.append(Anchor(role, Span(*span)))
        return cls(safety, action, tuple(built), reason, tuple(taken))

    def at_site(self, blocks, stmt) -> "FixPlan":
        """This plan with the names taken at ``stmt`` (see :func:`.statements.taken_at`)."""
        if self.safety is None:
            return self
        from .statements import taken_at

        return self._replace(taken=taken_at(blocks, stmt))


def no_fix(reason: str) -> FixPlan:
    return FixPlan(None, reason=reason)
