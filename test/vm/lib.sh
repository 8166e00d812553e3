# test/vm/lib.sh: helpers for the guest tests in test/vm/tests/.
# shellcheck shell=bash
#
# A test starts with:
#     set -eu
#     . "${UFS_LIB:?}"
# and runs in a fresh empty directory under /tmp (its $PWD). Every mount made
# under that directory is undone in reverse order when the test exits, and so
# is everything registered with on_exit. A test passes by exiting 0, skips
# with skip REASON (exit 77), and fails with fail MSG or any failing command.
#
# Assertions print what was expected and what was seen:
#   assert_eq EXPECTED ACTUAL [WHAT]
#   assert_file_content FILE EXPECTED
#   assert_listing DIR "a b c"          (ls -A of DIR, as a sorted word list)
#   expect_errno ERRNO|TEXT CMD...      (CMD must fail with that error)
#   assert_tree DIR "f d/ d/.wh.x"      (every name under DIR, hidden ones too)
#   tree_snapshot DIR...                (all a write could change, to compare)
#   dmesg_mark / dmesg_since_mark       (kernel messages since the mark)
# Branches: mkbranch_tmpfs DIR [SIZE], mkbranch_ext4 DIR SIZE,
#   mkbranch_xfs DIR SIZE, mkbranch_btrfs DIR SIZE,
#   mkbranch_iso DIR SRCDIR [genisoimage|xorriso],
#   mkbranch_ext4_holdable DIR SIZE (branch_io_hold/branch_io_release DIR).
#   mount_disk vda DIR                   (a disk of test/vm/run --disk)
# Processes: exit_within SECS PID...     (all ended in time; then `wait` them)

set -o pipefail

UFS_WORKDIR=${UFS_WORKDIR:-$PWD}
_ufs_cleanups=()

# --- verdicts ------------------------------------------------------------------

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

# Prints a progress line, so a failure's output shows how far the test got.
step() { echo "--- $*"; }

# --- cleanup --------------------------------------------------------------------

# Registers a command (words) to run at exit; they run last-registered first.
on_exit() { _ufs_cleanups+=("$(printf '%q ' "$@")"); }

# Unmounts everything mounted at or under DIR, newest first. A union mount
# that cannot be unmounted (busy) is a failure: it means a leaked reference.
umount_all_under() {
	local dir=$1 src m type rest i rc=0 found=()
	while read -r src m type rest; do
		[[ $m == "$dir" || $m == "$dir"/* ]] && found=("$m $type" "${found[@]}")
	done </proc/self/mounts
	for i in "${found[@]}"; do
		m=${i% *} type=${i##* }
		if ! umount "$m" 2>/dev/null; then
			echo "cleanup: cannot unmount $m ($type): $(umount "$m" 2>&1)" >&2
			[[ $type != unionfs ]] || rc=1
			umount -l "$m" 2>/dev/null || true
		fi
	done
	return $rc
}

_ufs_exit() {
	local rc=$? i
	set +e
	cd / || true
	for ((i = ${#_ufs_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_ufs_cleanups[i]}" || echo "cleanup: '${_ufs_cleanups[i]}' failed" >&2
	done
	umount_all_under "$UFS_WORKDIR" || { [[ $rc -ne 0 ]] || rc=1; }
	exit "$rc"
}
trap _ufs_exit EXIT

# --- requirements -------------------------------------------------------------------

# Skips the test unless the unionfs filesystem is registered.
require_unionfs() {
	if [[ -n ${UFS_FAKE:-} ]]; then
		return 0
	fi
	local line
	while read -r line; do
		[[ $line != *[[:space:]]unionfs && $line != unionfs ]] || return 0
	done </proc/filesystems
	skip "unionfs is not loaded (run test/vm/run with a module)"
}

# Skips the test when it checks something only the real module can show.
require_real_unionfs() {
	[[ -z ${UFS_FAKE:-} ]] || skip "checks unionfs itself; --fake-overlay cannot stand in"
	require_unionfs
}

# True when running against the overlayfs stand-in (--fake-overlay).
# Sets uc to the host-built unionctl (make builds it), or skips the test.
require_unionctl() {
	uc=${UFS_REPO:?}/unionctl/build/unionctl
	[[ -x $uc ]] || skip "unionctl is not built: run 'make -C unionctl' on the host first"
}

# Closes the descriptors 5-9 a test held open on its unions; tests that use
# them register it with on_exit, so the unmounts at exit do not find them busy.
close_test_fds() { exec 5>&- 6>&- 7>&- 8>&- 9>&-; }

is_fake() { [[ -n ${UFS_FAKE:-} ]]; }

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c is not installed on the host"
	done
}

# Prints the path of a helper program built from test/vm/progs/.
prog() {
	local p=${UFS_PROGS:?}/$1
	[[ -x $p ]] || fail "helper program $1 was not built (test/vm/run builds test/vm/progs/*.c)"
	printf '%s\n' "$p"
}

# --- assertions -------------------------------------------------------------------

assert_eq() {
	local expected=$1 actual=$2 what=${3:-value}
	[[ $expected == "$actual" ]] && return 0
	{
		echo "FAIL: $what"
		if [[ $expected == *$'\n'* || $actual == *$'\n'* ]]; then
			diff -u <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") |
				sed -e '1s/.*/--- expected/' -e '2s/.*/+++ actual/'
		else
			echo "  expected: '$expected'"
			echo "  actual:   '$actual'"
		fi
	} >&2
	exit 1
}

assert_file_content() {
	local file=$1 expected=$2 actual
	actual=$(cat -- "$file" 2>&1) || fail "cannot read $file: $actual"
	assert_eq "$expected" "$actual" "content of $file"
}

# assert_listing DIR "a b c": the names in DIR (ls -A), sorted, are exactly these.
assert_listing() {
	local dir=$1 expected actual words
	read -r -a words <<<"$2"
	expected=$(printf '%s\n' "${words[@]}" | LC_ALL=C sort | paste -sd' ')
	actual=$(ls -A -- "$dir" 2>&1) || fail "cannot list $dir: $actual"
	actual=$(printf '%s\n' "$actual" | LC_ALL=C sort | paste -sd' ')
	assert_eq "$expected" "$actual" "listing of $dir"
}

# tree_of DIR: every name under DIR as the branch itself holds it (whiteouts
# and other hidden names too), sorted, one word each, marked like ls -F:
# "dir/", "symlink@", "fifo|", "socket=", "device%", plain for regular files.
tree_of() {
	local dir=$1
	[[ -d $dir ]] || fail "tree_of: $dir is not a directory"
	(cd "$dir" && find . -mindepth 1 -printf '%P %y\n') | LC_ALL=C sort |
		awk '{ m = ""; if ($2 == "d") m = "/"; else if ($2 == "l") m = "@";
			else if ($2 == "p") m = "|"; else if ($2 == "s") m = "=";
			else if ($2 == "c" || $2 == "b") m = "%"; printf "%s%s%s", sep, $1, m; sep = " " }'
}

# assert_tree DIR "a d/ d/.wh.x l@": the whole tree under DIR is exactly this
# (see tree_of; order does not matter, "" or "-" for an empty tree).
assert_tree() {
	local dir=$1 expected words=()
	read -r -d '' -a words <<<"${2/#-/}" || true
	expected=$(printf '%s\n' "${words[@]}" | LC_ALL=C sort | paste -sd' ')
	assert_eq "$expected" "$(tree_of "$dir" | tr ' ' '\n' | LC_ALL=C sort | paste -sd' ')" \
		"names in $dir"
}

# tree_snapshot DIR...: everything about the trees that a write could change
# (names, types, modes, owners, sizes, mtimes, symlink targets, contents and
# xattrs, not atimes), to compare before and after.
tree_snapshot() {
	local d
	for d in "$@"; do
		(cd "$d" && find . -printf '%p %y %s %m %u:%g %T@ %l\n' | LC_ALL=C sort &&
			find . -type f -exec sha256sum {} + | LC_ALL=C sort &&
			{ getfattr -R -P -h -d -m - --absolute-names . 2>/dev/null || true; })
	done
}

assert_exists() { [[ -e $1 || -L $1 ]] || fail "$1 does not exist"; }
assert_missing() { [[ ! -e $1 && ! -L $1 ]] || fail "$1 exists but should not"; }

# Prints the message for an errno name (EROFS -> Read-only file system).
errno_text() {
	case $1 in
	EPERM) echo "Operation not permitted" ;;
	ENOENT) echo "No such file or directory" ;;
	EIO) echo "Input/output error" ;;
	EACCES) echo "Permission denied" ;;
	EBUSY) echo "Device or resource busy" ;;
	EEXIST) echo "File exists" ;;
	EXDEV) echo "Invalid cross-device link" ;;
	ENOTDIR) echo "Not a directory" ;;
	EISDIR) echo "Is a directory" ;;
	EINVAL) echo "Invalid argument" ;;
	ENOSPC) echo "No space left on device" ;;
	EROFS) echo "Read-only file system" ;;
	ENOTEMPTY) echo "Directory not empty" ;;
	ESTALE) echo "Stale file handle" ;;
	E[A-Z]*) python3 -c 'import errno, os, sys; print(os.strerror(getattr(errno, sys.argv[1])))' "$1" ;;
	*) echo "$1" ;;
	esac
}

# expect_errno EROFS touch f: the command must fail, and its output must carry
# the error's message (an errno name or any literal text).
expect_errno() {
	local err=$1 text out rc=0
	shift
	text=$(errno_text "$err")
	out=$("$@" 2>&1) || rc=$?
	if [[ $rc -eq 0 ]]; then
		fail "'$*' succeeded, expected it to fail with $err ($text)${out:+; it printed: $out}"
	fi
	if [[ $out != *"$text"* ]]; then
		{
			echo "FAIL: '$*' failed (status $rc) but not with $err"
			echo "  expected: ...$text..."
			echo "  actual:   $out"
		} >&2
		exit 1
	fi
}

# --- kernel log -----------------------------------------------------------------------

_UFS_MARK=
dmesg_mark() {
	_UFS_MARK="ufs-test-mark $$ $RANDOM$RANDOM"
	echo "$_UFS_MARK" >/dev/kmsg
}

# Prints the kernel messages logged since dmesg_mark (without timestamps).
dmesg_since_mark() {
	[[ -n $_UFS_MARK ]] || fail "dmesg_since_mark without dmesg_mark"
	dmesg | awk -v m="$_UFS_MARK" 'found { print } index($0, m) { found = 1 }' |
		sed -E 's/^\[ *[0-9]+\.[0-9]+\] //'
}

# --- branches -----------------------------------------------------------------------

# Loads the modules a loop-mounted branch needs. The kernel cannot load them
# on demand: its modprobe helper runs in the initramfs, outside the chroot.
_ufs_modprobe() {
	local m
	for m in "$@"; do
		[[ -d /sys/module/$m ]] || grep -qw "$m" /proc/filesystems || modprobe "$m" ||
			fail "modprobe $m failed"
	done
}

# Mounts a fresh tmpfs on DIR (created if needed); SIZE like 16m.
mkbranch_tmpfs() {
	local dir=$1 size=${2:-64m}
	mkdir -p "$dir"
	mount -t tmpfs -o "size=$size,mode=0755" "ufs-branch" "$dir"
}

# Makes an ext4 filesystem of SIZE (e.g. 32M) in DIR.img and loop-mounts it on DIR.
mkbranch_ext4() {
	local dir=$1 size=$2
	mkdir -p "$dir"
	truncate -s "$size" "$dir.img"
	mkfs.ext4 -q -F "$dir.img" >/dev/null
	_ufs_modprobe loop ext4
	mount -t ext4 -o loop "$dir.img" "$dir"
}

# Makes an ext4 filesystem of SIZE in DIR.img and mounts it on DIR through a
# device-mapper device, so that branch_io_hold can stop the branch's disk I/O.
# Tests use it to keep a copy from this branch in progress for as long as
# they need, instead of racing a copy that a fast machine finishes first.
mkbranch_ext4_holdable() {
	local dir=$1 size=$2 loop dev
	require_cmd dmsetup losetup blockdev
	mkdir -p "$dir"
	truncate -s "$size" "$dir.img"
	mkfs.ext4 -q -F "$dir.img" >/dev/null
	_ufs_modprobe loop ext4 dm_mod
	loop=$(losetup -f --show "$dir.img")
	dev=ufs-hold-$$-${dir//\//-}
	dmsetup create "$dev" --table "0 $(blockdev --getsz "$loop") linear $loop 0" ||
		fail "dmsetup create $dev failed"
	dmsetup mknodes "$dev"	# the guest has no udev to make /dev/mapper/$dev
	on_exit _ufs_remove_holdable "$dev" "$loop"
	mount -t ext4 "/dev/mapper/$dev" "$dir"
}

_ufs_remove_holdable() {
	dmsetup resume "$1"	# a failed test may still hold it
	umount_all_under "$UFS_WORKDIR"
	dmsetup remove "$1" && losetup -d "$2"
}

_ufs_holdable_device() {
	local src
	src=$(findmnt -n -o SOURCE --target "$1") || fail "$1 is not mounted"
	[[ $src == /dev/mapper/ufs-hold-* ]] || fail "$1 is not a mkbranch_ext4_holdable branch"
	echo "${src#/dev/mapper/}"
}

# Queues every later disk read and write of DIR's branch until branch_io_release
# (dm suspend without freezing the filesystem: what is cached stays readable).
branch_io_hold() { dmsetup suspend --nolockfs "$(_ufs_holdable_device "$1")"; }
branch_io_release() { dmsetup resume "$(_ufs_holdable_device "$1")"; }

# True when every process PID (children of this shell) has ended within SECS
# seconds; their exit statuses are still there for `wait`.
exit_within() {
	local secs=$1 p running
	shift
	for _ in $(seq $((secs * 10))); do
		running=''
		for p in "$@"; do
			! kill -0 "$p" 2>/dev/null || running=1
		done
		[[ -n $running ]] || return 0
		sleep 0.1
	done
	return 1
}

# Mounts the ext4 filesystem of virtio disk DEV (vda, vdb: test/vm/run --disk,
# as test/vm/reboot/run attaches them) on DIR.
mount_disk() {
	local dev=/dev/$1 dir=$2
	_ufs_modprobe virtio_blk ext4
	for _ in $(seq 50); do
		[[ -b $dev ]] && break
		sleep 0.1
	done
	[[ -b $dev ]] || fail "no disk $dev (run through test/vm/reboot/run)"
	mkdir -p "$dir"
	mount -t ext4 "$dev" "$dir"
}

# Makes an XFS filesystem of SIZE (at least 300M; sparse) in DIR.img on DIR.
mkbranch_xfs() {
	local dir=$1 size=$2
	mkdir -p "$dir"
	truncate -s "$size" "$dir.img"
	mkfs.xfs -q -f "$dir.img" >/dev/null
	_ufs_modprobe loop xfs
	mount -t xfs -o loop "$dir.img" "$dir"
}

# Makes a btrfs filesystem of SIZE (at least 300M; sparse) in DIR.img on DIR.
mkbranch_btrfs() {
	local dir=$1 size=$2
	mkdir -p "$dir"
	truncate -s "$size" "$dir.img"
	mkfs.btrfs -q -f "$dir.img" >/dev/null 2>&1
	# The debug kernel (scripts/build-debug-kernel.sh) builds no btrfs.
	grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null ||
		skip "this kernel has no btrfs"
	_ufs_modprobe loop
	mount -t btrfs -o loop "$dir.img" "$dir"
}

# Builds an ISO 9660 image (Rock Ridge) of SRCDIR with genisoimage (default)
# or xorriso into DIR.iso and loop-mounts it read-only on DIR.
mkbranch_iso() {
	local dir=$1 src=$2 tool=${3:-genisoimage}
	mkdir -p "$dir"
	case $tool in
	genisoimage) genisoimage -quiet -R -V UFSTEST -o "$dir.iso" "$src" ;;
	xorriso) xorriso -as mkisofs -quiet -R -V UFSTEST -o "$dir.iso" "$src" 2>/dev/null ;;
	*) fail "mkbranch_iso: unknown tool $tool" ;;
	esac
	_ufs_modprobe loop isofs
	mount -t iso9660 -o loop,ro "$dir.iso" "$dir"
}

# --- randomized runs -------------------------------------------------------------------

# The kernel command line's ufs_* words, and UFS_SEED / UFS_LONG from the
# environment (a host-side run): test/vm/run --append ufs_seed=N repeats a
# randomized test, make check-long (ufs_long=1) makes it longer.
# shellcheck disable=SC2046 # the command line is a list of words
_ufs_run_words() { echo $(</proc/cmdline) ${UFS_SEED:+ufs_seed=$UFS_SEED} ${UFS_LONG:+ufs_long=$UFS_LONG}; }

# Prints the seed of a randomized run: ufs_seed=N if given, else DEFAULT,
# else a random one.
run_seed() {
	local word seed=${1:-$((RANDOM * 32768 + RANDOM))}
	for word in $(_ufs_run_words); do
		[[ $word != ufs_seed=* ]] || seed=${word#ufs_seed=}
	done
	echo "$seed"
}

# Prints SHORT, or LONG under make check-long (ufs_long=1).
run_length() {
	local word n=$1
	for word in $(_ufs_run_words); do
		[[ $word != ufs_long=[1-9]* ]] || n=$2
	done
	echo "$n"
}

# --- NFS over loopback ------------------------------------------------------------------

# Starts rpcbind and mountd for a test that serves NFS over loopback (the
# guest has no other network), and registers the server's shutdown, which
# unmounts the NFS clients first.
# nfsd itself is started with nfsd_start (stopped at exit too).
nfs_server_start() {
	require_cmd rpc.nfsd
	require_cmd rpc.mountd
	require_cmd rpcbind
	require_cmd exportfs
	_ufs_modprobe nfsd nfs nfsv3 nfsv4
	mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
	mkdir -p /run/rpcbind /var/lib/nfs/rpc_pipefs /var/lib/nfs/v4recovery
	rpcbind -w	# (Debian's rpcbind -h crashes)
	on_exit pkill -x rpcbind
	rpc.mountd
	on_exit pkill -x rpc.mountd
	on_exit exportfs -ua
	on_exit rpc.nfsd 0
	on_exit nfs_umount_clients
}

# Unmounts every NFS client mount (this guest is the only client), so none
# is left waiting for a stopped server.
nfs_umount_clients() {
	local src m type rest
	while read -r src m type rest; do
		if [[ $type == nfs || $type == nfs4 ]]; then
			umount -f -l "$m" || echo "cannot unmount the NFS client on $m" >&2
		fi
	done < <(tac /proc/mounts)
}

# Starts nfsd with a 10 s grace period and lease (see nfs_wait_for_grace).
nfsd_start() { rpc.nfsd -G 10 -L 10 2; }

# NFSv4 clients may open files only once the grace period is over.
nfs_wait_for_grace() { sleep 11; }

# Exports DIR (on tmpfs) read-only as the NFSv4 pseudo root (fsid=0), so
# that v4 clients name exports below it relative to DIR. mountd would
# build the pseudo root from /, but the guest's / is an overlayfs without
# nfs_export, which it refuses ("Cannot export /").
nfs_export_v4_root() {
	exportfs -o "fsid=0,ro,no_subtree_check,sync" "127.0.0.1:$1"
}

# --- the union ------------------------------------------------------------------------

# union_mount DIRS MNT [MORE_OPTIONS]: mount -t unionfs -o dirs=DIRS none MNT.
union_mount() {
	local dirs=$1 mnt=$2 more=${3:-}
	mkdir -p "$mnt"
	mount -t unionfs -o "dirs=$dirs${more:+,$more}" none "$mnt"
}

# Prints the options field of the mount at MNT as /proc/mounts shows it.
mount_options() {
	awk -v m="$1" '$2 == m { o = $4 } END { print o }' /proc/self/mounts
}

# Prints the filesystem type of the mount at MNT.
mount_type() {
	awk -v m="$1" '$2 == m { t = $3 } END { print t }' /proc/self/mounts
}

# With --fake-overlay (harness development only), 'mount -t unionfs -o
# dirs=A:B=ro,... none MNT' becomes a read-only overlay of the branches, so
# the tests themselves can be checked without the module.
if [[ -n ${UFS_FAKE:-} ]]; then
	mount() {
		local args=("$@") i opts='' type='' lowers='' o b
		for ((i = 0; i < ${#args[@]}; i++)); do
			case ${args[i]} in
			-t) type=${args[i + 1]} ;;
			-o) opts=${args[i + 1]} ;;
			esac
		done
		if [[ $type != unionfs ]]; then
			command mount "$@"
			return
		fi
		local IFS=,
		for o in $opts; do
			case $o in
			dirs=*) o=${o#dirs=} ;;
			/*) ;;
			*) continue ;;
			esac
			IFS=:
			for b in $o; do
				lowers+=${lowers:+:}${b%=*}
			done
			IFS=,
		done
		unset IFS
		command mount -t overlay -o "ro,lowerdir=$lowers" ufs-fake "${args[-1]}"
	}
fi

# --- stress-ng -------------------------------------------------------------------------

# Every stressor of stress-ng's filesystem class that works on the
# filesystem of --temp-path, and the file I/O ones of other classes. Left
# out: bind-mount, binderfs, procfs (not about --temp-path), verity (ext4
# needs the verity feature), eventfd and ioprio (no files), iomix (runs
# until killed; its parts are here one by one).
# shellcheck disable=SC2034 # used by the tests that source this file
UFS_FS_STRESSORS=(access chattr chdir chmod chown copy-file dentry dir dirdeep dirmany
	dnotify dup fallocate fanotify fcntl fiemap file-ioctl filename flock fpunch
	fsize fstat getdent handle hdd inode-flags inotify io lease link locka lockf
	lockofd mknod open rename symlink sync-file touch utime xattr
	mmap mmapfork seek readahead splice sendfile)

# _ufs_stress STRESSOR SECONDS DIR OUT [AS...]: one stress-ng run, two
# instances with verification, in DIR; its output in OUT, its status
# returned.
_ufs_stress() {
	local s=$1 secs=$2 dir=$3 out=$4
	shift 4
	"$@" timeout $((secs * 10 + 120)) stress-ng --"$s" 2 -t "${secs}s" --verify \
		--temp-path "$dir" >"$out" 2>&1
}

# stressor_union_made: in the current directory, a union u of ext4 branches
# up (512M) and low (64M, read-only), and plain (512M) beside it for
# stressors_vs_plain; low and plain have work/, a 1777 directory of 50
# small files.
stressor_union_made() {
	local d i
	mkbranch_ext4 up 512M
	mkbranch_ext4 low 64M
	mkbranch_ext4 plain 512M
	for d in low plain; do
		mkdir -m 1777 "$d/work"
		for i in $(seq 1 50); do echo "file $i" >"$d/work/f$i"; done
	done
	mount -o remount,ro "$PWD/low"
	mkdir u
	union_mount "$PWD/up:$PWD/low=ro" "$PWD/u"
}

# stressor_dirs_match DIR PLAIN WHAT: after the stressors, DIR (on the
# union) lists the names PLAIN does. Empty temporary directories are
# removed from both first: stress-ng's fanotify stressor sometimes leaves
# one (on plain ext4 exports too), so only what it left with something in
# it counts.
stressor_dirs_match() {
	local d t
	for d in "$1" "$2"; do
		for t in "$d"/tmp-stress-ng-*; do
			[[ ! -d $t ]] || rmdir "$t" 2>/dev/null || true
		done
	done
	assert_eq "$(ls -A "$2" | LC_ALL=C sort)" "$(ls -A "$1" | LC_ALL=C sort)" "$3"
}

# stressor_union_intact LOW_SNAPSHOT: the union of stressor_union_made
# still reads its first files, and its read-only branch is unchanged
# (tree_snapshot low, taken before the stressors).
stressor_union_intact() {
	local i
	for i in 1 25 50; do
		assert_file_content "u/work/f$i" "file $i"
	done
	[[ $(tree_snapshot low) == "$1" ]] || fail "the read-only branch changed"
}

# stressors_vs_plain WHO "STRESSOR..." SECONDS DIR PLAIN [AS...]: each
# stressor in DIR (on the union) as AS (a command prefix, e.g. as_user
# 1000 1000) must succeed. One that does not is run in PLAIN (the same
# kind of directory without the union): failing there too, it cannot run
# here (listed, not counted); passing there, the union failed it.
stressors_vs_plain() {
	local who=$1 secs=$3 dir=$4 plain=$5 s rc list unavailable=()
	read -r -a list <<<"$2"
	shift 5
	for s in "${list[@]}"; do
		rc=0
		_ufs_stress "$s" "$secs" "$dir" stress-ng.out "$@" || rc=$?
		[[ $rc -ne 0 ]] || continue
		if ! _ufs_stress "$s" "$secs" "$plain" stress-ng.plain.out "$@"; then
			unavailable+=("$s")
			continue
		fi
		sed 's/^/    /' stress-ng.out | tail -20
		fail "stress-ng --$s as $who in $dir: exit $rc, but 0 in $plain"
	done
	echo "$who in $dir: $((${#list[@]} - ${#unavailable[@]})) stressors passed," \
		"${secs}s each${unavailable[*]:+; failing in $plain too: ${unavailable[*]}}"
}

# --- credentials ----------------------------------------------------------------------

# as_user UID GID CMD...: runs CMD with that real and effective uid and gid,
# no supplementary groups and therefore no capabilities. as_nobody CMD...: as
# 65534:65534. The test's directory and the branch roots must be searchable
# by that user (chmod 755).
as_user() {
	local uid=$1 gid=$2
	shift 2
	setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
}
as_nobody() { as_user 65534 65534 "$@"; }

# outcome CMD...: runs CMD and prints OK, or the name of the errno its error
# message carries (EPERM, EACCES, ...), or "status N: MESSAGE" for anything
# else. To compare a call on a union with the same call on a plain filesystem.
outcome() {
	local out rc=0 e t
	out=$("$@" 2>&1) || rc=$?
	if [[ $rc -eq 0 ]]; then
		echo OK
		return 0
	fi
	for e in EPERM EACCES ENOENT EEXIST EINVAL EROFS ENOTEMPTY EXDEV EBUSY ENOTDIR \
		EISDIR ENOSPC EOPNOTSUPP ENODATA; do
		case $e in
		EOPNOTSUPP) t="Operation not supported" ;;
		ENODATA) t="No data available" ;;
		*) t=$(errno_text "$e") ;;
		esac
		if [[ $out == *"$t"* ]]; then
			echo "$e"
			return 0
		fi
	done
	echo "status $rc: $out"
}

# branch_state DIR...: tree_snapshot plus each object's inode number and
# ctime, so that an object replaced by an identical one, or a chmod to the
# same mode, also shows.
branch_state() {
	local d
	tree_snapshot "$@"
	for d in "$@"; do
		(cd "$d" && find . -printf '%p %i %C@\n' | LC_ALL=C sort)
	done
}
