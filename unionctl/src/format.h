/* SPDX-License-Identifier: GPL-2.0 */
/*
 * format.h - what unionctl prints: branch listings (Unionfs 1.x's text and
 * JSON) and messages.
 */
#ifndef UNIONCTL_FORMAT_H
#define UNIONCTL_FORMAT_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "branch_ref.h"
#include "result.h"

namespace unionctl {

/* --list: "\t/path (rw-)\n" per branch, highest priority first. */
std::string format_list(const BranchList &list);
/* --query: "FILE\t/path (r--)\n" per branch that holds FILE. */
std::string format_query(std::string_view file, const std::vector<BranchEntry> &holders);

std::string format_list_json(std::string_view mountpoint, const BranchList &list);
std::string format_query_json(std::string_view file, std::string_view mountpoint,
			      const std::vector<BranchEntry> &holders);

/* A JSON string literal: quotes, backslashes and control characters escaped. */
std::string json_string(std::string_view text);

/*
 * Why the module refused a change, as the end of "UNION: cannot add branch
 * DIR: ...": for each errno uapi/unionfs.h documents, what is wrong in the
 * user's terms, picked with the listing the request was computed from
 * (LIST, and INDEX, the branch the request named); for any other errno its
 * text.
 */
/*
 * DIR_UNION is the mount point of the union the directory to add lies in
 * ("" for none, or not known), OWN_UNION the union's own.
 */
std::string add_refusal(int err, const BranchList &list, std::string_view dir_union,
			std::string_view own_union);
std::string remove_refusal(int err, const BranchList &list, uint32_t index);
std::string mode_refusal(int err, uint32_t index);
/* When ATTEMPTS requests in a row met a union changed since its listing (ESTALE). */
std::string kept_changing(int attempts);

/* "unionctl: MESSAGE\n", and for a usage error the line pointing to --help. */
std::string format_failure(const Failure &failure);
std::string format_warning(std::string_view message);

} /* namespace unionctl */

#endif /* UNIONCTL_FORMAT_H */
