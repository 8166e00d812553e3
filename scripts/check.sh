#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--kernel SERIES] - every test: the host unit tests of the core,
# of unionctl and of snapmerge (Catch2, ASan/UBSan), and the guest suite
# (test/vm/run), which uses the built module and tools: the concurrency
# tests (150-155) on 4 vCPUs, the others on 2, in two boots; and the checks
# that need a reboot (test/vm/reboot/run: two boots on the same disks).
# Each part's output is shown as it runs; the last line sums them all:
#   N passed, N failed
set -uo pipefail

kernel=6.1
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	*) echo "usage: check.sh [--kernel SERIES]" >&2; exit 2 ;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
logdir=$top/build/check
mkdir -p "$logdir"

# Runs one part, teeing its output; prints "passed failed" counted from it.
run_part() {
	local name=$1; shift
	local log=$logdir/$name.log status
	echo "=== $name: $*"
	"$@" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	count_results "$log" "$status" >"$logdir/$name.counts"
}

# Each part ends with its own "N passed, N failed" line (the unit tests' as
# a TAP comment), which also counts what TAP lines cannot show (a console
# scan, a hung guest). A part that failed without reporting a failure
# (crash, build error) or ran nothing counts as one failure, so it cannot
# pass silently.
count_results() {
	local log=$1 status=$2 line passed=0 failed=0
	line=$(grep -E '^(# )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		passed=$(echo "$line" | sed -E 's/^(# )?([0-9]+) passed.*/\2/')
		failed=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	fi
	if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
		failed=1
	fi
	if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
		failed=1	# ran no test at all
	fi
	echo "$passed $failed"
}

parts=(core unionctl snapmerge deb vm vm-smp4 vm-reboot)
# Builds use every core (the test programs compile with sanitizers: slow).
jobs=-j$(nproc)
run_part core make "$jobs" -C "$top/core/tests" run
run_part unionctl make "$jobs" -C "$top/unionctl" check
run_part snapmerge make "$jobs" -C "$top/snapmerge" check
# The Debian packages, checked by lintian; guest test 210 installs them.
run_part deb bash -c 'make -C "$1" deb && echo "1 passed, 0 failed"' _ "$top"
# The guest logs of a part (test/vm/run keeps those of its last run only).
keep_vm_logs() {
	local name=$1 f
	mkdir -p "$logdir/$name"
	for f in console.log results.ktap output.log dmesg.log; do
		rm -f "$logdir/$name/$f"
		[[ ! -f $top/build/vm/$kernel/$f ]] || cp "$top/build/vm/$kernel/$f" "$logdir/$name/$f"
	done
}
# The concurrency tests run on 4 vCPUs in a boot of their own (vm-smp4),
# the rest of the suite on 2 as before. The suite takes about 20 minutes
# here (2 vCPUs; 1185 s with other guests beside it); the margin is for
# slower machines.
concurrency_tests=150,151,152,153,154,155
run_part vm "$top/test/vm/run" --kernel "$kernel" --smp 2 --timeout 2700 --exclude "$concurrency_tests"
keep_vm_logs vm
# 150 ~90 s, 151 ~40 s, 152 ~60 s, 153 ~3 min, 155 ~45 s on 4 vCPUs, plus the boot.
run_part vm-smp4 "$top/test/vm/run" --kernel "$kernel" --smp 4 --timeout 1500 ${concurrency_tests//,/ }
keep_vm_logs vm-smp4
# ~30 s: two boots of about 15 s each.
run_part vm-reboot "$top/test/vm/reboot/run" --kernel "$kernel"

total_passed=0
total_failed=0
for part in "${parts[@]}"; do
	read -r p f <"$logdir/$part.counts"
	echo "$part: $p passed, $f failed"
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
done
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
