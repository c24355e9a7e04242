"""Which occurrences of the path analysis's scope words can matter, told from the text.

The scope filter (``analysis._scope_filter``) walks only scopes whose lines hold such a word;
``replace`` counts only where it may be a rename (:class:`RenameWord`). :func:`may_walk` asks
the same of a module's text before it is parsed: a module in which no occurrence can matter
gets no walk, so nothing is reported in it, and its parse can be skipped. It must never say
False where the filter, with the module's facts, would walk a scope: wherever the filter
needs those facts (which names are imported), it takes every name an import statement spells.
"""

import re
from typing import Callable, FrozenSet, Optional, Sequence, Tuple

from ..imports import REEXPORTED_MODULES
from ..triggers import has_trigger, name_bounds, one_argument_call
from .filelocks import LOCK_WORDS


class RenameWord:
    """Whether the ``replace`` at an offset of a text may be a rename: a function of a module
    or an imported name (``os.replace(a, b)``), or a method given one argument and no keyword
    (``path.replace(target)``); not ``s.replace(old, new)`` nor ``when.replace(year=y)``.

    ``is_imported`` tells whether a name is bound by an import. The occurrences of a text are
    met in ascending order: the name or chain read last is remembered, so that one holding
    the word many times is read once."""

    def __init__(self, is_imported: Callable[[str], bool]):
        self.is_imported = is_imported
        #: the last name and chain read: (text, start, end, whether it is, or starts with,
        #: an imported name)
        self._name_runs: Optional[Tuple[str, int, int, bool]] = None
        self._chain_runs: Optional[Tuple[str, int, int, bool]] = None

    def __call__(self, text: str, at: int) -> bool:
        end = at + len("replace")
        before, after = text[at - 1:at] if at else "", text[end:end + 1]
        if before in "\"'" and before or after in "\"'" and after:
            return False  # a string (``errors="replace"``): no call of that name
        if before.isalnum() or before == "_" or after.isalnum() or after == "_":
            # part of another name: only an imported one (``os_replace``) can rename
            return self._imported_name_around(text, at, end)
        if before != ".":
            # a name of its own: called (an imported ``replace``, or a function of the
            # module), or an imported one passed on; not a word of prose in a docstring
            following = end
            while following < len(text) and text[following] in " \t":
                following += 1
            return text[following:following + 1] == "(" or self.is_imported("replace")
        if self._chain_from_import(text, at - 1):
            return True
        return one_argument_call(text, at + len("replace"))

    def _imported_name_around(self, text: str, at: int, end: int) -> bool:
        known = self._name_runs
        if known is not None and known[0] is text and known[1] <= at < known[2]:
            return known[3]
        start, stop = name_bounds(text, at, end)
        imported = self.is_imported(text[start:stop])
        self._name_runs = (text, start, stop, imported)
        return imported

    def _chain_from_import(self, text: str, upto: int) -> bool:
        """Whether the dotted chain of names ending at ``upto`` starts with an imported name."""
        known = self._chain_runs
        start, imported = upto, None
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_."):
            start -= 1
            if known is not None and known[0] is text and start == known[2]:
                start, imported = known[1], known[3]  # the chain read last time goes on here
                break
        if imported is None:
            dot = text.find(".", start, upto)
            imported = self.is_imported(text[start:dot if dot != -1 else upto])
        self._chain_runs = (text, start, upto, imported)
        return imported


#: what may stand before ``import`` in an import statement, from the start of its line or a ``;``
_BEFORE_IMPORT = re.compile(r"[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?")
_NAME = re.compile(r"\w+")


def text_imports(text: str) -> FrozenSet[str]:
    """Every name spelled in the module's import statements (``from m import (a, b as c)``,
    ``import x.y``, continued with backslashes; the modules a star import may bring): a
    superset of the names they bind."""
    names = set()
    found = text.find("import")
    while found != -1:
        at = found + len("import")
        line_start = max(text.rfind("\n", 0, found), text.rfind(";", 0, found)) + 1
        if _BEFORE_IMPORT.fullmatch(text, line_start, found) and not (text[at:at + 1].isalnum() or text[at:at + 1] == "_"):
            while at < len(text) and text[at] in " \t":
                at += 1
            if text[at:at + 1] == "(":
                close = text.find(")", at)
                stop = len(text) if close == -1 else close
            else:
                stop = at
                while True:
                    stop = text.find("\n", stop)
                    if stop == -1:
                        stop = len(text)
                        break
                    if text[stop - 1:stop] != "\\":
                        break
                    stop += 1
            names.update(_NAME.findall(text, at, stop))
            if text[at:at + 1] == "*":
                names.update(REEXPORTED_MODULES)  # what a star import may bind, as the facts take it
        found = text.find("import", found + 1)
    return frozenset(names)


def may_walk(text: str, path_words: Sequence[str]) -> bool:
    """Whether the path analysis may walk a scope of a module with this ``text``, serving
    rules that need ``path_words`` (see ``analysis.analyse``); False only when no occurrence
    of a word the scope filter looks for can count there, whatever the module binds.

    The filter's words beyond ``path_words`` are spelled by what they stand for: the lock
    words (and a function of the module that locks holds one, or imports one under another
    name), the module's functions that open and return a file (each spells ``open``, a word
    of ``path_words`` whenever they are looked for), and a local name of an imported function
    whose name holds a word (the import spells that name). ``move`` counts as ``.move``, as
    for the filter, or as (part of) a name an import spells."""
    if "\r" in text:
        return True  # the filter counts lines it cannot number as every line: all walked
    imported: list = []

    def is_imported(name: str) -> bool:
        if not imported:
            imported.append(text_imports(text))
        return name in imported[0]

    for word in tuple(path_words) + LOCK_WORDS:
        if word == "replace":
            test: Callable[[str, int], bool] = RenameWord(is_imported)
        elif word == "move":
            def test(text: str, at: int) -> bool:
                if text[at - 1:at] == ".":
                    return True
                start, stop = name_bounds(text, at, at + len("move"))
                return is_imported(text[start:stop])
        else:
            if has_trigger(text, (word,)):  # (each word searched for once per text)
                return True
            continue
        found = text.find(word)
        while found != -1:
            if test(text, found):
                return True
            found = text.find(word, found + 1)
    return False
