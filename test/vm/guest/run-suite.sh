#!/bin/bash
# Guest-side runner of the unionfs VM tests (started by the guest's /init,
# chrooted into the host's root). Loads the module, runs each test script in a
# fresh empty directory under /tmp with a timeout, and writes KTAP results to
# /dev/ttyS1 (the kernel console is ttyS0, so kernel messages never interleave
# with results). At the end it unmounts what is left, unloads the module (a
# failure is the test "module-unload") and, if the kernel log holds a problem,
# writes all of it to ttyS2. Each test's output also streams to ttyS3.
#
# Test scripts: exit 0 = pass, 77 = skip (the last output line says why),
# anything else = fail. A header line "# timeout: SECS" overrides the default
# per-test timeout.
set -u

conf=${1:?usage: run-suite.sh CONFIG}
# shellcheck source=/dev/null
source "$conf"
: "${UFS_REPO:?}" "${UFS_VM:?}" "${MODE:?}" "${FIRST:?}" "${TOTAL:?}" "${TEST_TIMEOUT:?}"
MODULE=${MODULE:-}
MODULE_NAME=${MODULE_NAME:-unionfs}
FAKE=${FAKE:-}
TESTS=("${TESTS[@]}")

exec 3>/dev/ttyS1
# Test output is also streamed to ttyS3, so the host can show what a test
# printed before the guest died under it.
exec 4>/dev/ttyS3 || exec 4>/dev/null
ktap() { printf '%s\n' "$@" >&3; }
diag() { sed -e 's/^/# /' -e 's/[[:space:]]*$//' >&3; }

# Kernel messages that fail a test wherever they appear.
readonly BAD_KMSG='WARNING:|BUG:|Oops|general protection fault|Kernel panic|Busy inodes after unmount|unregister_netdevice|Call Trace|blocked for more than [0-9]+ seconds|UBSAN:'

# Every exec costs ~35 ms under TCG: between tests, this runner sticks to
# bash builtins where it can.

kmsg_mark() { echo "ufs-runner: $1" >/dev/kmsg; }

# Sets KMSG to the kernel log after the mark line $1.
kmsg_since() {
	local mark="ufs-runner: $1" line found=
	KMSG=
	while IFS= read -r line; do
		if [[ -n $found ]]; then
			KMSG+=$line$'\n'
		elif [[ $line == *"$mark" ]]; then
			found=1
		fi
	done < <(dmesg)
}

# Sets MOUNTS to the mount points at or under $1 (or, with -u, the union
# mounts; with --fake-overlay the overlays lib.sh made), newest first.
list_mounts() {
	local src mp type rest
	MOUNTS=()
	while read -r src mp type rest; do
		if [[ $1 == -u ]]; then
			if [[ -n $FAKE ]]; then [[ $src == ufs-fake ]] || continue; else [[ $type == unionfs ]] || continue; fi
		else
			[[ $mp == "$1" || $mp == "$1"/* ]] || continue
		fi
		MOUNTS=("$mp" "${MOUNTS[@]}")
	done </proc/self/mounts
}

# Unmounts MOUNTS, lazily if need be.
umount_list() {
	local m
	for m in "${MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
}

# Prints the "# timeout: N" of a test's header, or the default, times
# test/vm/run's --timeout-factor.
TIMEOUT_FACTOR=${TIMEOUT_FACTOR:-1}
test_timeout() {
	local line n=0
	while IFS= read -r line && [[ $((n += 1)) -le 15 ]]; do
		if [[ $line =~ ^#\ timeout:\ *([0-9]+) ]]; then
			echo "$((BASH_REMATCH[1] * TIMEOUT_FACTOR))"
			return
		fi
	done <"$1"
	echo "$((TEST_TIMEOUT * TIMEOUT_FACTOR))"
}

export UFS_REPO UFS_VM MODULE_NAME
export UFS_LIB=$UFS_VM/lib.sh
export UFS_PROGS=${UFS_PROGS:-}
export UFS_FAKE=$FAKE
export UFS_KVER=${KVER:-}
# The module the runner loaded, and the host path of the guest kernel's
# cached root (its headers are under usr/src): test 210 installs the
# Debian packages and lets DKMS build the module against them.
export UFS_MODULE=${MODULE:-}
export UFS_MODROOT=${MODROOT:-}
export TMPDIR=/tmp

echo $((60 * TIMEOUT_FACTOR)) >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null || true
# The boot was quiet; from now on every kernel message reaches the console.
echo 8 >/proc/sys/kernel/printk
read -r uptime _ </proc/uptime
ktap "# guest-ready $uptime"

if [[ $FIRST -eq 1 && $MODE == suite ]]; then
	ktap "KTAP version 1" "1..$TOTAL"
fi

if [[ -n $MODULE ]]; then
	out=$(
		for dep in $(modinfo -F depends "$MODULE" 2>/dev/null | tr ',' ' '); do
			modprobe "$dep" || exit 1
		done
		# MODULE_NAME.param=value on the kernel command line, as modprobe
		# would pass them (e.g. unionfs.dyndbg=+p via test/vm/run --append).
		params=()
		read -r -a words </proc/cmdline
		for w in "${words[@]}"; do
			[[ $w != "$MODULE_NAME".* ]] || params+=("${w#"$MODULE_NAME".}")
		done
		insmod "$MODULE" "${params[@]}" 2>&1
	) || {
		ktap "Bail out! insmod $MODULE failed"
		{ printf '%s\n' "$out"; dmesg | tail -n 20; } | diag
		dmesg >/dev/ttyS2
		ktap "# suite-done"
		exit 0
	}
elif [[ -n $FAKE ]]; then
	modprobe "$FAKE"
fi

run_one() { # NUM NAME PATH
	local num=$1 name=$2 path=$3 wd out rc timeout leftover bad reason line skip_reason lines=() tpid fpid
	timeout=$(test_timeout "$path")
	ktap "# running $num $name"
	wd=/tmp/ufs-$num
	out=/tmp/ufs-$num.out
	mkdir "$wd"
	kmsg_mark "begin $num $name"
	printf '=== %s %s\n' "$num" "$name" >&4
	# timeout(1) makes itself a process group leader: whatever the test left
	# running in the background is killed with that group when it is done.
	(cd "$wd" && exec timeout -k 10 "$timeout" bash "$path") >"$out" 2>&1 </dev/null &
	tpid=$!
	tail -q -n +1 -s 0.1 -f --pid="$tpid" "$out" >&4 2>/dev/null &
	fpid=$!
	rc=0
	wait "$tpid" || rc=$?
	kill -KILL -- "-$tpid" 2>/dev/null || true
	wait "$fpid" 2>/dev/null || true
	kmsg_mark "end $num $name"

	# Whatever the test left mounted is undone here; a left union mount is a bug.
	list_mounts -u
	leftover=${MOUNTS[*]}
	umount_list
	list_mounts "$wd"
	umount_list
	if compgen -G '/sys/block/loop*/loop/backing_file' >/dev/null; then
		losetup -D 2>/dev/null || true
	fi
	rm -rf "$wd" 2>/dev/null || true

	kmsg_since "begin $num $name"
	bad=
	[[ ! $KMSG =~ $BAD_KMSG ]] || bad=1
	reason=
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		reason="timed out after ${timeout}s"
	elif [[ -n $bad ]]; then
		reason="kernel reported a problem"
	elif [[ $rc -eq 0 && -n $leftover ]]; then
		reason="left mounted: $leftover"
	elif [[ $rc -ne 0 && $rc -ne 77 ]]; then
		reason="exit status $rc"
	fi
	if [[ -z $reason && $rc -eq 77 ]]; then
		skip_reason=
		while IFS= read -r line; do
			[[ $line =~ ^[[:space:]]*$ ]] || skip_reason=$line
		done <"$out"
		ktap "ok $num $name # SKIP $skip_reason"
	elif [[ -z $reason ]]; then
		ktap "ok $num $name"
	else
		ktap "not ok $num $name # $reason"
		diag <"$out"
		if [[ -n $bad ]]; then
			echo "--- kernel log during the test:" | diag
			mapfile -t lines <<<"${KMSG%$'\n'}"
			printf '%s\n' "${lines[@]:0:80}" | diag
		fi
	fi
}

num=$FIRST
if [[ $MODE == script ]]; then
	wd=$(mktemp -d /tmp/ufs-script.XXXXXX)
	(cd "$wd" && exec timeout -k 10 "$TEST_TIMEOUT" bash "$SCRIPT") 2>&1 </dev/null |
		sed -u 's/[[:space:]]*$//' >&3
	rc=${PIPESTATUS[0]}
	list_mounts -u
	umount_list
	list_mounts "$wd"
	umount_list
	ktap "# script-exit $rc"
else
	for t in "${TESTS[@]}"; do
		name=${t%.sh}
		run_one "$num" "$name" "$UFS_VM/$t"
		num=$((num + 1))
	done
fi

if [[ -n $MODULE ]]; then
	list_mounts -u
	umount_list
	kmsg_mark "begin module-unload"
	if out=$(rmmod "$MODULE_NAME" 2>&1); then
		[[ $MODE == script ]] || ktap "ok $num module-unload"
	else
		if [[ $MODE == script ]]; then
			ktap "not ok 1 module-unload # rmmod $MODULE_NAME failed"
		else
			ktap "not ok $num module-unload # rmmod $MODULE_NAME failed"
		fi
		{
			printf '%s\n' "$out"
			grep "^$MODULE_NAME " /proc/modules
			cat /proc/self/mounts
		} | diag
	fi
fi

# The boot was quiet on the console: hand over the whole kernel log only if
# it holds a problem (a serial port is slow under TCG).
kmsg=$(dmesg)
if [[ $kmsg =~ $BAD_KMSG ]]; then
	printf '%s\n' "$kmsg" >/dev/ttyS2
fi
ktap "# suite-done"
