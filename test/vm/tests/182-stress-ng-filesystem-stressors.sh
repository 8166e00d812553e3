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

as_root=("${UFS_FS_STRESSORS[@]}")
as_unprivileged=("${UFS_FS_STRESSORS[@]}")
if [[ -z $long ]]; then
	as_root=(chmod copy-file dentry dir filename handle hdd link mmap rename symlink xattr)
	as_unprivileged=(dir filename hdd link rename xattr)
fi

stressor_union_made
low_before=$(tree_snapshot low)

step "as root"
stressors_vs_plain root "${as_root[*]}" "$seconds" "$W/u/work" "$W/plain/work"
step "as an unprivileged user (1000:1000)"
stressors_vs_plain "uid 1000" "${as_unprivileged[*]}" "$seconds" "$W/u/work" "$W/plain/work" \
	as_user 1000 1000

step "the stressors cleaned up as on plain ext4; the lower branch is unchanged"
stressor_dirs_match "$W/u/work" "$W/plain/work" "u/work's names"
stressor_union_intact "$low_before"
umount "$W/u"
