#!/usr/bin/env python3
"""test/vm/bench/syscalls.py: what each system call of a tar x costs on a union.

The guest side of `test/vm/bench/bench --part syscalls` (syscalls.sh starts
it).

The tar x, create+write and unlink rows of the main table time whole
workloads; this part takes them apart. In a directory only the writable
branch has (where a tar x or a build writes), each step is N calls of one
kind, one call per name, timed on its own: mkdir, open(O_CREAT|O_EXCL),
write of 1 KiB, fchown, fchmod, futimens, close, utimensat by path, lstat,
symlink, unlink, rmdir. Raw ext4, unionfs (UPPER:LOWER=ro) and overlayfs
run the same steps on one fresh ext4; median of REPS runs. The calls come
from python (os.*), whose own cost per call is in every contender's
figure alike, so the ratios understate the difference a C program sees.

Prints the table between "=== syscalls benchmark" and "=== end".
"""
import argparse
import os
import statistics
import sys
import time

from floors import run

STEPS = ("mkdir", "create", "write", "fchown", "fchmod", "futimens", "close", "utimensat",
         "lstat", "symlink", "unlink", "rmdir")
DATA = b"x" * 1024


def one_run(base, n):
    """The steps over N names in the new directory base; ns per step."""
    os.mkdir(base)
    files = [f"{base}/f{i}" for i in range(n)]
    dirs = [f"{base}/d{i}" for i in range(n)]
    links = [f"{base}/l{i}" for i in range(n)]
    fds = []
    calls = {
        "mkdir": lambda: [os.mkdir(d) for d in dirs],
        "create": lambda: fds.extend(os.open(f, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                                     for f in files),
        "write": lambda: [os.write(fd, DATA) for fd in fds],
        "fchown": lambda: [os.fchown(fd, 0, 0) for fd in fds],
        "fchmod": lambda: [os.fchmod(fd, 0o644) for fd in fds],
        "futimens": lambda: [os.utime(fd, ns=(1, 1)) for fd in fds],
        "close": lambda: [os.close(fd) for fd in fds],
        "utimensat": lambda: [os.utime(f, ns=(2, 2), follow_symlinks=False) for f in files],
        "lstat": lambda: [os.lstat(f) for f in files],
        "symlink": lambda: [os.symlink("target", link) for link in links],
        "unlink": lambda: [os.unlink(f) for f in files],
        "rmdir": lambda: [os.rmdir(d) for d in dirs],
    }
    times = {}
    for step in STEPS:
        start = time.monotonic_ns()
        calls[step]()
        times[step] = time.monotonic_ns() - start
    return times


class Disk:
    """A fresh ext4 at WORK/fs with unionfs and overlayfs mounted over it."""

    def __init__(self, work):
        self.fs = fs = f"{work}/fs"
        os.makedirs(fs)
        run("truncate", "-s", "768M", f"{fs}.img")
        run("mkfs.ext4", "-q", "-F", f"{fs}.img")
        run("mount", "-o", "loop", f"{fs}.img", fs)
        for sub in ("raw", "upper", "lower/x", "ovl-upper", "ovl-work", "unionfs", "overlayfs"):
            os.makedirs(f"{fs}/{sub}")
        run("mount", "-t", "unionfs", "-o", f"dirs={fs}/upper:{fs}/lower=ro", "none",
            f"{fs}/unionfs")
        run("mount", "-t", "overlay", "-o",
            f"lowerdir={fs}/lower,upperdir={fs}/ovl-upper,workdir={fs}/ovl-work", "none",
            f"{fs}/overlayfs")
        # Where each contender's runs make their directories.
        self.places = {"raw ext4": f"{fs}/raw", "unionfs": f"{fs}/unionfs/x",
                       "overlayfs": f"{fs}/overlayfs/x"}

    def close(self):
        run("umount", f"{self.fs}/unionfs")
        run("umount", f"{self.fs}/overlayfs")
        run("umount", self.fs)


def measure(disk, n, reps):
    """Median ns per call, by contender and step; the contenders take turns per run."""
    runs = {who: [] for who in disk.places}
    for r in range(reps):
        for who, place in disk.places.items():
            os.sync()
            runs[who].append(one_run(f"{place}/r{r}", n))
    return {who: {step: statistics.median(t[step] for t in per_run) / n for step in STEPS}
            for who, per_run in runs.items()}


def report(costs, n, reps):
    raw, uni, ovl = costs["raw ext4"], costs["unionfs"], costs["overlayfs"]
    print("=== syscalls benchmark")
    print(f"each step: {n} calls, one per name, in a directory only the writable branch has;")
    print(f"us per call (python's own cost included), median of {reps} runs")
    print(f"{'call':12s} {'raw ext4':>9s} {'unionfs':>17s} {'overlayfs':>17s} "
          f"{'unionfs/overlayfs':>18s}")
    for step in STEPS:
        print(f"{step:12s} {raw[step] / 1e3:9.2f} "
              f"{uni[step] / 1e3:9.2f} ({uni[step] / raw[step]:4.2f}x) "
              f"{ovl[step] / 1e3:9.2f} ({ovl[step] / raw[step]:4.2f}x) "
              f"{uni[step] / ovl[step]:17.2f}x")
    print("=== end")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--names", type=int, default=1000)
    args = parser.parse_args()
    disk = Disk(args.work)
    try:
        report(measure(disk, args.names, args.reps), args.names, args.reps)
    finally:
        disk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
