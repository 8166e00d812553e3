#!/bin/bash
# A copyup survives a crash whole or not at all: the writable branch is
# ext4 on a dm-flakey device; files of a read-only branch are copied up
# (by a one-byte append through the union), the journal commits the new
# names, then the power is cut (dm-flakey drops every later write, as a
# machine that lost power would never have written them) and the branch is
# mounted again. Every copied name must read as the original, or as the
# original plus the byte appended - never as zeros or a short file, which
# is what a name committed before its copy's data blocks would show.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd dmsetup losetup mkfs.ext4 blockdev sha256sum

W=$PWD
files=24
_ufs_modprobe loop ext4 dm_mod dm_flakey

truncate -s 64M up.img
mkfs.ext4 -q -F up.img
loop=$(losetup -f --show up.img)
on_exit losetup -d "$loop"
sectors=$(blockdev --getsz "$loop")
dev=ufs-flakey-$$
# up for a day: a plain pass-through until the power cut.
dmsetup create "$dev" --table "0 $sectors flakey $loop 0 86400 0"
on_exit dmsetup remove "$dev"
dmsetup mknodes "$dev"	# the guest has no udev to make /dev/mapper/$dev
mkdir -p up
# Commits every second, so the names are in the journal before the cut.
mount -t ext4 -o commit=1 "/dev/mapper/$dev" up
mkbranch_tmpfs low 32m
mkdir -p u
for i in $(seq 1 "$files"); do
	head -c 65536 /dev/urandom >"low/f$i"
done
(cd low && sha256sum f*) >original.sum
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

step "copy $files files up, let the journal commit their names"
for i in $(seq 1 "$files"); do
	printf x >>"u/f$i"
done
sleep 3

step "cut the power: every write from now on is lost"
dmsetup suspend --nolockfs "$dev"
dmsetup load "$dev" --table "0 $sectors flakey $loop 0 0 86400 1 drop_writes"
dmsetup resume "$dev"
umount u
umount up
dmsetup suspend --nolockfs "$dev"
dmsetup load "$dev" --table "0 $sectors flakey $loop 0 86400 0"
dmsetup resume "$dev"

step "after the crash each copy is whole"
mount -t ext4 "/dev/mapper/$dev" up
copied=0
for i in $(seq 1 "$files"); do
	[[ -e up/f$i ]] || continue
	copied=$((copied + 1))
	got=$(head -c 65536 "up/f$i" | sha256sum | cut -d' ' -f1)
	want=$(grep " f$i\$" original.sum | cut -d' ' -f1)
	size=$(stat -c %s "up/f$i")
	[[ $got == "$want" && ($size -eq 65536 || $size -eq 65537) ]] ||
		fail "up/f$i after the crash: $size bytes, not the original's data (the copy's blocks were lost)"
done
echo "$copied of $files copies were committed before the cut"
[[ $copied -gt 0 ]] || fail "no copy reached the journal: the test did not test anything"
umount up
