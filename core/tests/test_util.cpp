// SPDX-License-Identifier: GPL-2.0
/*
 * test_util.cpp - shared fixtures.
 */
#include "test_util.h"

#include <stdexcept>

TestUnion::TestUnion(unsigned branches, std::vector<uni_branch_mode> modes)
	: fs(branches), table(uni_branch_table_create(branches))
{
	if (!table)
		throw std::runtime_error("branch table: out of memory");
	for (unsigned i = 0; i < branches; ++i) {
		uni_branch branch{&fs, i < modes.size() ? modes[i] : UNI_BRANCH_RW, i};

		if (uni_branch_table_insert(table, i, &branch))
			throw std::runtime_error("branch table insert failed");
		fs.set_readonly(i, branch.mode != UNI_BRANCH_RW);
	}
}

TestUnion::~TestUnion()
{
	uni_branch_table_destroy(table);
}

Lower::Lower(memfs::Fs &fs) : fs_(fs), handles_(fs.branch_count(), nullptr)
{
	set_.start = -1;
	set_.end = -1;
	set_.kind = UNI_KIND_NONE;
	set_.handles = handles_.data();
}

Lower::Lower(memfs::Fs &fs, Roots) : Lower(fs)
{
	for (unsigned b = 0; b < fs.branch_count(); ++b)
		handles_[b] = fs.get(fs.root(b));
	set_.start = 0;
	set_.end = static_cast<int>(fs.branch_count()) - 1;
	set_.kind = UNI_KIND_DIR;
}

memfs::Node *Lower::node(unsigned branch) const
{
	return static_cast<memfs::Node *>(handles_.at(branch));
}

long Lower::held() const
{
	long count = 0;

	for (void *handle : handles_)
		count += handle != nullptr;
	return count;
}

void Lower::release()
{
	for (void *&handle : handles_) {
		if (handle)
			fs_.put(handle);
		handle = nullptr;
	}
	set_.start = set_.end = -1;
	set_.kind = UNI_KIND_NONE;
}

int resolve(TestUnion &u, Lower &parent, std::string_view name, Lower &out)
{
	out.release();
	return uni_lookup_resolve(u.table, u.fs.ops(), u.fs.env(), parent.set(), name.data(),
				  static_cast<unsigned>(name.size()), out.set());
}

int list_dir(TestUnion &u, Lower &dir, std::vector<Listing> &out)
{
	uni_dirlist *list = nullptr;
	int ret = uni_dirlist_build(u.table, u.fs.ops(), u.fs.env(), dir.set(), &list);

	out.clear();
	if (ret)
		return ret;
	for (unsigned i = 0; i < uni_dirlist_count(list); ++i) {
		const char *name;
		unsigned len, dtype;
		unsigned long long ino;

		uni_dirlist_entry(list, i, &name, &len, &ino, &dtype);
		out.push_back(Listing{std::string(name, len), ino, dtype});
	}
	uni_dirlist_destroy(list);
	return 0;
}

std::vector<std::string> names_of(const std::vector<Listing> &listing)
{
	std::vector<std::string> names;

	for (const Listing &entry : listing)
		names.push_back(entry.name);
	return names;
}

std::string join(const std::vector<std::string> &items)
{
	std::string text;

	for (const std::string &item : items)
		text += (text.empty() ? "" : "; ") + item;
	return text;
}
