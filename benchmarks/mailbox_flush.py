"""Flush speed and memory of mboxlint.mailbox against the stdlib mailbox.

    python benchmarks/mailbox_flush.py [--small]

Builds an mbox in a temp directory (200 MB / 10,000 messages, or 20 MB /
1,000 with --small) and, each in a fresh child process, times one flush after
removing the last or the first message.  Prints times, ratios, bytes written
(from /proc/self/io) and the flush's peak memory above the process's
baseline (ru_maxrss).
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build(path, size, count):
    body_line = b'x' * 75 + b'\n'
    lines = max(1, size // count // len(body_line))
    with open(path, 'wb') as f:
        for i in range(count):
            f.write(b'From bench@example.org Mon Jan  1 00:00:00 2024\n'
                    b'Message-ID: <%d@bench>\n\n' % i)
            f.write(body_line * lines)
            f.write(b'\n')


def written_bytes():
    try:
        with open('/proc/self/io') as f:
            for line in f:
                if line.startswith('wchar:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def child(impl, path, which):
    if impl == 'std':
        import mailbox
    else:
        sys.path.insert(0, REPO)
        from mboxlint import mailbox
    box = mailbox.mbox(path)
    box.lock()
    keys = sorted(box.keys())
    box.remove(keys[-1] if which == 'last' else keys[0])
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    base_written = written_bytes()
    start = time.perf_counter()
    box.flush()
    elapsed = time.perf_counter() - start
    written = written_bytes() - base_written
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss
    box.unlock()
    box.close()
    print(json.dumps({'seconds': elapsed, 'written': written,
                      'peak_kib': peak}))


def measure(impl, original, which, workdir):
    path = os.path.join(workdir, 'box-%s-%s' % (impl, which))
    shutil.copy(original, path)
    # Write the copy out now, or the flush's fsync would pay for it.
    with open(path, 'rb') as f:
        os.fsync(f.fileno())
    out = subprocess.run([sys.executable, __file__, '--child', impl, path,
                          which], stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    os.unlink(path)
    return json.loads(out)


def main():
    if sys.argv[1:2] == ['--child']:
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument('--small', action='store_true')
    args = parser.parse_args()
    size, count = (20 << 20, 1000) if args.small else (200 << 20, 10000)
    workdir = tempfile.mkdtemp(prefix='mbx-bench-')
    try:
        original = os.path.join(workdir, 'original')
        build(original, size, count)
        file_size = os.path.getsize(original)
        print('mbox: %.1f MB, %d messages' % (file_size / 1e6, count))
        for which in ('last', 'first'):
            std = measure('std', original, which, workdir)
            fixed = measure('fixed', original, which, workdir)
            print('remove %-5s + flush: stdlib %.3f s, mboxlint %.3f s '
                  '(stdlib/mboxlint = %.1fx); mboxlint wrote %.2f%% of the '
                  'file; flush peak memory +%.1f MiB (stdlib +%.1f MiB)' % (
                      which, std['seconds'], fixed['seconds'],
                      std['seconds'] / max(fixed['seconds'], 1e-9),
                      100.0 * fixed['written'] / file_size,
                      fixed['peak_kib'] / 1024.0, std['peak_kib'] / 1024.0))
    finally:
        shutil.rmtree(workdir)


if __name__ == '__main__':
    main()
