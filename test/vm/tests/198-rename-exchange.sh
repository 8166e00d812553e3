#!/bin/bash
# timeout: 300
# renameat2(RENAME_EXCHANGE) swaps two names through the union, wherever the
# objects live: two upper files, an upper and a lower file, two lower files,
# a file and a directory, two merged directories. Each name then shows what
# the other showed (contents, listings, the object's inode number when it
# did not have to be copied), a second exchange swaps back, the read-only
# branch stays byte for byte as it was, and a fresh mount of the branches
# shows the same. RENAME_NOREPLACE refuses an existing name (EEXIST) and
# renames to a free one; RENAME_WHITEOUT is EINVAL, as on overlayfs; an
# exchange with a missing name is ENOENT.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
export LC_ALL=C

W=$PWD
mkbranch_tmpfs up 16m
mkbranch_tmpfs low 16m

# One process for every call (an exec is slow under TCG): each line of
# standard input is "FLAGS OLD NEW", each output line OK or the errno name.
cat >rx.py <<'PY'
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
SYS_renameat2 = 316  # x86_64
AT_FDCWD = -100
for line in sys.stdin:
    flags, old, new = line.split()
    r = libc.syscall(SYS_renameat2, AT_FDCWD, old.encode(), AT_FDCWD, new.encode(), int(flags))
    print("OK" if r == 0 else errno.errorcode[ctypes.get_errno()], flush=True)
PY
coproc RX { python3 -u "$W/rx.py"; }
# rx FLAGS OLD NEW: prints OK or the errno name of renameat2 (names relative
# to the shell's directory, not the helper's).
rx() {
	local out
	echo "$1 $PWD/$2 $PWD/$3" >&"${RX[1]}"
	read -r out <&"${RX[0]}" || fail "rx.py died"
	echo "$out"
}
readonly EXCHANGE=2 NOREPLACE=1 WHITEOUT=4

echo up1 >up/uf1
echo up2 >up/uf2
echo up3 >up/uf3
mkdir up/md up/ne
echo up-u1 >up/md/u1
echo up-u2 >up/ne/u2
echo low1 >low/lf1
echo low2 >low/lf2
mkdir low/ld low/md low/ne
echo low-x >low/ld/lx
echo low-m1 >low/md/m1
echo low-n1 >low/ne/n1
lower_before=$(tree_snapshot low)

union_mount "$W/up:$W/low=ro" u
cd u

step "two upper files"
ino1=$(stat -c %i uf1)
ino2=$(stat -c %i uf2)
assert_eq OK "$(rx $EXCHANGE uf1 uf2)" "exchange uf1 uf2"
assert_file_content uf1 up2
assert_file_content uf2 up1
assert_eq "$ino1 $ino2" "$(stat -c %i uf2) $(stat -c %i uf1)" "inode numbers follow the objects"
assert_file_content "$W/up/uf1" up2
assert_eq OK "$(rx $EXCHANGE uf1 uf2)" "exchange back"
assert_file_content uf1 up1
assert_file_content uf2 up2

step "an upper and a lower file"
assert_eq OK "$(rx $EXCHANGE uf1 lf1)" "exchange uf1 lf1"
assert_file_content uf1 low1
assert_file_content lf1 up1
assert_eq OK "$(rx $EXCHANGE lf1 uf1)" "exchange back"
assert_file_content uf1 up1
assert_file_content lf1 low1

step "two lower files"
assert_eq OK "$(rx $EXCHANGE lf1 lf2)" "exchange lf1 lf2"
assert_file_content lf1 low2
assert_file_content lf2 low1
assert_eq OK "$(rx $EXCHANGE lf1 lf2)" "exchange back"
assert_file_content lf1 low1
assert_file_content lf2 low2

step "a file and a directory"
assert_eq OK "$(rx $EXCHANGE uf3 ld)" "exchange uf3 ld"
[[ -d uf3 && -f ld ]] || fail "uf3 should be the directory, ld the file"
assert_listing uf3 "lx"
assert_file_content uf3/lx low-x
assert_file_content ld up3
assert_eq OK "$(rx $EXCHANGE uf3 ld)" "exchange back"
[[ -f uf3 && -d ld ]] || fail "uf3 should be the file again, ld the directory"
assert_file_content uf3 up3
assert_listing ld "lx"

step "two merged directories"
assert_listing md "m1 u1"
assert_listing ne "n1 u2"
assert_eq OK "$(rx $EXCHANGE md ne)" "exchange md ne"
assert_listing md "n1 u2"
assert_listing ne "m1 u1"
assert_file_content md/n1 low-n1
assert_file_content md/u2 up-u2
assert_file_content ne/m1 low-m1
assert_file_content ne/u1 up-u1
assert_eq OK "$(rx $EXCHANGE md ne)" "exchange back"
assert_listing md "m1 u1"
assert_listing ne "n1 u2"
assert_file_content md/m1 low-m1
assert_file_content ne/u2 up-u2

step "a directory into a file's place and a write after"
assert_eq OK "$(rx $EXCHANGE uf2 md)" "exchange uf2 md"
echo new >uf2/w
assert_listing uf2 "m1 u1 w"
assert_file_content md up2
assert_eq OK "$(rx $EXCHANGE uf2 md)" "exchange back"
assert_listing md "m1 u1 w"
rm md/w

step "refusals"
assert_eq ENOENT "$(rx $EXCHANGE uf1 missing)" "exchange with a missing name"
assert_eq ENOENT "$(rx $EXCHANGE missing uf1)" "exchange of a missing name"
assert_eq EEXIST "$(rx $NOREPLACE uf1 uf2)" "RENAME_NOREPLACE onto an existing name"
assert_file_content uf1 up1
assert_eq EEXIST "$(rx $NOREPLACE lf1 uf2)" "RENAME_NOREPLACE of a lower file onto an existing name"
assert_eq EINVAL "$(rx $WHITEOUT uf1 free)" "RENAME_WHITEOUT"
assert_eq EINVAL "$(rx $((EXCHANGE | NOREPLACE)) uf1 uf2)" "RENAME_EXCHANGE|RENAME_NOREPLACE"
assert_eq EINVAL "$(rx $EXCHANGE md md/m1)" "exchange of a directory with its own child"

step "RENAME_NOREPLACE onto a free name"
assert_eq OK "$(rx $NOREPLACE uf1 free1)" "RENAME_NOREPLACE uf1 free1"
assert_eq OK "$(rx $NOREPLACE lf2 free2)" "RENAME_NOREPLACE lf2 free2"
assert_file_content free1 up1
assert_file_content free2 low2
assert_missing uf1
assert_missing lf2

view=$(find . | sort)
cd "$W"
assert_eq "$lower_before" "$(tree_snapshot low)" "the read-only branch is unchanged"

step "a fresh mount shows the same"
umount u
union_mount "$W/up:$W/low=ro" u
assert_eq "$view" "$(cd u && find . | sort)" "view after a fresh mount"
assert_file_content u/lf1 low1
assert_file_content u/uf3 up3
assert_listing u/md "m1 u1"
assert_listing u/ne "n1 u2"
assert_listing u/ld "lx"
exec {RX[1]}>&-
wait "$RX_PID" || true
echo "ok"
