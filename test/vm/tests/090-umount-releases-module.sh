#!/bin/bash
# A mount holds a reference on the module and an open file keeps the mount
# busy; unmounting (also lazily, with a file still open) gives every
# reference back, so the runner can rmmod the module at the end.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_unionfs

W=$PWD
mod=${MODULE_NAME:-unionfs}
is_fake && mod=overlay
refcnt() { cat "/sys/module/$mod/refcnt"; }
[[ -r /sys/module/$mod/refcnt ]] || skip "$mod is built in: no module reference count to watch"
mkdir -p a b u
echo "kept open" >a/file
base=$(refcnt)

mount -t unionfs -o "dirs=$W/a:$W/b" none "$W/u"
[[ $(refcnt) -gt $base ]] || fail "mounting did not take a module reference ($(refcnt) <= $base)"

step "busy while a file is open"
exec 5<u/file
expect_errno "target is busy" umount u
exec 5<&-
umount u
assert_eq "$base" "$(refcnt)" "module references after umount"

step "lazy unmount with a file open"
mount -t unionfs -o "dirs=$W/a:$W/b" none "$W/u"
exec 5<u/file
umount -l u
assert_eq "" "$(mount_type "$W/u")" "mount gone from /proc/mounts"
read -r line <&5
assert_eq "kept open" "$line" "reading the open file after the lazy unmount"
exec 5<&-
# The superblock goes away with the last reference, asynchronously.
for _ in $(seq 50); do
	[[ $(refcnt) -ne $base ]] || break
	sleep 0.1
done
assert_eq "$base" "$(refcnt)" "module references after the last close"

step "repeated mount and umount"
for _ in $(seq 20); do
	mount -t unionfs -o "dirs=$W/a:$W/b" none "$W/u"
	cat u/file >/dev/null
	umount u
done
assert_eq "$base" "$(refcnt)" "module references after 20 mounts"
