#!/bin/bash
# The article's CD-ROM example: a read-only disc (an ISO 9660 image made by
# genisoimage, loop-mounted) under a writable scratch branch looks like a
# writable disc. Files are edited, created, renamed and deleted through the
# union; every change lands in the scratch branch (copies, new files and
# .wh. whiteouts, exactly), the disc's files are byte-identical afterwards,
# and a fresh mount of the same branches shows the patched disc again.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd genisoimage

W=$PWD
fsop=$(prog fsop)
mkdir -p disc/bin disc/docs disc/data/sub
echo "Product 1.0 README" >disc/README
printf '#!/bin/sh\necho tool 1.0\n' >disc/bin/tool
chmod 0755 disc/bin/tool
echo "the manual, first edition" >disc/docs/manual.txt
echo "obsolete notes" >disc/docs/old.txt
head -c 524288 /dev/urandom >disc/data/big.bin
echo "deep" >disc/data/sub/deep.txt
mkbranch_iso cd disc genisoimage
mkbranch_tmpfs patch 16m

# The disc as it is: every file's checksum and every name with its type.
disc_state() { (cd "$W/cd" && find . -type f -exec sha256sum {} + && find . -printf '%p %y %m %s\n') | LC_ALL=C sort; }
before=$(disc_state)

mkdir u
mount -t unionfs -o "dirs=$W/patch:$W/cd=ro" none "$W/u"
assert_listing u "README bin data docs"

step "edit files of the disc"
echo "patched for 1.0.1" >>u/README
printf '#!/bin/sh\necho tool 1.0.1\n' >u/bin/tool
sed -i 's/first edition/second edition/' u/docs/manual.txt
assert_file_content u/README $'Product 1.0 README\npatched for 1.0.1'
assert_file_content u/bin/tool $'#!/bin/sh\necho tool 1.0.1'
assert_eq 755 "$(stat -c %a u/bin/tool)" "mode of the rewritten tool"
assert_eq "tool 1.0.1" "$(u/bin/tool)" "running the patched tool"
assert_file_content u/docs/manual.txt "the manual, second edition"

step "create files and directories"
echo "what changed in 1.0.1" >u/docs/NEWS
mkdir u/extra
echo "extra notes" >u/extra/notes

step "rename and delete disc files"
"$fsop" rename u/bin/tool u/bin/tool-1.0.1
rm u/docs/old.txt
rm -r u/data
assert_listing u "README bin docs extra"
assert_listing u/bin "tool-1.0.1"
assert_listing u/docs "NEWS manual.txt"
assert_missing u/data
expect_errno ENOENT cat u/docs/old.txt
expect_errno ENOENT ls u/data/sub
expect_errno EPERM touch u/docs/.wh.README

step "the scratch branch holds the changes, the disc is unchanged"
umount u
assert_tree patch "README bin/ bin/.wh.tool bin/tool-1.0.1 docs/ docs/.wh.old.txt docs/NEWS
	docs/manual.txt extra/ extra/notes .wh.data"
assert_eq "0 0 0" "$(stat -c %s patch/bin/.wh.tool patch/docs/.wh.old.txt patch/.wh.data | paste -sd' ')" \
	"sizes of the whiteouts"
assert_eq "regular empty file" "$(stat -c %F patch/.wh.data)" "type of the directory's whiteout"
assert_file_content patch/bin/tool-1.0.1 $'#!/bin/sh\necho tool 1.0.1'
assert_eq "$before" "$(disc_state)" "the disc after patching"

step "a new mount shows the patched disc"
mount -t unionfs -o "dirs=$W/patch:$W/cd=ro" none "$W/u"
assert_listing u "README bin docs extra"
assert_listing u/bin "tool-1.0.1"
assert_listing u/docs "NEWS manual.txt"
assert_file_content u/README $'Product 1.0 README\npatched for 1.0.1'
assert_file_content u/docs/NEWS "what changed in 1.0.1"
assert_eq "README bin bin/tool-1.0.1 docs docs/NEWS docs/manual.txt extra extra/notes" \
	"$(cd u && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | paste -sd' ')" "the whole patched disc"
