#!/bin/bash
# The article's source-versioning example, with delete=first: a pristine
# kernel tree as a read-only branch under a private writable branch. Editing
# a file copies it up with its mode, owner and (until the edit) its mtime,
# and its directories with theirs; diff against the pristine tree shows just
# the edits; deleting an edited file removes only the private copy, so the
# pristine version shows through again; deleting a pristine file whites it
# out. The pristine branch is never written.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
fsop=$(prog fsop)
P=pristine
mkdir -p $P/kernel $P/fs/ext2 $P/scripts private u
printf 'VERSION = 2\nPATCHLEVEL = 6\n' >$P/Makefile
printf 'int schedule(void)\n{\n\treturn 0;\n}\n' >$P/kernel/sched.c
printf 'int do_fork(void)\n{\n\treturn 1;\n}\n' >$P/kernel/fork.c
printf 'int ext2_fill_super(void);\n' >$P/fs/ext2/super.c
printf '#!/usr/bin/perl\nprint "ok\\n";\n' >$P/scripts/checkpatch.pl
echo "Linux kernel" >$P/README
chmod 0640 $P/kernel/sched.c
chmod 0755 $P/scripts/checkpatch.pl
chmod 0750 $P/kernel
chown -R 1000:1000 $P
chown 1234:2345 $P/kernel/fork.c
touch -d '2004-03-04 05:06:07' $P/kernel/sched.c $P/kernel/fork.c
before=$(tree_snapshot $P)

mount -t unionfs -o "dirs=$W/private:$W/$P=ro,delete=first" none "$W/u"

step "opening for writing copies up: data, mode, owner, mtime, the directory"
"$fsop" openrw u/kernel/fork.c
assert_tree private "kernel/ kernel/fork.c"
assert_eq "$(stat -c '%a %u:%g %Y %s' $P/kernel/fork.c)" "$(stat -c '%a %u:%g %Y %s' private/kernel/fork.c)" \
	"mode, owner, mtime and size of the copy of fork.c"
assert_eq "750 1000:1000" "$(stat -c '%a %u:%g' private/kernel)" "mode and owner of the copied-up directory"
cmp $P/kernel/fork.c private/kernel/fork.c

step "editing"
old_mtime=$(stat -c %Y $P/kernel/sched.c)
printf '/* private change */\n' >>u/kernel/sched.c
sed -i 's/return 1;/return 2;/' u/kernel/fork.c
echo "int ext2_statfs(void);" >>u/fs/ext2/super.c
echo "new file" >u/kernel/new.c
chmod 0700 u/scripts/checkpatch.pl
assert_eq "640 1000:1000" "$(stat -c '%a %u:%g' private/kernel/sched.c)" "mode and owner of the edited sched.c"
[[ $(stat -c %Y private/kernel/sched.c) -gt $old_mtime ]] ||
	fail "the edit did not update the mtime of sched.c ($(stat -c %Y private/kernel/sched.c) <= $old_mtime)"
assert_eq "1234:2345" "$(stat -c '%u:%g' u/kernel/fork.c)" "owner of fork.c after sed -i"
assert_eq "700 1000:1000" "$(stat -c '%a %u:%g' private/scripts/checkpatch.pl)" "mode and owner after chmod"
assert_tree private "fs/ fs/ext2/ fs/ext2/super.c kernel/ kernel/fork.c kernel/new.c kernel/sched.c
	scripts/ scripts/checkpatch.pl"
assert_eq "Files $P/fs/ext2/super.c and u/fs/ext2/super.c differ
Files $P/kernel/fork.c and u/kernel/fork.c differ
Files $P/kernel/sched.c and u/kernel/sched.c differ
Only in u/kernel: new.c" "$(diff -rq $P u | LC_ALL=C sort || true)" "diff -rq of the trees"

step "deleting an edited file brings back the pristine one"
rm u/kernel/sched.c
assert_file_content u/kernel/sched.c "$(cat $P/kernel/sched.c)"
assert_eq "640 1000:1000 $old_mtime" "$(stat -c '%a %u:%g %Y' u/kernel/sched.c)" "the pristine sched.c"
rm u/kernel/fork.c
assert_file_content u/kernel/fork.c "$(cat $P/kernel/fork.c)"
rm u/kernel/new.c
assert_missing u/kernel/new.c

step "deleting a pristine file whites it out"
rm u/README
assert_missing u/README
rm u/kernel/fork.c
assert_missing u/kernel/fork.c
assert_listing u/kernel "sched.c"
assert_tree private ".wh.README fs/ fs/ext2/ fs/ext2/super.c kernel/ kernel/.wh.fork.c
	scripts/ scripts/checkpatch.pl"

umount u
assert_eq "$before" "$(tree_snapshot $P)" "the pristine tree"
