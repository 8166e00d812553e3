#!/bin/bash
# A union exported by the kernel's NFS server with fsid= (it has no device
# of its own) and mounted over loopback with NFSv3 and NFSv4.2: clients
# read lower files, write them (copyup on the server), create, rename a
# lower directory and remove; a client's current directory and open files
# keep working after the server dropped its caches and after a server
# restart (nfsd stopped, the union unmounted and mounted again with the
# same branches, nfsd started); a file a client has open follows a rename
# through the union; a file removed on the server reads as ESTALE; a
# write past the largest file the writable branch allows fails at once
# (EFBIG), not later at writeback. rpcbind, mountd and nfsd are started here; the
# guest has no network device but loopback.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkbranch_ext4 up 32M
mkbranch_ext4 lo 32M
mkdir -p lo/docs lo/proj/sub lo/keep
echo lower-a >lo/docs/a
echo lower-b >lo/docs/b
echo lower-gone >lo/docs/gone
echo deep >lo/proj/sub/file
echo kept >lo/keep/k
echo travels >lo/docs/travels
chmod -R a+rwX up

mount_union() { mount -t unionfs -o "dirs=$W/up:$W/lo=ro" none "$W/u"; }
drop_server_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
export_union() {
	exportfs -o "fsid=7,rw,no_root_squash,no_subtree_check,sync" "127.0.0.1:$W/u"
}

mkdir u c3 c4
mount_union

step "start the NFS server on loopback"
nfs_server_start
start_nfsd() {
	nfsd_start
	nfs_export_v4_root "$W"	# v4 clients name the union /u
	export_union
}
# As a server reboot does: nfsd lets go of every file it holds open (v4
# opens, v3's file cache), so the union can be unmounted; v4 clients
# reclaim their opens during the new grace period.
restart_server_on_a_remounted_union() {
	rpc.nfsd 0
	exportfs -ua
	umount "$W/u"
	mount_union
	start_nfsd
}
start_nfsd
nfs_wait_for_grace

step "mount the export with NFSv3 and NFSv4.2"
# Clients go before the server stops (cleanups run newest first): a client
# left mounted on a stopped server would hang the test's unmounts.
mount -t nfs -o vers=3,nolock,noac,proto=tcp,timeo=50,retrans=3 "127.0.0.1:$W/u" c3
on_exit umount -f -l "$W/c3"
mount -t nfs -o vers=4.2,noac,timeo=50,retrans=3 127.0.0.1:/u c4
on_exit umount -f -l "$W/c4"
assert_eq lower-a "$(cat c3/docs/a)" "v3 reads a lower file"
assert_eq lower-a "$(cat c4/docs/a)" "v4.2 reads a lower file"

step "write (a copyup on the server), create, rename a lower directory, remove"
echo by-v3 >>c3/docs/a
echo by-v4 >>c4/docs/a
assert_eq "lower-a by-v3 by-v4" "$(paste -sd' ' up/docs/a)" "the copy on the writable branch"
assert_eq "lower-a" "$(cat lo/docs/a)" "the read-only branch is untouched"
assert_eq "lower-a by-v3 by-v4" "$(paste -sd' ' c3/docs/a)" "v3 reads the copy"
echo new3 >c3/docs/new3
echo new4 >c4/docs/new4
assert_eq "a b gone new3 new4 travels" "$(ls u/docs | paste -sd' ')" "names made by the clients"
mv c4/proj c4/proj-moved
assert_eq deep "$(cat c3/proj-moved/sub/file)" "the renamed lower directory, seen by v3"
assert_missing u/proj
rm c3/docs/b
assert_missing u/docs/b
assert_exists lo/docs/b
assert_eq "a gone new3 new4 travels" "$(ls c4/docs | paste -sd' ')" "v4.2 sees the removal"

step "a client's cwd and open file survive dropped caches and a restart on a remounted union"
# The client is a process of its own with its cwd and open files on the NFS
# mounts; the server side (this shell) must not touch those mounts while
# nfsd is down, or it would wait for the server like any client.
mkfifo "$W/to-client" "$W/from-client"
exec 7<>"$W/to-client" 8<>"$W/from-client"
on_exit close_test_fds
client_with_cwd_and_open_files() {
	cd "$W/c3/keep" && exec 3<k && cd "$W/c4/keep" && exec 4<k || exit 1
	echo ready >&8
	read -r _ <&7
	{ ls "$W/c3/keep"; cat <&3; ls .; } >"$W/after-drop" 2>&1
	echo ready >&8
	read -r _ <&7
	{ cat <&4; ls .; } >"$W/after-restart" 2>&1
	echo ready >&8
}
client_says_ready() { read -r -t 120 _ <&8 || fail "the NFS client did not answer in 120 s"; }
client_with_cwd_and_open_files &
client_says_ready
drop_server_caches
echo go >&7
client_says_ready
assert_eq "k kept k" "$(paste -sd' ' "$W/after-drop")" "v3 dir and open file, v4.2 cwd after the drop"
restart_server_on_a_remounted_union
echo go >&7
client_says_ready
assert_eq "kept k" "$(paste -sd' ' "$W/after-restart")" "v4.2 open file and cwd after the restart"
wait
assert_eq kept "$(cat c3/keep/k)" "v3 reads after the restart"
echo appended >>c3/docs/new3
assert_eq "new3 appended" "$(paste -sd' ' c4/docs/new3)" "a write after the restart"

step "a file a client has open follows a rename through the union"
# Opened by the v3 client while on the read-only branch, renamed by the v4.2
# client into another directory (the server copies it there), caches
# dropped: the v3 client's handle is found through the rename's records.
exec 5<c3/docs/travels
mv c4/docs/travels c4/keep/travelled
drop_server_caches
assert_eq travels "$(cat <&5)" "the v3 client's open file after the rename"
exec 5<&-
assert_eq "k travelled" "$(ls c3/keep | paste -sd' ')" "the new name, seen by v3"

step "a file removed on the server is ESTALE for a v3 client that had it open"
exec 5<c3/docs/gone
rm u/docs/gone
drop_server_caches
expect_errno ESTALE cat <&5
exec 5<&-

step "a client may not write past the end its writable branch allows"
# Clients take the export's largest file from the union and write through
# their page cache up to it: a union advertising more than its ext4
# branch (16 TiB) would let a write at 1 PiB succeed, to fail only at
# writeback, the data lost. Caching mounts of their own (noac writes at
# once, and the server's EFBIG would come back in time anyway).
mkdir c3c c4c
mount -t nfs -o vers=3,nolock,proto=tcp,nosharecache 127.0.0.1:"$W/u" c3c
on_exit umount -f -l "$W/c3c"
mount -t nfs -o vers=4.2,nosharecache 127.0.0.1:/u c4c
on_exit umount -f -l "$W/c4c"
for c in c3c c4c; do
	outcome=$(python3 -c '
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
try:
    os.pwrite(fd, b"x", 1 << 50)
    said = "written"
except OSError as e:
    said = errno.errorcode[e.errno]
try:
    os.close(fd)
except OSError as e:
    said += ", then close: " + errno.errorcode[e.errno]
print(said)' "$c/docs/far-$c")
	assert_eq EFBIG "$outcome" "$c: a write at 1 PiB"
	assert_eq 0 "$(stat -c %s "u/docs/far-$c")" "$c: the file's size"
done
umount c3c c4c

step "clients unmount, the export goes away"
umount c3
umount c4
exportfs -ua
