#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Model-checked concurrent stress on shared directories (test 153).

Processes work at once in the same directories, each on its own names:
process k owns every name beginning with "p<k>-" directly inside the shared
directories (d0..d3, their s0/s1 and s0/t0, s1/t0, made by `seed`) and
everything below its own directories. What it does is therefore
deterministic, and a per-process model predicts the outcome of every call
(success, or the errno it must fail with) and the whole final state, while
the shared directories and their parent chains are contended: creates,
writes and appends (copyups of its lower files), truncates, unlinks, renames
within and across directories and onto its own files, hard links,
mkdir/rmdir, directory renames across d0..d3 (its lower directory
p<k>-L too, which the union must copy for the rename), listings and reads
checked against the model as it goes.

  seed   --dir DIR --procs N --seed S     make the lower tree
  run    --root DIR --procs N --seed S --ops N --models FILE
         fork the processes (they start at a barrier), each does N
         operations; the final models go to FILE. Exit 1 on any outcome
         the model did not predict (printed with the seed and operation).
  verify --root DIR --models FILE [--writable DIR]
         the tree under DIR is exactly the shared directories plus every
         model's names, with the models' contents, sizes and hard links;
         no copyup temporary on the writable branch.

The same seed must give the same models on a union and on a plain
directory holding a copy of the lower tree: the plain run checks the
harness itself.
"""
import argparse
import errno
import hashlib
import json
import os
import random
import stat
import sys
import time

SHARED = []
for _d in range(4):
    SHARED.append("d%d" % _d)
    for _s in range(2):
        SHARED.append("d%d/s%d" % (_d, _s))
        SHARED.append("d%d/s%d/t0" % (_d, _s))
LOWER_FILES = 6


def content(rng, lo, hi):
    return rng.randbytes(rng.randint(lo, hi))


def lower_tree(procs, seed):
    """The seeded lower tree: {path: bytes or None for a directory}."""
    tree = {d: None for d in SHARED}
    for k in range(procs):
        rng = random.Random("lower/%s/%d" % (seed, k))
        for j in range(LOWER_FILES):
            d = SHARED[(k * 7 + j * 3) % len(SHARED)]
            tree["%s/p%d-l%d" % (d, k, j)] = content(rng, 1, 40000)
        ld = "d%d/p%d-L" % (k % 4, k)
        tree[ld] = None
        tree[ld + "/sub"] = None
        tree[ld + "/f0"] = content(rng, 1, 9000)
        tree[ld + "/f1"] = content(rng, 1, 9000)
        tree[ld + "/sub/f2"] = content(rng, 1, 9000)
    return tree


def cmd_seed(args):
    tree = lower_tree(args.procs, args.seed)
    for path in sorted(tree):
        full = os.path.join(args.dir, path)
        if tree[path] is None:
            os.makedirs(full, exist_ok=True)
        else:
            with open(full, "wb") as f:
                f.write(tree[path])
    return 0


class Mismatch(Exception):
    pass


class Model:
    """Process k's names: path -> ["f", inode] or ["d", lowerish]."""

    def __init__(self, k, procs, seed):
        self.k = k
        self.prefix = "p%d-" % k
        self.nodes = {}
        self.data = {}  # inode -> bytearray
        self.next_ino = 0
        for path, body in lower_tree(procs, seed).items():
            if not self.owns(path):
                continue
            if body is None:
                self.nodes[path] = ["d", True]  # merged with the lower branch
            else:
                self.nodes[path] = ["f", self.new_inode(body)]

    def owns(self, path):
        return any(part.startswith(self.prefix) for part in path.split("/"))

    def new_inode(self, body):
        self.next_ino += 1
        self.data[self.next_ino] = bytearray(body)
        return self.next_ino

    def files(self):
        return sorted(p for p, n in self.nodes.items() if n[0] == "f")

    def dirs(self):
        return sorted(p for p, n in self.nodes.items() if n[0] == "d")

    def nlink(self, ino):
        return sum(1 for n in self.nodes.values() if n == ["f", ino])

    def children(self, d):
        return sorted(p for p in self.nodes if p.startswith(d + "/") and "/" not in p[len(d) + 1:])

    def subtree(self, d):
        return sorted(p for p in self.nodes if p == d or p.startswith(d + "/"))

    def under_lowerish(self, path):
        """Whether path is in (or is) a directory still merged with the lower branch."""
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            n = self.nodes.get("/".join(parts[:i]))
            if n and n[0] == "d" and n[1]:
                return True
        return False

    def listing(self, container):
        """The names process k expects to see in container."""
        names = [p.rsplit("/", 1)[1] for p in self.children(container)]
        return sorted(names)

    def containers(self):
        """Where new names can go: the shared directories and its own ones."""
        return SHARED + self.dirs()

    def summary(self):
        out = {}
        for p, n in self.nodes.items():
            if n[0] == "d":
                out[p] = ["d"]
            else:
                body = bytes(self.data[n[1]])
                out[p] = ["f", len(body), hashlib.sha256(body).hexdigest(), "%d/%d" % (self.k, n[1])]
        return out


def errname(e):
    return "OK" if e is None else errno.errorcode.get(e, str(e))


class Worker:
    def __init__(self, k, root, procs, seed):
        self.k = k
        self.root = root
        self.m = Model(k, procs, seed)
        self.rng = random.Random("ops/%s/%d" % (seed, k))
        self.pool = ["p%d-%s" % (k, c) for c in "abcdefgh"] + ["p%d-l%d" % (k, j) for j in range(LOWER_FILES)]
        self.dpool = ["p%d-D%d" % (k, j) for j in range(6)]
        self.counter = 0

    def full(self, p):
        return os.path.join(self.root, p)

    def fresh(self, container, dir_name=False):
        """A name of its own that container does not hold (a name it
        deleted before is as good: a whiteout to create over)."""
        pool = self.dpool if dir_name else self.pool
        free = [n for n in pool if container + "/" + n not in self.m.nodes]
        if free:
            return container + "/" + self.rng.choice(free)
        self.counter += 1
        return container + "/p%d-%s%d" % (self.k, "N" if dir_name else "n", self.counter)

    def depth(self, p):
        return p.count("/")

    def pick_container(self, exclude_subtree=None, for_dir=False):
        cs = [c for c in self.m.containers()
              if not (exclude_subtree and (c == exclude_subtree or c.startswith(exclude_subtree + "/")))
              and (not for_dir or self.depth(c) < 5)]
        return self.rng.choice(cs)

    # --- the operations: each returns (description, expected errno or None,
    # the call, a model update to apply on success, a check of a result)

    def op(self):
        m, rng = self.m, self.rng
        files, dirs = m.files(), m.dirs()
        own_dirs = [d for d in dirs]
        kinds = ["create", "write", "append", "truncate", "read", "stat", "unlink", "rename_same",
                 "rename_cross", "rename_replace", "link", "mkdir", "rmdir", "rename_dir", "list",
                 "err_exists", "err_missing", "err_notempty", "err_into_self"]
        weights = [10, 8, 8, 3, 8, 3, 7, 5, 6, 3, 4, 4, 3, 5, 4, 1, 1, 1, 1]
        kind = rng.choices(kinds, weights)[0]
        if kind in ("write", "append", "truncate", "read", "stat", "unlink", "rename_same",
                    "rename_cross", "rename_replace", "link", "err_exists") and not files:
            kind = "create"
        if kind in ("rename_dir", "rmdir", "err_notempty", "err_into_self") and not own_dirs:
            kind = "mkdir"
        return getattr(self, "op_" + kind)(files, own_dirs)

    def op_create(self, files, dirs):
        p = self.fresh(self.pick_container())
        body = content(self.rng, 0, 12000)

        def call():
            fd = os.open(self.full(p), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            try:
                os.write(fd, body)
            finally:
                os.close(fd)

        def apply():
            self.m.nodes[p] = ["f", self.m.new_inode(body)]
        return "create %s (%d bytes)" % (p, len(body)), None, call, apply

    def op_err_exists(self, files, dirs):
        p = self.rng.choice(files + dirs)

        def call():
            os.close(os.open(self.full(p), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        return "create O_EXCL existing %s" % p, errno.EEXIST, call, None

    def op_err_missing(self, files, dirs):
        p = self.fresh(self.pick_container())
        return "unlink missing %s" % p, errno.ENOENT, lambda: os.unlink(self.full(p)), None

    def op_write(self, files, dirs):
        p = self.rng.choice(files)
        ino = self.m.nodes[p][1]
        off = self.rng.randint(0, len(self.m.data[ino]) + 100)
        body = content(self.rng, 1, 6000)

        def call():
            fd = os.open(self.full(p), os.O_RDWR)
            try:
                os.pwrite(fd, body, off)
            finally:
                os.close(fd)

        def apply():
            d = self.m.data[ino]
            if len(d) < off:
                d.extend(bytes(off - len(d)))
            d[off:off + len(body)] = body
        return "pwrite %s at %d (%d bytes)" % (p, off, len(body)), None, call, apply

    def op_append(self, files, dirs):
        p = self.rng.choice(files)
        ino = self.m.nodes[p][1]
        body = content(self.rng, 1, 3000)

        def call():
            fd = os.open(self.full(p), os.O_WRONLY | os.O_APPEND)
            try:
                os.write(fd, body)
            finally:
                os.close(fd)
        return "append %s (%d bytes)" % (p, len(body)), None, call, lambda: self.m.data[ino].extend(body)

    def op_truncate(self, files, dirs):
        p = self.rng.choice(files)
        ino = self.m.nodes[p][1]
        size = self.rng.randint(0, len(self.m.data[ino]) + 5000)

        def apply():
            d = self.m.data[ino]
            if size < len(d):
                del d[size:]
            else:
                d.extend(bytes(size - len(d)))
        return "truncate %s to %d" % (p, size), None, lambda: os.truncate(self.full(p), size), apply

    def op_read(self, files, dirs):
        p = self.rng.choice(files)
        ino = self.m.nodes[p][1]

        def call():
            with open(self.full(p), "rb") as f:
                got = f.read()
            want = bytes(self.m.data[ino])
            if got != want:
                at = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]),
                          min(len(got), len(want)))
                raise Mismatch("read %d bytes, the model has %d; first difference at %d"
                               % (len(got), len(want), at))
        return "read %s" % p, None, call, None

    def op_stat(self, files, dirs):
        p = self.rng.choice(files)
        ino = self.m.nodes[p][1]

        def call():
            st = os.lstat(self.full(p))
            want = (len(self.m.data[ino]), self.m.nlink(ino))
            if not stat.S_ISREG(st.st_mode) or (st.st_size, st.st_nlink) != want:
                raise Mismatch("mode %o size %d nlink %d, the model has a file of size %d nlink %d"
                               % (st.st_mode, st.st_size, st.st_nlink, want[0], want[1]))
        return "stat %s" % p, None, call, None

    def op_list(self, files, dirs):
        c = self.pick_container()
        shared = c in SHARED

        def call():
            names = sorted(n for n in os.listdir(self.full(c))
                           if not shared or n.startswith(self.m.prefix))
            if names != self.m.listing(c):
                raise Mismatch("listed %s, the model has %s" % (names, self.m.listing(c)))
        return "list %s" % c, None, call, None

    def op_unlink(self, files, dirs):
        p = self.rng.choice(files)

        def apply():
            del self.m.nodes[p]
        return "unlink %s" % p, None, lambda: os.unlink(self.full(p)), apply

    def _rename_file(self, p, q, what):
        def apply():
            self.m.nodes[q] = self.m.nodes.pop(p)
        return "%s %s -> %s" % (what, p, q), None, lambda: os.rename(self.full(p), self.full(q)), apply

    def linked_into_lowerish(self, p, dest):
        return self.m.nlink(self.m.nodes[p][1]) > 1 and self.m.under_lowerish(dest)

    def op_rename_same(self, files, dirs):
        p = self.rng.choice(files)
        q = self.fresh(p.rsplit("/", 1)[0])
        if self.linked_into_lowerish(p, q):
            return self.op_read(files, dirs)
        return self._rename_file(p, q, "rename")

    def op_rename_cross(self, files, dirs):
        p = self.rng.choice(files)
        q = self.fresh(self.pick_container())
        if self.linked_into_lowerish(p, q):
            return self.op_read(files, dirs)
        return self._rename_file(p, q, "rename across")

    def op_rename_replace(self, files, dirs):
        p = self.rng.choice(files)
        q = self.rng.choice(files)
        if p == q or self.linked_into_lowerish(p, q):
            return self.op_rename_cross(files, dirs)
        if self.m.nodes[p] == self.m.nodes[q]:
            # Hard links of one inode: rename does nothing at all.
            return "rename onto own hard link %s -> %s" % (p, q), None, \
                lambda: os.rename(self.full(p), self.full(q)), None
        return self._rename_file(p, q, "rename replacing")

    def op_link(self, files, dirs):
        p = self.rng.choice(files)
        q = self.fresh(self.pick_container())
        if self.m.under_lowerish(p) or self.m.under_lowerish(q):
            # A directory the union must copy for a rename would split the
            # links (doc/design.md, known gaps): no links in or out of those.
            return self.op_append(files, dirs)

        def apply():
            self.m.nodes[q] = list(self.m.nodes[p])
        return "link %s -> %s" % (p, q), None, lambda: os.link(self.full(p), self.full(q)), apply

    def op_mkdir(self, files, dirs):
        d = self.fresh(self.pick_container(for_dir=True), dir_name=True)

        def apply():
            self.m.nodes[d] = ["d", False]
        return "mkdir %s" % d, None, lambda: os.mkdir(self.full(d)), apply

    def op_rmdir(self, files, dirs):
        empty = [d for d in dirs if not self.m.children(d)]
        if not empty:
            return self.op_err_notempty(files, dirs)
        d = self.rng.choice(empty)

        def apply():
            del self.m.nodes[d]
        return "rmdir %s" % d, None, lambda: os.rmdir(self.full(d)), apply

    def op_err_notempty(self, files, dirs):
        full = [d for d in dirs if self.m.children(d)]
        if not full:
            return self.op_mkdir(files, dirs)
        d = self.rng.choice(full)
        return "rmdir non-empty %s" % d, errno.ENOTEMPTY, lambda: os.rmdir(self.full(d)), None

    def op_err_into_self(self, files, dirs):
        d = self.rng.choice(dirs)
        q = self.fresh(d, dir_name=True)
        return "rename %s into itself as %s" % (d, q), errno.EINVAL, \
            lambda: os.rename(self.full(d), self.full(q)), None

    def op_rename_dir(self, files, dirs):
        d = self.rng.choice(dirs)
        c = self.pick_container(exclude_subtree=d, for_dir=True)
        q = self.fresh(c, dir_name=True)
        moved = self.m.subtree(d)
        linked = any(self.m.nodes[p][0] == "f" and self.m.nlink(self.m.nodes[p][1]) > 1 for p in moved)
        if linked and (self.m.under_lowerish(q) or self.m.under_lowerish(d)):
            return self.op_list(files, dirs)

        def apply():
            was_lowerish = self.m.under_lowerish(d)
            for p in moved:
                n = self.m.nodes.pop(p)
                if n[0] == "d" and was_lowerish:
                    n = ["d", False]  # copied whole to the writable branch
                self.m.nodes[q + p[len(d):]] = n
        return "rename dir %s -> %s (%d names)" % (d, q, len(moved)), None, \
            lambda: os.rename(self.full(d), self.full(q)), apply

    def run(self, ops, log):
        for i in range(ops):
            desc, want, call, apply = self.op()
            got = None
            detail = ""
            try:
                call()
            except OSError as e:
                got = e.errno
                detail = str(e)
            except Mismatch as e:
                raise Mismatch("operation %d, %s: %s" % (i, desc, e))
            log.append(desc)
            if got != want:
                raise Mismatch("operation %d, %s: %s, the model expected %s%s"
                               % (i, desc, errname(got), errname(want),
                                  " (%s)" % detail if detail else ""))
            if apply and got is None:
                apply()


def cmd_run(args):
    r, w = os.pipe()
    children = {}
    tmp = args.models + ".tmp"
    os.makedirs(tmp, exist_ok=True)
    t0 = time.monotonic()
    for k in range(args.procs):
        pid = os.fork()
        if pid == 0:
            os.close(w)
            os.read(r, 1)
            code = 0
            log = []
            worker = Worker(k, args.root, args.procs, args.seed)
            try:
                worker.run(args.ops, log)
                kinds = {}
                for d in log:
                    kind = " ".join(w for w in d.split()[:3] if "/" not in w and "(" not in w and w not in SHARED)
                    kinds[kind] = kinds.get(kind, 0) + 1
                result = {"model": worker.m.summary(), "ops": len(log), "kinds": kinds}
            except Mismatch as e:
                result = {"problem": "process %d: %s" % (k, e), "last": log[-8:]}
                code = 1
            except BaseException as e:  # never fall back into the parent's code
                result = {"problem": "process %d crashed: %r" % (k, e), "last": log[-8:]}
                code = 1
            with open(os.path.join(tmp, "%d.json" % k), "w") as f:
                json.dump(result, f)
            os._exit(code)
        children[pid] = k
    os.close(r)
    time.sleep(0.2)
    os.close(w)  # the barrier opens
    problems = []
    models = {}
    total = 0
    kinds = {}
    for pid, k in children.items():
        _, status = os.waitpid(pid, 0)
        try:
            with open(os.path.join(tmp, "%d.json" % k)) as f:
                result = json.load(f)
        except OSError:
            result = {"problem": "process %d left no result (status %d)" % (k, status)}
        if "problem" in result:
            problems.append(result["problem"])
            for d in result.get("last", []):
                problems.append("  process %d did before: %s" % (k, d))
        else:
            models[str(k)] = result["model"]
            total += result["ops"]
            for kind, n in result["kinds"].items():
                kinds[kind] = kinds.get(kind, 0) + n
        if os.path.exists(os.path.join(tmp, "%d.json" % k)):
            os.unlink(os.path.join(tmp, "%d.json" % k))
    os.rmdir(tmp)
    with open(args.models, "w") as f:
        json.dump(models, f, sort_keys=True)
    print("%s: %d processes, %d operations in %.1fs, every outcome as the model predicted%s"
          % (args.root, args.procs, total, time.monotonic() - t0, "" if not problems else " but:"))
    if kinds:
        print("  " + ", ".join("%s %d" % kv for kv in sorted(kinds.items(), key=lambda kv: -kv[1])))
    for p in problems:
        print("PROBLEM (seed %d): %s" % (args.seed, p))
    return 1 if problems else 0


def cmd_verify(args):
    with open(args.models) as f:
        models = json.load(f)
    want = {d: ["d"] for d in SHARED}
    for k, model in models.items():
        want.update(model)
    problems = []
    seen = {}
    for dirpath, dirnames, filenames in os.walk(args.root):
        for n in dirnames + filenames:
            full = os.path.join(dirpath, n)
            rel = os.path.relpath(full, args.root)
            if rel == "lost+found" or rel.startswith("lost+found/"):
                continue
            st = os.lstat(full)
            if stat.S_ISDIR(st.st_mode):
                seen[rel] = ["d"]
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    body = f.read()
                seen[rel] = ["f", len(body), hashlib.sha256(body).hexdigest(), (st.st_ino, st.st_nlink)]
                if len(body) != st.st_size:
                    problems.append("%s: read %d bytes, st_size %d" % (rel, len(body), st.st_size))
            else:
                seen[rel] = ["?", stat.S_IFMT(st.st_mode)]
    for p in sorted(set(want) | set(seen)):
        w, s = want.get(p), seen.get(p)
        if s is None:
            problems.append("%s is missing (the model has %s)" % (p, w[0]))
        elif w is None:
            problems.append("%s is there, but in no model (%s)" % (p, s[0]))
        elif w[0] != s[0] or w[1:3] != s[1:3]:
            problems.append("%s: %s, the model has %s" % (p, s[:3], w[:3]))
    # Hard links: one model inode, one inode with that many links.
    groups = {}
    for p, w in want.items():
        if w[0] == "f" and p in seen and seen[p][0] == "f":
            groups.setdefault(w[3], []).append(p)
    inos = {}
    for g, paths in sorted(groups.items()):
        ids = sorted(set(seen[p][3] for p in paths))
        if len(ids) != 1 or ids[0][1] != len(paths):
            problems.append("hard links %s: (inode, nlink) %s, the model has one inode with %d links"
                            % (paths, ids, len(paths)))
        for i in ids:
            if i[0] in inos and inos[i[0]] != g:
                problems.append("%s and %s share inode %d, the model has separate files"
                                % (paths, groups[inos[i[0]]], i[0]))
            inos[i[0]] = g
    for top in args.writable or []:
        for dirpath, dirnames, filenames in os.walk(top):
            for n in dirnames + filenames:
                if n.startswith(".wh.__ufs_copyup"):
                    problems.append("copyup temporary left: %s" % os.path.join(dirpath, n))
    names = sum(len(m) for m in models.values())
    print("%s: %d names of %d models checked%s" % (args.root, names, len(models),
                                                  "" if not problems else ", problems:"))
    for p in problems[:40]:
        print("PROBLEM: " + p)
    if len(problems) > 40:
        print("PROBLEM: ... and %d more" % (len(problems) - 40))
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--dir", required=True)
    s.add_argument("--procs", type=int, default=6)
    s.add_argument("--seed", type=int, required=True)
    r = sub.add_parser("run")
    r.add_argument("--root", required=True)
    r.add_argument("--procs", type=int, default=6)
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--ops", type=int, default=500)
    r.add_argument("--models", required=True)
    v = sub.add_parser("verify")
    v.add_argument("--root", required=True)
    v.add_argument("--models", required=True)
    v.add_argument("--writable", action="append")
    args = ap.parse_args()
    return {"seed": cmd_seed, "run": cmd_run, "verify": cmd_verify}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
