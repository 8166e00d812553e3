#!/bin/bash
# test/vm/bench/run.sh: the guest side of `make bench` (test/vm/bench/bench
# boots the guest and runs it with test/vm/run --script).
#
# Times the same workloads on raw ext4 and on unions of two directories of
# ext4 (unionfs, overlayfs, unionfs-fuse, mergerfs), all in one boot, and
# prints a table of medians with ratios to raw ext4 between the lines
# "=== unionfs benchmark" and "=== end", which the host saves.
#
# Exit status: non-zero only when unionfs itself failed (its mount, or a
# workload on it) or the benchmark could not be set up at all. Slow numbers
# never fail, and a peer that cannot run here is reported as n/a.
#
# Kernel command line (test/vm/run --append): ufs_bench_reps=N (default 3),
# ufs_bench_quick=1 (tiny sizes: checks the scripts, measures nothing),
# ufs_bench_only=W[,W...] (only these workloads: stat_cold, stat_warm,
# readdir, read, create, copyup, unlink, tar).
set -u
shopt -s nullglob dotglob # globs are the readdir of several checks
export LC_ALL=C

BENCH=${UFS_VM:?run me with test/vm/run --script}/bench
# unionfs-fuse, unpacked on the host by test/vm/bench/bench (not installed there).
PATH=${UFS_REPO:?}/build/bench/unionfs-fuse/usr/bin:$PATH
# shellcheck source=workloads.sh
. "$BENCH/workloads.sh"
# shellcheck source=contenders.sh
. "$BENCH/contenders.sh"

REPS=3
QUICK=
ALL_WORKLOADS=("${WORKLOADS[@]}")
for word in $(</proc/cmdline); do
	case $word in
	ufs_bench_reps=[1-9]*) REPS=${word#*=} ;;
	ufs_bench_quick=1) QUICK=1 ;;
	ufs_bench_only=?*) IFS=, read -r -a WORKLOADS <<<"${word#*=}" ;;
	esac
done
set_sizes "$QUICK"

WORK=$PWD # a fresh directory in the guest's /tmp (tmpfs), given by the harness
TARBALL=$WORK/pkg.tar
IMG_MB=512     # sparse; holds the data set of every repetition
IMG_INODES=65536
readonly LABEL_W=30 CELL_W=16 # report columns

# --- the clock ------------------------------------------------------------------

# Sets NOW to CLOCK_MONOTONIC in nanoseconds. /proc/timer_list's third line
# is "now at N nsecs" (ktime_get()), read by a bash builtin: date(1) would
# cost an exec (~80 ms under TCG) inside the timed part, and $EPOCHREALTIME
# is the wall clock. /proc/uptime (10 ms steps) stands in if need be.
clock_ns() {
	local line ns=
	{ read -r line && read -r line && read -r _ _ ns _; } </proc/timer_list 2>/dev/null
	if [[ ! $ns =~ ^[0-9]+$ ]]; then
		read -r line _ </proc/uptime
		ns=$((10#${line/./} * 10000000))
	fi
	NOW=$ns
}

# Describes the clock for the report. Under TCG the guest kernel cannot
# calibrate its TSC and ticks in 4 ms jiffies, unless the host passed
# tsc_early_khz (test/vm/bench/bench does when it can).
clock_name() {
	local cs=unknown
	read -r cs </sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null
	case $cs in
	*jiffies) echo "CLOCK_MONOTONIC (/proc/timer_list), clocksource $cs: steps of 4 ms (HZ=250)" ;;
	*) echo "CLOCK_MONOTONIC (/proc/timer_list), clocksource $cs" ;;
	esac
}

# Seconds since the epoch by the emulated RTC (driven by the host's clock),
# to check the scale of the clock above over the whole run.
rtc_secs() {
	local s=0
	read -r s </sys/class/rtc/rtc0/since_epoch 2>/dev/null
	echo "$s"
}

# Seconds with milliseconds, from nanoseconds.
secs() { printf '%d.%03d' $(($1 / 1000000000)) $(($1 / 1000000 % 1000)); }

# A/B as "1.23x".
ratio() {
	local r=$((($1 * 100 + $2 / 2) / $2))
	printf '%d.%02dx' $((r / 100)) $((r % 100))
}

# Prints the median of the numbers given.
median() {
	local sorted n
	mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
	n=${#sorted[@]}
	if ((n % 2)); then
		echo "${sorted[n / 2]}"
	else
		echo $(((sorted[n / 2 - 1] + sorted[n / 2]) / 2))
	fi
}

# --- results --------------------------------------------------------------------

declare -A MEDIAN=() CELL=() RUNS=() RUNS_NS=()
NOTES=()
UNIONFS_FAILED=

# add_note TEXT: a footnote; sets MARK to its "[N]" (no subshell, so that
# NOTES grows in this shell).
add_note() {
	NOTES+=("$1")
	MARK="[${#NOTES[@]}]"
}

# na CONTENDER WORKLOAD REASON: the cell shows n/a and why. A unionfs error
# is a failure of the benchmark; any other contender's is just reported.
na() {
	local c=$1 w=$2 why=$3
	add_note "${CONTENDER_LABEL[$c]}, $(workload_label "$w"): $why"
	if [[ $c == unionfs ]]; then
		CELL[$c,$w]="FAILED $MARK"
		UNIONFS_FAILED=1
		echo "bench: unionfs failed: $(workload_label "$w"): $why"
	else
		CELL[$c,$w]="n/a $MARK"
	fi
}

# na_column CONTENDER REASON: none of the contender's cells can be measured.
na_column() {
	local c=$1 why=$2 w
	add_note "${CONTENDER_LABEL[$c]}: $why"
	for w in "${WORKLOADS[@]}"; do
		CELL[$c,$w]="n/a $MARK"
		[[ $c != unionfs ]] || CELL[$c,$w]="FAILED $MARK"
	done
	if [[ $c == unionfs ]]; then
		UNIONFS_FAILED=1
		echo "bench: unionfs failed: $why"
	fi
}

# --- measuring ------------------------------------------------------------------

# Starts a cold run: dirty data written back (outside the timing), the
# page, dentry and inode caches emptied, then a pause for the work that
# leaves behind (inodes are freed after an RCU grace period) to be done.
drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	pause 0.1
}

# A sleep without an exec: read -t on a FIFO that nobody writes.
pause() { read -r -t "$1" -u "$PAUSE_FD" _ || true; }

is_function() { declare -F "$1" >/dev/null; }

# First line of an error file, for a footnote.
first_error() {
	local line=
	read -r line <"$1" || true
	echo "${line:-failed without a message}"
}

declare -A ROOTS=() # contender -> the directory its workloads run in
READY=()            # the contenders mounted, in table order

# A cell is being measured until it has a verdict (a median, n/a, FAILED).
measuring() { [[ -z ${CELL[$1,$2]:-} ]]; }

# run_once CONTENDER WORKLOAD REP: one timed run, added to RUNS_NS; on an
# error (or a wrong result) the cell gets its n/a or FAILED instead.
run_once() {
	local c=$1 w=$2 rep=$3 root=${ROOTS[$1]} rc=0 t0 err=$WORK/error
	[[ $(workload_cache "$w") == warm ]] || drop_caches
	! is_function "prep_$w" || "prep_$w" "$root" "$rep"
	clock_ns
	t0=$NOW
	"wl_$w" "$root" "$rep" 2>"$err" || rc=$?
	clock_ns
	if [[ $rc -eq 0 ]] && is_function "check_$w"; then
		"check_$w" "$root" "$rep" 2>"$err" || rc=$?
	fi
	if [[ $rc -ne 0 ]]; then
		na "$c" "$w" "$(first_error "$err")"
		return 1
	fi
	RUNS_NS[$c,$w]+="$((NOW - t0)) "
}

# The untimed run that makes the next one warm.
warm_up() {
	local c=$1 w=$2 err=$WORK/error
	"wl_$w" "${ROOTS[$c]}" 1 2>"$err" || { na "$c" "$w" "$(first_error "$err")"; return 1; }
}

# Sets the cell of a measured contender and prints its runs.
summarize() {
	local c=$1 w=$2 t runs=()
	read -r -a runs <<<"${RUNS_NS[$c,$w]}"
	MEDIAN[$c,$w]=$(median "${runs[@]}")
	CELL[$c,$w]=$(secs "${MEDIAN[$c,$w]}")
	RUNS[$c,$w]=$(for t in "${runs[@]}"; do printf '%s ' "$(secs "$t")"; done)
	printf 'bench:   %-*s %-5s %-14s %s\n' "$LABEL_W" "$(workload_label "$w")" \
		"$(workload_cache "$w")" "${CONTENDER_LABEL[$c]}" "${RUNS[$c,$w]}"
}

# measure WORKLOAD: REPS runs on every ready contender. Cold runs go round
# robin, each repetition running every contender once, starting with a
# different one each time: a slow spell of the shared, emulated host then
# hits them all alike. Warm runs need their warm-up just before them (FUSE
# forgets attributes after a second), so each contender does its runs in a
# row.
measure() {
	local w=$1 c rep i n=${#READY[@]} why
	for c in "${READY[@]}"; do
		why=$(workload_unsupported "$c" "$w")
		[[ -z $why ]] || na "$c" "$w" "$why"
	done
	# The first cold read of a big file in a fresh guest takes up to 2 s
	# more, whichever contender does it: where the files allow it, an
	# untimed run goes first.
	if [[ -z ${WL_WRITES[$w]:-} && $(workload_cache "$w") == cold ]] && measuring raw "$w"; then
		drop_caches
		warm_up raw "$w" || true
	fi
	if [[ $(workload_cache "$w") == warm ]]; then
		for c in "${READY[@]}"; do
			measuring "$c" "$w" || continue
			warm_up "$c" "$w" || continue
			for ((rep = 1; rep <= REPS; rep++)); do
				run_once "$c" "$w" "$rep" || break
			done
		done
	else
		for ((rep = 1; rep <= REPS; rep++)); do
			for ((i = 0; i < n; i++)); do
				c=${READY[(i + rep - 1) % n]}
				! measuring "$c" "$w" || run_once "$c" "$w" "$rep" || true
			done
		done
	fi
	for c in "${READY[@]}"; do
		! measuring "$c" "$w" || summarize "$c" "$w"
	done
}

# setup_contender NAME: its own fresh copy of the data set, mounted the
# contender's way; NAME joins READY, or its column says why it cannot.
setup_contender() {
	local c=$1 why template img fs mnt
	why=$(contender_missing "$c")
	if [[ -n $why ]]; then
		na_column "$c" "$why"
		return
	fi
	template=$WORK/template-union.img
	[[ $c != raw ]] || template=$WORK/template-raw.img
	img=$WORK/$c.img fs=$WORK/$c.fs mnt=$WORK/$c.mnt
	mkdir -p "$fs"
	if ! cp --sparse=always "$template" "$img" || ! mount -o loop "$img" "$fs"; then
		die "cannot make the ext4 filesystem for $c"
	fi
	if ! contender_mount "$c" "$fs" "$mnt" 2>"$WORK/error"; then
		na_column "$c" "mount failed: $(first_error "$WORK/error")"
		return
	fi
	ROOTS[$c]=$ROOT
	READY+=("$c")
}

# Unmounts every contender; a union that will not go is a unionfs failure.
teardown_contenders() {
	local c
	for c in "${READY[@]}"; do
		if ! contender_umount "$c" "$WORK/$c.mnt" && [[ $c == unionfs ]]; then
			UNIONFS_FAILED=1
			echo "bench: cannot unmount unionfs"
		fi
		umount "$WORK/$c.fs"
	done
}

# --- setup --------------------------------------------------------------------------

die() {
	echo "bench: $*"
	exit 1
}

# The guest's root is the host's, over 9p, under an overlay with a tmpfs
# upper layer: every cache drop would make the next run fetch the programs
# it execs (and the FUSE daemons their code) from the host again, a cost
# that is not the contender's. Opening a file for writing copies it up into
# that tmpfs, which no cache drop empties.
pin_tools() {
	local tool path files=(/etc/ld.so.cache /etc/passwd /etc/group /etc/nsswitch.conf)
	for tool in find cat rm tar sync stat unionfs-fuse mergerfs; do
		path=$(command -v "$tool") || continue
		files+=("$path")
		mapfile -t -O "${#files[@]}" files < <(ldd "$path" 2>/dev/null |
			awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
	done
	for path in "${files[@]}"; do
		[[ ! -f $path ]] || : 2>/dev/null >>"$path"
	done
}

# make_union_template IMG: an ext4 image with lower/ and upper/ (the data
# set) and work/ (for overlayfs).
make_union_template() {
	local img=$1 m=$WORK/template
	truncate -s "${IMG_MB}M" "$img"
	# Inode tables and journal written now: the kernel would otherwise
	# zero them in the background (ext4lazyinit) during the measurements.
	mkfs.ext4 -q -F -N "$IMG_INODES" -E lazy_itable_init=0,lazy_journal_init=0 "$img" ||
		return
	mkdir -p "$m" && mount -o loop "$img" "$m" || return
	mkdir -p "$m/lower" "$m/upper" "$m/work" || return
	make_tree "$m/lower" "$m/upper" "$REPS" || return
	umount "$m"
}

# make_raw_template UNION_IMG IMG: the same data merged the way the unions
# show it, all in upper/ (the upper branch only adds names to readdir/).
make_raw_template() {
	local union=$1 img=$2 m=$WORK/template
	cp --sparse=always "$union" "$img" && mount -o loop "$img" "$m" || return
	cp -a "$m/upper/readdir/." "$m/lower/readdir/" || return
	rm -rf "$m/upper" "$m/work" && mv "$m/lower" "$m/upper" || return
	umount "$m"
}

setup() {
	local w
	for w in "${WORKLOADS[@]}"; do
		is_function "wl_$w" || die "no workload named '$w' (there are: ${ALL_WORKLOADS[*]})"
	done
	mkfifo "$WORK/pause" || die "cannot make a FIFO in $WORK"
	exec {PAUSE_FD}<>"$WORK/pause"
	pin_tools
	bench_modprobe loop ext4 || die "cannot load the loop and ext4 modules"
	make_tarball "$TARBALL" || die "cannot build the tarball"
	make_union_template "$WORK/template-union.img" || die "cannot build the data set"
	make_raw_template "$WORK/template-union.img" "$WORK/template-raw.img" ||
		die "cannot build the raw ext4 data set"
}

# Whatever is still mounted under WORK when the script ends, newest first.
cleanup() {
	local src mp rest mounts=()
	while read -r src mp rest; do
		[[ $mp != "$WORK"/* ]] || mounts=("$mp" "${mounts[@]}")
	done </proc/self/mounts
	for mp in "${mounts[@]}"; do
		umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null
	done
}

memory_use() {
	awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } /^Shmem:/ { s = $2 }
		END { printf "guest memory %d MiB, %d MiB in tmpfs, %d MiB available", t / 1024, s / 1024, a / 1024 }' /proc/meminfo
}

# --- the report -------------------------------------------------------------------

report_header() {
	local mem
	mem=$(awk '/^MemTotal:/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)
	echo "=== unionfs benchmark"
	echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kernel:  $(uname -r) in QEMU (TCG: emulated, no KVM), $(nproc) vCPU, $mem"
	echo "data:    ext4 on a loop image in the guest's tmpfs; a fresh copy of the same data per contender"
	echo "sizes:   lookup tree $TREE_N files in $((TREE_TOP * TREE_SUB + TREE_TOP + 1)) dirs;" \
		"readdir $READDIR_N names ($READDIR_SHARED in both branches);" \
		"read ${READ_MB} MiB; create $CREATE_N; copy-up $COPYUP_N x $COPYUP_KB KiB;" \
		"unlink $UNLINK_N; tar x $TAR_N entries${QUICK:+ (QUICK: tiny sizes, numbers mean nothing)}"
	echo "runs:    $REPS per cell (a writing workload gets fresh files for each);" \
		"cold = sync + echo 3 > /proc/sys/vm/drop_caches before each run," \
		"warm = after an untimed run; writes are not synced (they end in the page cache)"
	echo "clock:   $(clock_name); $(secs "$ELAPSED") s of benchmark by it, $RTC_ELAPSED s by the RTC"
	echo "columns: median seconds (ratio to raw ext4); unionfs/overlayfs is the ratio of" \
		"their medians (below 1: unionfs faster)"
	echo "compared:"
	local c
	for c in "${CONTENDERS[@]}"; do
		echo "  $(contender_how "$c")"
	done
	echo
}

# One cell: seconds, and the ratio to raw ext4 when both were measured.
report_cell() {
	local c=$1 w=$2 text=${CELL[$1,$2]:--}
	if [[ $c != raw && -n ${MEDIAN[$c,$w]:-} && -n ${MEDIAN[raw,$w]:-} ]]; then
		text+=" ($(ratio "${MEDIAN[$c,$w]}" "${MEDIAN[raw,$w]}"))"
	fi
	printf '%-*s' "$CELL_W" "$text"
}

report_table() {
	local c w label
	printf '%-*s %-5s ' "$LABEL_W" workload cache
	for c in "${CONTENDERS[@]}"; do
		printf '%-*s' "$CELL_W" "${CONTENDER_LABEL[$c]}"
	done
	echo "unionfs/overlayfs"
	for w in "${WORKLOADS[@]}"; do
		label=$(workload_label "$w")
		printf '%-*s %-5s ' "$LABEL_W" "$label" "$(workload_cache "$w")"
		for c in "${CONTENDERS[@]}"; do
			report_cell "$c" "$w"
		done
		if [[ -n ${MEDIAN[unionfs,$w]:-} && -n ${MEDIAN[overlayfs,$w]:-} ]]; then
			ratio "${MEDIAN[unionfs,$w]}" "${MEDIAN[overlayfs,$w]}"
		else
			printf -- -
		fi
		echo
	done
}

report_notes() {
	local i c w
	if [[ ${#NOTES[@]} -gt 0 ]]; then
		echo
		for i in "${!NOTES[@]}"; do
			echo "[$((i + 1))] ${NOTES[i]}"
		done
	fi
	echo
	echo "every run (seconds, in order):"
	for w in "${WORKLOADS[@]}"; do
		for c in "${CONTENDERS[@]}"; do
			[[ -z ${RUNS[$c,$w]:-} ]] ||
				printf '  %-*s %-5s %-14s %s\n' "$LABEL_W" "$(workload_label "$w")" \
					"$(workload_cache "$w")" "${CONTENDER_LABEL[$c]}" "${RUNS[$c,$w]}"
		done
	done
}

main() {
	local start rtc_start c w
	clock_ns
	start=$NOW
	rtc_start=$(rtc_secs)
	trap cleanup EXIT
	echo "bench: building the data set (${QUICK:+quick, }$REPS runs per workload)"
	setup
	for c in "${CONTENDERS[@]}"; do
		setup_contender "$c"
	done
	rm -f "$WORK"/template-*.img
	clock_ns
	echo "bench: ready in $(secs $((NOW - start))) s: ${READY[*]}; $(memory_use)"
	for w in "${WORKLOADS[@]}"; do
		measure "$w"
	done
	teardown_contenders
	clock_ns
	ELAPSED=$((NOW - start))
	RTC_ELAPSED=$(($(rtc_secs) - rtc_start))
	report_header
	report_table
	report_notes
	echo "=== end"
	[[ -z $UNIONFS_FAILED ]]
}

main "$@"
