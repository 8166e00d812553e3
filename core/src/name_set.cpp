// SPDX-License-Identifier: GPL-2.0
/*
 * name_set.cpp - the hash set behind readdir deduplication.
 */
#include "name_set.h"

namespace uni {

u32 hash_name(StringView name)
{
	u32 hash = 2166136261u;

	for (usize i = 0; i < name.length(); ++i) {
		hash ^= static_cast<u8>(name[i]);
		hash *= 16777619u;
	}
	return hash;
}

bool NameSet::slot_matches(const Slot &slot, StringView name, u32 hash) const
{
	return slot.hash == hash && slot.length == name.length() &&
	       bytes_equal(keys_.data() + slot.offset, name.data(), name.length());
}

usize NameSet::probe(StringView name, u32 hash) const
{
	usize mask = slots_.size() - 1;

	/* The load factor stays below 1, so an empty slot always ends the walk. */
	for (usize i = hash & mask;; i = (i + 1) & mask) {
		const Slot &slot = slots_[i];

		if (slot.offset == kEmpty || slot_matches(slot, name, hash))
			return i;
	}
}

bool NameSet::contains(StringView name) const
{
	if (count_ == 0)
		return false;
	return slots_[probe(name, hash_name(name))].offset != kEmpty;
}

Result<void> NameSet::try_grow()
{
	usize new_size = slots_.is_empty() ? kMinSlots : slots_.size() * 2;
	Vector<Slot> fresh;

	TRY(fresh.try_resize(new_size, Slot{kEmpty, 0, 0}));
	Vector<Slot> old = move(slots_);

	slots_ = move(fresh);
	for (const Slot &slot : old) {
		if (slot.offset == kEmpty)
			continue;
		usize i = slot.hash & (new_size - 1);

		while (slots_[i].offset != kEmpty)
			i = (i + 1) & (new_size - 1);
		slots_[i] = slot;
	}
	return {};
}

Result<bool> NameSet::try_insert(StringView name)
{
	/* A slot stores a 32-bit length; no file name comes near that. */
	if (name.length() > 0xffffffffu)
		return Error(UNI_ENAMETOOLONG);
	/* Keep the load factor at or below 3/4 so probe chains stay short. */
	if ((count_ + 1) * 4 > slots_.size() * 3)
		TRY(try_grow());

	u32 hash = hash_name(name);
	usize index = probe(name, hash);

	if (slots_[index].offset != kEmpty)
		return false;
	usize offset = keys_.size();

	TRY(keys_.try_append_copies(name.data(), name.length()));
	slots_[index] = Slot{offset, static_cast<u32>(name.length()), hash};
	++count_;
	return true;
}

} /* namespace uni */
