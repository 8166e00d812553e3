#!/bin/bash
# test/vm/bench/compile.sh: the guest side of the compile row of `make
# bench` (test/vm/bench/bench --part compile runs it with test/vm/run
# --script, after compile-source.sh fetched and configured the source).
#
# A real build over a union: the configured source of Debian's less sits
# on a read-only ext4 branch; `make` runs in the union, so every object
# and the program are written to the upper branch (a fresh ext4), as when
# a pristine source tree is layered under a build directory. Against the
# same make in a copy of the tree on a fresh ext4 of its own (raw), and
# through overlayfs. Contenders take turns. Every run starts with the
# branches' caches cold (both ext4s freshly mounted) but the compiler's
# warm. The toolchain comes from the host over 9p, and every open there
# waits for the host, which the instruction-counted clock measures as the
# host's luck, not the guest's work (runs of one cell differed 10x): so
# the files the build uses outside its tree (toolchain.list, traced on the
# host by compile-source.sh) are first copied up into the guest root's
# tmpfs layer, each contender's first build is untimed, and caches are
# not dropped.
# Prints the table between "=== compile benchmark" and "=== end".
#
# Kernel command line: ufs_bench_reps=N (default 3), ufs_bench_quick=1
# (builds only the first three objects).
set -u
export LC_ALL=C

# shellcheck source=guest-timing.sh
. "${UFS_VM:?run me with test/vm/run --script}/bench/guest-timing.sh"
bench_need loop ext4 overlay
reps=$REPS
W=$PWD

src=$(find "$UFS_VM/../../build/bench/compile" -mindepth 2 -maxdepth 2 -name .configured \
	-printf '%h\n' 2>/dev/null | head -n1)
[[ -n $src ]] || { echo "bench: no configured source (test/vm/bench/compile-source.sh)"; exit 1; }
project=${src##*/}
# Into the guest's memory: a metadata change copies a file up into the
# root overlay's tmpfs upper layer.
xargs -r -a "$src/../toolchain.list" touch -c 2>/dev/null
export TMPDIR=$W	# gcc's temporary files: not on the host either
targets=()
if [[ -n $QUICK ]]; then
	targets=(main.o screen.o brac.o)
fi

# The lower branch: an ext4 image in the guest's RAM (tmpfs).
mkfs_on lo 256
cp -a "$src" "lo/$project" || exit 1
rm -f "lo/$project/.configured"
files=$(find "lo/$project" -name '*.c' | wc -l)
umount lo

# Prepares KIND's tree on a fresh upper ext4 over the lower one, freshly
# mounted read-only (so nothing of it is cached); sets TREE.
prepare() {
	local kind=$1
	mount -o loop,ro lo.img lo || exit 1
	mkfs_on up 256
	case $kind in
	raw)
		cp -a "lo/$project" up/ || exit 1
		TREE=$W/up/$project
		;;
	unionfs)
		mkdir -p up/upper u
		mount -t unionfs -o "dirs=$W/up/upper:$W/lo=ro" none u || exit 1
		TREE=$W/u/$project
		;;
	overlayfs)
		mkdir -p up/upper up/work u
		mount -t overlay -o "lowerdir=$W/lo,upperdir=$W/up/upper,workdir=$W/up/work" none u ||
			exit 1
		TREE=$W/u/$project
		;;
	esac
	sync
}

finish() {
	local kind=$1
	[[ $kind == raw ]] || umount u
	umount up lo
	rm -f up.img
}

declare -A RUNS
kinds=(raw unionfs overlayfs)
for ((r = -1; r < reps; r++)); do	# run -1: untimed, warms the caches
	for kind in "${kinds[@]}"; do
		prepare "$kind"
		clock_ns; t0=$NOW
		make -s -C "$TREE" "${targets[@]}" >"$W/make.log" 2>&1 ||
			{ echo "bench: make failed on $kind"; cat "$W/make.log"; exit 1; }
		clock_ns
		((r < 0)) || RUNS[$kind]+=" $((NOW - t0))"
		if [[ -z $QUICK ]]; then
			"$TREE/less" --version >/dev/null ||
				{ echo "bench: the program built on $kind does not run"; exit 1; }
			[[ $kind == raw || -x up/upper/$project/less ]] ||
				{ echo "bench: $kind did not write the program to the upper branch"; exit 1; }
		fi
		finish "$kind"
	done
done

declare -A TIME
for kind in "${kinds[@]}"; do
	# shellcheck disable=SC2086 # the runs, one word each
	TIME[$kind]=$(median ${RUNS[$kind]})
done
echo "=== compile benchmark"
echo "make of $project ($files C files, configured; ${targets[*]:-all targets}) from a read-only"
echo "ext4 branch, objects to a fresh ext4 upper branch; median of $reps runs."
printf '%-12s %-10s %s\n' "" "ms" "ratio to raw ext4"
for kind in "${kinds[@]}"; do
	printf '%-12s %-10s %s\n' "$kind" "$(ms "${TIME[$kind]}")" "$(ratio "${TIME[$kind]}" "${TIME[raw]}")"
done
echo "runs (ms):"
for kind in "${kinds[@]}"; do
	printf '  %-10s' "$kind"
	for t in ${RUNS[$kind]}; do printf ' %s' "$(ms "$t")"; done
	echo
done
echo "=== end"
