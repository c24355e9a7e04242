"""Facts about files that hold after a join when both paths agree (:class:`Must`), when
either holds them (:class:`May`), or when no path says otherwise (:class:`Unless`)."""

from ..state import min_line


class Must:
    """A value that holds after a join only when both paths agree on it."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def join(self, other):
        return self if other is not None and other.value == self.value else None

    def __eq__(self, other):
        return type(other) is type(self) and other.value == self.value

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):  # pragma: no cover - debugging aid
        return "%s(%r)" % (type(self).__name__, self.value)


class May(Must):
    """A line that holds after a join when it holds on either path (the earliest is kept)."""

    def join(self, other):
        if other is None:
            return self
        return May(min_line(self.value, other.value))


class Unless(Must):
    """A value that holds after a join unless the other path holds another one: a name bound
    from it on one arm and from something unknown on the other (``x = os.stat(p).st_mtime``
    or ``x = helper(p)``) may hold it."""

    def join(self, other):
        return self if other is None or other.value == self.value else None
