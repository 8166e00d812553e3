#!/bin/bash
# test/vm/bench/syscalls.sh: the guest side of the syscalls part of
# `make bench` (test/vm/bench/bench --part syscalls runs it with
# test/vm/run --script): each system call of a tar x, timed on its own, on
# raw ext4, unionfs and overlayfs. It runs syscalls.py, which see; kernel
# command line: ufs_bench_reps=N (default 3), ufs_bench_quick=1.
set -u
# shellcheck source=guest-timing.sh
. "${UFS_VM:?run me with test/vm/run --script}/bench/guest-timing.sh"
bench_python syscalls.py 1000 100
