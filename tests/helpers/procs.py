"""Start the processes of tests/helpers/mbox_actors.py and talk to them."""
import os
import queue
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ACTORS = os.path.join(HERE, 'mbox_actors.py')
TIMEOUT = 30.0

sys.path.insert(0, HERE)
from mbox_actors import message  # noqa: E402,F401


def env():
    e = dict(os.environ)
    e['PYTHONPATH'] = REPO + os.pathsep + e.get('PYTHONPATH', '')
    return e


class Actor:
    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [sys.executable, ACTORS] + [str(a) for a in args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env(), universal_newlines=True)
        self.pid = self.proc.pid
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip('\n'))
        self.lines.put(None)

    def expect(self, prefix, timeout=TIMEOUT):
        line = self.lines.get(timeout=timeout)
        if line is None or not line.startswith(prefix):
            self.proc.wait(timeout=timeout)
            raise AssertionError('expected %r, got %r; stderr:\n%s'
                                 % (prefix, line, self.proc.stderr.read()))
        return line

    def send(self, text):
        self.proc.stdin.write(text + '\n')
        self.proc.stdin.flush()

    def wait(self, timeout=TIMEOUT):
        rc = self.proc.wait(timeout=timeout)
        err = self.proc.stderr.read()
        return rc, err

    def finish(self, timeout=TIMEOUT):
        rc, err = self.wait(timeout)
        assert rc == 0, err
        return err


def run_actor(*args, timeout=TIMEOUT):
    return subprocess.run([sys.executable, ACTORS] + [str(a) for a in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env(), universal_newlines=True, timeout=timeout)


def wait_blocked_on_lock(pid, timeout=TIMEOUT):
    """Wait until process pid waits for a POSIX lock (seen in /proc/locks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open('/proc/locks') as f:
            for line in f:
                fields = line.split()
                if '->' in fields and 'POSIX' in fields:
                    if fields[fields.index('POSIX') + 3] == str(pid):
                        return
        time.sleep(0.01)
    raise AssertionError('process %d never blocked on the lock' % pid)


def message_ids(path):
    """Message-IDs in file order, read with the stdlib parser, read-only."""
    import mailbox
    box = mailbox.mbox(path, create=False)
    try:
        return [box.get_message(k)['Message-ID'] for k in sorted(box.keys())]
    finally:
        box.close()


def make_mbox(path, ids, body_lines=1):
    with open(path, 'wb') as f:
        for msg_id in ids:
            f.write(message(msg_id, body_lines))
