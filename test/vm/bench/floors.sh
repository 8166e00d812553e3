#!/bin/bash
# test/vm/bench/floors.sh: the guest side of the floors row of `make bench`
# (test/vm/bench/bench --part floors runs it with test/vm/run --script):
# what a union's unlink of a lower file must cost at least. It runs
# floors.py, which see; kernel command line: ufs_bench_reps=N (default 3),
# ufs_bench_quick=1.
set -u
# shellcheck source=guest-timing.sh
. "${UFS_VM:?run me with test/vm/run --script}/bench/guest-timing.sh"
bench_python floors.py 2000 200
