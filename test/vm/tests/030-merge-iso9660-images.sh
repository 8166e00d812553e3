#!/bin/bash
# The article's merged-CD case: two ISO 9660 images (one made by genisoimage,
# one by xorriso, both Rock Ridge), loop-mounted read-only and merged into one
# tree. Files from both are readable byte for byte; a name on both discs is
# shown once, from the first.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_unionfs
require_cmd genisoimage xorriso

W=$PWD
mkdir -p discA/docs discA/pool/main discB/docs discB/pool/contrib
echo "disc A readme" >discA/docs/README
echo "A's copy of the common file" >discA/common.txt
echo "disc B manual" >discB/docs/Manual-With-Long-Mixed-Case-Name.txt
echo "B's copy of the common file" >discB/common.txt
head -c 1048576 /dev/urandom >discA/pool/main/package_1.0_amd64.deb
head -c 300000 /dev/urandom >discB/pool/contrib/other_2.1_all.deb
ln -s docs/README discA/readme-link

mkbranch_iso cdA discA genisoimage
mkbranch_iso cdB discB xorriso
mkdir merged
mount -t unionfs -o "dirs=$W/cdA=ro:$W/cdB=ro" none "$W/merged"

assert_listing merged "common.txt docs pool readme-link"
assert_listing merged/docs "Manual-With-Long-Mixed-Case-Name.txt README"
assert_listing merged/pool "contrib main"
assert_file_content merged/common.txt "A's copy of the common file"
assert_file_content merged/docs/README "disc A readme"
assert_file_content merged/docs/Manual-With-Long-Mixed-Case-Name.txt "disc B manual"
assert_file_content merged/readme-link "disc A readme"
assert_eq "$(sha256sum <discA/pool/main/package_1.0_amd64.deb)" \
	"$(sha256sum <merged/pool/main/package_1.0_amd64.deb)" "checksum of the large file from disc A"
assert_eq "$(sha256sum <discB/pool/contrib/other_2.1_all.deb)" \
	"$(sha256sum <merged/pool/contrib/other_2.1_all.deb)" "checksum of the file from disc B"
assert_eq 11 "$(find merged | wc -l)" "number of names in the merged tree"
