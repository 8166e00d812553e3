#!/bin/bash
# splice(2) from a pipe and sendfile(2) from another file write into a union
# file (the union file needs splice_write): the bytes land at the file
# position or at the offset given, past the end too (the gap reads as
# zeros), on a file created through the union and on one copied up from the
# read-only branch. sendfile into a file of the read-only branch, opened for
# writing, works on the copy; the read-only branch is never written.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkbranch_tmpfs up 16m
mkbranch_tmpfs low 16m
mkdir -p u
printf 'lower splice target\n' >low/spl
printf 'lower sendfile target\n' >low/snd
head -c 200000 /dev/urandom >low/src.bin    # a source still on the read-only branch
head -c 100000 /dev/urandom >outside.bin    # a source outside the union
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

step "splice from a pipe into a new file and into a copied-up file"
python3 - "$W/u" <<'PY'
import os, sys
u = sys.argv[1]

def splice_all(rp, fd, n, off=None):
    done = 0
    while done < n:
        got = os.splice(rp, fd, n - done, offset_dst=None if off is None else off + done)
        assert got > 0, ("splice returned", got)
        done += got

def check(path, want):
    with open(path, "rb") as f:
        have = f.read()
    assert have == want, (path, len(have), len(want), have[:64], want[:64])

for name, start in (("new", b""), ("spl", b"lower splice target\n")):
    path = u + "/" + name
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    os.lseek(fd, 0, os.SEEK_END)
    rp, wp = os.pipe()
    # At the file position (the end): the position moves on.
    os.write(wp, b"spliced at the position\n")
    splice_all(rp, fd, 24)
    assert os.lseek(fd, 0, os.SEEK_CUR) == len(start) + 24, os.lseek(fd, 0, os.SEEK_CUR)
    want = bytearray(start + b"spliced at the position\n")
    # At an offset inside the file: the position stays.
    os.write(wp, b"XY")
    splice_all(rp, fd, 2, off=3)
    want[3:5] = b"XY"
    assert os.lseek(fd, 0, os.SEEK_CUR) == len(start) + 24
    # At an offset past the end: the gap reads as zeros.
    os.write(wp, b"far")
    splice_all(rp, fd, 3, off=70000)
    want += b"\0" * (70000 - len(want)) + b"far"
    # More than a pipe's worth, from a writer process.
    big = os.urandom(300000)
    pid = os.fork()
    if pid == 0:
        os.close(rp)
        os.write(wp, big)
        os._exit(0)
    os.close(wp)
    splice_all(rp, fd, len(big), off=4096)
    os.waitpid(pid, 0)
    os.close(rp)
    want[4096:4096 + len(big)] = big
    os.close(fd)
    check(path, bytes(want))
    assert os.stat(path).st_size == len(want), (os.stat(path).st_size, len(want))
PY
assert_tree up "new spl"
cmp u/new up/new
cmp u/spl up/spl

step "sendfile from files outside, on the read-only branch and in the union"
python3 - "$W/u" "$W/outside.bin" <<'PY'
import os, sys
u, outside = sys.argv[1], sys.argv[2]

def sendfile_all(out, inp, off, n):
    done = 0
    while done < n:
        got = os.sendfile(out, inp, off + done, n - done)
        assert got > 0, ("sendfile returned", got)
        done += got

def content(path):
    with open(path, "rb") as f:
        return f.read()

ext = content(outside)
src = content(u + "/src.bin")
for name, start in (("sent", b""), ("snd", b"lower sendfile target\n")):
    path = u + "/" + name
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o644)   # snd: copied up here
    os.lseek(fd, len(start), os.SEEK_SET)
    want = bytearray(start)
    # From a file outside the union, at the output file's position.
    i = os.open(outside, os.O_RDONLY)
    sendfile_all(fd, i, 1000, 50000)
    os.close(i)
    want += ext[1000:51000]
    assert os.lseek(fd, 0, os.SEEK_CUR) == len(want), (os.lseek(fd, 0, os.SEEK_CUR), len(want))
    # From a union file still on the read-only branch.
    i = os.open(u + "/src.bin", os.O_RDONLY)
    sendfile_all(fd, i, 0, len(src))
    os.close(i)
    want += src
    # From another union file of the writable branch (made by the splice step).
    i = os.open(u + "/new", os.O_RDONLY)
    new = content(u + "/new")
    os.lseek(fd, 10, os.SEEK_SET)
    sendfile_all(fd, i, 0, 24)
    os.close(i)
    want[10:34] = new[:24]
    os.close(fd)
    have = content(path)
    assert have == bytes(want), (path, len(have), len(want))
PY
assert_tree up "new sent snd spl"
cmp u/snd up/snd
cmp u/sent up/sent
cmp u/src.bin low/src.bin

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"
