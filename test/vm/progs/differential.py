#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Differential test of the union's write path (run in the guest as root).

For each configuration (a branch layout and a delete mode) it builds random
branches under WORKDIR, mounts the union, copies its merged view to a plain
reference directory (cp -a), then applies the same random operations
(create, write, append, truncate, open with O_TRUNC, rename of files and
directories, renameat2(RENAME_EXCHANGE) of any two names, link, symlink,
unlink, mkdir, rmdir, chmod, chown, setxattr and removexattr of user.*
names) to the union and to the reference. Every
operation must succeed or fail with the same errno on both; after every
batch the two trees must be identical (names, types, sizes, contents, modes,
owners, link counts, user.* xattrs, symlink targets) and the read-only
branches byte-for-byte unchanged. At the end the union is mounted again and
compared once more. The first divergence is reported with the tail of the
operation log, and the exit status is 1.

delete=first is not POSIX: removing a name takes away only its top instance,
and a lower one shows through. The reference follows that: before a removal
(unlink, rmdir, the source of a rename) the script resolves the name on the
branches as the union's lookup does and, if the top instance sits on a
writable branch, puts what lies beneath into the reference afterwards. That
configuration is only run over read-only lower branches, which never change.

Hard links are made only where they land on the top branch (a source on a
writable lower branch is linked in that branch, as the union should, and so
is a source on a read-only branch below one, copied there first; a later
copy of that branch's objects onto the top would rightly break the link,
which a plain directory cannot model); the write-path table test (tests/120)
covers links on lower branches.

With --hold, a directory may also be held open in both trees, as a shell's working
directory is, and some operations go through it (/proc/self/fd/N/NAME):
renames move it, and through it the union must act on what it shows under
the directory's current name, never on a lower tree that a rename left
behind (test 199). A regular file may be held open (read-write) in both
trees too: writes and reads through it must agree with the reference
whatever happens to its names meanwhile (copies, renames of directories
above it, removal), also where read-only branches hold hard links (seed
4242, rw-rw-ro:all, found a directory rename copying such a file apart
from its other names); not with --nfs, where the client keeps a removed
open file as a .nfsXXXX name (silly rename); a held directory there too,
where an operation through it once it is removed is ESTALE, as on any
NFS export, where a local filesystem says ENOENT: that pair counts as
equal.
Held objects and their operations have their own random stream, so the
other operations of a seed stay the same. --hold runs under make
check-long (tests 140 and 203).

With --churn, the union's branches also change between operations in ways
that must not change what the union shows or where writes land: a new
generation (remount incgen), an empty read-only branch added at the bottom,
switched between ro and nfsro, and removed again. Every cached lookup is
then resolved again under a new layout; the trees must stay identical. The
churn has its own random stream: the operations are those of the same seed
without --churn.

With --nfs V4ROOT, the union is exported by the kernel's NFS server
(fsid=, loopback; the caller has started rpcbind, mountd and nfsd and
exported V4ROOT, a directory above WORKDIR, as the NFSv4 pseudo root) and
the operations go through an NFSv4.2 client mount of it; the churn also
drops the server's caches. renameat2(RENAME_EXCHANGE) is left out there:
NFS has none. And link() of a directory to an existing name may fail with
EPERM where a local filesystem says EEXIST: with no cached entry for the
new name, Linux's NFS client skips its lookup (an exclusive create) and
vfs_link() refuses the directory before the server is asked (seen in a
trace: the server never looked the name up). That pair counts as equal.

Usage: differential.py --workdir DIR [--seed N] [--ops N] [--batch N]
                       [--config LAYOUT:MODE ...] [--dump-before N] [--churn]
(--dump-before N with the seed and configuration of a divergence prints
the branches as they were right before operation N.)
"""
import argparse
import ctypes
import errno
import hashlib
import os
import random
import stat
import subprocess
import sys
import time

LAYOUTS = {
    "rw-ro": ["rw", "ro"],
    "rw-rw": ["rw", "rw"],
    "rw-ro-ro": ["rw", "ro", "ro"],
    "rw-rw-ro": ["rw", "rw", "ro"],
}
DEFAULT_CONFIGS = [
    "rw-ro:all", "rw-ro:whiteout", "rw-ro:first",
    "rw-rw:all", "rw-rw:whiteout",
    "rw-ro-ro:all", "rw-ro-ro:whiteout", "rw-ro-ro:first",
    "rw-rw-ro:all",
]
NAMES = ["a", "b", "c", "d", "e"]
FILE_MODES = [0o644, 0o600, 0o755, 0o640, 0o444, 0o604]
DIR_MODES = [0o755, 0o700, 0o750, 0o711]
OWNERS = [(0, 0), (1000, 1000), (1234, 5678)]
XATTR_KEYS = ["user.k0", "user.k1", "user.k2"]
WH = ".wh."
OPAQUE = (".wh.__dir_opaque", ".wh..wh..opq")


_LIBC = ctypes.CDLL(None, use_errno=True)
SYS_RENAMEAT2 = 316  # x86_64
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def exchange(a, b):
    """renameat2(a, b, RENAME_EXCHANGE); raises OSError."""
    if _LIBC.syscall(SYS_RENAMEAT2, AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b),
                     RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


class Divergence(Exception):
    pass


def ename(err):
    return errno.errorcode.get(err, str(err)) if err else "OK"


def lstat_or_none(path):
    try:
        return os.lstat(path)
    except OSError:  # ENOENT, ENOTDIR, ELOOP: nothing there to model
        return None


def user_xattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError as e:
        return "listxattr:" + ename(e.errno)
    out = []
    for n in sorted(names):
        if n.startswith("user.") or n.startswith("system.posix_acl"):
            try:
                out.append((n, os.getxattr(path, n, follow_symlinks=False)))
            except OSError as e:
                out.append((n, "getxattr:" + ename(e.errno)))
    return out


def describe_tree(root, check_nlink):
    """{relative path: description} of everything under root."""
    out = {}

    def walk(rel):
        full = os.path.join(root, rel) if rel else root
        for name in sorted(os.listdir(full)):
            r = os.path.join(rel, name) if rel else name
            p = os.path.join(root, r)
            st = os.lstat(p)
            fmt = stat.S_IFMT(st.st_mode)
            d = {
                "type": {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "symlink",
                         stat.S_IFIFO: "fifo"}.get(fmt, oct(fmt)),
                "mode": oct(stat.S_IMODE(st.st_mode)),
                "owner": "%d:%d" % (st.st_uid, st.st_gid),
                "xattrs": user_xattrs(p),
            }
            if fmt != stat.S_IFDIR:
                d["size"] = st.st_size
                if check_nlink:
                    d["nlink"] = st.st_nlink
            if fmt == stat.S_IFREG:
                with open(p, "rb") as f:
                    data = f.read()
                d["content"] = hashlib.sha256(data).hexdigest()[:16] + " (%d bytes)" % len(data)
            elif fmt == stat.S_IFLNK:
                d["target"] = os.readlink(p)
            out[r] = d
            if fmt == stat.S_IFDIR:
                walk(r)

    walk("")
    return out


def hash_branch(root):
    """A digest of everything about a branch a write could change (not atimes)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames) + ["."]:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            h.update(repr((os.path.relpath(p, root), st.st_mode, st.st_uid, st.st_gid,
                           st.st_size if not stat.S_ISDIR(st.st_mode) else 0,
                           st.st_mtime_ns, st.st_nlink if not stat.S_ISDIR(st.st_mode) else 0,
                           st.st_rdev)).encode())
            try:
                for n in sorted(os.listxattr(p, follow_symlinks=False)):
                    h.update(n.encode() + os.getxattr(p, n, follow_symlinks=False))
            except OSError:
                pass
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    h.update(f.read())
            elif stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(p).encode())
    return h.hexdigest()


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stdout.strip()))


class Config:
    def __init__(self, workdir, layout, mode, seed, nops, batch, log_tail, dump_before=0,
                 churn=False, nfs_root=None, hold=False):
        self.layout, self.mode = layout, mode
        self.name = "%s delete=%s" % (layout, mode)
        self.rng = random.Random("%s/%s/%s" % (seed, layout, mode))
        self.nops, self.batch, self.log_tail = nops, batch, log_tail
        self.dump_before = dump_before
        self.seed = seed
        self.dir = os.path.join(workdir, "%s-%s" % (layout, mode))
        self.modes = LAYOUTS[layout]
        self.branches = [os.path.join(self.dir, "b%d" % i) for i in range(len(self.modes))]
        self.union = os.path.join(self.dir, "u")
        # Where the operations go: the union, or an NFS client of it.
        self.nfs_root = nfs_root
        self.view = os.path.join(self.dir, "nfs") if nfs_root else self.union
        self.fsid = 100 + sum(map(ord, self.name)) % 1000
        self.ref = os.path.join(self.dir, "ref")
        self.log = []
        self.churn = churn
        self.churn_rng = random.Random("%s/%s/%s/churn" % (seed, layout, mode))
        self.held_rng = random.Random("%s/%s/%s/held" % (seed, layout, mode))
        self.held = None        # (union fd, reference fd) of the held directory
        self.held_ops = 0       # operations made through a held directory or file
        self.hold_objects = hold
        self.held_file = None   # (union fd, reference fd) of the held file
        self.extra = None       # the empty bottom branch the churn added, if any
        self.extra_mode = "ro"
        self.extras_made = 0
        self.done = 0
        self.compares = 0
        # Hard links are only made on the top branch (see pick_op), where no
        # removal leaves a hidden name of them behind: link counts are exact.
        lower_rw = [i for i in range(1, len(self.modes)) if self.modes[i] == "rw"]
        self.lower_rw = bool(lower_rw)
        self.check_nlink = True
        if mode == "first" and lower_rw:
            raise SystemExit("delete=first is only modelled over read-only lower branches")

    # --- setup -------------------------------------------------------------

    def populate(self, b, root):
        rng = self.rng
        os.makedirs(root)
        for _ in range(rng.randint(8, 16)):
            depth = rng.choice([1, 1, 2, 2, 3])
            parts = [rng.choice(NAMES) for _ in range(depth)]
            cur = root
            ok = True
            for part in parts[:-1]:
                cur = os.path.join(cur, part)
                st = lstat_or_none(cur)
                if st is None:
                    os.mkdir(cur, rng.choice(DIR_MODES))
                elif not stat.S_ISDIR(st.st_mode):
                    ok = False
                    break
            if not ok:
                continue
            p = os.path.join(cur, parts[-1])
            if lstat_or_none(p) is not None:
                continue
            kind = rng.random()
            if kind < 0.55:
                with open(p, "wb") as f:
                    f.write(rng.randbytes(rng.randint(0, 3000)))
                os.chmod(p, rng.choice(FILE_MODES))
            elif kind < 0.8:
                os.mkdir(p, rng.choice(DIR_MODES))
            elif kind < 0.9:
                os.symlink(rng.choice(NAMES + ["nowhere"]), p)
            else:
                # a whiteout hiding the name in the branches below
                open(os.path.join(cur, WH + parts[-1]), "wb").close()
                continue
            uid, gid = rng.choice(OWNERS)
            os.lchown(p, uid, gid)
            if not stat.S_ISLNK(os.lstat(p).st_mode) and rng.random() < 0.3:
                os.setxattr(p, rng.choice(XATTR_KEYS), rng.randbytes(rng.randint(1, 20)))
        # a few opaque directories
        for dirpath, dirnames, _ in os.walk(root):
            dirnames.sort()  # readdir order differs between filesystems; the seed must not
            if dirpath != root and rng.random() < 0.15:
                open(os.path.join(dirpath, rng.choice(OPAQUE)), "wb").close()

    def lower_links_modelled(self, b):
        """Hard links on read-only lower branch b: the union keeps their names
        one file across copyup, which the reference (cp -a of the union, so
        linked too) models. Not under delete=first, where removing a copy
        brings a lower name back (as a name of the copy: no plain directory
        does that), nor under --churn (a branch made rw makes its names
        files of their own)."""
        return b > 0 and self.modes[b] == "ro" and self.mode != "first" and not self.churn

    def shows(self, b, rel):
        """Is rel, in the union, the object of branch b?"""
        inst = self.resolve(rel)
        return bool(inst) and inst[0][0] == b

    def add_lower_links(self, b):
        """A few more names for files of branch b, all of them seen in the
        union: a hidden name would still count in the link count (on a
        union as on overlayfs), which the reference cannot show."""
        rng, root = self.rng, self.branches[b]
        files = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for n in sorted(filenames):
                p = os.path.join(dirpath, n)
                rel = os.path.relpath(p, root)
                if (not n.startswith(WH) and stat.S_ISREG(os.lstat(p).st_mode)
                        and self.shows(b, rel)):
                    files.append(rel)
        dirs = sorted(set(os.path.dirname(f) for f in files))
        for _ in range(min(len(files), rng.randint(1, 3))):
            src = rng.choice(files)
            dest = os.path.join(rng.choice(dirs), rng.choice(NAMES))
            full = os.path.join(root, dest)
            if lstat_or_none(full) is not None or os.lstat(os.path.join(root, src)).st_nlink > 1:
                continue
            os.link(os.path.join(root, src), full)
            if not self.shows(b, dest):
                os.unlink(full)

    def setup(self):
        os.makedirs(self.dir)
        for b, root in enumerate(self.branches):
            self.populate(b, root)
        for b in range(len(self.branches)):
            if self.lower_links_modelled(b):
                self.add_lower_links(b)
        os.mkdir(self.union)
        self.mount()
        os.mkdir(self.ref)
        run(["cp", "-a", self.union + "/.", self.ref + "/"])
        self.ro_hashes = {b: hash_branch(self.branches[b]) for b in self.ro_indexes()}

    def ro_indexes(self):
        return [i for i, m in enumerate(self.modes) if m == "ro"]

    def mount(self):
        dirs = ":".join("%s=%s" % (root, m) for root, m in zip(self.branches, self.modes))
        run(["mount", "-t", "unionfs", "-o", "dirs=%s,delete=%s" % (dirs, self.mode), "none", self.union])
        if self.nfs_root:
            run(["exportfs", "-o", "fsid=%d,rw,no_root_squash,no_subtree_check,sync" % self.fsid,
                 "127.0.0.1:" + self.union])
            os.makedirs(self.view, exist_ok=True)
            run(["mount", "-t", "nfs", "-o", "vers=4.2,noac,timeo=50,retrans=3",
                 "127.0.0.1:/" + os.path.relpath(self.union, self.nfs_root), self.view])

    def umount(self):
        if self.nfs_root:
            run(["umount", self.view])
            # nfsd lets go of the union's files only when it stops (a v4
            # client's opens, v3's file cache): as a server restart does.
            run(["rpc.nfsd", "0"])
            run(["exportfs", "-u", "127.0.0.1:" + self.union])
            run(["umount", self.union])
            run(["rpc.nfsd", "-G", "10", "-L", "10", "2"])
            return
        run(["umount", self.union])

    def remount(self, option):
        run(["mount", "-o", "remount," + option, self.union])
        self.log.append("   churn: remount %s" % option)

    def churn_once(self):
        """One change of the branches that leaves the union's view as it is."""
        r = self.churn_rng.random()
        if self.nfs_root and r < 0.2:
            run(["sync"])
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("3")
            self.log.append("   churn: the server's caches dropped")
        elif r < 0.4:
            self.remount("incgen")
        elif self.extra is None:
            self.extras_made += 1
            self.extra = os.path.join(self.dir, "extra%d" % self.extras_made)
            os.mkdir(self.extra)
            self.extra_mode = "ro"
            self.remount("add=:%s=ro" % self.extra)
        elif r < 0.7:
            self.drop_extra()
        else:
            self.extra_mode = "nfsro" if self.extra_mode == "ro" else "ro"
            self.remount("mode=%s=%s" % (self.extra, self.extra_mode))

    def drop_extra(self):
        if self.extra is not None:
            self.release_held()  # an open directory may hold the branch (EBUSY)
            self.remount("del=%s" % self.extra)
            os.rmdir(self.extra)
            self.extra = None

    # --- the union's lookup on the branches, for delete=first ---------------

    def resolve_level(self, cand, parent_rel, name, skip=None):
        """Instances [(branch, path, stat)] of name in the directories
        parent_rel of the branches cand, top first, as the union's lookup
        finds them; skip=(branch, rel) counts as absent."""
        found = []
        rel = os.path.join(parent_rel, name) if parent_rel else name
        for b in cand:
            parent = os.path.join(self.branches[b], parent_rel)
            p = os.path.join(parent, name)
            st = None if skip == (b, rel) else lstat_or_none(p)
            wh = lstat_or_none(os.path.join(parent, WH + name)) is not None
            if st is not None:
                if found and not stat.S_ISDIR(st.st_mode):
                    break  # a lower non-directory stays hidden below a directory
                found.append((b, p, st))
                if not stat.S_ISDIR(st.st_mode):
                    break
                if wh or any(lstat_or_none(os.path.join(p, o)) for o in OPAQUE):
                    break
            elif wh:
                break
        return found

    def resolve(self, rel, skip=None):
        parts = rel.split("/")
        cand = list(range(len(self.branches)))
        for i, name in enumerate(parts):
            found = self.resolve_level(cand, "/".join(parts[:i]), name, skip)
            if i == len(parts) - 1:
                return found
            if not found or not stat.S_ISDIR(found[0][2].st_mode):
                return []
            cand = [b for b, _, _ in found]
        return []

    def materialize(self, dest, rel, instances):
        """Puts into the reference at dest what the instances show."""
        b, p, st = instances[0]
        if stat.S_ISDIR(st.st_mode):
            os.mkdir(dest)
            names = []
            for _, dp, _ in instances:
                for n in sorted(os.listdir(dp)):
                    if not n.startswith(WH) and n not in names:
                        names.append(n)
            cand = [ib for ib, _, _ in instances]
            for n in names:
                child = self.resolve_level(cand, rel, n)
                if child:
                    self.materialize(os.path.join(dest, n), os.path.join(rel, n), child)
        elif stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(p), dest)
        elif stat.S_ISREG(st.st_mode):
            with open(p, "rb") as src, open(dest, "wb") as out:
                out.write(src.read())
        else:
            raise RuntimeError("cannot model %s" % p)
        os.lchown(dest, st.st_uid, st.st_gid)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(dest, stat.S_IMODE(st.st_mode))
            for n, v in user_xattrs(p):
                os.setxattr(dest, n, v)

    def reveal_plan(self, rel):
        """For delete=first: what shows at rel once its top instance is removed."""
        if self.mode != "first":
            return None
        inst = self.resolve(rel)
        if not inst or self.modes[inst[0][0]] != "rw":
            return None
        rest = self.resolve(rel, skip=(inst[0][0], rel))
        return rest or None

    # --- operations -----------------------------------------------------------

    def existing(self):
        """Paths in the reference, by kind."""
        files, dirs, others = [], [], []

        def scan(full, rel):
            with os.scandir(full) as it:
                for e in it:
                    r = rel + e.name
                    if e.is_dir(follow_symlinks=False):
                        dirs.append(r)
                        scan(e.path, r + "/")
                    elif e.is_file(follow_symlinks=False):
                        files.append(r)
                    else:
                        others.append(r)

        scan(self.ref, "")
        return sorted(files), sorted(dirs), sorted(others)

    def random_path(self, dirs):
        rng = self.rng
        parent = rng.choice(dirs + ["", "", ""]) if dirs else ""
        if rng.random() < 0.05:
            parent = "/".join(rng.choice(NAMES) for _ in range(rng.randint(1, 2)))
        name = rng.choice(NAMES)
        return parent + "/" + name if parent else name

    def pick_op(self):
        rng = self.rng
        files, dirs, others = self.existing()
        anything = files + dirs + others
        somep = lambda: rng.choice(anything) if anything and rng.random() < 0.9 else self.random_path(dirs)
        somef = lambda: rng.choice(files) if files and rng.random() < 0.9 else somep()
        somed = lambda: rng.choice(dirs) if dirs and rng.random() < 0.9 else somep()
        newp = lambda: self.random_path(dirs)
        data = lambda: rng.randbytes(rng.randint(0, 2500))
        kind = rng.choices(
            ["create", "write", "append", "truncate", "otrunc", "rename", "renamedir", "link",
             "symlink", "unlink", "mkdir", "rmdir", "chmod", "chown", "setxattr", "removexattr",
             "exchange"],
            [10, 8, 6, 4, 3, 8, 5, 4, 2, 8, 7, 5, 4, 2, 4, 2, 5])[0]
        if kind == "create":
            return (kind, newp(), rng.choice(FILE_MODES), data())
        if kind == "write":
            return (kind, somef(), rng.randint(0, 3500), data())
        if kind == "append":
            return (kind, somef(), data())
        if kind == "truncate":
            return (kind, somef(), rng.randint(0, 4000))
        if kind == "otrunc":
            return (kind, somef(), data())
        if kind == "rename":
            return (kind, somef(), rng.choice([newp(), somep()]))
        if kind == "exchange":
            if self.nfs_root:
                return self.pick_op()
            return (kind, somep(), rng.choice([somep(), somef(), somed()]))
        if kind == "renamedir":
            return ("rename", somed(), rng.choice([newp(), newp(), somed()]))
        if kind == "link":
            src = somef()
            if self.source_on_lower_rw(src):
                return self.pick_op()
            return (kind, src, newp())
        if kind == "symlink":
            return (kind, rng.choice(NAMES + ["nowhere"]), newp())
        if kind == "unlink":
            return (kind, somef())
        if kind == "mkdir":
            return (kind, newp(), rng.choice(DIR_MODES))
        if kind == "rmdir":
            return (kind, somed())
        if kind == "chmod":
            p = somep()
            return (kind, p, rng.choice(DIR_MODES if p in dirs else FILE_MODES))
        if kind == "chown":
            return (kind, somep()) + rng.choice(OWNERS)
        if kind == "setxattr":
            return (kind, somep(), rng.choice(XATTR_KEYS), rng.randbytes(rng.randint(1, 30)))
        return (kind, somep(), rng.choice(XATTR_KEYS))

    def source_on_lower_rw(self, src):
        """A hard link made on a writable lower branch (the source's own, or
        the one a source on a read-only branch is copied up to first: the
        nearest writable one above) is one inode there; a later copy of that
        branch's objects (a directory rebuilt on top, a blocked parent
        chain) rightly breaks it, which no plain directory models. Links
        are made where they land on the top branch only."""
        if not self.lower_rw:
            return False
        real = self.real_path(src)
        inst = self.resolve(real) if real else []
        if not inst:
            return False
        b = inst[0][0]
        if self.modes[b] != "rw":
            b = max([i for i in range(b) if self.modes[i] == "rw"], default=0)
        return b > 0

    # --- a held directory -------------------------------------------------------

    PATH_ARGS = {"rename": (1, 2), "exchange": (1, 2), "link": (1, 2), "symlink": (2,)}

    @staticmethod
    def close_all(fds):
        for fd in fds or ():
            if fd >= 0:
                os.close(fd)

    def release_held(self):
        self.close_all(self.held)
        self.close_all(self.held_file)
        self.held = self.held_file = None

    def open_in_both(self, rel, flags, what):
        """rel opened with flags in the union and in the reference: (union fd,
        reference fd), or None when both refuse it alike."""
        fds = []
        for root in (self.view, self.ref):
            try:
                fds.append(os.open(os.path.join(root, rel), flags))
            except OSError as e:
                fds.append(-e.errno)
        self.log.append("   %s %s" % (what, rel or "."))
        if min(fds) >= 0:
            return tuple(fds)
        self.close_all(fds)
        if fds[0] != fds[1]:
            raise Divergence("%s %s: union %s, reference %s" % (what, rel, fds[0], fds[1]))
        return None

    def hold_file(self):
        """Opens a random regular file read-write in both trees (the union
        copies it up), closing the one held."""
        files = self.existing()[0]
        if not files:
            return
        rel = self.held_rng.choice(files)
        self.close_all(self.held_file)
        self.held_file = None
        self.held_file = self.open_in_both(rel, os.O_RDWR, "hold file")

    def held_file_step(self):
        """A write through the held file, or a read that must match."""
        rng = self.held_rng
        self.held_ops += 1
        if rng.random() < 0.5:
            data, offset = rng.randbytes(rng.randint(1, 1500)), rng.randint(0, 3500)
            results = []
            for fd in self.held_file:
                try:
                    results.append(os.pwrite(fd, data, offset))
                except OSError as e:
                    results.append(-e.errno)
            self.done += 1
            self.log.append("#%d write %d bytes at %d through the held file: union %s, reference %s"
                            % (self.done, len(data), offset, results[0], results[1]))
            if results[0] != results[1]:
                raise Divergence("write through the held file: union %s, reference %s" % tuple(results))
            return
        contents = []
        for fd in self.held_file:
            size = os.fstat(fd).st_size
            contents.append(os.pread(fd, size + 1, 0))
        self.done += 1
        self.log.append("#%d read the held file: union %d bytes, reference %d bytes"
                        % (self.done, len(contents[0]), len(contents[1])))
        if contents[0] != contents[1]:
            raise Divergence("the held file reads differently: union %d bytes, reference %d bytes"
                             % (len(contents[0]), len(contents[1])))

    def hold(self):
        """Opens a random directory in both trees (closing the one held)."""
        _, dirs, _ = self.existing()
        rel = self.held_rng.choice(dirs + [""])
        self.close_all(self.held)
        self.held = None
        self.held = self.open_in_both(rel, os.O_RDONLY | os.O_DIRECTORY, "hold")

    def held_rel(self):
        """Where the held directory is now, in the reference; None once removed."""
        where = os.readlink("/proc/self/fd/%d" % self.held[1])
        if where == self.ref:
            return ""
        if where.endswith(" (deleted)") or not where.startswith(self.ref + "/"):
            return None
        return os.path.relpath(where, self.ref)

    def pick_held_op(self):
        """An operation on names in the held directory (from the held stream):
        (the op with bare names, the same op with names in the tree, or None
        when the directory is gone); or None for no operation this time."""
        main_rng, self.rng = self.rng, self.held_rng
        try:
            op = list(self.pick_op())
        finally:
            self.rng = main_rng
        for i in self.PATH_ARGS.get(op[0], (1,)):
            op[i] = os.path.basename(op[i])
        op = tuple(op)
        rel = self.held_rel()
        if rel is None:
            return op, None
        tree_op = list(op)
        for i in self.PATH_ARGS.get(op[0], (1,)):
            tree_op[i] = os.path.join(rel, op[i]) if rel else op[i]
        tree_op = tuple(tree_op)
        if op[0] == "link" and self.source_on_lower_rw(tree_op[1]):
            return None
        return op, tree_op

    @staticmethod
    def apply(root, op):
        """Applies op under root; returns 0 or the errno."""
        kind, p = op[0], os.path.join(root, op[1])
        try:
            if kind == "create":
                fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, op[2])
                try:
                    os.write(fd, op[3])
                finally:
                    os.close(fd)
            elif kind == "write":
                fd = os.open(p, os.O_WRONLY)
                try:
                    os.pwrite(fd, op[3], op[2])
                finally:
                    os.close(fd)
            elif kind == "append":
                fd = os.open(p, os.O_WRONLY | os.O_APPEND)
                try:
                    os.write(fd, op[2])
                finally:
                    os.close(fd)
            elif kind == "truncate":
                os.truncate(p, op[2])
            elif kind == "otrunc":
                fd = os.open(p, os.O_WRONLY | os.O_TRUNC)
                try:
                    os.write(fd, op[2])
                finally:
                    os.close(fd)
            elif kind == "rename":
                os.rename(p, os.path.join(root, op[2]))
            elif kind == "exchange":
                exchange(p, os.path.join(root, op[2]))
            elif kind == "link":
                os.link(p, os.path.join(root, op[2]), follow_symlinks=False)
            elif kind == "symlink":
                os.symlink(op[1], os.path.join(root, op[2]))
            elif kind == "unlink":
                os.unlink(p)
            elif kind == "mkdir":
                os.mkdir(p, op[2])
                os.chmod(p, op[2])  # the umask is the same, but be explicit
            elif kind == "rmdir":
                os.rmdir(p)
            elif kind == "chmod":
                os.chmod(p, op[2])  # through a symlink, as chmod(1) does
            elif kind == "chown":
                os.lchown(p, op[2], op[3])
            elif kind == "setxattr":
                os.setxattr(p, op[2], op[3], follow_symlinks=False)
            elif kind == "removexattr":
                os.removexattr(p, op[2], follow_symlinks=False)
            else:
                raise RuntimeError("unknown op %r" % (op,))
        except OSError as e:
            return e.errno
        return 0

    @staticmethod
    def show(op):
        parts = []
        for i, x in enumerate(op):
            if isinstance(x, bytes):
                parts.append("<%d bytes>" % len(x))
            elif i == 2 and op[0] in ("create", "mkdir", "chmod"):
                parts.append(oct(x))
            else:
                parts.append(str(x))
        return " ".join(parts)

    def real_path(self, rel):
        """rel with symlinks in its directories resolved (in the reference), as
        unlink, rmdir and rename see it; None if it leaves the tree."""
        parent, name = os.path.split(rel)
        real = os.path.realpath(os.path.join(self.ref, parent))
        if real == self.ref:
            return name
        if not real.startswith(self.ref + "/"):
            return None
        return os.path.relpath(real, self.ref) + "/" + name

    def same_object(self, a, b):
        sa = lstat_or_none(os.path.join(self.ref, a))
        sb = lstat_or_none(os.path.join(self.ref, b))
        return sa is not None and sb is not None and (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)

    def dump_branches(self):
        for b, root in enumerate(self.branches):
            names = []
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                for n in sorted(dirnames + filenames):
                    p = os.path.join(dirpath, n)
                    st = os.lstat(p)
                    mark = "/" if stat.S_ISDIR(st.st_mode) else "@" if stat.S_ISLNK(st.st_mode) else ""
                    names.append(os.path.relpath(p, root) + mark)
            print("  b%d (%s): %s" % (b, self.modes[b], " ".join(names) or "-"))

    def step(self):
        if self.done + 1 == self.dump_before:
            op = self.pick_op()
            print("before op #%d %s, the branches of %s hold:" % (self.done + 1, self.show(op), self.name))
            self.dump_branches()
            raise SystemExit(0)
        if self.churn and self.churn_rng.random() < 0.2:
            self.churn_once()
        roots = (self.view, self.ref)
        where = ""
        # (Not through NFS: a client renames a removed open file to .nfsXXXX.)
        if self.hold_objects and not self.nfs_root and self.held_rng.random() < 0.08:
            if self.held_file is None or self.held_rng.random() < 0.2:
                self.hold_file()
            else:
                self.held_file_step()
            return
        if self.hold_objects and self.held_rng.random() < 0.15:
            if self.held is None or self.held_rng.random() < 0.2:
                self.hold()
                return
            picked = self.pick_held_op()
            if picked is None:
                return
            op, tree_op = picked
            roots = tuple("/proc/self/fd/%d" % fd for fd in self.held)
            self.held_ops += 1
            where = " (in the held directory, now %s)" % (
                "removed" if tree_op is None else tree_op[self.PATH_ARGS.get(op[0], (1,))[0]])
        else:
            op = tree_op = self.pick_op()
        # The source of a removal under delete=first: what will show through.
        removed = None
        if tree_op and op[0] in ("unlink", "rmdir", "rename"):
            removed = self.real_path(tree_op[1])
            if op[0] == "rename" and self.same_object(tree_op[1], tree_op[2]):
                removed = None  # rename(2) between names of one inode does nothing
        plan = self.reveal_plan(removed) if removed else None
        ru = self.apply(roots[0], op)
        rr = self.apply(roots[1], op)
        self.done += 1
        entry = "#%d %s%s: union %s, reference %s" % (self.done, self.show(op), where, ename(ru),
                                                     ename(rr))
        if plan and rr == 0:
            self.materialize(os.path.join(self.ref, removed), removed, plan)
            entry += " (delete=first: %s shows through from b%d)" % (removed, plan[0][0])
        self.log.append(entry)
        if ru != rr and not (tree_op and self.nfs_client_refuses_first(tree_op, ru, rr)) \
                and not (tree_op is None and self.nfs_removed_dir_is_stale(ru, rr)):
            raise Divergence("different results: union %s, reference %s" % (ename(ru), ename(rr)))

    def nfs_removed_dir_is_stale(self, ru, rr):
        """Through a held directory that was removed, an NFS client says ESTALE
        (the handle names a removed object, as on any NFS export) where a local
        filesystem says ENOENT (seed 530938028, rw-rw-ro delete=whiteout)."""
        return self.nfs_root is not None and ru == errno.ESTALE and rr == errno.ENOENT

    def nfs_client_refuses_first(self, op, ru, rr):
        """The NFS client's EPERM for link() of a directory onto an existing name
        (see the module docstring), where the reference says EEXIST."""
        return (self.nfs_root is not None and op[0] == "link" and ru == errno.EPERM
                and rr == errno.EEXIST and os.path.isdir(os.path.join(self.ref, op[1]))
                and not os.path.islink(os.path.join(self.ref, op[1])))

    def compare(self, when):
        self.compares += 1
        u = describe_tree(self.view, self.check_nlink)
        r = describe_tree(self.ref, self.check_nlink)
        if u != r:
            lines = []
            for p in sorted(set(u) | set(r)):
                if u.get(p) != r.get(p):
                    lines.append("  %s:\n    union:     %s\n    reference: %s" % (p, u.get(p, "(missing)"),
                                                                            r.get(p, "(missing)")))
                if len(lines) >= 5:
                    break
            raise Divergence("trees differ %s:\n%s" % (when, "\n".join(lines)))
        for b in self.ro_indexes():
            if hash_branch(self.branches[b]) != self.ro_hashes[b]:
                raise Divergence("read-only branch b%d changed %s" % (b, when))

    def run(self):
        self.setup()
        self.compare("right after the copy")
        while self.done < self.nops:
            for _ in range(min(self.batch, self.nops - self.done)):
                self.step()
            self.compare("after op #%d" % self.done)
        self.release_held()
        self.drop_extra()
        self.umount()
        self.mount()
        self.compare("after a fresh mount")
        self.umount()

    def report(self, err):
        print("DIVERGENCE in %s: %s" % (self.name, err))
        print("last operations:")
        for line in self.log[-self.log_tail:]:
            print("  " + line)
        print("the branches now:")
        self.dump_branches()
        print("the branches before op #%d: run differential.py --seed %d --config %s:%s --dump-before %d"
              % (self.done, self.seed, self.layout, self.mode, self.done))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--ops", type=int, default=400, help="operations per configuration")
    ap.add_argument("--batch", type=int, default=25, help="operations between comparisons")
    ap.add_argument("--log-tail", type=int, default=25)
    ap.add_argument("--config", action="append", help="LAYOUT:MODE, e.g. rw-ro:first (repeatable)")
    ap.add_argument("--churn", action="store_true",
                    help="change the branches (view-neutrally) between operations")
    ap.add_argument("--nfs", metavar="V4ROOT", default=None,
                    help="operate through an NFSv4.2 client of the exported union")
    ap.add_argument("--hold", action="store_true",
                    help="also hold a directory and a file open and work through them")
    ap.add_argument("--dump-before", type=int, default=0, metavar="N",
                    help="print the branches as they are before operation N and stop")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print("seed %d (to repeat: --seed %d)" % (seed, seed), flush=True)
    total = 0
    start = time.monotonic()
    for spec in args.config or DEFAULT_CONFIGS:
        layout, mode = spec.split(":")
        c = Config(args.workdir, layout, mode, seed, args.ops, args.batch, args.log_tail, args.dump_before,
                   args.churn, args.nfs, args.hold)
        t0 = time.monotonic()
        try:
            c.run()
        except Divergence as e:
            c.report(e)
            print("%d operations in all before the divergence (seed %d)" % (total + c.done, seed))
            return 1
        except Exception:
            print("error in %s after %d operations (seed %d); last operations:" % (c.name, c.done, seed))
            for line in c.log[-args.log_tail:]:
                print("  " + line)
            raise
        total += c.done
        print("%-22s %4d ops (%d through held objects), %2d comparisons, %.1fs"
              % (c.name, c.done, c.held_ops, c.compares, time.monotonic() - t0), flush=True)
    print("%d operations in %.1fs, no divergence (seed %d)" % (total, time.monotonic() - start, seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
