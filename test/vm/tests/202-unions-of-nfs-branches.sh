#!/bin/bash
# Unions whose branches are NFS mounts, as when home directories from
# several servers are merged: a writable NFS branch over an `=nfsro` one,
# with NFSv3 and with NFSv4.2, from a server in this guest (loopback).
# NFS has no O_TMPFILE and answers RENAME_NOREPLACE with EINVAL, so copyup,
# directory copies, whiteouts and renames take their other ways there. The
# read-only branch changes behind the union's back (on the server): new,
# changed and removed files show at the next lookup, nothing stale stays.
# The clients mount with noac: the union can be no fresher than its NFS
# client is.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
# The v4 pseudo root and the export are separate filesystems: nfsd hands
# v4 clients the export's options only where they cross into its mount.
mkbranch_tmpfs srv 1m
mkbranch_tmpfs srv/ex 64m
nfs_server_start
nfsd_start
nfs_export_v4_root "$W/srv"
exportfs -o "fsid=9,rw,no_root_squash,no_subtree_check,sync" "127.0.0.1:$W/srv/ex"
nfs_wait_for_grace

# Fills srv/ex/V/{up,lo} and mounts both over NFS version V, then the union.
prepare() {
	local v=$1 s=$W/srv/ex/$1 opts path
	mkdir -p "$s/up" "$s/lo/d/sub" "$s/lo/e" "$s/lo/gone-dir"
	echo lower-f >"$s/lo/d/f"
	echo lower-g >"$s/lo/d/g"
	echo lower-top >"$s/lo/top"
	echo deep >"$s/lo/d/sub/deep"
	echo x >"$s/lo/gone-dir/x"
	if [[ $v == 3 ]]; then
		opts=vers=3,nolock,noac path=$W/srv/ex/$v
	else
		opts=vers=4.2,noac path=/ex/$v
	fi
	mkdir -p "n$v/up" "n$v/lo" "u$v"
	mount -t nfs -o "$opts,timeo=50,retrans=3" "127.0.0.1:$path/up" "n$v/up"
	on_exit umount -f -l "$W/n$v/up"
	mount -t nfs -o "$opts,timeo=50,retrans=3" "127.0.0.1:$path/lo" "n$v/lo"
	on_exit umount -f -l "$W/n$v/lo"
	mount -t unionfs -o "dirs=$W/n$v/up:$W/n$v/lo=nfsro" none "$W/u$v"
	on_exit umount "$W/u$v"
}

for v in 3 4.2; do
	s=srv/ex/$v u=u$v
	prepare "$v"

	step "NFSv$v: copyup, create, directory copy, whiteouts, renames"
	echo more >>"$u/d/f"
	assert_eq "lower-f more" "$(paste -sd' ' "$s/up/d/f")" "the copy on the writable NFS branch"
	assert_eq "lower-f" "$(cat "$s/lo/d/f")" "the read-only NFS branch is untouched"
	assert_eq "lower-f more" "$(paste -sd' ' "$u/d/f")" "the copy through the union"
	echo new >"$u/d/new"
	mkdir "$u/nd"
	touch "$u/e/in-copied-dir"
	assert_exists "$s/up/e/in-copied-dir"
	rm "$u/d/g"
	assert_missing "$u/d/g"
	assert_exists "$s/lo/d/g"
	assert_exists "$s/up/d/.wh.g"
	rm -r "$u/gone-dir"
	assert_missing "$u/gone-dir"
	mv "$u/top" "$u/top-renamed"
	assert_eq lower-top "$(cat "$u/top-renamed")" "a renamed lower file"
	mv "$u/d" "$u/d-renamed"
	assert_eq deep "$(cat "$u/d-renamed/sub/deep")" "a renamed lower directory"
	assert_listing "$u" "d-renamed e nd top-renamed"
	assert_listing "$u/d-renamed" "f new sub"
	assert_eq "d e gone-dir top" "$(ls "$s/lo" | paste -sd' ')" "the read-only branch keeps its names"

	step "NFSv$v: the nfsro branch changes behind the union's back"
	echo behind >"$s/lo/e/added"
	assert_eq behind "$(cat "$u/e/added")" "a file added on the server"
	assert_listing "$u/e" "added in-copied-dir"
	echo changed >"$s/lo/e/added"
	assert_eq changed "$(cat "$u/e/added")" "a file changed on the server"
	rm "$s/lo/e/added"
	assert_missing "$u/e/added"
	assert_listing "$u/e" "in-copied-dir"
	mkdir "$s/lo/late-dir"
	echo late >"$s/lo/late-dir/l"
	assert_eq late "$(cat "$u/late-dir/l")" "a directory added on the server"

	step "NFSv$v: the same union again after a remount"
	umount "$u"
	mount -t unionfs -o "dirs=$W/n$v/up:$W/n$v/lo=nfsro" none "$W/$u"
	assert_listing "$u" "d-renamed e late-dir nd top-renamed"
	assert_listing "$u/d-renamed" "f new sub"
	assert_eq "lower-f more" "$(paste -sd' ' "$u/d-renamed/f")" "the copy after the remount"
done
