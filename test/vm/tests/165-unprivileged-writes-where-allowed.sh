#!/bin/bash
# What an unprivileged caller may do, it can do through the union, and the
# result is its own: as nobody, in a 1777 directory of the read-only branch,
# a new file lands on the writable branch owned by 65534 with the mode asked
# for (the copied-up directory keeps 1777 and root as owner); it can be
# written, deleted, created again, renamed, and a directory made and
# removed. nobody's own file of the read-only branch can be deleted (the
# root-owned whiteout this leaves does not stop nobody creating the name
# again) and renamed; its own lower directory removed and made again
# (empty). nobody may chmod and write its own lower files in root's
# directories: the copy is 65534's with the new mode, the parent copy
# root's, the lower file unchanged. Root's 0666 file: nobody may touch
# (to now), write and truncate it (the copy stays root's), not touch -d or
# chmod it (EPERM, no copy). The sticky bit still holds: nobody cannot
# unlink or rename root's file there, nor rename over it (EPERM, like on a
# plain tmpfs), and such a refusal changes no branch.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd setpriv

W=$PWD
chmod 755 "$W"
fsop=$(prog fsop)
mkbranch_tmpfs up
mkbranch_tmpfs low
mkbranch_tmpfs plain
for d in low plain; do
	mkdir "$d/tmp"
	chmod 1777 "$d/tmp"
	echo "root's" >"$d/tmp/rootfile"
	echo "nobody's" >"$d/tmp/mine"
	chown 65534:65534 "$d/tmp/mine"
done
mkdir low/sub low/tmp/nd
echo own >low/own
echo own2 >low/sub/own2
echo own3 >low/sub/own3
echo x >low/tmp/nd/x
chown 65534:65534 low/own low/sub/own2 low/sub/own3 low/tmp/nd low/tmp/nd/x
chmod 0644 low/own low/sub/own2 low/sub/own3
chmod 0750 low/sub
chgrp 65534 low/sub
echo public >low/pub
echo public >low/pub2
chmod 0666 low/pub low/pub2
touch -d '2010-01-02 03:04:05' low/own low/sub/own2 low/pub low/pub2
mkdir u
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"
low_before=$(branch_state low)
nb() { as_nobody "$@"; }
attrs() { stat -c '%a %u:%g' "$@"; }

# sticky OP ARGS: nobody's OP in the sticky directory is refused as on plain
# tmpfs, and no branch changes.
sticky() {
	local op=$1 a=$2 b=${3:-} exp act up_before
	up_before=$(branch_state up)
	exp=$(outcome nb "$fsop" "$op" "$W/plain/$a" ${b:+"$W/plain/$b"})
	act=$(outcome nb "$fsop" "$op" "$W/u/$a" ${b:+"$W/u/$b"})
	echo "sticky: $op $a $b: plain $exp, union $act"
	assert_eq EPERM "$exp" "nobody's $op $a $b on plain tmpfs"
	assert_eq "$exp" "$act" "nobody's $op $a $b through the union"
	assert_eq "$up_before" "$(branch_state up)" "the writable branch after the refused $op $a $b"
}

step "sticky directory: root's file is not nobody's to remove (cold)"
sticky unlink tmp/rootfile
sticky rename tmp/rootfile tmp/taken
assert_tree up -

step "nobody creates, writes, deletes, creates again and renames a file"
nb sh -c "umask 027; echo hello >'$W/u/tmp/new'"
assert_eq "640 65534:65534" "$(attrs up/tmp/new)" "mode and owner of the new file"
assert_eq "1777 0:0" "$(attrs up/tmp)" "mode and owner of the copied-up sticky directory"
nb sh -c "echo more >>'$W/u/tmp/new'"
assert_eq $'hello\nmore' "$(cat up/tmp/new)" "contents of the new file"
nb rm "$W/u/tmp/new"
assert_missing u/tmp/new
assert_missing up/tmp/new
nb sh -c "umask 022; echo again >'$W/u/tmp/new'"
assert_eq "644 65534:65534" "$(attrs up/tmp/new)" "mode and owner of the file made again"
assert_file_content u/tmp/new again
nb "$fsop" rename "$W/u/tmp/new" "$W/u/tmp/new2"
assert_file_content u/tmp/new2 again
assert_eq "644 65534:65534" "$(attrs u/tmp/new2)" "mode and owner of the renamed file"
nb mkdir -m 0700 "$W/u/tmp/d"
assert_eq "700 65534:65534" "$(attrs up/tmp/d)" "mode and owner of nobody's directory"
nb rmdir "$W/u/tmp/d"
assert_listing u/tmp "mine nd new2 rootfile"

step "nobody deletes its own lower file, makes it again, renames it"
nb rm "$W/u/tmp/mine"
assert_listing u/tmp "nd new2 rootfile"
assert_exists up/tmp/.wh.mine
nb sh -c "umask 022; echo 'mine again' >'$W/u/tmp/mine'"
assert_file_content u/tmp/mine "mine again"
assert_eq "644 65534:65534" "$(attrs up/tmp/mine)" "mode and owner of the file made over the whiteout"
nb "$fsop" rename "$W/u/tmp/mine" "$W/u/tmp/mine.moved"
assert_listing u/tmp "mine.moved nd new2 rootfile"
assert_file_content u/tmp/mine.moved "mine again"

step "nobody removes its own lower directory and makes it again"
nb rm -r "$W/u/tmp/nd"
assert_listing u/tmp "mine.moved new2 rootfile"
nb mkdir "$W/u/tmp/nd"
assert_listing u/tmp/nd ""
assert_eq "755 65534:65534" "$(attrs up/tmp/nd)" "mode and owner of the directory made again"
nb touch "$W/u/tmp/nd/y"
assert_listing u/tmp/nd "y"

step "sticky directory, warm: nobody still cannot remove, move or replace root's file"
sticky unlink tmp/rootfile
sticky rename tmp/rootfile tmp/taken
nb sh -c "echo x >'$W/plain/tmp/new2'"
sticky rename tmp/new2 tmp/rootfile
assert_file_content u/tmp/rootfile "root's"

step "nobody chmods its own lower files"
nb chmod 0600 "$W/u/own"
assert_eq "600 65534:65534 $(stat -c %Y low/own)" "$(stat -c '%a %u:%g %Y' up/own)" "the copy of own"
assert_file_content up/own own
nb chmod 0604 "$W/u/sub/own2"
assert_eq "750 0:65534" "$(attrs up/sub)" "mode and owner of the copied-up parent"
assert_eq "604 65534:65534 $(stat -c %Y low/sub/own2)" "$(stat -c '%a %u:%g %Y' up/sub/own2)" \
	"the copy of sub/own2"
assert_eq "600 65534:65534" "$(attrs u/own)" "own through the union"

step "nobody writes its own lower file in root's directory"
nb sh -c "echo more >>'$W/u/sub/own3'"
assert_eq $'own3\nmore' "$(cat up/sub/own3)" "contents of the copy of sub/own3"
assert_eq "644 65534:65534" "$(attrs up/sub/own3)" "mode and owner of the copy of sub/own3"

step "nobody may write root's 0666 file, not change its attributes"
up_before=$(branch_state up)
expect_errno EPERM nb touch -c -d @1000000000 "$W/u/pub2"
expect_errno EPERM nb chmod 0600 "$W/u/pub2"
assert_eq "$up_before" "$(branch_state up)" "the writable branch after the refused touch -d and chmod"
nb touch -c "$W/u/pub"
[[ $(stat -c %Y up/pub) -gt $(stat -c %Y low/pub) ]] || fail "touch (to now) did not change the copy's mtime"
assert_eq "666 0:0" "$(attrs up/pub)" "mode and owner of the copy of pub"
nb truncate -s 3 "$W/u/pub"
assert_file_content u/pub pub
expect_errno EPERM nb chmod 0600 "$W/u/pub"
assert_eq "666 0:0" "$(attrs up/pub)" "mode and owner of the copy of pub after the refused chmod"

umount u
assert_eq "$low_before" "$(branch_state low)" "the read-only branch"
