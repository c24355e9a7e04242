"""The plan of MBX210 (IMAP commands on sequence numbers become their UID forms)."""

from .model import UNSAFE, Anchor, FixPlan, Span, no_fix

#: the action: ``conn.uid("SEARCH", ...)`` and ``conn.uid("STORE"|"COPY"|"FETCH", ...)``
UID_COMMANDS = "uid-commands"


def uid_plan(event, blocks, users_of) -> FixPlan:
    """MBX210 for one use of a search's numbers. Anchors: ``act`` (the use), ``search`` (the
    search it took its numbers from) and a ``peer`` for every reported use of that search:
    the search is rewritten only together with all of them, in one pass, or the others would
    be handed UIDs where they expect sequence numbers."""
    [site] = event.search.sites
    search = blocks.call_at(site)
    if search is None:
        return no_fix("the search is not a call of its own")
    anchors = [Anchor("act", Span.of(event.node)), Anchor("search", Span.of(search))]
    anchors.extend(Anchor("peer", Span.of(node)) for node in users_of[site])
    return FixPlan(UNSAFE, UID_COMMANDS, tuple(anchors),
                   "the numbers become UIDs: any other use of them (printing, arithmetic, storing) changes")
