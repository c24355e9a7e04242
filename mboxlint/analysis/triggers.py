"""Which trigger words a module's text holds, each searched for once per text.

Rules and analyses are gated by words (``TRIGGERS``, ``scope_triggers``) that must occur in the
text of any module or scope they can report on; every one of them asks about the same few
words of the module being checked.
"""

import bisect
import re
from typing import Dict, List, Optional, Tuple


def has_trigger(text: str, triggers) -> bool:
    """Whether ``text`` may concern something gated by ``triggers`` (None: no gate)."""
    if triggers is None:
        return True
    known = words_in(text)
    for trigger in triggers:
        found = known.get(trigger)
        if found is None:
            found = known[trigger] = trigger in text
        if found:
            return True
    return False


#: the last text asked about, and which words it holds: every rule and analysis asks about
#: the same few words of one module, and each search of an absent word reads the whole text
_last_text: List = [None, {}]


def words_in(text: str) -> Dict[str, bool]:
    """Which words ``text`` was found to hold (True) or not (False) so far."""
    if _last_text[0] is not text:
        _last_text[0], _last_text[1] = text, {}
    return _last_text[1]


#: the last text asked about, and the lines each word was found on
_last_lines: List = [None, {}]


def word_lines(text: str, word: str) -> Optional[List[int]]:
    """The numbers of the lines of ``text`` that hold ``word``, ascending, each found once per
    text; None when the text has a lone carriage return (``ast`` ends a line there too, and
    these numbers could be wrong)."""
    if "\r" in text:
        return None
    if _last_lines[0] is not text:
        _last_lines[0], _last_lines[1] = text, {}
    found = _last_lines[1].get(word)
    if found is None:
        found = []
        line, position = 1, 0
        offsets = _last_offsets[1].get(word) if _last_offsets[0] is text else None
        for offset in offsets if offsets is not None else _occurrences(text, word):
            line += text.count("\n", position, offset)
            position = offset
            if not found or found[-1] != line:
                found.append(line)
        _last_lines[1][word] = found
    return found


def known_lines(text: str, word: str) -> Optional[List[int]]:
    """What :func:`word_lines` found for ``word`` in ``text`` already; None if not asked yet."""
    return _last_lines[1].get(word) if _last_lines[0] is text else None


def count_word(text: str, name: str, most: Optional[int] = None, ascii_bounds: bool = False) -> int:
    """How often the identifier ``name`` occurs in ``text`` as a whole word (as ``\\b`` of
    ``re`` bounds one: not next to a letter, digit or underscore), counted no further than
    ``most``. A search for the name then a look at its two neighbours: many times faster than
    a ``\\bname\\b`` pattern, which the ``re`` engine tries at every position of the text.
    With ``ascii_bounds``, only occurrences whose neighbours are ASCII count: for an ASCII
    name, each is a word of the NFKC-normalised text too (normalising leaves ASCII as it is,
    and joins nothing to an ASCII character that no combining mark follows)."""
    if not name.isidentifier():
        pattern = re.compile(r"\b%s\b" % re.escape(name))
        found = 0
        for _ in pattern.finditer(text):
            found += 1
            if most is not None and found >= most:
                break
        return found
    found = 0
    size, end = len(name), len(text)
    at = text.find(name)
    while at != -1:
        after = at + size
        # (an occurrence overlapping the one before follows a letter of it: never a word)
        if (at == 0 or not is_name_character(text[at - 1]) and (not ascii_bounds or text[at - 1] < "\x80")) \
                and (after >= end or not is_name_character(text[after]) and (not ascii_bounds or text[after] < "\x80")):
            found += 1
            if most is not None and found >= most:
                break
        at = text.find(name, after)
    return found


def is_name_character(char: str) -> bool:
    """A letter, digit or ``_``: what ``\\w`` of ``re`` matches, and names are made of."""
    return char.isalnum() or char == "_"


def name_bounds(text: str, at: int, end: int) -> Tuple[int, int]:
    """The start and end of the name (letters, digits, ``_``) around ``text[at:end]``."""
    start, stop = at, end
    while start > 0 and is_name_character(text[start - 1]):
        start -= 1
    while stop < len(text) and is_name_character(text[stop]):
        stop += 1
    return start, stop


def _occurrences(text: str, word: str):
    offset = text.find(word)
    while offset != -1:
        yield offset
        offset = text.find(word, offset + 1)


#: the last text whose words were looked for elsewhere, and the offsets of each word found
_last_offsets: List = [None, {}]


def note_word_offsets(text: str, found: Dict[str, List[int]]) -> None:
    """Keep where each word of ``found`` occurs in ``text`` (its offsets, ascending): its
    lines, if :func:`word_lines` is asked for them, are counted without looking for it again."""
    _last_offsets[0], _last_offsets[1] = text, found


def lines_holding(text: Optional[str], words) -> Optional[List[int]]:
    """The numbers of the lines of ``text`` that hold any of ``words``, ascending; None when
    they cannot be known (no text, or a lone carriage return: see :func:`word_lines`)."""
    if text is None:
        return None
    # A word holding another of them (``tmp_path_factory``, ``tmp_path``) adds no line.
    words = [word for word in words if not any(other != word and other in word for other in words)]
    found = [word_lines(text, word) for word in words]
    if any(lines is None for lines in found):
        return None
    return found[0] if len(found) == 1 else sorted(set().union(*found))


def holds_line(lines: List[int], first: int, last: int) -> bool:
    """Whether one of ``lines`` (ascending) is in ``first`` .. ``last``."""
    at = bisect.bisect_left(lines, first)
    return at < len(lines) and lines[at] <= last


#: how far into a call's arguments :func:`one_argument_call` reads before it stops guessing
_ARGUMENTS_READ = 256


def one_argument_call(text: str, end: int) -> bool:
    """Whether the name ending at offset ``end`` of ``text`` may be called there with at most
    one argument and no keyword (or is not called there at all): False only when the text
    plainly passes two arguments or a keyword (``s.replace("a", "b")``). Reads the brackets and
    one-line strings of the argument list; anything it does not follow counts as may."""
    at = end
    while at < len(text) and text[at] in " \t":
        at += 1
    if at >= len(text) or text[at] != "(":
        return True
    depth = 0
    stop = min(len(text), at + _ARGUMENTS_READ)
    at += 1
    while at < stop:
        char = text[at]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return True
            depth -= 1
        elif depth == 0 and char == ",":
            rest = text[at + 1:at + 64].lstrip()
            return rest.startswith(")")  # a trailing comma after one argument
        elif depth == 0 and char == "=" and text[at + 1:at + 2] != "=" and text[at - 1] not in "=!<>:":
            return False  # a keyword argument
        elif char in "\'\"":
            if text[at:at + 3] in ("\'\'\'", '"""'):
                return True
            # a string on one line: a backslash hides the character after it (raw strings too)
            close = at + 1
            while close < stop and text[close] not in (char, "\n"):
                close += 2 if text[close] == "\\" else 1
            if close >= stop or text[close] != char:
                return True
            at = close
        elif char in "#\\":
            return True
        at += 1
    return True
