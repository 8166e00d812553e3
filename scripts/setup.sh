#!/usr/bin/env bash
# scripts/setup.sh: install what building and testing unionfs needs, and cache
# Debian's own kernels (image + matching headers) for the QEMU guest tests.
#
# Nothing here touches the host's /boot or /lib/modules: each kernel series is
# unpacked with dpkg-deb into ${UFS_CACHE:-/var/cache/unionfs-dev}/<series>/root
# and described by <series>/env (KVER, VMLINUX, KDIR, MODROOT), which
# scripts/kernel-env.sh reads. Safe to run again: it only does what is missing.
set -euo pipefail

readonly PROG=setup.sh
CACHE=${UFS_CACHE:-/var/cache/unionfs-dev}

# Debian packages the project uses, from the build to the guest tests.
readonly PACKAGES=(
	build-essential g++ make bc flex bison libelf-dev dwarves
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd
	e2fsprogs xfsprogs btrfs-progs dosfstools attr acl genisoimage xorriso
	catch2 clang-14 libclang-rt-14-dev libmount-dev pkg-config python3
	stress-ng fio nfs-kernel-server nfs-common rpcbind shellcheck sparse strace libncurses-dev
	fuse3 mergerfs dmsetup gcc-multilib
	debhelper dh-dkms dkms lintian bash-completion
)

usage() {
	cat <<EOF
Usage: scripts/setup.sh [OPTIONS]

Install the Debian packages unionfs needs and cache Debian kernels
(image + headers) for the guest tests under \$UFS_CACHE (default
/var/cache/unionfs-dev).

Options:
  --kernel SERIES   kernel series to cache: 6.1 (default), 6.12 or all;
                    may be given more than once
  --no-packages     do not check or install Debian packages
  --update          run 'apt-get update' first, to pick up a newer kernel
  --check           build a hello-world module against every cached kernel
                    even when nothing was fetched
  -h, --help        show this help and exit
EOF
}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "$*"; exit 1; }

# Run an apt-get command, waiting for a dpkg/apt lock held by another process
# instead of failing (another install may be running on this machine).
apt_get() {
	local try out rc
	for try in $(seq 1 120); do
		rc=0
		out=$(DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
			-o APT::Sandbox::User=root "$@" 2>&1) || rc=$?
		if [[ $rc -eq 0 ]]; then
			[[ -z ${SETUP_VERBOSE:-} ]] || printf '%s\n' "$out" >&2
			return 0
		fi
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

APT_UPDATED=
apt_update_once() {
	[[ -z $APT_UPDATED ]] || return 0
	log "apt-get update"
	apt_get update -q
	APT_UPDATED=1
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
	if [[ ${#missing[@]} -eq 0 ]]; then
		return 0
	fi
	[[ $EUID -eq 0 ]] || die "packages missing (${missing[*]}); run as root to install them"
	log "installing: ${missing[*]}"
	apt_update_once
	apt_get install -y -q --no-install-recommends "${missing[@]}"
}

# --- kernel resolution -------------------------------------------------------

# apt-cache, with its binary cache kept in ours: Debian's container images
# disable apt's own, and rebuilding it costs ~0.6 s per call.
apt_cache() {
	if mkdir -p "$CACHE/apt" 2>/dev/null && [[ -w $CACHE/apt ]]; then
		apt-cache -o Dir::Cache::pkgcache="$CACHE/apt/pkgcache.bin" \
			-o Dir::Cache::srcpkgcache="$CACHE/apt/srcpkgcache.bin" "$@"
	else
		apt-cache "$@"
	fi
}

# Prints the linux-headers-*/linux-kbuild-* packages a headers package needs,
# itself included, one per line.
headers_closure() {
	local todo=("$1") seen=" " p d
	while [[ ${#todo[@]} -gt 0 ]]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		[[ $seen == *" $p "* ]] && continue
		seen+="$p "
		printf '%s\n' "$p"
		while read -r d; do
			todo+=("$d")
		done < <(apt_cache depends "$p" 2>/dev/null |
			awk '$1 ~ /^\|?Depends:$/ && $2 ~ /^linux-(headers|kbuild)-/ { print $2 }')
	done
}

# Sets IMAGE_PKG and KVER for a series from the current apt lists.
resolve_image() {
	local series=$1
	IMAGE_PKG='' KVER=''
	case $series in
	6.1)
		IMAGE_PKG=$(apt_cache depends linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\.[0-9]+-[0-9]+-amd64$/ { print $2; exit }')
		KVER=${IMAGE_PKG#linux-image-}
		;;
	6.12)
		IMAGE_PKG=$(apt_cache pkgnames linux-image-6.12. 2>/dev/null |
			grep -E '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' | sort -V | tail -n 1 || true)
		KVER=${IMAGE_PKG#linux-image-}
		KVER=${KVER%-unsigned}
		;;
	*) die "unknown kernel series '$series' (use 6.1, 6.12 or all)" ;;
	esac
	[[ -n $IMAGE_PKG ]]
}

# Sets PKGS (array) and PKGS_SPEC ("name=version ..."), resolving via apt.
resolve_series() {
	local series=$1 p v
	if ! resolve_image "$series"; then
		apt_update_once
		resolve_image "$series" || die "no Debian kernel package found for series $series"
	fi
	PKGS=("$IMAGE_PKG")
	while read -r p; do
		PKGS+=("$p")
	done < <(headers_closure "linux-headers-$KVER")
	[[ ${#PKGS[@]} -ge 2 ]] || die "cannot resolve linux-headers-$KVER"
	declare -A ver=()
	while read -r p v; do
		ver[$p]=$v
	done < <(apt_cache show --no-all-versions "${PKGS[@]}" 2>/dev/null |
		awk '/^Package:/ { p = $2 } /^Version:/ { print p, $2 }')
	PKGS_SPEC=
	for p in "${PKGS[@]}"; do
		[[ -n ${ver[$p]:-} ]] || die "apt knows no version of $p"
		PKGS_SPEC+="$p=${ver[$p]} "
	done
	PKGS_SPEC=${PKGS_SPEC% }
}

# --- unpacking ---------------------------------------------------------------

# Absolute symlinks that point into the packages' own trees would resolve on
# the host; point them inside the cache root instead (relative links).
fix_symlinks() {
	local root=$1 link target new
	while IFS= read -r -d '' link; do
		target=$(readlink "$link")
		case $target in
		/usr/src/* | /usr/lib/* | /lib/* | /usr/include/*) ;;
		*) continue ;;
		esac
		new=$(realpath -m --relative-to="$(dirname "$link")" "$root$target")
		ln -sfn "$new" "$link"
	done < <(find "$root" -type l -lname '/*' -print0)
}

# The headers' top Makefile includes the common headers by absolute path.
fix_makefiles() {
	local root=$1 mk
	for mk in "$root"/usr/src/linux-headers-*/Makefile; do
		[[ -f $mk ]] || continue
		if grep -q '^include /usr/src/' "$mk"; then
			sed -i "s#^include /usr/src/#include $root/usr/src/#" "$mk"
		fi
	done
}

# Reads a little-endian unsigned integer of SIZE bytes at OFFSET of FILE.
read_le() {
	local file=$1 offset=$2 size=$3
	od -An -tu"$size" -j "$offset" -N "$size" --endian=little "$file" | tr -d ' '
}

# Extracts the uncompressed ELF vmlinux from a bzImage: the guest boots it
# directly through PVH and skips decompressing itself under TCG (3 s vs 6-8 s).
# The boot protocol header says where the compressed payload is; the build
# appends the uncompressed size (4 bytes) to the payload, which is cut off.
# Debian's 6.1 is xz-compressed (FD 37 7A 58 5A 00), its 6.12 zstd (28 B5 2F FD).
extract_vmlinux() {
	local vmlinuz=$1 out=$2 setup_sects payload_off payload_len off magic
	[[ $(head -c 4 <(tail -c +$((0x202 + 1)) "$vmlinuz")) == HdrS ]] ||
		die "$vmlinuz: not a bzImage"
	setup_sects=$(read_le "$vmlinuz" $((0x1f1)) 1)
	[[ $setup_sects -ne 0 ]] || setup_sects=4
	payload_off=$(read_le "$vmlinuz" $((0x248)) 4)
	payload_len=$(read_le "$vmlinuz" $((0x24c)) 4)
	off=$(((setup_sects + 1) * 512 + payload_off))
	magic=$(od -An -tx1 -j "$off" -N 6 "$vmlinuz" | tr -d ' \n')
	local decomp
	case $magic in
	fd377a585a00) decomp=(xz -dc) ;;
	28b52ffd*) decomp=(zstd -dcq) ;;
	*) die "$vmlinuz: unknown payload compression (magic $magic)" ;;
	esac
	# head stops reading early, so tail may die of SIGPIPE: ignore that.
	{ tail -c +"$((off + 1))" "$vmlinuz" || true; } 2>/dev/null |
		head -c "$((payload_len - 4))" | "${decomp[@]}" >"$out.tmp" ||
		die "$vmlinuz: ${decomp[0]} decompression failed"
	[[ $(od -An -tx1 -N 4 "$out.tmp" | tr -d ' \n') == 7f454c46 ]] ||
		die "$vmlinuz: decompressed payload is not an ELF vmlinux"
	mv "$out.tmp" "$out"
}

# Builds a hello-world module against KDIR; proves the cached headers work.
check_headers() {
	local kdir=$1 kver=$2 dir rc=0
	dir=$(mktemp -d /tmp/ufs-hello.XXXXXX)
	cat >"$dir/hello.c" <<'EOF'
#include <linux/init.h>
#include <linux/module.h>
static int __init hello_init(void) { pr_info("hello: loaded\n"); return 0; }
static void __exit hello_exit(void) { pr_info("hello: unloaded\n"); }
module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
EOF
	printf 'obj-m := hello.o\n' >"$dir/Kbuild"
	if ! make -s -C "$kdir" M="$dir" modules >"$dir/build.log" 2>&1; then
		cat "$dir/build.log" >&2
		rc=1
	elif ! modinfo -F vermagic "$dir/hello.ko" | grep -q "^$kver "; then
		log "hello.ko has the wrong vermagic: $(modinfo -F vermagic "$dir/hello.ko")"
		rc=1
	fi
	rm -rf "$dir"
	[[ $rc -eq 0 ]] || die "cannot build a module against $kdir"
	log "$kver: test module builds against $kdir"
}

fetch_series() {
	local series=$1 dir root dl deb kdir modroot
	dir=$CACHE/$series
	root=$dir/root
	dl=$dir/download
	log "$series: fetching ${PKGS_SPEC}"
	mkdir -p "$dir"
	rm -f "$dir/env"
	rm -rf "$root" "$dl"
	mkdir -p "$root" "$dl"
	local specs=() p
	for p in $PKGS_SPEC; do specs+=("$p"); done
	if ! (cd "$dl" && apt_get download -q "${specs[@]}"); then
		# The lists may name a version the archive has already replaced.
		[[ -n $APT_UPDATED ]] && die "cannot download ${PKGS_SPEC}"
		apt_update_once
		resolve_series "$series"
		specs=()
		for p in $PKGS_SPEC; do specs+=("$p"); done
		(cd "$dl" && apt_get download -q "${specs[@]}") || die "cannot download ${PKGS_SPEC}"
	fi
	for deb in "$dl"/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	rm -rf "$dl"
	fix_symlinks "$root"
	fix_makefiles "$root"

	[[ -f $root/boot/vmlinuz-$KVER ]] || die "$IMAGE_PKG has no /boot/vmlinuz-$KVER"
	extract_vmlinux "$root/boot/vmlinuz-$KVER" "$root/boot/vmlinux-$KVER"

	if [[ -d $root/lib/modules/$KVER/kernel ]]; then
		modroot=$root
	elif [[ -d $root/usr/lib/modules/$KVER/kernel ]]; then
		modroot=$root/usr
	else
		die "$IMAGE_PKG: module tree for $KVER not found"
	fi
	# Debian runs depmod in the package's postinst; do it for the cached tree.
	depmod -b "$modroot" "$KVER"

	kdir=$root/usr/src/linux-headers-$KVER
	[[ -f $kdir/Makefile && -f $kdir/Module.symvers ]] || die "no usable headers in $kdir"
	check_headers "$kdir" "$KVER"

	{
		printf '# written by scripts/setup.sh; source it or use scripts/kernel-env.sh\n'
		printf 'SERIES=%q\n' "$series"
		printf 'KVER=%q\n' "$KVER"
		printf 'VMLINUX=%q\n' "$root/boot/vmlinux-$KVER"
		printf 'VMLINUZ=%q\n' "$root/boot/vmlinuz-$KVER"
		printf 'KDIR=%q\n' "$kdir"
		printf 'MODROOT=%q\n' "$modroot"
		printf 'PKGS=%q\n' "$PKGS_SPEC"
	} >"$dir/env.tmp"
	mv "$dir/env.tmp" "$dir/env"
	log "$series: cached $KVER in $root"
}

# Reads one variable from a series' env file (empty if none).
env_value() {
	local file=$1 var=$2
	[[ -f $file ]] || return 0
	# shellcheck disable=SC1090
	(source "$file" && printf '%s' "${!var:-}")
}

setup_series() {
	local series=$1 dir have_pkgs vmlinux kdir
	dir=$CACHE/$series
	resolve_series "$series"
	have_pkgs=$(env_value "$dir/env" PKGS)
	vmlinux=$(env_value "$dir/env" VMLINUX)
	kdir=$(env_value "$dir/env" KDIR)
	if [[ $have_pkgs == "$PKGS_SPEC" && -f $vmlinux && -f $kdir/Makefile ]]; then
		[[ -z $CHECK ]] || check_headers "$kdir" "$KVER"
		log "$series: $KVER is cached and current"
		return 0
	fi
	[[ $EUID -eq 0 || -w $CACHE ]] || die "cannot write $CACHE; run as root or set UFS_CACHE"
	fetch_series "$series"
}

main() {
	local series=() do_packages=1 s
	CHECK=
	while [[ $# -gt 0 ]]; do
		case $1 in
		--kernel)
			[[ $# -ge 2 ]] || die "--kernel needs an argument. Try 'scripts/setup.sh --help'"
			case $2 in
			all) series+=(6.1 6.12) ;;
			6.1 | 6.12) series+=("$2") ;;
			*) die "unknown kernel series '$2' (use 6.1, 6.12 or all)" ;;
			esac
			shift 2
			;;
		--kernel=*)
			set -- --kernel "${1#--kernel=}" "${@:2}"
			;;
		--no-packages) do_packages=''; shift ;;
		--update) apt_update_once; shift ;;
		--check) CHECK=1; shift ;;
		-h | --help) usage; exit 0 ;;
		*) die "unknown option '$1'. Try 'scripts/setup.sh --help'" ;;
		esac
	done
	[[ ${#series[@]} -gt 0 ]] || series=(6.1)

	[[ -z $do_packages ]] || install_packages
	mkdir -p "$CACHE" 2>/dev/null || true
	for s in "${series[@]}"; do
		setup_series "$s"
	done
}

main "$@"
