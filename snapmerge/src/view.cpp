// SPDX-License-Identifier: GPL-2.0
/*
 * view.cpp - reading several layers the way the union does, for dry runs.
 */
#include "view.h"

#include <set>

#include "whiteouts.h"

namespace snapmerge {

std::vector<std::string> split_rel(const std::string &rel)
{
	std::vector<std::string> parts;
	size_t start = 0;

	while (start < rel.size()) {
		size_t slash = rel.find('/', start);

		if (slash == std::string::npos)
			slash = rel.size();
		if (slash > start)
			parts.push_back(rel.substr(start, slash - start));
		start = slash + 1;
	}
	return parts;
}

namespace {

bool has_whiteout(int dir, const std::string &name, const std::string &shown)
{
	std::optional<std::string> whiteout = whiteout_name(name);

	return whiteout && lstat_at(dir, *whiteout, join(shown, *whiteout)).has_value();
}

bool is_opaque_dir(int dir, const std::string &shown)
{
	for (const std::string &name : list_dir(dir, shown))
		if (classify_name(name).kind == NameKind::kOpaque)
			return true;
	return false;
}

} /* namespace */

std::vector<size_t> LayerView::live_layers(const std::vector<std::string> &components) const
{
	/* The union's root takes every branch's root (opaque markers there do nothing). */
	std::vector<size_t> live;
	std::vector<Fd> dirs;
	std::vector<std::string> shown;

	for (size_t i = 0; i < layers_.size(); i++) {
		live.push_back(i);
		dirs.push_back(open_dir(layers_[i].first, ".", layers_[i].second));
		shown.push_back(layers_[i].second);
	}
	for (const std::string &name : components) {
		std::vector<size_t> next_live;
		std::vector<Fd> next_dirs;
		std::vector<std::string> next_shown;

		for (size_t k = 0; k < live.size(); k++) {
			std::string path = join(shown[k], name);
			std::optional<struct stat> st = lstat_at(dirs[k].get(), name, path);
			bool more_below = k + 1 < live.size();

			if (st && !S_ISDIR(st->st_mode))
				break;	/* a non-directory hides the rest (and is not a directory) */
			if (st) {
				Fd child = open_dir(dirs[k].get(), name, path);
				bool opaque = more_below && is_opaque_dir(child.get(), path);

				next_live.push_back(live[k]);
				next_dirs.push_back(std::move(child));
				next_shown.push_back(path);
				if (opaque)
					break;
			}
			if (more_below && has_whiteout(dirs[k].get(), name, shown[k]))
				break;
		}
		live = std::move(next_live);
		dirs = std::move(next_dirs);
		shown = std::move(next_shown);
	}
	return live;
}

std::map<std::string, mode_t> LayerView::list(const std::string &rel) const
{
	std::vector<std::string> components = split_rel(rel);
	std::map<std::string, mode_t> listing;
	std::set<std::string> hidden;	/* whited out by a layer already read */

	for (size_t index : live_layers(components)) {
		const auto &[root, root_shown] = layers_[index];
		bool is_base = index + 1 == layers_.size();
		std::string shown = join(root_shown, rel);
		Fd dir = rel.empty() ? open_dir(root, ".", shown) : open_dir(root, rel, shown);
		std::vector<std::string> pending;

		for (const auto &[name, type] : list_types(dir.get(), shown)) {
			NameMeaning meaning = classify_name(name);

			if (meaning.kind != NameKind::kPlain) {
				if (is_base)
					listing.emplace(name, type);
				else if (meaning.kind == NameKind::kWhiteout)
					pending.push_back(meaning.target);
				continue;
			}
			if (!hidden.count(name))
				listing.emplace(name, type);
		}
		/* A whiteout hides names of the layers below its own only. */
		hidden.insert(pending.begin(), pending.end());
	}
	return listing;
}

} /* namespace snapmerge */
