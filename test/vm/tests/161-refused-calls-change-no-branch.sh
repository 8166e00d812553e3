#!/bin/bash
# A call the caller may not make is refused on the union object before
# anything changes: as nobody, on root's 0644 files of the read-only branch
# (at the top and in a subdirectory) and in root's 0755 directories, chmod,
# chown, chgrp, truncate, touch, touch -d, setfattr/setfattr -x (user,
# trusted), setfacl -m/-b, chattr +a, opening for writing (also with
# O_TRUNC and O_APPEND), creating, linking, unlinking, renaming, mkdir and
# rmdir fail with the errno the same call gets on a plain ext4 filesystem
# (EPERM or EACCES), and both branches stay exactly as they were: no copy,
# no parent directory, no whiteout, not even a ctime. Branches are ext4
# (tmpfs of 6.1 has no user.* xattrs). Not security.*: 6.1 lets anyone set
# those (its BPF LSM's default hook answer skips the capability check).
# timeout: 600
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd setpriv setfattr getfattr setfacl chattr

W=$PWD
chmod 755 "$W"
fsop=$(prog fsop)
mkbranch_ext4 up 16M
mkbranch_ext4 low 16M
mkbranch_ext4 plain 16M
rmdir up/lost+found
# The same objects on the read-only branch and on the plain filesystem.
for d in low plain; do
	mkdir -p "$d/sub/dir"
	for f in f sub/f; do
		echo "root's file" >"$d/$f"
		setfattr -n user.a -v one "$d/$f"
		setfacl -m u:4321:r "$d/$f"
		chmod 0644 "$d/$f"
	done
	chmod 0755 "$d" "$d/sub" "$d/sub/dir"
	touch -d '2010-01-02 03:04:05' "$d/f" "$d/sub/f" "$d/sub/dir" "$d/sub"
done
mkdir u
union() { mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"; }
union

up_before=$(branch_state up)
low_before=$(branch_state low)

# Calls on a file (@F: its path) and in a directory (@B: the base).
file_ops=(
	"chmod 0600 @F"
	"chmod 0644 @F"
	"chown 65534 @F"
	"chown :65534 @F"
	"truncate -s 0 @F"
	"touch -c @F"
	"touch -c -d @1000000000 @F"
	"setfattr -n user.x -v 1 @F"
	"setfattr -x user.a @F"
	"setfattr -n trusted.x -v 1 @F"
	"setfacl -m u:65534:rw @F"
	"setfacl -b @F"
	"chattr +a @F"
	"$fsop openrw @F"
	"$fsop append @F more"
	"sh -c :>@F"
	"$fsop unlink @F"
	"$fsop rename @F @F.new"
	"$fsop link @F @F.link"
	"$fsop link @F @B/sub/dir/link"
	"$fsop rename @F @B/sub/dir/moved"
)
dir_ops=(
	"$fsop create @B/new"
	"$fsop create @B/sub/new"
	"$fsop mkdir @B/sub/newdir"
	"$fsop mkfifo @B/sub/fifo"
	"$fsop symlink target @B/sub/sl"
	"$fsop rmdir @B/sub/dir"
	"$fsop rename @B/sub/dir @B/sub/dir2"
	"$fsop rename @B/sub/dir @B/dir2"
	"$fsop rename @B/sub @B/sub2"
)

failures=()
# Everything about the writable branch a call could change, in one exec: a
# changed xattr or ACL changes the ctime. (branch_state, at the end, is the
# full comparison.)
up_state() { find "$W/up" -printf '%p %i %y %m %U:%G %s %T@ %C@\n' | LC_ALL=C sort; }
up_quick=$(up_state)

# try OP [FILE]: OP (words; @F is the file, @B the base directory) as nobody
# on the plain filesystem and on the union: the answers must be the same
# refusal, and the writable branch must not change.
try() {
	local op=$1 f=${2:-} words=() w exp act pl=() un=() what now
	read -r -a words <<<"$op"
	for w in "${words[@]}"; do
		w=${w//@F/@B/$f}
		pl+=("${w//@B/$W/plain}")
		un+=("${w//@B/$W/u}")
	done
	what="${op//$fsop/fsop}${f:+ (F=$f)}"
	exp=$(outcome as_nobody "${pl[@]}")
	act=$(outcome as_nobody "${un[@]}")
	echo "$what: plain $exp, union $act"
	if [[ $exp != EPERM && $exp != EACCES ]]; then
		failures+=("$what: the reference call on plain ext4 was not refused ($exp)")
	elif [[ $exp != "$act" ]]; then
		failures+=("$what: union answered $act, plain ext4 $exp")
	fi
	now=$(up_state)
	if [[ $now != "$up_quick" ]]; then
		[[ $exp != EPERM && $exp != EACCES ]] ||
			failures+=("$what ($act): changed the writable branch, now: $(tree_of up)")
		diff <(echo "$up_quick") <(echo "$now") | sed 's/^/    /' | head -20 || true
		# Start again from the untouched writable branch.
		umount u
		chattr -R -a -i up 2>/dev/null || true
		find up -mindepth 1 -delete
		union
		up_before=$(branch_state up)
		up_quick=$(up_state)
	fi
}

step "calls on root's files of the read-only branch"
for f in f sub/f; do
	for op in "${file_ops[@]}"; do
		try "$op" "$f"
	done
done
step "calls in root's directories"
for op in "${dir_ops[@]}"; do
	try "$op"
done

step "the union still shows the lower objects"
assert_file_content u/f "root's file"
assert_file_content u/sub/f "root's file"
assert_eq "644 0:0 $(stat -c %Y low/f)" "$(stat -c '%a %u:%g %Y' u/f)" "mode, owner and mtime of f"
assert_listing u/sub "dir f"

step "the branches are exactly as they were"
umount u
[[ $(branch_state low) == "$low_before" ]] || failures+=("the read-only branch changed")
[[ $(branch_state up) == "$up_before" ]] || failures+=("the writable branch changed")

if ((${#failures[@]})); then
	printf 'FAIL: %s\n' "${failures[@]}" >&2
	exit 1
fi
