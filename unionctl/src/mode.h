/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mode.h - branch modes by name: rw, ro, nfsro (UNIONFS_BRANCH_*).
 */
#ifndef UNIONCTL_MODE_H
#define UNIONCTL_MODE_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace unionctl {

std::optional<uint32_t> parse_mode(std::string_view name);
/* "rw", "ro", "nfsro", or "unknown" for a mode this unionctl predates. */
const char *mode_name(uint32_t mode);
/*
 * Unionfs 1.x's three flag characters: r (readable: every branch), w
 * (writable) and n (nfsro); "rw-", "r--", "r-n", or "???" for an unknown mode.
 */
std::string mode_flags(uint32_t mode);

} /* namespace unionctl */

#endif /* UNIONCTL_MODE_H */
