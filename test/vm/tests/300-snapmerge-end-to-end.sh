#!/bin/bash
# timeout: 300
# snapmerge end to end. A snapshot taken with the module (dirs=snap:base=ro)
# receives, through the union, edits, attribute changes (mode, owner, times,
# xattrs, ACLs), new objects of every type, hard links, deletions of files,
# symlinks and directories, renames of files and directories, kind changes
# (file <-> directory), a directory deleted and made again (opaque), sparse
# files and names with spaces, newlines and leading dashes. The union's view
# is recorded (names, types, contents, modes, owners, mtimes, xattrs, device
# numbers, symlink targets, link counts and hard-link groups of
# non-directories); after umount, "snapmerge base snap" must make base
# exactly that view, keep sparse files sparse and leave snap empty; a second
# run changes nothing. Last, snapmerge warns when its base is a read-write
# branch of a mounted union (the module's own mountinfo line).
# Not compared: directory link counts (a merged directory shows 1) and the
# root's own attributes. A base file that loses one of its hard links
# through the union keeps showing the old count there, so none does here.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd setfattr setfacl python3 mkfs.ext4
snapmerge=${UFS_REPO:?}/snapmerge/build/snapmerge
[[ -x $snapmerge ]] || skip "snapmerge is not built: run 'make -C snapmerge' on the host first"

W=$PWD
mkbranch_ext4 base 64M
mkbranch_ext4 snap 64M
rmdir snap/lost+found
mkdir u

# The view of a tree: one line per object below DIR, sorted, as bytes.
view_of() {
	python3 - "$1" <<'PY'
import hashlib, os, stat, sys
root = os.fsencode(sys.argv[1])
lines, groups = [], {}
for top, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(dirs + files):
        path = os.path.join(top, name)
        rel = os.path.relpath(path, root)
        st = os.lstat(path)
        kind = stat.S_IFMT(st.st_mode)
        f = [repr(rel), oct(kind), oct(stat.S_IMODE(st.st_mode)), "%d:%d" % (st.st_uid, st.st_gid),
             "mtime=%d" % st.st_mtime_ns]
        if stat.S_ISREG(kind):
            with open(path, "rb") as fh:
                f += ["size=%d" % st.st_size, hashlib.sha256(fh.read()).hexdigest()]
        if stat.S_ISLNK(kind):
            f.append("-> " + repr(os.readlink(path)))
        if stat.S_ISCHR(kind) or stat.S_ISBLK(kind):
            f.append("dev=%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
        if not stat.S_ISDIR(kind):
            first = groups.setdefault((st.st_dev, st.st_ino), rel)
            f.append("nlink=%d" % st.st_nlink)
            if first != rel:
                f.append("same-as=" + repr(first))
        for attr in sorted(os.listxattr(path, follow_symlinks=False)):
            f.append("%s=%s" % (attr, os.getxattr(path, attr, follow_symlinks=False).hex()))
        lines.append(" ".join(f))
print("\n".join(sorted(lines)))
PY
}

step "the base"
(
	cd base
	mkdir -p etc/conf.d doc/old docs-to-rename/sub tree/a/b/c kind-dir delete-dir/sub opaque-me
	echo "root:x:0:0" >etc/passwd
	setfacl -m u:1234:rw etc/passwd
	echo conf >etc/conf.d/main.conf
	echo "keep me" >etc/untouched
	setfattr -n user.keep -v 1 etc/untouched
	echo old >doc/old/readme
	echo "old manual" >doc/manual
	chown -R 1234:5678 doc
	echo "to be renamed" >rename-me
	echo "in dir" >docs-to-rename/sub/file
	echo top >docs-to-rename/top
	echo "will become a directory" >kind-f2d
	echo inside >kind-dir/inside
	echo deep >tree/a/b/c/deep
	ln -s etc/passwd link-to-passwd
	mkfifo fifo
	mknod null c 1 3
	echo "linked twice" >hl1
	ln hl1 hl2
	echo gone >delete-me
	echo g >delete-dir/sub/g
	echo o >opaque-me/old1
	echo o >opaque-me/old2
	echo spaced >"name with space"
	echo nl >$'new\nline'
	echo dash >./-dash
	truncate -s 64M sparse-base
	printf data | dd of=sparse-base bs=4096 seek=1000 conv=notrunc status=none
	find . -mindepth 1 -path ./lost+found -prune -o -exec touch -h -d '2015-05-05 05:05:05' {} +
)

step "changes through the union"
mount -t unionfs -o "dirs=$W/snap:$W/base=ro" none "$W/u"
(
	cd u
	echo "root:x:0:0:edited" >etc/passwd
	echo more >>doc/manual
	chmod 0600 etc/conf.d/main.conf
	chown 42:43 tree/a/b/c/deep
	touch -d '2020-02-02 02:02:02' doc/old/readme
	setfattr -n user.new -v val etc/conf.d/main.conf
	setfacl -m u:999:r doc/manual
	echo new >newfile
	mkdir -p newdir/sub
	echo n >newdir/sub/n
	ln -s ../newfile newdir/link
	mkfifo newdir/fifo
	mknod newdir/zero c 1 5
	echo shared >newdir/h1
	ln newdir/h1 h-other
	chmod 0751 newdir
	rm delete-me link-to-passwd
	rm -r delete-dir
	mv rename-me renamed
	mv docs-to-rename docs-renamed
	rm kind-f2d
	mkdir kind-f2d
	echo now-dir >kind-f2d/f
	rm -r kind-dir
	echo now-file >kind-dir
	rm -r opaque-me
	mkdir opaque-me
	echo new >opaque-me/new
	rm "name with space"
	echo re-created >"name with space"
	echo changed >$'new\nline'
	rm ./-dash
	echo x >./--new-dash
	truncate -s 128M sparse-new
	printf data | dd of=sparse-new bs=4096 seek=5000 conv=notrunc status=none
	echo tail >>sparse-base
)
expected=$(view_of u)
assert_eq "" "$(find u -name '.wh.*')" "hidden names through the union"
umount u
assert_exists "snap/.wh.delete-me"

step "snapmerge base snap"
out=$("$snapmerge" "$W/base" "$W/snap" 2>&1) || fail "snapmerge failed: $out"
echo "$out"
assert_eq "$expected" "$(view_of base)" "the base after snapmerge, against the union's view"
assert_tree snap -
assert_eq "" "$(find base -name '.wh.*')" "hidden names left in the base"
for f in sparse-base sparse-new; do
	blocks=$(stat -c %b "base/$f")
	[[ $blocks -lt 2048 ]] || fail "base/$f is not sparse any more: $blocks blocks"
done

step "a second run finds nothing to do"
out=$("$snapmerge" "$W/base" "$W/snap" 2>&1) || fail "second snapmerge failed: $out"
assert_eq "snapmerge: 1 snapshot merged into $W/base: 0 files copied (0 bytes), 0 hard links, 0 directories created, 0 deleted" \
	"$out" "output of the second run"
assert_eq "$expected" "$(view_of base)" "the base after the second run"

step "warns when the base is a read-write branch of a mounted union"
mkdir snap2 u2
mount -t unionfs -o "dirs=$W/base=rw" none "$W/u2"
out=$("$snapmerge" --dry-run "$W/base" "$W/snap2" 2>&1) || fail "snapmerge --dry-run failed: $out"
[[ $out == *"the base is a read-write branch of the union mounted on $W/u2"* ]] ||
	fail "no warning about the mounted union: $out"
umount u2
mount -t unionfs -o "dirs=$W/snap2:$W/base=ro" none "$W/u2"
out=$("$snapmerge" --dry-run "$W/base" "$W/snap2" 2>&1) || fail "snapmerge --dry-run failed: $out"
[[ $out != *warning* ]] || fail "warned about a read-only branch: $out"
umount u2
