#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Concurrent first writes to one file of a read-only branch (test 152).

--writers processes are forked, wait at a barrier (a pipe that the parent
closes) and then all at once open FILE through the union and write one
record each:

  --mode append   open(O_WRONLY|O_APPEND), write a record of --record bytes
                  (every writer's is different); afterwards the file must be
                  the original bytes followed by every record exactly once,
                  in some order.
  --mode pwrite   open(O_RDWR), pwrite the record at a distinct offset inside
                  the file (writer k at k * size / writers + 1000); afterwards
                  the file must be the original bytes with exactly those
                  ranges replaced, and its size unchanged.

Each open is the copyup of the whole file: with a file of a few MiB the
copies overlap in time, and only one may be made (a second copy would drop
the records written to the first). Prints how many writers were inside
open() at the same time (the overlap the run achieved), and every problem;
exit status 0 only if there is none.

Usage: copyup_race.py --file UNION/PATH --mode append|pwrite [--writers N]
"""
import argparse
import os
import sys
import time


def record(k, size):
    head = b"<writer %d pid-independent record>" % k
    body = bytes((k * 37 + i) % 251 for i in range(size - len(head) - 1))
    return head + body + b"\n"


def child(path, mode, k, nwriters, size, rec, barrier, report):
    os.read(barrier, 1)  # returns when the parent closes the write end
    t0 = time.monotonic()
    try:
        if mode == "append":
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        else:
            fd = os.open(path, os.O_RDWR)
        t1 = time.monotonic()
        if mode == "append":
            n = os.write(fd, rec)
        else:
            n = os.pwrite(fd, rec, k * size // nwriters + 1000)
        if n != len(rec):
            raise OSError(0, "short write: %d of %d bytes" % (n, len(rec)))
        os.close(fd)
    except OSError as e:
        os.write(report, b"ERR %d %s\n" % (k, str(e).encode()))
        os._exit(1)
    os.write(report, b"OK %d %.6f %.6f\n" % (k, t0, t1))
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", required=True, help="the file, through the union")
    ap.add_argument("--mode", choices=["append", "pwrite"], required=True)
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--record", type=int, default=512, help="bytes per record")
    args = ap.parse_args()

    with open(args.file, "rb") as f:
        original = f.read()
    size = len(original)
    recs = [record(k, args.record) for k in range(args.writers)]
    barrier_r, barrier_w = os.pipe()
    report_r, report_w = os.pipe()
    pids = []
    for k in range(args.writers):
        pid = os.fork()
        if pid == 0:
            os.close(barrier_w)
            os.close(report_r)
            child(args.file, args.mode, k, args.writers, size, recs[k], barrier_r, report_w)
        pids.append(pid)
    os.close(barrier_r)
    os.close(report_w)
    time.sleep(0.2)  # every child is blocked at the barrier by now
    os.close(barrier_w)
    problems = []
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        if status != 0:
            problems.append("writer pid %d exited with status %d" % (pid, status))
    out = b""
    while True:
        chunk = os.read(report_r, 65536)
        if not chunk:
            break
        out += chunk
    spans = []
    for line in out.decode().splitlines():
        w = line.split(" ", 2)
        if w[0] == "OK":
            _, k, t0, t1 = line.split()
            spans.append((float(t0), float(t1)))
        else:
            problems.append("writer %s: %s" % (w[1], w[2]))
    # The most writers inside open() (the copyup) at one moment.
    events = sorted([(t0, 1) for t0, _ in spans] + [(t1, -1) for _, t1 in spans])
    inside = overlap = 0
    for _, d in events:
        inside += d
        overlap = max(overlap, inside)
    longest = max((t1 - t0 for t0, t1 in spans), default=0)

    with open(args.file, "rb") as f:
        data = f.read()
    if args.mode == "append":
        if not data.startswith(original):
            problems.append("the original %d bytes are not at the start of the file" % size)
        tail = data[size:]
        got = [tail[i:i + args.record] for i in range(0, len(tail), args.record)]
        if len(tail) != args.writers * args.record or sorted(got) != sorted(recs):
            found = [k for k in range(args.writers) if recs[k] in tail]
            problems.append("after %d appends the file has %d bytes (original %d, expected %d); "
                            "records found: %s"
                            % (args.writers, len(data), size, size + args.writers * args.record,
                               found))
    else:
        want = bytearray(original)
        for k, rec in enumerate(recs):
            off = k * size // args.writers + 1000
            want[off:off + len(rec)] = rec
        if len(data) != size:
            problems.append("size %d after the writes, expected %d" % (len(data), size))
        if data != bytes(want):
            lost = [k for k in range(args.writers)
                    if data[k * size // args.writers + 1000:][:len(recs[k])] != recs[k]]
            problems.append("content differs from the expected; records missing: %s" % lost)
    print("%s: %d writers, at most %d inside open() (the copyup) at once, longest open %.2fs"
          % (args.mode, args.writers, overlap, longest))
    for p in problems:
        print("PROBLEM: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
