#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# host-tsc-khz.sh - prints the host's TSC frequency in kHz, or nothing when
# the TSC is not a steady clock here. A TCG guest reads the host's TSC but
# cannot always calibrate it (no HPET or PM timer with acpi=off, and the
# PIT loop is slow and jittery under emulation): booted with
# tsc_early_khz=<this> it gets a nanosecond clock (the benchmark), and the
# debug kernel, whose boot self-tests hang without a working timer when
# calibration fails under load, boots every time (test/vm/run).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/test/vm/bench/tsc-khz.c
prog=$top/build/bench/tsc-khz

[[ $(uname -m) == x86_64 ]] || exit 0
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
[[ $flags == *" constant_tsc "* && $flags == *" nonstop_tsc "* ]] || exit 0
if [[ ! -x $prog || $src -nt $prog ]]; then
	mkdir -p "$(dirname "$prog")"
	cc -O2 -Wall -o "$prog" "$src" || exit 0
fi
"$prog" || true
