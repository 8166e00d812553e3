// SPDX-License-Identifier: GPL-2.0
/*
 * mode.cpp - branch modes by name.
 */
#include "mode.h"

#include "uapi/unionfs.h"

namespace unionctl {

namespace {

struct ModeName {
	uint32_t mode;
	const char *name;
	const char *flags;
};

constexpr ModeName kModes[] = {
	{UNIONFS_BRANCH_RW, "rw", "rw-"},
	{UNIONFS_BRANCH_RO, "ro", "r--"},
	{UNIONFS_BRANCH_NFSRO, "nfsro", "r-n"},
};

const ModeName *find(uint32_t mode)
{
	for (const ModeName &m : kModes)
		if (m.mode == mode)
			return &m;
	return nullptr;
}

} /* namespace */

std::optional<uint32_t> parse_mode(std::string_view name)
{
	for (const ModeName &m : kModes)
		if (name == m.name)
			return m.mode;
	return std::nullopt;
}

const char *mode_name(uint32_t mode)
{
	const ModeName *m = find(mode);

	return m ? m->name : "unknown";
}

std::string mode_flags(uint32_t mode)
{
	const ModeName *m = find(mode);

	return m ? m->flags : "???";
}

} /* namespace unionctl */
