#!/bin/bash
# Reading through the union behaves like reading the branch: read, mmap,
# llseek (SEEK_END, SEEK_DATA/SEEK_HOLE as the branch answers them), splice
# and sendfile, readlink, statfs (from the first branch), and /proc/mounts
# shows the options as dirs=/abs/a=rw:/abs/b=ro, which mount again as they are.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_unionfs

W=$PWD
mkbranch_tmpfs a 8m
mkbranch_tmpfs b 16m
python3 - "$W" <<'PY'
import os, sys
w = sys.argv[1]
# 200 KiB of a recognisable pattern
with open(os.path.join(w, "a/data.bin"), "wb") as f:
    f.write(b"".join(b"%08d:unionfs-test-data\n" % i for i in range(200 * 1024 // 27 + 1))[:200 * 1024])
# sparse: data at 0 and at 1 MiB, a hole between
with open(os.path.join(w, "a/sparse.bin"), "wb") as f:
    f.write(b"head" * 1024)
    f.seek(1 << 20)
    f.write(b"tail" * 1024)
PY
echo "from b" >b/b.txt
ln -s data.bin a/link
ln -s ../a-dir-that-does-not-exist b/dangling
mkdir u
mount -t unionfs -o "dirs=$W/a:$W/b=ro" none "$W/u"

step "read"
assert_eq "$(sha256sum <a/data.bin)" "$(sha256sum <u/data.bin)" "checksum read through the union"
assert_eq "$(sha256sum <a/sparse.bin)" "$(sha256sum <u/sparse.bin)" "checksum of the sparse file"
assert_file_content u/b.txt "from b"
assert_eq 204800 "$(stat -c %s u/data.bin)" "size of data.bin"

step "mmap"
python3 - "$W" <<'PY'
import mmap, sys
w = sys.argv[1]
want = open(w + "/a/data.bin", "rb").read()
with open(w + "/u/data.bin", "rb") as f:
    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    assert m[:] == want, "whole-file mmap differs"
    assert m[150000:150100] == want[150000:150100], "mmap slice differs"
    m.close()
    m = mmap.mmap(f.fileno(), 8192, prot=mmap.PROT_READ, offset=65536)
    assert m[:] == want[65536:65536 + 8192], "mmap at an offset differs"
PY

step "llseek"
python3 - "$W" <<'PY'
import os, sys
w = sys.argv[1]
def seeks(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        out = {"end": os.lseek(fd, 0, os.SEEK_END), "end-10": os.lseek(fd, -10, os.SEEK_END)}
        os.lseek(fd, 100, os.SEEK_SET)
        out["cur+5"] = os.lseek(fd, 5, os.SEEK_CUR)
        for name, whence in (("data", os.SEEK_DATA), ("hole", os.SEEK_HOLE)):
            for start in (0, 5000, 1 << 20):
                try:
                    out["%s@%d" % (name, start)] = os.lseek(fd, start, whence)
                except OSError as e:
                    out["%s@%d" % (name, start)] = e.errno
        return out
    finally:
        os.close(fd)
for f in ("data.bin", "sparse.bin"):
    lower, union = seeks(w + "/a/" + f), seeks(w + "/u/" + f)
    assert lower == union, "%s: branch %s, union %s" % (f, lower, union)
PY

step "splice and sendfile"
python3 - "$W" <<'PY'
import os, sys
w = sys.argv[1]
want = open(w + "/a/data.bin", "rb").read()
src = os.open(w + "/u/data.bin", os.O_RDONLY)
out = os.open(w + "/copy.bin", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
sent = 0
while sent < len(want):
    n = os.sendfile(out, src, sent, len(want) - sent)
    assert n > 0, "sendfile returned %d at %d" % (n, sent)
    sent += n
os.close(out)
assert open(w + "/copy.bin", "rb").read() == want, "sendfile copy differs"
r, wr = os.pipe()
os.lseek(src, 4096, os.SEEK_SET)
n = os.splice(src, wr, 32768)
assert n > 0, "splice moved nothing"
assert os.read(r, 65536) == want[4096:4096 + n], "spliced bytes differ"
os.close(src)
PY

step "readlink"
assert_eq data.bin "$(readlink u/link)" "readlink of a symlink in a branch"
assert_eq "symbolic link" "$(stat -c %F u/link)" "type of link"
assert_eq "$(sha256sum <a/data.bin)" "$(sha256sum <u/link)" "reading through the symlink"
assert_eq ../a-dir-that-does-not-exist "$(readlink u/dangling)" "readlink of a dangling symlink"

step "statfs"
assert_eq "$(stat -f -c '%b %S %f %c' a)" "$(stat -f -c '%b %S %f %c' u)" "statfs: blocks, block size, free, files"
assert_eq 255 "$(stat -f -c %l u)" "statfs: maximum name length"

if is_fake; then
	echo "(--fake-overlay: /proc/mounts round trip not checked)"
	exit 0
fi
step "/proc/mounts"
opts=$(mount_options "$W/u")
assert_eq unionfs "$(mount_type "$W/u")" "type in /proc/mounts"
tr ',' '\n' <<<"$opts" | grep -qx "dirs=$W/a=rw:$W/b=ro" ||
	fail "/proc/mounts options '$opts' do not include dirs=$W/a=rw:$W/b=ro"
assert_eq rw "$(cut -d, -f1 <<<"$opts")" "first option (a union with a writable branch)"
umount u
mount -t unionfs -o "$opts" none "$W/u"
assert_eq "$opts" "$(mount_options "$W/u")" "options after mounting with the shown options"
assert_file_content u/b.txt "from b"
