#!/bin/bash
# test/vm/bench/branches.sh: the guest side of the many-branch rows of
# `make bench` (test/vm/bench/bench --part branches runs it with
# test/vm/run --script).
#
# What a union of many branches costs a lookup: N tmpfs branches (N = 1, 2,
# 4, 8, 16) each hold a directory d/ with 200 names of their own; 3,000
# more names exist only in the bottom branch's d/. Each of those is looked
# up once (a stat by a bash builtin, on a fresh mount: no cached answer),
# then once more (warm), through unionfs and through overlayfs, against the
# same stats on the bottom branch itself (raw tmpfs). Compilers' -I paths,
# PATH searches and package managers do such first-time lookups all day.
# Prints the table between "=== branches benchmark" and "=== end".
#
# Kernel command line: ufs_bench_reps=N (default 3), ufs_bench_quick=1.
set -u
export LC_ALL=C

# shellcheck source=guest-timing.sh
. "${UFS_VM:?run me with test/vm/run --script}/bench/guest-timing.sh"
bench_need overlay
reps=$REPS names=3000 own=200 counts=(1 2 4 8 16)
[[ -z $QUICK ]] || { names=300 own=20 counts=(1 4); }
W=$PWD

# make_branches N: b1..bN under $W/N/, each with d/ and its own names;
# the bottom one also holds the names looked up.
make_branches() {
	local n=$1 b i dir
	for ((b = 1; b <= n; b++)); do
		dir=$W/$n/b$b/d
		mkdir -p "$dir"
		for ((i = 0; i < own; i++)); do : >"$dir/own-$b-$i"; done
	done
	for ((i = 0; i < names; i++)); do : >"$W/$n/b$n/d/name-$i"; done
}

# time_stats DIR: NOW_NS = ns to stat every name-* once below DIR.
time_stats() {
	local dir=$1 i t0 missing=0
	clock_ns
	t0=$NOW
	for ((i = 0; i < names; i++)); do
		[[ -e $dir/name-$i ]] || missing=$((missing + 1))
	done
	clock_ns
	TOOK=$((NOW - t0))
	((missing == 0)) || { echo "bench: $missing names missing under $dir"; exit 1; }
}

# mount_contender KIND N MNT: mounts the union of N's branches (top first).
mount_contender() {
	local kind=$1 n=$2 mnt=$3 b dirs='' lowers=''
	for ((b = 1; b <= n; b++)); do
		dirs+="${dirs:+:}$W/$n/b$b"
		((b == 1)) || dirs+="=ro"
		lowers+="${lowers:+:}$W/$n/b$b"
	done
	mkdir -p "$mnt"
	case $kind in
	unionfs) mount -t unionfs -o "dirs=$dirs" none "$mnt" ;;
	overlayfs)
		if ((n == 1)); then
			mount --bind "$W/$n/b1" "$mnt" # overlayfs needs two layers
		else
			mount -t overlay -o "lowerdir=$lowers" none "$mnt"
		fi
		;;
	esac
}

declare -A COLD WARM
for n in "${counts[@]}"; do
	mkdir -p "$W/$n"
	mount -t tmpfs -o size=256m tmpfs "$W/$n"
	make_branches "$n"
	for kind in raw unionfs overlayfs; do
		cold=() warm=()
		for ((r = 0; r < reps; r++)); do
			sync
			echo 2 >/proc/sys/vm/drop_caches
			if [[ $kind == raw ]]; then
				dir=$W/$n/b$n/d
			else
				mount_contender "$kind" "$n" "$W/mnt"
				dir=$W/mnt/d
			fi
			time_stats "$dir"
			cold+=("$TOOK")
			time_stats "$dir"
			warm+=("$TOOK")
			[[ $kind == raw ]] || umount "$W/mnt" || exit 1
		done
		COLD[$kind/$n]=$(median "${cold[@]}")
		WARM[$kind/$n]=$(median "${warm[@]}")
	done
	umount "$W/$n"
done

echo "=== branches benchmark"
echo "lookup+stat of $names names that only the bottom branch holds, each"
echo "branch's d/ with $own names of its own; tmpfs branches; median of $reps"
echo "runs; ratio to the same stats on the bottom branch itself (raw tmpfs)."
printf '%-10s %-22s %-22s %-8s\n' branches "unionfs cold / warm" "overlayfs cold / warm" "raw ms"
for n in "${counts[@]}"; do
	raw_c=${COLD[raw/$n]} raw_w=${WARM[raw/$n]}
	printf '%-10s %-22s %-22s %-8s\n' "$n" \
		"$(ratio "${COLD[unionfs/$n]}" "$raw_c") / $(ratio "${WARM[unionfs/$n]}" "$raw_w")" \
		"$(ratio "${COLD[overlayfs/$n]}" "$raw_c") / $(ratio "${WARM[overlayfs/$n]}" "$raw_w")" \
		"$(ms "$raw_c")"
done
echo "=== end"
