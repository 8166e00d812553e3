#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Concurrent writers on one union (run in the guest as root).

Phase 1, copyup races: for each of the --race-files files of a read-only
branch, --writers processes wait at a barrier and then each append one line
to it through the union at the same moment. The file must be copied up once:
afterwards it holds the original bytes followed by every writer's line.

Phase 2, random operations: --workers processes create, write, append,
truncate, rename (files and directories), link, symlink, unlink, mkdir,
rmdir, chmod, set xattrs, read and list overlapping names in the union for
--seconds seconds. Errors that races explain (ENOENT, EEXIST, ENOTEMPTY,
ENOTDIR, EISDIR, ELOOP, ENODATA, EINVAL from rename, EPERM from link of a
directory) are counted; any other error (EIO, EXDEV, ESTALE, EROFS, ...)
fails the run. A worker that makes no progress for --hang seconds is
reported with its kernel stack, and the run fails.

Then, with everything quiet, the union must be consistent: every name a
directory lists can be looked up and read, no name is listed twice, no
.wh. name shows, and no copyup temporary is left on a writable branch.
Prints a summary; exit status 0 only if all of that holds.

Usage: concurrent.py --union DIR --writable DIR[,DIR] [--seconds N] ...
"""
import argparse
import errno
import json
import os
import random
import signal
import stat
import sys
import time

from procinfo import kernel_stack

NAMES = ["n0", "n1", "n2", "n3", "n4", "n5"]
DIRS = ["d0", "d1", "d2"]
EXPLAINED = {errno.ENOENT, errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR,
             errno.ELOOP, errno.ENODATA}
EXPLAINED_FOR = {"rename": {errno.EINVAL}, "link": {errno.EPERM}}


def ename(e):
    return errno.errorcode.get(e, str(e))


def race_copyup(union, files, writers):
    """Phase 1; returns a list of problems."""
    problems = []
    for rel in files:
        path = os.path.join(union, rel)
        with open(path, "rb") as f:
            original = f.read()
        r, w = os.pipe()  # the barrier: children block reading until it closes
        pids = []
        for k in range(writers):
            pid = os.fork()
            if pid == 0:
                os.close(w)
                os.read(r, 1)
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
                    os.write(fd, b"writer %d\n" % k)
                    os.close(fd)
                except OSError as e:
                    os.write(2, b"writer %d: %s\n" % (k, str(e).encode()))
                    os._exit(1)
                os._exit(0)
            pids.append(pid)
        os.close(r)
        time.sleep(0.05)
        os.close(w)
        for pid in pids:
            _, status = os.waitpid(pid, 0)
            if status != 0:
                problems.append("%s: a writer failed (status %d)" % (rel, status))
        with open(path, "rb") as f:
            data = f.read()
        want = sorted(b"writer %d\n" % k for k in range(writers))
        tail = data[len(original):]
        lines = sorted(l + b"\n" for l in tail.split(b"\n")[:-1])
        if not data.startswith(original) or lines != want:
            problems.append("%s after %d concurrent appends: %d bytes (original %d), appended lines %r"
                            % (rel, writers, len(data), len(original), tail[:200]))
    return problems


def random_path(rng, kind=None):
    names = DIRS if kind in ("mkdir", "rmdir", "list") else NAMES
    r = rng.random()
    if r < 0.35:
        return rng.choice(names)
    if r < 0.85:
        return rng.choice(DIRS) + "/" + rng.choice(names)
    return rng.choice(DIRS) + "/" + rng.choice(DIRS) + "/" + rng.choice(names)


KINDS = ["create", "append", "write", "truncate", "rename", "link", "symlink", "unlink", "mkdir",
         "rmdir", "chmod", "setxattr", "removexattr", "read", "list", "stat"]
WEIGHTS = [8, 6, 4, 3, 10, 3, 2, 8, 6, 5, 2, 2, 1, 5, 4, 3]


def one_op(rng, root, kind):
    if kind == "rename":  # directories too
        kind_p = "mkdir" if rng.random() < 0.3 else None
        kind_q = "mkdir" if rng.random() < 0.3 else None
    else:
        kind_p, kind_q = kind, None
    p = os.path.join(root, random_path(rng, kind_p))
    q = os.path.join(root, random_path(rng, kind_q))
    if kind == "create":
        fd = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
        os.write(fd, rng.randbytes(rng.randint(0, 9000)))
        os.close(fd)
    elif kind == "append":
        fd = os.open(p, os.O_WRONLY | os.O_APPEND)
        os.write(fd, rng.randbytes(rng.randint(1, 3000)))
        os.close(fd)
    elif kind == "write":
        fd = os.open(p, os.O_RDWR)
        os.pwrite(fd, rng.randbytes(rng.randint(1, 3000)), rng.randint(0, 20000))
        os.fsync(fd)
        os.close(fd)
    elif kind == "truncate":
        os.truncate(p, rng.randint(0, 20000))
    elif kind == "rename":
        os.rename(p, q)
    elif kind == "link":
        os.link(p, q, follow_symlinks=False)
    elif kind == "symlink":
        os.symlink(rng.choice(NAMES), q)
    elif kind == "unlink":
        os.unlink(p)
    elif kind == "mkdir":
        os.mkdir(p)
    elif kind == "rmdir":
        os.rmdir(p)
    elif kind == "chmod":
        os.chmod(p, rng.choice([0o644, 0o600, 0o755, 0o700]))
    elif kind == "setxattr":
        os.setxattr(p, "user.k%d" % rng.randint(0, 2), rng.randbytes(8))
    elif kind == "removexattr":
        os.removexattr(p, "user.k%d" % rng.randint(0, 2))
    elif kind == "read":
        with open(p, "rb") as f:
            f.read()
    elif kind == "list":
        for n in os.listdir(p):
            try:
                os.lstat(os.path.join(p, n))
            except FileNotFoundError:
                pass
    else:
        os.lstat(p)


def worker(k, root, deadline, seed, progress):
    rng = random.Random("%s/%d" % (seed, k))
    stats = {"ops": 0, "explained": {}, "bad": {}}
    n = 0
    while time.monotonic() < deadline:
        kind = rng.choices(KINDS, WEIGHTS)[0]
        try:
            one_op(rng, root, kind)
        except OSError as e:
            if e.errno in EXPLAINED or e.errno in EXPLAINED_FOR.get(kind, ()):
                stats["explained"][ename(e.errno)] = stats["explained"].get(ename(e.errno), 0) + 1
            else:
                key = "%s from %s" % (ename(e.errno), kind)
                stats["bad"][key] = stats["bad"].get(key, 0) + 1
                if stats["bad"][key] == 1:
                    os.write(2, ("worker %d: unexpected %s\n" % (k, e)).encode())
        stats["ops"] += 1
        n += 1
        if n % 20 == 0:
            os.pwrite(progress, b"%-12d" % stats["ops"], 12 * k)
    os.pwrite(progress, b"%-12d" % stats["ops"], 12 * k)
    return stats


def random_phase(root, workers, seconds, seed, hang):
    """Phase 2; returns (total ops, explained errors, problems)."""
    deadline = time.monotonic() + seconds
    progress_path = os.path.join("/tmp", "ufs-concurrent-progress.%d" % os.getpid())
    progress = os.open(progress_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.pwrite(progress, b" " * 12 * workers, 0)
    os.unlink(progress_path)
    children = {}
    for k in range(workers):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                stats = worker(k, root, deadline, seed, progress)
            except BaseException as e:  # report, never fall back into the parent's code
                stats = {"ops": 0, "explained": {}, "bad": {"crash %r" % e: 1}}
            os.write(w, json.dumps(stats).encode())
            os._exit(0)
        os.close(w)
        children[pid] = (k, r)
    problems = []
    last = {}
    last_change = {}
    results = {}
    while children:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            k, r = children.pop(pid)
            data = b""
            while True:
                chunk = os.read(r, 65536)
                if not chunk:
                    break
                data += chunk
            os.close(r)
            results[k] = json.loads(data) if data else {"ops": 0, "explained": {},
                                                        "bad": {"no report, status %d" % status: 1}}
            continue
        time.sleep(0.5)
        now = time.monotonic()
        for cpid, (k, _) in children.items():
            count = os.pread(progress, 12, 12 * k)
            if count != last.get(k):
                last[k], last_change[k] = count, now
            elif now - last_change[k] > hang and now > deadline:
                problems.append("worker %d (pid %d) made no progress for %ds:\n    %s"
                                % (k, cpid, hang, kernel_stack(cpid)))
        if problems:
            for cpid in children:
                os.kill(cpid, signal.SIGKILL)
            break
    total = sum(s["ops"] for s in results.values())
    explained = {}
    for s in results.values():
        for key, n in s["explained"].items():
            explained[key] = explained.get(key, 0) + n
    for k in sorted(results):
        for key, n in sorted(results[k]["bad"].items()):
            problems.append("worker %d: %d x %s" % (k, n, key))
    return total, explained, problems


def check_quiet(union, writable):
    """The union and its writable branches with nothing running."""
    problems = []
    for dirpath, dirnames, filenames in os.walk(union):
        names = os.listdir(dirpath)
        if len(names) != len(set(names)):
            problems.append("%s lists a name twice: %s" % (dirpath, sorted(names)))
        for n in names:
            p = os.path.join(dirpath, n)
            if n.startswith(".wh."):
                problems.append("%s: a .wh. name shows in the union" % p)
            try:
                st = os.lstat(p)
                if stat.S_ISREG(st.st_mode):
                    with open(p, "rb") as f:
                        if len(f.read()) != st.st_size:
                            problems.append("%s: read length differs from st_size" % p)
            except OSError as e:
                problems.append("%s is listed but %s" % (p, e))
    for top in writable:
        for dirpath, dirnames, filenames in os.walk(top):
            for n in dirnames + filenames:
                if n.startswith(".wh.__ufs_copyup") or n.startswith(".wh..wh.ufs.tmp"):
                    problems.append("leftover temporary %s" % os.path.join(dirpath, n))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--union", required=True)
    ap.add_argument("--writable", required=True, help="the union's writable branches, comma-separated")
    ap.add_argument("--race-files", default="", help="comma-separated files of a read-only branch")
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--hang", type=float, default=60)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print("seed %d" % seed, flush=True)
    problems = []
    files = [f for f in args.race_files.split(",") if f]
    if files:
        t0 = time.monotonic()
        problems += race_copyup(args.union, files, args.writers)
        print("copyup races: %d files x %d writers, %.1fs" % (len(files), args.writers, time.monotonic() - t0),
              flush=True)
    total, explained, found = random_phase(args.union, args.workers, args.seconds, seed, args.hang)
    problems += found
    print("random operations: %d workers, %d ops in %.0fs, %d failed as races explain (%s)"
          % (args.workers, total, args.seconds, sum(explained.values()),
             ", ".join("%s %d" % kv for kv in sorted(explained.items(), key=lambda kv: -kv[1]))),
          flush=True)
    if not found:
        problems += check_quiet(args.union, args.writable.split(","))
    for p in problems:
        print("PROBLEM: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
