// SPDX-License-Identifier: GPL-2.0
/*
 * memfs.cpp - the in-memory branch filesystems.
 */
#include "memfs.h"

#include <algorithm>
#include <cerrno>
#include <functional>
#include <stdexcept>

namespace memfs {

namespace {

/* Root inode 2 like ext4; every branch counts on its own. */
constexpr unsigned long long kRootIno = 2;

constexpr unsigned kIfDir = 0040000;
constexpr unsigned kIfReg = 0100000;
constexpr unsigned kIfLnk = 0120000;

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

bool is_write(Op op)
{
	switch (op) {
	case Op::kCreate:
	case Op::kLink:
	case Op::kUnlink:
	case Op::kRmdir:
	case Op::kRename:
	case Op::kCopyUp:
	case Op::kExchange:
	case Op::kLinkUp:
		return true;
	default:
		return false;
	}
}

bool is_sealed(const Node *node)
{
	return node->inode->flags & (UNI_ATTR_IMMUTABLE | UNI_ATTR_APPEND);
}

bool valid_name(std::string_view name)
{
	return !name.empty() && name != "." && name != ".." &&
	       name.find('/') == std::string_view::npos;
}

} /* namespace */

const char *op_name(Op op)
{
	switch (op) {
	case Op::kLookup: return "lookup";
	case Op::kIterate: return "iterate";
	case Op::kGetattr: return "getattr";
	case Op::kCreate: return "create";
	case Op::kLink: return "link";
	case Op::kUnlink: return "unlink";
	case Op::kRmdir: return "rmdir";
	case Op::kRename: return "rename";
	case Op::kCopyUp: return "copy_up";
	case Op::kExchange: return "exchange";
	case Op::kLinkUp: return "link_up";
	case Op::kCount: break;
	case Op::kAnyWrite: return "any write";
	case Op::kAny: return "any";
	}
	return "?";
}

unsigned Node::dtype() const
{
	switch (kind) {
	case Kind::kDir:
		return kDtDir;
	case Kind::kFile:
		return kDtReg;
	case Kind::kSymlink:
		return kDtLnk;
	case Kind::kSpecial:
		switch (inode->mode & kIfMt) {
		case kIfFifo: return kDtFifo;
		case kIfChr: return kDtChr;
		case kIfBlk: return kDtBlk;
		case kIfSock: return kDtSock;
		}
		break;
	}
	return 0;
}

std::string Node::path() const
{
	if (!parent)
		return "/";
	std::string above = parent->path();

	return (above == "/" ? "" : above) + "/" + name;
}

Fs::Fs(unsigned branch_count) : readonly_(branch_count, false), next_ino_(branch_count, kRootIno)
{
	for (unsigned b = 0; b < branch_count; ++b) {
		Node *root = new_node(Kind::kDir, b, "", nullptr);

		root->inode->mode = 0755;
		roots_.push_back(root);
	}
}

const uni_branch_ops *Fs::ops() const
{
	static const uni_branch_ops ops = {
		&Fs::op_lookup,	 &Fs::op_put,	 &Fs::op_iterate, &Fs::op_get,
		&Fs::op_getattr, &Fs::op_create, &Fs::op_link,	  &Fs::op_unlink,
		&Fs::op_rmdir,	 &Fs::op_rename, &Fs::op_copy_up, &Fs::op_exchange,
		&Fs::op_may_hold, &Fs::op_link_up, &Fs::op_lookup_held,
	};
	return &ops;
}

const uni_branch_ops *Fs::read_only_ops() const
{
	static const uni_branch_ops ops = {
		&Fs::op_lookup, &Fs::op_put, &Fs::op_iterate, nullptr, nullptr, nullptr,
		nullptr,	nullptr,     nullptr,	      nullptr, nullptr, nullptr,
		&Fs::op_may_hold, &Fs::op_link_up, &Fs::op_lookup_held,
	};
	return &ops;
}

Node *Fs::new_node(Kind kind, unsigned branch, std::string name, Node *parent,
		   std::shared_ptr<Inode> inode)
{
	auto node = std::make_unique<Node>();

	node->kind = kind;
	node->branch = branch;
	if (!inode) {
		inode = std::make_shared<Inode>();
		inode->ino = next_ino_.at(branch)++;
		if (kind == Kind::kDir)
			inode->mode = 0755;
	}
	node->inode = std::move(inode);
	node->ino = node->inode->ino;
	node->parent = nullptr;
	if (parent)
		attach(node.get(), parent, std::move(name));
	else
		node->name = std::move(name);
	known_.insert(node.get());
	nodes_.push_back(std::move(node));
	return nodes_.back().get();
}

void Fs::attach(Node *node, Node *parent, std::string name)
{
	node->name = std::move(name);
	node->parent = parent;
	node->linked = true;
	parent->entries.push_back(node);
	parent->index[node->name] = node;
}

void Fs::detach(Node *node)
{
	Node *parent = node->parent;

	parent->index.erase(node->name);
	std::erase(parent->entries, node);
	node->linked = false;
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

	node->data() = std::move(data);
	return node;
}

Node *Fs::add_symlink(unsigned branch, std::string_view path, std::string target)
{
	Node *node = add(branch, path, Kind::kSymlink);

	node->data() = std::move(target);
	node->inode->mode = 0777;
	return node;
}

Node *Fs::add_special(unsigned branch, std::string_view path, unsigned mode,
		      unsigned long long rdev)
{
	Node *node = add(branch, path, Kind::kSpecial);

	node->inode->mode = mode;
	node->inode->rdev = rdev;
	return node;
}

Node *Fs::add_whiteout(unsigned branch, std::string_view path)
{
	std::string whiteout(path);
	size_t slash = whiteout.rfind('/');

	whiteout.insert(slash == std::string::npos ? 0 : slash + 1, UNI_WH_PREFIX);
	Node *node = add_file(branch, whiteout);
	node->inode->mode = UNI_META_MODE;
	return node;
}

Node *Fs::make_opaque(unsigned branch, std::string_view path, bool oci)
{
	std::string marker(path);

	if (marker.empty() || marker.back() != '/')
		marker += '/';
	marker += oci ? UNI_OCI_OPAQUE_NAME : UNI_OPAQUE_NAME;
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
	detach(node);
	--node->inode->nlink;
}

void Fs::set_readonly(unsigned branch, bool readonly)
{
	readonly_.at(branch) = readonly;
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

unsigned long Fs::total_calls() const
{
	unsigned long total = 0;

	for (unsigned long count : calls_)
		total += count;
	return total;
}

unsigned long Fs::write_calls() const
{
	unsigned long total = 0;

	for (size_t op = 0; op < calls_.size(); ++op)
		if (is_write(static_cast<Op>(op)))
			total += calls_[op];
	return total;
}

void Fs::reset_log()
{
	calls_.fill(0);
	lookup_log_.clear();
	write_log_.clear();
	fired_ = false;
}

std::string Fs::dump_branch(unsigned branch) const
{
	std::vector<std::string> paths;
	std::function<void(const Node *)> walk = [&](const Node *dir) {
		for (const Node *entry : dir->entries) {
			paths.push_back(entry->path() + (entry->is_dir() ? "/" : ""));
			if (entry->is_dir())
				walk(entry);
		}
	};
	std::string text;

	walk(root(branch));
	std::sort(paths.begin(), paths.end());
	for (const std::string &path : paths)
		text += (text.empty() ? "" : " ") + path;
	return text.empty() ? "-" : text;
}

std::string Fs::dump() const
{
	std::string text;

	for (unsigned b = 0; b < branch_count(); ++b)
		text += (b ? "  b" : "b") + std::to_string(b) + ": " + dump_branch(b);
	return text;
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

Node *Fs::checked_dir(void *handle, unsigned branch, const char *what, int *err)
{
	Node *dir = checked(handle, static_cast<int>(branch), what);

	*err = 0;
	if (!dir) {
		*err = -EINVAL;
		return nullptr;
	}
	if (!dir->is_dir()) {
		violation(std::string(what) + ": in a non-directory: " + dir->path());
		*err = -ENOTDIR;
		return nullptr;
	}
	if (!dir->linked) {
		violation(std::string(what) + ": in a removed directory: " + dir->name);
		*err = -ENOENT;
		return nullptr;
	}
	return dir;
}

bool Fs::is_child_of(Node *child, Node *dir, const char *what)
{
	if (child->linked && child->parent == dir)
		return true;
	violation(std::string(what) + ": stale child " + child->name + " of " + dir->path());
	return false;
}

Fault *Fs::fire(Op op, unsigned branch, std::string_view name, std::string_view other)
{
	for (Fault &fault : faults_) {
		bool op_matches = fault.op == op || fault.op == Op::kAny ||
				  (fault.op == Op::kAnyWrite && is_write(op));

		if (!op_matches || fault.times == 0)
			continue;
		if (fault.branch >= 0 && static_cast<unsigned>(fault.branch) != branch)
			continue;
		if (fault.name && *fault.name != name && (other.empty() || *fault.name != other))
			continue;
		if (fault.skip) {
			--fault.skip;
			continue;
		}
		if (fault.times > 0)
			--fault.times;
		fired_ = true;
		return &fault;
	}
	return nullptr;
}

int Fs::start_write(Op op, unsigned branch, std::string_view name, std::string_view other)
{
	if (Fault *fault = fire(op, branch, name, other))
		return fault->error;
	if (readonly_.at(branch)) {
		violation(std::string(op_name(op)) + " on read-only branch " + std::to_string(branch) +
			  ": " + std::string(name));
		return -EROFS;
	}
	return 0;
}

int Fs::lookup(unsigned branch, void *dir_handle, std::string_view name, void **child,
	       enum uni_kind *kind)
{
	count(Op::kLookup);
	lookup_log_.push_back(std::to_string(branch) + ":" + std::string(name));
	if (!child || !kind) {
		violation("lookup: null result pointers");
		return -EINVAL;
	}
	*child = nullptr;
	*kind = UNI_KIND_NONE;

	Node *dir = checked(dir_handle, static_cast<int>(branch), "lookup");
	if (!dir)
		return -EINVAL;
	if (!dir->is_dir()) {
		violation("lookup: in a non-directory: " + dir->name);
		return -ENOTDIR;
	}
	if (Fault *fault = fire(Op::kLookup, branch, name))
		return fault->error;
	if (name.size() > UNI_NAME_MAX)
		return -ENAMETOOLONG;

	auto it = dir->index.find(std::string(name));
	if (it == dir->index.end())
		return 0;
	*child = get(it->second);
	*kind = it->second->is_dir() ? UNI_KIND_DIR : UNI_KIND_OTHER;
	return 0;
}

int Fs::iterate(unsigned branch, void *dir_handle,
		int (*emit)(void *, const char *, unsigned, unsigned long long, unsigned),
		void *cookie)
{
	count(Op::kIterate);
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

int Fs::getattr(unsigned branch, void *handle, uni_attr *attr)
{
	count(Op::kGetattr);
	Node *node = checked(handle, static_cast<int>(branch), "getattr");
	if (!node)
		return -EINVAL;
	if (Fault *fault = fire(Op::kGetattr, branch, node->name))
		return fault->error;

	unsigned type = kIfReg;
	switch (node->kind) {
	case Kind::kDir: type = kIfDir; break;
	case Kind::kFile: type = kIfReg; break;
	case Kind::kSymlink: type = kIfLnk; break;
	case Kind::kSpecial: type = node->inode->mode & kIfMt; break;
	}
	attr->mode = type | (node->inode->mode & 07777);
	attr->flags = node->inode->flags;
	return 0;
}

int Fs::create(unsigned branch, void *dir_handle, std::string_view name,
	       const uni_create_args *args, void **child)
{
	int err;

	count(Op::kCreate);
	*child = nullptr;
	Node *dir = checked_dir(dir_handle, branch, "create", &err);
	if (!dir)
		return err;
	if (!valid_name(name)) {
		violation("create: bad name '" + std::string(name) + "'");
		return -EINVAL;
	}
	if ((err = start_write(Op::kCreate, branch, name)))
		return err;
	if (name.size() > UNI_NAME_MAX)
		return -ENAMETOOLONG;
	if (dir->index.count(std::string(name)))
		return -EEXIST;
	if (dir->inode->flags & UNI_ATTR_IMMUTABLE)
		return -EPERM;

	Kind kind = Kind::kFile;
	switch (args->type) {
	case UNI_CREATE_REG: kind = Kind::kFile; break;
	case UNI_CREATE_DIR: kind = Kind::kDir; break;
	case UNI_CREATE_SYMLINK: kind = Kind::kSymlink; break;
	case UNI_CREATE_SPECIAL: kind = Kind::kSpecial; break;
	}
	Node *node = new_node(kind, branch, std::string(name), dir);

	node->inode->mode = kind == Kind::kSpecial ? args->mode : (args->mode & 07777);
	if (kind == Kind::kSymlink)
		node->data() = args->symlink_target;
	if (kind == Kind::kSpecial)
		node->inode->rdev = args->rdev;
	logged("create " + std::to_string(branch) + ":" + node->path());
	*child = get(node);
	return 0;
}

int Fs::link(unsigned branch, void *old_handle, void *dir_handle, std::string_view name,
	     void **child)
{
	int err;

	count(Op::kLink);
	*child = nullptr;
	Node *old = checked(old_handle, static_cast<int>(branch), "link");
	Node *dir = checked_dir(dir_handle, branch, "link", &err);
	if (!old || !dir)
		return err ? err : -EINVAL;
	if ((err = start_write(Op::kLink, branch, name)))
		return err;
	if (old->is_dir())
		return -EPERM;
	if (!old->linked)
		return -ENOENT;
	if (dir->index.count(std::string(name)))
		return -EEXIST;
	if (is_sealed(old))
		return -EPERM;

	Node *node = new_node(old->kind, branch, std::string(name), dir, old->inode);
	++node->inode->nlink;
	logged("link " + std::to_string(branch) + ":" + old->path() + " -> " + node->path());
	*child = get(node);
	return 0;
}

int Fs::remove_child(Op op, unsigned branch, void *dir_handle, void *child_handle)
{
	int err;
	const char *what = op_name(op);

	count(op);
	Node *dir = checked_dir(dir_handle, branch, what, &err);
	Node *child = checked(child_handle, static_cast<int>(branch), what);
	if (!dir || !child)
		return err ? err : -EINVAL;
	if (!is_child_of(child, dir, what))
		return -ESTALE;
	if ((err = start_write(op, branch, child->name)))
		return err;
	if (op == Op::kUnlink && child->is_dir())
		return -EISDIR;
	if (op == Op::kRmdir && !child->is_dir())
		return -ENOTDIR;
	if (op == Op::kRmdir && !child->entries.empty())
		return -ENOTEMPTY;
	if (is_sealed(child) || is_sealed(dir))
		return -EPERM;
	std::string path = child->path();
	detach(child);
	--child->inode->nlink;
	logged(std::string(what) + " " + std::to_string(branch) + ":" + path);
	return 0;
}

int Fs::rename(unsigned branch, void *old_handle, void *child_handle, void *new_handle,
	       std::string_view name, unsigned flags)
{
	int err;

	count(Op::kRename);
	Node *old_dir = checked_dir(old_handle, branch, "rename", &err);
	Node *child = checked(child_handle, static_cast<int>(branch), "rename");
	Node *new_dir = old_dir ? checked_dir(new_handle, branch, "rename", &err) : nullptr;
	if (!old_dir || !child || !new_dir)
		return err ? err : -EINVAL;
	if (!is_child_of(child, old_dir, "rename"))
		return -ESTALE;
	if (!valid_name(name)) {
		violation("rename: bad name '" + std::string(name) + "'");
		return -EINVAL;
	}
	if ((err = start_write(Op::kRename, branch, child->name, name)))
		return err;
	if (child->is_dir()) {
		for (Node *up = new_dir; up; up = up->parent) {
			if (up == child) {
				violation("rename: directory into itself: " + child->path());
				return -EINVAL;
			}
		}
	}
	auto it = new_dir->index.find(std::string(name));
	Node *target = it == new_dir->index.end() ? nullptr : it->second;

	if (target == child)
		return 0;
	if (target && (flags & UNI_RENAME_NOREPLACE))
		return -EEXIST;
	if (is_sealed(child))
		return -EPERM;
	if (target) {
		if (child->is_dir() && !target->is_dir())
			return -ENOTDIR;
		if (!child->is_dir() && target->is_dir())
			return -EISDIR;
		if (target->is_dir() && !target->entries.empty())
			return -ENOTEMPTY;
		if (is_sealed(target))
			return -EPERM;
	}
	std::string from = child->path();
	if (target) {
		detach(target);
		--target->inode->nlink;
	}
	detach(child);
	attach(child, new_dir, std::string(name));
	logged("rename " + std::to_string(branch) + ":" + from + " -> " + child->path());
	return 0;
}

int Fs::copy_up(unsigned from_branch, void *object_handle, unsigned to_branch, void *dir_handle,
		std::string_view name, unsigned long long size, void **child)
{
	int err;

	count(Op::kCopyUp);
	*child = nullptr;
	Node *object = checked(object_handle, static_cast<int>(from_branch), "copy_up");
	Node *dir = checked_dir(dir_handle, to_branch, "copy_up", &err);
	if (!object || !dir)
		return err ? err : -EINVAL;
	if (from_branch == to_branch)
		violation("copy_up within branch " + std::to_string(to_branch));
	if ((err = start_write(Op::kCopyUp, to_branch, name)))
		return err;
	if (!object->is_dir() && is_sealed(object))
		return -EPERM;
	if (dir->index.count(std::string(name)))
		return -EEXIST;
	if (dir->inode->flags & UNI_ATTR_IMMUTABLE)
		return -EPERM;

	/* All or nothing: nothing above could fail half-way. */
	Node *copy = new_node(object->kind, to_branch, std::string(name), dir);
	const Inode &from = *object->inode;
	Inode &to = *copy->inode;

	to.mode = from.mode;
	to.rdev = from.rdev;
	to.xattrs = from.xattrs;
	to.data = object->is_dir() ? "" : from.data.substr(0, std::min<unsigned long long>(
									 size, from.data.size()));
	if (object->kind == Kind::kSymlink)
		to.data = from.data;
	logged("copy_up " + std::to_string(from_branch) + ":" + object->path() + " -> " +
	       std::to_string(to_branch) + ":" + copy->path());
	*child = get(copy);
	return 0;
}

int Fs::link_up(unsigned from_branch, void *object_handle, unsigned to_branch, void *dir_handle,
		std::string_view name, void **child)
{
	int err;

	*child = nullptr;
	if (!one_filesystem)
		return -EXDEV;
	count(Op::kLinkUp);
	Node *object = checked(object_handle, static_cast<int>(from_branch), "link_up");
	Node *dir = checked_dir(dir_handle, to_branch, "link_up", &err);
	if (!object || !dir)
		return err ? err : -EINVAL;
	if (object->is_dir() || from_branch == to_branch)
		violation("link_up of " + object->path() + " to branch " + std::to_string(to_branch));
	if (readonly_.at(from_branch))
		violation("link_up from read-only branch " + std::to_string(from_branch));
	if ((err = start_write(Op::kLinkUp, to_branch, name)))
		return err;
	if (is_sealed(object))
		return -EPERM;
	if (dir->index.count(std::string(name)))
		return -EEXIST;
	if (dir->inode->flags & UNI_ATTR_IMMUTABLE)
		return -EPERM;

	Node *node = new_node(object->kind, to_branch, std::string(name), dir, object->inode);
	++node->inode->nlink;
	logged("link_up " + std::to_string(from_branch) + ":" + object->path() + " -> " +
	       std::to_string(to_branch) + ":" + node->path());
	*child = get(node);
	return 0;
}

int Fs::exchange(unsigned branch, void *dir_a_handle, void *a_handle, void *dir_b_handle,
		 void *b_handle)
{
	int err;

	count(Op::kExchange);
	Node *dir_a = checked_dir(dir_a_handle, branch, "exchange", &err);
	Node *dir_b = dir_a ? checked_dir(dir_b_handle, branch, "exchange", &err) : nullptr;
	Node *a = checked(a_handle, static_cast<int>(branch), "exchange");
	Node *b = checked(b_handle, static_cast<int>(branch), "exchange");
	if (!dir_a || !dir_b || !a || !b)
		return err ? err : -EINVAL;
	if (!is_child_of(a, dir_a, "exchange") || !is_child_of(b, dir_b, "exchange"))
		return -ESTALE;
	if ((err = start_write(Op::kExchange, branch, a->name, b->name)))
		return err;
	for (Node *up = dir_b; up; up = up->parent) {
		if (up == a) {
			violation("exchange: directory into itself: " + a->path());
			return -EINVAL;
		}
	}
	for (Node *up = dir_a; up; up = up->parent) {
		if (up == b) {
			violation("exchange: directory into itself: " + b->path());
			return -EINVAL;
		}
	}
	/* Two names of one inode: nothing to do, as vfs_rename() has it. */
	if (a->inode == b->inode)
		return 0;
	if (is_sealed(a) || is_sealed(b))
		return -EPERM;
	std::string from_a = a->path(), from_b = b->path();
	std::string name_a = a->name, name_b = b->name;

	/* Each takes the other's place, readdir position included. */
	*std::find(dir_a->entries.begin(), dir_a->entries.end(), a) = b;
	*std::find(dir_b->entries.begin(), dir_b->entries.end(), b) = a;
	dir_a->index[name_a] = b;
	dir_b->index[name_b] = a;
	a->name = name_b;
	a->parent = dir_b;
	b->name = name_a;
	b->parent = dir_a;
	logged("exchange " + std::to_string(branch) + ":" + from_a + " <-> " + from_b);
	return 0;
}

/* ---- The C entry points ---- */

int Fs::op_lookup(void *env, unsigned branch, void *dir, const char *name, unsigned len,
		  void **child, enum uni_kind *kind)
{
	return static_cast<Fs *>(env)->lookup(branch, dir, std::string_view(name, len), child,
					      kind);
}

int Fs::op_lookup_held(void *env, unsigned branch, void *dir, const char *name, unsigned len,
		       void **child, enum uni_kind *kind)
{
	auto *fs = static_cast<Fs *>(env);

	fs->held_lookups++;
	return fs->lookup(branch, dir, std::string_view(name, len), child, kind);
}

void Fs::op_put(void *env, void *handle)
{
	static_cast<Fs *>(env)->put(handle);
}

int Fs::op_may_hold(void *env, const struct uni_lower_set *set, const char *name,
		    unsigned len, unsigned long long *look, unsigned nwords)
{
	auto *fs = static_cast<Fs *>(env);
	std::string n(name, len);

	fs->may_hold_calls.push_back(std::to_string(set->start) + ":" + n);
	if (!fs->answer_may_hold)
		return set->end;
	for (int i = set->start; i >= 0 && i <= set->end; i++) {
		Node *dir = set->handles[i] ? fs->checked(set->handles[i], i, "may_hold") : nullptr;

		if (!dir || !dir->is_dir() || static_cast<unsigned>(i / 64) >= nwords)
			continue;
		if (!(look[i / 64] & (1ULL << (i % 64))))
			fs->violation("may_hold: asked about a branch not marked present");
		if (dir->index.count(n) || dir->index.count(".wh." + n)) {
			if (fs->may_hold_stops)
				return i; /* as the kernel's lists do: the walk may end here */
			continue;
		}
		look[i / 64] &= ~(1ULL << (i % 64));
		fs->skipped.push_back(std::to_string(i) + ":" + n);
	}
	return set->end;
}

int Fs::op_iterate(void *env, unsigned branch, void *dir,
		   int (*emit)(void *cookie, const char *name, unsigned len,
			       unsigned long long ino, unsigned dtype),
		   void *cookie)
{
	return static_cast<Fs *>(env)->iterate(branch, dir, emit, cookie);
}

void *Fs::op_get(void *env, void *handle)
{
	auto *fs = static_cast<Fs *>(env);
	Node *node = fs->checked(handle, -1, "get");

	return node ? fs->get(node) : nullptr;
}

int Fs::op_getattr(void *env, unsigned branch, void *handle, struct uni_attr *attr)
{
	return static_cast<Fs *>(env)->getattr(branch, handle, attr);
}

int Fs::op_create(void *env, unsigned branch, void *dir, const char *name, unsigned len,
		  const struct uni_create_args *args, void **child)
{
	return static_cast<Fs *>(env)->create(branch, dir, std::string_view(name, len), args, child);
}

int Fs::op_link(void *env, unsigned branch, void *old, void *dir, const char *name,
		unsigned len, void **child)
{
	return static_cast<Fs *>(env)->link(branch, old, dir, std::string_view(name, len), child);
}

int Fs::op_unlink(void *env, unsigned branch, void *dir, void *child)
{
	return static_cast<Fs *>(env)->remove_child(Op::kUnlink, branch, dir, child);
}

int Fs::op_rmdir(void *env, unsigned branch, void *dir, void *child)
{
	return static_cast<Fs *>(env)->remove_child(Op::kRmdir, branch, dir, child);
}

int Fs::op_rename(void *env, unsigned branch, void *old_dir, void *child, void *new_dir,
		  const char *name, unsigned len, unsigned flags)
{
	return static_cast<Fs *>(env)->rename(branch, old_dir, child, new_dir,
					      std::string_view(name, len), flags);
}

int Fs::op_copy_up(void *env, unsigned from_branch, void *object, unsigned to_branch,
		   void *to_dir, const char *name, unsigned len, unsigned long long size,
		   void **child)
{
	return static_cast<Fs *>(env)->copy_up(from_branch, object, to_branch, to_dir,
					       std::string_view(name, len), size, child);
}

int Fs::op_link_up(void *env, unsigned from_branch, void *object, unsigned to_branch,
		   void *to_dir, const char *name, unsigned len, void **child)
{
	return static_cast<Fs *>(env)->link_up(from_branch, object, to_branch, to_dir,
					       std::string_view(name, len), child);
}

int Fs::op_exchange(void *env, unsigned branch, void *dir_a, void *child_a, void *dir_b,
		    void *child_b)
{
	return static_cast<Fs *>(env)->exchange(branch, dir_a, child_a, dir_b, child_b);
}

} /* namespace memfs */
