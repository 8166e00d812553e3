#!/bin/bash
# The article's first example: /Fruits and /Vegetables merged on
# /mnt/healthy. A name in both branches comes from the leftmost branch, so
# reversing the branch order flips which Tomato shows. Both spellings of the
# branch list work: dirs=A:B and dirs=A,B.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_unionfs

W=$PWD
mkdir -p Fruits Vegetables mnt/healthy
echo "I am an apple" >Fruits/Apple
echo "Tomato is a fruit" >Fruits/Tomato
echo "Carrots are good for your eyes" >Vegetables/Carrots
echo "Tomato is a vegetable" >Vegetables/Tomato

step "dirs=/Fruits:/Vegetables"
mount -t unionfs -o "dirs=$W/Fruits:$W/Vegetables" none "$W/mnt/healthy"
assert_eq "Apple Carrots Tomato" "$(ls "$W/mnt/healthy" | paste -sd' ')" "ls /mnt/healthy"
assert_file_content mnt/healthy/Tomato "Tomato is a fruit"
assert_file_content mnt/healthy/Apple "I am an apple"
assert_file_content mnt/healthy/Carrots "Carrots are good for your eyes"
umount mnt/healthy

step "dirs=/Vegetables:/Fruits"
mount -t unionfs -o "dirs=$W/Vegetables:$W/Fruits" none "$W/mnt/healthy"
assert_eq "Apple Carrots Tomato" "$(ls "$W/mnt/healthy" | paste -sd' ')" "ls /mnt/healthy, reversed"
assert_file_content mnt/healthy/Tomato "Tomato is a vegetable"
umount mnt/healthy

step "dirs=/Fruits,/Vegetables"
mount -t unionfs -o "dirs=$W/Fruits,$W/Vegetables" none "$W/mnt/healthy"
assert_eq "Apple Carrots Tomato" "$(ls "$W/mnt/healthy" | paste -sd' ')" "ls /mnt/healthy, comma spelling"
assert_file_content mnt/healthy/Tomato "Tomato is a fruit"
umount mnt/healthy

# Nothing was copied or changed in the branches.
assert_listing Fruits "Apple Tomato"
assert_listing Vegetables "Carrots Tomato"
