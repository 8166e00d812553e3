#!/bin/bash
# test/vm/bench/sparse.sh: the guest side of the sparse copy-up row of
# `make bench` (test/vm/bench/bench --part sparse runs it with
# test/vm/run --script).
#
# A 1 GiB file of the read-only branch with 8 MiB of data in 64 pieces and
# holes between them is copied up by a one-byte append, through unionfs
# and through overlayfs, against `cp --sparse=always` of the same file
# between the same two ext4 filesystems (less the time cp takes to copy an
# empty file: its exec, which the kernel's copy-ups do not pay). Reports the time (median of 3)
# and the blocks the copy takes: a copy that filled the holes would take
# 1 GiB. Prints the table between "=== sparse benchmark" and "=== end".
#
# Kernel command line: ufs_bench_reps=N (default 3), ufs_bench_quick=1.
set -u
export LC_ALL=C

# shellcheck source=guest-timing.sh
. "${UFS_VM:?run me with test/vm/run --script}/bench/guest-timing.sh"
bench_need loop ext4 overlay
reps=$REPS size_mib=1024 pieces=64
[[ -z $QUICK ]] || { size_mib=64 pieces=8; }
W=$PWD

# The lower branch: an ext4 image in the guest's RAM (tmpfs).
mkfs_on lo $((size_mib + 256))
# The sparse file: a 128 KiB piece of data every size/pieces bytes.
truncate -s "${size_mib}M" lo/sparse
for ((i = 0; i < pieces; i++)); do
	dd if=/dev/urandom of=lo/sparse bs=128K count=1 conv=notrunc status=none \
		seek=$((i * size_mib * 8 / pieces)) || exit 1
done
sync
lo_kib=$(du -k lo/sparse | cut -f1)

declare -A TIME KIB
for kind in cp unionfs overlayfs; do
	runs=()
	for ((r = 0; r < reps; r++)); do
		mkfs_on up $((size_mib + 256))
		mkdir -p up/upper up/work u
		sync
		echo 3 >/proc/sys/vm/drop_caches
		case $kind in
		cp)
			# cp's own start (an exec costs ~80 ms under TCG) is not the copy:
			# the same cp of an empty file is timed and taken off.
			: >up/empty
			cp --sparse=always up/empty up/empty1	# cp itself in the page cache
			clock_ns; t0=$NOW
			cp --sparse=always up/empty up/empty2
			clock_ns
			exec_ns=$((NOW - t0))
			clock_ns; t0=$NOW
			cp --sparse=always lo/sparse up/upper/sparse && printf x >>up/upper/sparse
			clock_ns
			t0=$((t0 + exec_ns))
			;;
		*)
			if [[ $kind == unionfs ]]; then
				mount -t unionfs -o "dirs=$W/up/upper:$W/lo=ro" none u
			else
				mount -t overlay -o "lowerdir=$W/lo,upperdir=$W/up/upper,workdir=$W/up/work" \
					none u
			fi
			clock_ns; t0=$NOW
			printf x >>u/sparse
			clock_ns
			umount u
			;;
		esac
		runs+=($((NOW - t0)))
		sync
		KIB[$kind]=$(du -k up/upper/sparse | cut -f1)
		[[ $(stat -c %s up/upper/sparse) == $((size_mib * 1048576 + 1)) ]] ||
			{ echo "bench: $kind made a copy of the wrong size"; exit 1; }
		umount up
		rm -f up.img
	done
	TIME[$kind]=$(median "${runs[@]}")
done
umount lo

echo "=== sparse benchmark"
echo "copy-up of a ${size_mib} MiB file with $pieces pieces of 128 KiB data (holes"
echo "between; $lo_kib KiB on disk), ext4 to ext4, median of $reps runs."
printf '%-22s %-10s %-14s %s\n' "" "ms" "ratio to cp" "KiB on disk"
for kind in cp unionfs overlayfs; do
	label=$kind
	[[ $kind != cp ]] || label="cp --sparse=always *"
	printf '%-22s %-10s %-14s %s\n' "$label" "$(ms "${TIME[$kind]}")" \
		"$(ratio "${TIME[$kind]}" "${TIME[cp]}")" "${KIB[$kind]}"
done
echo "* less the time of the same cp of an empty file (its exec)"
echo "=== end"
