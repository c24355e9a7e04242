"""What every caller of a module's private helper guarantees (a part of :class:`PathAnalysis`).

Each function is walked on its own, so a helper that rewrites the file it is given looks
racy even when every call of it holds a ``FileLock`` or passes a file in a fresh private
directory. For a helper whose every call site is known (:meth:`~..summaries.ModuleSummaries.
caller_candidates`: private by name, or a test module's helper, and every occurrence of its
name in the source is its ``def`` or a direct call the walk met), the walk notes at each
call, with the caller's state there, whether an inter-process lock may be held and which
parameters get a private path. At the module's end a fix-point over those sites alone (no
new walk: a caller that is itself such a helper passes on what its own callers guarantee)
gives each helper its *caller context*: what each kind of call guarantees, applied to the
events its walk emitted:

* an event on a file built from parameters of which one is given a private path by every
  call is dropped, as the walk drops those of the scope's own private directories, and so
  are the lock and key events of a mailbox made on such a file;
* an open, act or rename that every call makes safe, by holding an inter-process lock or
  by passing a private path for it, counts as made under a lock (``iplock``), as it would
  inlined in the caller's ``with`` of a lock: MBX301, MBX302 and MBX901 leave it, no more.

A call the walk did not meet (in a lambda, a scope not walked or abandoned), a use of the
name other than a call (``map(_helper, paths)``, a table of handlers, ``__all__``, a string,
a comment) or a call spreading ``*args`` leaves the helper, or that parameter, without
context.
"""

import ast
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from ..events import BoxOp, FileAct, FileMovedAway, FileMtime, FileOpen, FileRename, KeyUse
from ..imports import dotted_name
from ..summaries import arguments_by_parameter, bindings_of
from ..triggers import holds_line

#: per parameter: whether the caller's argument is private there, and the caller's own
#: parameters it is built from (private when the caller's callers make one of them private)
Passed = Dict[str, Tuple[bool, FrozenSet[str]]]
#: events a caller context may change, and the attribute holding the path that decides privacy
_CONTEXT_EVENTS = {FileOpen: "path", FileAct: "path", FileRename: "dst", FileMovedAway: "src", FileMtime: "path"}
#: events on a mailbox (its name in ``ref``): none for one made on a private path
_MAILBOX_EVENTS = (BoxOp, KeyUse)
#: what one kind of call guarantees a helper: whether a lock is held, which parameters are private
Guarantee = Tuple[bool, FrozenSet[str]]
_NO_CONTEXT: List[Guarantee] = [(False, frozenset())]
#: distinct guarantees kept per helper; more make it a helper without context
MAX_GUARANTEES = 16
#: rounds of the fix-point over the module's helpers
MAX_ROUNDS = 32


class CallSite:
    """One call of a helper, as the walk saw it (joined over the times it was walked)."""

    __slots__ = ("callee", "caller", "line", "held", "passed")

    def __init__(self, callee: str, caller, line: int, held: bool, passed: Optional[Passed]):
        self.callee = callee
        #: the scope node holding the call
        self.caller = caller
        self.line = line
        #: whether an inter-process lock may be held at the call
        self.held = held
        #: None: which parameter gets what is unknown
        self.passed = passed

    def join(self, held: bool, passed: Optional[Passed]) -> None:
        """Another walk of the same call (a loop, a ``finally``): what holds on both."""
        self.held = self.held and held
        if self.passed is None or passed is None:
            self.passed = None
            return
        joined: Passed = {}
        for param, (here, roots) in self.passed.items():
            other = passed.get(param)
            if other is None:
                continue
            if here and other[0]:
                joined[param] = (True, frozenset())
            elif here or other[0]:
                joined[param] = other if here else (here, roots)
            else:
                joined[param] = (False, roots & other[1])
        self.passed = joined


class CallerContexts:
    """Call sites of the module's private helpers, and the context they give each helper."""

    def _init_callers(self) -> None:
        #: name -> node of the helpers whose calls are noted
        self._helpers: Dict[str, object] = \
            self.facts.summaries.caller_candidates() if self.facts.follow_callers else {}
        self._call_sites: List[CallSite] = []
        self._sites_here: Dict[int, CallSite] = {}
        self._events: Optional[list] = None
        self._caller_params: Optional[FrozenSet[str]] = None
        #: id of a mailbox constructor call in a helper -> the key of its path
        self._mailbox_paths: Dict[int, object] = {}

    def _start_callers(self, walker) -> None:
        self._events = walker.events
        self._sites_here = {}
        self._caller_params = None  # the scope's parameters, found at its first call site

    def _note_call_site(self, node, state) -> None:
        """A direct call of a helper: the lock and private paths in force here."""
        method = type(node.func) is ast.Attribute
        name = node.func.attr if method else node.func.id
        callee = self._helpers[name]
        if method != self.facts.summaries.is_method(callee):
            # ``self.helper()`` of a module function (an attribute holding it), or a method's
            # name called bare: not this helper; its use counts against knowing every call
            return
        walked = self.facts.walked_lines
        if walked is not None and not holds_line(walked, callee.lineno, callee.end_lineno or callee.lineno):
            return  # a helper that is not walked has no events for its callers' context to change
        if self._caller_params is None:
            scope = self._scope
            self._caller_params = frozenset(_parameters(scope.node)) if scope.is_function else frozenset()
        held = self._iplocked(state) is not None
        passed: Optional[Passed] = None
        arguments = arguments_by_parameter(callee, node, bound=method)
        if arguments is not None:
            passed = {}
            for param, expr in arguments.items():
                key = self.key(expr, state)
                if key is None:
                    passed[param] = (False, frozenset())
                else:
                    passed[param] = (self.private(key), key.roots & self._caller_params)
        site = self._sites_here.get(id(node))
        if site is None:
            self._sites_here[id(node)] = CallSite(name, self._scope.node, node.lineno, held, passed)
        else:
            site.join(held, passed)

    def _note_mailbox_path(self, call, key) -> None:
        """A mailbox made on ``key``: in a helper, private when its callers make ``key`` so."""
        if self._helpers and self._helpers.get(getattr(self._scope.node, "name", None)) is self._scope.node:
            self._mailbox_paths[id(call)] = key

    def _finish_callers(self) -> None:
        """The scope's walk completed: its call sites count (an abandoned walk's do not)."""
        if self._sites_here:
            self._call_sites.extend(self._sites_here.values())
            self._sites_here = {}

    def _apply_caller_contexts(self) -> None:
        if not self._call_sites or self._events is None:
            return
        helper_names = {id(node): name for name, node in self._helpers.items()}
        touched: Dict[str, list] = {}
        for event in self._events:
            if type(event) in _CONTEXT_EVENTS or type(event) in _MAILBOX_EVENTS:
                name = helper_names.get(id(event.scope.node))
                if name is not None:
                    touched.setdefault(name, []).append(event)
        if not touched:
            return
        sites: Dict[str, List[CallSite]] = {}
        for site in self._call_sites:
            sites.setdefault(site.callee, []).append(site)
        contexts = self._caller_contexts(list(touched), sites, helper_names)
        dropped: Set[int] = set()
        for name, events in touched.items():
            guarantees = contexts.get(name)
            if guarantees is None:
                continue
            line = min(site.line for site in sites[name])
            private_boxes = self._private_mailboxes(self._helpers[name], guarantees)
            for event in events:
                if type(event) in _MAILBOX_EVENTS:
                    if event.ref in private_boxes:
                        dropped.add(id(event))  # as for a mailbox the scope makes in its own directory
                    continue
                key = getattr(event, _CONTEXT_EVENTS[type(event)])
                roots = key.roots if key is not None else frozenset()
                if all(roots & private for _held, private in guarantees):
                    dropped.add(id(event))  # a private file at every call
                elif all(held or roots & private for held, private in guarantees) \
                        and getattr(event, "iplock", False) is None:
                    event.iplock = line  # locked (or private) at every call: as if inlined there
        if dropped:
            self._events[:] = [event for event in self._events if id(event) not in dropped]

    def _private_mailboxes(self, func, guarantees: List["Guarantee"]) -> Set[str]:
        """Names that every binding in ``func`` gives a mailbox made on a path private at
        every call (the lock rules skip such a mailbox, as one made in a fresh directory)."""
        if not self._mailbox_paths:
            return set()
        values: Dict[str, list] = {}
        for target, value in bindings_of(func, self.facts.may_walrus):
            ref = dotted_name(target)
            if ref is not None:
                values.setdefault(ref, []).append(value)
        private = set()
        for ref, bound in values.items():
            keys = [self._mailbox_paths.get(id(value)) for value in bound]
            if all(key is not None and all(key.roots & params for _held, params in guarantees) for key in keys):
                private.add(ref)
        return private

    def _caller_contexts(self, wanted: List[str], sites: Dict[str, List[CallSite]],
                         helper_names: Dict[int, str]) -> Dict[str, List[Guarantee]]:
        """The guarantees of the helpers in ``wanted`` whose every use is a call the walk saw:
        one :data:`Guarantee` per kind of call (a lock held, the parameters given a private
        path), the helpers calling them passing on what their own callers guarantee."""
        # The helpers whose context may matter: those wanted, and the helpers calling them.
        needed: List[str] = []
        seen: Set[str] = set()
        stack = list(wanted)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            needed.append(name)
            for site in sites.get(name, ()):
                caller = helper_names.get(id(site.caller))
                if caller is not None and caller not in seen:
                    stack.append(caller)
        contexts: Dict[str, List[Guarantee]] = {}
        kept: Dict[str, FrozenSet[str]] = {}
        # Callers first (the reverse of the order found): a chain of helpers settles in a
        # round or two instead of one round per link.
        for name in reversed(needed):
            calls = sites.get(name)
            if not calls or self.facts.word_count(name) != len(calls) + 1:
                continue  # another use of the name, or a call not seen: callers not all known
            func = self._helpers[name]
            rebound = {getattr(target, "id", None) for target, _value in bindings_of(func, self.facts.may_walrus)}
            # A parameter the body rebinds names the caller's file only until then.
            kept[name] = frozenset(_parameters(func)) - rebound
            # Greatest fix-point: start from "every caller guarantees everything".
            contexts[name] = [(True, kept[name])]
        # Each round can only weaken guarantees, and a list past MAX_GUARANTEES becomes the
        # weakest (none), so the rounds converge; a module that needs more than MAX_ROUNDS
        # gets no caller context at all (safe: every finding stays).
        for _round in range(MAX_ROUNDS):
            changed = False
            for name in contexts:
                found: List[Guarantee] = []
                for site in sites[name]:
                    outer = contexts.get(helper_names.get(id(site.caller)), _NO_CONTEXT)
                    for outer_held, outer_private in outer:
                        held = site.held or outer_held
                        if site.passed is None:
                            private: FrozenSet[str] = frozenset()
                        else:
                            private = frozenset(
                                param for param, (here, roots) in site.passed.items()
                                if param in kept[name] and (here or roots & outer_private))
                        found.append((held, private))
                # Too many kinds of call (before or after pruning): the helper has none.
                found = _weakest(found) if len(set(found)) <= 4 * MAX_GUARANTEES else list(_NO_CONTEXT)
                if len(found) > MAX_GUARANTEES:
                    found = list(_NO_CONTEXT)
                if found != contexts[name]:
                    contexts[name] = found
                    changed = True
            if not changed:
                return contexts
        return {}


def _weakest(guarantees: List[Guarantee]) -> List[Guarantee]:
    """The guarantees no other one of the list is weaker than (a lock not held where the other
    holds one, fewer private parameters), each once, in a fixed order: a helper is safe under
    every guarantee of a list when it is under these."""
    kept: List[Guarantee] = []
    for held, private in sorted(set(guarantees), key=lambda g: (g[0], len(g[1]), sorted(g[1]))):
        if not any(other_held <= held and other_private <= private for other_held, other_private in kept):
            kept.append((held, private))
    return kept


def _parameters(func) -> List[str]:
    args = func.args
    return [a.arg for a in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)]
