// SPDX-License-Identifier: GPL-2.0
/*
 * memfs.cpp - the in-memory branch filesystems.
 */
#include "memfs.h"

#include <cerrno>
#include <stdexcept>

namespace memfs {

namespace {

/* Root inode 2 like ext4; every branch counts on its own. */
constexpr unsigned long long kRootIno = 2;

std::vector<std::string> split_path(std::string_view path)
{
	std::vector<std::string> parts;
	size_t start = 0;

	while (start <= path.size()) {
		size_t slash = path.find('/', start);
		size_t end = slash == std::string_view::npos ? path.size() : slash;

		if (end > start)
			parts.emplace_back(path.substr(start, end - start));
		if (slash == std::string_view::npos)
			break;
		start = slash + 1;
	}
	return parts;
}

} /* namespace */

unsigned Node::dtype() const
{
	switch (kind) {
	case Kind::kDir:
		return kDtDir;
	case Kind::kFile:
		return kDtReg;
	case Kind::kSymlink:
		return kDtLnk;
	}
	return 0;
}

Fs::Fs(unsigned branch_count) : next_ino_(branch_count, kRootIno)
{
	for (unsigned b = 0; b < branch_count; ++b)
		roots_.push_back(new_node(Kind::kDir, b, "", nullptr));
}

const ufs_branch_ops *Fs::ops() const
{
	static const ufs_branch_ops ops = {
		&Fs::op_lookup,
		&Fs::op_put,
		&Fs::op_iterate,
	};
	return &ops;
}

Node *Fs::new_node(Kind kind, unsigned branch, std::string name, Node *parent)
{
	auto node = std::make_unique<Node>();

	node->kind = kind;
	node->branch = branch;
	node->ino = next_ino_.at(branch)++;
	node->name = std::move(name);
	node->parent = parent;
	if (parent) {
		parent->entries.push_back(node.get());
		parent->index[node->name] = node.get();
	}
	known_.insert(node.get());
	nodes_.push_back(std::move(node));
	return nodes_.back().get();
}

Node *Fs::add(unsigned branch, std::string_view path, Kind kind)
{
	std::vector<std::string> parts = split_path(path);
	Node *dir = root(branch);

	if (parts.empty())
		throw std::invalid_argument("memfs: empty path");
	for (size_t i = 0; i < parts.size(); ++i) {
		bool last = i + 1 == parts.size();
		auto it = dir->index.find(parts[i]);

		if (it != dir->index.end()) {
			if (last && kind != Kind::kDir)
				throw std::invalid_argument("memfs: exists: " + std::string(path));
			if (!it->second->is_dir())
				throw std::invalid_argument("memfs: not a directory in " +
							    std::string(path));
			dir = it->second;
			continue;
		}
		dir = new_node(last ? kind : Kind::kDir, branch, parts[i], dir);
	}
	return dir;
}

Node *Fs::mkdir(unsigned branch, std::string_view path)
{
	return add(branch, path, Kind::kDir);
}

Node *Fs::add_file(unsigned branch, std::string_view path, std::string data)
{
	Node *node = add(branch, path, Kind::kFile);

	node->data = std::move(data);
	return node;
}

Node *Fs::add_symlink(unsigned branch, std::string_view path, std::string target)
{
	Node *node = add(branch, path, Kind::kSymlink);

	node->data = std::move(target);
	return node;
}

Node *Fs::add_whiteout(unsigned branch, std::string_view path)
{
	std::string whiteout(path);
	size_t slash = whiteout.rfind('/');

	whiteout.insert(slash == std::string::npos ? 0 : slash + 1, UFS_WH_PREFIX);
	return add_file(branch, whiteout);
}

Node *Fs::make_opaque(unsigned branch, std::string_view path, bool oci)
{
	std::string marker(path);

	if (marker.empty() || marker.back() != '/')
		marker += '/';
	marker += oci ? UFS_OCI_OPAQUE_NAME : UFS_OPAQUE_NAME;
	if (!split_path(path).empty())
		mkdir(branch, path);
	return add_file(branch, marker);
}

Node *Fs::find(unsigned branch, std::string_view path) const
{
	Node *node = root(branch);

	for (const std::string &part : split_path(path)) {
		auto it = node->index.find(part);

		if (it == node->index.end())
			return nullptr;
		node = it->second;
	}
	return node;
}

void Fs::remove(unsigned branch, std::string_view path)
{
	Node *node = find(branch, path);

	if (!node || !node->parent)
		throw std::invalid_argument("memfs: cannot remove " + std::string(path));
	if (node->is_dir() && !node->entries.empty())
		throw std::invalid_argument("memfs: directory not empty: " + std::string(path));
	Node *parent = node->parent;

	parent->index.erase(node->name);
	std::erase(parent->entries, node);
	node->linked = false;
}

void *Fs::get(Node *node)
{
	++node->refs;
	return node;
}

void Fs::put(void *handle)
{
	if (Node *node = checked(handle, -1, "put"))
		--node->refs;
}

long Fs::outstanding_refs() const
{
	long total = 0;

	for (const auto &node : nodes_)
		total += node->refs;
	return total;
}

void Fs::reset_log()
{
	calls_.fill(0);
	lookup_log_.clear();
}

Node *Fs::checked(void *handle, int branch, const char *what)
{
	auto *node = static_cast<Node *>(handle);

	if (!known_.count(node)) {
		violation(std::string(what) + ": not a memfs handle");
		return nullptr;
	}
	if (node->refs <= 0) {
		violation(std::string(what) + ": handle without a reference: " + node->name);
		return nullptr;
	}
	if (branch >= 0 && node->branch != static_cast<unsigned>(branch)) {
		violation(std::string(what) + ": handle of branch " + std::to_string(node->branch) +
			  " used on branch " + std::to_string(branch));
		return nullptr;
	}
	return node;
}

Fault *Fs::fire(Op op, unsigned branch, std::string_view name)
{
	for (Fault &fault : faults_) {
		if (fault.op != op || fault.times == 0)
			continue;
		if (fault.branch >= 0 && static_cast<unsigned>(fault.branch) != branch)
			continue;
		if (fault.name && *fault.name != name)
			continue;
		if (fault.skip) {
			--fault.skip;
			continue;
		}
		if (fault.times > 0)
			--fault.times;
		return &fault;
	}
	return nullptr;
}

int Fs::lookup(unsigned branch, void *dir_handle, std::string_view name, void **child,
	       enum ufs_kind *kind)
{
	++calls_[static_cast<size_t>(Op::kLookup)];
	lookup_log_.push_back(std::to_string(branch) + ":" + std::string(name));
	if (!child || !kind) {
		violation("lookup: null result pointers");
		return -EINVAL;
	}
	*child = nullptr;
	*kind = UFS_KIND_NONE;

	Node *dir = checked(dir_handle, static_cast<int>(branch), "lookup");
	if (!dir)
		return -EINVAL;
	if (!dir->is_dir()) {
		violation("lookup: in a non-directory: " + dir->name);
		return -ENOTDIR;
	}
	if (Fault *fault = fire(Op::kLookup, branch, name))
		return fault->error;
	if (name.size() > UFS_NAME_MAX)
		return -ENAMETOOLONG;

	auto it = dir->index.find(std::string(name));
	if (it == dir->index.end())
		return 0;
	*child = get(it->second);
	*kind = it->second->is_dir() ? UFS_KIND_DIR : UFS_KIND_OTHER;
	return 0;
}

int Fs::iterate(unsigned branch, void *dir_handle,
		int (*emit)(void *, const char *, unsigned, unsigned long long, unsigned),
		void *cookie)
{
	++calls_[static_cast<size_t>(Op::kIterate)];
	Node *dir = checked(dir_handle, static_cast<int>(branch), "iterate");
	if (!dir)
		return -EINVAL;
	if (!dir->is_dir()) {
		violation("iterate: a non-directory: " + dir->name);
		return -ENOTDIR;
	}
	Fault *fault = fire(Op::kIterate, branch, dir->name);
	/* Copied: the fault list may not be touched while we emit. */
	std::optional<Fault> failing = fault ? std::optional<Fault>(*fault) : std::nullopt;

	if (emit_dots) {
		unsigned long long parent_ino = dir->parent ? dir->parent->ino : dir->ino;
		int ret = emit(cookie, ".", 1, dir->ino, kDtDir);

		if (ret < 0)
			return ret;
		ret = emit(cookie, "..", 2, parent_ino, kDtDir);
		if (ret < 0)
			return ret;
	}
	/* A snapshot, as a real readdir works from a position, not a live list. */
	std::vector<Node *> entries = dir->entries;
	size_t emitted = 0;

	for (Node *entry : entries) {
		if (failing && emitted == failing->after_entries)
			return failing->error;
		int ret = emit(cookie, entry->name.data(), static_cast<unsigned>(entry->name.size()),
			       entry->ino, entry->dtype());

		if (ret < 0)
			return ret;
		++emitted;
	}
	return failing ? failing->error : 0;
}

int Fs::op_lookup(void *env, unsigned branch, void *dir, const char *name, unsigned len,
		  void **child, enum ufs_kind *kind)
{
	return static_cast<Fs *>(env)->lookup(branch, dir, std::string_view(name, len), child,
					      kind);
}

void Fs::op_put(void *env, void *handle)
{
	static_cast<Fs *>(env)->put(handle);
}

int Fs::op_iterate(void *env, unsigned branch, void *dir,
		   int (*emit)(void *cookie, const char *name, unsigned len,
			       unsigned long long ino, unsigned dtype),
		   void *cookie)
{
	return static_cast<Fs *>(env)->iterate(branch, dir, emit, cookie);
}

} /* namespace memfs */
