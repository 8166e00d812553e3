#!/bin/bash
# test/vm/demo.sh: the Linux Journal article's Fruits and Vegetables example,
# run inside the test guest ('make demo', or: test/vm/run --script test/vm/demo.sh).
# It prints every command and what it shows, for a person to read.
set -eu
# shellcheck source=lib.sh
. "${UFS_LIB:?}"

# Prints a command line as a shell prompt would, then runs it.
show() {
	printf '\n$ %s\n' "$1"
	eval "$1"
}


# Columns, as on a terminal.
ls() { command ls -C --tabsize=0 "$@"; }

cleanup() {
	umount /mnt/healthy 2>/dev/null || true
	umount /Fruits /Vegetables 2>/dev/null || true
}
on_exit cleanup

require_unionfs
# The guest's root is a throw-away overlay on the host's, so the demo can use
# the article's very paths; each branch is a fresh tmpfs.
mkdir -p /Fruits /Vegetables /mnt/healthy
mount -t tmpfs fruits /Fruits
mount -t tmpfs vegetables /Vegetables
echo "I am an apple" >/Fruits/Apple
echo "Tomato is a fruit" >/Fruits/Tomato
echo "Carrots are good for your eyes" >/Vegetables/Carrots
echo "Tomato is a vegetable" >/Vegetables/Tomato

echo "Two directories, each with a Tomato:"
show "ls /Fruits /Vegetables"
show "cat /Fruits/Tomato /Vegetables/Tomato"

echo
echo "Merge them, /Fruits first (leftmost branch wins a name both have):"
show "mount -t unionfs -o dirs=/Fruits:/Vegetables none /mnt/healthy"
show "ls /mnt/healthy"
show "cat /mnt/healthy/Tomato"
show "grep ' /mnt/healthy ' /proc/mounts"

echo
echo "The other way round, /Vegetables first:"
show "umount /mnt/healthy"
show "mount -t unionfs -o dirs=/Vegetables:/Fruits none /mnt/healthy"
show "ls /mnt/healthy"
show "cat /mnt/healthy/Tomato"

echo
echo "Copy-on-write: /Vegetables read-only under a writable /Fruits:"
show "umount /mnt/healthy"
show "mount -t unionfs -o dirs=/Fruits:/Vegetables=ro none /mnt/healthy"
show "sh -c 'echo \"Carrots are orange\" >>/mnt/healthy/Carrots'"
show "touch /mnt/healthy/Banana"
show "rm /mnt/healthy/Tomato"
show "ls /mnt/healthy"
show "cat /mnt/healthy/Carrots"
show "umount /mnt/healthy"
echo
echo "The writes landed in /Fruits (a copy of Carrots, a whiteout for Tomato);"
echo "/Vegetables is untouched:"
show "ls -A /Fruits /Vegetables"
show "cat /Vegetables/Carrots"
