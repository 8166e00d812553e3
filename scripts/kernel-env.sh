#!/usr/bin/env bash
# scripts/kernel-env.sh [--kernel SERIES] VAR
# Prints one variable (KVER, VMLINUX, VMLINUZ, KDIR, MODROOT, PKGS, SERIES) of
# a Debian kernel cached by scripts/setup.sh. SERIES defaults to $UFS_KERNEL or
# 6.1. Used by the Makefile: KDIR ?= $(shell scripts/kernel-env.sh KDIR)
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: scripts/kernel-env.sh [--kernel SERIES] VAR

Print VAR (KVER, VMLINUX, VMLINUZ, KDIR, MODROOT, PKGS or SERIES) of the
Debian kernel that scripts/setup.sh cached for SERIES (6.1 or 6.12;
default $UFS_KERNEL, else 6.1), or of the debug kernel that
scripts/build-debug-kernel.sh built (SERIES 6.1-debug).
EOF
}

series=${UFS_KERNEL:-6.1}
var=
while [[ $# -gt 0 ]]; do
	case $1 in
	--kernel)
		[[ $# -ge 2 ]] || { echo "kernel-env.sh: --kernel needs an argument" >&2; exit 2; }
		series=$2
		shift 2
		;;
	--kernel=*) series=${1#--kernel=}; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "kernel-env.sh: unknown option '$1'. Try 'scripts/kernel-env.sh --help'" >&2; exit 2 ;;
	*)
		[[ -z $var ]] || { echo "kernel-env.sh: only one VAR, please" >&2; exit 2; }
		var=$1
		shift
		;;
	esac
done
case $var in
KVER | VMLINUX | VMLINUZ | KDIR | MODROOT | PKGS | SERIES) ;;
'') usage >&2; exit 2 ;;
*) echo "kernel-env.sh: unknown variable '$var' (KVER, VMLINUX, VMLINUZ, KDIR, MODROOT, PKGS, SERIES)" >&2; exit 2 ;;
esac

env_file=${UFS_CACHE:-/var/cache/unionfs-dev}/$series/env
fix="scripts/setup.sh --kernel $series"
[[ $series != *-debug ]] || fix=scripts/build-debug-kernel.sh
if [[ ! -r $env_file ]]; then
	echo "kernel-env.sh: no cached Debian $series kernel ($env_file is missing);" \
		"run: $fix" >&2
	exit 1
fi
# shellcheck disable=SC1090
source "$env_file"
value=${!var:-}
if [[ -z $value ]]; then
	echo "kernel-env.sh: $var is not set in $env_file; run: $fix" >&2
	exit 1
fi
printf '%s\n' "$value"
