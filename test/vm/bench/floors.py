#!/usr/bin/env python3
"""test/vm/bench/floors.py: the floor under a union's unlink of a lower file.

The guest side of `test/vm/bench/bench --part floors` (floors.sh starts it).

Raw ext4 removes a name; a union cannot remove a name of a read-only
branch, it has to add one (a whiteout) on the writable branch. So the
cheapest any union's unlink of a lower file can be is what the raw
filesystem takes to add a name, and this row measures that floor beside
the unlink rows: on one fresh ext4, median of REPS runs of N names each,
caches dropped before every run, the timed loop one system call per name
(python's os.* calls, no exec per name):

  raw unlink           unlink N files (the main table's raw unlink row)
  raw create empty     create N empty files in an empty directory: the
                       floor of a whiteout that is a file of its own
  raw link             link N names to one file: the floor of whiteouts
                       that share an inode (as overlayfs makes them)
  unionfs / overlayfs  unlink N files of the read-only branch

Prints the table between "=== floors benchmark" and "=== end".
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def run(*cmd):
    subprocess.run(cmd, check=True)


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def fill(directory, n):
    """N small files u0..u<N-1>, as the main table's unlink row makes them."""
    os.makedirs(directory)
    for i in range(n):
        with open(f"{directory}/u{i}", "w") as f:
            f.write(f"{i}\n")


def timed(loop, directory, n):
    """Runs loop over the N paths of directory with cold caches; ns."""
    paths = [f"{directory}/u{i}" for i in range(n)]
    drop_caches()
    start = time.monotonic_ns()
    loop(paths)
    elapsed = time.monotonic_ns() - start
    os.sync()
    return elapsed


def unlink_all(paths):
    for p in paths:
        os.unlink(p)


def create_all(paths):
    for p in paths:
        os.close(os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))


def link_all_to(shared):
    def loop(paths):
        for p in paths:
            os.link(shared, p)
    return loop


def check_gone(directory, n):
    left = [name for name in os.listdir(directory) if name.startswith("u")]
    if left:
        sys.exit(f"bench: {len(left)} of {n} names still visible in {directory}")


class Disk:
    """A fresh ext4 image mounted at WORK/fs, with the rows' directories."""

    def __init__(self, work, n, reps):
        self.fs = f"{work}/fs"
        os.makedirs(self.fs)
        run("truncate", "-s", "512M", f"{self.fs}.img")
        run("mkfs.ext4", "-q", "-F", f"{self.fs}.img")
        run("mount", "-o", "loop", f"{self.fs}.img", self.fs)
        for sub in ("upper", "ovl-upper", "ovl-work", "lower", "mnt"):
            os.makedirs(f"{self.fs}/{sub}")
        with open(f"{self.fs}/shared", "w"):
            pass
        for r in range(reps):
            fill(f"{self.fs}/raw{r}", n)
            fill(f"{self.fs}/lower/uni{r}", n)
            fill(f"{self.fs}/lower/ovl{r}", n)
            os.makedirs(f"{self.fs}/create{r}")
            os.makedirs(f"{self.fs}/link{r}")

    def mount_union(self, kind):
        mnt, fs = f"{self.fs}/mnt", self.fs
        if kind == "unionfs":
            run("mount", "-t", "unionfs", "-o", f"dirs={fs}/upper:{fs}/lower=ro", "none", mnt)
        else:
            run("mount", "-t", "overlay", "-o",
                f"lowerdir={fs}/lower,upperdir={fs}/ovl-upper,workdir={fs}/ovl-work",
                "none", mnt)
        return mnt

    def unmount_union(self):
        run("umount", f"{self.fs}/mnt")


def measure(disk, n, reps):
    fs, times = disk.fs, {}

    def median_of(row, one_run):
        times[row] = statistics.median(one_run(r) for r in range(reps))

    median_of("raw unlink", lambda r: timed(unlink_all, f"{fs}/raw{r}", n))
    median_of("raw create empty", lambda r: timed(create_all, f"{fs}/create{r}", n))
    median_of("raw link", lambda r: timed(link_all_to(f"{fs}/shared"), f"{fs}/link{r}", n))
    for kind, prefix in (("unionfs", "uni"), ("overlayfs", "ovl")):
        def union_unlink(r, kind=kind, prefix=prefix):
            mnt = disk.mount_union(kind)
            try:
                elapsed = timed(unlink_all, f"{mnt}/{prefix}{r}", n)
                check_gone(f"{mnt}/{prefix}{r}", n)
            finally:
                disk.unmount_union()
            return elapsed
        median_of(f"{kind} unlink", union_unlink)
    return times


def report(times, n, reps):
    unlink, floor = times["raw unlink"], times["raw create empty"]
    print("=== floors benchmark")
    print(f"what an unlink of {n} lower files must cost: a union adds a name (a whiteout)")
    print(f"where raw ext4 removes one. One ext4, cold caches, median of {reps} runs.")
    print(f"{'':24s} {'ms':>7s} {'to raw unlink':>14s} {'to raw create':>14s}")
    for row in ("raw unlink", "raw create empty", "raw link", "unionfs unlink",
                "overlayfs unlink"):
        t = times[row]
        print(f"{row:24s} {t / 1e6:7.0f} {t / unlink:13.2f}x {t / floor:13.2f}x")
    print("=== end")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--names", type=int, default=2000)
    args = parser.parse_args()
    disk = Disk(args.work, args.names, args.reps)
    try:
        report(measure(disk, args.names, args.reps), args.names, args.reps)
    finally:
        run("umount", disk.fs)


if __name__ == "__main__":
    main()
