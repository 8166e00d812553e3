// SPDX-License-Identifier: GPL-2.0
/*
 * write_util.cpp - the harness side of the write path.
 */
#include "write_util.h"

#include "env_host.h"

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <stdexcept>

namespace {

std::pair<std::string, std::string> split_last(const std::string &path)
{
	size_t slash = path.rfind('/');
	std::string dir = slash == 0 ? "/" : path.substr(0, slash);

	return {dir, path.substr(slash + 1)};
}

void walk(TestUnion &u, Lower &dir, const std::string &prefix, std::vector<std::string> &out)
{
	std::vector<Listing> listing;

	REQUIRE(list_dir(u, dir, listing) == 0);
	for (const Listing &entry : listing) {
		Lower child(u.fs);
		std::string path = prefix + "/" + entry.name;

		REQUIRE(resolve(u, dir, entry.name, child) == 0);
		REQUIRE(child.kind() != UNI_KIND_NONE);
		memfs::Node *top = child.node(static_cast<unsigned>(child.start()));

		switch (top->kind) {
		case memfs::Kind::kDir:
			out.push_back(path + "/");
			walk(u, child, path, out);
			break;
		case memfs::Kind::kFile:
			out.push_back(path + "=" + top->data());
			break;
		case memfs::Kind::kSymlink:
			out.push_back(path + "->" + top->data());
			break;
		case memfs::Kind::kSpecial:
			out.push_back(path + "(" + std::to_string(top->dtype()) + ")");
			break;
		}
	}
}

std::string describe(const uni_lower_set &set, unsigned count)
{
	std::string text = std::to_string(set.start) + ".." + std::to_string(set.end) +
			   (set.kind == UNI_KIND_DIR ? " dir" : set.kind == UNI_KIND_OTHER ? " other" : " none");

	text += " [";
	for (unsigned b = 0; b < count; ++b)
		if (set.handles[b])
			text += (text.back() == '[' ? "" : " ") + std::to_string(b);
	return text + "]";
}

} /* namespace */

std::unique_ptr<TestUnion> make_union(const std::string &layout, const std::string &modes)
{
	std::istringstream words(layout);
	std::vector<std::vector<std::string>> branches;
	std::string word;

	while (words >> word) {
		if (word.size() >= 3 && word[0] == 'b' && word.back() == ':') {
			branches.emplace_back();
			continue;
		}
		if (branches.empty())
			throw std::invalid_argument("layout must start with b0:");
		if (word != "-")
			branches.back().push_back(word);
	}
	std::vector<uni_branch_mode> branch_modes;
	std::istringstream mode_words(modes);

	while (mode_words >> word)
		branch_modes.push_back(word == "ro" ? UNI_BRANCH_RO :
				       word == "nfsro" ? UNI_BRANCH_NFSRO : UNI_BRANCH_RW);
	auto u = std::make_unique<TestUnion>(static_cast<unsigned>(branches.size()), branch_modes);

	for (unsigned b = 0; b < branches.size(); ++b) {
		for (const std::string &path : branches[b]) {
			if (path.back() == '/')
				u->fs.mkdir(b, path.substr(0, path.size() - 1));
			else
				u->fs.add_file(b, path, "b" + std::to_string(b));
		}
	}
	return u;
}

std::string union_view(TestUnion &u)
{
	std::vector<std::string> paths;
	std::string text;

	u.fs.clear_faults();
	{
		Lower root(u.fs, Lower::kRoots);

		walk(u, root, "", paths);
	}
	std::sort(paths.begin(), paths.end());
	for (const std::string &path : paths)
		text += (text.empty() ? "" : " ") + path;
	return text.empty() ? "-" : text;
}

/* ---- Tree ---- */

Tree::Tree(TestUnion &u) : u_(u)
{
	auto root = std::make_unique<Level>();

	root->lower = std::make_unique<Lower>(u.fs, Lower::kRoots);
	root->level.name = nullptr;
	root->level.len = 0;
	root->level.set = *root->lower->set();
	levels_["/"] = std::move(root);
}

Tree::~Tree() = default;

uni_dir_level *Tree::level(const std::string &dir)
{
	auto it = levels_.find(dir);

	if (it != levels_.end())
		return &it->second->level;
	auto [parent_path, name] = split_last(dir);
	uni_dir_level *parent = level(parent_path);

	if (!parent)
		return nullptr;
	auto made = std::make_unique<Level>();

	made->name = name;
	made->lower = std::make_unique<Lower>(u_.fs);
	int ret = uni_lookup_resolve(u_.table, u_.fs.ops(), u_.fs.env(), &parent->set,
				     name.data(), static_cast<unsigned>(name.size()),
				     made->lower->set());
	if (ret || made->lower->kind() != UNI_KIND_DIR)
		return nullptr;
	made->level.name = made->name.c_str();
	made->level.len = static_cast<unsigned>(made->name.size());
	made->level.set = *made->lower->set();
	uni_dir_level *result = &made->level;
	levels_[dir] = std::move(made);
	return result;
}

uni_ancestry *Tree::ancestry(const std::string &dir, const std::string &from)
{
	std::vector<std::string> prefixes{"/"};

	for (size_t slash = dir.find('/', 1); dir != "/"; slash = dir.find('/', slash + 1)) {
		prefixes.push_back(dir.substr(0, slash));
		if (slash == std::string::npos)
			break;
	}
	while (!prefixes.empty() && prefixes.front() != from)
		prefixes.erase(prefixes.begin());
	Chain chain;

	for (const std::string &prefix : prefixes) {
		uni_dir_level *found = level(prefix);

		if (!found)
			return nullptr;
		chain.levels.push_back(found);
	}
	chains_.push_back(std::move(chain));
	Chain &stored = chains_.back();
	stored.ancestry.levels = stored.levels.data();
	stored.ancestry.depth = static_cast<unsigned>(stored.levels.size());
	return &stored.ancestry;
}

/* ---- Entry ---- */

Entry::Entry(Tree &tree, TestUnion &u, const std::string &path)
	: object_(std::make_unique<Lower>(u.fs))
{
	auto [dir, name] = split_last(path);
	uni_ancestry *anc = tree.ancestry(dir);

	name_ = name;
	if (!anc)
		return;
	uni_lower_set *parent = &anc->levels[anc->depth - 1]->set;
	int ret = uni_lookup_resolve(u.table, u.fs.ops(), u.fs.env(), parent, name_.data(),
				     static_cast<unsigned>(name_.size()), object_->set());
	if (ret)
		return;
	entry_.parent = anc;
	entry_.name = name_.c_str();
	entry_.len = static_cast<unsigned>(name_.size());
	entry_.object = object_->set();
}

uni_context context_of(TestUnion &u, uni_delete_mode mode)
{
	return uni_context{u.table, u.fs.ops(), u.fs.env(), mode};
}

uni_delete_mode parse_delete_mode(const std::string &name)
{
	if (name == "whiteout")
		return UNI_DELETE_WHITEOUT;
	if (name == "first")
		return UNI_DELETE_FIRST;
	return UNI_DELETE_ALL;
}

namespace {

/* Arms the options' fault and allocation failure for the core call, and counts its calls. */
class CoreCall {
public:
	CoreCall(TestUnion &u, RunOptions *options) : u_(u), options_(options)
	{
		before_ = u.fs.total_calls();
		if (!options_)
			return;
		if (options_->fault) {
			u.fs.clear_faults();
			u.fs.inject(*options_->fault);
		}
		if (options_->fail_allocation)
			test_env::fail_allocation(options_->fail_allocation);
	}

	~CoreCall()
	{
		if (!options_)
			return;
		options_->calls = u_.fs.total_calls() - before_;
		options_->allocation_failed = options_->fail_allocation && test_env::allocation_failed();
		test_env::fail_allocation(0);
	}

private:
	TestUnion &u_;
	RunOptions *options_;
	unsigned long before_;
};

} /* namespace */

int run_op(TestUnion &u, uni_delete_mode mode, const std::string &op, const std::string &path,
	   const std::string &path2, RunOptions *options)
{
	Tree tree(u);
	uni_context ctx = context_of(u, mode);
	unsigned count = u.count();
	int ret;

	if (op == "tmpfile") {
		uni_ancestry *anc = tree.ancestry(path);
		int branch = -1;

		if (!anc)
			return -ENOENT;
		{
			CoreCall call(u, options);
			ret = uni_prepare_dir(&ctx, anc, &branch);
		}
		if (options)
			options->result = "branch " + std::to_string(branch);
		return ret;
	}
	Entry entry(tree, u, path);
	Lower out(u.fs);

	if (!entry.found())
		return -ENOENT;
	bool positive = entry.object().kind() != UNI_KIND_NONE;
	unsigned rename_flags = 0;

	if (op == "unlink" || op == "rmdir") {
		if (!positive)
			return -ENOENT;
		CoreCall call(u, options);
		return op == "unlink" ? uni_unlink(&ctx, entry.get()) : uni_rmdir(&ctx, entry.get());
	}
	if (op == "create" || op == "mkdir" || op == "symlink" || op == "mknod") {
		uni_create_args args{UNI_CREATE_REG, 0640, 0, nullptr, 0};

		if (positive)
			return -EEXIST;
		if (op == "mkdir") {
			args.type = UNI_CREATE_DIR;
			args.mode = 0750;
		} else if (op == "symlink") {
			args.type = UNI_CREATE_SYMLINK;
			args.symlink_target = "target";
		} else if (op == "mknod") {
			args.type = UNI_CREATE_SPECIAL;
			args.mode = memfs::kIfFifo | 0600;
		}
		CoreCall call(u, options);
		ret = uni_create(&ctx, entry.get(), &args, out.set());
	} else if (op == "copyup") {
		if (!positive)
			return -ENOENT;
		CoreCall call(u, options);
		ret = uni_copyup(&ctx, entry.get(), UNI_COPY_ALL, out.set());
	} else if (op == "exchange") {
		Entry target(tree, u, path2);
		Lower out2(u.fs);

		if (!positive || !target.found() || target.object().kind() == UNI_KIND_NONE)
			return -ENOENT;
		{
			CoreCall call(u, options);
			ret = uni_rename_exchange(&ctx, entry.get(), target.get(), out.set(), out2.set(),
						  &rename_flags);
		}
		if (options) {
			options->result = ret ? "" : describe(*out.set(), count) + " | " +
							     describe(*out2.set(), count);
			options->flags = rename_flags;
		}
		return ret;
	} else if (op == "rename" || op == "link") {
		Entry target(tree, u, path2);

		if (!positive || !target.found())
			return -ENOENT;
		if (op == "rename") {
			CoreCall call(u, options);
			ret = uni_rename(&ctx, entry.get(), target.get(), out.set(), &rename_flags);
		} else {
			Lower out_source(u.fs);

			if (target.object().kind() != UNI_KIND_NONE)
				return -EEXIST;
			CoreCall call(u, options);
			ret = uni_link(&ctx, entry.get(), target.get(), out_source.set(), out.set());
		}
	} else {
		throw std::invalid_argument("run_op: unknown op " + op);
	}
	if (options) {
		options->result = ret ? "" : describe(*out.set(), count);
		options->flags = rename_flags;
	}
	return ret;
}
