#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""File activity with known contents on a union whose branches change (test 193).

  branch_load.py seed --dir DIR --writers N
      Makes DIR/wK/seed0..2 (valid contents) and DIR/wK/sub/ for every
      writer K: the read-only bottom branch the writers start from.

  branch_load.py run --union U --writers N --seconds S --journal DIR [--seed N]
      N processes each work on their own names (wK/f0..f5, wK/sub/s0..s3,
      wK/seed0..2, and wK/c0..c9 picked one time in ten) for S seconds: overwrite, append, create, rename, unlink,
      read, and hold files open for a while (which makes removing their
      branch fail with EBUSY meanwhile). Every file holds whole lines
      "wK SERIAL CHECK PAYLOAD", each line checkable on its own.
      Each operation runs between two reads of the union's branches
      (UNIONFS_IOC_GET_BRANCH); when the generation did not change in
      between, the union must show exactly what the operation did (EROFS:
      nothing at all), a written name must show from a read-write branch,
      and the top branch holding a name must hold what the union shows.
      That state goes to the writer's journal, with the branch it lives on
      (or, for a name that is gone, the branches holding it or its
      whiteout). When the layout changed meanwhile, EROFS, ENOENT and EEXIST
      are explained and the name's state is unknown; any other error, or
      a line that does not check, is a problem.

  branch_load.py verify --union U --journal DIR --physical DIR[,DIR...]
      With everything quiet: every journaled name whose branch (or whose
      whiteout's branches) is still in the union shows exactly as
      journaled; every file the union shows under wK/ and every file of
      wK/ in the physical branch directories (removed ones too) consists of
      lines that check; names listed can be looked up; no .wh. name shows.

Exit status 0 only if there was no problem; problems are printed as
"PROBLEM: ...".
"""
import argparse
import errno
import fcntl
import glob
import hashlib
import json
import os
import random
import signal
import struct
import sys
import time

from procinfo import kernel_stack

# uapi/unionfs.h: struct unionfs_ioc_branch (4128 bytes) and GET_BRANCH = _IOWR(0xf1, 1, it).
BRANCH_FMT = "IIIIQQ"
BRANCH_SIZE = struct.calcsize(BRANCH_FMT) + 4096
GET_BRANCH = (3 << 30) | (BRANCH_SIZE << 16) | (0xf1 << 8) | 1
MODE_RW = 0

TOLERATED_UNSTABLE = {errno.EROFS, errno.ENOENT, errno.EEXIST}
KINDS = ["overwrite", "append", "create", "rename", "unlink", "hold", "read"]
WEIGHTS = [25, 20, 12, 15, 10, 4, 12]


def ename(e):
    return errno.errorcode.get(e, str(e))


def record(k, serial):
    payload = (hashlib.sha256(b"%d/%d" % (k, serial)).hexdigest() * 8)[: 20 + serial % 300]
    head = "w%d %d %s" % (k, serial, payload)
    return ("%s %s\n" % (head, hashlib.sha1(head.encode()).hexdigest()[:12])).encode()


def bad_lines(data, k=None):
    """The first line of data that is not a whole valid record (of writer k), or None."""
    if data is None:
        return None
    if data and not data.endswith(b"\n"):
        return "unterminated last line %r" % data[-60:]
    for line in data.split(b"\n")[:-1]:
        words = line.split(b" ")
        try:
            kk, serial = int(words[0][1:]), int(words[1])
        except (ValueError, IndexError):
            return "unparsable line %r" % line[:80]
        if line + b"\n" != record(kk, serial) or (k is not None and kk != k):
            return "line %r does not check (writer %s)" % (line[:80], k)
    return None


def names_of(k):
    return (["w%d/f%d" % (k, i) for i in range(6)] + ["w%d/sub/s%d" % (k, i) for i in range(4)]
            + ["w%d/seed%d" % (k, i) for i in range(3)] + cold_names_of(k))


def cold_names_of(k):
    """Names picked one time in ten only: their last state tends to be old."""
    return ["w%d/c%d" % (k, i) for i in range(10)]


def layout(union):
    """(generation, [(path, mode)]) of one generation, read with GET_BRANCH."""
    fd = os.open(union, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(100):
            branches, gen, count, i = [], None, 1, 0
            while i < count:
                buf = bytearray(BRANCH_SIZE)
                struct.pack_into("I", buf, 0, i)
                try:
                    fcntl.ioctl(fd, GET_BRANCH, buf, True)
                except OSError as e:
                    if e.errno != errno.EINVAL or i == 0:
                        raise
                    break  # a branch was removed meanwhile: read them again
                _, mode, n, _, _, g = struct.unpack_from(BRANCH_FMT, buf, 0)
                if gen is None:
                    gen, count = g, n
                elif g != gen or n != count:
                    break
                path = bytes(buf[struct.calcsize(BRANCH_FMT):]).split(b"\0", 1)[0].decode()
                branches.append((path, mode))
                i += 1
            if i == count:
                return gen, branches
        raise RuntimeError("the branches kept changing while being listed")
    finally:
        os.close(fd)


def read_or_none(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def lexists(path):
    try:
        os.lstat(path)
        return True
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        return False


def whiteout_of(rel):
    d, b = os.path.split(rel)
    return os.path.join(d, ".wh." + b)


class Writer:
    def __init__(self, k, union, seed):
        self.k, self.union = k, union
        self.rng = random.Random("%s/%d" % (seed, k))
        self.serial = 0
        self.journal = {}
        self.held = []  # (fd, name, release at op number)
        self.stats = {"ops": 0, "stable": 0, "tolerated": {}, "kinds": {}}
        self.problems = []

    def problem(self, text):
        if len(self.problems) < 20:
            os.write(2, ("writer %d: %s\n" % (self.k, text)).encode())
        self.problems.append(text)

    def path(self, rel):
        return os.path.join(self.union, rel)

    def check(self, what, data):
        why = bad_lines(data, self.k)
        if why:
            self.problem("%s: %s" % (what, why))

    def visible(self):
        names = set()
        for d in ("w%d" % self.k, "w%d/sub" % self.k):
            try:
                names.update(os.path.join(d, n) for n in os.listdir(self.path(d)))
            except FileNotFoundError:
                pass
        return [n for n in names_of(self.k) if n in names]

    def pick(self, names):
        cold = set(cold_names_of(self.k))
        hot = [n for n in names if n not in cold]
        if hot and (len(hot) == len(names) or self.rng.random() < 0.9):
            return self.rng.choice(hot)
        return self.rng.choice([n for n in names if n in cold])

    def next_record(self):
        self.serial += 1
        return record(self.k, self.serial)

    def release_held(self, now):
        keep = []
        for fd, name, until in self.held:
            if now is not None and until > now:
                keep.append((fd, name, until))
                continue
            try:
                self.check("%s, read through a descriptor held open" % name, os.pread(fd, 1 << 20, 0))
            except OSError as e:
                self.problem("%s: reading a descriptor held open: %s" % (name, e))
            os.close(fd)
        self.held = keep

    def one_op(self):
        n_op = self.stats["ops"]
        self.release_held(n_op)
        g1, before = layout(self.union)
        present = self.visible()
        absent = [n for n in names_of(self.k) if n not in present]
        kind = self.rng.choices(KINDS, WEIGHTS)[0]
        if kind in ("append", "rename", "unlink", "hold", "read") and not present:
            kind = "create"
        if kind == "create" and not absent:
            kind = "overwrite"
        a = self.pick(present if kind in ("append", "rename", "unlink", "hold", "read")
                      else absent if kind == "create" else names_of(self.k))
        b = self.pick([n for n in names_of(self.k) if n != a]) if kind == "rename" else None
        touched = [a] + ([b] if b else [])
        pre = {n: read_or_none(self.path(n)) for n in touched}
        for n in touched:
            self.check("%s before %s" % (n, kind), pre[n])
        rec = self.next_record()
        err = None
        try:
            if kind in ("overwrite", "append", "create"):
                flags = {"overwrite": os.O_CREAT | os.O_TRUNC, "append": os.O_APPEND,
                         "create": os.O_CREAT | os.O_EXCL}[kind]
                fd = os.open(self.path(a), os.O_WRONLY | flags, 0o644)
                try:
                    if os.write(fd, rec) != len(rec):
                        self.problem("%s: short write" % a)
                finally:
                    os.close(fd)
            elif kind == "rename":
                os.rename(self.path(a), self.path(b))
            elif kind == "unlink":
                os.unlink(self.path(a))
            elif kind == "hold":
                fd = os.open(self.path(a), os.O_RDONLY)
                self.held.append((fd, a, n_op + self.rng.randint(3, 25)))
            elif kind == "read":
                self.check("%s, read" % a, read_or_none(self.path(a)))
        except OSError as e:
            err = e.errno
        post = {n: read_or_none(self.path(n)) for n in touched}
        for n in touched:
            self.check("%s after %s" % (n, kind), post[n])
        g2, branches = layout(self.union)
        self.stats["ops"] += 1
        self.stats["kinds"][kind] = self.stats["kinds"].get(kind, 0) + 1
        what = "%s %s%s (generation %d)" % (kind, a, " -> " + b if b else "", g1)

        if g1 != g2:
            if err is not None and err not in TOLERATED_UNSTABLE:
                self.problem("%s failed with %s" % (what, ename(err)))
            elif err is not None:
                key = ename(err) + " (layout changed)"
                self.stats["tolerated"][key] = self.stats["tolerated"].get(key, 0) + 1
            if kind not in ("hold", "read"):
                for n in touched:
                    self.journal[n] = ["unknown"]
            return

        self.stats["stable"] += 1
        if err == errno.EROFS:
            self.stats["tolerated"]["EROFS"] = self.stats["tolerated"].get("EROFS", 0) + 1
            if post != pre:
                self.problem("%s failed with EROFS but changed the union: before %r, after %r"
                             % (what, pre, post))
        elif err is not None:
            self.problem("%s failed with %s, the layout unchanged" % (what, ename(err)))
            return
        else:
            want = dict(pre)
            if kind in ("overwrite", "create"):
                want[a] = rec
            elif kind == "append":
                want[a] = pre[a] + rec
            elif kind == "rename":
                want[a], want[b] = None, pre[a]
            elif kind == "unlink":
                want[a] = None
            if post != want:
                self.problem("%s: the union shows %r, expected %r" % (what, post, want))
        if kind in ("hold", "read"):
            return
        written = {a} if kind in ("overwrite", "append", "create") else {b} if kind == "rename" else set()
        for n in touched:
            if post[n] is not None:
                top = next((p for p, _ in branches if lexists(os.path.join(p, n))), None)
                if top is None:
                    self.problem("%s: the union shows %s, no branch holds it" % (what, n))
                    continue
                phys = read_or_none(os.path.join(top, n))
                if phys != post[n]:
                    self.problem("%s: the union shows %r for %s, its top branch %s holds %r"
                                 % (what, post[n], n, top, phys))
                # A mode change writes the branch's mode before it publishes
                # the next generation: a listing taken in between pairs the
                # new mode with the old number. A branch read-only in the
                # listings before and after the operation was read-only all
                # through it.
                mode = dict(branches)[top]
                mode_before = dict(before).get(top, mode)
                if err is None and n in written and mode != MODE_RW and mode_before != MODE_RW:
                    self.problem("%s: %s was written to %s, a branch of mode %d"
                                 % (what, n, top, mode))
                self.journal[n] = ["present", post[n].hex(), top, g2]
            else:
                evidence = [p for p, _ in branches
                            if lexists(os.path.join(p, n)) or lexists(os.path.join(p, whiteout_of(n)))]
                self.journal[n] = ["absent", evidence, g2]

    def run(self, deadline):
        while time.monotonic() < deadline:
            try:
                self.one_op()
            except OSError as e:
                self.problem("listing the branches or the directories: %s" % e)
                self.stats["ops"] += 1
        self.release_held(None)


def cmd_seed(args):
    for k in range(args.writers):
        os.makedirs(os.path.join(args.dir, "w%d" % k, "sub"), exist_ok=True)
        for i in range(3):
            with open(os.path.join(args.dir, "w%d" % k, "seed%d" % i), "wb") as f:
                f.write(record(k, -1 - i))
    return 0


def cmd_run(args):
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print("seed %d" % seed, flush=True)
    os.makedirs(args.journal, exist_ok=True)
    deadline = time.monotonic() + args.seconds
    children = {}
    for k in range(args.writers):
        pid = os.fork()
        if pid == 0:
            w = Writer(k, args.union, seed)
            try:
                w.run(deadline)
            except BaseException as e:  # report, never fall back into the parent's code
                w.problems.append("crashed: %r" % e)
            with open(os.path.join(args.journal, "w%d.json" % k), "w") as f:
                json.dump({"journal": w.journal, "stats": w.stats, "problems": w.problems}, f)
            os._exit(0)
        children[pid] = k
    problems = []
    limit = deadline + args.hang
    while children:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            k = children.pop(pid)
            if status:
                problems.append("writer %d exited with status %d" % (k, status))
            continue
        if time.monotonic() > limit:
            for cpid, k in children.items():
                problems.append("writer %d (pid %d) still running %ds after the end:\n    %s"
                                % (k, cpid, args.hang, kernel_stack(cpid)))
                os.kill(cpid, signal.SIGKILL)
            break
        time.sleep(0.2)
    totals = {"ops": 0, "stable": 0}
    tolerated, kinds = {}, {}
    for k in range(args.writers):
        try:
            with open(os.path.join(args.journal, "w%d.json" % k)) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            problems.append("writer %d left no journal: %s" % (k, e))
            continue
        for key in totals:
            totals[key] += data["stats"][key]
        for key, n in data["stats"]["tolerated"].items():
            tolerated[key] = tolerated.get(key, 0) + n
        for key, n in data["stats"]["kinds"].items():
            kinds[key] = kinds.get(key, 0) + n
        problems += ["writer %d: %s" % (k, p) for p in data["problems"]]
    print("writers: %d, %d operations in %.0fs (%s), %d with the layout unchanged; tolerated: %s"
          % (args.writers, totals["ops"], args.seconds,
             ", ".join("%s %d" % kv for kv in sorted(kinds.items())), totals["stable"],
             ", ".join("%s %d" % kv for kv in sorted(tolerated.items())) or "none"), flush=True)
    if totals["stable"] < 100:
        problems.append("only %d operations ran with the layout unchanged: nothing was checked"
                        % totals["stable"])
    for p in problems[:50]:
        print("PROBLEM: " + p)
    return 1 if problems else 0


def cmd_verify(args):
    problems = []
    gen, branches = layout(args.union)
    final = {p for p, _ in branches}
    checked = {"present": 0, "absent": 0}
    exempt = {"present": 0, "absent": 0, "unknown": 0}
    writers = sorted(glob.glob(os.path.join(args.journal, "w*.json")))
    for path in writers:
        with open(path) as f:
            journal = json.load(f)["journal"]
        for n, state in sorted(journal.items()):
            if state[0] == "unknown":
                exempt["unknown"] += 1
            elif state[0] == "present":
                want, top = bytes.fromhex(state[1]), state[2]
                if top not in final:
                    exempt["present"] += 1
                    continue
                checked["present"] += 1
                got = read_or_none(os.path.join(args.union, n))
                if got != want:
                    problems.append("%s was last seen on %s (generation %d), still a branch, as %r; "
                                    "the union shows %r" % (n, top, state[3], want[:120],
                                                           got if got is None else got[:120]))
            else:
                evidence = state[1]
                if not set(evidence) <= final:
                    exempt["absent"] += 1
                    continue
                checked["absent"] += 1
                if lexists(os.path.join(args.union, n)):
                    problems.append("%s was deleted (generation %d; its copies and whiteouts then: %s, "
                                    "all still branches) but the union shows it"
                                    % (n, state[2], evidence or "none"))
    for k in range(len(writers)):
        for dirpath, _, filenames in os.walk(os.path.join(args.union, "w%d" % k)):
            names = os.listdir(dirpath)
            if len(names) != len(set(names)):
                problems.append("%s lists a name twice: %s" % (dirpath, sorted(names)))
            for n in names:
                p = os.path.join(dirpath, n)
                if n.startswith(".wh."):
                    problems.append("%s: a .wh. name shows in the union" % p)
                if not lexists(p):
                    problems.append("%s is listed but cannot be looked up" % p)
            for n in filenames:
                why = bad_lines(read_or_none(os.path.join(dirpath, n)), k)
                if why:
                    problems.append("%s, through the union: %s" % (os.path.join(dirpath, n), why))
    physical = 0
    for top in args.physical.split(","):
        for k in range(len(writers)):
            for dirpath, _, filenames in os.walk(os.path.join(top, "w%d" % k)):
                for n in filenames:
                    if n.startswith(".wh."):
                        continue
                    physical += 1
                    why = bad_lines(read_or_none(os.path.join(dirpath, n)), k)
                    if why:
                        problems.append("%s: %s" % (os.path.join(dirpath, n), why))
    print("verify: generation %d, %d branches; checked %d present and %d deleted names; exempt "
          "(their branch was removed, or the layout changed during their last operation): "
          "%d present, %d deleted, %d unknown; %d files in %d branch directories check"
          % (gen, len(branches), checked["present"], checked["absent"], exempt["present"],
             exempt["absent"], exempt["unknown"], physical, len(args.physical.split(","))),
          flush=True)
    if checked["present"] == 0:
        problems.append("no name was checked: the journals hold nothing on a remaining branch")
    for p in problems[:50]:
        print("PROBLEM: " + p)
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("seed")
    p.add_argument("--dir", required=True)
    p.add_argument("--writers", type=int, default=4)
    p = sub.add_parser("run")
    p.add_argument("--union", required=True)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--journal", required=True)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--hang", type=float, default=60)
    p = sub.add_parser("verify")
    p.add_argument("--union", required=True)
    p.add_argument("--journal", required=True)
    p.add_argument("--physical", required=True, help="every branch directory ever used, comma-separated")
    args = ap.parse_args()
    return {"seed": cmd_seed, "run": cmd_run, "verify": cmd_verify}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
