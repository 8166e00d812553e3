#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The concurrency rows of `make bench` (guest side; concurrency.sh runs it).

One guest boot measures, for the vCPUs it has, on raw ext4, unionfs and
overlayfs (each on its own fresh ext4 filesystem, all in this boot):

scaling   N processes (N = 1, 2, 4) each create --files files (open, write
          a line, close) in a directory of its own and unlink them again;
          the directories exist on the read-only branch, so a union copies
          each one up first. Prints the median time of --reps runs, the
          throughput, its ratio to N = 1 on the same contender (the
          scaling) and the ratio to raw ext4.
latency   while one process copies up a --copyup-mib MiB file of the
          read-only branch (a one-byte append), another creates a file in
          a different directory and renames it, again and again: the
          median and the worst latency of each during the copy, against
          the same calls with nothing else running (idle). unionfs and
          overlayfs. A worst latency near the copy's duration means the
          copy held a lock the create or rename needed.

Prints its tables between "=== concurrency benchmark, N vCPU" and
"=== end"; exit status non-zero only if unionfs failed.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

CONTENDERS = ["raw", "unionfs", "overlayfs"]
LABEL = {"raw": "raw ext4", "unionfs": "unionfs", "overlayfs": "overlayfs"}
NS = [1, 2, 4]


def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def mkfs_image(path, mib):
    with open(path, "wb") as f:
        f.truncate(mib << 20)
    sh("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", path)


def mount_contender(c, work, fill):
    """A fresh ext4 with lower/, upper/, work/ filled by fill(lower); returns
    the directory to work in."""
    img, fs, mnt = work + "/%s.img" % c, work + "/%s.fs" % c, work + "/%s.mnt" % c
    os.makedirs(fs, exist_ok=True)
    os.makedirs(mnt, exist_ok=True)
    mkfs_image(img, fill.image_mib)
    sh("mount", "-o", "loop", img, fs)
    for d in ("lower", "upper", "work"):
        os.makedirs(fs + "/" + d, exist_ok=True)
    fill(fs + "/lower")
    if c == "raw":
        sh("mount", "--bind", fs + "/lower", mnt)
    elif c == "unionfs":
        sh("mount", "-t", "unionfs", "-o", "dirs=%s/upper:%s/lower=ro" % (fs, fs), "none", mnt)
    else:
        sh("mount", "-t", "overlay", "-o", "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work"
           % (fs, fs, fs), "overlay", mnt)
    return mnt


def umount_contender(c, work):
    sh("umount", work + "/%s.mnt" % c)
    sh("umount", work + "/%s.fs" % c)
    os.unlink(work + "/%s.img" % c)


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


# --- scaling -------------------------------------------------------------------

def scale_fill(reps):
    def fill(lower):
        for n in NS:
            for r in range(reps):
                for i in range(n):
                    os.makedirs("%s/n%d-r%d/d%d" % (lower, n, r, i))
    fill.image_mib = 256
    return fill


def create_unlink(d, files):
    line = b"a line of text\n"
    for j in range(files):
        fd = os.open("%s/f%d" % (d, j), os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644)
        os.write(fd, line)
        os.close(fd)
    for j in range(files):
        os.unlink("%s/f%d" % (d, j))


def timed_parallel(dirs, files):
    """Forks one process per directory, starts them together; seconds."""
    r, w = os.pipe()
    pids = []
    for d in dirs:
        pid = os.fork()
        if pid == 0:
            os.close(w)
            os.read(r, 1)
            try:
                create_unlink(d, files)
            except OSError as e:
                os.write(2, ("%s: %s\n" % (d, e)).encode())
                os._exit(1)
            os._exit(0)
        pids.append(pid)
    os.close(r)
    time.sleep(0.1)
    t0 = time.monotonic()
    os.close(w)
    ok = True
    for pid in pids:
        ok &= os.waitpid(pid, 0)[1] == 0
    t = time.monotonic() - t0
    if not ok:
        raise RuntimeError("a process failed")
    return t


def bench_scaling(work, reps, files):
    med = {}
    failed = []
    for c in CONTENDERS:
        try:
            root = mount_contender(c, work, scale_fill(reps))
        except (OSError, subprocess.CalledProcessError) as e:
            failed.append("%s: setup: %s" % (c, e))
            continue
        try:
            for n in NS:
                runs = []
                for r in range(reps):
                    drop_caches()
                    runs.append(timed_parallel(["%s/n%d-r%d/d%d" % (root, n, r, i) for i in range(n)], files))
                med[c, n] = statistics.median(runs)
                print("bench:   scaling %-10s N=%d %s" % (c, n, " ".join("%.3f" % t for t in runs)), flush=True)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
            failed.append("%s: %s" % (c, e))
        umount_contender(c, work)
    return med, failed


def report_scaling(med, files, cpus):
    print("create+unlink: N processes, each %d files in a directory of its own (a lower one); "
          "median seconds, throughput in ops/s (create and unlink each count), scaling = "
          "throughput / throughput at N=1 on the same contender, x raw = time / raw ext4's"
          % files)
    print("%-10s %-3s %-4s %-26s %-26s %-26s %s" % ("", "vCPU", "N", "raw ext4", "unionfs",
                                                    "overlayfs", "unionfs/overlayfs"))
    for n in NS:
        cells = []
        for c in CONTENDERS:
            t = med.get((c, n))
            if t is None:
                cells.append("n/a")
                continue
            ops = 2 * files * n / t
            cell = "%.2fs %5.0f/s x%.2f" % (t, ops, ops / (2 * files / med[c, 1])) if (c, 1) in med else "%.2fs" % t
            if c != "raw" and ("raw", n) in med:
                cell += " (%.2fx)" % (t / med["raw", n])
            cells.append(cell)
        ratio = "%.2f" % (med["unionfs", n] / med["overlayfs", n]) \
            if ("unionfs", n) in med and ("overlayfs", n) in med else "-"
        print("%-10s %-3d  %-4d %-26s %-26s %-26s %s" % ("scaling", cpus, n, cells[0], cells[1], cells[2], ratio))


# --- latency during a big copyup -------------------------------------------------------

def latency_fill(mib):
    def fill(lower):
        os.makedirs(lower + "/big-dir")
        os.makedirs(lower + "/other")
        chunk = bytes(range(256)) * 4096  # 1 MiB of data (no holes to skip)
        with open(lower + "/big-dir/big", "wb") as f:
            for _ in range(mib):
                f.write(chunk)
    fill.image_mib = 2 * mib + 256
    return fill


def create_rename(root, i):
    """One create and one rename in other/; their latencies in seconds."""
    t0 = time.monotonic()
    fd = os.open("%s/other/c%d" % (root, i), os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644)
    os.write(fd, b"x")
    os.close(fd)
    t1 = time.monotonic()
    os.rename("%s/other/c%d" % (root, i), "%s/other/r%d" % (root, i))
    t2 = time.monotonic()
    return t1 - t0, t2 - t1


def bench_latency(work, mib, idle_n):
    res = {}
    failed = []
    for c in ("unionfs", "overlayfs"):
        try:
            root = mount_contender(c, work, latency_fill(mib))
        except (OSError, subprocess.CalledProcessError) as e:
            failed.append("%s: setup: %s" % (c, e))
            continue
        try:
            # The directory is copied up (unions) and warm before the clock.
            create_rename(root, 0)
            idle = [create_rename(root, i) for i in range(1, idle_n + 1)]
            drop_caches()
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                try:
                    fd = os.open(root + "/big-dir/big", os.O_WRONLY | os.O_APPEND)
                    os.write(fd, b"A")
                    os.close(fd)
                except OSError as e:
                    os.write(2, ("copyup: %s\n" % e).encode())
                    os._exit(1)
                os._exit(0)
            os.close(w)
            t0 = time.monotonic()
            busy = []
            i = 1000
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                busy.append(create_rename(root, i))
                i += 1
                time.sleep(0.02)
            copy_s = time.monotonic() - t0
            os.close(r)
            if status != 0:
                raise RuntimeError("the copyup failed")
            if os.stat(root + "/big-dir/big").st_size != (mib << 20) + 1:
                raise RuntimeError("the copy has the wrong size")
            res[c] = (copy_s, idle, busy)
            print("bench:   latency %-10s copy %.2fs, %d creates+renames during it" % (c, copy_s, len(busy)),
                  flush=True)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
            failed.append("%s: %s" % (c, e))
        umount_contender(c, work)
    return res, failed


def ms(x):
    return "%.1f" % (x * 1000)


def report_latency(res, mib, cpus):
    print()
    print("latency in another directory while a %d MiB file is copied up (a one-byte append): "
          "milliseconds, median/worst, idle = the same calls with nothing else running" % mib)
    print("%-10s %-3s %-10s %-8s %-6s %-16s %-16s %-16s %s" % ("", "vCPU", "", "copy s", "calls",
                                                              "create idle", "create in copy",
                                                              "rename idle", "rename in copy"))
    for c in ("unionfs", "overlayfs"):
        if c not in res:
            print("%-10s %-3d  %-10s n/a" % ("latency", cpus, c))
            continue
        copy_s, idle, busy = res[c]

        def mm(v):
            return "%s/%s" % (ms(statistics.median(v)), ms(max(v))) if v else "-"
        print("%-10s %-3d  %-10s %-8.2f %-6d %-16s %-16s %-16s %s"
              % ("latency", cpus, c, copy_s, len(busy), mm([a for a, _ in idle]), mm([a for a, _ in busy]),
                 mm([b for _, b in idle]), mm([b for _, b in busy])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--copyup-mib", type=int, default=512)
    ap.add_argument("--idle", type=int, default=20)
    args = ap.parse_args()
    cpus = os.cpu_count()
    with open("/sys/devices/system/clocksource/clocksource0/current_clocksource") as f:
        clock = f.read().strip()
    print("bench: concurrency rows, %d vCPU" % cpus, flush=True)
    med, failed = bench_scaling(args.work, args.reps, args.files)
    res, failed2 = bench_latency(args.work, args.copyup_mib, args.idle)
    failed += failed2
    print("=== concurrency benchmark, %d vCPU" % cpus)
    print("kernel:  %s in QEMU (TCG), %d vCPU; clocksource %s; %d runs per scaling cell"
          % (os.uname().release, cpus, clock, args.reps))
    report_scaling(med, args.files, cpus)
    report_latency(res, args.copyup_mib, cpus)
    for f in failed:
        print("failed: " + f)
    print("=== end")
    return 1 if any(f.startswith("unionfs") for f in failed) else 0


if __name__ == "__main__":
    sys.exit(main())
