#!/usr/bin/env bash
# scripts/build-debug-kernel.sh: build (once) the debug kernel of
# `make check-debug` from Debian's linux-source-6.1: lockdep, KASAN, KFENCE,
# DEBUG_ATOMIC_SLEEP, DEBUG_LIST, DEBUG_OBJECTS_FREE, plus what the guest
# suite needs, all from scripts/debug-kernel.config merged onto
# x86_64_defconfig.
#
# The result is cached in ${UFS_CACHE:-/var/cache/unionfs-dev}/6.1-debug/,
# keyed by the config fragment, the source package's version and the
# compiler; a run with the same key only checks the cache. It writes
# 6.1-debug/env in the format of scripts/setup.sh, so that
# `scripts/kernel-env.sh --kernel 6.1-debug`, `make module KERNEL=6.1-debug`
# and `test/vm/run --kernel 6.1-debug` find it (KDIR is the built tree).
set -euo pipefail

readonly PROG=build-debug-kernel.sh
readonly SERIES=6.1-debug
readonly SRC_PKG=linux-source-6.1
readonly SRC_TAR=/usr/src/linux-source-6.1.tar.xz
# Bump when the way the kernel is built changes (not the fragment: that is hashed).
readonly RECIPE=1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO
readonly FRAGMENT=$REPO/scripts/debug-kernel.config
CACHE=${UFS_CACHE:-/var/cache/unionfs-dev}
DIR=$CACHE/$SERIES
JOBS=${UFS_JOBS:-$(nproc)}
NICE=${UFS_NICE:-19}

readonly PACKAGES=(
	"$SRC_PKG" build-essential bc flex bison libelf-dev libssl-dev dwarves
	cpio rsync kmod xz-utils
)

usage() {
	cat <<EOF
Usage: scripts/build-debug-kernel.sh [OPTIONS]

Build the lockdep/KASAN/KFENCE kernel of 'make check-debug' from Debian's
$SRC_PKG, unless the one cached in \$UFS_CACHE/$SERIES (default
/var/cache/unionfs-dev/$SERIES) has the same config fragment
(scripts/debug-kernel.config), source version and compiler.

Options:
  --no-packages   do not check or install Debian packages
  -h, --help      show this help and exit

Environment: UFS_CACHE, UFS_JOBS (make -j, default: all CPUs), UFS_NICE
(the build's niceness, default 19: the machine may be running guests).
EOF
}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "$*"; exit 1; }

# apt-get, waiting for a dpkg/apt lock another process holds (as setup.sh).
apt_get() {
	local try out rc
	for try in $(seq 1 120); do
		rc=0
		out=$(DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
			-o APT::Sandbox::User=root "$@" 2>&1) || rc=$?
		[[ $rc -ne 0 ]] || return 0
		if grep -qE 'Could not get lock|Unable to acquire|Unable to lock' <<<"$out"; then
			[[ $try -gt 1 ]] || log "apt is busy (another apt-get or dpkg is running); waiting"
			sleep 5
			continue
		fi
		printf '%s\n' "$out" >&2
		return "$rc"
	done
	die "gave up waiting for the apt/dpkg lock"
}

install_packages() {
	local missing=() p status
	declare -A have=()
	while read -r p status; do
		[[ $status == ii ]] && have[$p]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
	for p in "${PACKAGES[@]}"; do
		[[ -n ${have[$p]:-} ]] || missing+=("$p")
	done
	[[ ${#missing[@]} -gt 0 ]] || return 0
	[[ $EUID -eq 0 ]] || die "packages missing (${missing[*]}); run as root to install them"
	log "installing: ${missing[*]}"
	if ! apt_get install -y -q --no-install-recommends "${missing[@]}"; then
		log "apt-get update"
		apt_get update -q
		apt_get install -y -q --no-install-recommends "${missing[@]}"
	fi
}

# Checks that every line of the fragment holds in .config: "CONFIG_X=v" must
# be there as is, "# CONFIG_X is not set" means X is neither y nor m.
verify_config() {
	local config=$1 line sym bad=0
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)= ]]; then
			if ! grep -qxF -- "$line" "$config"; then
				log "config: wanted $line, got: $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$config" || echo "${BASH_REMATCH[1]} absent")"
				bad=1
			fi
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]}
			if grep -qE "^$sym=[ym]$" "$config"; then
				log "config: wanted $sym off, got: $(grep -E "^$sym=" "$config")"
				bad=1
			fi
		fi
	done <"$FRAGMENT"
	[[ $bad -eq 0 ]] || die "olddefconfig did not keep scripts/debug-kernel.config (above); fix the fragment"
}

# Writes $DIR/env (the format of scripts/setup.sh) for the build in BDIR.
write_env() {
	local bdir=$1 srcver=$2 key=$3 tree kver
	tree=$bdir/linux-source-6.1
	kver=$(make -s -C "$tree" kernelrelease)
	{
		printf '# written by scripts/build-debug-kernel.sh; source it or use scripts/kernel-env.sh\n'
		printf 'SERIES=%q\n' "$SERIES"
		printf 'KVER=%q\n' "$kver"
		# test/vm/run boots VMLINUX with -kernel. Not the ELF vmlinux through
		# PVH: its entry code runs KASAN-instrumented before the early shadow
		# exists and the guest triple-faults at once. The bzImage boots.
		printf 'VMLINUX=%q\n' "$tree/arch/x86/boot/bzImage"
		printf 'VMLINUZ=%q\n' "$tree/arch/x86/boot/bzImage"
		printf 'KDIR=%q\n' "$tree"
		printf 'MODROOT=%q\n' "$bdir/mod"
		printf 'PKGS=%q\n' "$SRC_PKG=$srcver config=$key"
		# 4-level paging: with QEMU's -cpu max the kernel turns LA57 on, and
		# an interrupt taken while identify_cpu() has the boot CPU's feature
		# bits cleared makes KASAN see a 5-level address as wild
		# ("wild-memory-access in rcu_is_watching", boot panics at random).
		printf 'KERNEL_CMDLINE=%q\n' no5lvl
	} >"$DIR/env.tmp"
	mv "$DIR/env.tmp" "$DIR/env"
}

main() {
	local do_packages=1
	while [[ $# -gt 0 ]]; do
		case $1 in
		--no-packages) do_packages=''; shift ;;
		-h | --help) usage; exit 0 ;;
		*) die "unknown option '$1'. Try 'scripts/build-debug-kernel.sh --help'" ;;
		esac
	done
	[[ -z $do_packages ]] || install_packages
	[[ -r $SRC_TAR ]] || die "$SRC_TAR is missing (package $SRC_PKG)"
	[[ -r $FRAGMENT ]] || die "$FRAGMENT is missing"

	local srcver ccver key
	srcver=$(dpkg-query -W -f='${Version}' "$SRC_PKG")
	ccver=$(gcc --version | head -n 1)
	key=$({
		echo "recipe $RECIPE $SRC_PKG=$srcver $ccver"
		cat "$FRAGMENT"
	} | sha256sum | cut -c1-16)

	mkdir -p "$DIR" || die "cannot create $DIR; run as root or set UFS_CACHE"
	# One build at a time; a second caller waits and then finds it cached.
	exec 9>"$DIR/lock"
	flock 9

	local bdir=$DIR/build-$key
	local tree=$bdir/linux-source-6.1 modroot=$bdir/mod
	if [[ -f $bdir/done ]]; then
		write_env "$bdir" "$srcver" "$key"
		log "$SERIES: cached ($bdir)"
		return 0
	fi

	local t0=$EPOCHSECONDS
	if [[ ! -f $bdir/unpacked ]]; then
		rm -rf "$bdir"
		mkdir -p "$bdir"
		log "unpacking $SRC_PKG $srcver into $bdir"
		tar -xJf "$SRC_TAR" -C "$bdir"
		[[ -f $tree/Makefile ]] || die "$SRC_TAR did not unpack to $tree"
		touch "$bdir/unpacked"
	else
		log "resuming the build in $bdir"
	fi

	local mk=(nice -n "$NICE" make -C "$tree" -j"$JOBS")
	# Configure: defconfig, the fragment on top, then olddefconfig.
	"${mk[@]}" -s x86_64_defconfig >/dev/null
	(cd "$tree" && KCONFIG_CONFIG=.config scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" >/dev/null)
	"${mk[@]}" -s olddefconfig >/dev/null
	verify_config "$tree/.config"
	cp "$tree/.config" "$bdir/config"

	log "building the kernel (make -j$JOBS, nice $NICE; log: $bdir/build.log)"
	if ! "${mk[@]}" all >"$bdir/build.log" 2>&1; then
		tail -n 40 "$bdir/build.log" >&2
		die "kernel build failed; see $bdir/build.log (a rerun resumes it)"
	fi
	local kver
	kver=$(make -s -C "$tree" kernelrelease)
	rm -rf "$modroot"
	"${mk[@]}" -s INSTALL_MOD_PATH="$modroot" modules_install >>"$bdir/build.log" 2>&1 ||
		die "modules_install failed; see $bdir/build.log"
	# The guest mounts $modroot/lib/modules; the build and source links point
	# into the tree and would dangle there.
	rm -f "$modroot/lib/modules/$kver/build" "$modroot/lib/modules/$kver/source"
	[[ -f $modroot/lib/modules/$kver/modules.builtin ]] || die "no modules.builtin for $kver"
	[[ -f $tree/vmlinux && -f $tree/Module.symvers ]] || die "the build left no vmlinux or Module.symvers"

	write_env "$bdir" "$srcver" "$key"
	touch "$bdir/done"
	# Older builds (another fragment or source version) are not needed any more.
	local old
	for old in "$DIR"/build-*; do
		[[ $old == "$bdir" || ! -d $old ]] || rm -rf "$old"
	done
	log "$SERIES: built $kver in $((EPOCHSECONDS - t0)) s ($bdir)"
}

main "$@"
