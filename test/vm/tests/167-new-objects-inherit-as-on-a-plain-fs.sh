#!/bin/bash
# What nobody creates through the union gets the owner, group, mode and ACL
# the same call gives on a plain tmpfs: in a setgid directory (2777, group
# 1000) a file and a directory take group 1000 and the directory keeps the
# setgid bit; in a directory with a default ACL the new objects inherit it
# and the umask does not apply (the ACL's mask does). Each case twice: while
# the directory is only on the read-only branch (its copy is made for the
# create) and once it has a copy.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd setpriv setfacl getfacl

W=$PWD
chmod 755 "$W"
mkbranch_tmpfs up
mkbranch_tmpfs low
mkbranch_tmpfs plain
for d in low plain; do
	# sgid and dacl get a file first, sgidd and dacld a directory first.
	mkdir "$d/sgid" "$d/sgidd" "$d/dacl" "$d/dacld"
	chown 0:1000 "$d/sgid" "$d/sgidd"
	chmod 2777 "$d/sgid" "$d/sgidd"
	chmod 0777 "$d/dacl" "$d/dacld"
	setfacl -d -m u::rwx,u:1234:rwx,g::r-x,m::rwx,o::r-x "$d/dacl" "$d/dacld"
done
mkdir u
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

# what PATH: everything a creation decides about the object.
what() { stat -c '%A %u:%g' "$1"; getfacl -c -p "$1" 2>/dev/null | grep -v '^$' | paste -sd' '; }

failures=()
# same UMASK OP NAME: nobody's OP (file or dir) of NAME with UMASK on plain
# tmpfs and through the union; the objects must be alike.
same() {
	local umask=$1 op=$2 name=$3 b exp act
	for b in plain u; do
		case $op in
		file) as_nobody sh -c "umask $umask; : >'$W/$b/$name'" ;;
		dir) as_nobody sh -c "umask $umask; mkdir '$W/$b/$name'" ;;
		esac
	done
	exp=$(what "plain/$name")
	act=$(what "u/$name")
	echo "$op $name (umask $umask): plain: $exp"
	[[ $exp == "$act" ]] || failures+=("$op $name (umask $umask): plain tmpfs '$exp', union '$act'")
	[[ $act == "$(what "up/$name")" ]] || failures+=("$op $name: the union shows '$act', the branch has '$(what "up/$name")'")
}

step "setgid directories, only on the read-only branch"
same 022 file sgid/f1
assert_eq "$(what plain/sgid)" "$(what up/sgid)" "the copy of the setgid directory"
same 022 dir sgidd/d1
assert_eq "$(what plain/sgidd)" "$(what up/sgidd)" "the copy of the other setgid directory"
step "the setgid directories, copied"
same 022 dir sgid/d1
same 077 file sgidd/f2
same 022 file sgid/d1/f3

step "directories with a default ACL, only on the read-only branch"
same 077 file dacl/f1
assert_eq "$(what plain/dacl)" "$(what up/dacl)" "the copy of the default-ACL directory"
same 077 dir dacld/d1
assert_eq "$(what plain/dacld)" "$(what up/dacld)" "the copy of the other default-ACL directory"
step "the default-ACL directories, copied"
same 077 dir dacl/d1
same 022 file dacld/f2
same 077 file dacl/d1/f3

umount u
if ((${#failures[@]})); then
	printf 'FAIL: %s\n' "${failures[@]}" >&2
	exit 1
fi
