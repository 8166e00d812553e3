#!/bin/bash
# Only the initial user namespace's admin mounts a union: unionfs has no
# FS_USERNS_MOUNT, so mount(2) and fsopen/fsconfig fail with EPERM for
# nobody and for root of a new user namespace (unshare -Urm, by root and by
# nobody), and nothing is mounted. A branch on an idmapped mount (what mount
# --bind -o X-mount.idmap makes, of ext4) is refused with EINVAL and a
# kernel message saying it is idmapped, as the writable and as a read-only
# branch, and when added by remount or by the branch-add ioctl; the
# refusals leave nothing mounted and the union unchanged.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd setpriv

W=$PWD
chmod 755 "$W"
fsop=$(prog fsop)
try_mount=$(prog try-mount)
mkbranch_tmpfs up
mkbranch_tmpfs low
echo lower >low/f
mkdir u
dirs="dirs=$W/up:$W/low=ro"
unions() { awk -v m="$W/u" '$2 == m' /proc/self/mounts; }

step "nobody cannot mount"
expect_errno EPERM as_nobody "$fsop" mount "$W/u" "$dirs"
assert_eq "" "$(unions)" "mounts on $W/u"

# The guest's init chroots, and the kernel refuses CLONE_NEWUSER in a
# chroot (unshare -Urm: EPERM): progs/userns steps out of the chroot to make
# the namespace, then comes back.
userns=$(prog userns)
for who in "0 0" "65534 65534"; do
	step "root of a new user namespace made by uid ${who% *} cannot mount"
	ns=("$userns" run "${who% *}" "${who#* }")
	out=$("${ns[@]}" sh -c "id -u; '$fsop' mount '$W/u' '$dirs'; awk '\$3 == \"unionfs\"' /proc/self/mounts" 2>&1) || true
	assert_eq $'0\nEPERM: Operation not permitted' "$out" \
		"uid in the namespace, mount(2) there, and the unionfs mounts it sees"
	out=$("${ns[@]}" "$try_mount" --fsconfig unionfs "$dirs" 2>&1 | head -1) || true
	assert_eq "EPERM" "$out" "fsopen/fsconfig in the new user namespace"
	if out=$("${ns[@]}" mount -t unionfs -o "$dirs" none "$W/u" 2>&1); then
		fail "mount(8) in a new user namespace succeeded"
	fi
	echo "mount(8) in the new user namespace: $out"
	assert_eq "" "$(unions)" "mounts on $W/u"
done

step "an idmapped branch is refused"
_ufs_modprobe loop ext4
mkbranch_ext4 idbr 16M
echo "on the idmapped branch" >idbr/g
mkdir mapped
# An idmapped bind mount whose namespace maps 0 to 1000, as mount --bind -o
# X-mount.idmap makes (mount(8) itself cannot here: it makes its user
# namespace in the chroot).
"$userns" idmap idbr mapped 1000
assert_eq "0:0 1000:1000" "$(stat -c %u:%g idbr/g) $(stat -c %u:%g mapped/g)" \
	"owner of g on the branch and on its idmapped mount"
failures=()
refuse() {
	local what=$1 msgs
	shift
	dmesg_mark
	expect_errno EINVAL "$@"
	msgs=$(dmesg_since_mark | grep '^unionfs' || true)
	echo "$what: $msgs"
	# (The branch's directory is "mapped": the message must say why itself.)
	[[ $msgs == *idmapped* && $msgs != *overlap* ]] ||
		failures+=("$what: the kernel message does not say 'idmapped' (only): '$msgs'")
}
refuse "read-only branch" "$fsop" mount "$W/u" "dirs=$W/up:$W/mapped=ro"
refuse "writable branch" "$fsop" mount "$W/u" "dirs=$W/mapped:$W/low=ro"
assert_eq "" "$(unions)" "mounts on $W/u"
mount -t unionfs -o "$dirs" none "$W/u"
before=$(mount_options "$W/u")
dmesg_mark
if mount -o "remount,add=$W/mapped=ro" "$W/u"; then
	fail "remount,add= of an idmapped branch succeeded"
fi
msgs=$(dmesg_since_mark | grep '^unionfs' || true)
echo "added by remount: $msgs"
[[ $msgs == *idmapped* && $msgs != *overlap* ]] ||
	failures+=("remount,add=: the kernel message does not say 'idmapped' (only): '$msgs'")
assert_eq "$before" "$(mount_options "$W/u")" "the union's options after the refused remount"
out=$("$(prog branchctl)" "$W/u" add "$W/mapped" 1 ro) || true
assert_eq "EINVAL" "${out%%:*}" "the branch-add ioctl of an idmapped branch"
assert_eq "$before" "$(mount_options "$W/u")" "the union's options after the refused ioctl"
assert_listing u "f"
umount u
if ((${#failures[@]})); then
	printf 'FAIL: %s\n' "${failures[@]}" >&2
	exit 1
fi
