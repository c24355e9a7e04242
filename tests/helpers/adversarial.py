"""Valid Python files of a size ``n`` in shapes that once made the analysis super-linear.

Each generator returns the source of one module whose size grows linearly with ``n``, and
which the rules have something to look at (a guarded open, a mailbox key, a rename), so the
analysis really walks it. Shared by ``tests/test_adversarial_analysis.py`` and
``benchmarks/adversarial.py``.
"""

import gc
import time
import tracemalloc
from typing import Callable, Dict, NamedTuple

HEADER = "import mailbox\nimport os\n\n\n"


def doubled_names(n: int) -> str:
    """``p1 = p0 + p0``, ``p2 = p1 + p1``, ...: each path key spelled out doubles."""
    lines = ["def f(p0):"]
    lines += ["    p%d = p%d + p%d" % (i + 1, i, i) for i in range(n)]
    lines += ["    if os.path.exists(p%d):" % n, "        open(p%d)" % n]
    return HEADER + "\n".join(lines) + "\n"


def _nest(depth: int, opener: str, body: str, indent: str = "    ") -> str:
    lines, pad = [], indent
    for level in range(depth):
        lines.append(pad + opener.format(level=level))
        pad += "    "
    lines.append(pad + body)
    return "\n".join(lines)


def nested_for(n: int, depth: int = 16) -> str:
    """``n`` times, ``depth`` nested ``for`` loops around a guarded open."""
    nest = _nest(depth, "for x{level} in xs:", "if os.path.exists(p): open(p)")
    return HEADER + "def f(p, xs):\n" + "\n".join([nest] * n) + "\n"


def nested_while_exists(n: int, depth: int = 14) -> str:
    """``n`` times, ``depth`` nested ``while os.path.exists(p):`` around a remove."""
    nest = _nest(depth, "while os.path.exists(p):", "os.remove(p)")
    return HEADER + "def f(p):\n" + "\n".join([nest] * n) + "\n"


def nested_try_finally(n: int, depth: int = 20) -> str:
    """``n`` times, ``depth`` try/finally blocks, each nested in the one before's ``finally``."""
    lines, pad = [], "    "
    for _ in range(depth):
        lines += [pad + "try:", pad + "    if os.path.exists(p):", pad + "        os.remove(p)", pad + "finally:"]
        pad += "    "
    lines.append(pad + "os.remove(p)")
    return HEADER + "def f(p):\n" + "\n".join(lines * n) + "\n"


def try_with_many_statements(n: int) -> str:
    """One ``try:`` holding ``n`` exists/remove statements (a handler state per statement)."""
    lines = ["def f(p):", "    try:"]
    for i in range(n):
        lines += ["        if os.path.exists(p%d):" % i, "            os.remove(p%d)" % i]
    lines += ["    except OSError:", "        pass"]
    return HEADER + "\n".join(lines) + "\n"


def sequential_checks(n: int) -> str:
    """``n`` checks, each of a new path, each followed by an open."""
    lines = ["def f():"]
    for i in range(n):
        lines += ["    if os.path.exists(p%d):" % i, "        open(p%d)" % i]
    return HEADER + "\n".join(lines) + "\n"


def mailbox_key_ifs(n: int) -> str:
    """``n`` ``if``s, each taking a mailbox key, locking, and using an older key."""
    lines = ["def f(c):", "    box = mailbox.mbox('inbox')", "    k = box.add('m')"]
    for i in range(n):
        lines += ["    if c[%d]:" % i, "        k%d = box.add(%d)" % (i, i), "        box.lock()",
                  "        box.remove(k)"]
    return HEADER + "\n".join(lines) + "\n"


def long_sum(n: int) -> str:
    """A path built from ``n`` terms: ``a + a + ...`` nests ``n`` deep in the tree."""
    return HEADER + "def f(p, a):\n    q = " + " + ".join(["a"] * n) + "\n" + \
        "    if os.path.exists(q):\n        open(q)\n"


def elif_chain(n: int) -> str:
    """``if``/``elif`` with ``n`` arms: each ``elif`` nests in the ``else`` of the one before."""
    lines = ["def f(p, a):", "    if a == 0:", "        pass"]
    for i in range(1, n):
        lines += ["    elif a == %d:" % i, "        if os.path.exists(p):", "            open(p)"]
    return HEADER + "\n".join(lines) + "\n"


def nested_not(n: int) -> str:
    """A condition under ``n`` nested ``not``."""
    return HEADER + "def f(p):\n    if " + "not " * (2 * (n // 2)) + "os.path.exists(p):\n        open(p)\n"


def attribute_chain(n: int) -> str:
    """A call of ``os.path.path....``, ``n`` attributes deep, before a guarded open."""
    return HEADER + "def f(p):\n    os" + ".path" * n + "()\n    if os.path.exists(p):\n        open(p)\n"


def private_helper_chain(n: int) -> str:
    """``n`` functions each returning the next one's value, the last a fresh private
    directory, and a check then removal of a file in what the first returns."""
    lines = ["import os", "import tempfile", "", ""]
    for i in range(n):
        lines += ["def h%d():" % i, "    return h%d()" % (i + 1), "", ""]
    lines += ["def h%d():" % n, "    return tempfile.mkdtemp()", "", "",
              "def use():", "    p = os.path.join(h0(), 'x')", "    if os.path.exists(p):", "        os.remove(p)", ""]
    return "\n".join(lines)


def subscript_chain(n: int) -> str:
    """IMAP sequence numbers reached through ``n`` subscripts: ``d[0][0]...``."""
    return "import imaplib\n\n\ndef f():\n    c = imaplib.IMAP4('h')\n    t, d = c.search(None, 'ALL')\n" \
        "    c.store(d" + "[0]" * n + ", '+FLAGS', '\\\\Deleted')\n"


def method_chain(n: int) -> str:
    """IMAP sequence numbers passed through ``n`` chained ``.strip()`` calls."""
    return "import imaplib\n\n\ndef f():\n    c = imaplib.IMAP4('h')\n    t, d = c.search(None, 'ALL')\n" \
        "    c.store(d[0]" + ".strip()" * n + ", '+FLAGS', '\\\\Deleted')\n"


def deep_rename_target(n: int) -> str:
    """A temp file renamed onto a path spelled with ``n`` terms."""
    return HEADER + "import tempfile\n\n\ndef f(p, a):\n    fd, t = tempfile.mkstemp()\n" \
        "    os.rename(t, p + " + " + ".join(["a"] * n) + ")\n"


def returned_numbers(n: int) -> str:
    """``n`` functions each returning the IMAP sequence numbers the one before returns (the
    first searches), each storing them first."""
    lines = ["import imaplib", "", "", "def f0(c: imaplib.IMAP4):", "    t, d = c.search(None, 'ALL')",
             "    return d[0].split()"]
    for i in range(1, n):
        lines += ["def f%d(c: imaplib.IMAP4):" % i, "    nums = f%d(c)" % (i - 1),
                  "    for num in nums:", "        c.store(num, '+FLAGS', '\\\\Deleted')", "    return nums"]
    return "\n".join(lines) + "\n"


def passed_connections(n: int) -> str:
    """``n`` functions each handing its un-annotated parameter to the one before, then
    searching and storing on it; the last is given a connection a helper makes."""
    lines = ["import imaplib", "", "", "def connect(h):", "    c = imaplib.IMAP4(h)", "    return c",
             "def f0(c):", "    t, d = c.search(None, 'ALL')", "    c.store(d[0], '+FLAGS', '\\\\Deleted')"]
    for i in range(1, n):
        lines += ["def f%d(c):" % i, "    f%d(c)" % (i - 1), "    t, d = c.search(None, 'ALL')",
                  "    c.store(d[0], '+FLAGS', '\\\\Deleted')"]
    lines += ["def main(h):", "    f%d(connect(h))" % (n - 1)]
    return "\n".join(lines) + "\n"


def untyped_path_acts(n: int) -> str:
    """``n`` paths of unwritten type built from a parameter, each checked then created."""
    lines = ["def f(p):", "    p.mkdir()"]
    for i in range(n):
        lines += ["    q%d = p / 'a%d'" % (i, i), "    if not q%d.exists():" % i, "        q%d.open('w')" % i]
    return HEADER + "\n".join(lines) + "\n"


def annotation_union(n: int) -> str:
    """A connection parameter annotated with a union of ``n`` IMAP classes, searched and
    stored by sequence number."""
    return "import imaplib\n\n\ndef f(c: " + " | ".join(["imaplib.IMAP4"] * n) + "):\n" \
        "    t, d = c.search(None, 'ALL')\n    c.store(d[0], '+FLAGS', '\\\\Deleted')\n"


def returns_through_finally(n: int) -> str:
    """``n`` returns inside one ``try`` whose ``finally`` each of them passes through."""
    lines = ["def f(p, c):", "    try:"]
    for i in range(n):
        lines += ["        if c[%d]:" % i, "            return %d" % i]
    lines += ["    finally:", "        if os.path.exists(p):", "            os.remove(p)"]
    return HEADER + "\n".join(lines) + "\n"


def many_renames(n: int) -> str:
    """``n`` renames onto one target (each looks for an earlier retry of itself)."""
    lines = ["def f(d):"]
    lines += ["    os.rename(d + '/tmp%d', d + '/final')" % i for i in range(n)]
    return HEADER + "\n".join(lines) + "\n"


def parent_chain(n: int) -> str:
    """``p.parent.parent...``, ``n`` deep, checked then opened."""
    return HEADER + "from pathlib import Path\n\n\ndef f(p):\n    q = Path(p)" + ".parent" * n + \
        "\n    if q.exists():\n        q.open()\n"


def elif_chain_in_try(n: int) -> str:
    """``n`` ``elif`` arms inside a ``try``, each removing a file and taking a mailbox lock
    (the handlers in force and the statement after the lock are asked at each)."""
    lines = ["def f(p, a):", "    box = mailbox.mbox(p)", "    try:", "        if a == 0:", "            pass"]
    for i in range(1, n):
        lines += ["        elif a == %d:" % i, "            os.remove(p)", "            box.lock()"]
    lines += ["    except OSError:", "        pass"]
    return HEADER + "\n".join(lines) + "\n"


def locks_in_long_try(n: int) -> str:
    """``n`` lock/unlock pairs in one ``try`` whose ``finally`` each lock asks about."""
    lines = ["def f(p):", "    box = mailbox.mbox(p)", "    try:"]
    for i in range(n):
        lines += ["        box.lock()", "        box.add(%d)" % i, "        box.unlock()"]
    lines += ["    finally:"] + ["        box.flush()"] * 50 + ["        box.unlock()"]
    return HEADER + "\n".join(lines) + "\n"


def helper_chain(n: int) -> str:
    """``n`` private helpers each handing a path to the next, the last rewriting it in place,
    called from functions holding a file lock or passing a private path (the caller context
    of every helper depends on the ones before it)."""
    lines = ["import tempfile", "from filelock import FileLock", "",
             "def _h0(path):", "    with open(path) as f:", "        data = f.read()",
             "    with open(path, 'w') as f:", "        f.write(data)"]
    for i in range(1, n):
        lines += ["def _h%d(path):" % i, "    _h%d(path)" % (i - 1)]
    lines += ["def top(path):", "    with FileLock(path + '.lock'):", "        _h%d(path)" % (n - 1),
              "def scratch():", "    d = tempfile.mkdtemp()", "    _h%d(d + '/x')" % (n - 1)]
    return "\n".join(lines) + "\n"


def constant_creates(n: int) -> str:
    """``n`` creates after a check, each writing its own name bound to a constant: each name
    is looked up where its create is about to be reported."""
    lines = ["def f(d):"]
    for i in range(n):
        lines += ["    t%d = 'x'" % i, "    p%d = os.path.join(d, 'f%d')" % (i, i),
                  "    if not os.path.exists(p%d):" % i,
                  "        with open(p%d, 'w') as out:" % i, "            out.write(t%d)" % i]
    return HEADER + "\n".join(lines) + "\n"


def clock_cutoffs(n: int) -> str:
    """A class with ``n`` methods each comparing an mtime with an attribute, and ``n`` that
    set such attributes from a clock."""
    lines = ["import time", "", "", "class C:"]
    for i in range(n):
        lines += ["    def seen%d(self):" % i, "        self.t%d = time.time()" % i,
                  "    def changed%d(self):" % i,
                  "        if os.path.getmtime(self.p) > self.t%d and os.path.getmtime(self.p) > self.u%d:" % (i, i),
                  "            return 1"]
    return HEADER + "\n".join(lines) + "\n"


def path_helper_chain(n: int) -> str:
    """``n`` path helpers each building on the one before, every one called by a reader and a
    writer with their parameters: each helper's path is judged once, following at most a
    bounded number of helpers below it."""
    lines = ["import json", "", "def p0(d, name):", "    return os.path.join(d, name + '.json')"]
    for i in range(1, n):
        lines += ["def p%d(d, name):" % i, "    return os.path.join(p%d(d, name), 'x')" % (i - 1),
                  "def load%d(d, name):" % i, "    with open(p%d(d, name)) as f:" % i, "        return f.read()",
                  "def dump%d(d, name, text):" % i, "    with open(p%d(d, name), 'w') as f:" % i,
                  "        f.write(text)"]
    return HEADER + "\n".join(lines) + "\n"


def unpacked_getter(n: int) -> str:
    """A getter unpacking ``n`` pairs from path splits and returning a path built from all of
    them, checked and removed: each unpacked name is looked up once, not each by a look
    through every statement of the getter."""
    lines = ["class Entry:", "    def __init__(self, path):", "        self.path = path", "",
             "    def get_path(self):"]
    lines += ["        d%d, b%d = os.path.split(self.path[:-%d])" % (i, i, i + 1) for i in range(n)]
    lines += ["        return os.path.join(" + ", ".join("d%d, b%d" % (i, i) for i in range(n)) + ")", "",
              "    def remove(self):", "        if os.path.exists(self.get_path()):",
              "            os.remove(self.get_path())"]
    return HEADER + "\n".join(lines) + "\n"


def checked_appends(n: int) -> str:
    """``n`` lists filled in one loop with names under a check, each then looped over: every
    append and every loop over a list costs the same, however many lists there are."""
    lines = ["def f(d, names):"] + ["    kept%d = []" % i for i in range(n)]
    lines += ["    for name in names:", "        if not os.path.isfile(name):", "            continue"]
    lines += ["        kept%d.append(name)" % i for i in range(n)]
    lines += ["    for name in kept%d:\n        os.unlink(name)" % i for i in range(n)]
    return HEADER + "\n".join(lines) + "\n"


def copied_mtimes(n: int) -> str:
    """A function of ``n`` parameters copying each into a local, binding ``n`` names from an
    mtime on one branch only, and comparing each pair: parameters looked up per copy, and
    mtime facts kept past every join."""
    params = ", ".join("last_mtime_%s" % _letters(i) for i in range(n))
    lines = ["def f(path, flag, %s):" % params]
    for i in range(n):
        lines += ["    c%d = last_mtime_%s" % (i, _letters(i)),
                  "    if flag:", "        m%d = os.path.getmtime(path)" % i,
                  "    else:", "        m%d = level(path)" % i,
                  "    if m%d != c%d:" % (i, i), "        flag = %d" % i]
    return HEADER + "\n".join(lines) + "\n"


def _letters(i: int) -> str:
    """``i`` spelled in letters (a word a name can end in)."""
    word = ""
    while True:
        word = chr(ord("a") + i % 26) + word
        i //= 26
        if not i:
            return word


def rmtree_handlers(n: int) -> str:
    """``n`` error handlers, each removing what it is handed after a check, and one fixture
    removing a private directory with each of them (every handler's name is looked up)."""
    lines = ["import shutil", "import tempfile", "import pytest", "", ""]
    for i in range(n):
        lines += ["def handler%d(function, path, info):" % i, "    if os.path.isdir(path):",
                  "        shutil.rmtree(path)", "", ""]
    lines += ["@pytest.fixture()", "def root():", "    d = tempfile.mkdtemp()", "    yield d"]
    lines += ["    shutil.rmtree(d, onerror=handler%d)" % i for i in range(n)]
    return HEADER + "\n".join(lines) + "\n"


def private_listings(n: int) -> str:
    """``n`` loops over listings of a private directory and of names holding one, each
    variable checked then removed, in one function."""
    lines = ["import tempfile", "from pathlib import Path", "", "", "def f():",
             "    d = Path(tempfile.mkdtemp()).absolute()"]
    for i in range(n):
        lines += ["    found%d = sorted(d.rglob('*%d'))" % (i, i), "    for p%d in reversed(found%d):" % (i, i),
                  "        if p%d.exists():" % i, "            p%d.unlink()" % i]
    return HEADER + "\n".join(lines) + "\n"


def container_entries(n: int) -> str:
    """Mailboxes stored in a dict under rebound name keys and constant keys, locked through
    one spelling and changed through another: every change looks at the entries that may be
    the same. In the second function every constant key is new (past the bound on entries
    followed); in the third, loops over a list go through its entries with a dozen names."""
    lines = ["import mailbox", "", "def deliver(names, msg):", "    boxes = {}"]
    for i in range(n):
        lines += [
            "    key = names[%d]" % i,
            "    boxes[key] = mailbox.mbox(key)",
            "    boxes['c%d'] = mailbox.mbox('c%d')" % (i % 24, i % 24),
            "    boxes[key].lock()",
            "    boxes['c%d'].add(msg)" % (i % 24),
        ]
    lines += ["", "def spread(msg):", "    boxes = {}"]
    for i in range(n):
        lines += ["    boxes['c%d'] = mailbox.mbox('c%d')" % (i, i), "    boxes['c%d'].add(msg)" % i]
    lines += ["", "def rounds(paths, msg):", "    boxes = [mailbox.mbox(p) for p in paths]"]
    for i in range(n):
        lines += ["    for box%d in boxes:" % (i % 12), "        box%d.lock()" % (i % 12),
                  "        box%d.add(msg)" % (i % 12), "        box%d.unlock()" % (i % 12)]
    return "\n".join(lines) + "\n"


def support_helpers(n: int) -> str:
    """A test suite's support module: N helpers no code of it calls (each looked up among
    the words of the text), and a chdir into a private folder under N nested finally blocks."""
    lines = ["import os", "import tempfile", "import unittest", ""]
    for i in range(n):
        lines += ["def drop%d(path):" % i, "    if os.path.exists(path):", "        os.remove(path)", ""]
    lines += ["def scratch(msg):", "    os.chdir(tempfile.mkdtemp())"]
    indent = "    "
    for i in range(min(n, 60)):  # the parser caps statically nested blocks
        lines += [indent + "try:", indent + "    pass", indent + "finally:"]
        indent += "    "
    lines += [indent + "if os.path.exists('x'):", indent + "    os.remove('x')"]
    return "\n".join(lines) + "\n"


def own_locks_and_renames(n: int) -> str:
    """N context managers taking an fcntl lock and N helpers renaming their parameters, each
    used once, and N key helpers built from one another's digests."""
    lines = ["import contextlib", "import fcntl", "import hashlib", "import os", "import tempfile", ""]
    for i in range(n):
        lines += ["@contextlib.contextmanager", "def held%d(path):" % i,
                  "    with open(path + '.lock', 'a') as handle:",
                  "        fcntl.flock(handle, fcntl.LOCK_EX)", "        yield", "",
                  "def swap%d(src, dst):" % i, "    os.replace(src, dst)", "",
                  "def key%d(k):" % i,
                  "    return hashlib.md5(repr(k).encode()).hexdigest()" if i == 0 else
                  "    return key%d(k) + hashlib.sha1(repr(k).encode(), usedforsecurity=False).hexdigest()" % (i - 1),
                  "",
                  "def use%d(path, data):" % i, "    with held%d(path):" % i,
                  "        if os.path.exists(path):", "            os.remove(path)",
                  "    fd, tmp = tempfile.mkstemp()", "    os.write(fd, data)",
                  "    swap%d(tmp, os.path.join(path, key%d(data)))" % (i, i), ""]
    return "\n".join(lines) + "\n"


def inlined_helpers_and_flags(n: int) -> str:
    """N writes through one-line path helpers put in at their calls (one nested as deep as the
    parser allows brackets), and N flags that each choose a read-only or read-write IMAP
    selection and are tested again before a fetch, with every other connection selected."""
    depth = min(n, 150)
    lines = ["import imaplib", "import os", "", "def tmp_of(path, suffix='.tmp'):", "    return path + suffix", "",
             "class Saver:", "    def part(self, path):", "        return f'{path}.part'", "",
             "    def nested(self, path, data):",
             "        tmp = " + "tmp_of(" * depth + "self.part(path)" + ")" * depth,
             "        with open(tmp, 'w') as f:", "            f.write(data)", "        os.replace(tmp, path)", ""]
    for i in range(n):
        lines += ["    def save%d(self, path, data):" % i, "        tmp = self.part(tmp_of(path))",
                  "        with open(tmp, 'w') as f:", "            f.write(data)", "        os.replace(tmp, path)", ""]
    lines += ["def fetch_all(flags, nums):"] + ["    conn%d = imaplib.IMAP4('h')" % i for i in range(n)]
    for i in range(n):
        lines += ["    f%d = flags[%d]" % (i, i), "    if f%d:" % i, "        conn%d.select('INBOX')" % i, "    else:",
                  "        conn%d.select('INBOX', readonly=True)" % i, "    typ, data = conn%d.search(None, 'ALL')" % i,
                  "    if not f%d:" % i, "        conn%d.fetch(data[0], '(RFC822)')" % i]
    return "\n".join(lines) + "\n"


def creates_in_long_blocks(n: int) -> str:
    """One function that makes a folder and then writes N files in it that another reads,
    N blank creates each read again below, a class whose N methods each append a temp file's
    name to one list, and N attributes named by the instance's temp-path method."""
    lines = ["import os", "import tempfile", "", "def read_all(d):"]
    lines += ["    open(os.path.join(d, 'f%d')).read()" % i for i in range(n)]
    lines += ["", "def write_all(d, data):", "    os.makedirs(d)"]
    lines += ["    with open(os.path.join(d, 'f%d'), 'w') as f:\n        f.write(data)" % i for i in range(n)]
    lines += ["", "def blanks(d, registry):"]
    for i in range(n):
        lines += ["    p%d = os.path.join(d, 'b%d')" % (i, i), "    if not os.path.exists(p%d):" % i,
                  "        with open(p%d, 'w') as f:" % i, "            f.write('\\n')", "    registry.open(p%d)" % i]
    lines += ["", "class Tool:", "    def __init__(self):", "        self.tmp = tempfile.mkdtemp()",
              "        self.files = []"]
    lines += ["        self.out%d = self._tmp_path() + '.%d'" % (i, i) for i in range(n)]
    lines += ["", "    def _tmp_path(self):", "        return os.path.join(self.tmp, 'x')"]
    for i in range(n):  # a method each (one function making many: temps-in-one-function)
        lines += ["", "    def keep%d(self, data):" % i,
                  "        with tempfile.NamedTemporaryFile('w', delete=False) as fp:",
                  "            fp.write(data)", "            self.files.append(fp.name)"]
    lines += ["", "    def clean(self):", "        for f in self.files:", "            if os.path.isfile(f):",
              "                os.remove(f)"]
    return "\n".join(lines) + "\n"


def temps_in_one_function(n: int) -> str:
    """One function making N temp files, each written, then renamed onto a path bound after
    it once the path is checked: every binding once asked every temp made before it."""
    lines = ["import os", "import tempfile", "", "def publish(d):"]
    for i in range(n):
        lines += ["    fd%d, t%d = tempfile.mkstemp()" % (i, i), "    with os.fdopen(fd%d, 'w') as f%d:" % (i, i),
                  "        f%d.write('x')" % i, "    p%d = os.path.join(d, 'x%d')" % (i, i),
                  "    if os.path.exists(p%d):" % i, "        os.rename(t%d, p%d)" % (i, i)]
    return "\n".join(lines) + "\n"


def overlapping_lock_regions(n: int) -> str:
    """N mailboxes each locked in turn, then each changed and unlocked: N lock regions, each
    holding most of the others (MBX103's fix asks each what its region holds)."""
    lines = ["def f(p):"]
    for i in range(n):
        lines += ["    b%d = mailbox.mbox(p + '%d')" % (i, i), "    k%d = b%d.add('x')" % (i, i), "    b%d.lock()" % i]
    for i in range(n):
        lines += ["    b%d.remove(k%d)" % (i, i), "    b%d.unlock()" % i]
    return HEADER + "\n".join(lines) + "\n"


def chained_path_names(n: int) -> str:
    """``q1 = join(q0, n0)``, ``q2 = join(q1, n1)``, ...: each path built from all the names
    before it, each checked then removed (every check asks which names the path reads)."""
    lines = ["def f(p):", "    q0 = p"]
    for i in range(n):
        lines += ["    q%d = os.path.join(q%d, n%d)" % (i + 1, i, i), "    if os.path.isfile(q%d):" % i,
                  "        os.unlink(q%d)" % i]
    return HEADER + "\n".join(lines) + "\n"


def fixes_in_one_function(n: int) -> str:
    """N checks of one path in one function, each with an open and a removal to fix: every
    fix names a new local in the same scope."""
    lines = ["def f(p):"]
    for i in range(n):
        lines += ["    if os.path.exists(p):", "        x%d = open(p).read()" % i, "    os.remove(p)"]
    return HEADER + "\n".join(lines) + "\n"


def long_condition(n: int) -> str:
    """One ``if`` whose condition joins N existence checks with ``and``: each operand is a
    way out of the condition, and the ways out are joined."""
    checks = " and ".join("os.path.exists(p + '%d')" % i for i in range(n))
    return HEADER + "def f(p):\n    if %s:\n        return open(p + '0').read()\n" % checks


def private_attributes_and_methods(n: int) -> str:
    """A class whose set-up binds N attributes to fresh temp folders, and N methods each
    checking one of them then removing it: every method's private names could hold all N."""
    lines = ["import os", "import shutil", "import tempfile", "", "class Suite:", "    def setUp(self):"]
    lines += ["        self.d%d = tempfile.mkdtemp()" % i for i in range(n)]
    for i in range(n):
        lines += ["", "    def test_%d(self):" % i, "        if os.path.exists(self.d%d):" % i,
                  "            shutil.rmtree(self.d%d)" % i]
    return "\n".join(lines) + "\n"


def mtime_compares(n: int) -> str:
    """One method comparing ``n`` stored mtimes, each in a comparison nested in another: the
    function is looked through for a size or inode compared too once, not at each compare."""
    lines = ["import os", "", "class Cache:", "    def changed(self, source):", "        st = os.stat(source)"]
    for i in range(n):
        lines += ["        if (st.st_mtime != self.old%d.st_mtime) == True:" % i, "            return %d" % i]
    lines += ["        return None"]
    return "\n".join(lines) + "\n"


def parameter_handles(n: int) -> str:
    """A helper opening each of its ``n`` parameters as a handle it fsyncs, renamed by its
    caller: each handle's binding count is read from one look at the function."""
    params = ", ".join("p%d" % i for i in range(n))
    lines = ["import os", "", "def _write_all(%s):" % params]
    for i in range(n):
        lines += ["    with open(p%d, 'w') as h%d:" % (i, i), "        h%d.write('x')" % i,
                  "        os.fsync(h%d.fileno())" % i]
    lines += ["", "def save(d):", "    _write_all(%s)" % ", ".join("d + '.t%d'" % i for i in range(n))]
    lines += ["    os.rename(d + '.t%d', d + '.f%d')" % (i, i) for i in range(n)]
    return "\n".join(lines) + "\n"


def closures_over_paths(n: int) -> str:
    """A function holding ``n`` closures, each renaming onto its ``Path`` parameters: the
    enclosing function's bindings are read once, not once per closure."""
    lines = ["from pathlib import Path", "", "def make(path: Path, backup: Path):"]
    for i in range(n):
        lines += ["    def restore%d():" % i, "        path.unlink(missing_ok=True)", "        backup.rename(path)",
                  "    x%d = restore%d" % (i, i)]
    lines += ["    return path"]
    return "\n".join(lines) + "\n"


def extended_names(n: int) -> str:
    """One path extended in place ``n`` times (``p += '.1'``), each longer name checked and
    removed: the key of each is built on the last one, and must not grow with all of them."""
    lines = ["import os", "", "def f(d):", "    p = os.path.join(d, 'x')"]
    for i in range(n):
        lines += ["    p += '.%d'" % i, "    if os.path.exists(p):", "        os.remove(p)"]
    return "\n".join(lines) + "\n"


def derived_test_cases(n: int) -> str:
    """A test module's base case whose ``setUp`` binds ``n`` attributes (a private folder and
    paths in it), and ``n`` cases deriving from it, each writing one of them: the base's
    stores are judged once, not once per case."""
    lines = ["import os", "import tempfile", "import unittest", "", "class Base(unittest.TestCase):",
             "    def setUp(self):", "        self.tmp = tempfile.mkdtemp()"]
    for i in range(n):
        lines += ["        self.p%d = os.path.join(self.tmp, 'f%d')" % (i, i)]
    for i in range(n):
        lines += ["", "class Test%d(Base):" % i, "    def test_write(self):",
                  "        if not os.path.exists(self.p%d):" % i,
                  "            with open(self.p%d, 'w') as f:" % i, "                f.write('x')"]
    return "\n".join(lines) + "\n"


def closures_onto_one_name(n: int) -> str:
    """A function whose path is built from ``n`` terms, holding ``n`` closures that each
    rename onto it: what the closures inherit is judged once, not once per closure."""
    terms = " + ".join("'p%d'" % i for i in range(n))
    lines = ["import os", "", "def make(d):", "    target = os.path.join(d, %s)" % terms]
    for i in range(n):
        lines += ["    def restore%d(src):" % i, "        os.rename(src, target)", "    x%d = restore%d" % (i, i)]
    lines += ["    return target"]
    return "\n".join(lines) + "\n"


class Shape(NamedTuple):
    make: Callable[[int], str]
    #: a size at which the analysis takes long enough to measure (some hundredths of a second)
    base: int


#: every shape, with a measurable size; the parser caps the deep ones (about 3,000 levels)
SHAPES: Dict[str, Shape] = {
    "doubled-names": Shape(doubled_names, 1000),
    "nested-for": Shape(nested_for, 16),
    "nested-while-exists": Shape(nested_while_exists, 10),
    "nested-try-finally": Shape(nested_try_finally, 10),
    "try-with-many-statements": Shape(try_with_many_statements, 500),
    "sequential-checks": Shape(sequential_checks, 500),
    "mailbox-key-ifs": Shape(mailbox_key_ifs, 400),
    "long-sum": Shape(long_sum, 600),
    "elif-chain": Shape(elif_chain, 400),
    "nested-not": Shape(nested_not, 600),
    "returns-through-finally": Shape(returns_through_finally, 500),
    "many-renames": Shape(many_renames, 500),
    "parent-chain": Shape(parent_chain, 600),
    "elif-chain-in-try": Shape(elif_chain_in_try, 400),
    "locks-in-long-try": Shape(locks_in_long_try, 500),
    "helper-chain": Shape(helper_chain, 400),
    "untyped-path-acts": Shape(untyped_path_acts, 300),
    "returned-numbers": Shape(returned_numbers, 300),
    "passed-connections": Shape(passed_connections, 300),
    "constant-creates": Shape(constant_creates, 300),
    "clock-cutoffs": Shape(clock_cutoffs, 300),
    "path-helper-chain": Shape(path_helper_chain, 150),
    "checked-appends": Shape(checked_appends, 300),
    "unpacked-getter": Shape(unpacked_getter, 600),
    "copied-mtimes": Shape(copied_mtimes, 300),
    "rmtree-handlers": Shape(rmtree_handlers, 300),
    "private-attributes-and-methods": Shape(private_attributes_and_methods, 300),
    "private-listings": Shape(private_listings, 300),
    "container-entries": Shape(container_entries, 100),
    "support-helpers": Shape(support_helpers, 400),
    "own-locks-and-renames": Shape(own_locks_and_renames, 150),
    "inlined-helpers-and-flags": Shape(inlined_helpers_and_flags, 200),
    "creates-in-long-blocks": Shape(creates_in_long_blocks, 300),
    "temps-in-one-function": Shape(temps_in_one_function, 300),
    "overlapping-lock-regions": Shape(overlapping_lock_regions, 300),
    "chained-path-names": Shape(chained_path_names, 400),
    "fixes-in-one-function": Shape(fixes_in_one_function, 600),
    "long-condition": Shape(long_condition, 800),
    "mtime-compares": Shape(mtime_compares, 400),
    "parameter-handles": Shape(parameter_handles, 200),
    "closures-over-paths": Shape(closures_over_paths, 300),
    "extended-names": Shape(extended_names, 300),
    "derived-test-cases": Shape(derived_test_cases, 200),
    "closures-onto-one-name": Shape(closures_onto_one_name, 400),
}


def cpu_seconds(call: Callable[[], object]) -> float:
    """CPU time of ``call()``: less disturbed than wall time by other processes' load. What
    the process held before is frozen out of the collector's reach: a full collection walks
    every object alive, and in a long test run those are mostly other tests' leftovers, whose
    count would be charged to the larger input (it triggers more collections)."""
    gc.collect()
    gc.freeze()
    try:
        start = time.process_time()
        call()
        return time.process_time() - start
    finally:
        gc.unfreeze()


def peak_bytes(call: Callable[[], object]) -> int:
    """The peak of memory ``call()`` allocates, as ``tracemalloc`` traces it."""
    gc.collect()
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
