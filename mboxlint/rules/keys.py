"""MBX2: keys and sequence numbers carried across lock boundaries.

Seeds: CPython bpo-1599254 (mailbox keys renumbered when the table of contents is re-read) and
the Cyrus thread on IMAP sequence numbers shifting under a concurrent EXPUNGE.
"""

from ..analysis.events import ImapSeqPin, ImapSeqUse, KeyUse
from ..plans import no_fix
from ..plans.keys import uid_plan
from ..plans.statements import blocks_of
from .base import Invalid, Rule
from .locking import spell

MAILBOX_SEED = "cpython-bpo1599254-mailbox-data-loss"
IMAP_SEED = "cyrus-seen-db-and-sequence-numbers"

#: How the call that ended a key's period looks in a message.
_BOUNDARY_SPELLING = {
    "unlock": "{ref}.unlock()",
    "close": "{ref}.close()",
    "pack": "{ref}.pack()",
    "locked-exit": "the end of `with {ref}.locked():`",
}


def key_uses(module, labels):
    for event in module.events_of(KeyUse):
        if event.boundary[0] in labels:
            yield event


class KeyUsedAfterUnlock(Rule):
    """A mailbox key obtained before `unlock()`, `close()` or `pack()` is used after it.

    ## What it does
    Reports the use of a key of an `mbox`, `MMDF` or `Babyl` mailbox (as the key of `get`,
    `get_message`, `get_bytes`, `get_string`, `get_file`, `box[key]`, `box[key] = msg`,
    `del box[key]`, `key in box`, `remove`, `discard` or `pop`) when, on some path since the
    key was obtained, the mailbox was unlocked (`unlock()`, the end of `with box.locked():`),
    closed, or packed. The message names the line of that call and where the key came from.

    A key is any value bound from `keys()`, `iterkeys()`, the first element of `items()` or
    `iteritems()`, `add()`, `next(box.iterkeys())`, an element or slice of a list of keys
    (`list(box.keys())`, `sorted(...)`, `[k for k in box.keys() if ...]`), and the targets of
    loops over those (`for key, msg in box.items():`). `MH` keys are message file numbers and
    survive `unlock()`; only `pack()` renumbers them, so for `MH` only `pack()` counts.
    `Maildir` keys are unique file names and never reported. Mailboxes are tracked as for
    MBX101, and a helper of the module that locks, unlocks or closes the mailbox (a function,
    a `self` method, a context manager at `with`) is a boundary where it is called or
    entered and left. A key passed to a helper is not followed.

    ## Why is this bad?
    Keys of single-file mailboxes are positions in the table of contents read under the lock.
    Once the lock is released another process may add, remove or rewrite messages, and
    the next `lock()` (in `mboxlint.mailbox`, or any fix of the seed's bug) re-reads the
    table of contents: the old key now names a different message or none. The seed's test
    shows the result: code meant to "remove message 0, flush, then remove message 1" across an
    unlock removed message 2 instead (CPython bpo-1599254).

    ## Example
    ```python
    box.lock()
    keys = box.keys()
    box.remove(keys[0])
    box.flush()
    box.unlock()
    box.lock()
    box.remove(keys[1])  # keys[1] belongs to the previous lock period
    ```

    ## Use instead
    ```python
    box.lock()
    try:
        for key in box.keys():
            if wanted(box.get_message(key)):
                box.remove(key)
        box.flush()
    finally:
        box.unlock()
    ```
    or list the keys again after every `lock()`.

    ## Fix safety
    No automatic fix: the right key must be found again, which depends on what the program
    means by "that message".
    """

    code = "MBX201"
    TRIGGERS = ("mailbox",)
    PATH_SCOPE_TRIGGERS = ()
    name = "key-used-after-unlock"
    seed = MAILBOX_SEED
    message = (
        "{action} uses a key obtained at line {obtained}, but {boundary} at line {line} ended "
        "the lock period it belongs to: list the keys again after locking"
    )
    VALID = [
        """
import mailbox
box = mailbox.mbox("inbox")
box.lock()
try:
    for key in box.keys():
        box.remove(key)
    box.flush()
finally:
    box.unlock()
""",
        """
import mailbox
box = mailbox.MH("inbox")
box.lock()
key = next(box.iterkeys())
box.unlock()
box.lock()
box.remove(key)  # MH keys are file numbers
box.flush()
box.unlock()
""",
        """
import mailbox
box = mailbox.Maildir("inbox")
box.lock()
key = box.add("x")
box.unlock()
box.remove(key)
""",
    ]
    INVALID = [
        """
import mailbox
box = mailbox.mbox("inbox")
box.lock()
keys = box.keys()
box.remove(keys[0])
box.flush()
box.unlock()
box.lock()
box.remove(keys[1])  # MBX201
box.flush()
box.unlock()
""",
        """
import mailbox
def archive(path, ok):
    box = mailbox.Babyl(path)
    box.lock()
    key = box.add("From: a\\n\\nhi\\n")
    box.flush()
    if not ok:
        box.unlock()
        box.lock()
    message = box[key]  # MBX201
    box.unlock()
    return message
""",
        """
import mailbox
box = mailbox.MH("inbox")
box.lock()
for key, message in box.items():
    box.pack()
    box.discard(key)  # MBX201
box.unlock()
""",
    ]

    def check(self, module):
        for event in key_uses(module, _BOUNDARY_SPELLING):
            label, line, _col = event.boundary
            ref = event.ref
            yield self.finding(
                event.node,
                action=spell(ref, event.op),
                obtained=event.obtained.line,
                boundary=_BOUNDARY_SPELLING[label].format(ref=ref),
                line=line,
            )


class UnlockedKeyUsedAfterLock(Rule):
    """A mailbox key obtained while the mailbox was unlocked is used after a later `lock()`.

    ## What it does
    Reports the use of a key (see MBX201 for what counts as a key and as a use) of an `mbox`,
    `MMDF` or `Babyl` mailbox that was obtained while the mailbox was not locked, at a point
    after a `lock()` (or the start of `with box.locked():`). The classic shape is a loop over
    keys listed outside the lock that locks inside its body:
    `for key in box.keys(): box.lock(); box.remove(key); ...`. The message names the `lock()`
    line and where the key was obtained. `MH` and `Maildir` keys are not reported.

    MBX104 reports the `lock()` of such code (reads before the lock, changes after it); this
    rule reports each use of a stale key, so the two never share a line.

    ## Why is this bad?
    A key read without the lock describes a table of contents that another process may be
    rewriting at that moment. `lock()` is the first point where the file is stable, and a
    mailbox that re-reads its table of contents there (as the seed's patches and
    `mboxlint.mailbox` do) may give the message a different key: `remove(key)` then deletes
    someone else's message (CPython bpo-1599254: "it isn't valid to carry sequence numbers
    from one locked period to another anyway, or from unlocked to locked").

    ## Example
    ```python
    for key in box.keys():
        box.lock()
        box.remove(key)
        box.flush()
        box.unlock()
    ```

    ## Use instead
    ```python
    box.lock()
    try:
        for key in box.keys():
            box.remove(key)
        box.flush()
    finally:
        box.unlock()
    ```

    ## Fix safety
    No automatic fix: moving the listing under the lock changes which messages the loop sees.
    """

    code = "MBX202"
    TRIGGERS = ("mailbox",)
    PATH_SCOPE_TRIGGERS = ()
    name = "unlocked-key-used-after-lock"
    seed = MAILBOX_SEED
    message = (
        "{action} uses a key obtained at line {obtained} while {ref} was not locked, after "
        "{ref}.lock() at line {line}: list the keys after locking"
    )
    VALID = [
        """
import mailbox
box = mailbox.mbox("inbox")
box.lock()
try:
    keys = sorted(box.keys())
    for key in keys[:10]:
        box.remove(key)
    box.flush()
finally:
    box.unlock()
""",
        """
import mailbox
box = mailbox.mbox("inbox")
keys = box.keys()
box.lock()
box.unlock()
box.lock()
for key in box.keys():  # listed again after locking
    box.remove(key)
box.flush()
box.unlock()
""",
    ]
    INVALID = [
        """
import mailbox
box = mailbox.mbox("inbox")
for key in box.keys():
    box.lock()
    box.remove(key)  # MBX202
    box.flush()
    box.unlock()
""",
        """
import mailbox
def first(path):
    box = mailbox.MMDF(path)
    key = next(box.iterkeys())
    with box.locked():
        if key in box:  # MBX202
            del box[key]  # MBX202
""",
    ]

    def check(self, module):
        for event in key_uses(module, {"lock"}):
            ref = event.ref
            yield self.finding(
                event.node,
                action=spell(ref, event.op),
                obtained=event.obtained.line,
                ref=ref,
                line=event.boundary[1],
            )


class ImapSequenceNumbers(Rule):
    """IMAP message sequence numbers from a non-UID `search()` feed `store()`, `copy()` or `fetch()`.

    ## What it does
    Reports a non-UID `store()`, `copy()`, or a `fetch()` that changes message state, of an
    `imaplib.IMAP4`, `IMAP4_SSL` or `IMAP4_stream` connection, whose message set comes from
    a non-UID `search()`: directly, through `data[0].split()`, a loop over it (the second
    name of `for index, num in enumerate(nums)` too; the first is a count), a
    `b",".join(...)`, `str()`/`int()`/`.decode()` of one, or a name rebound from itself
    (`num = num.decode()`), a list they are appended to (`chosen.append(num)`), a number
    read back out of the `fetch()` response to one (`head, body = parts[0]; num =
    head.decode().split()[0]`: the server names each message by its sequence number), and in a
    function of the module (or a method of the class, called through `self`) to which a
    caller passes them, where the parameter, or a name bound from it by those conversions
    (`ids = ",".join(map(str, nums))`), is the message set. Numbers a function or method
    of the module returns are followed into its callers: its own search's, a parameter it
    hands back (`status, data = response; return data`), or another such function's value,
    as a tuple's items too (`for num, header in headers(conn, nums)`); at most 24 functions
    from the use to the search. Numbers passed to other objects or modules are not
    followed; a finding whose numbers were passed or returned has no fix (the function may
    have other callers). A `fetch()` changes state when its message parts name `RFC822`,
    `RFC822.TEXT` or a `BODY[...]` section without `.PEEK` (the server sets `\\Seen`);
    `RFC822.HEADER`, `RFC822.SIZE`, `BODY.PEEK[...]`, `FLAGS` and `UID` only read, and a
    message-parts argument that is not a literal is not reported, nor is any fetch while the
    connection's mailbox is selected read-only on every path to it (`select(box, readonly=True)`,
    `select(box, True)`, `select(readonly=1)`, `examine(box)`; a later `select` without a
    literal true `readonly` ends it): an EXAMINEd mailbox gets no `\\Seen`. A selection made
    read-only or read-write by the truth of one plain name (`if purge: select(box) else:
    select(box, readonly=True)`) is read-only inside a later test of that name that goes the
    read-only way (`if not purge: fetch(...)`), when every binding of the name in the function
    comes before its first read, none in a loop (`purge = False`, then `if "-p" in argv: purge
    = True`), and no function may rebind it (`global`, `nonlocal`). A `store()` or `copy()` there is still
    reported: the server refuses the store, and a copy from a read-only mailbox is allowed, so
    both still act on numbers that may have moved. Connections are recognised
    from constructor calls under any import alias, `self.conn = ...` in any method of the
    class, `with ... as conn`, annotations, and module globals the top level binds (in its
    blocks too: `if __name__ == "__main__": M = imaplib.IMAP4_SSL(host)`); in a property of the class annotated as
    returning one, or whose every `return` of something other than `None` gives such an
    attribute (`self._imap.fetch(...)` when `_imap` checks and returns `self.conn`); from a call of a function or method of the
    module that makes and returns one (every `return` gives a constructor call, a local
    assigned only constructor calls, or `None`); and in an un-annotated parameter that every
    call of its function in the module passes a connection (its name occurring nowhere else
    in the code, comments aside: a function stored, handed on or named in a string or
    docstring is not followed; a call spreading
    `*args` neither). The commands a function calls on a parameter do not make it a
    connection. Reported at the `store`/`copy`/`fetch`; the
    message names the line of the `search`.

    ## Why is this bad?
    Sequence numbers are positions in the mailbox as this connection last saw it. When another
    session expunges a message with a lower number, every number above it shifts down by one:
    a `STORE \\Deleted` based on an earlier `SEARCH` flags (and a later expunge deletes) the
    wrong message. The Cyrus maintainers' answer in the seed is that this is safe only if the
    client tracks every untagged `* EXPUNGE` response, which `imaplib` callers do not do
    (cyrus-seen-db-and-sequence-numbers). UIDs do not move.

    ## Example
    ```python
    typ, data = conn.search(None, '(FROM "spam")')
    for num in data[0].split():
        conn.store(num, "+FLAGS", "\\\\Deleted")
    ```

    ## Use instead
    ```python
    typ, data = conn.uid("SEARCH", None, '(FROM "spam")')
    for uid in data[0].split():
        conn.uid("STORE", uid, "+FLAGS", "\\\\Deleted")
    ```

    ## Fix safety
    Unsafe: the fix rewrites both calls to their UID forms (`conn.uid('SEARCH', ...)` and
    `conn.uid('STORE', ...)`/`'COPY'`/`'FETCH'`). The numbers the code handles change meaning
    (UIDs instead of positions), so any other use of them (printing, arithmetic, storing them)
    changes too, and a `UID FETCH` response also names each message's UID; it is only offered
    with `--unsafe-fixes`. A search is rewritten once, together with every reported use of its
    numbers. No fix is offered when the numbers also reach a call the fix does not rewrite (a
    read-only `fetch()`, a `fetch()` whose parts are not a literal, a function of the program;
    builtins, `str`/`bytes` methods and logging calls are fine), when a use may take its numbers
    from more than one search, when one of the calls has keyword arguments, or when a use's
    numbers may be read out of a `FETCH` response: rewriting the search alone would hand
    those calls UIDs where they expect sequence numbers, and a `UID FETCH` response still
    names messages by sequence number.
    """

    code = "MBX210"
    TRIGGERS = ("imaplib",)
    PATH_SCOPE_TRIGGERS = ()
    name = "imap-sequence-numbers"
    seed = IMAP_SEED
    fix_safety = "unsafe"
    message = (
        "{ref}.{op}() uses message sequence numbers from the non-UID search() at line {line}: "
        "a concurrent EXPUNGE renumbers them; use {ref}.uid('SEARCH', ...) and "
        "{ref}.uid('{command}', ...)"
    )
    VALID = [
        """
import imaplib
conn = imaplib.IMAP4_SSL("imap.example.org")
typ, data = conn.uid("SEARCH", None, "ALL")
for uid in data[0].split():
    conn.uid("STORE", uid, "+FLAGS", "\\\\Seen")
""",
        """
import imaplib
conn = imaplib.IMAP4("imap.example.org")
typ, data = conn.search(None, "UNSEEN")
for num in data[0].split():
    typ, parts = conn.fetch(num, "(BODY.PEEK[HEADER] FLAGS)")
""",
        """
import imaplib
conn = imaplib.IMAP4_SSL("imap.example.org")
conn.select("INBOX", readonly=True)
typ, data = conn.search(None, "ALL")
for num in data[0].split():
    typ, parts = conn.fetch(num, "(RFC822)")
""",
    ]
    INVALID = [
        Invalid(
            """
import imaplib
conn = imaplib.IMAP4_SSL("imap.example.org")
typ, data = conn.search(None, '(FROM "spam")')
for num in data[0].split():
    conn.store(num, "+FLAGS", "\\\\Deleted")  # MBX210
conn.expunge()
""",
            fixed="""
import imaplib
conn = imaplib.IMAP4_SSL("imap.example.org")
typ, data = conn.uid("SEARCH", None, '(FROM "spam")')
for num in data[0].split():
    conn.uid("STORE", num, "+FLAGS", "\\\\Deleted")  # MBX210
conn.expunge()
""",
            unsafe=True,
        ),
        """
import imaplib
def read_wanted(conn: imaplib.IMAP4, wanted):
    typ, data = conn.search(None, "ALL")
    for num in data[0].split():
        typ, head = conn.fetch(num, "(BODY.PEEK[HEADER])")  # stays a sequence-number fetch
        if wanted(head):
            conn.fetch(num, "(RFC822)")  # MBX210
""",
        """
import imaplib
def connect(host):
    conn = imaplib.IMAP4_SSL(host)
    conn.login("user", "secret")
    return conn
def numbers(imap):
    typ, data = imap.search(None, "DELETED")
    return data[0].split()
def restore(imap, num):
    imap.store(num, "-FLAGS", "\\\\Deleted")  # MBX210
def main(host):
    conn = connect(host)
    for num in numbers(conn):
        restore(conn, num)
""",
        Invalid(
            """
from imaplib import IMAP4 as Server
class Archiver:
    def __init__(self, host):
        self.conn = Server(host)
    def archive(self):
        typ, data = self.conn.search(None, "SEEN")
        nums = data[0].split()
        self.conn.copy(b",".join(nums), "Archive")  # MBX210
        for num in nums:
            typ, parts = self.conn.fetch(num, "(RFC822)")  # MBX210
""",
            fixed="""
from imaplib import IMAP4 as Server
class Archiver:
    def __init__(self, host):
        self.conn = Server(host)
    def archive(self):
        typ, data = self.conn.uid("SEARCH", None, "SEEN")
        nums = data[0].split()
        self.conn.uid("COPY", b",".join(nums), "Archive")  # MBX210
        for num in nums:
            typ, parts = self.conn.uid("FETCH", num, "(RFC822)")  # MBX210
""",
            unsafe=True,
        ),
    ]

    def check(self, module):
        uses = module.events_of(ImapSeqUse)
        # Searches the fix must leave alone: their numbers also reach a call it does not
        # rewrite, or a use that came from several searches or has keyword arguments.
        pinned = set()
        for event in module.events_of(ImapSeqPin):
            pinned |= event.sites
        for event in uses:
            sites = event.search.sites
            # A number read out of a FETCH response stays a sequence number after the fix
            # turns the fetch into UID FETCH: rewriting its use would hand it to UID STORE.
            if len(sites) != 1 or event.node.keywords or event.search.answered:
                pinned |= sites
        users_of = {}
        for event in uses:
            for site in event.search.sites:
                users_of.setdefault(site, []).append(event.node)
        for event in uses:
            if event.search.sites & pinned:
                plan = no_fix("the search's numbers also reach a call the fix does not rewrite")
            else:
                plan = uid_plan(event, blocks_of(module), users_of)
            yield self.finding(
                event.node,
                plan=plan,
                ref=event.ref,
                op=event.op,
                line=event.search.line,
                command=event.op.upper(),
            )
