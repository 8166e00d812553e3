// SPDX-License-Identifier: GPL-2.0
/*
 * view.h - the base as the union would show it with earlier snapshots on top.
 *
 * A real merge applies snapshots one after the other, so each one meets the
 * base as the earlier ones left it. A dry run changes nothing, so to plan
 * the second snapshot it reads the first over the base the way the union
 * does (lookup and readdir rules of core/src/lookup.cpp and dirlist.cpp):
 * directories merge down the layers until one is opaque or whited out
 * beside it; a non-directory ends the descent; ".wh.X" hides X below.
 */
#ifndef SNAPMERGE_VIEW_H
#define SNAPMERGE_VIEW_H

#include <map>
#include <string>
#include <vector>

#include "fs.h"

namespace snapmerge {

class LayerView {
public:
	/* layers: highest priority first; the last one is the base. */
	explicit LayerView(std::vector<std::pair<int, std::string>> layers)
		: layers_(std::move(layers)) {}

	/*
	 * The names in directory rel ("" = the root) with their types, as the
	 * union shows them, plus the base's own hidden names where the base
	 * takes part (they are real entries of the base directory).
	 */
	std::map<std::string, mode_t> list(const std::string &rel) const;

private:
	/* Indexes of the layers whose directory rel takes part in the union's. */
	std::vector<size_t> live_layers(const std::vector<std::string> &components) const;

	std::vector<std::pair<int, std::string>> layers_;	/* root fd, shown path */
};

/* "a/b/c" -> {"a", "b", "c"} */
std::vector<std::string> split_rel(const std::string &rel);

} /* namespace snapmerge */

#endif
