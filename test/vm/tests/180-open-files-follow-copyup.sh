#!/bin/bash
# Files opened before another process copies the object up follow it: a
# read-only descriptor of a file on a read-only branch reads what a writer
# writes after its open copied the file up. A mapping maps the branch file
# it was made on (one page cache, the branch's): one made before the
# copyup keeps showing the lower file, one made after shows the copy. A
# shared writable mapping's stores reach read(2) and the branch at once. Also
# O_TMPFILE in a directory that exists only on the read-only branch, named
# later with linkat(), lands (with its parent chain) in the writable branch.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkbranch_tmpfs up 16m
mkbranch_tmpfs low 16m
mkdir -p u low/d/e
printf 'AAAAAAAA' >low/f
head -c 2097152 /dev/zero >low/big
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

step "a read-only descriptor follows the copy; a mapping keeps its file"
python3 - "$W/u" <<'PY'
import mmap, os, sys
u = sys.argv[1]
r = os.open(u + "/f", os.O_RDONLY)
m = mmap.mmap(r, 8, mmap.MAP_SHARED, mmap.PROT_READ)
assert m[:8] == b"AAAAAAAA", m[:8]
w = os.open(u + "/f", os.O_WRONLY)      # copies f up
os.pwrite(w, b"BB", 0)
assert os.pread(r, 8, 0) == b"BBAAAAAA", os.pread(r, 8, 0)
assert m[:8] == b"AAAAAAAA", m[:8]      # made on the lower file: shows it
m2 = mmap.mmap(r, 8, mmap.MAP_SHARED, mmap.PROT_READ)
assert m2[:8] == b"BBAAAAAA", m2[:8]    # made after: the copy, at once
os.pwrite(w, b"CC", 2)
assert m2[:8] == b"BBCCAAAA", m2[:8]
os.close(w)
PY
assert_file_content up/f "BBCCAAAA"

step "a shared writable mapping reaches read(2) and the branch"
python3 - "$W/u" <<'PY'
import mmap, os, sys
u = sys.argv[1]
w = os.open(u + "/big", os.O_RDWR)
m = mmap.mmap(w, 2 << 20, mmap.MAP_SHARED)
m[4096:4100] = b"ZZZZ"
assert os.pread(w, 4, 4096) == b"ZZZZ", os.pread(w, 4, 4096)
r = os.open(u + "/big", os.O_RDONLY)
os.pwrite(w, b"YY", 4098)
assert m[4096:4100] == b"ZZYY", m[4096:4100]
assert os.pread(r, 4, 4096) == b"ZZYY", os.pread(r, 4, 4096)
os.close(r)
m.flush()
m.close()
os.close(w)
PY
assert_eq "ZZYY" "$(dd if=up/big bs=1 skip=4096 count=4 status=none)" "bytes 4096-4099 of up/big"

step "O_TMPFILE, named with linkat()"
python3 - "$W/u" <<'PY'
import os, sys
u = sys.argv[1]
fd = os.open(u + "/d/e", os.O_TMPFILE | os.O_WRONLY, 0o640)
os.write(fd, b"made unnamed\n")
root = os.open("/", os.O_RDONLY)
os.link("proc/self/fd/%d" % fd, u + "/d/e/named", src_dir_fd=root, follow_symlinks=True)
PY
assert_file_content u/d/e/named "made unnamed"
assert_file_content up/d/e/named "made unnamed"
assert_eq "640" "$(stat -c %a up/d/e/named)" "mode of the named tmpfile"

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"
