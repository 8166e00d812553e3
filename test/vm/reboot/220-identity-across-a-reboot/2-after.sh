#!/bin/bash
# Second boot, on 1-before.sh's disks: the same branches mounted again show
# every object with the inode number, readdir d_ino and link count it had,
# and every handle taken in the first boot opens its object (also the one
# renamed and the one below a renamed directory, both copied by the rename).
set -eu
# shellcheck source=../../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
fh=$(prog fhandle)
mount_disk vda d1
mount_disk vdb d2
(( $(wc -l <d1/state/expected) >= 26 )) || fail "the first boot left too little on the disk"
mkdir u
mount -t unionfs -o "dirs=$W/d1/up:$W/d2/lo=ro" none "$W/u"

step "inode numbers, d_ino and link counts as before the reboot"
while read -r what name value; do
	case $what in
	ino) actual=$(stat -c %i "u/$name") ;;
	nlink) actual=$(stat -c %h "u/$name") ;;
	dino)
		dir=$(dirname "$name")
		actual=$(ls -ai "u/$dir" | awk -v n="$(basename "$name")" '$2 == n { print $1 }')
		;;
	esac
	assert_eq "$value" "$actual" "$what of $name after the reboot"
done <d1/state/expected

step "handles taken in the first boot"
assert_eq "lower-f more" "$("$fh" cat "$W/u" d1/state/h.d_f | paste -sd' ')" "d/f (copied up)"
assert_eq lower-m "$("$fh" cat "$W/u" d1/state/h.d_m)" "d/m (renamed through the union)"
assert_eq lower-leaf "$("$fh" cat "$W/u" d1/state/h.tree_leaf)" "tree/leaf (its directory renamed)"
assert_eq leaf "$("$fh" cat "$W/u" d1/state/h.tree)" "tree (renamed)"
assert_eq "linked x" "$("$fh" cat "$W/u" d1/state/h.h2 | paste -sd' ')" "h2 (the other name of h1)"
assert_eq new "$("$fh" cat "$W/u" d1/state/h.d_new)" "d/new (made in the union)"
assert_eq "f m-renamed new" "$("$fh" cat "$W/u" d1/state/h.d | paste -sd' ')" "directory d"
assert_eq "$(stat -c %i u/d/m-renamed)" "$("$fh" ino "$W/u" d1/state/h.d_m)" "st_ino of d/m by handle"
umount u
