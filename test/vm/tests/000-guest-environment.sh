#!/bin/bash
# The guest the other tests rely on: the Debian kernel the run asked for, its
# own module tree under /lib/modules (modprobe works), the host's tools over
# 9p, writable tmpfs scratch space, and loop-mounted ext4/iso9660 branches.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"

step "kernel and modules"
assert_eq "${UFS_KVER:?}" "$(uname -r)" "running kernel"
assert_exists "/lib/modules/$(uname -r)/modules.dep"
for m in loop ext4 isofs; do
	modprobe "$m" || fail "modprobe $m failed"
done
grep -qw ext4 /proc/filesystems || fail "ext4 not registered after modprobe"
grep -qw iso9660 /proc/filesystems || fail "iso9660 not registered after modprobe"

step "the clock the run asked for"
# test/vm/run asks for the HPET where the TSC would be the host's raw one.
# A kernel without it would fall back to the TSC, and a leap of the host's
# TSC would fire every timeout at once.
asked=$(sed -n 's/.*\bclocksource=\([a-z_]*\).*/\1/p' /proc/cmdline)
if [[ -n $asked ]]; then
	assert_eq "$asked" "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" \
		"the guest's clocksource"
fi

step "tools from the host"
for c in mkfs.ext4 mkfs.xfs genisoimage xorriso python3 setfattr getfacl stress-ng fio findmnt; do
	command -v "$c" >/dev/null || fail "$c is missing in the guest"
done

step "scratch space"
assert_eq tmpfs "$(stat -f -c %T "$PWD")" "file system of the test's directory"
assert_eq "" "$(ls -A "$PWD")" "the test's directory starts empty"
echo scratch >file
assert_file_content file scratch

step "branch helpers"
mkbranch_tmpfs t 8m
mkbranch_ext4 e 16M
mkdir src
echo "on the disc" >src/disc.txt
mkbranch_iso i src
assert_eq tmpfs "$(mount_type "$PWD/t")" "tmpfs branch type"
assert_eq ext4 "$(mount_type "$PWD/e")" "ext4 branch type"
assert_eq iso9660 "$(mount_type "$PWD/i")" "iso branch type"
assert_file_content i/disc.txt "on the disc"
echo hello >e/hello
assert_file_content e/hello hello
