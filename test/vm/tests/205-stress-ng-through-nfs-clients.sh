#!/bin/bash
# timeout: 5400
# stress-ng's filesystem stressors run by NFS clients of an exported union
# (NFSv4.2 and NFSv3 over loopback), in a directory of the read-only lower
# branch: every name, handle, lock and byte the clients use goes through
# the union's export operations (file handles decoded again when the
# server's caches have dropped them, reconnected parents), and copyup. A
# stressor must succeed on the union's export wherever it succeeds on an
# export of plain ext4 over the same NFS version (NFS lacks some of what
# the stressors try, e.g. fallocate's modes, so only the plain export can
# say what a client can do). The server's caches are dropped between
# stressors. Afterwards the clients see the same names in both, and the
# lower branch is as it was.
#
# make check runs 1 s of the stressors nearest the export code over
# NFSv4.2; with --append ufs_long=1 (make check-long) every stressor runs
# 20 s over both versions.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd stress-ng

W=$PWD
seconds=$(run_length 1 20)
long=$(run_length "" 1)
stressors=("${UFS_FS_STRESSORS[@]}")
versions=(4.2 3)
if [[ -z $long ]]; then
	stressors=(dir filename handle hdd link rename)
	versions=(4.2)
fi

stressor_union_made
low_before=$(tree_snapshot low)

step "export the union and plain ext4 on loopback"
nfs_server_start
nfsd_start
nfs_export_v4_root "$W"
exportfs -o "fsid=7,rw,no_root_squash,no_subtree_check,sync" "127.0.0.1:$W/u"
exportfs -o "fsid=8,rw,no_root_squash,no_subtree_check,sync" "127.0.0.1:$W/plain"
nfs_wait_for_grace

# The server forgets its dentries and inodes between stressors: the next
# one's handles are decoded from scratch.
drop_server_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

for v in "${versions[@]}"; do
	step "stressors on NFSv$v clients"
	mkdir "cu$v" "cp$v"
	if [[ $v == 3 ]]; then
		mount -t nfs -o vers=3,proto=tcp,timeo=50,retrans=3 "127.0.0.1:$W/u" "cu$v"
		mount -t nfs -o vers=3,proto=tcp,timeo=50,retrans=3 "127.0.0.1:$W/plain" "cp$v"
	else
		mount -t nfs -o "vers=$v,timeo=50,retrans=3" 127.0.0.1:/u "cu$v"
		mount -t nfs -o "vers=$v,timeo=50,retrans=3" 127.0.0.1:/plain "cp$v"
	fi
	on_exit umount -f -l "$W/cu$v"
	on_exit umount -f -l "$W/cp$v"
	for s in "${stressors[@]}"; do
		drop_server_caches
		stressors_vs_plain root "$s" "$seconds" "$W/cu$v/work" "$W/cp$v/work"
	done
	stressor_dirs_match "$W/cu$v/work" "$W/cp$v/work" "the names NFSv$v clients see"
done

step "the lower branch is unchanged"
stressor_union_intact "$low_before"
