# test/vm/bench/contenders.sh: what is compared, and how each is mounted.
# shellcheck shell=bash disable=SC2034 # its variables are used by run.sh
# Sourced by run.sh (in the guest).
#
# Every contender gets its own fresh ext4 filesystem (a copy of the same
# template image) with lower/ (the read-only branch), upper/ (the writable
# branch) and work/ (overlayfs's work directory); raw ext4 gets a copy whose
# upper/ holds what the unions show, and uses it directly.

CONTENDERS=(raw unionfs overlayfs unionfs-fuse mergerfs)
declare -A CONTENDER_LABEL=(
	[raw]="raw ext4" [unionfs]=unionfs [overlayfs]=overlayfs
	[unionfs-fuse]=unionfs-fuse [mergerfs]=mergerfs
)

# How mergerfs is mounted. ff makes new files land on the first writable
# branch (upper), cloning the parent directories there: the default epmfs
# creates only where the parent already exists on a writable branch, and
# this benchmark creates in directories of the lower branch. minfreespace=0:
# the default (4G) skips every branch with less free space, so all of them
# here, and creates then fail with EROFS.
readonly MERGERFS_OPTS=category.create=ff,minfreespace=0

# Loads kernel modules. The kernel cannot load them on demand in this guest
# (its modprobe helper runs in the initramfs, outside the chroot), so like
# test/vm/lib.sh does for loop and ext4, ask modprobe, which reads the cached
# Debian module tree on /lib/modules (built-in modules succeed too).
bench_modprobe() {
	local m
	for m in "$@"; do
		[[ -d /sys/module/$m ]] || modprobe "$m" 2>/dev/null || return
	done
}

fs_registered() { grep -qw "$1" /proc/filesystems; }

# Prints why contender NAME cannot run in this guest; nothing when it can.
contender_missing() {
	case $1 in
	raw) ;;
	unionfs) fs_registered unionfs || echo "the unionfs module is not loaded" ;;
	overlayfs) bench_modprobe overlay || echo "no overlay module in the guest kernel" ;;
	unionfs-fuse | mergerfs)
		local prog=$1
		command -v "$prog" >/dev/null ||
			{ echo "$prog is not installed on the host (apt-get install $prog)"; return; }
		fuse_missing
		;;
	esac
}

fuse_missing() {
	bench_modprobe fuse || { echo "the guest kernel has no fuse module"; return; }
	[[ -c /dev/fuse ]] || echo "/dev/fuse is missing"
}

# Prints why WORKLOAD means nothing for CONTENDER (not an error: the
# contender does not do that); nothing when it applies.
workload_unsupported() {
	case $1/$2 in
	mergerfs/copyup) echo "mergerfs has no copy-on-write: it would write the lower file in place" ;;
	mergerfs/unlink) echo "mergerfs has no whiteouts: it cannot hide a file of a read-only branch" ;;
	esac
}

# contender_mount NAME FS MNT: presents the branches under FS as a union on
# MNT (created) and sets ROOT to the directory the workloads use.
contender_mount() {
	local name=$1 fs=$2 mnt=$3
	ROOT=$mnt
	mkdir -p "$mnt" || return
	case $name in
	raw) ROOT=$fs/upper ;;
	unionfs) mount -t unionfs -o "dirs=$fs/upper:$fs/lower=ro" none "$mnt" ;;
	overlayfs) mount -t overlay -o "lowerdir=$fs/lower,upperdir=$fs/upper,workdir=$fs/work" overlay "$mnt" ;;
	unionfs-fuse) unionfs-fuse -o cow "$fs/upper=RW:$fs/lower=RO" "$mnt" ;;
	mergerfs) mergerfs -o "$MERGERFS_OPTS" "$fs/upper=RW:$fs/lower=RO" "$mnt" ;;
	*) echo "unknown contender $name" >&2; return 1 ;;
	esac
}

# Unmounts what contender_mount mounted (FUSE daemons exit on unmount).
contender_umount() {
	local name=$1 mnt=$2
	[[ $name == raw ]] || umount "$mnt"
}

# Prints the mount command of a contender, for the report.
contender_how() {
	case $1 in
	raw) echo "raw ext4: the workloads run in upper/ itself" ;;
	unionfs) echo "unionfs: mount -t unionfs -o dirs=UPPER:LOWER=ro" ;;
	overlayfs) echo "overlayfs: mount -t overlay -o lowerdir=LOWER,upperdir=UPPER,workdir=WORK" ;;
	unionfs-fuse) echo "unionfs-fuse: unionfs-fuse -o cow UPPER=RW:LOWER=RO ($(fuse_version unionfs-fuse))" ;;
	mergerfs) echo "mergerfs: mergerfs -o $MERGERFS_OPTS UPPER=RW:LOWER=RO ($(fuse_version mergerfs))" ;;
	esac
}

fuse_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "version unknown"
}
