#!/bin/bash
# test/vm/bench/concurrency.sh: the guest side of the concurrency rows of
# `make bench` (test/vm/bench/bench boots one guest per vCPU count and runs
# it with test/vm/run --script). It runs concurrency.py, which see; the
# kernel command line words are run.sh's: ufs_bench_reps=N, ufs_bench_quick=1.
set -u
reps=3 files=300 mib=512
for word in $(</proc/cmdline); do
	case $word in
	ufs_bench_reps=[1-9]*) reps=${word#*=} ;;
	ufs_bench_quick=1) files=40 mib=32 ;;
	esac
done
for m in loop ext4 overlay; do
	[[ -d /sys/module/$m ]] || grep -qw "$m" /proc/filesystems || modprobe "$m" ||
		{ echo "bench: cannot load $m"; exit 1; }
done
grep -qw unionfs /proc/filesystems || { echo "bench: the unionfs module is not loaded"; exit 1; }
exec python3 "${UFS_VM:?run me with test/vm/run --script}/bench/concurrency.py" --work "$PWD" \
	--reps "$reps" --files "$files" --copyup-mib "$mib"
