/* SPDX-License-Identifier: GPL-2.0 */
/*
 * name_set.h - a set of names for merging directory listings.
 *
 * Open addressing with linear probing over a power-of-two table, so a
 * directory of 100k names costs two flat allocations plus the key bytes,
 * which the set copies into one growing arena (branch names are transient:
 * they live only for one emit() callback).
 */
#ifndef UNI_NAME_SET_H
#define UNI_NAME_SET_H

#include "text.h"
#include "vector.h"

namespace uni {

/* FNV-1a: tiny, and good enough spread for file names. */
u32 hash_name(StringView name);

class NameSet {
public:
	/* true when the name was added, false when it was already there */
	Result<bool> try_insert(StringView name);
	bool contains(StringView name) const;
	usize size() const { return count_; }

private:
	static constexpr usize kEmpty = kUsizeMax;
	static constexpr usize kMinSlots = 16;

	struct Slot {
		usize offset; /* into keys_, or kEmpty */
		u32 length;
		u32 hash;
	};

	/* Slot holding name, or the empty slot where it would go. */
	usize probe(StringView name, u32 hash) const;
	bool slot_matches(const Slot &slot, StringView name, u32 hash) const;
	Result<void> try_grow();

	Vector<Slot> slots_;
	Vector<char> keys_;
	usize count_ = 0;
};

} /* namespace uni */

#endif /* UNI_NAME_SET_H */
