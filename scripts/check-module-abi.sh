#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-module-abi.sh MODULE.ko - the C++ core must not need a C++ runtime
# the kernel does not have: no static constructors or destructors, and no
# unresolved C++ runtime symbols (exceptions, RTTI, guards, the library's
# operator new). Fails the build otherwise.
set -euo pipefail

ko=${1:?usage: check-module-abi.sh MODULE.ko}
fail=0

if [ ! -f "$ko" ]; then
	echo "check-module-abi: $ko does not exist" >&2
	exit 1
fi
nm -u "$ko" >/dev/null	# fails loudly on a file that is not an object

# Static constructors would need a runtime to call them; the kernel has none.
# Except on a KASAN kernel (make check-debug): there kbuild makes every C
# object register its globals from a constructor, which the kernel runs
# (CONFIG_CONSTRUCTORS). Those are allowed when the .init_array/.fini_array
# entries are exactly as many as the calls to __asan_(un)register_globals
# and the constructor code calls nothing else.
entries() { # SECTION: its number of 8-byte entries (0 if absent)
	local size
	size=$(readelf -S --wide "$ko" | awk -v s="$1" '{
		for (i = 1; i < NF; i++) if ($i == s) { print $(i + 4); exit } }')
	echo $((16#${size:-0} / 8))
}
asan_ctors_only() {
	local calls init fini reg unreg
	calls=$(objdump -dr --section=.text.startup --section=.text.exit "$ko" 2>/dev/null |
		awk '$2 ~ /^R_X86_64_(PLT32|PC32)$/ { sub(/[-+]0x[0-9a-f]+$/, "", $3); print $3 }')
	reg=$(grep -cx '__asan_register_globals' <<<"$calls" || true)
	unreg=$(grep -cx '__asan_unregister_globals' <<<"$calls" || true)
	init=$(entries .init_array)
	fini=$(entries .fini_array)
	[[ $reg -gt 0 && $((reg + unreg)) -eq $(grep -c . <<<"$calls") &&
		${init:-0} -eq $reg && ${fini:-0} -eq $unreg ]]
}
kasan_ctors=
for section in .init_array .fini_array .ctors .dtors; do
	if readelf -S --wide "$ko" | grep -qF " $section "; then
		if [[ $section == .[if]*_array ]] && { [[ -n $kasan_ctors ]] || asan_ctors_only; }; then
			kasan_ctors=1
			continue
		fi
		echo "check-module-abi: $ko has a $section section (static constructor/destructor)" >&2
		fail=1
	fi
done

# C++ runtime entry points left unresolved would fail at load time or worse.
runtime='^(__cxa_|_Unwind_|__gxx_personality|_ZTV|_ZTI|_ZTS|_Znw|_Zna|_Zdl|_Zda|_ZSt|__dynamic_cast)'
if undefined=$(nm -u "$ko" | awk '{print $2}' | grep -E "$runtime"); then
	echo "check-module-abi: $ko leaves C++ runtime symbols unresolved:" >&2
	awk '{ print "  " $0 }' <<<"$undefined" >&2
	fail=1
fi
exit $fail
