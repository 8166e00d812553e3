/* SPDX-License-Identifier: GPL-2.0 */
/*
 * whiteout.h - the on-branch names that carry union state: ".wh.NAME"
 * whiteouts and the opaque-directory markers.
 */
#ifndef UNI_WHITEOUT_H
#define UNI_WHITEOUT_H

#include "text.h"

namespace uni {

constexpr StringView kWhiteoutPrefix(UNI_WH_PREFIX, UNI_WH_PREFIX_LEN);
constexpr StringView kOpaqueName(UNI_OPAQUE_NAME, sizeof(UNI_OPAQUE_NAME) - 1);
constexpr StringView kOciOpaqueName(UNI_OCI_OPAQUE_NAME, sizeof(UNI_OCI_OPAQUE_NAME) - 1);

/* Room for any name a branch can hold, plus the NUL. */
using NameBuffer = char[UNI_NAME_MAX + 1];

/* Names with the whiteout prefix are union metadata, never shown. */
inline bool is_hidden_name(StringView name)
{
	return name.starts_with(kWhiteoutPrefix);
}

inline bool is_opaque_marker(StringView name)
{
	return name == kOpaqueName || name == kOciOpaqueName;
}

/*
 * ".wh." + name into buffer (NUL-terminated); the whiteout's length, or
 * ENAMETOOLONG when it cannot exist on a branch, EINVAL when buffer is short.
 */
Result<usize> make_whiteout_name(StringView name, char *buffer, usize buffer_size);

} /* namespace uni */

#endif /* UNI_WHITEOUT_H */
