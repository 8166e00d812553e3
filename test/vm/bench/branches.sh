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
#
# Then, at scale: 16 branches, 100,000 names held only by the bottom branch
# and 100,000 only by the top one, each stat'ed once (cold) and again (warm).
# And a merged readdir: 4 branches of 10,000 names each (neighbours share
# 2,500), listed on a fresh mount (cold) and again (warm), against a listing
# of the same 32,500 names in one tmpfs directory.
# Prints the tables between "=== branches benchmark" and "=== end".
#
# Kernel command line: ufs_bench_reps=N (default 3), ufs_bench_quick=1.
set -u
export LC_ALL=C

# shellcheck source=guest-timing.sh
. "${UFS_VM:?run me with test/vm/run --script}/bench/guest-timing.sh"
bench_need overlay
reps=$REPS names=3000 own=200 counts=(1 2 4 8 16)
many=100000 many_branches=16 rd_branches=4 rd_names=10000 rd_step=7500
[[ -z $QUICK ]] || { names=300 own=20 counts=(1 4) many=2000 rd_names=1000 rd_step=750; }
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

# time_stats DIR [PREFIX COUNT]: TOOK = ns to stat DIR/PREFIX0 ..
# DIR/PREFIX<COUNT-1> once each (default: the name-* names).
time_stats() {
	local dir=$1 prefix=${2:-name-} count=${3:-$names} i t0 missing=0
	clock_ns
	t0=$NOW
	for ((i = 0; i < count; i++)); do
		[[ -e $dir/$prefix$i ]] || missing=$((missing + 1))
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

# cold_and_warm KIND KEY DIR MEASURE...: fills COLD[KIND/KEY] and
# WARM[KIND/KEY] with the medians of REPS runs of MEASURE (which sets
# TOOK) on a fresh mount (cold), then again (warm). For a union, DIR is
# mounted first by `mount_contender KIND $MOUNT_N`.
cold_and_warm() {
	local kind=$1 key=$2 dir=$3 r
	local cold=() warm=()
	shift 3
	for ((r = 0; r < reps; r++)); do
		sync
		echo 2 >/proc/sys/vm/drop_caches
		[[ $kind == raw ]] || mount_contender "$kind" "$MOUNT_N" "$W/mnt"
		"$@" "$dir"
		cold+=("$TOOK")
		"$@" "$dir"
		warm+=("$TOOK")
		[[ $kind == raw ]] || umount "$W/mnt" || exit 1
	done
	COLD[$kind/$key]=$(median "${cold[@]}")
	WARM[$kind/$key]=$(median "${warm[@]}")
}

# time_listing DIR: TOOK = ns to list DIR (a glob: readdir by bash itself).
time_listing() {
	local dir=$1 t0 listed
	clock_ns
	t0=$NOW
	listed=("$dir"/*)
	clock_ns
	TOOK=$((NOW - t0))
	((${#listed[@]} == RD_EXPECTED)) ||
		{ echo "bench: $dir listed ${#listed[@]} names, expected $RD_EXPECTED"; exit 1; }
}

# Table 1: first-time lookups, 1 to 16 branches.
for n in "${counts[@]}"; do
	mkdir -p "$W/$n"
	mount -t tmpfs -o size=256m tmpfs "$W/$n"
	make_branches "$n"
	MOUNT_N=$n
	cold_and_warm raw "$n" "$W/$n/b$n/d" time_stats
	for kind in unionfs overlayfs; do
		cold_and_warm "$kind" "$n" "$W/mnt/d" time_stats
	done
	umount "$W/$n"
done

# Table 2: 16 branches, many names in the bottom or the top branch only.
n=$many_branches
mkdir -p "$W/many"
mount -t tmpfs -o size=1g,nr_inodes=0 tmpfs "$W/many"
for ((b = 1; b <= n; b++)); do
	mkdir -p "$W/many/$n/b$b/d"
	for ((i = 0; i < own; i++)); do : >"$W/many/$n/b$b/d/own-$b-$i"; done
done
for ((i = 0; i < many; i++)); do
	: >"$W/many/$n/b$n/d/bottom-$i"
	: >"$W/many/$n/b1/d/top-$i"
done
W_SAVED=$W W=$W/many MOUNT_N=$n
for where in bottom top; do
	raw_dir=$W/$n/b$n/d
	[[ $where == bottom ]] || raw_dir=$W/$n/b1/d
	stats_many() { time_stats "$1" "$where-" "$many"; }
	cold_and_warm raw "many-$where" "$raw_dir" stats_many
	for kind in unionfs overlayfs; do
		cold_and_warm "$kind" "many-$where" "$W/mnt/d" stats_many
	done
done
W=$W_SAVED
umount "$W/many"

# Table 3: a merged readdir of 4 branches.
n=$rd_branches
mkdir -p "$W/rd"
mount -t tmpfs -o size=512m,nr_inodes=0 tmpfs "$W/rd"
mkdir -p "$W/rd/raw/d"
for ((b = 1; b <= n; b++)); do
	mkdir -p "$W/rd/$n/b$b/d"
	for ((i = (b - 1) * rd_step; i < (b - 1) * rd_step + rd_names; i++)); do
		: >"$W/rd/$n/b$b/d/entry-$i"
		: >"$W/rd/raw/d/entry-$i"
	done
done
RD_EXPECTED=$(((n - 1) * rd_step + rd_names))
W_SAVED=$W W=$W/rd MOUNT_N=$n
cold_and_warm raw readdir "$W/raw/d" time_listing
for kind in unionfs overlayfs; do
	cold_and_warm "$kind" readdir "$W/mnt/d" time_listing
done
W=$W_SAVED
umount "$W/rd"

# row LABEL KEY: one table row, the unions' ratios to raw for KEY.
row() {
	local label=$1 key=$2 raw_c=${COLD[raw/$2]} raw_w=${WARM[raw/$2]}
	printf '%-10s %-22s %-22s %-8s\n' "$label" \
		"$(ratio "${COLD[unionfs/$key]}" "$raw_c") / $(ratio "${WARM[unionfs/$key]}" "$raw_w")" \
		"$(ratio "${COLD[overlayfs/$key]}" "$raw_c") / $(ratio "${WARM[overlayfs/$key]}" "$raw_w")" \
		"$(ms "$raw_c")"
}
header() { printf '%-10s %-22s %-22s %-8s\n' "$1" "unionfs cold / warm" "overlayfs cold / warm" "raw ms"; }

echo "=== branches benchmark"
echo "lookup+stat of $names names that only the bottom branch holds, each"
echo "branch's d/ with $own names of its own; tmpfs branches; median of $reps"
echo "runs; ratio to the same stats on the bottom branch itself (raw tmpfs)."
header branches
for n in "${counts[@]}"; do row "$n" "$n"; done
echo
echo "lookup+stat of $many names that only the bottom (or only the top) of"
echo "$many_branches tmpfs branches holds; ratio to the same stats on that branch."
header "names in"
for where in bottom top; do row "$where" "many-$where"; done
echo
echo "readdir of d/ merged from $rd_branches tmpfs branches of $rd_names names (neighbours"
echo "share $((rd_names - rd_step))): $RD_EXPECTED names; ratio to one tmpfs directory of them."
header ""
row readdir readdir
echo "=== end"
