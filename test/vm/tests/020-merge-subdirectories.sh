#!/bin/bash
# A directory present in several branches is the merge of all of them, at
# every depth; a file in both comes from the leftmost branch.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_unionfs

W=$PWD
mkdir -p Fruits/Green/Dark Vegetables/Green/Dark mnt/healthy
echo "Lime, from Fruits" >Fruits/Green/Lime
echo "Lettuce, from Vegetables" >Vegetables/Green/Lettuce
echo "Kiwi" >Fruits/Green/Dark/Kiwi
echo "Spinach" >Vegetables/Green/Dark/Spinach
echo "Fruits' olive" >Fruits/Green/Dark/Olive
echo "Vegetables' olive" >Vegetables/Green/Dark/Olive
mkdir Vegetables/Roots
echo "Beet" >Vegetables/Roots/Beet

mount -t unionfs -o "dirs=$W/Fruits:$W/Vegetables" none "$W/mnt/healthy"
assert_eq "Green Roots" "$(ls mnt/healthy | paste -sd' ')" "ls /mnt/healthy"
assert_eq "Dark Lettuce Lime" "$(ls mnt/healthy/Green | paste -sd' ')" "ls /mnt/healthy/Green"
assert_eq "Kiwi Olive Spinach" "$(ls mnt/healthy/Green/Dark | paste -sd' ')" "ls /mnt/healthy/Green/Dark"
assert_file_content mnt/healthy/Green/Lime "Lime, from Fruits"
assert_file_content mnt/healthy/Green/Lettuce "Lettuce, from Vegetables"
assert_file_content mnt/healthy/Green/Dark/Olive "Fruits' olive"
assert_file_content mnt/healthy/Green/Dark/Spinach "Spinach"
assert_file_content mnt/healthy/Roots/Beet "Beet"
assert_eq directory "$(stat -c %F mnt/healthy/Green/Dark)" "type of Green/Dark"

# find sees every name exactly once.
assert_eq "./Green
./Green/Dark
./Green/Dark/Kiwi
./Green/Dark/Olive
./Green/Dark/Spinach
./Green/Lettuce
./Green/Lime
./Roots
./Roots/Beet" "$(cd mnt/healthy && find . -mindepth 1 | LC_ALL=C sort)" "find in the union"
