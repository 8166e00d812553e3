#!/bin/bash
# timeout: 5400
# An exerciser we did not write: stress-ng's filesystem stressors (names,
# directories, links, renames, locks, leases, mappings, fallocate and hole
# punching, xattrs, chattr flags, file handles, I/O with verification), two
# instances each on 2 vCPUs, in a directory of the read-only lower branch
# (copied up as the stressors write into it), as root and then as an
# unprivileged user. Each stressor must end as stress-ng's success (exit 0)
# on the union. When one does not, the same stressor runs on a plain ext4
# filesystem as the same user: if it fails there too it cannot run in this
# guest (reported, not counted); if it passes there, the union failed it.
# Afterwards the union's directory holds what plain ext4's does (stress-ng
# removes what it made), and the lower branch is as it was.
#
# make check runs 1 s of the stressors nearest the union's own code (names,
# renames, links, copyup by attribute changes, mappings, data I/O, handles),
# fewer as the user; with --append ufs_long=1 (make check-long) every
# stressor runs 20 s as each.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd stress-ng setpriv

W=$PWD
chmod 755 "$W"
seconds=$(run_length 1 20)
long=$(run_length "" 1)

# Every stressor of stress-ng's filesystem class that works on the
# filesystem of --temp-path, and the file I/O ones of other classes. Left
# out: bind-mount, binderfs, procfs (not about --temp-path), verity (ext4
# needs the verity feature), eventfd and ioprio (no files), iomix (runs
# until killed; its parts are here one by one).
stressors=(access chattr chdir chmod chown copy-file dentry dir dirdeep dirmany
	dnotify dup fallocate fanotify fcntl fiemap file-ioctl filename flock fpunch
	fsize fstat getdent handle hdd inode-flags inotify io lease link locka lockf
	lockofd mknod open rename symlink sync-file touch utime xattr
	mmap mmapfork seek readahead splice sendfile)
as_root=("${stressors[@]}")
as_unprivileged=("${stressors[@]}")
if [[ -z $long ]]; then
	as_root=(chmod chown copy-file dentry dir dirdeep fallocate fpunch filename
		handle hdd link lockf lease mmap open rename symlink utime xattr)
	as_unprivileged=(chmod dentry dir filename hdd link mmap rename symlink xattr)
fi

mkbranch_ext4 up 512M
mkbranch_ext4 low 64M
mkbranch_ext4 plain 512M
for d in low plain; do
	mkdir -m 1777 "$d/work"
	for i in $(seq 1 50); do echo "file $i" >"$d/work/f$i"; done
done
mount -o remount,ro "$W/low"
mkdir u
union_mount "$W/up:$W/low=ro" "$W/u"
low_before=$(tree_snapshot low)

# stress STRESSOR DIR [AS...]: one stress-ng run of STRESSOR in DIR; its
# output in $W/out, its exit status returned.
stress() {
	local s=$1 dir=$2
	shift 2
	"$@" timeout $((seconds * 10 + 120)) stress-ng --"$s" 2 -t "${seconds}s" --verify \
		--temp-path "$dir" >"$W/out" 2>&1
}

# run_all WHO "STRESSOR..." AS...: those stressors on the union as AS (a
# command prefix).
run_all() {
	local who=$1 s rc list unavailable=()
	read -r -a list <<<"$2"
	shift 2
	for s in "${list[@]}"; do
		rc=0
		stress "$s" "$W/u/work" "$@" || rc=$?
		[[ $rc -ne 0 ]] || continue
		# Only a stressor that passes on plain ext4 can blame the union.
		if ! stress "$s" "$W/plain/work" "$@"; then
			unavailable+=("$s")
			continue
		fi
		stress "$s" "$W/u/work" "$@" || true
		sed 's/^/    /' "$W/out" | tail -20
		fail "stress-ng --$s as $who: exit $rc on the union, 0 on plain ext4"
	done
	echo "$who: $((${#list[@]} - ${#unavailable[@]})) stressors passed," \
		"${seconds}s each${unavailable[*]:+; failing on plain ext4 too: ${unavailable[*]}}"
}

step "as root"
run_all root "${as_root[*]}"
step "as an unprivileged user (1000:1000)"
run_all "uid 1000" "${as_unprivileged[*]}" as_user 1000 1000

step "the stressors cleaned up as on plain ext4; the lower branch is unchanged"
assert_eq "$(ls -A plain/work | LC_ALL=C sort)" "$(ls -A u/work | LC_ALL=C sort)" "u/work's names"
for i in 1 25 50; do
	assert_file_content "u/work/f$i" "file $i"
done
[[ $(tree_snapshot low) == "$low_before" ]] || fail "the read-only branch changed"
umount "$W/u"
