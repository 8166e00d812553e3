#!/bin/bash
# The sync calls on a union file reach the branch: syncfs(2) on a union
# descriptor (and `sync -f`), fsync(2) and fdatasync(2) return 0 and leave
# the data written through the union on the writable branch's disk, on a
# new file and on one copied up from the read-only branch; sync_file_range
# returns 0. "On the disk" is seen in the ext4 branch's loop image file:
# with periodic writeback switched off for the test, a marker written
# through the union is in the image only after the sync call wrote it
# (should a flusher run already under way take a marker, everything is
# written back and another is tried).
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkbranch_ext4 up 32M
mkbranch_ext4 low 16M
mkdir -p u
for f in fsync fdatasync syncfs syncfs-dir sync-f sfr; do
	printf 'lower %s\n' "$f" >"low/low-$f"
done
sync -f low/low-fsync
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

# Only the sync calls under test may write the markers back.
old_wb=$(cat /proc/sys/vm/dirty_writeback_centisecs)
old_exp=$(cat /proc/sys/vm/dirty_expire_centisecs)
on_exit sysctl -q "vm.dirty_writeback_centisecs=$old_wb" "vm.dirty_expire_centisecs=$old_exp"
sysctl -q vm.dirty_writeback_centisecs=0 vm.dirty_expire_centisecs=360000
sync # what is dirty now is written now, not by a flusher run during the test

python3 - "$W/u" "$W/up.img" <<'PY'
import ctypes, mmap, os, subprocess, sys
u, img = sys.argv[1], sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
# <linux/fs.h>: SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER
SFR_ALL = 1 | 2 | 4

def on_disk(marker):
    with open(img, "rb") as f, mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ) as m:
        return m.find(marker) >= 0

def call(what, rc):
    if rc != 0:
        e = ctypes.get_errno()
        sys.exit("FAIL: %s returned %d (%s)" % (what, rc, os.strerror(e)))

def syncfs(fd, path):
    call("syncfs(%s)" % path, libc.syncfs(fd))

def syncfs_dir(fd, path):
    d = os.open(u, os.O_RDONLY | os.O_DIRECTORY)
    call("syncfs(union root directory)", libc.syncfs(d))
    os.close(d)

def sync_f(fd, path):
    subprocess.run(["sync", "-f", path], check=True)

def sfr(fd, path):
    call("sync_file_range(%s)" % path, libc.sync_file_range(fd, 0, 0, SFR_ALL))

cases = [("fsync", lambda fd, p: os.fsync(fd), True),
         ("fdatasync", lambda fd, p: os.fdatasync(fd), True),
         ("syncfs", syncfs, True),
         ("syncfs-dir", syncfs_dir, True),
         ("sync-f", sync_f, True),
         # sync_file_range works on the union file's own page cache; only
         # its success is pinned down here.
         ("sfr", sfr, False)]
for name, op, must_write in cases:
    for path in (u + "/new-" + name, u + "/low-" + name):   # new, copied up
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        for attempt in range(5):
            # A short marker at the start of a 1 KiB block (the branch's
            # block size, or a fraction of it) lies in one block of the
            # image: the blocks of a file need not be adjacent there.
            pad = -os.fstat(fd).st_size % 1024
            marker = b"%s marker %s\n" % (os.path.basename(path).encode(),
                                          os.urandom(8).hex().encode())
            os.write(fd, b"." * pad + marker)
            if not on_disk(marker):
                break
            # A flusher run that was under way took it (background writeback
            # over the dirty thresholds, from what earlier tests left, takes
            # every marker until it ends: seen in a CI run on a loaded host):
            # write everything back first, then try another marker.
            # Memory reclaim wakes the flushers too: clean pages dropped,
            # it has less to do.
            print("%s: the marker reached the disk before any sync; again" % path)
            os.sync()
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("3\n")
        else:
            # What the flushers had reason to run for, for the record.
            with open("/proc/meminfo") as f:
                print("".join(l for l in f if l.split(":")[0] in
                              ("MemTotal", "MemFree", "MemAvailable", "Shmem", "Dirty", "Writeback")))
            sys.exit("FAIL: %s: every marker reached the disk before any sync: cannot tell" % path)
        op(fd, path)
        if must_write and not on_disk(marker):
            sys.exit("FAIL: %s returned 0 on %s, but the data written through the union "
                     "is not on the writable branch's disk" % (name, path))
        os.close(fd)
        print("%s on %s: ok" % (name, os.path.basename(path)))
PY
assert_tree up "lost+found/ low-fdatasync low-fsync low-sfr low-sync-f low-syncfs low-syncfs-dir
	new-fdatasync new-fsync new-sfr new-sync-f new-syncfs new-syncfs-dir"

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"
