# test/vm/bench/guest-timing.sh: what the guest sides of the benchmark rows
# branches.sh, sparse.sh and compile.sh share: the clock, medians and
# ratios, the kernel command line's ufs_bench_* words, the modules they need
# and fresh ext4 filesystems to work on.
# shellcheck shell=bash disable=SC2034 # REPS and QUICK are the sourcer's
# Sourced in the guest.

NOW=0
# Sets NOW to CLOCK_MONOTONIC in ns from /proc/timer_list, by bash builtins
# (an exec costs ~80 ms under TCG; see run.sh's clock_ns).
clock_ns() {
	local ns
	{ read -r _ && read -r _ && read -r _ _ ns _; } </proc/timer_list
	NOW=$ns
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
# A/B as "1.23x".
ratio() {
	local r=$((($1 * 100 + $2 / 2) / $2))
	printf '%d.%02dx' $((r / 100)) $((r % 100))
}
ms() { echo $(($1 / 1000000)); }

# Sets REPS (ufs_bench_reps=N, default 3) and QUICK (ufs_bench_quick=1).
REPS=3 QUICK=
for word in $(</proc/cmdline); do
	case $word in
	ufs_bench_reps=[1-9]*) REPS=${word#*=} ;;
	ufs_bench_quick=1) QUICK=1 ;;
	esac
done

# Loads MODULE... (the guest cannot load them on demand) and checks that
# unionfs is there; exits on failure.
bench_need() {
	local m
	for m in "$@"; do
		[[ -d /sys/module/$m ]] || grep -qw "$m" /proc/filesystems || modprobe "$m" ||
			{ echo "bench: cannot load $m"; exit 1; }
	done
	grep -qw unionfs /proc/filesystems || { echo "bench: the unionfs module is not loaded"; exit 1; }
}

# bench_python SCRIPT NAMES QUICK_NAMES: the guest side of a part written
# in python (test/vm/bench/SCRIPT): loop, ext4 and overlay loaded, then
# SCRIPT runs in the working directory with --reps and --names (QUICK_NAMES
# under ufs_bench_quick=1).
bench_python() {
	local names=$2
	bench_need loop ext4 overlay
	[[ -z $QUICK ]] || names=$3
	exec python3 "$UFS_VM/bench/$1" --work "$PWD" --reps "$REPS" --names "$names"
}

# Mounts a fresh ext4 of SIZE_MIB MiB on DIR (an image DIR.img, in the
# guest's RAM when the working directory is on tmpfs).
mkfs_on() {
	local dir=$1 size_mib=$2
	mkdir -p "$dir"
	truncate -s "${size_mib}M" "$dir.img"
	mkfs.ext4 -q -F "$dir.img" >/dev/null || exit 1
	mount -o loop "$dir.img" "$dir" || exit 1
}
