#!/bin/bash
# Unified home directories from two file servers (two ext4 filesystems):
# server1 has alice and bob, server2 has carol and bob. bob is a directory on
# both, so his home is the merge of the two, server1 winning names in both;
# owners and modes come through unchanged.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_unionfs

W=$PWD
mkbranch_ext4 server1 24M
mkbranch_ext4 server2 24M
mkdir -p server1/home/alice server1/home/bob server2/home/carol/projects/unionfs server2/home/bob
echo "alice's profile" >server1/home/alice/.profile
echo "bob's notes on server1" >server1/home/bob/notes.txt
echo "bob's notes on server2" >server2/home/bob/notes.txt
echo "bob's old mail" >server2/home/bob/mbox
echo "carol's readme" >server2/home/carol/projects/unionfs/README
chown -R 1001:1001 server1/home/alice
chown -R 1002:1002 server1/home/bob server2/home/bob
chown -R 1003:1003 server2/home/carol
chmod 0700 server1/home/alice
chmod 0600 server2/home/bob/mbox

mkdir home
mount -t unionfs -o "dirs=$W/server1/home:$W/server2/home=ro" none "$W/home"
assert_listing home "alice bob carol"
assert_listing home/bob "mbox notes.txt"
assert_listing home/alice ".profile"
assert_file_content home/bob/notes.txt "bob's notes on server1"
assert_file_content home/bob/mbox "bob's old mail"
assert_file_content home/alice/.profile "alice's profile"
assert_file_content home/carol/projects/unionfs/README "carol's readme"
assert_eq "1001:1001 700" "$(stat -c '%u:%g %a' home/alice)" "owner and mode of alice"
assert_eq "1002:1002 600" "$(stat -c '%u:%g %a' home/bob/mbox)" "owner and mode of bob/mbox"
assert_eq "1003:1003" "$(stat -c '%u:%g' home/carol/projects/unionfs/README)" "owner of carol's README"
assert_eq "./alice/.profile ./bob/mbox ./bob/notes.txt ./carol/projects/unionfs/README" \
	"$(cd home && find . -type f | LC_ALL=C sort | paste -sd' ')" "files under the unified /home"
